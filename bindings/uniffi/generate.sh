#!/usr/bin/env bash
# The one command that builds the shared library and generates the Kotlin, Swift and Python
# sources from it, into bindings/uniffi/out/ (or $OUT):
#
#   out/python/mailseal.py        + libmailseal_uniffi.so   (import mailseal)
#   out/kotlin/mailseal/mailseal.kt + libmailseal_uniffi.so (package mailseal, JNA)
#   out/swift/Mailseal.swift, MailsealFFI.h, MailsealFFI.modulemap + libmailseal_uniffi.so
#
# The sources are generated from the built library itself (UniFFI's library mode), with the
# `uniffi-bindgen` of exactly the crate's UniFFI version, so they always match it. Pass
# `--release` for an optimised library (what an application ships); cargo flags after `--`.
#
# Run from anywhere: `bash bindings/uniffi/generate.sh [--release] [-- cargo flags]`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/out}"
target="${CARGO_TARGET_DIR:-$root/target}"

profile=debug
cargo_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --release) profile=release; cargo_args+=(--release) ;;
    --) shift; cargo_args+=("$@"); break ;;
    *) echo "usage: generate.sh [--release] [-- cargo flags]" >&2; exit 2 ;;
  esac
  shift
done

# One build: the library (cdylib) and the generator. The workspace optimises every
# dependency even in debug builds; the generator's own crates need no speed, so they are
# built unoptimised (test.sh builds with the same flags, to share them).
lean=(--config 'profile.dev.package.uniffi_bindgen.opt-level=0'
  --config 'profile.dev.package.goblin.opt-level=0')
cargo build --quiet --manifest-path "$here/Cargo.toml" "${lean[@]}" --lib --bin uniffi-bindgen \
  ${cargo_args[@]+"${cargo_args[@]}"}

case "$(uname -s)" in
  Darwin) lib=libmailseal_uniffi.dylib ;;
  MINGW* | MSYS* | CYGWIN*) lib=mailseal_uniffi.dll ;;
  *) lib=libmailseal_uniffi.so ;;
esac
library="$target/$profile/$lib"
bindgen="$target/$profile/uniffi-bindgen"

rm -rf "$out"
for language in python kotlin swift; do
  mkdir -p "$out/$language"
  # --no-format: the output must not depend on whether ktlint or swiftformat is installed.
  (cd "$here" && "$bindgen" generate --no-format --language "$language" --out-dir "$out/$language" "$library")
  # A hard link where it can be (the debug library is tens of MB), else a copy.
  ln -f "$library" "$out/$language/" 2>/dev/null || cp "$library" "$out/$language/"
done
echo "generated $out/{python,kotlin,swift} from $library ($(wc -c <"$library") bytes)"
