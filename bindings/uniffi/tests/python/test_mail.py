"""Mail end to end through the Python API: keys, chains, sealing to To/CC/BCC, the server's
key-free validation and split, opening every copy, the footer in the product's words,
streamed pieces, server-sealed and access-restricted mail."""

import hashlib

import pytest

import mailseal as m
from world import NOW, directory, hex_id, pattern, raises, seal_streamed, user

SUITES = m.suites()


@pytest.fixture(params=SUITES, ids=lambda s: s.name.lower())
def suite(request):
    return request.param


def test_keys_and_text_forms(suite):
    device = m.Device.from_seed(suite, hex_id(0xA1), bytes(range(32)))
    assert device.id() == hex_id(0xA1)
    assert device.suite() == suite
    record = m.parse_device_record(device.public_record())
    assert record.id == device.id() and record.suite == suite
    assert len(record.verifying_key) == 32
    assert record.text == device.public_text() and record.text.startswith("mailseal:device:")
    assert m.parse_device_text(device.public_text()) == record
    assert device.expose_seed() == bytes(range(32))
    # The same seed gives the same device.
    again = m.Device.from_seed(suite, hex_id(0xA1), bytes(range(32)))
    assert again.public_record() == device.public_record()

    puk = m.Puk.derive(suite, hex_id(1), 3, bytes([7] * 32))
    assert (puk.user(), puk.generation(), puk.suite()) == (hex_id(1), 3, suite)
    r = m.parse_puk_record(puk.public_record())
    assert (r.user, r.generation, r.suite) == (hex_id(1), 3, suite)
    assert m.parse_puk_text(puk.public_text()) == r == puk.public_fields()
    assert len(r.fingerprint) == 64
    assert m.parse_id(hex_id(0xAB).upper()) == hex_id(0xAB)


def test_chain_root_verify_and_views(suite):
    alice = user("alice", 1, suite)
    c = alice.chain
    assert c.user() == hex_id(1) and c.suite() == suite
    assert c.addresses() == ["alice@example.com"] and c.has_address("alice@example.com")
    assert c.tail().seq == 1 and c.hash_at(1) == c.tail().hash and c.hash_at(2) is None
    assert m.parse_chain_tail(c.tail().text) == c.tail()
    [d] = c.devices()
    assert (d.id, d.role, d.active, d.added_at, d.added_time, d.revoked_at) == (
        alice.device.id(), m.DeviceRole.ORDINARY, True, 1, NOW, None)
    assert c.current_puk() == alice.puk.public_fields()
    assert [g.generation for g in c.generations()] == [1]
    assert c.escrow() is None and c.escrow_history() == []
    assert not c.rotation_due() and c.has_active_device()
    code = m.parse_security_code(c.security_code().replace(" ", ""))
    assert code.text == c.security_code() and len(code.digits) == 30
    # The same chain as one segment, as a server serves it.
    segment = m.encode_segment(alice.links)
    assert m.decode_segment(segment) == alice.links
    assert m.Chain.verify_segment(segment).tail() == c.tail()

    # A second device: drafted, signed by both, appended; a later view must extend this one.
    phone = m.Device.generate(suite, hex_id(0x91))
    draft = c.propose_add_device(alice.device.id(), phone.public_record(), None, NOW + 1)
    assert draft.signers() == [alice.device.id(), phone.id()]
    draft.sign(alice.device)
    draft.sign(phone)
    link = draft.finish()
    raises("binding/invalid_state", draft.finish)
    grown = c.extend([link])
    assert [x.id for x in grown.devices()] == [alice.device.id(), phone.id()]
    assert c.update(alice.links + [link]).tail() == grown.tail()
    raises("chain/rollback", grown.update, alice.links)
    other_root = m.root_link(alice.device, alice.puk, ["alice@example.org"], NOW)
    raises("chain/fork", c.update, [other_root])

    bob = user("bob", 2, suite)
    assert m.pair_security_code(c, bob.chain) == m.pair_security_code(bob.chain, c)


