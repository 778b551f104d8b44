// Every published vector file in test-vectors/, verified through the JavaScript API as far as
// the package reaches. The package has no entry point that takes a caller's nonce or HPKE
// randomness (those are the crate's `hazmat` feature, never in a product), so:
// - a piece a case names by its key, nonce and plaintext (`piece`, `piece_access`) is sealed
//   by the Rust side (examples/interop.rs `piece`, through the crate's hazmat entry point)
//   and opened, read and refused through the package;
// - a case that needs other randomness to reproduce its bytes is checked on what it
//   publishes instead (split, open, classify the published envelope), or counted as skipped
//   with its reason.
// The totals are printed per file and checked against a floor, so a silently shrinking run
// fails.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

import {
  Chain,
  Device,
  Directory,
  EscrowContext,
  InboundSealer,
  Keyring,
  MailSealer,
  Mailbox,
  PieceKey,
  LogPolicy,
  PieceReader,
  Planner,
  Puk,
  RecoveryCode,
  TransparencyView,
  linkCopy,
  openEscrowWrap,
  openLinkCopy,
  openRecoveryWrap,
  openSeedWrap,
  openSeedWraps,
  openUserData,
  pairSecurityCode,
  parseChainTail,
  parseDeviceRecord,
  parseDeviceText,
  parseId,
  parsePukRecord,
  parsePukText,
  parseSecurityCode,
  pieceDigest,
  pieceOpen,
  sealUserData,
  splitEnvelope,
  suites,
  tagList,
  validateCopy,
  validateEnvelope,
  verifyReport,
} from "mailseal";

import { rust } from "./world.mjs";

const VECTORS = new URL("../../../test-vectors/", import.meta.url);
const SUITES = { "MAILSEAL-XWING-AES256CTR-BLAKE3": "xwing", "MAILSEAL-X25519-AES256CTR-BLAKE3": "x25519" };
const FULL = Object.fromEntries(Object.entries(SUITES).map(([k, v]) => [v, k]));
const ORIGINS = ["sender_device", "inbound_external", "mailing_list", "system", "held_for_new_user"];

// ---- Values as the files write them --------------------------------------------------------

/** A byte string: hex, or the compact form `{fill, len}` / `{concat: [...]}`. */
function bytes(v) {
  if (typeof v === "string") return Uint8Array.from(Buffer.from(v, "hex"));
  if (v && typeof v === "object" && "fill" in v) {
    const pattern = Buffer.from(v.fill, "hex");
    const out = new Uint8Array(v.len);
    for (let i = 0; i < v.len; i += pattern.length) out.set(pattern.subarray(0, Math.min(pattern.length, v.len - i)), i);
    return out;
  }
  if (v && typeof v === "object" && "concat" in v) return Uint8Array.from(Buffer.concat(v.concat.map(bytes)));
  throw new Error(`not a byte string: ${JSON.stringify(v).slice(0, 80)}`);
}
/** A text input: a string, or a compact form standing for its UTF-8 bytes. */
const text = (v) => (typeof v === "string" ? v : Buffer.from(bytes(v)).toString("utf8"));
const hex = (b) => Buffer.from(b).toString("hex");
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const pattern = (n) => Uint8Array.from({ length: n }, (_, i) => i % 251);

class Skip {
  constructor(reason) {
    this.reason = reason;
  }
}
const skip = (reason) => {
  throw new Skip(reason);
};

/** Runs `f`, which must throw a MailsealError of class `cls`. */
function refuses(cls, f) {
  let error;
  try {
    f();
  } catch (e) {
    if (e instanceof Skip) throw e;
    error = e;
  }
  assert.ok(error, `expected ${cls}, nothing was thrown`);
  assert.equal(error.name, "MailsealError", `expected ${cls}, got ${error}`);
  assert.equal(error.class, cls, error.message);
}



// ---- Parties, chains, mailboxes ----------------------------------------------------------

function party(p, suite) {
  const s = p.suite ? SUITES[p.suite] : suite;
  const puk = Puk.derive(s, p.user, p.generation, bytes(p.puk_seed));
  const device = Device.fromSeed(s, p.device_id, bytes(p.device_seed));
  const chain = p.chain ? Chain.verify(p.chain.map(bytes)) : null;
  const keyring = new Keyring();
  keyring.add(puk);
  return { ...p, suite: s, puk, device, chain, keyring };
}

