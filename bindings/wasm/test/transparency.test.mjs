// Key transparency (SPEC.md §14) through the JavaScript API, against a real log: the Rust side
// (examples/interop.rs `log`) plays the service, publishing the chains this test writes and
// having three witnesses cosign; the client here trusts the log's key and two of the witnesses.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { Device, Directory, LogPolicy, MailSealer, Mailbox, Planner, TransparencyView, encodeSegment, splitEnvelope } from "mailseal";

import { NOW, hexId, rust, thrown, user, withDir } from "./world.mjs";

const enc = new TextEncoder();
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));

/** The client's policy as the service's policy.json states it. */
function policyOf(dir) {
  const p = JSON.parse(readFileSync(join(dir, "policy.json"), "utf8"));
  const witnesses = p.witnesses.map((w) => ({ name: w.name, key: unhex(w.key) }));
  return { origin: p.origin, logKey: unhex(p.logKey), witnesses, threshold: p.threshold };
}
const newPolicy = (p) => new LogPolicy(p.origin, p.logKey, p.witnesses, p.threshold);

/** What the service serves of a chain file's entry under checkpoint `n`: `{index, entry, inclusion}`. */
function served(dir, file, n) {
  const read = (ext) => new Uint8Array(readFileSync(join(dir, `${file}.${ext}`)));
  return { index: Number(readFileSync(join(dir, `${file}.index`), "utf8")), entry: read("entry"), inclusion: read(`inclusion-${n}`) };
}

/** `u`'s chain grown by a second device: the links and the verified chain. */
function grown(u) {
  const second = Device.generate("x25519", hexId(0xd5));
  const draft = u.chain.proposeAddDevice(u.device.id, second.publicRecord(), undefined, 2);
  draft.sign(u.device);
  draft.sign(second);
  const link = draft.finish();
  return { links: [...u.links, link], chain: u.chain.extend([link]) };
}

/**
 * The world of these tests: Alice and Bob; the log publishes both chains (checkpoint 1), then
 * Bob's chain grown by a device Bob's own client has not seen (checkpoint 2).
 */
function world(dir) {
  const [alice, bob] = [user("alice", 0x31, "x25519"), user("bob", 0x32, "x25519")];
  const bobGrown = grown(bob);
  writeFileSync(join(dir, "alice.chain"), encodeSegment(alice.links));
  writeFileSync(join(dir, "bob.chain"), encodeSegment(bob.links));
  writeFileSync(join(dir, "bob-grown.chain"), encodeSegment(bobGrown.links));
  assert.match(rust(["log", dir, "alice.chain,bob.chain", "bob-grown.chain"]), /^log: 3 entries, 2 checkpoints/);
  const file = (name) => new Uint8Array(readFileSync(join(dir, name)));
  return {
    alice,
    bob,
    bobGrown,
    policy: policyOf(dir),
    note1: file("checkpoint-1"),
    note2: file("checkpoint-2"),
    consistency2: file("consistency-2"),
    // The entries with their proofs under checkpoint 1 and under checkpoint 2.
    at: { alice: served(dir, "alice.chain", 1), bob: served(dir, "bob.chain", 1) },
    at2: { alice: served(dir, "alice.chain", 2), bob: served(dir, "bob.chain", 2), bobGrown: served(dir, "bob-grown.chain", 2) },
  };
}

/** Alice's mail to Bob, and Bob's copy of it. */
function mailToBob(alice, bob) {
  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<kt@example.com>", NOW);
  sealer.to(bob.address, bob.chain);
  const body = sealer.addPiece(enc.encode("Subject: hi\r\n\r\nHello Bob"));
  const copy = splitEnvelope(sealer.seal()).find((c) => c.user === bob.id).copy;
  return { body, copy };
}

