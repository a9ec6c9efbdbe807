#!/usr/bin/env python3
"""Differential test of sigscan against pySigma + pySigma-backend-sqlite.

An independent Sigma evaluator for real event sets: pySigma converts each
rule's detection (no processing pipeline, so no logsource conditions: the
counterpart of `sigscan scan --no-logsource`) to an SQLite query, the
events are flattened into one SQLite table the way Zircolite does it, and
the query's rows are the rule's hits. sigscan scans the same NDJSON file
with the same rules. The two sets of (line, rule id) pairs are compared
rule by rule.

Flattening (Zircolite's layout for evtx_dump records):
- every scalar leaf becomes a column named by its last key with
  characters other than letters, digits and `_` removed, `#text` and
  `#attributes` left out (`Event.EventData.CommandLine` -> `CommandLine`,
  `Event.System.EventID.#text` -> `EventID`,
  `Event.System.TimeCreated.#attributes.SystemTime` -> `SystemTime`), except
  `Event.System.Provider.#attributes.X` -> `Provider_X` (Sigma's
  `Provider_Name`);
- SQLite column names ignore case, so two leaves whose names differ only in
  case share a column; on such a collision, and on a name used in both
  `System` and `EventData`/`UserData`, the payload wins;
- every column is `TEXT COLLATE NOCASE` (Zircolite's choice: numbers are
  stored as their decimal text, booleans as `true`/`false`, JSON null as
  NULL); a list of scalars is stored as its items joined by newlines;
- a `fulltext` column holds every leaf value joined with U+001F, for
  keyword (field-less) searches.

A REGEXP function (Python `re.search`, false for NULL) is registered as
the backend's README asks. Rules are parsed with pySigma's TrustedPolicy so
that patterns RE2 rejects are still compared (Python `re` runs them).

Output: a JSON report (per event set: rules compared, agreeing, the hits
of both sides, every disagreeing rule with sample lines) and a one-line
summary per event set on stdout.
"""

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError

try:
    from sigma.policy.profiles import TrustedPolicy
except ImportError:  # older pySigma: RE2 validation cannot be switched off
    TrustedPolicy = None

SEP = "\x1f"
# A list of scalars (evtx_dump's unnamed `Data` values) is one column
# holding its items on separate lines: `contains` finds an item's text,
# equality and prefix/suffix tests see the whole joined text.
LIST_SEP = "\n"
FULLTEXT = "sigscan_fulltext"
MISSING_COLUMN = re.compile(r"no such column: (.+)$")


# ---------------------------------------------------------------------------
# Events


def leaf_name(path):
    """The column a leaf at `path` (a list of keys) goes to, and whether it
    comes from the payload (EventData/UserData) rather than System."""
    keys = [k for k in path if k not in ("#text", "#attributes")]
    payload = "EventData" in path or "UserData" in path
    if len(path) >= 4 and path[-3] == "Provider" and path[-2] == "#attributes":
        return "Provider_" + path[-1], payload
    if not keys:
        return None, payload
    # Zircolite's rule for names it has no mapping for: the leaf name with
    # non-alphanumerics removed (Defender's `New Value` -> `NewValue`).
    name = "".join(c for c in keys[-1] if c.isalnum() or c == "_")
    return name or None, payload


def flatten(event):
    """Column (case-folded) -> (column name, value, from payload)."""
    out = {}
    texts = []

    def put(path, value):
        name, payload = leaf_name(path)
        if name is None:
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = LIST_SEP.join("" if x is None else str(x) for x in value)
        elif isinstance(value, (int, float)):
            value = str(value)  # what a TEXT column makes of it, at any size
        if value is not None:
            texts.append(str(value))
        key = name.lower()
        old = out.get(key)
        if old is None or (payload and not old[2]):
            out[key] = (name, value, payload)

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list) and all(
            not isinstance(x, (dict, list)) for x in node
        ):
            put(path, node)
        elif isinstance(node, list):
            for x in node:
                walk(x, path)
        else:
            put(path, node)

    walk(event, [])
    return out, SEP.join(texts)


def quote(name):
    return "`" + name.replace("`", "``") + "`"


