#!/usr/bin/env bash
# Fuzz smoke: runs every fuzz target for SECONDS (default 60) from its seed
# corpus in corpora/fuzz/<target>. The seeds are copied to a temporary
# directory first, so the committed corpus is not polluted with new inputs.
#   bash fuzz/smoke.sh 60
#
# Needs the nightly toolchain and cargo-fuzz (`rustup toolchain install
# nightly --profile minimal`, `cargo install cargo-fuzz --locked`; .ci/run
# installs both when missing) and fails without them: CI must not pass with
# the fuzz targets unbuilt. Targets are built once, in release mode with
# AddressSanitizer (cargo-fuzz's defaults), then run one after the other; a
# crash, a failed check or a failed build exits non-zero. The targets are
# the [[bin]] entries of fuzz/Cargo.toml, so a new one is run without
# changes here. See fuzz/README.md.
set -euo pipefail
secs="${1:-60}"
cd "$(dirname "$0")"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz smoke: no nightly toolchain (rustup toolchain install nightly --profile minimal)" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz smoke: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
  exit 1
fi

targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^sigscan-fuzz$')

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cargo +nightly fuzz build -O
for target in $targets; do
  corpus="$tmp/$target"
  mkdir -p "$corpus"
  if [ -d "../corpora/fuzz/$target" ]; then
    cp -R "../corpora/fuzz/$target/." "$corpus/"
  fi
  echo "=== fuzz $target (${secs}s)"
  cargo +nightly fuzz run -O "$target" "$corpus" -- -max_total_time="$secs"
done
echo "fuzz smoke: all targets ran ${secs}s without a failure"
