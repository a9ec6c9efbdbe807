//! `rules explain`, `rules coverage` and `scan --summary` through the binary, on the project's
//! own corpora (`corpora/rules`, `corpora/events`) plus a few hand-written rules.
//!
//! Expected values are derived here without sigscan code: the seed rule's 38 values are read
//! from the YAML lines of its file, its prefilter literals are those values lower-cased minus
//! the ones containing another value, and the scan summary's per-host and per-rule counts are
//! computed from `corpora/events/seed-expected.tsv` and each hit line's JSON.

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use util::{Run, root};

const RULE_FILE: &str = "corpora/rules/posh_win_api_functions.yml";
const RULE_ID: &str = "9f22ccd5-a435-453b-af96-bf99cbb594d4";
const EVENTS: [&str; 3] = [
    "corpora/events/seed-evtx.ndjson",
    "corpora/events/seed-ecs.ndjson",
    "corpora/events/seed-flat.ndjson",
];

fn stdout(o: &Run) -> String {
    assert!(o.status.success(), "exit {:?}: {}", o.status, o.stderr);
    o.stdout_str().to_string()
}

/// The `ScriptBlockText|contains` values, read from the rule's YAML lines.
fn seed_values() -> Vec<String> {
    let text = std::fs::read_to_string(root().join(RULE_FILE)).unwrap();
    let values: Vec<String> = text
        .lines()
        .skip_while(|l| l.trim() != "ScriptBlockText|contains:")
        .skip(1)
        .map_while(|l| {
            l.trim()
                .strip_prefix("- '")?
                .strip_suffix('\'')
                .map(String::from)
        })
        .collect();
    assert_eq!(values.len(), 38);
    values
}

/// What the prefilter must search for: each value lower-cased, minus the values that contain
/// another value (the shorter one is found wherever the longer one is), sorted.
fn seed_literals() -> Vec<String> {
    let lower: Vec<String> = seed_values().iter().map(|v| v.to_lowercase()).collect();
    let mut lits: Vec<String> = lower
        .iter()
        .filter(|v| !lower.iter().any(|o| o != *v && v.contains(o.as_str())))
        .cloned()
        .collect();
    lits.sort();
    lits
}

#[test]
fn explain_seed_rule_text() {
    let text = stdout(&util::run(&[
        "rules",
        "explain",
        "--rules",
        "corpora/rules",
        RULE_ID,
    ]));
    let values = seed_values();
    let head = "\
WinAPI Function Calls Via PowerShell Scripts

  id      9f22ccd5-a435-453b-af96-bf99cbb594d4
  file    corpora/rules/posh_win_api_functions.yml:8
  status  test
  level   medium
  tags    attack.execution, attack.t1059.001, attack.t1106, detection.threat-hunting

MITRE ATT&CK coverage
  tactics     execution
  techniques  T1059.001, T1106

Event coverage
  logsource  product windows, category ps_script

  channel                                   EventID
  Microsoft-Windows-PowerShell/Operational  4104
  PowerShellCore/Operational                4104

Stages and predicates

";
    // The seed document's two stages: condition -> selection -> ScriptBlockText contains 38.
    let mut stages = String::from(
        "Stage 0: condition\n  selection\n\nStage 1: selection\n  \
         ScriptBlockText contains, any of 38 values:\n",
    );
    for v in &values {
        stages.push_str(&format!("      {v}\n"));
    }
    stages.push_str("  prefilter: every match holds one of 38 literals\n\n");
    let width = values.iter().map(String::len).max().unwrap();
    let mut indicators = String::from(
        "Indicators (corpus: how many loaded rules look for the same field, operator and value, \
         this one included)\n",
    );
    indicators.push_str(&format!(
        "  {:<15}  {:<8}  {:<width$}  corpus\n",
        "field", "operator", "value"
    ));
    for v in &values {
        indicators.push_str(&format!(
            "  ScriptBlockText  contains  {v:<width$}  {:>6}\n",
            1
        ));
    }
    let compiled_head = "
Compiled
  gate              Channel Microsoft-Windows-PowerShell/Operational and EventID 4104, or
                    Channel PowerShellCore/Operational and EventID 4104
                    (Channel compared case-insensitively; checked before the detection)
  prefilter         36 detection literal(s), searched ASCII-caseless in the raw line:
";
    let compiled_tail = "  always evaluated  no
  why               evaluated only on lines that hold one of its 36 detection literal(s)
";
    let expected_start = format!("{head}{stages}{indicators}{compiled_head}");
    assert!(
        text.starts_with(&expected_start),
        "got:\n{text}\nexpected to start with:\n{expected_start}"
    );
    assert!(text.ends_with(compiled_tail), "got:\n{text}");
    // Between them: the literals, wrapped, in order.
    let middle = &text[expected_start.len()..text.len() - compiled_tail.len()];
    let words: Vec<&str> = middle.split_whitespace().collect();
    assert_eq!(words, seed_literals());
    for line in middle.lines() {
        assert!(line.starts_with(&" ".repeat(20)), "{line:?}");
        assert!(line.len() <= 20 + 88, "{line:?}");
    }
}

