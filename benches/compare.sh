#!/usr/bin/env bash
# Side-by-side throughput of sigscan against its references, in one run.
#
#   benches/compare.sh [--size BYTES] [--runs N] [--skip-mordor] [--skip-gen] [--skip-evtx] [--skip-peers] [--evtx-copies K] [--evtx-dir DIR]
#
# Corpora (written to bench-out/, ignored by git):
#   gen-1g.ndjson   `sigscan-gen --size 1g --seed 1` (tools/gen): synthetic
#                   evtx_dump events
#   mordor-all.ndjson  ../shared/events/otrf-mordor-windows-host-all.ndjson.zst,
#                      decompressed (1.56 GB)
#   evtx/           K copies (default 20) of SigmaHQ's 202 regression .evtx
#                   files (../shared/sigma-regression), and evtx.ndjson: K
#                   copies of regression-events.ndjson, evtx_dump's output
#                   for the same files (the same records, in the same order),
#                   and evtx-ndjson/: that NDJSON cut into one file per .evtx.
#                   With --evtx-dir DIR: K copies of DIR's .evtx files instead
#                   (say the evtx crate's samples/, whose logs hold hundreds
#                   of records per chunk, as real ones do), their NDJSON
#                   written by sigscan itself (byte-identical to evtx_dump's,
#                   tests/evtx.rs), and no per-file NDJSON row
# Rows, each the best of N warm-cache runs:
#   raw memory scan   `sigscan memscan` (mmap, every byte read once, all threads)
#   ripgrep           `rg -c -i -F -f <the seed rule's 38 literals>`
#   sigscan <engine>  the seed rule (gen corpus and mordor) or all SigmaHQ
#                     Windows rules (rules/windows +
#                     rules-threat-hunting/windows, mordor); also, for the
#                     seed rule, the gate-first search off and with the
#                     engine's own line finder (--gate-first), one thread, without logsource routing, detection
#                     only (--no-logsource), and the rule compile alone; then
#                     the thread speed-up (one thread and all threads run in turns,
#                     the input read before each round: best, median, each
#                     round's own ratio, and one thread held to one core with
#                     its reader and emitter)
#                     and the peak RssAnon; then a hit-heavy scan (a rule
#                     every Security event of Mordor hits, records with their
#                     events) on one and all threads, in turns
#   rsigma            (RSIGMA=path or on PATH) the same rules over mordor, with
#                     logsource (its sysmon pipeline) and detection only (no
#                     pipeline; sigscan --no-logsource), side by side
#   .evtx vs NDJSON   all SigmaHQ Windows rules over the .evtx directory and
#                     over its NDJSON (same hits asserted), one and all
#                     threads, the rule compile alone (an empty input), and
#                     Hayabusa on the same directory when `hayabusa` is on PATH
# Prints a Markdown table: seconds, GB/s, events/s, hits, and ratios against
# ripgrep and the raw scan. Needs a release build (sigscan and the generator,
# the workspace's default members); builds one with the hyperscan feature when
# libhyperscan is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
size=1g runs=3 mordor=1 evtx=1 copies=20 gen_run=1 evtx_src="" peers=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --skip-mordor) mordor=0; shift ;;
    --skip-evtx) evtx=0; shift ;;
    --skip-gen) gen_run=0; shift ;;
    --skip-peers) peers=0; shift ;;
    --evtx-copies) copies=$2; shift 2 ;;
    --evtx-dir) evtx_src=$(cd "$2" && pwd); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
features=""
if pkg-config --exists libhs 2>/dev/null || [ -e /usr/include/hs/hs.h ]; then features="--features hyperscan"; fi
cargo build --release $features >&2
bin=target/release/sigscan
gen_bin=target/release/sigscan-gen
out=bench-out
mkdir -p $out
shared=../shared
seed_rule=corpora/rules/posh_win_api_functions.yml
# The seed rule's 38 literals, from the generator's one copy (its tests check
# it against the rule file).
$gen_bin --needles > $out/seed-literals.txt
[ "$(wc -l < $out/seed-literals.txt)" -eq 38 ] || { echo "expected 38 seed literals" >&2; exit 1; }

