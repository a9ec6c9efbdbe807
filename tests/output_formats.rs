//! Analyst-ready output (issue #17): the v2 hit record (event time, host,
//! channel, EventID, record id, the rule's status/tags/ATT&CK ids, the
//! matched fields), `--format jsonl|csv|table`, and the `--from`/`--to`
//! time window, end to end through the binary.
//!

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

mod util;

const RULE: &str = "\
title: Mimikatz command line
id: 11111111-2222-4333-8444-555555555555
status: experimental
level: high
tags: [attack.credential_access, attack.t1003.001]
logsource: {category: process_creation, product: windows}
detection:
  selection:
    CommandLine|contains: sekurlsa
  filter:
    User: SYSTEM
  condition: selection and not filter
";

/// evtx_dump layout, Sysmon 1, three events at 09:00, 10:00 and 11:00 on
/// 2024-05-01; the first two hit, the third is the filter's.
fn event(time: &str, record: u64, user: &str) -> String {
    json!({"Event": {
        "System": {
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "EventID": 1,
            "EventRecordID": record,
            "Computer": "WS01.corp",
            "TimeCreated": {"#attributes": {"SystemTime": time}}
        },
        "EventData": {
            "CommandLine": "mimikatz.exe sekurlsa::logonpasswords",
            "User": user
        }
    }})
    .to_string()
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("rule.yml"), RULE).expect("rule");
    let lines = [
        event("2024-05-01T09:00:00.5Z", 101, "alice"),
        event("2024-05-01T10:00:00Z", 102, "bob"),
        event("2024-05-01T11:00:00Z", 103, "SYSTEM"),
    ];
    std::fs::write(dir.path().join("ev.ndjson"), lines.join("\n") + "\n").expect("events");
    dir
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a scan of the fixture with `flags`, and again with every record
/// written by the workers (hidden `--prepare-hits`), which must print the
/// same records; returns the first run.
fn scan(dir: &Path, flags: &[&str]) -> Out {
    let run = |prepared: bool| {
        let mut args = vec!["scan", "--rules", "rule.yml"];
        args.extend_from_slice(flags);
        if prepared {
            args.push("--prepare-hits");
        }
        args.push("ev.ndjson");
        let run = util::sigscan().dir(dir).args(&args).run();
        Out {
            code: run.status.code().unwrap_or(-1),
            stdout: run.stdout_str().to_string(),
            stderr: run.stderr,
        }
    };
    let (plain, prepared) = (run(false), run(true));
    assert_eq!(plain.stdout, prepared.stdout, "{flags:?} --prepare-hits");
    assert_eq!(plain.code, prepared.code, "{flags:?} --prepare-hits");
    plain
}

