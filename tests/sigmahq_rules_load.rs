//! Every SigmaHQ rule document loads and compiles (correlation documents
//! resolve): `rules`,
//! `rules-threat-hunting`, `rules-emerging-threats`, `rules-compliance`, and
//! `rules-placeholder` with the example placeholder file the project ships.
//! Also checks `sigscan rules check --json` agrees, through the binary.
//!
//! Needs `../shared/sigma` (present in CI); skips with a note when absent.

mod util;

use std::path::PathBuf;

use sigscan::compile::{CompileOptions, Plan};
use sigscan::correlate::CorrelationPlan;
use sigscan::sigma::RuleSet;
use sigscan::sigma::maps::read_string_map;

/// `../shared/sigma`, when its `rules` folder is there.
fn sigma_dir() -> Option<PathBuf> {
    util::shared(&["sigma/rules"]).map(|p| p.join("sigma"))
}

fn placeholders() -> PathBuf {
    util::root().join("corpora/placeholders.yml")
}

#[test]
fn every_sigmahq_rule_document_compiles() {
    let Some(sigma) = sigma_dir() else {
        return;
    };
    let opts = CompileOptions {
        placeholders: read_string_map(&placeholders()).unwrap(),
        no_logsource: false,
        threads: None,
    };
    for dir in [
        "rules",
        "rules-threat-hunting",
        "rules-emerging-threats",
        "rules-compliance",
        "rules-placeholder",
    ] {
        let set = RuleSet::load(&[sigma.join(dir)]);
        let plan = Plan::from_rules(&set, &opts);
        // Correlation documents (none in the current snapshot) must resolve too.
        let correlations = CorrelationPlan::build(&set, &plan, None);
        let errors: Vec<String> = set
            .errors
            .iter()
            .chain(&plan.errors)
            .chain(&correlations.errors)
            .map(ToString::to_string)
            .collect();
        assert!(
            errors.is_empty(),
            "{dir}: {} errors:\n{}",
            errors.len(),
            errors.join("\n")
        );
        assert_eq!(
            plan.rules.len() + correlations.correlations.len(),
            set.documents,
            "{dir}: documents vs compiled rules and correlations"
        );
        assert!(set.documents > 0, "{dir}: no documents");
    }
}

#[test]
fn rules_check_cli_reports_placeholders_as_errors_without_the_file() {
    let Some(sigma) = sigma_dir() else {
        return;
    };
    let dir = sigma.join("rules-placeholder");
    let run = |extra: &[&str]| {
        let out = util::sigscan()
            .args(["rules", "check", "--json"])
            .args(extra)
            .arg(&dir)
            .run();
        (out.status.code(), out.records())
    };
    let (code, records) = run(&[]);
    assert_eq!(code, Some(1));
    let documents = records.len();
    let errors: Vec<_> = records.iter().filter(|r| r["status"] == "error").collect();
    assert!(!errors.is_empty());
    for e in &errors {
        assert!(
            e["reason"]
                .as_str()
                .unwrap()
                .contains("unresolved placeholder %"),
            "{e}"
        );
        assert!(e["line"].as_u64().unwrap() > 0, "{e}");
    }
    let ph = placeholders();
    let (code, records) = run(&["--placeholders", ph.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(records.iter().all(|r| r["status"] == "ok"));
    assert_eq!(records.len(), documents);
}