def test_seal_split_open_footer(suite):
    alice, bob, carol, dave = (user(n, i, suite) for i, n in enumerate(["alice", "bob", "carol", "dave"], 1))
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<hello@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    sealer.cc(carol.address, carol.chain)
    sealer.bcc(dave.address, dave.chain)
    sealer.bcc_text("dave@example.com")
    sealer.validate()
    body = b"Subject: hi\r\n\r\nHello Bob, Carol and (secretly) Dave."
    attachment = pattern(200_000)
    pieces = [sealer.add_piece(body), sealer.add_piece(attachment)]
    envelope = sealer.seal()
    raises("binding/invalid_state", sealer.seal)

    # The server: validation and split, no key.
    info = m.validate_envelope(envelope, [len(p) for p in pieces])
    assert info.origin == m.Origin.SENDER_DEVICE and info.suite == suite
    assert info.message_id == "<hello@example.com>"
    assert info.piece_sizes == [len(p) for p in pieces]
    assert [(b.kind, b.address) for b in info.boxes] == [
        (m.RecipientKind.SENDER, "alice@example.com"),
        (m.RecipientKind.TO, "bob@example.com"),
        (m.RecipientKind.CC, "carol@example.com"),
        (m.RecipientKind.BCC, "dave@example.com"),
    ]
    assert not info.link_box and info.external == [] and info.held_for == []
    copies = {c.user: c for c in m.split_envelope(envelope)}
    assert set(copies) == {u.chain.user() for u in (alice, bob, carol, dave)}
    raises("malformed/piece_size", m.validate_envelope, envelope, [len(pieces[0]), len(pieces[1]) + 1])

    senders = directory(alice.chain)
    for reader, kind in [(bob, m.RecipientKind.TO), (carol, m.RecipientKind.CC), (dave, m.RecipientKind.BCC)]:
        copy = copies[reader.chain.user()]
        assert m.validate_copy(copy.copy, [len(p) for p in pieces]).message_id == "<hello@example.com>"
        opened = reader.mailbox.open(copy.copy, senders)
        assert opened.recipient_kind() == kind == copy.kind
        assert opened.piece_count() == 2
        assert opened.open_piece(0, pieces[0]) == body
        assert opened.open_piece(1, pieces[1]) == attachment
        assert opened.piece_size(1) == len(pieces[1])
        assert opened.piece_digest(0) == opened.header().piece_digests[0]
        assert opened.sender_status() == "verified_active_device"
        assert opened.e2e_flag() and opened.from_is_senders()
        assert opened.sent_record() is None
        h = opened.header()
        assert h.sender.address == "alice@example.com" and h.sender.user == alice.chain.user()
        assert h.sender.device == alice.device.id() and h.sender.chain == alice.chain.tail()
        assert [p.address for p in h.to] == ["bob@example.com"]
        assert [p.address for p in h.cc] == ["carol@example.com"]
        assert h.timestamp == NOW and h.expiry is None and h.origin == m.Origin.SENDER_DEVICE
        c = opened.classify(True)
        assert (c.footer, c.code, c.sender) == ("E2E Encrypted", "e2e_encrypted", "verified_active_device")
        assert c.reasons == [] and c.escrow is None
        # An unknown sender gets a caution in the product's words; the footer stays E2E.
        stranger = opened.classify(False)
        assert stranger.code == "e2e_encrypted"
        assert all(w.code and w.text for w in stranger.cautions)

    # The Sent copy: the BCC line and every recipient, as signed.
    mine = alice.mailbox.open(copies[alice.chain.user()].copy, senders)
    assert mine.recipient_kind() == m.RecipientKind.SENDER
    record = mine.sent_record()
    assert record.bcc == "dave@example.com"
    assert [(r.address, r.kind) for r in record.recipients] == [
        ("alice@example.com", m.RecipientKind.SENDER),
        ("bob@example.com", m.RecipientKind.TO),
        ("carol@example.com", m.RecipientKind.CC),
        ("dave@example.com", m.RecipientKind.BCC),
    ]

    # Bob's copy is no good to Carol; a flipped bit opens nowhere.
    raises("not_a_recipient", carol.mailbox.open, copies[bob.chain.user()].copy, senders)
    tampered = bytearray(copies[bob.chain.user()].copy)
    tampered[60] ^= 1
    with pytest.raises(m.MailsealError):
        bob.mailbox.open(bytes(tampered), senders)
    # Without the sender's chain, a signed mail does not open.
    with pytest.raises(m.MailsealError.Authentication):
        bob.mailbox.open(copies[bob.chain.user()].copy, m.Directory())


