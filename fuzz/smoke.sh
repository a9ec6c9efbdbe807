#!/usr/bin/env bash
# Fuzz smoke: runs every cargo-fuzz target for SECONDS (default 20) from its
# seed corpus in corpora/fuzz/<target>. The seeds are copied to a temporary
# directory first, so the committed corpus is not polluted with new inputs.
# Skips (exit 0) where cargo-fuzz on nightly is not installed.
#   bash fuzz/smoke.sh 20
set -euo pipefail
secs="${1:-20}"
cd "$(dirname "$0")"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz smoke skipped: cargo-fuzz (nightly) not installed"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for target in $(cargo +nightly fuzz list); do
  corpus="$tmp/$target"
  mkdir -p "$corpus"
  if [ -d "../corpora/fuzz/$target" ]; then
    cp -R "../corpora/fuzz/$target/." "$corpus/"
  fi
  echo "=== fuzz $target (${secs}s)"
  cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$secs"
done
echo "fuzz smoke: all targets ran ${secs}s without a failure"