/// The v2 hit record, every key named: an unknown key fails the test, so
/// the schema cannot grow unnoticed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields are read through Debug and asserts
struct HitRecord {
    kind: String,
    #[serde(rename = "@timestamp")]
    timestamp: Option<String>,
    rule_id: String,
    title: String,
    level: String,
    status: Option<String>,
    tags: Vec<String>,
    tactics: Vec<String>,
    techniques: Vec<String>,
    host: Option<String>,
    channel: Option<String>,
    event_id: Option<i64>,
    record_id: Option<Value>,
    matched: Vec<MatchedItem>,
    file: String,
    line: u64,
    offset: u64,
    schema_version: u32,
    ruleset_hash: String,
    event: Option<Value>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct MatchedItem {
    search: String,
    field: Option<String>,
    value: Option<String>,
}

fn records(out: &Out) -> Vec<HitRecord> {
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn jsonl_is_the_default_on_a_pipe_and_carries_the_v2_fields() {
    let d = fixture();
    let recs = records(&scan(d.path(), &[]));
    assert_eq!(recs.len(), 2, "{recs:?}");
    let r = &recs[0];
    assert_eq!(r.kind, "hit");
    assert_eq!(r.timestamp.as_deref(), Some("2024-05-01T09:00:00.500Z"));
    assert_eq!(r.rule_id, "11111111-2222-4333-8444-555555555555");
    assert_eq!(r.level, "high");
    assert_eq!(r.status.as_deref(), Some("experimental"));
    assert_eq!(r.tags, ["attack.credential_access", "attack.t1003.001"]);
    assert_eq!(
        r.tactics,
        ["credential-access"],
        "ATT&CK's spelling, as the summary"
    );
    assert_eq!(r.techniques, ["T1003.001"]);
    assert_eq!(r.host.as_deref(), Some("WS01.corp"));
    assert_eq!(
        r.channel.as_deref(),
        Some("Microsoft-Windows-Sysmon/Operational")
    );
    assert_eq!(r.event_id, Some(1));
    assert_eq!(r.record_id, Some(json!(101)));
    // The positive search and its value; the `not filter` is not a reason.
    assert_eq!(
        r.matched,
        [MatchedItem {
            search: "selection".into(),
            field: Some("CommandLine".into()),
            value: Some("mimikatz.exe sekurlsa::logonpasswords".into()),
        }]
    );
    assert_eq!((r.file.as_str(), r.line, r.offset), ("ev.ndjson", 1, 0));
    assert_eq!(r.schema_version, 2);
    assert!(r.event.is_some());
    assert_eq!(recs[1].record_id, Some(json!(102)));
}

#[test]
fn no_event_still_places_the_hit_in_time_and_on_a_host() {
    let d = fixture();
    let recs = records(&scan(d.path(), &["--no-event"]));
    assert!(recs[0].event.is_none());
    assert!(recs[0].timestamp.is_some() && recs[0].host.is_some());
}

#[test]
fn csv_has_a_header_then_one_row_per_hit_time_first() {
    let d = fixture();
    let out = scan(d.path(), &["--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: Vec<&str> = out.stdout.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    assert_eq!(
        rows[0],
        "timestamp,kind,level,rule_title,rule_id,host,channel,event_id,record_id,details,\
         tactics,techniques,file,line"
    );
    assert_eq!(
        rows[1],
        "2024-05-01T09:00:00.500Z,hit,high,Mimikatz command line,\
         11111111-2222-4333-8444-555555555555,WS01.corp,Microsoft-Windows-Sysmon/Operational,1,101,\
         CommandLine: mimikatz.exe sekurlsa::logonpasswords,credential-access,T1003.001,ev.ndjson,1"
    );
    assert!(
        rows[2].starts_with("2024-05-01T10:00:00Z,hit,"),
        "{}",
        rows[2]
    );
}

#[test]
fn csv_without_hits_is_just_the_header() {
    let d = fixture();
    let out = scan(d.path(), &["--format", "csv", "--from", "2030-01-01"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stdout.starts_with("timestamp,"));
}

#[test]
fn table_is_one_readable_line_per_hit() {
    let d = fixture();
    let out = scan(d.path(), &["--format", "table"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].starts_with("TIME (UTC)"), "{}", lines[0]);
    for (l, n) in lines[1..].iter().zip(1..) {
        assert!(l.contains("high") && l.contains("WS01.corp"), "{l}");
        assert!(l.contains("Mimikatz command line"), "{l}");
        assert!(l.contains("CommandLine: mimikatz.exe"), "{l}");
        assert!(l.ends_with(&format!("(ev.ndjson:{n})")), "{l}");
    }
}

#[test]
fn output_file_is_jsonl_unless_asked() {
    let d = fixture();
    let out = scan(d.path(), &["-o", "hits.out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(d.path().join("hits.out")).expect("output");
    assert!(
        text.lines().all(|l| l.starts_with("{\"kind\":\"hit\"")),
        "{text}"
    );
}

#[test]
fn a_hit_outside_the_time_window_is_never_reported() {
    let d = fixture();
    // 09:00 is before the window, 10:00 inside; 11:00 never hits.
    for format in ["jsonl", "csv", "table"] {
        let out = scan(
            d.path(),
            &[
                "--format",
                format,
                "--from",
                "2024-05-01T09:30:00Z",
                "--to",
                "2024-05-01T12:00:00+01:00",
                "--summary",
                "--stats",
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains("09:00:00"), "{format}: {}", out.stdout);
        assert!(out.stdout.contains("10:00:00"), "{format}: {}", out.stdout);
        let stats: Value = out
            .stderr
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .expect("stats");
        assert_eq!(stats["hits"], 1, "{stats}");
        // The workers read the time before evaluating any rule: the 09:00
        // and 11:00 events were never evaluated, so the hit stream had
        // nothing left to drop.
        assert_eq!(stats["events_outside_window"], 2, "{stats}");
        assert_eq!(stats["hits_outside_window"], 0, "{stats}");
        assert!(
            out.stderr.contains("1 hit(s)"),
            "the summary counts the window's hits only: {}",
            out.stderr
        );
    }
    // `--to` is exclusive: a window ending at 10:00 leaves the 10:00 hit out.
    let recs = records(&scan(d.path(), &["--to", "2024-05-01T10:00:00Z"]));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].record_id, Some(json!(101)));
}

#[test]
fn the_window_reads_the_time_field_like_the_hit_records() {
    // `--time-field` moves the time for the window as for `@timestamp`;
    // every engine and thread count agrees.
    let d = fixture();
    std::fs::write(
        d.path().join("ev.ndjson"),
        "{\"CommandLine\":\"sekurlsa\",\"User\":\"a\",\"ts\":\"2024-05-01T10:00:00Z\"}\n\
         {\"CommandLine\":\"sekurlsa\",\"User\":\"b\",\"ts\":1714561200}\n",
    )
    .expect("write");
    for engine in ["rust", "none"] {
        for threads in ["1", "2"] {
            let recs = records(&scan(
                d.path(),
                &[
                    "--no-logsource",
                    "--time-field",
                    "ts",
                    "--from",
                    "2024-05-01T10:30:00Z",
                    "--engine",
                    engine,
                    "-j",
                    threads,
                ],
            ));
            assert_eq!(recs.len(), 1, "{engine} -j {threads}: {recs:?}");
            assert_eq!(recs[0].timestamp.as_deref(), Some("2024-05-01T11:00:00Z"));
            assert_eq!(recs[0].line, 2);
        }
    }
}

#[test]
fn an_event_without_a_time_is_outside_any_window() {
    let d = fixture();
    std::fs::write(
        d.path().join("ev.ndjson"),
        "{\"CommandLine\":\"sekurlsa\",\"User\":\"x\"}\n",
    )
    .expect("write");
    let all = records(&scan(d.path(), &["--no-logsource"]));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].timestamp, None);
    let windowed = records(&scan(d.path(), &["--no-logsource", "--from", "2000-01-01"]));
    assert!(windowed.is_empty());
}

#[test]
fn bad_values_are_clear_errors_with_status_2() {
    let d = fixture();
    for (flags, needle) in [
        (&["--format", "xml"][..], "xml"),
        (&["--from", "yesterday"][..], "RFC 3339"),
        (&["--to", "2024-02-30T00:00:00Z"][..], "RFC 3339"),
        (
            &["--from", "2024-05-02", "--to", "2024-05-01"][..],
            "--from must be before --to",
        ),
    ] {
        let out = scan(d.path(), flags);
        assert_eq!(out.code, 2, "{flags:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{flags:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{flags:?}");
    }
}
