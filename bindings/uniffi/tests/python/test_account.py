"""Devices and keys over time through the Python API: seed wraps to a new device, rotation
(scheduled, revoking a device), recovery codes and backup devices, escrow from enrollment to
recovery, the user's own data, abuse reports, and mail held for a user without a key."""

import pytest

import mailseal as m
from world import NOW, directory, hex_id, raises, user

SUITE = m.Suite.XWING


def append(chain, draft, *signers):
    for d in signers:
        draft.sign(d)
    return chain.extend([draft.finish()])


def test_seed_wraps_and_rotation():
    alice = user("alice", 1, SUITE)
    laptop = alice.device
    phone = m.Device.generate(SUITE, hex_id(0x92))
    chain = append(alice.chain, alice.chain.propose_add_device(laptop.id(), phone.public_record(), None, NOW + 1),
                   laptop, phone)

    # The laptop hands generation 1 to the phone; the phone checks it against the chain.
    wrap = m.wrap_seed_to(alice.puk, phone.public_record(), laptop)
    got = m.open_seed_wrap_on(wrap, phone, chain)
    assert got.puk.generation() == 1 and got.puk.expose_seed() == alice.puk.expose_seed()
    assert got.approver.id == laptop.id() and got.approver.role == m.DeviceRole.ORDINARY
    assert got.cosigner is None
    # A wrap for the phone is nobody else's.
    with pytest.raises(m.MailsealError):
        m.open_seed_wrap_on(wrap, laptop, chain)

    # Scheduled rotation: a new key, the link, a wrap for each active device.
    r = m.rotate(chain, laptop, NOW + 2)
    assert r.puk.generation() == 2
    chain = chain.extend([r.link])
    assert chain.current_puk() == r.puk.public_fields()
    assert sorted(w.device for w in r.wraps) == sorted([laptop.id(), phone.id()])
    phone_wrap = next(w.wrap for w in r.wraps if w.device == phone.id())
    assert m.open_seed_wrap_on(phone_wrap, phone, chain).puk.expose_seed() == r.puk.expose_seed()

    # A new tablet receives every generation at once.
    tablet = m.Device.generate(SUITE, hex_id(0x93))
    chain = append(chain, chain.propose_add_device(laptop.id(), tablet.public_record(), None, NOW + 3),
                   laptop, tablet)
    ring = m.Keyring()
    ring.add(alice.puk)
    ring.add(r.puk)
    assert ring.generations() == [1, 2]
    seeds = m.open_seed_wraps_on(m.wrap_seeds(ring, tablet.public_record(), laptop), tablet, chain)
    assert [s.puk.generation() for s in seeds] == [1, 2]

    # The phone is lost: revoked and the key rotated in one link; no wrap goes to it.
    r3 = m.rotate_revoking(chain, laptop, phone.id(), NOW + 4)
    chain = chain.extend([r3.link])
    assert phone.id() not in [w.device for w in r3.wraps]
    assert [d.active for d in chain.devices() if d.id == phone.id()] == [False]
    assert not chain.rotation_due()
    raises("binding/invalid_argument", m.wrap_seeds, m.Keyring(), tablet.public_record(), laptop)


def test_recovery_code_and_backup_device():
    alice = user("alice", 1, SUITE)
    code = m.RecoveryCode.generate()
    text = code.expose_text()
    assert len(text.split("-")) == 7
    again = m.RecoveryCode.parse(text.lower().replace("-", " "))
    assert again.expose_text() == text
    backup = code.backup_device(SUITE, hex_id(0xBB))
    assert again.backup_device(SUITE, hex_id(0xBB)).public_record() == backup.public_record()
    chain = append(alice.chain,
                   alice.chain.propose_backup_device(alice.device.id(), backup.public_record(), None, NOW + 1),
                   alice.device, backup)
    assert [d.role for d in chain.devices()] == [m.DeviceRole.ORDINARY, m.DeviceRole.BACKUP]
    # The backup device can take the key later, with only the code.
    wrap = m.wrap_seed_to(alice.puk, backup.public_record(), alice.device)
    restored = m.RecoveryCode.parse(text).backup_device(SUITE, hex_id(0xBB))
    assert m.open_seed_wrap_on(wrap, restored, chain).puk.expose_seed() == alice.puk.expose_seed()
    raises("malformed/recovery_code/length", m.RecoveryCode.parse, text[:-5])


