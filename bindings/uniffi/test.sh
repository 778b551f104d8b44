#!/usr/bin/env bash
# Builds and tests the Kotlin, Swift and Python bindings as CI does, on a fresh machine too:
# each install is skipped when already there (pytest in a virtual environment under
# bindings/uniffi/.venv, Debian's JDK and JNA for Kotlin). Generated files stay in gitignored
# folders. Run from anywhere: `bash bindings/uniffi/test.sh`.
set -euo pipefail
cd "$(dirname "$0")"
here="$PWD"
target="${CARGO_TARGET_DIR:-$here/../../target}"

echo "-- clippy"
cargo clippy --quiet --all-targets -- -D warnings

echo "-- generate (the one command: library + Kotlin, Swift and Python sources)"
bash generate.sh

echo "-- Python: pytest"
venv="$here/.venv"
if ! "$venv/bin/python" -c "import pytest" >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
fi
cargo build --quiet --example interop
MAILSEAL_INTEROP="$target/debug/examples/interop" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python
