// The stand-in service of the README's key-transparency example (test/readme.test.mjs runs the
// example with it): Alice and Bob, their chains published in a log that the Rust side plays
// (examples/interop.rs `log`, three witnesses), and Bob's copy of a mail from Alice. What a
// real client would fetch from its service, `service` hands out from the log's files.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { MailSealer, encodeSegment, splitEnvelope } from "mailseal";

import { NOW, rust, user } from "./world.mjs";

const dir = process.env.MAILSEAL_README_LOG;
const alice = user("alice", 0x41, "x25519");
const bob = user("bob", 0x42, "x25519");
writeFileSync(join(dir, "alice.chain"), encodeSegment(alice.links));
writeFileSync(join(dir, "bob.chain"), encodeSegment(bob.links));
rust(["log", dir, "alice.chain,bob.chain"]);

const file = (name) => new Uint8Array(readFileSync(join(dir, name)));
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const policy = JSON.parse(readFileSync(join(dir, "policy.json"), "utf8"));
const files = { [alice.id]: "alice.chain", [bob.id]: "bob.chain" };
const entry = (user) => ({
  index: Number(readFileSync(join(dir, `${files[user]}.index`), "utf8")),
  entry: file(`${files[user]}.entry`),
  inclusion: file(`${files[user]}.inclusion-1`),
});

const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<kt@example.com>", NOW);
sealer.to(bob.address, bob.chain);
sealer.addPiece(new TextEncoder().encode("Subject: hi\r\n\r\nHello Bob"));
const copies = splitEnvelope(sealer.seal());

/** Bob's client: his chain and keys. */
export { bob };

/** The calls a client makes to its service, answered from the log's files. */
export const service = {
  /** The log and its witnesses, as the client is configured with them (not fetched). */
  log: {
    origin: policy.origin,
    key: unhex(policy.logKey),
    witnesses: policy.witnesses.map((w) => ({ name: w.name, key: unhex(w.key) })),
  },
  /** The newest checkpoint (a signed note, as text) and the proof that it extends `size`. */
  checkpoint: async (size) => ({ note: new TextDecoder().decode(file("checkpoint-1")), consistency: size ? file("consistency-1") : undefined }),
  /** A user's chain, as links. */
  chain: async (user) => (user === alice.id ? alice.links : bob.links),
  /** A user's newest log entry with its inclusion proof under the newest checkpoint. */
  entry: async (user) => entry(user),
  /** A user's entries, newest first (self-monitoring). */
  history: async (user) => [entry(user)],
  /** The new mail in Bob's mailbox. */
  inbox: async () => copies.filter((c) => c.user === bob.id).map((c) => ({ from: alice.id, copy: c.copy })),
};
