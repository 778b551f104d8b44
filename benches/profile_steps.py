#!/usr/bin/env python3
"""Gives each `perf record` sample of the profile bench to a step of BENCHMARKS.md's table of a
seal ("Where the microseconds go") and prints each step's share of the samples.

    CARGO_PROFILE_BENCH_DEBUG=line-tables-only RUSTFLAGS='-C link-arg=-fuse-ld=bfd' \
        cargo bench --bench profile --no-run
    perf record -F 1999 --call-graph dwarf,32768 -o seal.data <executable> seal x25519 8 1
    python3 benches/profile_steps.py seal.data <executable>

A sample goes to the first step whose patterns all match its stack (function names, inlined
ones included, innermost first); a pattern starting with `!` must not match. Addresses are
symbolized with `addr2line`, not by perf: perf 6.1 here names no function of a binary linked
by the default linker (lld), hence also the bfd linker above, whose layout puts addresses at
their file offsets. A step's time is its share times the CPU time per operation the run
printed. BLAKE3's assembly has no unwind tables, so its samples end at the compression
function and get their own line.
"""
import collections
import re
import subprocess
import sys

STEPS = [
    (["single_shot_seal", "sk_to_pk|mul_base|to_montgomery", "x25519_hkdfsha256"],
     "hpke: fixed-base multiplications (DHKEM's ephemeral public key, computed twice)"),
    (["single_shot_seal", r"DhKeyExchange>::dh|mul_clamped", "x25519_hkdfsha256"],
     "hpke: variable-base X25519 (DHKEM's DH)"),
    (["ml_kem|module_lattice|keccak|sha3::|shake"], "hpke: ML-KEM-768 encapsulation, X-Wing combiner"),
    (["single_shot_seal", "mul_base|to_montgomery|PublicKey as core::convert::From"],
     "hpke: X25519 fixed-base multiplication (X-Wing's ephemeral key)"),
    (["single_shot_seal", "diffie_hellman|mul_clamped"], "hpke: variable-base X25519 (X-Wing's DH)"),
    (["single_shot_seal"], "hpke: key schedule (HKDF), ChaCha20-Poly1305, the rest"),
    ([r"EncapsulationKey.*::new|decode_u12|KemPublicKey::from_bytes"], "X-Wing public key decoded"),
    (["ed25519_dalek"], "Ed25519 signature"),
    (["Manifest.*seal|manifest::"], "manifest: CBOR, piece seal"),
    (["SenderRecord|sender_record"], "sender record: HKDF key, CBOR, piece seal"),
    (["self_box_key|SelfBox|build::build::\\{\\{closure\\}\\}", "mailseal::piece"],
     "sender's own box: HKDF key, piece seal"),
    (["seal_mail", "mailseal::piece", "!build::build"], "body: piece seal"),
    (["tree::"], "recipient tree"),
    (["header::|wire::|header_hash"], "routing header, envelope encoding"),
    (["^_blake3_compress"], "BLAKE3 compressions perf could not unwind (digests, MACs, tree)"),
    (["mailseal::"], "the rest of mailseal (digests, box plaintexts, checks, allocation)"),
]


def samples(data):
    """Each sample's frames, innermost first: ("bin", address) or ("lib", name)."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso", "--no-inline"],
                         capture_output=True, text=True, check=True).stdout
    sample = []
    for line in out.splitlines() + [""]:
        m = re.match(r"\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)$", line)
        if m:
            addr, sym, dso = m.groups()
            sample.append(("bin", int(addr, 16)) if "/profile-" in dso else ("lib", sym))
        elif not line.strip() and sample:
            yield sample
            sample = []


def names(binary, addresses):
    """Function names at each address, inlined ones first, by addr2line."""
    out = subprocess.run(["addr2line", "-a", "-f", "-C", "-i", "-e", binary],
                         input="\n".join(hex(a) for a in addresses),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    result, key, i = {}, None, 0
    while i < len(out):
        if out[i].startswith("0x"):
            key = int(out[i], 16)
            result[key] = []
            i += 1
        else:
            result[key].append(out[i])
            i += 2  # the function, then its file:line
    return result


def main():
    data, binary = sys.argv[1], sys.argv[2]
    all_samples = list(samples(data))
    symbols = names(binary, sorted({a for s in all_samples for k, a in s if k == "bin"}))
    counts = collections.Counter()
    for s in all_samples:
        stack = "\n".join(f for k, v in s for f in (symbols.get(v, ["?"]) if k == "bin" else [v]))
        for patterns, step in STEPS:
            if all(not re.search(p[1:], stack, re.M) if p.startswith("!")
                   else re.search(p, stack, re.M) for p in patterns):
                counts[step] += 1
                break
        else:
            counts["outside the steps (setup, the kernel, the loop)"] += 1
    total = len(all_samples)
    print(f"{total} samples")
    for _, step in STEPS + [(None, "outside the steps (setup, the kernel, the loop)")]:
        if counts[step]:
            print(f"{100 * counts[step] / total:6.2f}%  {step}")


if __name__ == "__main__":
    main()
