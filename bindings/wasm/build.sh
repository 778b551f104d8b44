#!/usr/bin/env bash
# Builds the npm package `mailseal` into bindings/wasm/pkg (or $OUT): the crate for
# wasm32-unknown-unknown, wasm-bindgen (ES module, TypeScript types), then the package's own
# JavaScript files. Pass cargo flags after `--`, e.g. `bash build.sh -- --no-default-features`
# for a package without the post-quantum suite.
#
# Needs: the wasm32-unknown-unknown target and wasm-bindgen-cli at exactly the version of the
# `wasm-bindgen` crate in Cargo.lock (`bash build.sh --install` installs both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/pkg}"
target="${CARGO_TARGET_DIR:-$root/target}"

# The wasm-bindgen version the crate links (Cargo.lock), which the CLI must equal.
want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"

install=0
cargo_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install=1 ;;
    --) shift; cargo_args=("$@"); break ;;
    *) echo "usage: build.sh [--install] [-- cargo flags]" >&2; exit 2 ;;
  esac
  shift
done

have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ "$have" != "$want" ]; then
  if [ "$install" = 1 ]; then
    rustup target add wasm32-unknown-unknown >/dev/null
    # --locked first, as the CLI's authors tested it; a registry mirror that lacks one of its
    # locked versions gets a fresh resolution of the same CLI version.
    cargo install wasm-bindgen-cli --version "$want" --locked ||
      cargo install wasm-bindgen-cli --version "$want"
  else
    echo "wasm-bindgen-cli $want is needed (found: ${have:-none}); run: bash $0 --install" >&2
    exit 1
  fi
fi

# Release with LTO and one codegen unit, at opt-level 2: as fast as 3 for the piece cipher and
# the mail operations (BENCHMARKS.md) and 5% smaller; "s" and "z" everywhere are smaller still
# but five times slower (software AES needs its inlining). The mailseal crate alone (its
# parsers, serde code and sorts, not the AES, BLAKE3 and KEM crates) is built for size: 10%
# less gzipped, for 5-16% of piece-cipher throughput and 1-2% of a mail's time
# (BENCHMARKS.md). Set here, not in the workspace's profile, so the library's own builds are
# untouched.
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${MAILSEAL_WASM_OPT_LEVEL:-2}"
crate_level="${MAILSEAL_WASM_CRATE_OPT_LEVEL:-s}"
case "$crate_level" in [0-9]) ;; *) crate_level="\"$crate_level\"" ;; esac
cargo build --manifest-path "$here/Cargo.toml" --lib --release \
  --config "profile.release.package.mailseal.opt-level=$crate_level" \
  --target wasm32-unknown-unknown ${cargo_args[@]+"${cargo_args[@]}"}

rm -rf "$out"
# Without the name section (90 KB of function names): a trap's stack then shows
# wasm-function[N]; MAILSEAL_WASM_NAMES=1 keeps the names for debugging.
names=(--remove-name-section)
[ -n "${MAILSEAL_WASM_NAMES:-}" ] && names=()
wasm-bindgen --target web "${names[@]}" --out-dir "$out" --out-name mailseal \
  "$target/wasm32-unknown-unknown/release/mailseal_wasm.wasm"
cp "$here"/js/*.js "$here"/js/*.d.ts "$here"/js/package.json "$here/README.md" "$out/"
echo "built $out ($(wc -c <"$out/mailseal_bg.wasm") bytes of wasm)"
