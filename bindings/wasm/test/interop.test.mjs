// Mail sealed by the Rust crate opens in JavaScript, and mail sealed in JavaScript opens in
// Rust: examples/interop.rs on the other side, bytes exchanged as files in a temporary folder.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
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

import { NOW, collect, pattern, patternStream, rust, user, withDir } from "./world.mjs";

for (const suite of suites()) {
  test(`${suite}: mail sealed by Rust opens in JavaScript`, () =>
    withDir((dir) => {
      assert.match(rust(["seal", dir, suite]), /^sealed: 2 pieces/);
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

  test(`${suite}: mail sealed in JavaScript opens in Rust`, () =>
    withDir(async (dir) => {
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
      assert.match(rust(["open", dir]), /^opened: 2 pieces from alice@example.com \(verified_active_device\), footer "E2E Encrypted"/);
    }));
}