const chainOf = (links) => Chain.verify(links.map(bytes));

function directory(chains) {
  const d = new Directory();
  for (const c of chains) if (c) d.add(c);
  return d;
}

/** What opening a copy gives, as the vectors write it. */
function openedSummary(opened, pieces, user) {
  const c = opened.classify(true);
  const summary = {
    sender_status: c.sender,
    footer: c.code,
    footer_reasons: c.reasons.map((r) => r.code),
    cautions: c.cautions.map((r) => r.code),
    piece_sha256: pieces.map((p, i) => sha256(opened.openPiece(i, p))),
  };
  if (user !== undefined) {
    summary.user = user;
    summary.kind = opened.recipientKind;
    summary.bcc = opened.sentRecord ? opened.sentRecord.bcc : null;
  }
  return summary;
}

// ---- One runner per operation -------------------------------------------------------------

const fixtures = new Map();
/** The piece a case names, sealed by the Rust side under its published nonce. */
function fixturePiece(suite, i) {
  const args = ["piece", suite, i.purpose, i.key, i.nonce, String(i.plaintext_pattern_len)];
  const key = args.join(" ");
  if (!fixtures.has(key)) fixtures.set(key, rust(args, { binary: true }));
  return fixtures.get(key);
}

function piece(c, suite) {
  const i = c.inputs;
  const key = PieceKey.fromBytes(bytes(i.key));
  if (c.expected_error) return refuses(c.expected_error, () => pieceOpen(suite, i.purpose, key, bytes(i.ciphertext)));
  const e = c.expected;
  const ciphertext = e.ciphertext !== undefined ? bytes(e.ciphertext) : fixturePiece(suite, i);
  if (e.ciphertext !== undefined && i.nonce !== undefined) assert.deepEqual(fixturePiece(suite, i), ciphertext);
  if (e.ciphertext_sha256 !== undefined) assert.equal(sha256(ciphertext), e.ciphertext_sha256);
  const opened = pieceOpen(suite, i.purpose, key, ciphertext);
  const plaintext = i.plaintext !== undefined ? bytes(i.plaintext) : pattern(i.plaintext_pattern_len);
  assert.deepEqual(opened.plaintext, plaintext);
  assert.equal(hex(opened.digest), e.digest);
  assert.equal(hex(pieceDigest(suite, i.purpose, ciphertext)), e.digest);
}

/** One chunk of a piece, read at random (from its header) or verified (from its tag list). */
function pieceAccess(c, suite) {
  const i = c.inputs;
  const ct = fixturePiece(suite, i);
  const key = PieceKey.fromBytes(bytes(i.open_key ?? i.key));
  const length = i.ciphertext_len ?? ct.length;
  const run = () => {
    let reader;
    if (i.mode === "verified") {
      const tags = i.tag_list !== undefined ? bytes(i.tag_list) : tagList(ct);
      const digest = i.expected_digest !== undefined ? bytes(i.expected_digest) : pieceDigest(suite, i.purpose, ct);
      reader = PieceReader.verified(suite, i.purpose, key, tags, length, digest);
    } else {
      reader = new PieceReader(suite, i.purpose, key, i.header !== undefined ? bytes(i.header) : ct.subarray(0, 64), length);
    }
    let range;
    try {
      range = Array.from(reader.chunkRange(i.index));
    } catch {
      range = [0, 0]; // the reader refuses the index itself when opening it
    }
    const chunk = i.chunk !== undefined ? bytes(i.chunk) : ct.subarray(...(i.chunk_range ?? range));
    const plaintext = reader.openChunk(i.index, chunk);
    return { chunk_count: reader.chunkCount, chunk_range: range, plaintext_sha256: sha256(plaintext) };
  };
  if (c.expected_error) return refuses(c.expected_error, run);
  assert.deepEqual(run(), c.expected);
}

