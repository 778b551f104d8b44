#!/usr/bin/env bash
# The package's .wasm, raw and gzipped (-9), with and without the post-quantum suite.
# Builds into temporary folders; prints a Markdown table.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
row() {
  local wasm="$1/mailseal_bg.wasm"
  printf '| %s | %s | %s |\n' "$2" "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
}
OUT="$tmp/pq" bash "$here/build.sh" >/dev/null
OUT="$tmp/classic" bash "$here/build.sh" -- --no-default-features --features simd >/dev/null
echo "| package | .wasm bytes | gzip -9 bytes |"
echo "|---|---|---|"
row "$tmp/pq" "with X-Wing (default)"
row "$tmp/classic" "X25519 only (--no-default-features)"