gen=$out/gen-$size.ndjson
if [ $gen_run = 1 ]; then
  [ -s "$gen" ] && [ -s $out/gen-summary.json ] || $gen_bin --size "$size" --seed 1 -o "$gen" 2> $out/gen-summary.json
  cat $out/gen-summary.json 2>/dev/null >&2 || true
  expected_hits=$(grep -o '"seed_hits":[0-9]*' $out/gen-summary.json | cut -d: -f2)
fi

best() { # best wall time of $runs runs of "$@", output of the last run in $out/last
  local b=""
  for _ in $(seq "$runs"); do
    local s e t
    s=$(date +%s.%N); "$@" > $out/last 2> $out/last.err || true; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}

table() { # corpus label, file, events, then rows "name|secs|hits"
  local label=$1 file=$2 events=$3; shift 3
  local bytes; bytes=$(stat -c %s "$file")
  local rg_t="" raw_t=""
  for row in "$@"; do
    IFS='|' read -r name t hits <<< "$row"
    [[ "$name" == ripgrep* ]] && rg_t=$t
    [ "$name" = "raw memory scan" ] && raw_t=$t
  done
  echo
  echo "### $label ($(echo "scale=2; $bytes/1000000000" | bc) GB, $events events, $(nproc) threads)"
  echo
  echo "| tool | s | GB/s | events/s | hits | vs ripgrep | vs raw scan |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for row in "$@"; do
    IFS='|' read -r name t hits <<< "$row"
    local gbs evs vrg vraw
    gbs=$(echo "$bytes/1000000000/$t" | bc -l | xargs printf '%.2f')
    evs=$(echo "$events/$t" | bc -l | xargs printf '%.0f')
    vrg=$([ -n "$rg_t" ] && echo "$rg_t/$t" | bc -l | xargs printf '%.2fx' || echo -)
    vraw=$([ -n "$raw_t" ] && echo "$raw_t/$t" | bc -l | xargs printf '%.2fx' || echo -)
    # The compile alone reads no input: no rate, no ratio.
    if [[ "$name" == "rule compile"* ]]; then gbs=- evs=- vrg=- vraw=-; fi
    printf '| %s | %.3f | %s | %s | %s | %s | %s |\n' "$name" "$t" "$gbs" "$evs" "$hits" "$vrg" "$vraw"
  done
}

hits() { wc -l < $out/last | tr -d ' '; }

