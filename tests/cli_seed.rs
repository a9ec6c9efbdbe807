//! End-to-end tests of the `sigscan` binary with the seed rule (SigmaHQ 9f22ccd5, "WinAPI
//! Function Calls Via PowerShell Scripts", `corpora/rules/posh_win_api_functions.yml`).
//!
//! * `seed_corpora_*` scan the hand-written samples `corpora/events/seed-{evtx,ecs,flat}.ndjson`
//!   (one JSON layout each) and compare the hits with `corpora/events/seed-expected.tsv`, which
//!   `corpora/events/check_expected.py` recomputes independently.
//! * `seed_rule_over_real_powershell_4104_events` scans the real evtx_dump events in
//!   `../shared/events/evtx-powershell-4104.ndjson` (skipped, with a note, when that file is
//!   absent) and derives the expected lines itself, without sigscan code.
//!
//! Output contract checked here: stdout is JSON Lines, one object per (rule, hit line),
//! `{"kind","@timestamp","rule_id","title","level","status","tags","tactics","techniques","host",
//! "channel","event_id","record_id","matched","file","line","offset","schema_version",
//! "ruleset_hash","event"}` and nothing else, ordered by input file then line; `file` is the path exactly as given on the
//! command line, `line` is 1-based, `offset` is the byte offset of the line's first byte,
//! `schema_version` is 2, `ruleset_hash` is 16 lowercase hex digits, the same in every record of a
//! run, `event` is the parsed line. `--no-event`
//! drops `event`; `--stats` adds one JSON object on stderr and leaves stdout unchanged.

mod util;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitStatus;

use serde_json::Value;

const RULE: &str = "corpora/rules/posh_win_api_functions.yml";
const RULE_ID: &str = "9f22ccd5-a435-453b-af96-bf99cbb594d4";
const TITLE: &str = "WinAPI Function Calls Via PowerShell Scripts";
const LEVEL: &str = "medium";
const EXPECTED_TSV: &str = "corpora/events/seed-expected.tsv";
const SEED_FILES: [&str; 3] = [
    "corpora/events/seed-evtx.ndjson",
    "corpora/events/seed-ecs.ndjson",
    "corpora/events/seed-flat.ndjson",
];
/// `ScriptBlockText|contains` of the seed rule, copied here so the real-data test does not
/// depend on the rule parser it is testing.
const STRINGS: [&str; 38] = [
    "AddSecurityPackage",
    "AdjustTokenPrivileges",
    "CloseHandle",
    "CreateProcessWithToken",
    "CreateRemoteThread",
    "CreateThread",
    "CreateUserThread",
    "DangerousGetHandle",
    "DuplicateTokenEx",
    "EnumerateSecurityPackages",
    "FreeLibrary",
    "GetDelegateForFunctionPointer",
    "GetLogonSessionData",
    "GetModuleHandle",
    "GetProcAddress",
    "GetProcessHandle",
    "GetTokenInformation",
    "ImpersonateLoggedOnUser",
    "LoadLibrary",
    "memcpy",
    "MiniDumpWriteDump",
    "OpenDesktop",
    "OpenProcess",
    "OpenProcessToken",
    "OpenThreadToken",
    "OpenWindowStation",
    "QueueUserApc",
    "ReadProcessMemory",
    "RevertToSelf",
    "RtlCreateUserThread",
    "SetThreadToken",
    "VirtualAlloc",
    "VirtualFree",
    "VirtualProtect",
    "WaitForSingleObject",
    "WriteInt32",
    "WriteProcessMemory",
    "ZeroFreeGlobalAllocUnicode",
];
/// ps_script channels, lower-cased (channels compare case-insensitively).
const PS_CHANNELS: [&str; 2] = [
    "microsoft-windows-powershell/operational",
    "powershellcore/operational",
];
const RECORD_KEYS: [&str; 20] = [
    "kind",
    "@timestamp",
    "rule_id",
    "title",
    "level",
    "status",
    "tags",
    "tactics",
    "techniques",
    "host",
    "channel",
    "event_id",
    "record_id",
    "matched",
    "file",
    "line",
    "offset",
    "schema_version",
    "ruleset_hash",
    "event",
];
const STATS_KEYS: [&str; 10] = [
    "files",
    "bytes",
    "lines",
    "events",
    "invalid_lines",
    "empty_lines",
    "rules_loaded",
    "rules_skipped",
    "hits",
    "elapsed_s",
];

/// What one run of the binary produced.
struct Run {
    status: ExitStatus,
    stderr: String,
    /// stdout, one parsed JSON value per line.
    records: Vec<Value>,
}