function keys(c, suite) {
  const i = c.inputs;
  if (c.expected_error) {
    const parse = i.kind === "puk_record" ? parsePukRecord : parseDeviceRecord;
    return refuses(c.expected_error, () => parse(bytes(i.record)));
  }
  const e = c.expected;
  if (i.kind === "puk") {
    const puk = Puk.derive(suite, i.user, i.generation, bytes(i.seed));
    assert.equal(hex(puk.publicRecord()), e.record);
    const r = parsePukRecord(bytes(e.record));
    assert.equal(hex(r.mailKey), e.mail_public_key);
    assert.equal(r.fingerprint, e.mail_key_fingerprint);
    // `symmetric_key` is never exposed by the package.
  } else {
    const d = Device.fromSeed(suite, i.device_id, bytes(i.seed));
    assert.equal(hex(d.publicRecord()), e.record);
    const r = parseDeviceRecord(bytes(e.record));
    assert.equal(hex(r.verifyingKey), e.verifying_key);
    assert.equal(hex(r.encryptionKey), e.encryption_key);
  }
}

/** The readers of a mail case: the sender, the recipients and the server, by user id. */
function readers(i, suite) {
  const all = [];
  if (i.sender) all.push(party(i.sender, suite));
  for (const r of i.recipients ?? []) all.push(party(r, suite));
  if (i.server) all.push({ ...party(i.server, suite), server: true });
  return all;
}

/** Splits and opens a published envelope as every reader, against `expected`. */
function checkPublishedMail(i, e, suite) {
  const parties = readers(i, suite);
  const sender = i.sender ? parties[0] : null;
  // The directory: the sender's chain (or its later view), then the recipients'.
  const senderChain = i.sender_view ? chainOf(i.sender_view) : sender?.chain;
  const dir = directory([senderChain, ...parties.filter((p) => p !== sender && !p.server).map((p) => p.chain)]);
  const copies = splitEnvelope(bytes(e.envelope));
  assert.deepEqual(
    copies.map((c) => ({ user: c.user, kind: c.kind, copy: hex(c.copy) })),
    e.copies.map((c) => ({ user: c.user, kind: c.kind, copy: c.copy })),
  );
  const pieces = e.pieces.map(bytes);
  copies.forEach((copy, n) => {
    const reader = parties.find((p) => p.user === copy.user);
    const mailbox = reader.server ? Mailbox.server(reader.user, reader.keyring).withoutKeyTransparency() : new Mailbox(reader.chain, reader.keyring).withoutKeyTransparency();
    const got = openedSummary(mailbox.open(copy.copy, dir), pieces, copy.user);
    assert.deepEqual(got, e.opened[n], `copy ${n} (${copy.kind})`);
  });
  return copies;
}

/** Seals a signed mail case with fresh randomness; used where the case must fail. */
function sealSigned(i, suite) {
  if ((i.recipients ?? []).some((r) => r.chain === null)) {
    skip("a recipient by PUK without a chain: the package seals only to verified chains");
  }
  const sender = party(i.sender, suite);
  const s = new MailSealer(sender.puk, sender.device, sender.chain, sender.address, text(i.message_id), i.timestamp);
  for (const r of i.recipients ?? []) {
    const p = party(r, suite);
    s[r.kind](p.address, p.chain);
  }
  for (const x of i.external ?? []) s.external(x.kind, text(x.address));
  if (i.server) s.serverAccess(i.server.address, party(i.server, suite).puk.publicRecord());
  if (i.expiry !== undefined && i.expiry !== null) s.accessRestricted(i.expiry);
  if (i.bcc_text !== undefined) s.bccText(text(i.bcc_text));
  for (const p of i.pieces) s.addPiece(bytes(p));
  const entry = i.entry_point ?? ((i.recipients ?? []).length === 0 && !(i.external ?? []).length ? "seal_draft" : "seal");
  return { seal: () => s.seal(), seal_draft: () => s.sealDraft(), seal_restricted: () => s.sealRestricted() }[entry]();
}

function sealInbound(i, suite) {
  const s = new InboundSealer(suite, i.origin, text(i.sender_address), text(i.message_id), i.timestamp);
  if (i.sender_user) s.senderUser(i.sender_user);
  for (const p of i.to) s.to(text(p.address), p.user ?? undefined);
  for (const p of i.cc) s.cc(text(p.address), p.user ?? undefined);
  for (const r of i.recipients) {
    const p = party(r, suite);
    s.recipient(p.address, p.chain);
  }
  for (const p of i.pieces) s.addPiece(bytes(p));
  return s.seal();
}