least() { printf '%s\n' "$@" | sort -g | head -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# Peak anonymous memory (RssAnon: the heap, not the mapped input) of one
# run of "$@", in MiB, sampled every 20 ms from /proc.
rss_anon() {
  "$@" > /dev/null 2>&1 &
  local pid=$! max=0 v
  while kill -0 $pid 2>/dev/null; do
    v=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
    sleep 0.02
  done
  wait $pid || true
  echo $((max / 1024))
}

run_corpus() { # label file rules...
  local label=$1 file=$2; shift 2
  local rules=()
  for r in "$@"; do rules+=(--rules "$r"); done
  cat "$file" > /dev/null # warm the page cache
  local rows=()
  local t
  t=$(best $bin memscan "$file"); rows+=("raw memory scan|$t|-")
  if command -v rg >/dev/null && [[ "$label" == "seed rule"* ]]; then
    t=$(best rg -c -i -F -f $out/seed-literals.txt "$file"); rows+=("ripgrep -c -i -F -f|$t|$(cat $out/last) lines")
  fi
  local events=""
  for engine in hyperscan rust; do
    if [ "$engine" = hyperscan ] && [ -z "$features" ]; then continue; fi
    t=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet --stats "$file")
    rows+=("sigscan --engine $engine|$t|$(hits)")
    if [ "$engine" = "$([ -n "$features" ] && echo hyperscan || echo rust)" ]; then t_all=$t; fi
    # A benchmark checks its answer: on the generated corpus the generator
    # knows exactly how many events the seed rule must hit.
    if [ "$file" = "$gen" ] && [ "$(hits)" != "$expected_hits" ]; then
      echo "sigscan --engine $engine found $(hits) hits, the generator made $expected_hits" >&2
      exit 1
    fi
    events=$(grep -o '"events":[0-9]*' $out/last.err | head -1 | cut -d: -f2)
    grep -o '"candidate_lines":[0-9]*\|"always_eval_rules":[0-9]*\|"rules_loaded":[0-9]*' $out/last.err | tr '\n' ' ' >&2; echo >&2
  done
  engine=$([ -n "$features" ] && echo hyperscan || echo rust)
  local t2=$t_all
  for th in 1; do
    t=$(best $bin scan "${rules[@]}" --engine $engine --threads $th --no-event --quiet "$file")
    rows+=("sigscan --engine $engine --threads $th|$t|$(hits)")
  done
  local t1=$t
  # What the gate-first search buys (hidden --gate-first off): the seed
  # rule's channel lines found first, then searched for its literals; and
  # what its SIMD line finder buys (--gate-first engine: the engine's own
  # line finder, what a CPU without AVX2 runs).
  if [[ "$label" == "seed rule"* ]]; then
    for way in off engine; do
      t=$(best $bin scan "${rules[@]}" --engine $engine --gate-first $way --no-event --quiet "$file")
      rows+=("sigscan --engine $engine --gate-first $way|$t|$(hits)")
    done
  fi
  # What logsource routing buys: the same scan with every candidate line
  # checked against the whole rule set's literals (hidden --no-route).
  t=$(best $bin scan "${rules[@]}" --engine $engine --no-route --no-event --quiet "$file")
  rows+=("sigscan --engine $engine --no-route|$t|$(hits)")
  # Detection only: every rule on every event whatever its logsource.
  t=$(best $bin scan "${rules[@]}" --engine $engine --no-logsource --no-event --quiet "$file")
  rows+=("sigscan --engine $engine --no-logsource|$t|$(hits)")
  # The rule compile and every database it builds, alone (an empty input).
  : > $out/empty.ndjson
  t=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet $out/empty.ndjson)
  rows+=("rule compile only (empty input)|$t|-")
  table "$label" "$file" "${events:-?}" "${rows[@]}"
  echo
  # The speed-up from runs taken in turns (one thread, all threads, ...):
  # the VM's speed drifts between the table's rows, which took them apart.
  # Best and median of each; and the one-thread scan held to one core with
  # its reader and emitter (taskset), which otherwise run on an idle core.
  local n=$runs
  runs=1
  local a1=() a2=() a0=()
  for _ in $(seq "$n"); do
    # The VM pages out input it has not read for a while (DAMON): each
    # round reads it first, outside the timing.
    cat "$file" > /dev/null
    a1+=("$(best $bin scan "${rules[@]}" --engine $engine --threads 1 --no-event --quiet "$file")")
    a2+=("$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet "$file")")
    if command -v taskset >/dev/null; then
      a0+=("$(best taskset -c 0 $bin scan "${rules[@]}" --engine $engine --threads 1 --no-event --quiet "$file")")
    fi
  done
  runs=$n
  local p1 p2 m1 m2 one="" ratios=()
  p1=$(least "${a1[@]}") p2=$(least "${a2[@]}") m1=$(median "${a1[@]}") m2=$(median "${a2[@]}")
  # Each round's own ratio (its two runs a few seconds apart): the least
  # touched by the drift between rounds.
  for k in "${!a1[@]}"; do ratios+=("$(echo "${a1[$k]}/${a2[$k]}" | bc -l)"); done
  if [ ${#a0[@]} -gt 0 ]; then
    local p0; p0=$(least "${a0[@]}")
    one="; one thread on one core: $(printf '%.3f' "$p0") s, $(echo "$p0/$p2" | bc -l | xargs printf '%.2fx')"
  fi
  echo "$(nproc) threads vs 1 ($engine, $n runs each, taken in turns): $(echo "$p1/$p2" | bc -l | xargs printf '%.2fx') ($(printf '%.3f' "$p1") s / $(printf '%.3f' "$p2") s; medians $(echo "$m1/$m2" | bc -l | xargs printf '%.2fx'); per round: median $(median "${ratios[@]}" | xargs printf '%.2fx'), $(least "${ratios[@]}" | xargs printf '%.2f')-$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1 | xargs printf '%.2fx'); from the rows above: $(echo "$t1/$t2" | bc -l | xargs printf '%.2fx')$one); peak RssAnon $(rss_anon $bin scan "${rules[@]}" --engine $engine --no-event --quiet "$file") MiB (the mapped input is not counted)"
}

[ $gen_run = 0 ] || run_corpus "seed rule" "$gen" $seed_rule

if [ $mordor = 1 ] && [ -e $shared/events/otrf-mordor-windows-host-all.ndjson.zst ]; then
  mordor_file=$out/mordor-all.ndjson
  [ -s $mordor_file ] || zstd -dc $shared/events/otrf-mordor-windows-host-all.ndjson.zst > $mordor_file
  # The seed rule over another evtx_dump-layout corpus: real logs, where
  # PowerShell is a small share of the lines.
  run_corpus "seed rule over Mordor" $mordor_file $seed_rule
  run_corpus "all SigmaHQ Windows rules" $mordor_file $shared/sigma/rules/windows $shared/sigma/rules-threat-hunting/windows

  # Hit-heavy: a rule that every Security event hits, its records written
  # with their events, as a noisy hunting rule's would be. What bounds it is
  # the one thread that puts hits back in order and writes them, unless the
  # workers take the records over (scan::HitPrep). One thread and all
  # threads, taken in turns.
  printf 'title: every Security event\nid: 00000000-0000-4000-8000-0000000000b2\nlogsource:\n    product: windows\n    service: security\ndetection:\n    selection:\n        Channel: Security\n    condition: selection\n' > $out/every-security-event.yml
  engine=$([ -n "$features" ] && echo hyperscan || echo rust)
  n=$runs runs=1 h1=() h2=()
  for _ in $(seq "$n"); do
    h1+=("$(best $bin scan --rules $out/every-security-event.yml --engine $engine --threads 1 --quiet "$mordor_file")")
    h2+=("$(best $bin scan --rules $out/every-security-event.yml --engine $engine --quiet "$mordor_file")")
  done
  runs=$n
  echo "hit-heavy, every Security event ($(hits) hits, records with their events, $engine, $n runs each in turns): one thread $(printf '%.3f' "$(least "${h1[@]}")") s, $(nproc) threads $(printf '%.3f' "$(least "${h2[@]}")") s, $(echo "$(least "${h1[@]}")/$(least "${h2[@]}")" | bc -l | xargs printf '%.2fx')"
  echo

  # rsigma, the fastest peer, on its own terms: the same rules and events,
  # with logsource (rsigma through its sysmon pipeline, sigscan's gates) and
  # detection only (no pipeline; sigscan --no-logsource). Both tools count
  # (event, rule) matches, one output line each.
  rsigma_bin=${RSIGMA:-$(command -v rsigma || true)}
  if [ $peers = 1 ] && [ -n "$rsigma_bin" ]; then
    rdir=$out/windows-rules
    mkdir -p $rdir
    ln -sfn "$(realpath $shared/sigma/rules/windows)" $rdir/windows
    ln -sfn "$(realpath $shared/sigma/rules-threat-hunting/windows)" $rdir/threat-hunting
    rules=(--rules $shared/sigma/rules/windows --rules $shared/sigma/rules-threat-hunting/windows)
    engine=$([ -n "$features" ] && echo hyperscan || echo rust)
    prows=()
    t=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet "$mordor_file"); prows+=("sigscan, logsource gates|$t|$(hits)|logsource")
    t=$(best "$rsigma_bin" engine eval -r $rdir -p sysmon -e @"$mordor_file" --output-format ndjson -q); prows+=("rsigma engine eval -p sysmon|$t|$(hits)|logsource")
    t=$(best $bin scan "${rules[@]}" --engine $engine --no-logsource --no-event --quiet "$mordor_file"); prows+=("sigscan --no-logsource|$t|$(hits)|detection")
    t=$(best "$rsigma_bin" engine eval -r $rdir -e @"$mordor_file" --output-format ndjson -q); prows+=("rsigma engine eval (no pipeline)|$t|$(hits)|detection")
    echo
    echo "### all SigmaHQ Windows rules vs rsigma ($("$rsigma_bin" --version 2>/dev/null | head -1)), $(basename $mordor_file), $(nproc) threads"
    echo
    echo "| tool | mode | s | hits | sigscan vs rsigma |"
    echo "|---|---|---:|---:|---:|"
    for mode in logsource detection; do
      ts="" tr=""
      for row in "${prows[@]}"; do
        IFS='|' read -r name t h m <<< "$row"
        [ "$m" = "$mode" ] || continue
        case "$name" in sigscan*) ts=$t ;; rsigma*) tr=$t ;; esac
      done
      for row in "${prows[@]}"; do
        IFS='|' read -r name t h m <<< "$row"
        [ "$m" = "$mode" ] || continue
        ratio=$(case "$name" in sigscan*) echo "scale=2; $tr/$ts" | bc -l | xargs printf '%.2fx' ;; *) echo 1.00x ;; esac)
        printf '| %s | %s | %.3f | %s | %s |\n' "$name" "$mode" "$t" "$h" "$ratio"
      done
    done
  elif [ $peers = 1 ]; then
    echo "rsigma rows skipped: no rsigma on PATH and RSIGMA unset (cargo +nightly install rsigma --version 0.26.0 --no-default-features; if its locked webpki-roots is missing from the registry, build its source after cargo update -p webpki-roots --precise 1.0.10)" >&2
  fi
