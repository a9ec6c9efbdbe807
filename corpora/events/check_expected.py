#!/usr/bin/env python3
"""Independent oracle for the seed rule over corpora/events/seed-*.ndjson.

It recomputes which lines the seed rule 9f22ccd5 ("WinAPI Function Calls Via
PowerShell Scripts") must match, using nothing but the standard library, and
compares the result with corpora/events/seed-expected.tsv.

What a hit is (Sigma semantics for this one rule):
  * logsource product windows / category ps_script: EventID 4104 in channel
    Microsoft-Windows-PowerShell/Operational or PowerShellCore/Operational,
    channel compared case-insensitively; EventID may be an int, a numeric
    string or an evtx_dump {"#attributes":..., "#text": N} object;
  * ScriptBlockText|contains any of the 38 strings, case-insensitively (ASCII
    case folding; the check fails if Unicode lower() would decide differently),
    on the decoded JSON string value (not on the raw line).

Where ScriptBlockText lives, per layout (detected per line):
  * evtx_dump (top-level "Event"): Event.EventData.ScriptBlockText,
    Event.System.{EventID,Channel};
  * Winlogbeat/ECS (top-level "winlog"): powershell.file.script_block_text
    and winlog.event_data.ScriptBlockText (either may match),
    winlog.event_id (else event.code), winlog.channel;
  * flat (anything else: Mordor/NXLog, Hayabusa/Zircolite output):
    top-level ScriptBlockText, EventID, Channel.

Usage (from the repository root or anywhere):
  python3 corpora/events/check_expected.py            # compare with the TSV; exit 1 on difference
  python3 corpora/events/check_expected.py --print    # print the TSV it computes
  python3 corpora/events/check_expected.py --write    # (re)write seed-expected.tsv
  python3 corpora/events/check_expected.py --report   # per-line and per-string details
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RULE = os.path.join(REPO, "corpora", "rules", "posh_win_api_functions.yml")
EXPECTED = os.path.join(HERE, "seed-expected.tsv")
# Paths as the integration test passes them to sigscan (relative to the repo root).
FILES = [
    "corpora/events/seed-evtx.ndjson",
    "corpora/events/seed-ecs.ndjson",
    "corpora/events/seed-flat.ndjson",
]
CHANNELS = {"microsoft-windows-powershell/operational", "powershellcore/operational"}
MAX_LINES = 60


def rule_strings(path):
    """The ScriptBlockText|contains list, read with a tiny line parser (no PyYAML needed)."""
    out, inside = [], False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.strip() == "ScriptBlockText|contains:":
                inside = True
                continue
            if inside:
                s = line.strip()
                if s.startswith("- "):
                    v = s[2:].strip()
                    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                        v = v[1:-1]
                    out.append(v)
                else:
                    break
    return out


def get(d, *path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def event_id(v):
    if isinstance(v, dict):
        v = v.get("#text")
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def resolve(ev):
    """-> (layout, event_id, channel, [script block texts])"""
    if "Event" in ev:
        texts = [get(ev, "Event", "EventData", "ScriptBlockText")]
        return ("evtx", event_id(get(ev, "Event", "System", "EventID")),
                get(ev, "Event", "System", "Channel"), texts)
    if "winlog" in ev:
        eid = get(ev, "winlog", "event_id")
        if eid is None:
            eid = get(ev, "event", "code")
        texts = [get(ev, "powershell", "file", "script_block_text"),
                 get(ev, "winlog", "event_data", "ScriptBlockText")]
        return ("ecs", event_id(eid), get(ev, "winlog", "channel"), texts)
    return ("flat", event_id(ev.get("EventID")), ev.get("Channel"), [ev.get("ScriptBlockText")])


def ascii_lower(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def analyse(strings):
    """-> rows [(file, line, matched_if_gate_passes, layout, why, matched_ignoring_gate)], problems [str]"""
    lowered = [(s, ascii_lower(s)) for s in strings]
    rows, problems = [], []
    for rel in FILES:
        with open(os.path.join(REPO, rel), "rb") as f:
            data = f.read()
        if not data.endswith(b"\n"):
            problems.append(f"{rel}: does not end with a newline")
        lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
        if len(lines) > MAX_LINES:
            problems.append(f"{rel}: {len(lines)} lines (> {MAX_LINES})")
        for no, raw in enumerate(lines, 1):
            if not raw.strip():
                problems.append(f"{rel}:{no}: empty line")
                continue
            if b"\r" in raw:
                problems.append(f"{rel}:{no}: raw CR byte")
            try:
                ev = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                problems.append(f"{rel}:{no}: invalid JSON: {e}")
                continue
            if not isinstance(ev, dict):
                problems.append(f"{rel}:{no}: not a JSON object")
                continue
            layout, eid, chan, texts = resolve(ev)
            gate = eid == 4104 and isinstance(chan, str) and chan.lower() in CHANNELS
            matched = []
            for t in texts:
                if isinstance(t, str):
                    tl = ascii_lower(t)
                    matched += [s for s, sl in lowered if sl in tl and s not in matched]
                    # The samples must not depend on ASCII vs Unicode case folding.
                    if [s for s, sl in lowered if sl in tl] != [s for s, sl in lowered if sl in t.lower()]:
                        problems.append(f"{rel}:{no}: ASCII and Unicode lower-casing disagree")
            why = f"EventID={eid} Channel={chan!r}"
            rows.append((rel, no, matched if gate else [], layout, why, matched))
    return rows, problems


def main(argv):
    strings = rule_strings(RULE)
    if len(strings) != 38 or len(set(s.lower() for s in strings)) != 38:
        sys.exit(f"expected 38 distinct strings in {RULE}, got {len(strings)}")
    rows, problems = analyse(strings)
    hits = [(f, n) for f, n, m, *_ in rows if m]
    tsv = "file\tline\n" + "".join(f"{f}\t{n}\n" for f, n in hits)

    # Coverage: every string must hit somewhere, and (except strings that contain
    # another string of the list) should be the only string on at least one hit line.
    covered = {s: [] for s in strings}
    sole = {s: [] for s in strings}
    for f, n, m, *_ in rows:
        for s in m:
            covered[s].append(f"{os.path.basename(f)}:{n}")
        if len(m) == 1:
            sole[m[0]].append(f"{os.path.basename(f)}:{n}")
    contains_other = {s for s in strings for o in strings if o != s and o.lower() in s.lower()}
    for s in strings:
        if not covered[s]:
            problems.append(f"string never hits: {s}")
        if not sole[s] and s not in contains_other:
            problems.append(f"string is never the only match on a hit line: {s}")

    if "--report" in argv:
        for f, n, m, layout, why, raw_m in rows:
            tag = "HIT " if m else "    "
            extra = "" if m or not raw_m else f"  (strings in ScriptBlockText but gated out: {', '.join(raw_m)})"
            print(f"{tag}{os.path.basename(f)}:{n}\t{layout}\t{why}\t{', '.join(m)}{extra}")
        print()
        for s in strings:
            print(f"{s:32} hits {', '.join(covered[s]):60} sole {', '.join(sole[s]) or '-'}")
        print(f"\n{len(hits)} hit lines of {len(rows)}")
    if "--print" in argv:
        sys.stdout.write(tsv)
    if "--write" in argv:
        with open(EXPECTED, "w", encoding="utf-8", newline="\n") as f:
            f.write(tsv)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    if problems:
        return 1
    if not any(a in argv for a in ("--print", "--write", "--report")):
        try:
            with open(EXPECTED, encoding="utf-8") as f:
                have = f.read()
        except FileNotFoundError:
            print(f"missing {EXPECTED}; run with --write", file=sys.stderr)
            return 1
        if have != tsv:
            print("seed-expected.tsv differs from the computed hits:", file=sys.stderr)
            a, b = set(have.splitlines()), set(tsv.splitlines())
            for l in sorted(a - b):
                print("  only in TSV:     ", l, file=sys.stderr)
            for l in sorted(b - a):
                print("  only in computed:", l, file=sys.stderr)
            return 1
        print(f"OK: {len(hits)} hit lines match seed-expected.tsv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