def test_pieces_streamed_and_random_access(suite):
    alice, bob = user("alice", 1, suite), user("bob", 2, suite)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<s@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    body = sealer.add_piece(b"see attachment")
    piece = sealer.begin_piece()
    plain = pattern(300_000)
    ciphertext = seal_streamed(piece, plain, 10_000)
    raises("binding/invalid_state", piece.finish)
    raises("binding/invalid_state", piece.push, b"x")
    assert piece.ciphertext_length() == len(ciphertext) == m.ciphertext_length(len(plain))
    digest = piece.digest()
    sealer.attach(piece)
    raises("binding/invalid_state", sealer.attach, piece)
    envelope = sealer.seal()
    copy = next(c.copy for c in m.split_envelope(envelope) if c.user == bob.chain.user())
    opened = bob.mailbox.open(copy, directory(alice.chain))
    assert opened.piece_digest(1) == digest

    # Unverified streaming: released chunk by chunk, checked at finish().
    d = opened.piece_decryptor(1)
    got = bytearray()
    for i in range(0, len(ciphertext), 7_777):
        got += d.push(ciphertext[i:i + 7_777])
    got += d.finish()
    assert bytes(got) == plain

    # Verified streaming: the tag list first (read at its ranges), then every chunk vouched.
    tags = m.tag_list(ciphertext)
    ranges = m.tag_list_ranges(len(ciphertext))
    assert b"".join(ciphertext[r.start:r.end] for r in ranges) == tags
    d = opened.verified_piece_decryptor(1, tags)
    got = bytearray()
    for i in range(0, len(ciphertext), 65_536):
        got += d.push(ciphertext[i:i + 65_536])
    assert d.finish() == b""
    assert bytes(got) == plain

    # Random access to any chunk.
    reader = opened.verified_piece_reader(1, tags)
    n = reader.chunk_count()
    assert n == 5
    r = reader.chunk_range(n - 1)
    last = reader.open_chunk(n - 1, ciphertext[r.start:r.end])
    assert plain.endswith(last)
    raises("misuse/chunk_index_out_of_range", reader.chunk_range, n)

    # A chunk altered in storage stops the stream before it is released.
    bad = bytearray(ciphertext)
    bad[100_000] ^= 1
    d = opened.verified_piece_decryptor(1, tags)
    with pytest.raises(m.MailsealError.Authentication):
        d.push(bytes(bad))
    raises("malformed/tag_list", opened.verified_piece_decryptor, 0, tags)
    assert opened.open_piece(0, body) == b"see attachment"


def test_plan_then_seal_external_with_server_access(suite):
    alice, bob = user("alice", 1, suite), user("bob", 2, suite)
    server_puk = m.Puk.generate(suite, hex_id(0x5E), 1)
    planner = m.Planner(alice.chain, alice.device.id())
    planner.server_key("server@example.com", server_puk.public_record())
    planner.user(bob.address, m.RecipientKind.TO, bob.chain)
    planner.external("eve@elsewhere.example", m.RecipientKind.CC)
    plan = planner.plan(m.MailContext.PERSONAL)
    assert plan.decision() == m.PlanDecision.NOT_E2E and plan.decision_code() == "not_e2e"
    [reason] = plan.reasons()
    assert reason.address == "eve@elsewhere.example" and reason.code and reason.text
    assert {(k.kind, k.address) for k in plan.recipients()} >= {(m.RecipientKind.TO, bob.address)}

    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<ext@example.com>", NOW)
    sealer.apply_plan(plan)
    body = sealer.add_piece(b"to Bob and someone outside")
    envelope = sealer.seal()
    info = m.validate_envelope(envelope, [len(body)])
    assert info.external == ["eve@elsewhere.example"]
    assert m.RecipientKind.SERVER_ACCESS in [b.kind for b in info.boxes]
    copies = {c.kind: c for c in m.split_envelope(envelope)}
    senders = directory(alice.chain)
    opened = bob.mailbox.open(copies[m.RecipientKind.TO].copy, senders)
    c = opened.classify(True)
    assert c.footer == "Server Encrypted" and c.code == "server_encrypted"
    assert c.reasons and all(r.code and r.text for r in c.reasons)
    # The server opens its own box with its key id and keyring.
    keys = m.Keyring()
    keys.add(server_puk)
    mine = m.Mailbox.server(hex_id(0x5E), keys).open(copies[m.RecipientKind.SERVER_ACCESS].copy, senders)
    assert mine.open_piece(0, body) == b"to Bob and someone outside"

    # Refused plans cannot be applied.
    refused = m.Planner.without_key(alice.device.id())
    refused.user(bob.address, m.RecipientKind.TO, bob.chain)
    plan = refused.plan(m.MailContext.PERSONAL)
    assert plan.decision() == m.PlanDecision.REFUSE and plan.reasons()
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<r@example.com>", NOW)
    raises("misuse/plan_refused", sealer.apply_plan, plan)


