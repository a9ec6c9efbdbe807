#!/usr/bin/env bash
# Fuzz smoke: runs every fuzz target for SECONDS (default 20) from its seed
# corpus in corpora/fuzz/<target>. The seeds are copied to a temporary
# directory first, so the committed corpus is not polluted with new inputs.
#   bash fuzz/smoke.sh 20
#
# With cargo-fuzz installed it uses `cargo +nightly fuzz` (AddressSanitizer
# included). Without it, but with a nightly toolchain, it builds the same
# libFuzzer binaries with plain cargo and the coverage flags cargo-fuzz
# passes (no sanitizer: quicker to build, still coverage-guided, and Rust
# code is memory-safe outside our one `unsafe` module). Without nightly it
# says so and exits 0.
set -euo pipefail
secs="${1:-20}"
cd "$(dirname "$0")"

targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^sigscan-fuzz$')

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if cargo +nightly fuzz --version >/dev/null 2>&1; then
  run() { cargo +nightly fuzz run "$1" "$2" -- -max_total_time="$secs"; }
elif cargo +nightly --version >/dev/null 2>&1; then
  echo "cargo-fuzz not installed: building the targets with cargo +nightly and libFuzzer coverage flags"
  export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/smoke"
  # An explicit --target keeps RUSTFLAGS off build scripts and proc macros,
  # which must not be instrumented (they would not link without libFuzzer).
  host=$(rustc +nightly -vV | sed -n 's/^host: //p')
  cargo +nightly build --release --bins --target "$host"
  run() { "$CARGO_TARGET_DIR/$host/release/$1" "$2" -max_total_time="$secs"; }
else
  echo "fuzz smoke skipped: no nightly toolchain (libFuzzer needs it)"
  exit 0
fi

for target in $targets; do
  corpus="$tmp/$target"
  mkdir -p "$corpus"
  if [ -d "../corpora/fuzz/$target" ]; then
    cp -R "../corpora/fuzz/$target/." "$corpus/"
  fi
  echo "=== fuzz $target (${secs}s)"
  run "$target" "$corpus"
done
echo "fuzz smoke: all targets ran ${secs}s without a failure"
