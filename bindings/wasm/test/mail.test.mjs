// Mail through the JavaScript API as a web client and a Node server would use it: keys,
// chains, sealing with a streamed attachment, the server's split, opening, the footer.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Directory,
  InboundSealer,
  MailSealer,
  Mailbox,
  Planner,
  linkCopy,
  resealHeld,
  openLinkCopy,
  openingStream,
  parseReport,
  sealingStream,
  splitEnvelope,
  suites,
  tagList,
  validateCopy,
  validateEnvelope,
  verifyReport,
} from "mailseal";

import { NOW, collect, pattern, patternStream, thrown, user } from "./world.mjs";

const enc = new TextEncoder();
const dec = new TextDecoder();

for (const suite of suites()) {
  test(`${suite}: Alice mails Bob (To), Carol (CC) and Dave (BCC) with a streamed attachment`, async () => {
    const [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map((n, i) => user(n, i + 1, suite));
    const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<q3@example.com>", NOW);
    sealer.to(bob.address, bob.chain);
    sealer.cc(carol.address, carol.chain);
    sealer.bcc(dave.address, dave.chain);
    sealer.bccText(dave.address);
    sealer.validate();
    const body = sealer.addPiece(enc.encode("Subject: Q3 plan\r\n\r\nPlan attached."));
    // 300,000 bytes in odd-sized chunks: the piece is sealed chunk by chunk.
    const attachment = await collect(patternStream(300_000, 77_777).pipeThrough(sealingStream(sealer)));
    const envelope = sealer.seal();

    // The server: validation and split, no key.
    const info = validateEnvelope(envelope, [body.length, attachment.length]);
    assert.equal(info.origin, "sender_device");
    assert.equal(info.suite, suite);
    assert.deepEqual(info.boxes.map((b) => b.kind), ["sender", "to", "cc", "bcc"]);
    const copies = splitEnvelope(envelope);
    assert.equal(copies.length, 4);
    const copyOf = (u) => copies.find((c) => c.user === u.id).copy;
    validateCopy(copyOf(bob), [body.length, attachment.length]);

    const senders = new Directory();
    senders.add(alice.chain);
    for (const reader of [bob, carol, dave]) {
      const opened = reader.mailbox.open(copyOf(reader), senders);
      assert.equal(dec.decode(opened.openPiece(0, body)), "Subject: Q3 plan\r\n\r\nPlan attached.");
      // Verified streaming: the tag list is checked against the manifest's digest first.
      const streamed = await collect(
        new Blob([attachment]).stream().pipeThrough(openingStream(opened, 1, tagList(attachment))),
      );
      assert.deepEqual(streamed, pattern(300_000));
      const c = opened.classify(true);
      assert.equal(c.footer, "E2E Encrypted");
      assert.equal(c.code, "e2e_encrypted");
      assert.equal(c.sender, "verified_active_device");
      assert.deepEqual(c.reasons, []);
      assert.equal(opened.header.sender.address, alice.address);
      assert.equal(opened.sentRecord, null);
    }
    // Bob has not written with Alice: E2E, with a caution in the product's words.
    const unknown = bob.mailbox.open(copyOf(bob), senders).classify(false);
    assert.deepEqual(unknown.cautions.map((c) => c.code), ["unknown_sender", "sender_not_checked_in_log"]);
    assert.match(unknown.cautions[0].text, /not that it is safe/);

    // Alice's Sent copy: the BCC line and the whole recipient list, verified.
    const sent = alice.mailbox.open(copyOf(alice), senders);
    assert.equal(sent.recipientKind, "sender");
    assert.equal(sent.sentRecord.bcc, dave.address);
    assert.deepEqual(
      sent.sentRecord.recipients.map((r) => [r.address, r.kind]),
      [[alice.address, "sender"], [bob.address, "to"], [carol.address, "cc"], [dave.address, "bcc"]],
    );

    // One flipped bit anywhere in a copy, and nothing opens.
    const tampered = copyOf(bob).slice();
    tampered[60] ^= 1;
    const e = thrown(() => bob.mailbox.open(tampered, senders));
    assert.equal(e.name, "MailsealError");
    assert.match(e.class, /^(authentication|malformed)\//);
    // Carol's mailbox has no box in Bob's copy.
    assert.equal(thrown(() => carol.mailbox.open(copyOf(bob), senders)).class, "not_a_recipient");
    // A reader who never verified Alice's chain cannot tell who signed.
    assert.equal(thrown(() => bob.mailbox.open(copyOf(bob), new Directory())).class, "authentication/unknown_signer");
  });
}

test("a mailbox follows the key-transparency log unless told otherwise", () => {
  const alice = user("alice", 1, "x25519");
  const bob = user("bob", 2, "x25519");
  const s = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<kt@example.com>", NOW);
  s.to(bob.address, bob.chain);
  s.addPiece(enc.encode("hello"));
  const copy = splitEnvelope(s.seal()).find((c) => c.user === bob.id).copy;
  const senders = new Directory();
  senders.add(alice.chain);
  // A plain directory shows no publication proof: Server Encrypted, and the footer says why.
  const strict = new Mailbox(bob.chain, bob.keyring).open(copy, senders).classify(true);
  assert.equal(strict.code, "server_encrypted");
  assert.deepEqual(strict.reasons.map((r) => r.code), ["sender_not_published"]);
  // A deployment without a log says so, and so does the footer.
  const lenient = new Mailbox(bob.chain, bob.keyring).withoutKeyTransparency().open(copy, senders).classify(true);
  assert.equal(lenient.code, "e2e_encrypted");
  assert.deepEqual(lenient.cautions.map((c) => c.code), ["sender_not_checked_in_log"]);
});

test("the planner: an external CC needs the server's key; the server reads its box", () => {
  const [alice, bob] = [user("alice", 1), user("bob", 2)];
  const server = user("mail-server", 0x5e);
  const planner = new Planner(alice.chain, alice.device.id);
  planner.user(bob.address, "to", bob.chain);
  planner.external("dan@elsewhere.example", "cc");
  const refused = planner.plan();
  assert.equal(refused.decision, "refuse");
  assert.deepEqual(refused.reasons.map((r) => r.code), ["no_server_key"]);

  planner.serverKey(server.address, server.puk.publicRecord());
  const plan = planner.plan();
  assert.equal(plan.decision, "not_e2e");
  assert.deepEqual(plan.reasons, [
    { code: "external", address: "dan@elsewhere.example", text: "dan@elsewhere.example is outside the service." },
  ]);
  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<ext@example.com>", NOW);
  sealer.applyPlan(plan);
  const body = sealer.addPiece(enc.encode("Hello"));
  const envelope = sealer.seal();
  const copies = splitEnvelope(envelope);
  const senders = new Directory();
  senders.add(alice.chain);
  const bobs = bob.mailbox.open(copies.find((c) => c.user === bob.id).copy, senders).classify(true);
  assert.equal(bobs.footer, "Server Encrypted");
  assert.deepEqual(bobs.reasons.map((r) => r.code), ["external", "flagged_not_e2e_by_sender"]);
  const serverMailbox = Mailbox.server(server.id, server.keyring);
  const held = serverMailbox.open(copies.find((c) => c.kind === "server").copy, senders);
  assert.equal(dec.decode(held.openPiece(0, body)), "Hello");
});

test("mail from outside, sealed by the server on arrival, says Server Encrypted", () => {
  const bob = user("bob", 2);
  const inbound = new InboundSealer("xwing", "inbound_external", "eve@elsewhere.example", "<in@elsewhere.example>", NOW);
  inbound.to(bob.address, bob.id);
  inbound.recipient(bob.address, bob.chain);
  inbound.addPiece(enc.encode("Subject: offer\r\n\r\nBuy now"));
  const sealed = inbound.seal();
  const copy = splitEnvelope(sealed.envelope)[0].copy;
  const opened = bob.mailbox.open(copy, new Directory());
  assert.equal(dec.decode(opened.openPiece(0, sealed.pieces[0])), "Subject: offer\r\n\r\nBuy now");
  const c = opened.classify(true);
  assert.equal(c.footer, "Server Encrypted");
  assert.equal(c.sender, "unsigned");
  assert.deepEqual(c.reasons, [{ code: "external", text: "This mail is from or to someone outside the service." }]);
});

test("access-restricted mail: the link copy opens with its fragment until the expiry", () => {
  const alice = user("alice", 1, "x25519");
  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<r@example.com>", NOW);
  sealer.external("to", "dan@elsewhere.example");
  sealer.accessRestricted(NOW + 7 * 86400);
  const body = sealer.addPiece(enc.encode("Contract draft"));
  const { envelope, fragment } = sealer.sealRestricted();
  assert.match(fragment, /^ms1[0-9a-f]{128}$/);
  const lc = linkCopy(envelope);
  const opened = openLinkCopy(lc, fragment, NOW + 60);
  assert.equal(dec.decode(opened.openPiece(0, body)), "Contract draft");
  assert.ok(opened.classify(true).reasons.some((r) => r.code === "access_restricted"));
  assert.equal(thrown(() => openLinkCopy(lc, fragment, NOW + 8 * 86400)).class, "authentication/link_expired");
});

test("a user with no device yet: the server holds the mail and re-seals it to their first key", () => {
  const [alice, newbie] = [user("alice", 1, "x25519"), user("newbie", 9, "x25519")];
  const server = user("mail-server", 0x5e, "x25519");
  const planner = new Planner(alice.chain, alice.device.id);
  planner.serverKey(server.address, server.puk.publicRecord());
  planner.preProvisioned(newbie.address, "to", newbie.id);
  const plan = planner.plan();
  assert.equal(plan.decision, "not_e2e");
  assert.deepEqual(plan.reasons.map((r) => r.code), ["pre_provisioned"]);
  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<welcome@example.com>", NOW);
  sealer.applyPlan(plan);
  const body = sealer.addPiece(enc.encode("Welcome aboard"));
  const envelope = sealer.seal();
  const info = validateEnvelope(envelope, [body.length]);
  assert.deepEqual(info.heldFor, [{ address: newbie.address, user: newbie.id }]);
  const senders = new Directory();
  senders.add(alice.chain);
  const held = Mailbox.server(server.id, server.keyring).open(
    splitEnvelope(envelope).find((c) => c.kind === "server").copy,
    senders,
  );
  // The newcomer's first device made a chain: the server seals the held mail to it.
  const resealed = resealHeld(held, [body], newbie.address, newbie.chain);
  const copy = splitEnvelope(resealed.envelope)[0].copy;
  const opened = newbie.mailbox.open(copy, new Directory());
  assert.equal(dec.decode(opened.openPiece(0, resealed.pieces[0])), "Welcome aboard");
  assert.equal(opened.header.origin, "held_for_new_user");
  assert.deepEqual(opened.classify(true).reasons.map((r) => r.code), ["server_sealed"]);
});

test("an abuse report: Bob discloses the body only, the service verifies it without his keys", () => {
  const [mallory, bob] = [user("mallory", 1), user("bob", 2)];
  const s = new MailSealer(mallory.puk, mallory.device, mallory.chain, mallory.address, "<spam@example.com>", NOW);
  s.to(bob.address, bob.chain);
  const body = s.addPiece(enc.encode("Buy now!"));
  s.addPiece(enc.encode("a private photo"));
  const copy = splitEnvelope(s.seal()).find((c) => c.user === bob.id).copy;
  const senders = new Directory();
  senders.add(mallory.chain);
  const report = bob.mailbox.open(copy, senders).report([0], bob.device, NOW + 60);
  const parsed = parseReport(report);
  assert.deepEqual(parsed.disclosed, [0]);
  assert.equal(parsed.reporter, bob.id);
  const v = verifyReport(report, mallory.chain, bob.chain, [body]);
  assert.equal(dec.decode(v.pieces[0].plaintext), "Buy now!");
  assert.deepEqual([v.sender, v.senderStatus, v.pieceCount, v.pieces.length], [mallory.id, "verified_active_device", 2, 1]);
  assert.equal(thrown(() => verifyReport(report, bob.chain, bob.chain, [body])).name, "MailsealError");
});