#[test]
fn explain_seed_rule_json() {
    // By file, as given on the command line.
    let out = stdout(&util::run(&[
        "rules",
        "explain",
        "--rules",
        "corpora/rules",
        "--json",
        RULE_FILE,
    ]));
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    let e = &all[0];
    assert_eq!(e["id"], RULE_ID);
    assert_eq!(e["level"], "medium");
    assert_eq!(
        e["attack"],
        json!({"tactics":["execution"],"techniques":["T1059.001","T1106"]})
    );
    assert_eq!(
        e["logsource"],
        json!({"product":"windows","category":"ps_script","service":null})
    );
    let values = seed_values();
    let stages = e["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 2);
    assert_eq!(
        stages[0],
        json!({"kind":"condition","stage":0,"conditions":["selection"],
               "tree":[{"op":"search","name":"selection"}]})
    );
    assert_eq!(stages[1]["kind"], "search");
    assert_eq!(stages[1]["name"], "selection");
    assert_eq!(
        stages[1]["alternatives"],
        json!([[{"field":"ScriptBlockText","modifiers":["contains"],"operator":"contains",
                  "all":false,"values":values,"line":35}]])
    );
    assert_eq!(e["filters"], json!([]));
    let rows = e["indicators"].as_array().unwrap();
    assert_eq!(rows.len(), 38);
    assert!(
        rows.iter()
            .all(|r| r["corpus"] == 1 && r["rules"] == json!([RULE_ID]))
    );
    let c = &e["compiled"];
    assert_eq!(
        c["gate"]["clauses"],
        json!([
            {"channel":"Microsoft-Windows-PowerShell/Operational","event_ids":[4104],"renames":[]},
            {"channel":"PowerShellCore/Operational","event_ids":[4104],"renames":[]}
        ])
    );
    assert_eq!(c["gate"]["kind"], "channels");
    assert_eq!(c["prefilter"]["by"], "detection");
    assert_eq!(c["prefilter"]["literals"], json!(seed_literals()));
    assert_eq!(c["always_evaluated"], false);
}

#[test]
fn explain_finds_rules_by_prefix_and_reports_unknown_ones() {
    let out = stdout(&util::run(&[
        "rules",
        "explain",
        "--rules",
        "corpora/rules",
        "--json",
        "9F22CCD5",
    ]));
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all[0]["id"], RULE_ID);
    let o = util::run(&[
        "rules",
        "explain",
        "--rules",
        "corpora/rules",
        "no-such-rule",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = o.stderr.as_str();
    assert!(
        err.contains("no loaded rule has the id, name or file \"no-such-rule\" (1 rules loaded)"),
        "{err}"
    );
    // A file that --rules does not cover is loaded too.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.yml");
    std::fs::write(
        &extra,
        "title: Extra\nid: extra-1\nlogsource: {product: linux, category: process_creation}\n\
         detection: {sel: {Image|endswith: /nc}, condition: sel}\n",
    )
    .unwrap();
    let out = stdout(&util::run(&[
        "rules",
        "explain",
        "--rules",
        "corpora/rules",
        "--json",
        extra.to_str().unwrap(),
    ]));
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all[0]["id"], "extra-1");
    assert_eq!(all[0]["compiled"]["gate"]["kind"], "non_windows");
    // `/nc` is a 2-byte safe piece (the slash is not safe): shorter than 3 bytes and no
    // channel to fall back on, so the short literal is used.
    assert_eq!(all[0]["compiled"]["prefilter"]["literals"], json!(["nc"]));
}

#[test]
fn coverage_of_the_project_rules() {
    let text = stdout(&util::run(&[
        "rules",
        "coverage",
        "--rules",
        "corpora/rules",
    ]));
    assert_eq!(
        text,
        "\
Rules: 1 loaded

MITRE ATT&CK tactics
  tactic           rules
  execution            1
  (no ATT&CK tag)      0

MITRE ATT&CK techniques
  technique  rules
  T1059.001      1
  T1106          1

Logsources
  product  category   service  rules
  windows  ps_script  -            1

Channels
  channel                                   rules
  Microsoft-Windows-PowerShell/Operational      1
  PowerShellCore/Operational                    1

EventIDs
  channel                                   EventID  rules
  Microsoft-Windows-PowerShell/Operational     4104      1
  PowerShellCore/Operational                   4104      1

Gates
  gate                         rules
  Windows channels                 1
  none (every event)               0
  non-Windows records only         0
  never (no event-log source)      0
"
    );
}

/// Three hand-written rules beside the seed rule, for coverage and summary tests.
fn extra_rules(dir: &Path) -> String {
    let path = dir.join("extra.yml");
    std::fs::write(
        &path,
        "\
title: VirtualAlloc in a script block
id: test-virtualalloc
level: high
tags: [attack.defense-evasion, attack.t1055.001, attack.execution]
logsource: {product: windows, category: ps_script}
detection:
  selection:
    ScriptBlockText|contains: VirtualAlloc
  condition: selection
---
title: CloseHandle in a script block
id: test-closehandle
logsource: {product: windows, category: ps_script}
detection:
  selection:
    ScriptBlockText|contains: CloseHandle
  condition: selection
---
title: Logon from a workstation
id: test-logon
level: low
tags: [attack.initial-access, attack.t1078]
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4624
  condition: selection
",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn coverage_json_counts_rules_once_per_name() {
    let dir = tempfile::tempdir().unwrap();
    let extra = extra_rules(dir.path());
    let out = stdout(&util::run(&[
        "rules",
        "coverage",
        "--json",
        "--rules",
        "corpora/rules",
        "--rules",
        &extra,
    ]));
    let got: Value = serde_json::from_str(&out).unwrap();
    // By hand: execution is tagged by the seed rule and test-virtualalloc; ps_script needs
    // 4104 in both PowerShell channels (3 rules); security is the whole Security channel.
    let expected = json!({
        "rules": 4,
        "rules_skipped": 0,
        "tactics": [
            {"name":"execution","rules":2},
            {"name":"defense-evasion","rules":1},
            {"name":"initial-access","rules":1}
        ],
        "techniques": [
            {"name":"T1055.001","rules":1},
            {"name":"T1059.001","rules":1},
            {"name":"T1078","rules":1},
            {"name":"T1106","rules":1}
        ],
        "rules_without_attack": 1,
        "logsources": [
            {"product":"windows","category":"ps_script","service":null,"rules":3},
            {"product":"windows","category":null,"service":"security","rules":1}
        ],
        "channels": [
            {"name":"Microsoft-Windows-PowerShell/Operational","rules":3},
            {"name":"PowerShellCore/Operational","rules":3},
            {"name":"Security","rules":1}
        ],
        "event_ids": [
            {"channel":"Microsoft-Windows-PowerShell/Operational","event_id":4104,"rules":3},
            {"channel":"PowerShellCore/Operational","event_id":4104,"rules":3},
            {"channel":"Security","event_id":null,"rules":1}
        ],
        "gates": {"channels":4,"any":0,"non_windows":0,"never":0}
    });
    assert_eq!(got, expected);
}

/// The host of an event line, by the paths the README names (first found).
fn host_of(event: &Value) -> Option<String> {
    let paths: [&[&str]; 6] = [
        &["Event", "System", "Computer"],
        &["winlog", "computer_name"],
        &["host", "name"],
        &["host", "hostname"],
        &["Computer"],
        &["Hostname"],
    ];
    paths.iter().find_map(|p| {
        let mut v = event;
        for k in *p {
            v = v.get(k)?;
        }
        v.as_str().map(String::from)
    })
}

/// The script block text of a seed event (every hit line is a gated 4104 event).
fn script_text(event: &Value) -> String {
    let paths: [&[&str]; 4] = [
        &["Event", "EventData", "ScriptBlockText"],
        &["powershell", "file", "script_block_text"],
        &["winlog", "event_data", "ScriptBlockText"],
        &["ScriptBlockText"],
    ];
    paths
        .iter()
        .filter_map(|p| {
            let mut v = event;
            for k in *p {
                v = v.get(k)?;
            }
            v.as_str().map(str::to_lowercase)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn scan_summary_on_the_project_corpora() {
    let dir = tempfile::tempdir().unwrap();
    let extra = extra_rules(dir.path());
    let json_path = dir.path().join("summary.json");
    let hits_path = dir.path().join("hits.ndjson");
    let mut args = vec![
        "scan",
        "--rules",
        "corpora/rules",
        "--rules",
        &extra,
        "--summary",
        "--summary-json",
        json_path.to_str().unwrap(),
        "-o",
        hits_path.to_str().unwrap(),
    ];
    args.extend(EVENTS);
    let o = util::run(&args);
    assert!(o.status.success(), "{}", o.stderr.as_str());

    // From first principles: the seed rule hits the lines of seed-expected.tsv; the two extra
    // script-block rules hit those of them whose script text holds their string; the logon
    // rule hits nothing (no 4624 in the samples).
    let tsv = std::fs::read_to_string(root().join("corpora/events/seed-expected.tsv")).unwrap();
    let mut per_rule: BTreeMap<&str, u64> = BTreeMap::new();
    let mut per_host: BTreeMap<String, u64> = BTreeMap::new();
    for row in tsv.lines().skip(1) {
        let (file, line) = row.split_once('\t').unwrap();
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let event: Value = serde_json::from_str(
            text.lines()
                .nth(line.parse::<usize>().unwrap() - 1)
                .unwrap(),
        )
        .unwrap();
        let host = host_of(&event).expect("every sample names its host");
        let script = script_text(&event);
        let mut rules = vec![RULE_ID];
        if script.contains("virtualalloc") {
            rules.push("test-virtualalloc");
        }
        if script.contains("closehandle") {
            rules.push("test-closehandle");
        }
        for r in rules {
            *per_rule.entry(r).or_default() += 1;
            *per_host.entry(host.clone()).or_default() += 1;
        }
    }
    let (seed, va, ch) = (
        per_rule[RULE_ID],
        per_rule["test-virtualalloc"],
        per_rule["test-closehandle"],
    );
    let total = seed + va + ch;
    let hits_written = std::fs::read_to_string(&hits_path).unwrap().lines().count() as u64;
    assert_eq!(hits_written, total);

    let mut hosts: Vec<(String, u64)> = per_host.into_iter().collect();
    hosts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let expected = json!({
        "hits": total,
        "hits_without_attack": ch,
        "rules": [
            {"id":RULE_ID,"title":"WinAPI Function Calls Via PowerShell Scripts","level":"medium","hits":seed},
            {"id":"test-virtualalloc","title":"VirtualAlloc in a script block","level":"high","hits":va},
            {"id":"test-closehandle","title":"CloseHandle in a script block","level":null,"hits":ch}
        ],
        "levels": [
            {"level":"high","hits":va},
            {"level":"medium","hits":seed},
            {"level":null,"hits":ch}
        ],
        "tactics": [
            {"name":"execution","hits":seed + va},
            {"name":"defense-evasion","hits":va}
        ],
        "techniques": [
            {"name":"T1059.001","hits":seed},
            {"name":"T1106","hits":seed},
            {"name":"T1055.001","hits":va}
        ],
        "hosts": hosts.iter().map(|(h, n)| json!({"host":h,"hits":n})).collect::<Vec<_>>()
    });
    let mut got: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    // The timeline accounts for every hit: per hour, or untimed.
    let obj = got.as_object_mut().unwrap();
    let timeline = obj.remove("timeline").expect("timeline");
    let untimed = obj
        .remove("hits_untimed")
        .expect("hits_untimed")
        .as_u64()
        .unwrap();
    let hours: Vec<&Value> = timeline.as_array().unwrap().iter().collect();
    let timed: u64 = hours.iter().map(|h| h["hits"].as_u64().unwrap()).sum();
    assert_eq!(timed + untimed, total);
    assert!(timed > 0, "the evtx and ECS samples carry times");
    let names: Vec<&str> = hours.iter().map(|h| h["hour"].as_str().unwrap()).collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "hours in order: {names:?}"
    );
    assert!(names.iter().all(|h| h.ends_with(":00:00Z")), "{names:?}");
    assert_eq!(got, expected);

    // The text form, checked by hand against the numbers above (asserted equal first, so a
    // change in the samples shows up as a number mismatch, not as a layout diff).
    assert_eq!((seed, va, ch), (40, 3, 2));
    assert_eq!(
        hosts,
        [
            ("ws02.corp.example.net".to_string(), 15),
            ("WS-FIN-014.corp.example.net".to_string(), 14),
            ("WORKSTATION7.lab.example.org".to_string(), 13),
            ("SRV-APP-03.lab.example.org".to_string(), 2),
            ("WS-MÜNCHEN-07.corp.example.net".to_string(), 1),
        ]
    );
    let stderr = o.stderr;
    assert_eq!(
        stderr,
        "\
Scan summary: 45 hit(s), 3 rule(s), 5 host(s)

Rules
  hits  level   id                                    title
    40  medium  9f22ccd5-a435-453b-af96-bf99cbb594d4  WinAPI Function Calls Via PowerShell Scripts
     3  high    test-virtualalloc                     VirtualAlloc in a script block
     2  (none)  test-closehandle                      CloseHandle in a script block

Levels
  level   hits
  high       3
  medium    40
  (none)     2

ATT&CK tactics
  tactic           hits
  execution          43
  defense-evasion     3
  (no ATT&CK tag)     2

ATT&CK techniques
  technique        hits
  T1059.001          40
  T1106              40
  T1055.001           3
  (no ATT&CK tag)     2

Hosts
  host                            hits
  ws02.corp.example.net             15
  WS-FIN-014.corp.example.net       14
  WORKSTATION7.lab.example.org      13
  SRV-APP-03.lab.example.org         2
  WS-MÜNCHEN-07.corp.example.net     1
"
    );
}

#[test]
fn summary_json_path_is_checked_before_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let o = util::run(&[
        "scan",
        "--rules",
        "corpora/rules",
        "--summary-json",
        dir.path().to_str().unwrap(),
        EVENTS[0],
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "no scan ran");
    assert!(o.stderr.as_str().contains("is a directory"));
}

/// Issue #16: a process_creation rule also reads Security 4688, which writes
/// some values in another form. Translated values need no note; the ones
/// that cannot match there are listed under `values`.
#[test]
fn explain_lists_values_the_security_alternative_cannot_match() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("pc.yml");
    std::fs::write(
        &rule,
        "title: Values\nid: values-1\nlogsource: {product: windows, category: process_creation}\n\
         detection:\n  sel:\n    IntegrityLevel: High\n  usr:\n    User|contains: 'AUTHORI'\n\
         \x20 condition: sel or usr\n",
    )
    .unwrap();
    let rules = dir.path().to_str().unwrap();
    let out = stdout(&util::run(&[
        "rules", "explain", "--rules", rules, "--json", "values-1",
    ]));
    let all: Value = serde_json::from_str(&out).unwrap();
    let notes = all[0]["compiled"]["values"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.contains("`User` reads `SubjectUserName` on Security 4688")
            && note.contains("`AUTHORI` cannot match"),
        "{note}"
    );
    // `High` became `High` or `S-1-16-12288`: the prefilter looks for either.
    let literals = all[0]["compiled"]["prefilter"]["literals"].to_string();
    assert!(literals.contains("s-1-16-12288"), "{literals}");
    let text = stdout(&util::run(&[
        "rules", "explain", "--rules", rules, "values-1",
    ]));
    assert!(text.contains("  values  "), "{text}");
    assert!(
        text.contains("line 8: `User` reads `SubjectUserName`"),
        "{text}"
    );
}