def regexp(pattern, value):
    if value is None:
        return False
    try:
        return re.search(pattern, str(value)) is not None
    except re.error:
        return False


def load_events(path):
    """An in-memory SQLite table `logs`, rowid = 1-based line."""
    rows = []
    columns = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            flat, text = flatten(event)
            for key, (name, _, _) in flat.items():
                columns.setdefault(key, name)
            rows.append((line_no, flat, text))
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, regexp, deterministic=True)
    names = list(columns.values())
    db.execute(
        "CREATE TABLE logs ("
        + ", ".join(f"{quote(n)} TEXT COLLATE NOCASE" for n in names + [FULLTEXT])
        + ")"
    )
    keys = list(columns.keys())
    insert = (
        "INSERT INTO logs (rowid, "
        + ", ".join(quote(n) for n in names + [FULLTEXT])
        + ") VALUES ("
        + ", ".join("?" for _ in range(len(names) + 2))
        + ")"
    )
    db.executemany(
        insert,
        (
            [line_no] + [flat[k][1] if k in flat else None for k in keys] + [text]
            for line_no, flat, text in rows
        ),
    )
    db.commit()
    return db, len(rows), len(names)


# ---------------------------------------------------------------------------
# Rules


def rule_files(roots):
    files = []
    for root in roots:
        root = Path(root)
        if root.is_file():
            files.append(root)
        else:
            files.extend(
                sorted(
                    p
                    for p in root.rglob("*")
                    if p.suffix in (".yml", ".yaml")
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)
                )
            )
    return files


def convert_rules(roots):
    """[(rule id, title, file, sql)], {file: error} for rules pySigma
    cannot convert."""
    backend = sqliteBackend(fulltext_field=FULLTEXT)
    out, failed = [], {}
    for f in rule_files(roots):
        text = f.read_text(encoding="utf-8", errors="replace")
        try:
            kwargs = {"policy": TrustedPolicy} if TrustedPolicy else {}
            collection = SigmaCollection.from_yaml(text, **kwargs)
            for rule in collection.rules:
                queries = backend.convert_rule(rule)
                if len(queries) != 1:
                    raise SigmaError(f"{len(queries)} queries")
                out.append((str(rule.id or rule.title), rule.title, str(f), queries[0]))
        except Exception as e:  # every pySigma failure is a rule not compared
            failed[str(f)] = f"{type(e).__name__}: {e}".splitlines()[0][:300]
    return out, failed


def run_query(db, sql):
    """Line numbers of the rows `sql` selects; adds missing columns as NULL."""
    sql = sql.replace("SELECT * FROM logs WHERE", "SELECT rowid FROM logs WHERE", 1)
    for _ in range(64):
        try:
            return {r[0] for r in db.execute(sql)}
        except sqlite3.OperationalError as e:
            m = MISSING_COLUMN.search(str(e))
            if not m:
                raise
            db.execute(f"ALTER TABLE logs ADD COLUMN {quote(m.group(1))} TEXT COLLATE NOCASE")
    raise RuntimeError("too many missing columns")


# ---------------------------------------------------------------------------
# sigscan


def sigscan_hits(binary, roots, events):
    cmd = [binary, "scan", "--no-logsource", "--no-event", "--quiet"]
    for r in roots:
        cmd += ["--rules", str(r)]
    cmd.append(str(events))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"sigscan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    hits = {}
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        hits.setdefault(rec["rule_id"], set()).add(rec["line"])
    loaded = subprocess.run(
        [binary, "rules", "check", "--json"] + [str(r) for r in roots],
        capture_output=True,
        text=True,
    )
    ok = set()
    for line in loaded.stdout.splitlines():
        rec = json.loads(line)
        if rec["status"] == "ok" and rec.get("id"):
            ok.add(rec["id"])
    return hits, ok


# ---------------------------------------------------------------------------


