//! Correlation rules end to end, through the binary: the project's own
//! scenarios in `tests/correlation/` (rules and events written for these
//! tests), each checked record for record.
//!
//! - `failed_logon_burst_*`: event_count; a burst that straddles a 5-minute
//!   boundary (3 events before 10:05, 3 after) is found; events out of input
//!   order; events without a usable time are reported and counted.
//! - `password_spraying`: value_count of TargetUserName per IpAddress (ECS).
//! - `download_then_execution`: temporal (any order, `generate: true`) and
//!   temporal_ordered (download first, with an alias) on Sysmon events.
//! - `failed_logons_then_success_chain`: a correlation of a correlation,
//!   bundled with its base rules (the specification's example).
//! - `groups_interleaved_across_two_files`: two groups whose events alternate
//!   and are split over two files, the earlier events in the later file.
//! - `upload_volume_*`: value_sum, value_avg, value_percentile, `--time-field`.
//! - `malformed_correlations_*`: file, line and reason for each bad document.
//!
//! Every scan runs in three configurations (default; two threads, 64-byte
//! chunks, the Rust engine; one thread, no prefilter), which must print the
//! same bytes: input order across threads is not time order.

mod util;

use serde_json::{Value, json};
use util::Run;

const DIR: &str = "tests/correlation";

const FAILED_LOGON: &str = "6a1f0c2e-4625-4e0b-9d1e-0000000c0001";
const NETWORK_LOGON: &str = "6a1f0c2e-4624-4e0b-9d1e-0000000c0002";
const BURST: &str = "6a1f0c2e-c001-4e0b-9d1e-0000000c0101";

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// Scans `inputs` with `rules` (file names under `tests/correlation`) in
/// four configurations (one with every hit's record and event made by its
/// worker), checks they print the same, and returns the first.
fn scan(rules: &[&str], inputs: &[&str], extra: &[&str]) -> Run {
    let configs: [&[&str]; 4] = [
        &[],
        &["-j", "2", "--chunk-size", "64", "--engine", "rust"],
        &["-j", "1", "--engine", "none"],
        &["-j", "2", "--prepare-hits"],
    ];
    let mut first: Option<Run> = None;
    for config in configs {
        let mut args = vec!["scan".to_string(), "--no-event".into()];
        for r in rules {
            args.push("--rules".into());
            args.push(path(r));
        }
        args.extend(extra.iter().chain(config).map(|s| s.to_string()));
        args.extend(inputs.iter().map(|i| path(i)));
        let run = util::run(&args);
        match &first {
            None => first = Some(run),
            Some(f) => {
                assert_eq!(
                    run.stdout_str(),
                    f.stdout_str(),
                    "output differs with {config:?}"
                );
                assert_eq!(
                    run.status.code(),
                    f.status.code(),
                    "exit status differs with {config:?}"
                );
            }
        }
    }
    first.expect("BUG: four runs")
}

/// Splits output into plain hits (as `(rule_id, file, line)`) and
/// correlation records, and checks the records come after every hit. Every
/// record carries the schema fields; records are returned without them
/// (they are the same for every record of a run, checked here).
fn split(run: &Run) -> (Vec<(String, String, u64)>, Vec<Value>) {
    let mut hits = Vec::new();
    let mut records = Vec::new();
    let mut hash = None;
    for mut r in run.records() {
        assert_eq!(r["schema_version"], 2, "{r}");
        let h = r["ruleset_hash"]
            .as_str()
            .expect("ruleset_hash")
            .to_string();
        assert_eq!(
            hash.get_or_insert_with(|| h.clone()),
            &h,
            "one rule set per run"
        );
        if r.get("correlation_type").is_some() {
            assert_eq!(r["kind"], "correlation", "{r}");
            let m = r.as_object_mut().unwrap();
            m.remove("kind");
            m.remove("schema_version");
            m.remove("ruleset_hash");
            records.push(r);
        } else {
            assert!(records.is_empty(), "a hit after a correlation record: {r}");
            hits.push((
                r["rule_id"].as_str().unwrap().to_string(),
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            ));
        }
    }
    (hits, records)
}

fn ev(file: &str, line: u64, rule: &str) -> Value {
    json!({"file": path(file), "line": line, "rule_id": rule})
}

