"""Call overhead of the Python bindings, as ratios to native Rust in the same run
(BENCHMARKS.md). `bash bench/run.sh` builds both sides optimised and runs this.

The native side is examples/bench.rs; it runs before, between and after the Python rounds,
and the medians of all its rounds are compared with the medians of Python's. Times are the
calling thread's CPU time per operation (time.thread_time_ns: the Rust work inside a call
runs on the same thread), so other processes on the machine do not land in a sample.
"""

import json
import statistics
import subprocess
import sys
import time

import mailseal as m

NOW = 1_764_374_400
ROUNDS = 7


def user(suite, n):
    address = f"user{n}@example.com"
    puk = m.Puk.generate(suite, f"{n:02x}" * 16, 1)
    device = m.Device.generate(suite, f"{n ^ 0x80:02x}" * 16)
    chain = m.Chain.verify([m.root_link(device, puk, [address], NOW)])
    keys = m.Keyring()
    keys.add(puk)
    return address, puk, device, chain, keys


def seal_mail(suite, users, body):
    address, puk, device, chain, _ = users[0]
    sealer = m.MailSealer(puk, device, chain, address, "<bench@example.com>", NOW)
    for u in users[1:]:
        sealer.to(u[0], u[3])
    piece = sealer.add_piece(body)
    return sealer.seal(), piece


def measure(name, iters, f, out):
    f()
    samples = []
    for _ in range(ROUNDS):
        start = time.thread_time_ns()
        for _ in range(iters):
            f()
        samples.append((time.thread_time_ns() - start) / iters)
    out[name] = statistics.median(samples)


def python_side():
    out = {}
    body = bytes(i % 251 for i in range(1024))
    mib = bytes(i % 251 for i in range(1 << 20))
    for suite in m.suites():
        short = "x25519" if suite == m.Suite.X25519 else "xwing"
        users = [user(suite, n) for n in range(1, 12)]
        measure(f"seal_1k_to_10_{short}", 20, lambda: seal_mail(suite, users, body), out)
        envelope, piece = seal_mail(suite, users, body)
        bob = users[1]
        copy = next(c.copy for c in m.split_envelope(envelope) if c.user == bob[3].user())
        senders = m.Directory()
        senders.add(users[0][3])
        mailbox = m.Mailbox(bob[3], bob[4])

        def open_once():
            opened = mailbox.open(copy, senders)
            opened.open_piece(0, piece)
            opened.classify(True)

        measure(f"open_1k_of_10_{short}", 50, open_once, out)
    suite = m.suites()[0]
    key = m.PieceKey.generate()
    purpose = m.Purpose.MAIL_PIECE
    measure("piece_seal_1m", 10, lambda: m.piece_seal(suite, purpose, key, mib), out)
    sealed = m.piece_seal(suite, purpose, key, mib)
    measure("piece_open_1m", 10, lambda: m.piece_open(suite, purpose, key, sealed.ciphertext), out)
    measure("tag_list_1m", 200, lambda: m.tag_list(sealed.ciphertext), out)
    return out


def native_side(binary):
    run = subprocess.run([binary, str(ROUNDS)], check=True, capture_output=True, text=True)
    return {r["op"]: r for r in map(json.loads, run.stdout.splitlines())}


LABELS = [
    ("seal_1k_to_10_xwing", "1 KiB mail to 10 recipients: seal (X-Wing)", "ms"),
    ("open_1k_of_10_xwing", "1 KiB mail to 10 recipients: open one copy (X-Wing)", "ms"),
    ("seal_1k_to_10_x25519", "1 KiB mail to 10 recipients: seal (X25519)", "ms"),
    ("open_1k_of_10_x25519", "1 KiB mail to 10 recipients: open one copy (X25519)", "ms"),
    ("piece_seal_1m", "piece cipher: seal 1 MiB", "MiB/s"),
    ("piece_open_1m", "piece cipher: open 1 MiB", "MiB/s"),
    ("tag_list_1m", "tag list of a 1 MiB piece (a call that copies 1 MiB in)", "µs"),
]


def show(ns, unit):
    if unit == "ms":
        return f"{ns / 1e6:.2f} ms"
    if unit == "µs":
        return f"{ns / 1e3:.1f} µs"
    return f"{(1 << 20) / (ns / 1e9) / (1 << 20):.0f} MiB/s"


def main():
    binary = sys.argv[1]
    natives, pythons = [], []
    for _ in range(2):
        natives.append(native_side(binary))
        pythons.append(python_side())
    natives.append(native_side(binary))
    med = lambda runs, op, key=None: statistics.median(r[op][key] if key else r[op] for r in runs)
    print("| measurement | native | native, wiping allocator | Python | Python ÷ native (speed) |")
    print("|---|---|---|---|---|")
    for op, label, unit in LABELS:
        native, wiped, python = med(natives, op, "ns"), med(natives, op, "wipe_ns"), med(pythons, op)
        print(f"| {label} | {show(native, unit)} | {show(wiped, unit)} | {show(python, unit)} | "
              f"{wiped / python:.2f}× |")
    print(f"\n(medians of {3 * ROUNDS} native and {2 * ROUNDS} Python samples of CPU time; "
          "ratios against the native run with the same wiping allocator the bindings use)")


if __name__ == "__main__":
    main()