/// Runs `sigscan scan --rules RULE <flags> <inputs>` in the crate root and parses stdout as
/// JSON Lines (every line must be JSON; no blank lines, no CR).
fn seed_scan(flags: &[&str], inputs: &[&str]) -> Run {
    let out = util::sigscan()
        .arg("scan")
        .arg("--rules")
        .arg(RULE)
        .args(flags)
        .args(inputs)
        .run();
    let stderr = out.stderr;
    let stdout = String::from_utf8(out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}\nstderr:\n{stderr}"));
    assert!(
        stdout.is_empty() || stdout.ends_with('\n'),
        "stdout does not end with a newline:\n{stdout}"
    );
    let mut records = Vec::new();
    for (i, line) in stdout.split_terminator('\n').enumerate() {
        assert!(!line.contains('\r'), "stdout line {} contains CR", i + 1);
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "stdout line {} is not JSON ({e}): {line}\nstderr:\n{stderr}",
                i + 1
            )
        });
        records.push(v);
    }
    Run {
        status: out.status,
        stderr,
        records,
    }
}

/// `path` as given on the command line, resolved like the binary resolves it (cwd = crate root).
fn resolve(path: &str) -> PathBuf {
    util::root().join(path)
}

/// The file's lines as (byte offset of the line start, line bytes without the `\n`), index 0 =
/// line 1. A final line without `\n` counts as a line.
fn split_lines(data: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0usize;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            out.push((start as u64, &data[start..i]));
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push((start as u64, &data[start..]));
    }
    out
}

fn parse_line(bytes: &[u8]) -> Option<Value> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    serde_json::from_slice(bytes).ok()
}