def compare(name, events, rules, binary, roots, samples):
    t0 = time.time()
    db, n_events, n_columns = load_events(events)
    py = {}
    query_errors = {}
    for rid, _title, _file, sql in rules:
        try:
            py[rid] = run_query(db, sql)
        except Exception as e:
            query_errors[rid] = f"{type(e).__name__}: {e}"[:300]
    t1 = time.time()
    ss, ss_ok = sigscan_hits(binary, roots, events)
    t2 = time.time()
    compared = [r for r in rules if r[0] in py and r[0] in ss_ok]
    disagree = []
    hits_both = hits_py_only = hits_ss_only = 0
    for rid, title, f, _ in compared:
        a, b = py[rid], ss.get(rid, set())
        hits_both += len(a & b)
        hits_py_only += len(a - b)
        hits_ss_only += len(b - a)
        if a != b:
            disagree.append(
                {
                    "id": rid,
                    "title": title,
                    "file": f,
                    "pysigma": len(a),
                    "sigscan": len(b),
                    "pysigma_only": sorted(a - b)[:samples],
                    "sigscan_only": sorted(b - a)[:samples],
                }
            )
    report = {
        "events": str(events),
        "event_lines": n_events,
        "columns": n_columns,
        "rules_converted": len(rules),
        "rules_query_failed": query_errors,
        "rules_sigscan_not_loaded": sorted(r[0] for r in rules if r[0] not in ss_ok),
        "rules_compared": len(compared),
        "rules_agreeing": len(compared) - len(disagree),
        "rules_hit_by_either": sum(
            1 for r in compared if py[r[0]] or ss.get(r[0])
        ),
        "hits_both": hits_both,
        "hits_pysigma_only": hits_py_only,
        "hits_sigscan_only": hits_ss_only,
        "seconds_pysigma": round(t1 - t0, 1),
        "seconds_sigscan": round(t2 - t1, 1),
        "disagreements": disagree,
    }
    print(
        f"{name}: {report['rules_agreeing']}/{report['rules_compared']} rules agree "
        f"({len(disagree)} disagree; {report['rules_hit_by_either']} rules hit by either); "
        f"hits: {hits_both} both, {hits_py_only} pySigma only, {hits_ss_only} sigscan only"
    )
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sigscan", required=True, help="the sigscan binary")
    ap.add_argument("--rules", action="append", required=True, help="rule directory or file")
    ap.add_argument(
        "--events", action="append", required=True, help="NAME=PATH of an NDJSON file"
    )
    ap.add_argument("--report", required=True, help="JSON report to write")
    ap.add_argument("--samples", type=int, default=5, help="sample lines per side and rule")
    ap.add_argument(
        "--known",
        help="TSV of explained disagreements (set, rule id, cause); "
        "exit 1 when a disagreement is not listed",
    )
    args = ap.parse_args()
    rules, failed = convert_rules(args.rules)
    print(f"pySigma converted {len(rules)} rules; {len(failed)} files failed to convert")
    report = {"rules": args.rules, "pysigma_failed": failed, "sets": {}}
    for spec in args.events:
        name, _, path = spec.partition("=")
        report["sets"][name] = compare(
            name, Path(path), rules, args.sigscan, args.rules, args.samples
        )
    Path(args.report).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    if args.known:
        sys.exit(check_known(args.known, report))


def check_known(path, report):
    """Prints disagreements missing from the known list, and listed ones
    that no longer occur; 1 when there are new ones."""
    known = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, rid, cause = (line.split("\t") + ["", ""])[:3]
            known[(name, rid)] = cause
    seen = set()
    new = 0
    for name, s in report["sets"].items():
        for d in s["disagreements"]:
            seen.add((name, d["id"]))
            if (name, d["id"]) in known:
                print(f"known: {name} {d['id']} ({known[(name, d['id'])]})")
            else:
                new += 1
                print(
                    f"NEW: {name} {d['id']} {d['title']}: pySigma {d['pysigma']}, "
                    f"sigscan {d['sigscan']} hits; lines only pySigma {d['pysigma_only']}, "
                    f"only sigscan {d['sigscan_only']}"
                )
    for name, rid in sorted(known.keys() - seen):
        if name in report["sets"]:
            print(f"gone: {name} {rid} agrees now; remove it from {path}")
    return 1 if new else 0


if __name__ == "__main__":
    main()