#[allow(clippy::too_many_arguments)]
fn record(
    kind: &str,
    id: &str,
    title: &str,
    level: &str,
    group: Value,
    window: (&str, &str, &str),
    value: Value,
    events: Vec<Value>,
) -> Value {
    json!({
        "correlation_type": kind,
        "rule_id": id,
        "title": title,
        "level": level,
        "group": group,
        "window_start": window.0,
        "window_end": window.1,
        "fired_at": window.2,
        "value": value,
        "events": events,
    })
}

fn stats(run: &Run) -> Value {
    let line = run
        .stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no stats line:\n{}", run.stderr));
    serde_json::from_str(line).unwrap()
}

#[test]
fn failed_logon_burst_across_a_window_edge() {
    let run = scan(
        &["logon_rules.yml", "bursts.yml"],
        &["failed_logons.ndjson"],
        &[],
    );
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    // The failed-logon rule is referenced by a correlation without
    // `generate`: its 19 hits are withheld. The network-logon rule is not
    // referenced and reports as usual.
    assert_eq!(
        hits,
        vec![(NETWORK_LOGON.to_string(), path("failed_logons.ndjson"), 11)]
    );
    // 10.0.0.5: 10:03:30 … 10:06:20, six failures, three on each side of
    // 10:05 (a fixed 5-minute bucket would see three and three). The fifth
    // (10:05:40, line 15) reached the threshold. 10.0.0.9 has four; 10.0.0.7
    // five spread 2m30s apart, never more than two within 5 minutes; the
    // two at 11:00 are a different, small burst.
    let f = "failed_logons.ndjson";
    assert_eq!(
        records,
        vec![record(
            "event_count",
            BURST,
            "Failed logon burst from one address",
            "high",
            json!({"IpAddress": "10.0.0.5"}),
            (
                "2024-05-01T10:03:30Z",
                "2024-05-01T10:06:20Z",
                "2024-05-01T10:05:40Z"
            ),
            json!(6),
            vec![
                ev(f, 3, FAILED_LOGON),
                ev(f, 5, FAILED_LOGON),
                ev(f, 8, FAILED_LOGON),
                ev(f, 1, FAILED_LOGON),
                ev(f, 15, FAILED_LOGON),
                ev(f, 12, FAILED_LOGON),
            ],
        )]
    );
}

#[test]
fn failed_logon_burst_reports_events_without_time() {
    let run = scan(
        &["logon_rules.yml", "bursts.yml"],
        &["failed_logons.ndjson"],
        &["--stats"],
    );
    assert!(
        run.stderr.contains(&format!(
            "sigscan: {}:17: rule {FAILED_LOGON}: no event time (looked for SystemTime, \
             @timestamp, TimeCreated, UtcTime, TimeGenerated; see --time-field); left out of \
             correlations",
            path("failed_logons.ndjson")
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "sigscan: {}:18: rule {FAILED_LOGON}: event time SystemTime = \"yesterday\" is not \
             a timestamp; left out of correlations",
            path("failed_logons.ndjson")
        )),
        "{}",
        run.stderr
    );
    let s = stats(&run);
    assert_eq!(s["hits"], 20);
    assert_eq!(
        s["correlations"],
        json!({
            "correlations": 1,
            "buffered_hits": 17,
            "untimed_hits": 2,
            "hits_without_value": 0,
            "suppressed_hits": 19,
            "records": 1,
        })
    );
}

