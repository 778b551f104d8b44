#!/usr/bin/env bash
# Runs the peers comparison with the `hpke` crate patched to compute the ephemeral public key
# once per DHKEM encapsulation (hpke-0.15.1-encap-once.patch), to measure what that upstream
# fix would give mailseal. Nothing in the repository changes: the crate is patched in a
# temporary copy and the patch is given to Cargo on the command line; Cargo.lock is restored.
# Not part of CI. Usage: bash benches/peers/upstream/with-hpke-fix.sh [more cargo run args]
# (PEERS_QUICK=1 for a short run). Also verifies the test vectors with the patched crate:
# the fix must not change a byte (the ephemeral key pair is the same, only computed once).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peers="$(dirname "$here")"
repo="$(cd "$peers/../.." && pwd)"
work="$(mktemp -d)"
trap 'cp "$work/peers.lock" "$peers/Cargo.lock"; cp "$work/crate.lock" "$repo/Cargo.lock"; rm -rf "$work"' EXIT
cp "$peers/Cargo.lock" "$work/peers.lock"
cp "$repo/Cargo.lock" "$work/crate.lock"

cd "$peers"
cargo fetch -q
src="$(cargo metadata --format-version 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(next(p["manifest_path"] for p in m["packages"] if p["name"] == "hpke" and p["version"] == "0.15.1"))')"
cp -r "$(dirname "$src")" "$work/hpke"
patch -s -d "$work/hpke" -p1 < "$here/hpke-0.15.1-encap-once.patch"
fix="patch.crates-io.hpke.path=\"$work/hpke\""
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}/hpke-fix"

echo "== test vectors with the patched hpke (must all pass, regeneration byte-identical)"
(cd "$repo" && cargo run -q --release --example vectors --config "$fix" -- verify test-vectors 2>/dev/null)
regen="$work/vectors"
(cd "$repo" && cargo run -q --release --example vectors --config "$fix" -- generate "$regen" >/dev/null 2>&1)
diff -r --exclude=README.md "$repo/test-vectors" "$regen"
echo "identical"

echo "== peers with the patched hpke"
cargo run -q --release --config "$fix" "$@" 2>/dev/null