function mail(c, suite) {
  const i = c.inputs;
  if (i.copy !== undefined) {
    // Opening a copy as `mailbox` with the directory `chains`.
    const reader = party(i.mailbox, suite);
    const dir = directory(i.chains.map(chainOf));
    const open = () => new Mailbox(reader.chain, reader.keyring).open(bytes(i.copy), dir);
    if (i.piece) {
      const opened = open();
      return refuses(c.expected_error, () => opened.openPiece(i.piece.index, bytes(i.piece.ciphertext)));
    }
    return refuses(c.expected_error, open);
  }
  const inbound = i.origin !== undefined;
  if (c.expected_error) return refuses(c.expected_error, () => (inbound ? sealInbound(i, suite) : sealSigned(i, suite)));
  // Positive: the bytes need the case's randomness; the published envelope is split and
  // opened as every reader instead, and must give exactly the published copies and results.
  checkPublishedMail(i, c.expected, suite);
  assert.deepEqual(
    validateEnvelope(bytes(c.expected.envelope), c.expected.pieces.map((p) => p.length / 2)).boxes.map((b) => b.user),
    c.expected.copies.map((x) => x.user),
  );
  return "published";
}

function linkOpened(opened, pieces) {
  const { sender_status, footer, footer_reasons, cautions, piece_sha256 } = openedSummary(opened, pieces);
  return { cautions, footer, footer_reasons, piece_sha256, sender_status };
}

function link(c, suite) {
  const i = c.inputs;
  if (i.sender && c.expected_error) return refuses(c.expected_error, () => sealSigned(i, suite));
  if (c.expected_error) return refuses(c.expected_error, () => openLinkCopy(bytes(i.link_copy), text(i.fragment), i.now));
  const e = c.expected;
  if (i.link_copy) {
    const opened = openLinkCopy(bytes(i.link_copy), text(i.fragment), i.now);
    assert.deepEqual(linkOpened(opened, i.pieces.map(bytes)), e.link_opened);
    return;
  }
  checkPublishedMail(i, e, suite);
  assert.equal(hex(linkCopy(bytes(e.envelope))), e.link_copy);
  const opened = openLinkCopy(bytes(e.link_copy), e.fragment, i.now);
  assert.deepEqual(linkOpened(opened, e.pieces.map(bytes)), e.link_opened);
  return "published";
}

function server(c) {
  const i = c.inputs;
  const call = {
    validate_envelope: () => validateEnvelope(bytes(i.envelope), i.piece_lengths),
    validate_copy: () => validateCopy(bytes(i.copy), i.piece_lengths),
    split_envelope: () => splitEnvelope(bytes(i.envelope)),
  }[i.call];
  if (c.expected_error) return refuses(c.expected_error, call);
  const got = call();
  if (i.call === "split_envelope") {
    assert.deepEqual(
      got.map((x) => ({ address: x.address, copy: hex(x.copy), kind: x.kind, user: x.user })),
      c.expected,
    );
    return;
  }
  assert.deepEqual(
    {
      boxes: got.boxes.map((b) => ({ address: b.address, kind: b.kind, user: b.user })),
      external: got.external,
      held_for: got.heldFor,
      link_box: got.linkBox,
      origin: ORIGINS.indexOf(got.origin),
      suite: FULL[got.suite],
    },
    c.expected,
  );
}

function seedWrap(c, suite) {
  const i = c.inputs;
  const target = Device.fromSeed(suite, i.target_device_id, bytes(i.target_device_seed));
  const chain = chainOf(i.chain);
  if (i.kind === "batch") {
    if (c.expected_error) return refuses(c.expected_error, () => openSeedWraps(bytes(i.batch), target, chain));
    const seeds = openSeedWraps(bytes(c.expected.batch), target, chain);
    assert.deepEqual(seeds.map((s) => s.puk.generation), [1, 2, 3]);
    assert.equal(hex(seeds[2].puk.exposeSeed()), i.puk_seed);
    return "published";
  }
  const open = (wrap) =>
    i.kind === "cosigned" && i.ea_chain ? openRecoveryWrap(wrap, target, chain, chainOf(i.ea_chain)) : openSeedWrap(wrap, target, chain);
  if (c.expected_error) return refuses(c.expected_error, () => open(bytes(i.wrap)));
  const got = open(bytes(c.expected.wrap));
  assert.equal(got.puk.generation, i.generation);
  assert.equal(hex(got.puk.exposeSeed()), i.puk_seed);
  assert.equal(got.approver.id, i.approver_device_id);
  if (i.kind === "cosigned") assert.equal(got.cosigner.id, i.cosigner_device_id);
  return "published";
}

