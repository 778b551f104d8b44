// Devices and keys over time: a second device, seed wraps, rotation on revocation, recovery
// codes, the user's own data, escrow.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Chain,
  Device,
  Directory,
  EscrowContext,
  Keyring,
  MailSealer,
  Mailbox,
  Puk,
  RecoveryCode,
  openEscrowWrap,
  openSeedWrap,
  openSeedWraps,
  openUserData,
  pairSecurityCode,
  rotateRevoking,
  sealUserData,
  splitEnvelope,
  wrapSeed,
  wrapSeeds,
} from "mailseal";

import { NOW, hexId, thrown, user } from "./world.mjs";

const enc = new TextEncoder();
const dec = new TextDecoder();

test("a phone joins, receives the key, and a revocation rotates it away from the phone", () => {
  const uma = user("uma", 0x55);
  const phone = Device.generate("xwing", hexId(0x56));
  const stolen = Device.generate("xwing", hexId(0x57));
  let chain = uma.chain;
  for (const d of [phone, stolen]) {
    const draft = chain.proposeAddDevice(uma.device.id, d.publicRecord(), undefined, NOW);
    assert.deepEqual(draft.signers, [uma.device.id, d.id]);
    draft.sign(uma.device);
    draft.sign(d);
    chain = chain.extend([draft.finish()]);
  }
  assert.equal(chain.devices.length, 3);
  const wrap = wrapSeed(uma.puk, phone.publicRecord(), uma.device);
  const got = openSeedWrap(wrap, phone, chain);
  assert.equal(got.puk.generation, 1);
  assert.equal(got.approver.id, uma.device.id);
  assert.deepEqual(got.puk.exposeSeed(), uma.puk.exposeSeed());

  // The laptop revokes the stolen tablet: one link, generation 2, a wrap for each device left.
  const r = rotateRevoking(chain, uma.device, stolen.id, NOW);
  chain = chain.extend([r.link]);
  assert.equal(chain.currentPuk.generation, 2);
  assert.deepEqual(r.wraps.map((w) => w.device).sort(), [uma.device.id, phone.id].sort());
  const phoneGen2 = openSeedWrap(r.wraps.find((w) => w.device === phone.id).wrap, phone, chain).puk;
  assert.equal(phoneGen2.generation, 2);
  assert.equal(chain.devices.find((d) => d.id === stolen.id).active, false);

  // A batch of every generation for a new device.
  const tablet = Device.generate("xwing", hexId(0x58));
  const draft = chain.proposeAddDevice(uma.device.id, tablet.publicRecord(), undefined, NOW);
  draft.sign(uma.device);
  draft.sign(tablet);
  chain = chain.extend([draft.finish()]);
  const keys = new Keyring();
  keys.add(uma.puk);
  keys.add(r.puk);
  const all = openSeedWraps(wrapSeeds(keys, tablet.publicRecord(), uma.device), tablet, chain);
  assert.deepEqual(all.map((s) => s.puk.generation), [1, 2]);

  // Mail to the new key opens on the phone, whose keyring holds both generations.
  const alice = user("alice", 1);
  const s = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<after@example.com>", NOW);
  s.to(uma.address, chain);
  const body = s.addPiece(enc.encode("after the rotation"));
  const copy = splitEnvelope(s.seal()).find((c) => c.user === uma.id).copy;
  const phoneKeys = new Keyring();
  phoneKeys.add(got.puk);
  phoneKeys.add(phoneGen2);
  const senders = new Directory();
  senders.add(alice.chain);
  const opened = new Mailbox(chain, phoneKeys).open(copy, senders);
  assert.equal(dec.decode(opened.openPiece(0, body)), "after the rotation");
  // Generation 1 alone no longer reads new mail.
  assert.equal(thrown(() => uma.mailbox.open(copy, senders)).class, "not_a_recipient");
  // The server hides the revocation from a client that saw it: refused.
  assert.equal(thrown(() => chain.update(uma.links)).class, "chain/rollback");
  assert.match(pairSecurityCode(alice.chain, chain), /^[0-9 ]+$/);
});