def test_server_sealed_inbound_mail(suite):
    bob, carol = user("bob", 2, suite), user("carol", 3, suite)
    s = m.InboundSealer(suite, m.Origin.INBOUND_EXTERNAL, "news@elsewhere.example", "<in@elsewhere.example>", NOW)
    s.to(bob.address, bob.chain.user())
    s.cc("someone@elsewhere.example", None)
    s.recipient(bob.address, bob.chain)
    s.add_piece(b"Subject: news\r\n\r\nFrom outside.")
    sealed = s.seal()
    raises("binding/invalid_state", s.seal)
    info = m.validate_envelope(sealed.envelope, [len(p) for p in sealed.pieces])
    assert info.origin == m.Origin.INBOUND_EXTERNAL
    [copy] = m.split_envelope(sealed.envelope)
    opened = bob.mailbox.open(copy.copy, m.Directory())
    assert opened.open_piece(0, sealed.pieces[0]) == b"Subject: news\r\n\r\nFrom outside."
    c = opened.classify(False)
    assert (c.code, c.sender) == ("server_encrypted", "unsigned")
    assert opened.header().sender.address == "news@elsewhere.example"
    raises("not_a_recipient", carol.mailbox.open, copy.copy, m.Directory())


def test_access_restricted_link_and_draft(suite):
    alice = user("alice", 1, suite)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<link@example.com>", NOW)
    sealer.external(m.RecipientKind.TO, "reader@elsewhere.example")
    sealer.access_restricted(NOW + 86_400)
    body = sealer.add_piece(b"for your eyes only")
    restricted = sealer.seal_restricted()
    assert restricted.fragment.startswith("ms1")
    link = m.link_copy(restricted.envelope)
    opened = m.open_link_copy(link, restricted.fragment, NOW + 60)
    assert opened.open_piece(0, body) == b"for your eyes only"
    assert opened.recipient_kind() == m.RecipientKind.LINK
    assert opened.header().expiry == NOW + 86_400
    with pytest.raises(m.MailsealError):
        m.open_link_copy(link, restricted.fragment, NOW + 86_401)

    draft = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<draft@example.com>", NOW)
    piece = draft.add_piece(b"unfinished")
    envelope = draft.seal_draft()
    [copy] = m.split_envelope(envelope)
    assert copy.kind == m.RecipientKind.SENDER
    opened = alice.mailbox.open(copy.copy, directory(alice.chain))
    assert opened.open_piece(0, piece) == b"unfinished"
    assert m.link_copy(envelope) is None


def test_piece_cipher_alone(suite):
    key = m.PieceKey.generate()
    sealed = m.piece_seal(suite, m.Purpose.MAIL_PIECE, key, b"hello piece")
    assert m.piece_digest(suite, m.Purpose.MAIL_PIECE, sealed.ciphertext) == sealed.digest
    opened = m.piece_open(suite, m.Purpose.MAIL_PIECE, key, sealed.ciphertext)
    assert opened.plaintext == b"hello piece" and opened.digest == sealed.digest
    raises("authentication/key_commitment", m.piece_open, suite, m.Purpose.MANIFEST, key, sealed.ciphertext)
    assert m.purpose_from_label("mail piece") == m.Purpose.MAIL_PIECE
    reader = m.PieceReader(suite, m.Purpose.MAIL_PIECE, key, sealed.ciphertext[:64], len(sealed.ciphertext))
    r = reader.chunk_range(0)
    assert reader.open_chunk(0, sealed.ciphertext[r.start:r.end]) == b"hello piece"
    assert hashlib.sha256(opened.plaintext).hexdigest()


def test_a_mailbox_follows_the_log_unless_told_otherwise(suite):
    """By default a mailbox follows the transparency log: a sender the directory has not shown
    to be published gives Server Encrypted, however the mail was signed (SPEC.md §11.2
    condition 6); a mailbox without a log may show E2E, with a caution saying so."""
    alice, bob = user("alice", 1, suite), user("bob", 2, suite)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<tl@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    sealer.add_piece(b"hello")
    copy = next(c.copy for c in m.split_envelope(sealer.seal()) if c.user == bob.chain.user())
    opened = m.Mailbox(bob.chain, bob.keyring).open(copy, directory(alice.chain))
    assert opened.sender_publication() is None
    c = opened.classify(True)
    assert c.code == "server_encrypted" and "sender_not_published" in [r.code for r in c.reasons]
    c = m.Mailbox(bob.chain, bob.keyring).without_key_transparency().open(copy, directory(alice.chain)).classify(True)
    assert c.code == "e2e_encrypted" and [w.code for w in c.cautions] == ["sender_not_checked_in_log"]
