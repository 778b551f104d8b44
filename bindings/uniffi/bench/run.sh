#!/usr/bin/env bash
# The call-overhead measurement of BENCHMARKS.md: builds the bindings' library and
# examples/bench.rs optimised (release), then runs bench/bench.py, which compares the two
# in the same run and prints the table. Output in bindings/uniffi/test-output/bench/.
# Run from anywhere: `bash bindings/uniffi/bench/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
here="$PWD"
target="${CARGO_TARGET_DIR:-$here/../../target}"
out="$here/test-output/bench"

# The generated Python module does not depend on the build profile; the library does.
[ -e out/python/mailseal.py ] || bash generate.sh
# Without the generator (feature `cli`), which the measurement does not need.
lean=(--no-default-features --features xwing,wipe)
cargo build --quiet --release --lib "${lean[@]}"
mkdir -p "$out"
cp out/python/mailseal.py "$out/"
cp "$target/release/libmailseal_uniffi.so" "$out/"
# Built second: the example's dev-dependencies would otherwise enter the library above.
cargo build --quiet --release --example bench "${lean[@]}"
PYTHONPATH="$out" python3 bench/bench.py "$target/release/examples/bench" | tee "$out/results.md"