function escrow(c, suite) {
  const i = c.inputs;
  const eaPuk = Puk.derive(suite, i.ea_group, i.ea_generation, bytes(i.ea_puk_seed));
  const eaKeys = new Keyring();
  eaKeys.add(eaPuk);
  const memberChain = chainOf(i.member_chain);
  const escrowDevice = Device.fromSeed(suite, i.escrow_device_id, bytes(i.escrow_device_seed));
  const memberDevice = Device.fromSeed(suite, i.member_device_id, bytes(i.member_device_seed));
  const eaDevice = Device.fromSeed(suite, i.ea_device_id, bytes(i.ea_device_seed));
  if (i.enroll) {
    const e = i.enroll;
    const ctx = new EscrowContext(i.account, text(e.domain), e.custom, i.member, text(e.member_address), chainOf(i.ea_chain));
    const cosigner = e.cosigner === "ea_device" ? eaDevice : memberDevice;
    const terms = () => ctx.enrollmentTerms(cosigner.publicRecord());
    if (c.expected_error) return refuses(c.expected_error, terms);
    const f = terms().fields;
    assert.deepEqual(
      {
        account: f.account,
        domain: f.domain,
        ea_chain: { hash: f.eaChain.hash, seq: f.eaChain.seq },
        ea_device: f.eaDevice,
        ea_device_key: hex(f.eaDeviceKey),
        ea_generation: f.eaGeneration,
        ea_group: f.eaGroup,
        ea_key_fingerprint: f.eaKeyFingerprint,
      },
      c.expected,
    );
    return;
  }
  if (i.wrap_domain) {
    const w = i.wrap_domain;
    const ctx = new EscrowContext(i.account, text(w.domain), w.custom, i.member, i.member_address, chainOf(i.ea_chain));
    return refuses(c.expected_error, () => ctx.wrapEscrowDevice(escrowDevice, memberDevice));
  }
  if (c.expected_error) return refuses(c.expected_error, () => openEscrowWrap(bytes(i.open_escrow_wrap), eaKeys, memberChain));
  const unlocked = openEscrowWrap(bytes(c.expected.escrow_wrap), eaKeys, memberChain);
  assert.deepEqual(unlocked.publicRecord(), escrowDevice.publicRecord());
  assert.deepEqual(unlocked.exposeSeed(), bytes(i.escrow_device_seed));
  return "published";
}

function userData(c, suite) {
  const i = c.inputs;
  const puk = Puk.derive(suite, i.user, 1, bytes(i.puk_seed));
  const keys = new Keyring();
  keys.add(puk);
  const mid = i.message_id === null ? undefined : text(i.message_id);
  if (c.expected_error && i.blob === undefined && i.blob_override === undefined) {
    const version = i.version === null ? undefined : i.version;
    return refuses(c.expected_error, () => sealUserData(puk, text(i.type), mid, version, bytes(i.plaintext)));
  }
  if (c.expected_error) {
    const blob = bytes(i.blob_override ?? i.blob);
    return refuses(c.expected_error, () =>
      openUserData(blob, i.open_as_user ?? i.user, keys, text(i.type), mid, i.min_version ?? undefined),
    );
  }
  assert.deepEqual(openUserData(bytes(c.expected.blob), i.user, keys, text(i.type), mid), bytes(i.plaintext));
  return "published";
}

function recoveryCode(c) {
  const i = c.inputs;
  if (c.expected_error) return refuses(c.expected_error, () => RecoveryCode.parse(i.text));
  // The code from its entropy needs an entry point the package does not have; its published
  // text must read back as itself, in lower case and as typed loosely.
  const t = c.expected.text;
  assert.equal(RecoveryCode.parse(t.toLowerCase()).exposeText(), t);
  if (i.typed) assert.equal(RecoveryCode.parse(i.typed).exposeText(), t);
  return "published";
}

