// Mail sealed by the Rust crate opens in JavaScript, and mail sealed in JavaScript opens in
// Rust: examples/interop.rs on the other side, bytes exchanged as files in a temporary folder.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import {
  Chain,
  Directory,
  Keyring,
  MailSealer,
  Mailbox,
  Puk,
  encodeSegment,
  sealingStream,
  splitEnvelope,
  suites,
} from "mailseal";

import { NOW, collect, pattern, patternStream, user } from "./world.mjs";

const crate = new URL("..", import.meta.url).pathname;

/** Runs the Rust side: the prebuilt binary in $MAILSEAL_INTEROP, else through cargo. */
function rust(...args) {
  const bin = process.env.MAILSEAL_INTEROP;
  const [cmd, argv] = bin
    ? [bin, args]
    : ["cargo", ["run", "--quiet", "--manifest-path", join(crate, "Cargo.toml"), "--example", "interop", "--", ...args]];
  return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

function withDir(f) {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-interop-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const suite of suites()) {
  test(`${suite}: mail sealed by Rust opens in JavaScript`, () =>
    withDir((dir) => {
      assert.match(rust("seal", dir, suite), /^sealed: 2 pieces/);
      const read = (name) => new Uint8Array(readFileSync(join(dir, name)));
      const alice = Chain.verifySegment(read("alice.chain"));
      const bob = Chain.verifySegment(read("bob.chain"));
      const keys = new Keyring();
      keys.add(Puk.derive(suite, bob.user, 1, read("bob.puk")));
      const senders = new Directory();
      senders.add(alice);
      const copy = splitEnvelope(read("envelope")).find((c) => c.user === bob.user).copy;
      const opened = new Mailbox(bob, keys).withoutKeyTransparency().open(copy, senders);
      assert.equal(opened.pieceCount, 2);
      for (const i of [0, 1]) assert.deepEqual(opened.openPiece(i, read(`piece-${i}`)), read(`plain-${i}`));
      assert.equal(opened.classify(true).footer, "E2E Encrypted");
      assert.equal(opened.header.sender.address, "alice@example.com");
    }));

  test(`${suite}: mail sealed in JavaScript opens in Rust`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mailseal-interop-"));
    try {
      const [alice, bob] = [user("alice", 0x21, suite), user("bob", 0x22, suite)];
      const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<from-js@example.com>", NOW);
      sealer.to(bob.address, bob.chain);
      const body = new TextEncoder().encode("Subject: from JavaScript\r\n\r\nSealed by the npm package.");
      const pieces = [sealer.addPiece(body), await collect(patternStream(150_000, 40_000).pipeThrough(sealingStream(sealer)))];
      const write = (name, bytes) => writeFileSync(join(dir, name), bytes);
      write("suite", suite);
      write("envelope", sealer.seal());
      pieces.forEach((p, i) => write(`piece-${i}`, p));
      write("plain-0", body);
      write("plain-1", pattern(150_000));
      write("alice.chain", encodeSegment(alice.links));
      write("bob.chain", encodeSegment(bob.links));
      write("bob.puk", bob.puk.exposeSeed());
      assert.match(rust("open", dir), /^opened: 2 pieces from alice@example.com \(verified_active_device\), footer "E2E Encrypted"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