test("recovery codes: shown, typed back in lower case, typos refused", () => {
  const code = RecoveryCode.generate();
  const text = code.exposeText();
  assert.match(text, /^([0-9A-Z]{4}-){6}[0-9A-Z]{4}$/);
  const typed = RecoveryCode.parse(text.toLowerCase().replaceAll("-", " "));
  const id = hexId(0xbb);
  assert.deepEqual(code.backupDevice("x25519", id).publicRecord(), typed.backupDevice("x25519", id).publicRecord());
  const typo = text.slice(0, 5) + (text[5] === "0" ? "1" : "0") + text.slice(6);
  assert.equal(thrown(() => RecoveryCode.parse(typo)).class, "malformed/recovery_code/checksum");
  code.free();
  typed.free();
});

test("the user's own data: bound to its type and version", () => {
  const u = user("uma", 0x55, "x25519");
  const blob = sealUserData(u.puk, "labels", undefined, 3, enc.encode('["work"]'));
  assert.equal(dec.decode(openUserData(blob, u.id, u.keyring, "labels", undefined, 3)), '["work"]');
  assert.equal(thrown(() => openUserData(blob, u.id, u.keyring, "folders")).class, "authentication/user_data");
  assert.equal(thrown(() => openUserData(blob, u.id, u.keyring, "labels", undefined, 4)).class, "authentication/rollback");
  assert.equal(thrown(() => sealUserData(u.puk, "", undefined, undefined, new Uint8Array(1))).class, "malformed/field/user_data_type");
});

test("escrow: enrolled in the member's chain, the administrators open the escrow wrap", () => {
  const ivy = user("ivy", 0x11);
  const admins = user("admins", 0xea);
  const escrowDevice = Device.generate("xwing", hexId(0xee));
  const ctx = new EscrowContext("ac".repeat(16), "example.com", true, ivy.id, ivy.address, admins.chain);
  const terms = ctx.enrollmentTerms(admins.device.publicRecord());
  const draft = ivy.chain.proposeEscrowDevice(ivy.device.id, escrowDevice.publicRecord(), terms, undefined, NOW);
  for (const d of [ivy.device, escrowDevice, admins.device]) draft.sign(d);
  const chain = ivy.chain.extend([draft.finish()]);
  assert.equal(chain.escrow.domain, "example.com");
  assert.equal(chain.escrow.eaGroup, admins.id);
  const wrap = ctx.wrapEscrowDevice(escrowDevice, ivy.device);
  const unlocked = openEscrowWrap(wrap, admins.keyring, chain);
  assert.deepEqual(unlocked.publicRecord(), escrowDevice.publicRecord());
  // A shared domain cannot be escrowed.
  const shared = new EscrowContext("ac".repeat(16), "example.com", false, ivy.id, ivy.address, admins.chain);
  assert.equal(
    thrown(() => shared.enrollmentTerms(admins.device.publicRecord())).class,
    "misuse/escrow_needs_custom_domain",
  );
  // Bob's planner tells him Ivy's mailbox is escrowed (the footer example's scenario).
  assert.ok(Chain.verify(ivy.links).escrow === null);
  assert.ok(Puk.generate("xwing", ivy.id, 2).generation === 2);
});

test("a directory replaces a chain only with a view that extends it (SPEC.md §12.5)", () => {
  const vic = user("vic", 0x61);
  const phone = Device.generate("xwing", hexId(0x62));
  const draft = vic.chain.proposeAddDevice(vic.device.id, phone.publicRecord(), undefined, NOW);
  draft.sign(vic.device);
  draft.sign(phone);
  const newer = vic.chain.extend([draft.finish()]);
  const senders = new Directory();
  senders.add(vic.chain);
  senders.add(newer);
  // The server serves the older view again: refused, and the newer one stays.
  assert.equal(thrown(() => senders.add(vic.chain)).class, "chain/rollback");
  assert.equal(senders.get(vic.id).tail.seq, 2);
  assert.equal(senders.size, 1);
  // A deliberate reset goes through remove.
  assert.equal(senders.remove(vic.id), true);
  assert.equal(senders.size, 0);
  senders.add(vic.chain);
  assert.equal(senders.get(vic.id).tail.seq, 1);
});