function chainState(chain) {
  const devices = chain.devices.map((d) => ({ added_at: d.addedAt, id: d.id, revoked_at: d.revokedAt, role: d.role }));
  const escrow = chain.escrowHistory.map((e) => ({
    disabled_at: e.disabledAt,
    domain: e.domain,
    ea_group: e.eaGroup,
    enabled_at: e.enabledAt,
    escrow_device: e.escrowDevice,
  }));
  const generations = chain.generations.map((g) => ({
    generation: g.generation,
    introduced_at: g.introducedAt,
    mail_key_fingerprint: g.fingerprint,
  }));
  const hashes = Array.from({ length: chain.tail.seq }, (_, k) => chain.hashAt(k + 1));
  return {
    addresses: chain.addresses,
    devices,
    escrow,
    generations,
    link_hashes: hashes,
    rotation_due: chain.rotationDue,
    security_code: chain.securityCode,
    tail: chain.tail,
    user: chain.user,
  };
}

function chain(c) {
  const i = c.inputs;
  if (i.grown) skip("a chain grown to 1024 devices from XofRng (the generator's deterministic stream)");
  if (i.cached) return refuses(c.expected_error, () => chainOf(i.cached).update(i.view.map(bytes)));
  const verify = () => (i.segment !== undefined ? Chain.verifySegment(bytes(i.segment)) : chainOf(i.links));
  if (c.expected_error) return refuses(c.expected_error, verify);
  if (i.other_links) {
    assert.equal(pairSecurityCode(verify(), chainOf(i.other_links)), c.expected.pair_security_code);
    return;
  }
  const { tail, ...rest } = chainState(verify());
  const { tail: wantTail, ...want } = c.expected;
  assert.deepEqual({ ...rest, tail: { hash: tail.hash, seq: tail.seq } }, { ...want, tail: { hash: wantTail.hash, seq: wantTail.seq } });
}

// The planner's vectors name directory entries by kind; the chains they stand for are built
// here as the generator builds them (the plan depends on their structure, not their keys).
const NOW = 1_764_374_400;
const id = (n) => n.toString(16).padStart(2, "0").repeat(16);
let plannerSerial = 0;
// One user per address within a case: entries naming the same (chain) address are one user.
const plannerUsers = new Map();
function plannerUser(address) {
  if (plannerUsers.has(address)) return plannerUsers.get(address);
  const n = 0x10 + (plannerSerial++ % 0xd0);
  const puk = Puk.generate("x25519", id(n), 1);
  const device = Device.generate("x25519", id(n ^ 0x80));
  const chain = Chain.verify([Chain.root(device, puk, [address], NOW)]);
  const u = { puk, device, chain };
  plannerUsers.set(address, u);
  return u;
}
function addDevice(chain, approver) {
  const second = Device.generate("x25519", id(0xd5));
  const draft = chain.proposeAddDevice(approver.id, second.publicRecord(), undefined, 2);
  draft.sign(approver);
  draft.sign(second);
  return { chain: chain.extend([draft.finish()]), second };
}
function plannerChain(address, entry) {
  const u = plannerUser(address);
  switch (entry) {
    case "active_user":
      return u.chain;
    case "all_devices_revoked":
      return u.chain.extend([u.chain.serverRevoke(u.device.id, 2)]);
    case "user_with_rotation_due": {
      const { chain, second } = addDevice(u.chain, u.device);
      return chain.extend([chain.serverRevoke(second.id, 3)]);
    }
    case "escrowed_user": {
      const adminPuk = Puk.generate("x25519", id(0xea), 1);
      const adminDevice = Device.generate("x25519", id(0xa1));
      const admins = Chain.verify([Chain.root(adminDevice, adminPuk, ["admins@example.com"], NOW)]);
      const escrowDevice = Device.generate("x25519", id(0xe5));
      const ctx = new EscrowContext(id(0xac), "example.com", true, u.chain.user, address, admins);
      const terms = ctx.enrollmentTerms(adminDevice.publicRecord());
      const draft = u.chain.proposeEscrowDevice(u.device.id, escrowDevice.publicRecord(), terms, undefined, 2);
      for (const d of [u.device, escrowDevice, adminDevice]) draft.sign(d);
      return u.chain.extend([draft.finish()]);
    }
    default:
      return null;
  }
}