fi

# .evtx read directly against the same records as evtx_dump NDJSON. The
# regression files hold one or two records in a 64 KiB chunk each (real logs
# hold a few hundred per chunk), so this is the per-chunk worst case of the
# decoder. Events/s are given with and without the rule compile (about a
# second for the full rule set, paid once per run).
if [ $evtx = 1 ] && { [ -n "$evtx_src" ] || [ -d $shared/sigma-regression/rules ]; }; then
  edir=$out/evtx
  key="$copies ${evtx_src:-regression}"
  if [ ! -s $out/evtx.ndjson ] || [ "$(cat $out/evtx.copies 2>/dev/null)" != "$key" ]; then
    rm -rf "$edir" "$edir-ndjson" $out/evtx.ndjson
    if [ -n "$evtx_src" ]; then
      for k in $(seq "$copies"); do
        mkdir -p "$edir/$k"; find "$evtx_src" -maxdepth 1 -name '*.evtx' -exec cp {} "$edir/$k/" \;
      done
      # The NDJSON of one copy: every record as sigscan decodes it (the
      # `event` of a rule that every event matches), then K copies of it.
      printf 'title: every event\nid: 00000000-0000-4000-8000-0000000000b1\nlogsource:\n    product: windows\ndetection:\n    nothing:\n        EventID: -12345\n    condition: not nothing\n' > $out/every-event.yml
      $bin scan --rules $out/every-event.yml --threads 1 --quiet --glob '*.evtx' "$edir/1" 2> /dev/null \
        | awk '{ i = index($0, ",\"event\":"); print substr($0, i + 9, length($0) - i - 9) }' > $out/evtx-one.ndjson || true
      for k in $(seq "$copies"); do cat $out/evtx-one.ndjson; done > $out/evtx.ndjson
    else
      for k in $(seq "$copies"); do
        mkdir -p "$edir/$k"
        for d in rules rules-emerging-threats rules-threat-hunting; do
          cp -r $shared/sigma-regression/$d "$edir/$k/"
        done
        cat $shared/sigma-regression/regression-events.ndjson >> $out/evtx.ndjson
      done
      # The same NDJSON cut into one file per .evtx (manifest line ranges), so
      # that both sides pay the same per-file costs (open, map, walk).
      mkdir -p "$edir-ndjson"
      awk -F'\t' -v out="$edir-ndjson" 'NR == FNR { if (FNR > 1 && $9 ~ /\.evtx$/ && !seen[$9]++) { n++; first[n] = $10; cnt[n] = $11 } next }
        { for (i = 1; i <= n; i++) if (FNR >= first[i] && FNR < first[i] + cnt[i]) print > (out "/" i ".ndjson") }' \
        $shared/sigma-regression/manifest.tsv $shared/sigma-regression/regression-events.ndjson
      for k in $(seq 2 "$copies"); do
        mkdir -p "$edir-ndjson/$k"; cp "$edir-ndjson"/*.ndjson "$edir-ndjson/$k/"
      done
    fi
    echo "$key" > $out/evtx.copies
  fi
  rules=(--rules $shared/sigma/rules/windows --rules $shared/sigma/rules-threat-hunting/windows)
  : > $out/empty.ndjson
  evtx_bytes=$(find "$edir" -name '*.evtx' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
  find "$edir" -name '*.evtx' -exec cat {} + > /dev/null; cat $out/evtx.ndjson > /dev/null
  engine=$([ -n "$features" ] && echo hyperscan || echo rust)
  erows=()
  t0=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet $out/empty.ndjson)
  tn=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet --stats $out/evtx.ndjson)
  nd_hits=$(hits); events=$(grep -o '"events":[0-9]*' $out/last.err | head -1 | cut -d: -f2)
  f_hits=$nd_hits
  if [ -d "$edir-ndjson" ]; then
    tf=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet "$edir-ndjson")
    f_hits=$(hits)
  fi
  te=$(best $bin scan "${rules[@]}" --engine $engine --no-event --quiet --stats --glob '*.evtx' "$edir")
  ev_hits=$(hits)
  if [ "$nd_hits" != "$ev_hits" ] || [ "$nd_hits" != "$f_hits" ]; then
    echo ".evtx scan found $ev_hits hits, its NDJSON $nd_hits" >&2
    exit 1
  fi
  te1=$(best $bin scan "${rules[@]}" --engine $engine --threads 1 --no-event --quiet --glob '*.evtx' "$edir")
  erows+=("rule compile only (empty input)|$t0|-")
  erows+=("sigscan NDJSON (evtx_dump -o jsonl)|$tn|$nd_hits")
  [ -d "$edir-ndjson" ] && erows+=("sigscan NDJSON, one file per .evtx|$tf|$f_hits")
  erows+=("sigscan .evtx directory|$te|$ev_hits")
  erows+=("sigscan .evtx directory --threads 1|$te1|$(hits)")
  if command -v hayabusa >/dev/null; then
    th=$(best hayabusa csv-timeline -d "$edir" -o $out/hayabusa.csv -w -q -C)
    erows+=("hayabusa csv-timeline|$th|$(($(wc -l < $out/hayabusa.csv) - 1)) rows")
  fi
  echo
  echo "### all SigmaHQ Windows rules, .evtx vs NDJSON ($copies copies of ${evtx_src:-the regression set}: $(echo "scale=2; $evtx_bytes/1000000" | bc) MB of .evtx, $(stat -c %s $out/evtx.ndjson) bytes of NDJSON, $events events, $(nproc) threads)"
  echo
  echo "| tool | s | events/s | events/s without rule compile | hits | vs NDJSON |"
  echo "|---|---:|---:|---:|---:|---:|"
  for row in "${erows[@]}"; do
    IFS='|' read -r name t h <<< "$row"
    evs=$(echo "$events/$t" | bc -l | xargs printf '%.0f')
    net=$(echo "$t - $t0" | bc -l)
    evn=$([ "$(echo "$net > 0.001" | bc -l)" = 1 ] && echo "$events/$net" | bc -l | xargs printf '%.0f' || echo -)
    printf '| %s | %.3f | %s | %s | %s | %.2fx |\n' "$name" "$t" "$evs" "$evn" "$h" "$(echo "$tn/$t" | bc -l)"
  done
fi