test("a sender shown published in the log: Bob reads Alice's mail as E2E", () =>
  withDir((dir) => {
    const w = world(dir);
    const view = new TransparencyView(newPolicy(w.policy));
    assert.equal(view.checkpoint, null);
    const held = view.update(w.note1);
    assert.equal(held.size, 2);
    assert.match(held.root, /^[0-9a-f]{64}$/);
    assert.deepEqual(view.checkpoint, held);

    const senders = new Directory();
    const a = w.at.alice;
    const published = senders.addPublished(view, w.alice.chain, a.index, a.entry, a.inclusion);
    assert.deepEqual(published, { index: a.index, seq: 1, checkpointSize: 2 });
    assert.deepEqual(senders.publication(w.alice.id), published);
    assert.equal(senders.size, 1);

    // Bob's mailbox as a client has it by default: it follows the log, no opt-out.
    const mailbox = new Mailbox(w.bob.chain, w.bob.keyring);
    const { body, copy } = mailToBob(w.alice, w.bob);
    const opened = mailbox.open(copy, senders);
    assert.deepEqual(opened.senderPublication, published);
    const c = opened.classify(true);
    assert.equal(c.footer, "E2E Encrypted");
    assert.deepEqual(c.reasons, []);
    assert.deepEqual(c.cautions, []);
    assert.equal(new TextDecoder().decode(opened.openPiece(0, body)), "Subject: hi\r\n\r\nHello Bob");

    // The same chain without its proof: the same mail is Server Encrypted, and says why.
    const unproven = new Directory();
    unproven.add(w.alice.chain);
    assert.equal(unproven.publication(w.alice.id), null);
    const shown = mailbox.open(copy, unproven);
    assert.equal(shown.senderPublication, null);
    assert.equal(shown.classify(true).code, "server_encrypted");
    assert.deepEqual(shown.classify(true).reasons.map((r) => r.code), ["sender_not_published"]);
    // Adding the proof later makes it E2E: addPublished replaces what the directory held.
    unproven.addPublished(view, w.alice.chain, a.index, a.entry, a.inclusion);
    assert.equal(unproven.size, 1);
    assert.equal(mailbox.open(copy, unproven).classify(true).code, "e2e_encrypted");
  }));

test("Alice's planner notes a recipient whose chain came without its proof", () =>
  withDir((dir) => {
    const w = world(dir);
    const view = new TransparencyView(newPolicy(w.policy));
    view.update(w.note1);
    const published = new Directory();
    const b = w.at.bob;
    published.addPublished(view, w.bob.chain, b.index, b.entry, b.inclusion);
    const unproven = new Directory();
    unproven.add(w.bob.chain);
    const plan = (dir) => {
      const p = new Planner(w.alice.chain, w.alice.device.id);
      p.fromDirectory(w.bob.address, "to", dir, w.bob.id);
      return p.plan();
    };
    assert.equal(plan(published).decision, "e2e");
    assert.deepEqual(plan(published).notes, []);
    const noted = plan(unproven);
    assert.equal(noted.decision, "e2e");
    assert.deepEqual(noted.notes.map((n) => [n.code, n.address]), [["recipient_not_published", w.bob.address]]);
    // A user the directory does not hold cannot be planned from it.
    const p = new Planner(w.alice.chain, w.alice.device.id);
    assert.equal(thrown(() => p.fromDirectory(w.alice.address, "to", unproven, w.alice.id)).class, "binding/invalid_argument");
  }));

test("a note is accepted as bytes or as its text, and the checkpoint alone verifies under the policy", () =>
  withDir((dir) => {
    const w = world(dir);
    const policy = newPolicy(w.policy);
    const text = new TextDecoder().decode(w.note2);
    assert.deepEqual(policy.verifyCheckpoint(text), policy.verifyCheckpoint(w.note2));
    assert.equal(policy.verifyCheckpoint(text).size, 3);
    // A client keeps its view across sessions by storing the last note it accepted.
    const view = new TransparencyView(policy);
    view.update(w.note1);
    const restored = new TransparencyView(policy);
    restored.update(new TextDecoder().decode(w.note1));
    assert.deepEqual(restored.checkpoint, view.checkpoint);
  }));

test("a later checkpoint must extend the one held: consistency, rollback, fork", () =>
  withDir((dir) => {
    const w = world(dir);
    const view = new TransparencyView(newPolicy(w.policy));
    view.update(w.note1);
    // Without the consistency proof, the larger tree is not shown to extend the one held.
    assert.equal(thrown(() => view.update(w.note2)).class, "transparency/fork");
    assert.equal(view.checkpoint.size, 2);
    assert.equal(view.update(w.note2, w.consistency2).size, 3);
    // The service cannot take the client back to the older tree.
    assert.equal(thrown(() => view.update(w.note1)).class, "transparency/rollback");
    assert.equal(view.checkpoint.size, 3);
  }));

