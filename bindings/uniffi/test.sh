#!/usr/bin/env bash
# Builds and tests the Kotlin, Swift and Python bindings as CI does, on a fresh machine too:
# each install is skipped when already there (pytest in a virtual environment under
# bindings/uniffi/.venv; for Kotlin, Debian's JDK and JNA and the Kotlin compiler from the
# npm registry under bindings/uniffi/.tools). Generated files stay in gitignored folders.
# Run from anywhere: `bash bindings/uniffi/test.sh`.
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
# The same flags as generate.sh's build (see there), so the generator's crates are shared.
cargo build --quiet --config 'profile.dev.package.uniffi_bindgen.opt-level=0' \
  --config 'profile.dev.package.goblin.opt-level=0' --example interop
MAILSEAL_INTEROP="$target/debug/examples/interop" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python

echo "-- Kotlin on the JVM (JNA)"
# Debian 12's own `kotlin` package is Kotlin 1.3.31, too old for UniFFI's generated Kotlin
# (trailing commas need 1.4; it fails with 369 errors). The npm registry carries JetBrains'
# compiler distribution as the package `kotlin-compiler`; the JDK and JNA are Debian's.
kotlin_version=2.4.20
kotlinc="$here/.tools/node_modules/kotlin-compiler/bin/kotlinc"
if ! command -v javac >/dev/null 2>&1 || [ ! -e /usr/share/java/jna.jar ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jdk-headless libjna-java >/dev/null
fi
if [ "$(cat "$here/.tools/node_modules/kotlin-compiler/package.json" 2>/dev/null |
  sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')" != "$kotlin_version" ]; then
  npm install --silent --no-save --no-package-lock --no-audit --no-fund \
    --prefix "$here/.tools" "kotlin-compiler@$kotlin_version"
fi
mkdir -p test-output/kotlin
rm -f test-output/kotlin/test.jar
if ! bash "$kotlinc" -nowarn -include-runtime -cp /usr/share/java/jna.jar -d test-output/kotlin/test.jar \
  out/kotlin/mailseal/mailseal.kt tests/kotlin/MailTest.kt >test-output/kotlin/kotlinc.log 2>&1; then
  cat test-output/kotlin/kotlinc.log >&2
  exit 1
fi
MAILSEAL_INTEROP="$target/debug/examples/interop" \
  java -Djna.library.path="$here/out/kotlin" -cp "test-output/kotlin/test.jar:/usr/share/java/jna.jar" MailTestKt

echo "-- Swift"
if command -v swiftc >/dev/null 2>&1; then
  mkdir -p test-output/swift
  swiftc -module-name MailsealTests -I out/swift -Xcc -fmodule-map-file=out/swift/MailsealFFI.modulemap \
    -L out/swift -lmailseal_uniffi out/swift/Mailseal.swift tests/swift/main.swift -o test-output/swift/test
  LD_LIBRARY_PATH="$here/out/swift" DYLD_LIBRARY_PATH="$here/out/swift" \
    MAILSEAL_INTEROP="$target/debug/examples/interop" test-output/swift/test
else
  echo "skipped: no Swift toolchain here (Debian 12 packages none); README.md, \"Swift\", has the commands"
fi
