"""Mail sealed by the Rust crate opens in Python, and mail sealed in Python opens in Rust:
examples/interop.rs on the other side, bytes exchanged as files in a temporary folder."""

import os
import subprocess
from pathlib import Path

import pytest

import mailseal as m
from world import NOW, directory, pattern, seal_streamed, user

CRATE = Path(__file__).resolve().parents[2]
NAMES = {m.Suite.XWING: "xwing", m.Suite.X25519: "x25519"}


def rust(*args: str) -> str:
    """The Rust side: the binary test.sh built ($MAILSEAL_INTEROP), else through cargo."""
    binary = os.environ.get("MAILSEAL_INTEROP")
    command = [binary, *args] if binary else [
        "cargo", "run", "--quiet", "--manifest-path", str(CRATE / "Cargo.toml"), "--example", "interop", "--", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("suite", m.suites(), ids=lambda s: NAMES[s])
def test_sealed_in_rust_opened_in_python(suite, tmp_path):
    assert rust("seal", str(tmp_path), NAMES[suite]).startswith("sealed: 2 pieces")
    read = lambda name: (tmp_path / name).read_bytes()
    alice = m.Chain.verify_segment(read("alice.chain"))
    bob = m.Chain.verify_segment(read("bob.chain"))
    keys = m.Keyring()
    keys.add(m.Puk.derive(suite, bob.user(), 1, read("bob.puk")))
    copy = next(c.copy for c in m.split_envelope(read("envelope")) if c.user == bob.user())
    opened = m.Mailbox(bob, keys).without_key_transparency().open(copy, directory(alice))
    assert opened.piece_count() == 2
    for i in range(2):
        assert opened.open_piece(i, read(f"piece-{i}")) == read(f"plain-{i}")
    assert opened.classify(True).footer == "E2E Encrypted"
    assert opened.header().sender.address == "alice@example.com"


@pytest.mark.parametrize("suite", m.suites(), ids=lambda s: NAMES[s])
def test_sealed_in_python_opened_in_rust(suite, tmp_path):
    alice, bob = user("alice", 0x21, suite), user("bob", 0x22, suite)
    sealer = m.MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<from-python@example.com>", NOW)
    sealer.to(bob.address, bob.chain)
    body = b"Subject: from Python\r\n\r\nSealed through the UniFFI bindings."
    pieces = [sealer.add_piece(body)]
    attachment = sealer.begin_piece()
    plain = pattern(150_000)
    pieces.append(seal_streamed(attachment, plain, 40_000))
    sealer.attach(attachment)
    files = {
        "suite": NAMES[suite].encode(),
        "envelope": sealer.seal(),
        "plain-0": body,
        "plain-1": plain,
        "alice.chain": m.encode_segment(alice.links),
        "bob.chain": m.encode_segment(bob.links),
        "bob.puk": bob.puk.expose_seed(),
        **{f"piece-{i}": p for i, p in enumerate(pieces)},
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert rust("open", str(tmp_path)).startswith(
        'opened: 2 pieces from alice@example.com (verified_active_device), footer "E2E Encrypted"')