test("a proof for another chain, or not in the log, adds nothing to the directory", () =>
  withDir((dir) => {
    const w = world(dir);
    const view = new TransparencyView(newPolicy(w.policy));
    const senders = new Directory();
    const a = w.at.alice;
    // No checkpoint held yet.
    assert.equal(thrown(() => senders.addPublished(view, w.alice.chain, a.index, a.entry, a.inclusion)).class, "transparency/no_checkpoint");
    view.update(w.note1);
    // A forged chain for Alice (another device, Alice's user id) against her real entry.
    const forged = user("alice", 0x31, "x25519");
    assert.equal(thrown(() => senders.addPublished(view, forged.chain, a.index, a.entry, a.inclusion)).class, "chain/fork");
    // Bob's entry offered for Alice's chain.
    const b = w.at.bob;
    assert.equal(thrown(() => senders.addPublished(view, w.alice.chain, b.index, b.entry, b.inclusion)).class, "transparency/entry_mismatch");
    // Alice's entry at another index.
    assert.equal(thrown(() => senders.addPublished(view, w.alice.chain, b.index, a.entry, a.inclusion)).class, "transparency/not_included");
    // An entry beyond the checkpoint held (Bob's grown chain is in checkpoint 2 only).
    const g = w.at2.bobGrown;
    assert.equal(thrown(() => senders.addPublished(view, w.bobGrown.chain, g.index, g.entry, g.inclusion)).class, "transparency/not_included");
    assert.equal(senders.size, 0);
    assert.equal(senders.publication(w.alice.id), null);
    assert.equal(senders.get(w.alice.id), undefined);
  }));

test("an older entry of a chain verifies as published, but is not the chain's own tail", () =>
  withDir((dir) => {
    const w = world(dir);
    const view = new TransparencyView(newPolicy(w.policy));
    view.update(w.note1);
    view.update(w.note2, w.consistency2);
    const b = w.at2.bob;
    // The entry publishes position 1 of the grown chain: a position of it, not its tail.
    assert.deepEqual(view.verifyPublished(w.bobGrown.chain, b.index, b.entry, b.inclusion), { index: b.index, seq: 1, checkpointSize: 3 });
    const senders = new Directory();
    assert.equal(thrown(() => senders.addPublished(view, w.bobGrown.chain, b.index, b.entry, b.inclusion)).class, "transparency/entry_mismatch");
    // The newer entry is the grown chain's tail; Bob's older client view is behind it.
    const g = w.at2.bobGrown;
    assert.equal(senders.addPublished(view, w.bobGrown.chain, g.index, g.entry, g.inclusion).seq, 2);
    assert.equal(thrown(() => view.verifyPublished(w.bob.chain, g.index, g.entry, g.inclusion)).class, "chain/behind");
  }));

test("self-monitoring: Bob's client finds the device added behind its back", () =>
  withDir((dir) => {
    const w = world(dir);
    const view = new TransparencyView(newPolicy(w.policy));
    view.update(w.note2);
    // Bob's own entries, newest first, as the service serves them.
    const history = [w.at2.bobGrown, w.at2.bob];
    assert.deepEqual(view.monitor(w.bob.chain, history), { code: "ahead", seq: 2 });
    // Once Bob's client has fetched and verified the link, the log agrees with it.
    assert.deepEqual(view.monitor(w.bobGrown.chain, history), { code: "consistent" });
    // A history cut short (the first entry withheld) is refused.
    assert.equal(thrown(() => view.monitor(w.bobGrown.chain, [w.at2.bobGrown])).class, "transparency/entry_mismatch");
    // An entry of another user in Bob's history.
    assert.equal(thrown(() => view.monitor(w.bob.chain, [w.at2.alice])).class, "transparency/entry_mismatch");
  }));