function planner(c) {
  const i = c.inputs;
  const s = i.sender;
  plannerUsers.clear();
  const alice = plannerUser("alice@example.com");
  let chain = alice.chain;
  if (s.must_rotate) {
    const added = addDevice(chain, alice.device);
    chain = added.chain.extend([added.chain.serverRevoke(added.second.id, 3)]);
  }
  const deviceId = s.active_device ? alice.device.id : id(0x77);
  const p = s.has_key ? new Planner(chain, deviceId) : Planner.withoutKey(deviceId);
  if (s.has_server_key) p.serverKey("server@example.com", Puk.generate("x25519", id(2), 1).publicRecord());
  for (const r of i.recipients) {
    const userChain = plannerChain(r.chain_address ?? r.address, r.entry);
    if (userChain) p.user(r.address, r.kind, userChain);
    else if (r.entry === "pre_provisioned_user") p.preProvisioned(r.address, r.kind, id(3));
    else if (r.entry === "external") p.external(r.address, r.kind);
    else if (r.entry === "mailing_list") p.mailingList(r.address, r.kind);
    else if (r.entry === "third_party_integration") p.integration(r.address, r.kind);
    else throw new Error(`unknown entry ${r.entry}`);
  }
  const plan = p.plan(i.context);
  assert.equal(plan.decision, c.expected.decision);
  assert.deepEqual(
    plan.reasons.map((r) => (r.address === null ? { code: r.code } : { code: r.code, address: r.address })),
    c.expected.reasons,
  );
  assert.deepEqual(
    plan.notes.map((n) => (n.eaGroup === null ? { code: n.code, address: n.address } : { code: n.code, address: n.address, ea_group: n.eaGroup })),
    c.expected.notes,
  );
}

function textForm(c) {
  const i = c.inputs;
  const parse = {
    device: (t) => parseDeviceText(t),
    puk: (t) => parsePukText(t),
    user_id: (t) => ({ text: parseId(t), id: parseId(t) }),
    device_id: (t) => ({ text: parseId(t), id: parseId(t) }),
    tail: (t) => parseChainTail(t),
    security_code: (t) => parseSecurityCode(t),
  }[i.kind];
  assert.ok(parse, `unknown kind ${i.kind}`);
  if (c.expected_error) return refuses(c.expected_error, () => parse(text(i.text)));
  const got = parse(text(i.text));
  const e = c.expected;
  assert.equal(got.text, e.canonical);
  if (e.cbor !== undefined) assert.equal(hex(got.record), e.cbor);
  if (e.id !== undefined) assert.equal(got.id, e.id);
  if (e.seq !== undefined) assert.deepEqual([got.seq, got.hash], [e.seq, e.hash]);
  if (e.digits !== undefined) assert.equal(got.digits, e.digits);
}

function abuseReport(c, suite) {
  const i = c.inputs;
  if (i.make_from_copy) {
    const reporter = party(i.reporter, suite);
    const opened = new Mailbox(reporter.chain, reporter.keyring).open(bytes(i.make_from_copy), directory([reporter.chain]));
    return refuses(c.expected_error, () => opened.report(i.disclose, reporter.device, 1_764_460_800));
  }
  const verify = () =>
    verifyReport(bytes(i.report), chainOf(i.sender_chain), chainOf(i.reporter_chain), i.ciphertexts.map(bytes));
  if (c.expected_error) return refuses(c.expected_error, verify);
  const v = verify();
  assert.deepEqual(
    {
      from: v.from,
      from_is_senders: v.fromIsSenders,
      message_id: v.messageId,
      piece_count: v.pieceCount,
      pieces: v.pieces.map((p) => ({ index: p.index, plaintext: hex(p.plaintext) })),
      recipient: v.recipient,
      recipient_kind: v.recipientKind,
      reported_at: v.reportedAt,
      reporter: v.reporter,
      reporter_device: v.reporterDevice,
      sender: v.sender,
      sender_device: v.senderDevice,
      sender_status: v.senderStatus,
      sent_at: v.sentAt,
    },
    c.expected,
  );
}

/** The notes of a plan by `chain`'s first device to its first address, as `dir` holds it. */
function planNotes(chain, dir) {
  const p = new Planner(chain, chain.devices[0].id);
  p.fromDirectory(chain.addresses[0], "to", dir, chain.user);
  return p.plan().notes.map((n) => n.code);
}