/// Checks every record against the input files and returns the (file, line) list in output
/// order. `with_event` says whether `event` must be present (and equal to the parsed line) or
/// absent (`--no-event`).
fn check_records(records: &[Value], inputs: &[&str], with_event: bool) -> Vec<(String, u64)> {
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut hits = Vec::new();
    let mut last: Option<(usize, u64)> = None;
    let mut ruleset_hash: Option<&Value> = None;
    for (i, rec) in records.iter().enumerate() {
        let ctx = format!("record {} ({} line {})", i + 1, rec["file"], rec["line"]);
        let obj = rec
            .as_object()
            .unwrap_or_else(|| panic!("{ctx}: not an object"));
        let mut want: BTreeSet<&str> = RECORD_KEYS.iter().copied().collect();
        if !with_event {
            want.remove("event");
        }
        let have: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(have, want, "{ctx}: unexpected key set");
        assert_eq!(obj["rule_id"], RULE_ID, "{ctx}");
        assert_eq!(obj["title"], TITLE, "{ctx}");
        assert_eq!(obj["level"], LEVEL, "{ctx}");
        assert_eq!(obj["schema_version"], 2, "{ctx}");
        assert_eq!(obj["kind"], "hit", "{ctx}");
        assert_eq!(obj["status"], "test", "{ctx}");
        assert_eq!(obj["event_id"], 4104, "{ctx}");
        assert!(
            obj["channel"]
                .as_str()
                .is_some_and(|c| c.to_ascii_lowercase().contains("powershell")),
            "{ctx}: channel {}",
            obj["channel"]
        );
        // The correlation time sources; this flat sample's `Timestamp` is
        // not one of them.
        let untimed = obj["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("seed-flat.ndjson"));
        assert!(
            obj["@timestamp"].is_string() || untimed && obj["@timestamp"].is_null(),
            "{ctx}: @timestamp {}",
            obj["@timestamp"]
        );
        assert!(obj["host"].is_string(), "{ctx}: host");
        // What fired: ScriptBlockText, with a value from the event.
        let matched = obj["matched"].as_array().expect("matched is a list");
        assert!(!matched.is_empty(), "{ctx}: matched");
        for m in matched {
            assert_eq!(m["field"], "ScriptBlockText", "{ctx}: {m}");
            assert!(m["value"].is_string(), "{ctx}: {m}");
        }
        let hash = obj["ruleset_hash"]
            .as_str()
            .unwrap_or_else(|| panic!("{ctx}: ruleset_hash is not a string"));
        assert!(
            hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{ctx}: ruleset_hash is not 16 lowercase hex digits: {hash:?}"
        );
        let first = *ruleset_hash.get_or_insert(&obj["ruleset_hash"]);
        assert_eq!(
            &obj["ruleset_hash"], first,
            "{ctx}: one ruleset_hash per run"
        );
        let file = obj["file"]
            .as_str()
            .unwrap_or_else(|| panic!("{ctx}: file is not a string"));
        let file_idx = inputs
            .iter()
            .position(|f| *f == file)
            .unwrap_or_else(|| panic!("{ctx}: file {file:?} is not one of the inputs as given"));
        let line = obj["line"]
            .as_u64()
            .unwrap_or_else(|| panic!("{ctx}: line is not an unsigned integer"));
        let offset = obj["offset"]
            .as_u64()
            .unwrap_or_else(|| panic!("{ctx}: offset is not an unsigned integer"));
        assert!(line >= 1, "{ctx}: line numbers are 1-based");
        if let Some(prev) = last {
            assert!(
                (file_idx, line) > prev,
                "{ctx}: records are not ordered by input file, then line (previous {prev:?})"
            );
        }
        last = Some((file_idx, line));

        let data = files.entry(file.to_string()).or_insert_with(|| {
            std::fs::read(resolve(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
        });
        let lines = split_lines(data);
        let (start, bytes) = *lines
            .get((line - 1) as usize)
            .unwrap_or_else(|| panic!("{ctx}: {file} has only {} lines", lines.len()));
        assert_eq!(
            offset, start,
            "{ctx}: offset is not the byte offset of line {line}"
        );
        if with_event {
            let parsed = parse_line(bytes)
                .unwrap_or_else(|| panic!("{ctx}: line {line} of {file} is not JSON"));
            assert!(
                obj["event"] == parsed,
                "{ctx}: event differs from the parsed line {line} of {file}"
            );
        }
        hits.push((file.to_string(), line));
    }
    hits
}

/// Rows of `seed-expected.tsv` (header `file<TAB>line` skipped), in file order.
fn expected_seed_hits() -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(resolve(EXPECTED_TSV))
        .unwrap_or_else(|e| panic!("reading {EXPECTED_TSV}: {e}"));
    let mut rows = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if i == 0 && l == "file\tline" {
            continue;
        }
        if l.trim().is_empty() {
            continue;
        }
        let (f, n) = l
            .split_once('\t')
            .unwrap_or_else(|| panic!("{EXPECTED_TSV}:{}: not file<TAB>line: {l:?}", i + 1));
        let n: u64 = n
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{EXPECTED_TSV}:{}: bad line number: {e}", i + 1));
        rows.push((f.to_string(), n));
    }
    rows
}

/// Sorts (file, line) by position of the file among `inputs`, then line.
fn in_input_order(mut v: Vec<(String, u64)>, inputs: &[&str]) -> Vec<(String, u64)> {
    v.sort_by_key(|(f, n)| (inputs.iter().position(|i| i == f), *n));
    v
}

fn assert_exit_ok(run: &Run) {
    assert_eq!(
        run.status.code(),
        Some(0),
        "sigscan exit status {}\nstderr:\n{}",
        run.status,
        run.stderr
    );
}

#[test]
fn seed_corpora_hits_match_expected_tsv() {
    let run = seed_scan(&[], &SEED_FILES);
    assert_exit_ok(&run);
    let got = check_records(&run.records, &SEED_FILES, true);
    let want = in_input_order(expected_seed_hits(), &SEED_FILES);
    assert!(!want.is_empty(), "{EXPECTED_TSV} has no rows");
    let got_set: BTreeSet<_> = got.iter().cloned().collect();
    let want_set: BTreeSet<_> = want.iter().cloned().collect();
    let missing: Vec<_> = want_set.difference(&got_set).collect();
    let extra: Vec<_> = got_set.difference(&want_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "hits differ from {EXPECTED_TSV}\n  missing: {missing:?}\n  extra:   {extra:?}"
    );
    assert_eq!(got, want, "one record per hit line, in input order");
}

#[test]
fn seed_corpora_no_event_omits_event() {
    let full = seed_scan(&[], &SEED_FILES);
    assert_exit_ok(&full);
    let run = seed_scan(&["--no-event"], &SEED_FILES);
    assert_exit_ok(&run);
    let hits = check_records(&run.records, &SEED_FILES, false);
    assert_eq!(
        hits,
        in_input_order(expected_seed_hits(), &SEED_FILES),
        "--no-event changed which lines hit"
    );
    let stripped: Vec<Value> = full
        .records
        .iter()
        .cloned()
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("event");
            }
            v
        })
        .collect();
    assert_eq!(
        run.records, stripped,
        "--no-event output is not the full output minus `event`"
    );
}

