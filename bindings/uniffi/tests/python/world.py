"""Users for the tests: each with a device, a first PUK and a chain whose root lists its
address, the way a client sets one up."""

from dataclasses import dataclass

import pytest

import mailseal as m

NOW = 1_764_374_400


def hex_id(n: int) -> str:
    """A 16-byte id of one repeated byte, as 32 hex digits."""
    return f"{n & 0xFF:02x}" * 16


@dataclass
class User:
    name: str
    address: str
    puk: m.Puk
    device: m.Device
    links: list
    chain: m.Chain
    keyring: m.Keyring
    mailbox: m.Mailbox


def user(name: str, n: int, suite: m.Suite = m.Suite.XWING) -> User:
    puk = m.Puk.generate(suite, hex_id(n), 1)
    device = m.Device.generate(suite, hex_id(n ^ 0x80))
    address = f"{name}@example.com"
    root = m.root_link(device, puk, [address], NOW)
    chain = m.Chain.verify([root])
    keyring = m.Keyring()
    keyring.add(puk)
    return User(name, address, puk, device, [root], chain, keyring, m.Mailbox(chain, keyring).without_key_transparency())


def directory(*chains) -> m.Directory:
    d = m.Directory()
    for c in chains:
        d.add(c)
    return d


def pattern(length: int, offset: int = 0) -> bytes:
    """The bytes `i mod 251`, as the test vectors' patterns."""
    return bytes((i + offset) % 251 for i in range(length))


def raises(error_class: str, f, *args, kind=m.MailsealError):
    """Runs f(*args), which must raise `kind` (a MailsealError subclass) with this class."""
    with pytest.raises(kind) as e:
        f(*args)
    assert e.value.error_class == error_class, e.value.detail
    return e.value


def seal_streamed(piece, data: bytes, step: int) -> bytes:
    """Pushes `data` through a PieceSealer `step` bytes at a time; the whole ciphertext."""
    out = bytearray()
    for i in range(0, len(data), step):
        out += piece.push(data[i:i + step])
    out += piece.finish()
    return bytes(out)
