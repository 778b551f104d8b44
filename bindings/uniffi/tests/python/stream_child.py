"""Run by test_stream.py in a fresh interpreter, so that its peak memory is its own:
`python stream_child.py <dir> baseline|stream <megabytes>`. Prints one JSON line.

`stream` writes an attachment of that many megabytes to a file, seals it as a mail's second
piece reading and writing 1 MiB at a time, has the server split the envelope, and Bob opens
the piece from the file, verified (tag list read at its ranges) and then unverified, writing
the plaintext to another file. `baseline` only sets up the same users: the difference of
the two peaks is what streaming costs."""

import hashlib
import json
import resource
import sys
from pathlib import Path

import mailseal as m

NOW = 1_764_374_400
STEP = 1 << 20


def main(folder: Path, mode: str, megabytes: int):
    suite = m.Suite.XWING
    users = {}
    for n, name in [(1, "alice"), (2, "bob")]:
        puk = m.Puk.generate(suite, f"{n:02x}" * 16, 1)
        device = m.Device.generate(suite, f"{n | 0x80:02x}" * 16)
        chain = m.Chain.verify([m.root_link(device, puk, [f"{name}@example.com"], NOW)])
        keys = m.Keyring()
        keys.add(puk)
        users[name] = (puk, device, chain, keys)
    out = {"mode": mode}
    if mode == "stream":
        out.update(stream(folder, users, megabytes * 1_000_000))
    out["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


def stream(folder: Path, users, size: int):
    block = bytes(i % 251 for i in range(251 * 4177))  # about 1 MiB of the vectors' pattern
    plain, sealed = folder / "attachment", folder / "attachment.sealed"
    digest = hashlib.sha256()
    with plain.open("wb") as f:
        for at in range(0, size, len(block)):
            part = block[: min(len(block), size - at)]
            f.write(part)
            digest.update(part)

    alice_puk, laptop, alice_chain, _ = users["alice"]
    _, _, bob_chain, bob_keys = users["bob"]
    sealer = m.MailSealer(alice_puk, laptop, alice_chain, "alice@example.com", "<big@example.com>", NOW)
    sealer.to("bob@example.com", bob_chain)
    body = sealer.add_piece(b"Subject: the file\r\n\r\nAttached.")
    piece = sealer.begin_piece()
    with plain.open("rb") as src, sealed.open("wb") as dst:
        while chunk := src.read(STEP):
            dst.write(piece.push(chunk))
        dst.write(piece.finish())
    sealer.attach(piece)
    envelope = sealer.seal()
    length = sealed.stat().st_size
    info = m.validate_envelope(envelope, [len(body), length])
    copy = next(c.copy for c in m.split_envelope(envelope) if c.user == bob_chain.user())

    senders = m.Directory()
    senders.add(alice_chain)
    opened = m.Mailbox(bob_chain, bob_keys).without_key_transparency().open(copy, senders)
    # The tag list, read from the stored file at its ranges (what a server serves).
    with sealed.open("rb") as f:
        tags = b""
        for r in m.tag_list_ranges(length):
            f.seek(r.start)
            tags += f.read(r.end - r.start)
    results = {}
    for how, decryptor in [("verified", opened.verified_piece_decryptor(1, tags)),
                           ("unverified", opened.piece_decryptor(1))]:
        got = hashlib.sha256()
        released = 0
        with sealed.open("rb") as src, (folder / f"opened-{how}").open("wb") as dst:
            while chunk := src.read(STEP):
                part = decryptor.push(chunk)
                dst.write(part)
                got.update(part)
                released += len(part)
            last = decryptor.finish()
            dst.write(last)
            got.update(last)
            released += len(last)
        results[how] = {"sha256": got.hexdigest(), "bytes": released}
    return {
        "plaintext_sha256": digest.hexdigest(),
        "plaintext_bytes": size,
        "ciphertext_bytes": length,
        "piece_sizes": info.piece_sizes,
        "footer": opened.classify(True).footer,
        "opened": results,
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