#[test]
fn seed_corpora_stats_on_stderr() {
    let full = seed_scan(&[], &SEED_FILES);
    assert_exit_ok(&full);
    let run = seed_scan(&["--stats"], &SEED_FILES);
    assert_exit_ok(&run);
    assert_eq!(run.records, full.records, "--stats changed stdout");

    // The stats object: the whole of stderr, or one line of it.
    let mut found: Vec<Value> = Vec::new();
    match serde_json::from_str::<Value>(run.stderr.trim()) {
        Ok(v) if v.get("hits").is_some() => found.push(v),
        _ => {
            for l in run.stderr.lines() {
                if let Ok(v) = serde_json::from_str::<Value>(l.trim())
                    && v.is_object()
                    && v.get("hits").is_some()
                {
                    found.push(v);
                }
            }
        }
    }
    assert_eq!(
        found.len(),
        1,
        "expected exactly one stats JSON object on stderr, got:\n{}",
        run.stderr
    );
    let stats = &found[0];
    for k in STATS_KEYS {
        assert!(stats.get(k).is_some(), "stats lack {k:?}: {stats}");
    }
    let n = |k: &str| {
        stats[k]
            .as_u64()
            .unwrap_or_else(|| panic!("stats.{k} is not an unsigned integer: {stats}"))
    };

    let (mut bytes, mut lines) = (0u64, 0u64);
    for f in SEED_FILES {
        let data = std::fs::read(resolve(f)).unwrap_or_else(|e| panic!("reading {f}: {e}"));
        bytes += data.len() as u64;
        lines += split_lines(&data).len() as u64;
    }
    assert_eq!(n("files"), SEED_FILES.len() as u64, "{stats}");
    assert_eq!(n("bytes"), bytes, "{stats}");
    assert_eq!(n("lines"), lines, "{stats}");
    assert_eq!(
        n("lines"),
        n("events") + n("invalid_lines") + n("empty_lines"),
        "lines != events + invalid_lines + empty_lines: {stats}"
    );
    // The seed samples have no blank and no invalid lines.
    assert_eq!(n("invalid_lines"), 0, "{stats}");
    assert_eq!(n("empty_lines"), 0, "{stats}");
    assert_eq!(n("rules_loaded"), 1, "{stats}");
    assert_eq!(n("rules_skipped"), 0, "{stats}");
    assert_eq!(n("hits"), expected_seed_hits().len() as u64, "{stats}");
    let elapsed = stats["elapsed_s"]
        .as_f64()
        .unwrap_or_else(|| panic!("stats.elapsed_s is not a number: {stats}"));
    assert!(elapsed >= 0.0, "{stats}");
}

/// EventID as an integer: an int, a numeric string, or evtx_dump's `{"#text": N}` object.
fn event_id(v: &Value) -> Option<u64> {
    let v = match v.get("#text") {
        Some(t) => t,
        None => v,
    };
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The expected seed-rule hits of an evtx_dump file, computed without sigscan: 4104 in a
/// ps_script channel whose ScriptBlockText contains one of the strings, ignoring ASCII case.
fn expected_evtx_hits(data: &[u8]) -> BTreeSet<u64> {
    let needles: Vec<String> = STRINGS.iter().map(|s| s.to_ascii_lowercase()).collect();
    let mut hits = BTreeSet::new();
    for (i, (_, bytes)) in split_lines(data).into_iter().enumerate() {
        let Some(ev) = parse_line(bytes) else {
            continue;
        };
        let sys = &ev["Event"]["System"];
        if event_id(&sys["EventID"]) != Some(4104) {
            continue;
        }
        let Some(channel) = sys["Channel"].as_str() else {
            continue;
        };
        if !PS_CHANNELS.contains(&channel.to_ascii_lowercase().as_str()) {
            continue;
        }
        let Some(text) = ev["Event"]["EventData"]["ScriptBlockText"].as_str() else {
            continue;
        };
        let text = text.to_ascii_lowercase();
        if needles.iter().any(|n| text.contains(n.as_str())) {
            hits.insert(i as u64 + 1);
        }
    }
    hits
}

#[test]
fn seed_rule_over_real_powershell_4104_events() {
    let Some(shared) = util::shared(&["events/evtx-powershell-4104.ndjson"]) else {
        return;
    };
    let path = shared.join("events/evtx-powershell-4104.ndjson");
    assert_eq!(STRINGS.len(), 38);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let want = expected_evtx_hits(&data);
    assert!(
        want.contains(&1),
        "line 1 (the lsass MiniDumpWriteDump script) should be a hit; expected set {want:?}"
    );

    let given = path.to_str().expect("non-UTF-8 path to ../shared");
    let run = seed_scan(&[], &[given]);
    assert_exit_ok(&run);
    let got: Vec<u64> = check_records(&run.records, &[given], true)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let want: Vec<u64> = want.into_iter().collect();
    assert_eq!(got, want, "seed-rule hits in {}", path.display());
}
