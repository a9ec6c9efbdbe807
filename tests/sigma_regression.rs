//! SigmaHQ's regression data: each listed rule, scanned over its own events,
//! must hit at least `match_count` times.
//!
//! Needs `../shared/sigma` and `../shared/sigma-regression` (present in CI);
//! skips with a note when they are absent.

mod util;

use std::collections::HashMap;
use std::io;

use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;

/// Manifest entries the data itself cannot satisfy, with the reason.
const EXCLUDED: &[(&str, &str)] = &[(
    "ef0ff092-a24a-4fbc-beea-06c08d53e085",
    "cisco_cli_dot1x_disabled: upstream's test block is commented out and ships a .raw syslog \
     line, not an event (match_count empty, 0 events in regression-events.ndjson)",
)];

#[derive(Default)]
struct Collect {
    hits: Vec<(String, u64)>,
}

impl HitSink for Collect {
    fn hit(&mut self, _: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.hits.push((hit.rule.meta.id.clone(), hit.line));
        Ok(())
    }
    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        panic!(
            "{}:{line}: invalid line in regression data: {reason}",
            input.name
        );
    }
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

#[test]
fn sigmahq_regression_events_hit_their_rules() {
    let Some(shared) = util::shared(&["sigma-regression/manifest.tsv"]) else {
        return;
    };
    let manifest = std::fs::read_to_string(shared.join("sigma-regression/manifest.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (c_id, c_file, c_count, c_first, c_events) = (
        col("rule_id"),
        col("rule_file"),
        col("match_count"),
        col("first_line_in_regression-events.ndjson"),
        col("events"),
    );

    // Load exactly the rules the manifest names (paths are `sigma/<dir>/...`).
    let mut rule_files = Vec::new();
    let mut entries = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        rule_files.push(shared.join(f[c_file]));
        entries.push((
            f[c_id].to_string(),
            f[c_count].parse::<u64>().unwrap_or(0),
            f[c_first].parse::<u64>().unwrap_or(0),
            f[c_events].parse::<u64>().unwrap_or(0),
        ));
    }
    assert_eq!(entries.len(), 203, "manifest size changed");
    rule_files.sort();
    rule_files.dedup();
    let set = RuleSet::load(&rule_files);
    assert!(set.errors.is_empty(), "rule load errors: {:#?}", set.errors);
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    assert!(
        plan.errors.is_empty(),
        "rule compile errors: {:#?}",
        plan.errors
    );

    let events = shared.join("sigma-regression/regression-events.ndjson");
    let input = Input {
        name: "regression".into(),
        source: Source::File(events),
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    // Every prefilter engine built (not `none`).
    let engines: Vec<EngineKind> = util::engines()
        .into_iter()
        .filter(|&e| e != EngineKind::None)
        .collect();
    let mut plan = Some(plan);
    for &engine in &engines {
        let p = plan
            .take()
            .unwrap_or_else(|| Plan::from_rules(&set, &CompileOptions::default()));
        let scanner = Scanner::new(p, engine, &FieldMap::new()).unwrap();
        let mut sink = Collect::default();
        scanner.scan(
            std::slice::from_ref(&input),
            ScanOptions::default(),
            &mut sink,
        );
        let mut by_rule: HashMap<&str, Vec<u64>> = HashMap::new();
        for (id, line) in &sink.hits {
            by_rule.entry(id).or_default().push(*line);
        }
        for (id, count, first, n) in &entries {
            if EXCLUDED.iter().any(|(x, _)| x == id) {
                continue;
            }
            checked += 1;
            let got = by_rule.get(id.as_str()).map_or(0, |v| {
                v.iter().filter(|&&l| l >= *first && l < first + n).count()
            }) as u64;
            if got < *count.max(&1) {
                failures.push(format!(
                    "{engine:?}: rule {id}: {got} hits in lines {first}..{}, need {count}",
                    first + n
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} entries failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
