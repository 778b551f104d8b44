// Bad input gives a typed JavaScript error (a MailsealError with the library's class), never
// a trap of the WebAssembly module; after any of them the module keeps working.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Chain,
  Device,
  Directory,
  MailSealer,
  PieceKey,
  Puk,
  RecoveryCode,
  linkCopy,
  parseDeviceRecord,
  parseReport,
  parsePukRecord,
  pieceOpen,
  splitEnvelope,
  tagList,
  validateCopy,
  validateEnvelope,
} from "mailseal";

import { NOW, hexId, thrown, user } from "./world.mjs";

const enc = new TextEncoder();

function assertClass(f, cls) {
  const e = thrown(f);
  assert.ok(e instanceof Error, "an Error");
  assert.equal(e.name, "MailsealError", String(e));
  assert.equal(e.class, cls, e.message);
  assert.ok(e.message.length > 10 && !/[A-Z][a-z]+::/.test(e.message), "a sentence, no Rust path");
  return e;
}

test("malformed input names the check that failed", () => {
  // Canonical CBOR (SPEC.md §4.1), each rule by its reason.
  assertClass(() => splitEnvelope(Uint8Array.of(0xb8, 0x00)), "malformed/cbor/non_minimal");
  assertClass(() => splitEnvelope(Uint8Array.of(0xa1)), "malformed/cbor/length_exceeds_input");
  assertClass(() => splitEnvelope(Uint8Array.of(0xc0, 0x00)), "malformed/cbor/tag");
  assertClass(() => splitEnvelope(Uint8Array.of(0x1c)), "malformed/cbor/reserved");
  assertClass(() => splitEnvelope(Uint8Array.of(0x62, 0xff, 0xfe)), "malformed/cbor/invalid_utf8");
  assertClass(() => validateEnvelope(Uint8Array.of(0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0), []), "malformed/cbor/simple_or_float");
  assertClass(() => validateCopy(new Uint8Array(0), []), "malformed/cbor/truncated");
  assertClass(() => linkCopy(Uint8Array.of(0xff)), "malformed/cbor/indefinite_length");
  assertClass(() => parseDeviceRecord(Uint8Array.of(0x00, 0x00)), "malformed/cbor/trailing_bytes");
  // Well-formed CBOR of the wrong shape.
  assertClass(() => parsePukRecord(Uint8Array.of(0xa0)), "malformed/cbor/schema");
  assertClass(() => Chain.verify([Uint8Array.of(0x80)]), "malformed/cbor/schema");
  // Limits, checked before anything is allocated for the input.
  assertClass(() => splitEnvelope(new Uint8Array(4 * 1024 * 1024 + 1)), "limit_exceeded/envelope_size");
  assertClass(() => RecoveryCode.parse("0000-0000"), "malformed/recovery_code/length");
  // 95 bytes: a header and a final chunk shorter than its tag.
  assertClass(() => tagList(new Uint8Array(95)), "malformed/piece_truncated");
  const key = PieceKey.generate();
  assertClass(() => pieceOpen("xwing", "mail piece", key, new Uint8Array(63)), "malformed/piece_truncated");
  assertClass(() => pieceOpen("xwing", "mail piece", key, new Uint8Array(96)), "authentication/key_commitment");
});

