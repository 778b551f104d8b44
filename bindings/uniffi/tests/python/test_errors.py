"""Bad input raises typed exceptions: a subclass of MailsealError per cause, carrying the
library's error class (as SPEC.md and the test vectors spell it) and its sentence; the
binding's own refusals are MailsealError.Binding. Nothing crashes the interpreter."""

import pytest

import mailseal as m
from world import NOW, directory, hex_id, raises, user

CAUSES = [
    ("Malformed", "malformed/"),
    ("Authentication", "authentication/"),
    ("Unsupported", "unsupported/"),
    ("Misuse", "misuse/"),
    ("LimitExceeded", "limit_exceeded/"),
    ("NotARecipient", "not_a_recipient"),
    ("Chain", "chain/"),
    ("Transparency", "transparency/"),
    ("Other", ""),
    ("Binding", "binding/"),
]


def test_every_cause_is_a_subclass():
    for name, _ in CAUSES:
        assert issubclass(getattr(m.MailsealError, name), m.MailsealError)
        assert issubclass(getattr(m.MailsealError, name), Exception)


def cause_of(e):
    [name] = [n for n, _ in CAUSES if type(e) is getattr(m.MailsealError, n)]
    return name


def check(e, cause, error_class):
    assert cause_of(e) == cause
    assert e.error_class == error_class
    assert dict(CAUSES)[cause] in error_class
    assert e.detail and "\n" not in e.detail
    assert error_class in str(e) and e.detail in str(e)


def test_malformed_and_limits():
    e = raises("malformed/cbor/length_exceeds_input", m.parse_puk_record, b"\xa5\x01")
    check(e, "Malformed", "malformed/cbor/length_exceeds_input")
    e = raises("malformed/field/id", m.parse_id, "not hex")
    check(e, "Malformed", "malformed/field/id")
    e = raises("limit_exceeded/public_record_size", m.parse_device_record, bytes(4097))
    check(e, "LimitExceeded", "limit_exceeded/public_record_size")
    e = raises("malformed/recovery_code/length", m.RecoveryCode.parse, "ABCD")
    check(e, "Malformed", "malformed/recovery_code/length")


def test_authentication_chain_and_recipients():
    alice, bob, carol = user("alice", 1), user("bob", 2), user("carol", 3)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<e@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    sealer.add_piece(b"hi")
    copy = next(c.copy for c in m.split_envelope(sealer.seal()) if c.user == bob.chain.user())
    e = raises("not_a_recipient", carol.mailbox.open, copy, directory(alice.chain))
    check(e, "NotARecipient", "not_a_recipient")

    key = m.PieceKey.from_bytes(bytes(32))
    sealed = m.piece_seal(m.Suite.X25519, m.Purpose.MAIL_PIECE, key, b"x" * 100)
    e = raises("authentication/key_commitment", m.piece_open, m.Suite.X25519, m.Purpose.MAIL_PIECE,
               m.PieceKey.from_bytes(bytes([1] * 32)), sealed.ciphertext)
    check(e, "Authentication", "authentication/key_commitment")

    # A chain whose second link repeats the first's sequence number.
    e = raises("chain/sequence", m.Chain.verify, alice.links + alice.links)
    check(e, "Chain", "chain/sequence")
    other = m.root_link(alice.device, alice.puk, ["alice@example.org"], NOW)
    e = raises("chain/fork", alice.chain.update, [other])
    check(e, "Chain", "chain/fork")


def test_misuse_and_unsupported():
    alice = user("alice", 1)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<m@example.com>", NOW)
    e = raises("misuse/no_pieces", sealer.seal_draft)
    check(e, "Misuse", "misuse/no_pieces")
    # A PUK record naming suite 0x7777 (the published vector puk_record_unknown_suite).
    record = bytes.fromhex(
        "a4616701616b5820fd720c27b1af453639bfcbda3242d4d23569ecd5a050a15f13fada85f553c643"
        "617319777761755001010101010101010101010101010101")
    e = raises("unsupported/suite", m.parse_puk_record, record)
    check(e, "Unsupported", "unsupported/suite")


def test_binding_refusals():
    e = raises("binding/invalid_argument", m.Device.from_seed, m.Suite.XWING, hex_id(1), bytes(31))
    check(e, "Binding", "binding/invalid_argument")
    raises("binding/invalid_argument", m.PieceKey.from_bytes, bytes(33))
    alice = user("alice", 1)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<b@example.com>", NOW)
    # The library decides where a kind is allowed, when the mail is checked.
    sealer.external(m.RecipientKind.BCC, "x@elsewhere.example")
    raises("malformed/field/recipient_set", sealer.validate)
    planner = m.Planner(alice.chain, alice.device.id())
    raises("binding/invalid_argument", planner.external, "x@elsewhere.example", m.RecipientKind.SENDER)
    draft = alice.chain.propose_add_device(
        alice.device.id(), m.Device.generate(m.Suite.XWING, hex_id(9)).public_record(), None, NOW)
    raises("binding/invalid_argument", draft.add_signature, alice.device.id(), bytes(63))
    piece = sealer.begin_piece()
    e = raises("binding/invalid_state", sealer.attach, piece)
    check(e, "Binding", "binding/invalid_state")


def test_wrong_python_types_are_type_errors():
    # The generated code checks argument types before anything reaches Rust.
    with pytest.raises(TypeError):
        m.parse_id(12)
    with pytest.raises((TypeError, ValueError)):
        m.Device.generate("xwing", hex_id(1))
    with pytest.raises((TypeError, ValueError, OverflowError)):
        m.ciphertext_length(-1)


def test_hostile_bytes_never_crash():
    # Every decoder on truncations and bit flips of valid input: an exception or a value.
    alice, bob = user("alice", 1), user("bob", 2)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<h@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    sealer.add_piece(b"hostile")
    envelope = sealer.seal()
    copy = next(c.copy for c in m.split_envelope(envelope) if c.user == bob.chain.user())
    senders = directory(alice.chain)
    decoders = [
        lambda b: m.split_envelope(b),
        lambda b: m.validate_envelope(b, [0]),
        lambda b: bob.mailbox.open(b, senders),
        lambda b: m.Chain.verify([b]),
        lambda b: m.parse_device_record(b),
        lambda b: m.Report.parse(b),
    ]
    samples = [envelope[:n] for n in range(0, len(envelope), 97)]
    for i in range(0, len(copy), 53):
        flipped = bytearray(copy)
        flipped[i] ^= 0x40
        samples.append(bytes(flipped))
    samples.append(alice.links[0][:-3])
    for sample in samples:
        for decode in decoders:
            try:
                decode(sample)
            except m.MailsealError as e:
                assert e.error_class.count("/") >= 0 and e.detail