#[test]
fn password_spraying() {
    let run = scan(&["logon_rules.yml", "spray.yml"], &["spray.ndjson"], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    assert!(hits.is_empty(), "{hits:?}");
    // 192.0.2.10 tries u1, u2, u3, u2, u4 within four minutes: four names
    // (the fourth, u4, at 09:04). Line 8 has no TargetUserName and is not
    // counted. 192.0.2.20 repeats one account (`Admin` and `admin` are two
    // values: values compare exactly); 192.0.2.30 tries four names but never
    // more than three within 10 minutes.
    let f = "spray.ndjson";
    assert_eq!(
        records,
        vec![record(
            "value_count",
            "6a1f0c2e-c002-4e0b-9d1e-0000000c0102",
            "Password spraying from one address",
            "high",
            json!({"IpAddress": "192.0.2.10"}),
            (
                "2024-05-01T09:00:00Z",
                "2024-05-01T09:04:00Z",
                "2024-05-01T09:04:00Z"
            ),
            json!(4),
            vec![
                ev(f, 1, FAILED_LOGON),
                ev(f, 4, FAILED_LOGON),
                ev(f, 6, FAILED_LOGON),
                ev(f, 9, FAILED_LOGON),
                ev(f, 11, FAILED_LOGON),
            ],
        )]
    );
    assert!(
        run.stderr.contains(
            "sigscan: correlation 6a1f0c2e-c002-4e0b-9d1e-0000000c0102: 1 hits without a value \
             of `TargetUserName` were not counted"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn download_then_execution() {
    let run = scan(&["download_exec.yml"], &["download_exec.ndjson"], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    const WRITTEN: &str = "6a1f0c2e-0011-4e0b-9d1e-0000000c0011";
    const EXECUTED: &str = "6a1f0c2e-0012-4e0b-9d1e-0000000c0012";
    const ANY_ORDER: &str = "6a1f0c2e-c005-4e0b-9d1e-0000000c0105";
    const ORDERED: &str = "6a1f0c2e-c006-4e0b-9d1e-0000000c0106";
    let f = "download_exec.ndjson";
    // The temporal correlation says `generate: true`, so both base rules
    // report although the temporal_ordered one does not ask for it.
    let hit = |rule: &str, line| (rule.to_string(), path(f), line);
    assert_eq!(
        hits,
        vec![
            hit(EXECUTED, 1),
            hit(WRITTEN, 2),
            hit(WRITTEN, 3),
            hit(WRITTEN, 4),
            hit(EXECUTED, 5),
            hit(WRITTEN, 6),
            hit(EXECUTED, 8),
        ]
    );
    // HOSTA ran tool.exe (10:00:00) before it was written (10:01:00): the
    // temporal correlation matches, the ordered one does not. HOSTB wrote
    // setup.exe and other.exe, then ran setup.exe: both match, and the
    // ordered one groups by the file (alias `file`: TargetFilename of the
    // write, Image of the process), so other.exe is not part of it. HOSTC's
    // write and run are five minutes apart.
    assert_eq!(
        records,
        vec![
            record(
                "temporal",
                ANY_ORDER,
                "Download and execution on one computer",
                "medium",
                json!({"Computer": "HOSTB"}),
                (
                    "2024-05-01T10:00:00Z",
                    "2024-05-01T10:00:30Z",
                    "2024-05-01T10:00:30Z"
                ),
                json!(2),
                vec![ev(f, 2, WRITTEN), ev(f, 4, WRITTEN), ev(f, 5, EXECUTED)],
            ),
            record(
                "temporal_ordered",
                ORDERED,
                "Downloaded file executed",
                "high",
                json!({"Computer": "HOSTB", "file": "C:\\Users\\ben\\Downloads\\setup.exe"}),
                (
                    "2024-05-01T10:00:00Z",
                    "2024-05-01T10:00:30Z",
                    "2024-05-01T10:00:30Z"
                ),
                json!(2),
                vec![ev(f, 2, WRITTEN), ev(f, 5, EXECUTED)],
            ),
            record(
                "temporal",
                ANY_ORDER,
                "Download and execution on one computer",
                "medium",
                json!({"Computer": "HOSTA"}),
                (
                    "2024-05-01T10:00:00Z",
                    "2024-05-01T10:01:00Z",
                    "2024-05-01T10:01:00Z"
                ),
                json!(2),
                vec![ev(f, 1, EXECUTED), ev(f, 6, WRITTEN)],
            ),
        ]
    );
}

#[test]
fn failed_logons_then_success_chain() {
    let run = scan(&["chain.yml"], &["chain.ndjson"], &["--stats"]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    // Neither the base rules nor the inner correlation report on their own.
    assert!(hits.is_empty(), "{hits:?}");
    const FAILED: &str = "6a1f0c2e-4625-4e0b-9d1e-0000000c0003";
    const SUCCESS: &str = "6a1f0c2e-4624-4e0b-9d1e-0000000c0004";
    let f = "chain.ndjson";
    // alice: four failures 10:00:00–10:01:00 (the inner correlation fired at
    // the third, 10:00:40), then a success at 10:02:00. bob's success came
    // before his failures; carol's 28 minutes after hers; dave never failed.
    assert_eq!(
        records,
        vec![record(
            "temporal_ordered",
            "6a1f0c2e-c003-4e0b-9d1e-0000000c0103",
            "Failed logons followed by a successful logon",
            "high",
            json!({"TargetUserName": "alice"}),
            (
                "2024-05-01T10:00:40Z",
                "2024-05-01T10:02:00Z",
                "2024-05-01T10:02:00Z"
            ),
            json!(2),
            vec![
                ev(f, 1, FAILED),
                ev(f, 3, FAILED),
                ev(f, 7, FAILED),
                ev(f, 10, FAILED),
                ev(f, 12, SUCCESS),
            ],
        )]
    );
    let s = stats(&run);
    assert_eq!(s["correlations"]["correlations"], 2);
    assert_eq!(s["correlations"]["suppressed_hits"], 14);
    assert_eq!(s["correlations"]["records"], 1);
}

#[test]
fn chain_inner_correlation_reports_when_asked() {
    // The same chain, with `generate: true` on the outer correlation: its
    // inner correlation and the success rule now report on their own; the
    // failure rule is referenced only by the inner one (no `generate`).
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(util::root().join(path("chain.yml")))
        .unwrap()
        .replacen(
            "    timespan: 10m\nlevel: high",
            "    timespan: 10m\n    generate: true\nlevel: high",
            1,
        );
    assert!(text.contains("generate: true"));
    let rules = dir.path().join("chain.yml");
    std::fs::write(&rules, text).unwrap();
    let run = util::run(&[
        "scan".into(),
        "--no-event".into(),
        "--rules".into(),
        rules.display().to_string(),
        path("chain.ndjson"),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    const SUCCESS: &str = "6a1f0c2e-4624-4e0b-9d1e-0000000c0004";
    let f = path("chain.ndjson");
    assert_eq!(
        hits,
        [2, 12, 13, 14]
            .map(|l| (SUCCESS.to_string(), f.clone(), l))
            .to_vec()
    );
    let summary: Vec<(String, Value, String, String)> = records
        .iter()
        .map(|r| {
            (
                r["rule_id"].as_str().unwrap().to_string(),
                r["group"]["TargetUserName"].clone(),
                r["window_start"].as_str().unwrap().to_string(),
                r["fired_at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    const INNER: &str = "6a1f0c2e-c004-4e0b-9d1e-0000000c0104";
    const OUTER: &str = "6a1f0c2e-c003-4e0b-9d1e-0000000c0103";
    let row = |id: &str, user: &str, start: &str, fired: &str| {
        (
            id.to_string(),
            json!(user),
            format!("2024-05-01T{start}Z"),
            format!("2024-05-01T{fired}Z"),
        )
    };
    assert_eq!(
        summary,
        vec![
            row(INNER, "alice", "10:00:00", "10:00:40"),
            row(INNER, "carol", "10:00:00", "10:02:00"),
            row(INNER, "bob", "10:00:20", "10:00:50"),
            row(OUTER, "alice", "10:00:40", "10:02:00"),
        ]
    );
}

#[test]
fn groups_interleaved_across_two_files() {
    let a = "interleaved-a.ndjson";
    let b = "interleaved-b.ndjson";
    let expected = vec![
        record(
            "event_count",
            BURST,
            "Failed logon burst from one address",
            "high",
            json!({"IpAddress": "198.51.100.1"}),
            (
                "2024-05-01T10:00:00Z",
                "2024-05-01T10:04:00Z",
                "2024-05-01T10:04:00Z",
            ),
            json!(5),
            vec![
                ev(b, 2, FAILED_LOGON),
                ev(b, 4, FAILED_LOGON),
                ev(a, 1, FAILED_LOGON),
                ev(a, 3, FAILED_LOGON),
                ev(a, 5, FAILED_LOGON),
            ],
        ),
        record(
            "event_count",
            BURST,
            "Failed logon burst from one address",
            "high",
            json!({"IpAddress": "198.51.100.2"}),
            (
                "2024-05-01T10:00:30Z",
                "2024-05-01T10:04:30Z",
                "2024-05-01T10:04:30Z",
            ),
            json!(5),
            vec![
                ev(b, 1, FAILED_LOGON),
                ev(b, 3, FAILED_LOGON),
                ev(a, 2, FAILED_LOGON),
                ev(a, 4, FAILED_LOGON),
                ev(b, 5, FAILED_LOGON),
            ],
        ),
    ];
    // Either input order gives the same records: they follow event time.
    for inputs in [[a, b], [b, a]] {
        let run = scan(&["logon_rules.yml", "bursts.yml"], &inputs, &[]);
        assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
        let (hits, records) = split(&run);
        assert!(hits.is_empty(), "{hits:?}");
        assert_eq!(records, expected, "inputs {inputs:?}");
    }
}

#[test]
fn upload_volume_sum_average_percentile() {
    let run = scan(&["volume.yml"], &["conn.ndjson"], &["--time-field", "ts"]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    assert!(hits.is_empty(), "{hits:?}");
    const TCP: &str = "6a1f0c2e-0021-4e0b-9d1e-0000000c0021";
    let f = "conn.ndjson";
    let events = || vec![ev(f, 1, TCP), ev(f, 3, TCP), ev(f, 5, TCP), ev(f, 7, TCP)];
    let group = json!({"id.orig_h": "10.2.0.5"});
    let start = "2024-05-01T10:00:00.250Z";
    let end = "2024-05-01T10:30:00Z";
    // 10.2.0.5 sent 400 000, 300 000, 500 000, 200 000 bytes within 30
    // minutes (the UDP line does not match the rule): sum 1 400 000 (over
    // 1 MB from the third), mean 350 000 (from the first), 90th percentile
    // by nearest rank 500 000 (from the third). 10.2.0.6 sent little, and
    // its `n/a` is not a number.
    assert_eq!(
        records,
        vec![
            record(
                "value_sum",
                "6a1f0c2e-c007-4e0b-9d1e-0000000c0107",
                "More than 1 MB sent by one host within an hour",
                "medium",
                group.clone(),
                (start, end, "2024-05-01T10:20:00Z"),
                json!(1_400_000),
                events(),
            ),
            record(
                "value_avg",
                "6a1f0c2e-c008-4e0b-9d1e-0000000c0108",
                "Large average upload by one host within an hour",
                "low",
                group.clone(),
                (start, end, start),
                json!(350_000),
                events(),
            ),
            record(
                "value_percentile",
                "6a1f0c2e-c009-4e0b-9d1e-0000000c0109",
                "Large 90th percentile upload by one host within an hour",
                "low",
                group.clone(),
                (start, end, "2024-05-01T10:20:00Z"),
                json!(500_000),
                events(),
            ),
        ]
    );
}

#[test]
fn upload_volume_without_time_field_correlates_nothing() {
    // zeek's `ts` is not one of the default time fields.
    let run = scan(&["volume.yml"], &["conn.ndjson"], &["--stats"]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let (hits, records) = split(&run);
    assert!(hits.is_empty() && records.is_empty());
    assert_eq!(stats(&run)["correlations"]["untimed_hits"], 7);
    assert!(
        run.stderr
            .contains("7 hits of correlated rules had no parseable event time (5 shown)"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_check_reports_correlations_as_ok() {
    let mut args: Vec<String> = vec!["rules".into(), "check".into(), "--json".into()];
    for f in [
        "logon_rules.yml",
        "bursts.yml",
        "spray.yml",
        "chain.yml",
        "download_exec.yml",
        "volume.yml",
    ] {
        args.push(path(f));
    }
    let run = util::run(&args);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let records = run.records();
    assert!(records.iter().all(|r| r["status"] == "ok"), "{records:?}");
    let correlations: Vec<(&str, &str)> = records
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?, r.get("correlation")?.as_str()?)))
        .collect();
    assert_eq!(
        correlations,
        vec![
            ("6a1f0c2e-c001-4e0b-9d1e-0000000c0101", "event_count"),
            ("6a1f0c2e-c003-4e0b-9d1e-0000000c0103", "temporal_ordered"),
            ("6a1f0c2e-c004-4e0b-9d1e-0000000c0104", "event_count"),
            ("6a1f0c2e-c005-4e0b-9d1e-0000000c0105", "temporal"),
            ("6a1f0c2e-c006-4e0b-9d1e-0000000c0106", "temporal_ordered"),
            ("6a1f0c2e-c002-4e0b-9d1e-0000000c0102", "value_count"),
            ("6a1f0c2e-c007-4e0b-9d1e-0000000c0107", "value_sum"),
            ("6a1f0c2e-c008-4e0b-9d1e-0000000c0108", "value_avg"),
            ("6a1f0c2e-c009-4e0b-9d1e-0000000c0109", "value_percentile"),
        ]
    );
    assert_eq!(records.len(), 16);
}

#[test]
fn malformed_correlations_name_file_line_and_reason() {
    let file = path("bad/errors.yml");
    let run = util::run(&[
        "rules".into(),
        "check".into(),
        "--json".into(),
        file.clone(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    let got: Vec<(u64, String, String, String)> = run
        .records()
        .iter()
        .map(|r| {
            assert_eq!(r["file"], file.as_str());
            (
                r["line"].as_u64().unwrap(),
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
                r["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let row = |line, id: &str, status: &str, reason: &str| {
        (line, id.to_string(), status.to_string(), reason.to_string())
    };
    assert_eq!(
        got,
        vec![
            row(2, "bad-base", "ok", ""),
            row(
                17,
                "bad-unknown",
                "error",
                "unknown rule `no-such-rule`: no rule or correlation has this id or name"
            ),
            row(
                27,
                "bad-timespan",
                "error",
                "bad timespan `5 minutes`: expected a positive whole number and one of s, m, h, \
                 d (e.g. `90m`), at most 100 years"
            ),
            row(
                34,
                "bad-condition",
                "error",
                "correlation without `condition` (value_count needs one)"
            ),
            row(
                44,
                "bad-loop-1",
                "error",
                "correlation chain loops: bad-loop-1 → bad-loop-2 → bad-loop-1"
            ),
            row(
                53,
                "bad-loop-2",
                "error",
                "correlation chain loops: bad-loop-1 → bad-loop-2 → bad-loop-1"
            ),
            row(
                62,
                "bad-on-loop",
                "error",
                "refers to correlation `bad-loop-1`, which did not load"
            ),
            row(67, "good-one", "ok", ""),
        ]
    );
    assert!(
        run.stderr.contains("sigscan: 8 documents: 2 ok, 6 errors"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_correlations_are_skipped_by_scan_and_fatal_with_strict() {
    let base = |extra: &[&str]| {
        let mut args: Vec<String> = vec!["scan".into(), "--no-event".into(), "--stats".into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([
            "--rules".into(),
            path("bad/errors.yml"),
            path("failed_logons.ndjson"),
        ]);
        util::run(&args)
    };
    let run = base(&[]);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "sigscan: {}:17: rule bad-unknown: unknown rule `no-such-rule`: no rule or \
             correlation has this id or name (rule skipped)",
            path("bad/errors.yml")
        )),
        "{}",
        run.stderr
    );
    // The good correlation (10 failures a minute) finds nothing, and it
    // withholds its base rule's hits.
    assert_eq!(run.stdout_str(), "");
    let s = stats(&run);
    assert_eq!(s["rules_skipped"], 6);
    assert_eq!(s["correlations"]["correlations"], 1);
    assert_eq!(s["correlations"]["suppressed_hits"], 19);
    let strict = base(&["--strict"]);
    assert_eq!(strict.status.code(), Some(2), "{}", strict.stderr);
}

#[test]
fn field_map_applies_to_group_by() {
    // --field-map sends `IpAddress` to the account name: the same burst,
    // now grouped under the account (all of 10.0.0.5's failures are
    // `admin`'s; bob and carol have too few).
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.yml");
    std::fs::write(&map, "IpAddress: Event.EventData.TargetUserName\n").unwrap();
    let map = map.display().to_string();
    let run = scan(
        &["logon_rules.yml", "bursts.yml"],
        &["failed_logons.ndjson"],
        &["--field-map", &map],
    );
    let (_, records) = split(&run);
    let groups: Vec<(&Value, &Value, usize)> = records
        .iter()
        .map(|r| {
            (
                &r["group"],
                &r["value"],
                r["events"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(groups, vec![(&json!({"IpAddress": "admin"}), &json!(6), 6)]);
}