test("arguments the binding cannot use are binding/invalid_argument", () => {
  assertClass(() => Device.generate("rsa", "00".repeat(16)), "binding/invalid_argument");
  assertClass(() => Device.fromSeed("xwing", "00".repeat(16), new Uint8Array(31)), "binding/invalid_argument");
  assertClass(() => Puk.derive("x25519", "00".repeat(16), 1, new Uint8Array(33)), "binding/invalid_argument");
  assertClass(() => Chain.verify(["not bytes"]), "binding/invalid_argument");
  const alice = user("alice", 1);
  assertClass(() => new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<m@x>", -1), "binding/invalid_argument");
  assertClass(() => new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<m@x>", 1.5), "binding/invalid_argument");
  // Ids are 32 hexadecimal digits: the library's own check.
  assertClass(() => Device.generate("xwing", "xyz"), "malformed/field/id");
});

test("piece indices and PUK generations are checked, never wrapped modulo 2^32", () => {
  const invalid = "binding/invalid_argument";
  // Generations: 2^32 would have been generation 0, 2^32 + 1 generation 1.
  for (const g of [2 ** 32, 2 ** 32 + 1, -1, 1.5, NaN, Infinity]) {
    assertClass(() => Puk.generate("x25519", hexId(1), g), invalid);
    assertClass(() => Puk.derive("x25519", hexId(1), g, new Uint8Array(32)), invalid);
  }
  assert.equal(Puk.generate("x25519", hexId(1), 2 ** 32 - 1).generation, 2 ** 32 - 1);
  assert.equal(Puk.derive("x25519", hexId(1), 7, new Uint8Array(32)).generation, 7);

  // Piece indices: 2^32 would have been the body, 2^32 + 1 the attachment.
  const [alice, bob] = [user("alice", 1), user("bob", 2)];
  const s = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<idx@example.com>", NOW);
  s.to(bob.address, bob.chain);
  const body = s.addPiece(enc.encode("the body"));
  const photo = s.addPiece(enc.encode("a private photo"));
  const copy = splitEnvelope(s.seal()).find((c) => c.user === bob.id).copy;
  const senders = new Directory();
  senders.add(alice.chain);
  const opened = bob.mailbox.open(copy, senders);
  for (const [i, piece] of [[2 ** 32, body], [2 ** 32 + 1, photo], [-1, body], [0.5, body], [NaN, body]]) {
    assertClass(() => opened.openPiece(i, piece), invalid);
    assertClass(() => opened.pieceSize(i), invalid);
    assertClass(() => opened.pieceDigest(i), invalid);
    assertClass(() => opened.pieceDecryptor(i), invalid);
    assertClass(() => opened.verifiedPieceDecryptor(i, tagList(piece)), invalid);
    assertClass(() => opened.verifiedPieceReader(i, tagList(piece)), invalid);
    assertClass(() => opened.report([i], bob.device, NOW), invalid);
  }
  assertClass(() => opened.report([1, 2 ** 32], bob.device, NOW), invalid);
  assertClass(() => opened.report(["0"], bob.device, NOW), invalid);
  assertClass(() => opened.report(0, bob.device, NOW), invalid);
  // In range they still work; a whole index past the last piece is the library's refusal.
  assert.equal(new TextDecoder().decode(opened.openPiece(1, photo)), "a private photo");
  assert.equal(opened.pieceSize(0), body.length);
  assert.notEqual(thrown(() => opened.openPiece(2, body)).class, invalid);
  assert.deepEqual(parseReport(opened.report([0], bob.device, NOW)).disclosed, [0]);
  assert.deepEqual(parseReport(opened.report(Uint32Array.of(1), bob.device, NOW)).disclosed, [1]);
});

test("a finished link draft has no body or signers: binding/invalid_argument, as finish() again", () => {
  const u = user("uma", 0x55);
  const phone = Device.generate("xwing", hexId(0x56));
  const draft = u.chain.proposeAddDevice(u.device.id, phone.publicRecord(), undefined, NOW);
  assert.ok(draft.body.length > 0);
  assert.deepEqual(draft.signers, [u.device.id, phone.id]);
  draft.sign(u.device);
  draft.sign(phone);
  u.chain.extend([draft.finish()]);
  assertClass(() => draft.body, "binding/invalid_argument");
  assertClass(() => draft.signers, "binding/invalid_argument");
  assertClass(() => draft.finish(), "binding/invalid_argument");
  assertClass(() => draft.sign(u.device), "binding/invalid_argument");
});

test("the library's misuse checks come through", () => {
  const [alice, bob] = [user("alice", 1), user("bob", 2, "x25519")];
  // Sealing as an address the sender's chain does not list.
  assertClass(
    () => new MailSealer(alice.puk, alice.device, alice.chain, "ceo@example.com", "<m@example.com>", NOW),
    "misuse/sender_address_not_in_chain",
  );
  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<m@example.com>", NOW);
  assertClass(() => sealer.to("someone@example.com", bob.chain), "misuse/address_not_in_chain");
  sealer.to(bob.address, bob.chain);
  // Bob's key is X25519, Alice's mail X-Wing.
  assertClass(() => sealer.validate(), "misuse/suite_mismatch");
  const nobody = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<n@example.com>", NOW);
  nobody.addPiece(enc.encode("hi"));
  assertClass(() => nobody.seal(), "misuse/no_recipients");
});

test("random bytes never trap any parser", () => {
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  const parsers = [
    (b) => splitEnvelope(b),
    (b) => validateEnvelope(b, [1, 2]),
    (b) => validateCopy(b, []),
    (b) => linkCopy(b),
    (b) => parsePukRecord(b),
    (b) => parseDeviceRecord(b),
    (b) => Chain.verify([b]),
    (b) => Chain.verifySegment(b),
    (b) => tagList(b),
    (b) => user("z", 9).mailbox.open(b, new Directory()),
  ];
  let thrownCount = 0;
  for (let i = 0; i < 300; i++) {
    const b = new Uint8Array(next() % 200);
    for (let j = 0; j < b.length; j++) b[j] = next() >>> 24;
    // Bias towards CBOR maps and arrays so parsing gets past the first byte.
    if (b.length > 0 && i % 2 === 0) b[0] = 0xa0 | (b[0] & 0x1f);
    for (const parse of parsers.slice(0, i % 5 === 0 ? parsers.length : parsers.length - 1)) {
      try {
        parse(b);
      } catch (e) {
        assert.equal(e.name, "MailsealError", `${e}`);
        assert.equal(typeof e.class, "string");
        thrownCount++;
      }
    }
  }
  assert.ok(thrownCount > 2000);
  // The module still works.
  const [a, b] = [user("a", 3), user("b", 4)];
  const s = new MailSealer(a.puk, a.device, a.chain, a.address, "<after@example.com>", NOW);
  s.to(b.address, b.chain);
  s.addPiece(enc.encode("still fine"));
  assert.equal(splitEnvelope(s.seal()).length, 2);
});

test("a freed handle throws a JavaScript error, not a trap", () => {
  const d = Device.generate("x25519", "11".repeat(16));
  const id = d.id;
  d.free();
  assert.throws(() => d.id, (e) => e instanceof Error && !(e instanceof WebAssembly.RuntimeError));
  // A sealer is used up by seal().
  const [a, b] = [user("a", 5), user("b", 6)];
  const s = new MailSealer(a.puk, a.device, a.chain, a.address, "<once@example.com>", NOW);
  s.to(b.address, b.chain);
  s.addPiece(enc.encode("x"));
  s.seal();
  assert.throws(() => s.seal(), (e) => e instanceof Error && !(e instanceof WebAssembly.RuntimeError));
  assert.equal(id.length, 32);
});