def test_user_data():
    alice = user("alice", 1, SUITE)
    blob = m.seal_user_data(alice.puk, "labels", "<m1@example.com>", 3, b'["work", "urgent"]')
    got = m.open_user_data(blob, alice.chain.user(), alice.keyring, "labels", "<m1@example.com>", 3)
    assert got == b'["work", "urgent"]'
    raises("authentication/rollback", m.open_user_data, blob, alice.chain.user(), alice.keyring, "labels",
           "<m1@example.com>", 4)
    raises("authentication/user_data", m.open_user_data, blob, alice.chain.user(), alice.keyring, "labels",
           "<m2@example.com>", None)
    raises("authentication/user_data", m.open_user_data, blob, alice.chain.user(), alice.keyring, "folders",
           "<m1@example.com>", None)
    folders = m.seal_user_data(alice.puk, "folders", None, None, b"Inbox/Receipts")
    assert m.open_user_data(folders, alice.chain.user(), alice.keyring, "folders", None, None) == b"Inbox/Receipts"
    raises("malformed/field/user_data_type", m.seal_user_data, alice.puk, "", None, None, b"x")


def test_escrow_from_enrollment_to_recovery():
    uma = user("uma", 0x31, SUITE)
    admins = user("admins", 0xEA, SUITE)
    ctx = m.EscrowContext(hex_id(0xAC), "example.com", True, uma.chain.user(), uma.address,
                          admins.chain)
    shared = m.EscrowContext(hex_id(0xAC), "zmail.com", False, uma.chain.user(), uma.address,
                             admins.chain)
    escrow_device = m.Device.generate(SUITE, hex_id(0xEE))
    with pytest.raises(m.MailsealError.Misuse):
        shared.wrap_escrow_device(escrow_device, uma.device)
    terms = ctx.enrollment_terms(admins.device.public_record())
    assert terms.fields().domain == "example.com" and terms.fields().ea_group == admins.chain.user()
    chain = append(uma.chain,
                   uma.chain.propose_escrow_device(uma.device.id(), escrow_device.public_record(), terms, None,
                                                   NOW + 1),
                   uma.device, escrow_device, admins.device)
    enrolled = chain.escrow()
    assert enrolled.escrow_device == escrow_device.id() and enrolled.disabled_at is None
    escrow_wrap = ctx.wrap_escrow_device(escrow_device, uma.device)
    to_escrow = m.wrap_seed_to(uma.puk, escrow_device.public_record(), uma.device)

    # Mail to Uma shows her own escrow beside the footer.
    alice = user("alice", 1, SUITE)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<to-uma@example.com>", NOW)
    sealer.to(uma.address, chain)
    body = sealer.add_piece(b"for Uma")
    copy = next(c.copy for c in m.split_envelope(sealer.seal()) if c.user == chain.user())
    opened = m.Mailbox(chain, uma.keyring).open(copy, directory(alice.chain))
    assert opened.mailbox_escrow().escrow_device == escrow_device.id()
    assert opened.classify(True).escrow is not None

    # Uma loses her only device; the administrators recover her onto a new one.
    chain = chain.extend([chain.server_revoke(uma.device.id(), NOW + 2)])
    unlocked = m.open_escrow_wrap(escrow_wrap, admins.keyring, chain)
    assert unlocked.public_record() == escrow_device.public_record()
    seed = m.open_seed_wrap_on(to_escrow, unlocked, chain)
    new_device = m.Device.generate(SUITE, hex_id(0xD4))
    gen2 = m.Puk.generate(SUITE, chain.user(), 2)
    draft = m.propose_recovery(chain, escrow_device.id(), new_device.public_record(), admins.device, admins.chain,
                               gen2.public_record(), NOW + 3)
    chain = append(chain, draft, unlocked, new_device, admins.device)
    rewrap = m.wrap_seed_cosigned_to(seed.puk, new_device.public_record(), unlocked, admins.chain.user(),
                                     admins.device)
    got = m.open_recovery_wrap(rewrap, new_device, chain, admins.chain)
    assert got.puk.generation() == 1 and got.cosigner.id == admins.device.id()
    ring = m.Keyring()
    ring.add(got.puk)
    ring.add(gen2)
    assert m.Mailbox(chain, ring).open(copy, directory(alice.chain)).open_piece(0, body) == b"for Uma"