/** A view fed the case's notes; then the case's check of a published tail or of a history. */
function transparency(c) {
  const i = c.inputs;
  const p = i.policy;
  const run = () => {
    const witnesses = p.witnesses.map((w) => ({ name: w.name, key: bytes(w.key) }));
    const view = new TransparencyView(new LogPolicy(p.origin, bytes(p.log_key), witnesses, p.threshold));
    // The notes as text, as a client gets them from `fetch(...).text()`.
    for (const n of i.notes) view.update(n.note, bytes(n.consistency));
    const held = view.checkpoint;
    const got = held ? { held: { root: held.root, size: held.size } } : {};
    const check = i.check;
    if (check.published) {
      const at = check.published.at;
      const chain = chainOf(check.published.chain);
      const t = view.verifyPublished(chain, at.index, bytes(at.entry), bytes(at.inclusion));
      got.published = { index: t.index, seq: t.seq };
      if (t.seq === chain.tail.seq) {
        // The same proof kept in a directory, for a mailbox requiring published senders.
        const d = new Directory();
        assert.deepEqual(d.addPublished(view, chain, at.index, bytes(at.entry), bytes(at.inclusion)), t);
        assert.deepEqual(d.publication(chain.user), t);
        // And for a planner writing to that user: the proof spares the note (SPEC.md §11.1).
        assert.deepEqual(planNotes(chain, d), []);
        assert.deepEqual(planNotes(chain, directory([chain])), ["recipient_not_published"]);
      }
    } else if (check.monitor) {
      const history = check.monitor.history.map((h) => ({ index: h.index, entry: bytes(h.entry), inclusion: bytes(h.inclusion) }));
      const found = view.monitor(chainOf(check.monitor.chain), history);
      got.monitor = found.code === "ahead" ? { ahead: found.seq } : found.code;
    } else {
      assert.equal(check, "none");
    }
    return got;
  };
  if (c.expected_error) return refuses(c.expected_error, run);
  assert.deepEqual(run(), c.expected);
}

const RUNNERS = {
  report: abuseReport,
  text_form: textForm,
  piece,
  piece_access: pieceAccess,
  keys,
  mail,
  link,
  server,
  seed_wrap: seedWrap,
  escrow,
  user_data: userData,
  recovery_code: recoveryCode,
  chain,
  planner,
  transparency,
};

// ---- The run ---------------------------------------------------------------------------------

const files = readdirSync(VECTORS).filter((f) => f.endsWith(".json")).sort();
const totals = { verified: 0, published: 0, skipped: 0 };

for (const file of files) {
  test(`vectors: ${file}`, (t) => {
    const doc = JSON.parse(readFileSync(new URL(file, VECTORS), "utf8"));
    const suite = doc.suite === null ? null : SUITES[doc.suite];
    if (suite !== null && !suites().includes(suite)) return t.skip(`${doc.suite} is not in this build`);
    // A family the package does not bind yet is listed as skipped, not failed: the crate
    // grows vector families faster than this binding follows.
    const run = RUNNERS[doc.operation] ?? (() => skip(`operation ${doc.operation} is not bound in the package yet`));
    const count = { verified: 0, published: 0, skipped: 0 };
    const skips = new Map();
    const failures = [];
    for (const c of doc.cases) {
      try {
        const how = run(c, suite);
        count[how === "published" ? "published" : "verified"]++;
      } catch (e) {
        if (e instanceof Skip) {
          count.skipped++;
          skips.set(e.reason, (skips.get(e.reason) ?? 0) + 1);
        } else {
          failures.push(`${c.name}: ${e.message.split("\n").slice(0, 6).join(" ")}`);
        }
      }
    }
    for (const k of Object.keys(totals)) totals[k] += count[k];
    t.diagnostic(`${file}: ${count.verified} verified, ${count.published} checked on published bytes, ${count.skipped} skipped`);
    for (const [reason, n] of skips) t.diagnostic(`  skipped ${n}: ${reason}`);
    assert.deepEqual(failures, [], `${failures.length} of ${doc.cases.length} cases failed`);
  });
}

test("vectors: the run reached the published set", () => {
  // 878 cases are published; the package reaches all but 6 (chains grown from XofRng, a
  // recipient given by PUK without a chain). A run that reaches fewer lost a file or a runner.
  assert.ok(totals.verified + totals.published >= 872, JSON.stringify(totals));
});
