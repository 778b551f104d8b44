#!/usr/bin/env bash
# Builds and tests the npm package as CI does, on a fresh machine too: each install is skipped
# when already there (rustup's wasm32 target and wasm-bindgen-cli at the crate's version
# through build.sh --install, the npm packages of package-lock.json (TypeScript among them),
# Debian's chromium).
# Run from anywhere: `bash bindings/wasm/test.sh`. Generated files stay in gitignored folders.
set -euo pipefail
cd "$(dirname "$0")"

echo "-- clippy"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
# Natively, every target: the crate has no wasm-only code paths, and a wasm32 pass would
# check the whole dependency graph a second time (build.sh compiles it for wasm32 anyway).
cargo clippy --quiet --all-targets -- -D warnings

echo "-- the package (build.sh)"
bash build.sh --install
npm ci --no-audit --no-fund --loglevel=error

echo "-- TypeScript: a client written against the package's .d.ts, compiled strictly"
node_modules/.bin/tsc -p test/types --noEmit --strict

echo "-- Node: round trips, Rust <-> JavaScript, errors, the vector files, the README's example"
cargo build --quiet --example interop
MAILSEAL_INTEROP="${CARGO_TARGET_DIR:-$PWD/../../target}/debug/examples/interop" \
  node --test test/*.test.mjs

echo "-- headless Chromium: a 20 MB attachment through a ReadableStream"
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
CI="${CI:-true}" node --test test/browser/