def test_abuse_report():
    mallory, bob = user("mallory", 0x41, SUITE), user("bob", 2, SUITE)
    sealer = m.MailSealer(mallory.puk, mallory.device, mallory.chain, mallory.address, "<spam@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    body = sealer.add_piece(b"Buy now!")
    photo = sealer.add_piece(b"private photo")
    copy = next(c.copy for c in m.split_envelope(sealer.seal()) if c.user == bob.chain.user())
    opened = bob.mailbox.open(copy, directory(mallory.chain))
    report = m.make_report(opened, [0], bob.device, NOW + 100)

    parsed = m.Report.parse(report)
    assert parsed.disclosed() == [0] and parsed.reporter() == bob.chain.user()
    assert parsed.header().message_id == "<spam@example.com>"
    v = parsed.verify(mallory.chain, bob.chain, [body])
    assert (v.sender, v.sender_device, v.sender_status) == (mallory.chain.user(), mallory.device.id(),
                                                            "verified_active_device")
    assert (v.from_address, v.recipient, v.recipient_kind) == (mallory.address, bob.address, m.RecipientKind.TO)
    assert (v.piece_count, [(p.index, p.plaintext) for p in v.pieces]) == (2, [(0, b"Buy now!")])
    assert v.reported_at == NOW + 100 and v.sent_at == NOW
    assert m.verify_report(report, mallory.chain, bob.chain, [body]) == v
    raises("malformed/piece_size", m.verify_report, report, mallory.chain, bob.chain, [photo])
    with pytest.raises(m.MailsealError):
        m.verify_report(report, bob.chain, bob.chain, [body])


def test_mail_held_for_a_user_without_a_key():
    alice = user("alice", 1, SUITE)
    server = user("server", 0x5E, SUITE)
    newbie_id = hex_id(0x77)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<welcome@example.com>", NOW)
    sealer.unprovisioned(m.RecipientKind.TO, "newbie@example.com", newbie_id)
    sealer.server_access("server@example.com", server.puk.public_record())
    body = sealer.add_piece(b"Welcome aboard")
    envelope = sealer.seal()
    info = m.validate_envelope(envelope, [len(body)])
    assert [(h.address, h.user) for h in info.held_for] == [("newbie@example.com", newbie_id)]
    server_copy = next(c.copy for c in m.split_envelope(envelope) if c.kind == m.RecipientKind.SERVER_ACCESS)
    held = m.Mailbox.server(server.chain.user(), server.keyring).open(server_copy, directory(alice.chain))

    # The user signs up; the server re-seals the held mail to their first key.
    newbie_puk = m.Puk.generate(SUITE, newbie_id, 1)
    newbie_device = m.Device.generate(SUITE, hex_id(0xF7))
    newbie_chain = m.Chain.verify([m.root_link(newbie_device, newbie_puk, ["newbie@example.com"], NOW + 5)])
    resealed = m.reseal_held(held, [body], "newbie@example.com", newbie_chain)
    assert m.validate_envelope(resealed.envelope, [len(p) for p in resealed.pieces]).origin == \
        m.Origin.HELD_FOR_NEW_USER
    [copy] = [c for c in m.split_envelope(resealed.envelope) if c.user == newbie_id]
    ring = m.Keyring()
    ring.add(newbie_puk)
    opened = m.Mailbox(newbie_chain, ring).open(copy.copy, directory(alice.chain))
    assert opened.open_piece(0, resealed.pieces[0]) == b"Welcome aboard"
    assert opened.classify(True).code == "server_encrypted"


def test_a_directory_replaces_a_chain_only_with_a_view_that_extends_it():
    vic = user("vic", 0x61, SUITE)
    phone = m.Device.generate(SUITE, hex_id(0x62))
    newer = append(vic.chain, vic.chain.propose_add_device(vic.device.id(), phone.public_record(), None, NOW + 1),
                   vic.device, phone)
    senders = m.Directory()
    senders.add(vic.chain)
    senders.add(newer)
    # The server serves the older view again (SPEC.md §12.5): refused, the newer one stays.
    raises("chain/rollback", senders.add, vic.chain)
    assert senders.get(vic.chain.user()).tail().seq == 2 and senders.size() == 1
    # A deliberate reset goes through remove.
    assert senders.remove(vic.chain.user()) is True
    senders.add(vic.chain)
    assert senders.get(vic.chain.user()).tail().seq == 1