test("the policy refuses what it cannot use, with typed errors", () =>
  withDir((dir) => {
    const w = world(dir);
    const p = w.policy;
    const cls = (f) => thrown(f).class;
    // Trusting the log alone, or more witnesses than configured, cannot detect a split view;
    // names that cannot be signed-note key names cannot be checked.
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey, p.witnesses, 0)), "misuse/invalid_log_setup");
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey, p.witnesses, 4)), "misuse/invalid_log_setup");
    assert.equal(cls(() => new LogPolicy("mail.example.com log", p.logKey, p.witnesses, 2)), "misuse/invalid_log_setup");
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey.subarray(1), p.witnesses, 2)), "binding/invalid_argument");
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey, ["witness0.example.org"], 1)), "binding/invalid_argument");
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey, [{ name: 7, key: p.logKey }], 1)), "binding/invalid_argument");
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey, [{ name: "w" }], 1)), "binding/invalid_argument");
    assert.equal(cls(() => new LogPolicy(p.origin, p.logKey, p.witnesses, 1.5)), "binding/invalid_argument");
    // Another log's key, another origin, too few witnesses the client knows.
    const other = { ...p, logKey: p.witnesses[0].key };
    assert.equal(cls(() => newPolicy(other).verifyCheckpoint(w.note1)), "transparency/log_signature");
    assert.equal(cls(() => newPolicy({ ...p, origin: "other.example.com/log" }).verifyCheckpoint(w.note1)), "transparency/other_log");
    const strangers = { ...p, witnesses: p.witnesses.map((x) => ({ ...x, name: `x${x.name}` })) };
    assert.equal(cls(() => newPolicy(strangers).verifyCheckpoint(w.note1)), "transparency/witnesses");
    // A note that is neither bytes nor text; history entries that are not entries.
    const view = new TransparencyView(newPolicy(p));
    assert.equal(cls(() => view.update(42)), "binding/invalid_argument");
    assert.equal(cls(() => view.update(enc.encode("not a note"))), "transparency/checkpoint");
    view.update(w.note1);
    assert.equal(cls(() => view.monitor(w.bob.chain, [{ index: "0", entry: w.at.bob.entry, inclusion: w.at.bob.inclusion }])), "binding/invalid_argument");
    assert.equal(cls(() => view.monitor(w.bob.chain, [null])), "binding/invalid_argument");
    assert.equal(cls(() => view.verifyPublished(w.bob.chain, -1, w.at.bob.entry, w.at.bob.inclusion)), "binding/invalid_argument");
  }));

test("random and mutated input never traps the transparency checks", () =>
  withDir((dir) => {
    const w = world(dir);
    const policy = newPolicy(w.policy);
    const view = new TransparencyView(policy);
    view.update(w.note1);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    const random = () => Uint8Array.from({ length: next() % 300 }, () => next() >>> 24);
    /** A copy of `b` with one to three bytes changed. */
    const mutated = (b) => {
      const out = b.slice();
      for (let k = 1 + (next() % 3); k > 0; k--) out[next() % out.length] ^= 1 + (next() % 255);
      return out;
    };
    const a = w.at.alice;
    const checks = [
      () => policy.verifyCheckpoint(random()),
      () => policy.verifyCheckpoint(mutated(w.note2)),
      () => new TransparencyView(policy).update(mutated(w.note1)),
      () => view.verifyPublished(w.alice.chain, next() % 4, random(), random()),
      () => view.verifyPublished(w.alice.chain, a.index, mutated(a.entry), a.inclusion),
      () => view.verifyPublished(w.alice.chain, a.index, a.entry, mutated(a.inclusion)),
      () => view.monitor(w.bob.chain, [{ index: next() % 4, entry: random(), inclusion: random() }]),
      () => new Directory().addPublished(view, w.alice.chain, a.index, mutated(a.entry), mutated(a.inclusion)),
    ];
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      for (const check of checks) {
        try {
          check();
        } catch (e) {
          assert.equal(e.name, "MailsealError", `${e}`);
          assert.match(e.class, /^[a-z_]+\//);
          refused++;
        }
      }
    }
    assert.ok(refused > 1400, `${refused} refusals`);
    // The view still holds what it verified, and still works.
    assert.equal(view.checkpoint.size, 2);
    assert.equal(new Directory().addPublished(view, w.alice.chain, a.index, a.entry, a.inclusion).seq, 1);
  }));
