#!/usr/bin/env bash
# Differential test of sigscan against pySigma + pySigma-backend-sqlite on
# the shared real event sets (a dev tool, not part of CI: it installs from
# PyPI and takes minutes). Prints the agreement figure per event set and
# writes the full report (every disagreeing rule with sample lines) to
# target/pysigma-diff/report.json. See DISAGREEMENTS.md for what each
# disagreement means; exits 1 when a disagreement is not in known.tsv.
#
# Usage: contrib/pysigma-diff/run.sh [SHARED_DIR]   (default: ../shared)
# Environment: SIGSCAN=path/to/sigscan to skip the release build;
# PYSIGMA_DIFF_MORDOR=1 to add otrf-mordor-windows-host (flat layout; never
# the 1.5 GB -all file).
set -euo pipefail

cd "$(dirname "$0")/../.."
shared="${1:-../shared}"
out=target/pysigma-diff
venv=target/pysigma-venv
mkdir -p "$out"

for f in "$shared/events/evtx-attack-samples.ndjson.zst" \
         "$shared/events/hayabusa-sample-evtx.ndjson.zst" \
         "$shared/sigma/rules/windows"; do
    [ -e "$f" ] || { echo "pysigma-diff: $f not found (give the shared directory)" >&2; exit 2; }
done

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# The versions the figure in README.md was measured with.
"$venv/bin/pip" install -q -r contrib/pysigma-diff/requirements.txt

if [ -z "${SIGSCAN:-}" ]; then
    cargo build --release --quiet
    SIGSCAN=target/release/sigscan
fi

names=(evtx-attack-samples hayabusa-sample-evtx)
# The flat-layout Mordor subset (42,592 events) takes about 12 minutes more.
[ "${PYSIGMA_DIFF_MORDOR:-0}" = 1 ] && names+=(otrf-mordor-windows-host)
sets=()
for name in "${names[@]}"; do
    if [ ! -s "$out/$name.ndjson" ]; then
        zstd -dc "$shared/events/$name.ndjson.zst" > "$out/$name.ndjson.tmp" 2>/dev/null ||
            "$venv/bin/python" -c 'import sys, zstandard; zstandard.ZstdDecompressor().copy_stream(open(sys.argv[1], "rb"), open(sys.argv[2], "wb"))' \
                "$shared/events/$name.ndjson.zst" "$out/$name.ndjson.tmp"
        mv "$out/$name.ndjson.tmp" "$out/$name.ndjson"
    fi
    sets+=(--events "$name=$out/$name.ndjson")
done

rules=(--rules "$shared/sigma/rules/windows")
[ -d "$shared/sigma/rules-threat-hunting/windows" ] &&
    rules+=(--rules "$shared/sigma/rules-threat-hunting/windows")

"$venv/bin/python" contrib/pysigma-diff/diff.py --sigscan "$SIGSCAN" \
    "${rules[@]}" "${sets[@]}" --report "$out/report.json" \
    --known contrib/pysigma-diff/known.tsv || status=$?
echo "pysigma-diff: report in $out/report.json"
exit "${status:-0}"
