//! Corpus counts of the seed rule (SigmaHQ 9f22ccd5, "WinAPI Function Calls Via PowerShell
//! Scripts") over the SigmaHQ catalog in `../shared/sigma`, all rule folders, against the seed
//! document in `../shared/seeds` (skipped, with a note, when either is absent).
//!
//! The expected counts are read from the seed document itself: its Indicators list shows, per
//! value, `corpus N (sigma M, …)`; a value shown without a count is specific to the rule, i.e. 1.
//!
//! Where the counts come from (worked out over the catalog before writing this test, see the
//! README): a rule counts for an indicator when it looks for the same field with the same
//! comparison and the same value (case-insensitively); `contains|all` counts as `contains`. The
//! 2s are the seed rule plus 03d83090 "Potential WinAPI Calls Via PowerShell Scripts", which
//! looks for them with `ScriptBlockText|contains|all`; AdjustTokenPrivileges and
//! MiniDumpWriteDump add f62176f3 (`posh_ps_malicious_keywords.yml`, `ScriptBlockText|contains`).
//! The `CommandLine|contains` rule ba3f5c1b lists all 38 values and counts for none: another
//! field.
//!
//! One count moved since the seed document was made: upstream modified 03d83090 on 2026-04-29
//! (its version of 2023-06-20 had four selections) and added `selection_local_shellcode_injection`
//! (`VirtualAlloc`, `GetDelegateForFunctionPointer`, `Marshal.Copy`). So today's catalog gives
//! GetDelegateForFunctionPointer 3 where the seed shows 2 (the seed rule and the FIN7 rule
//! 4e19528a). `seed_counts_over_the_seed_time_catalog` removes that selection again, in memory,
//! and must then reproduce every seed count exactly.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::intel::Catalog;
use sigscan::intel::indicators::{CorpusIndex, IndicatorRow};
use sigscan::sigma::maps::read_string_map;
use sigscan::sigma::{RuleSet, collect_rule_files};

const SEED_ID: &str = "9f22ccd5-a435-453b-af96-bf99cbb594d4";
const SUSP_ACCESS: &str =
    "rules/windows/powershell/powershell_script/posh_ps_win_api_susp_access.yml";

/// Every `rules*` folder of the catalog, sorted.
fn rule_dirs(sigma: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(sigma)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("rules"))
        })
        .collect();
    dirs.sort();
    dirs
}

/// The seed document's sigma count per indicator value, in the document's order.
fn seed_counts(seeds: &Path) -> Vec<(String, usize)> {
    let doc = std::fs::read_dir(seeds)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .find(|t| t.contains("WinAPI Function Calls Via PowerShell Scripts"))
        .expect("the seed document");
    let indicators = doc
        .split("\nIndicators\n")
        .nth(1)
        .expect("an Indicators section");
    let mut out = Vec::new();
    for line in indicators.lines() {
        let Some(rest) = line.trim_start().strip_prefix("• ") else {
            continue;
        };
        let value = rest.split_whitespace().next().unwrap().to_string();
        // `corpus 2 (sigma 1, splunk 1)`: the sigma part; no count at all means 1.
        let sigma = rest
            .split("sigma ")
            .nth(1)
            .map(|s| {
                s.trim_end_matches(')')
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
            .unwrap_or(1);
        out.push((value, sigma));
    }
    out
}

/// A rule file (path suffix) and a change to its text.
type Edit<'a> = (&'a str, &'a dyn Fn(&str) -> String);

/// Loads every rule folder, with `edit` applied to the text of the file it names.
fn load_catalog(sigma: &Path, edit: Option<Edit<'_>>) -> (RuleSet, Plan) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for d in rule_dirs(sigma) {
        collect_rule_files(&d, &mut files, &mut errors);
    }
    assert!(errors.is_empty(), "{errors:?}");
    let mut set = RuleSet::default();
    let mut edited = false;
    for f in &files {
        let mut text = std::fs::read_to_string(f).unwrap();
        if let Some((name, edit)) = edit
            && f.ends_with(name)
        {
            text = edit(&text);
            edited = true;
        }
        set.load_text(f, &text);
    }
    assert!(
        edit.is_none() || edited,
        "the edited file is in the catalog"
    );
    let placeholders = util::root().join("corpora/placeholders.yml");
    let opts = CompileOptions {
        placeholders: read_string_map(&placeholders).unwrap(),
        no_logsource: false,
        threads: None,
    };
    let plan = Plan::from_rules(&set, &opts);
    assert!(set.errors.is_empty() && plan.errors.is_empty());
    (set, plan)
}

/// The seed rule's rows: value → row.
fn seed_rows(set: &RuleSet, plan: &Plan) -> BTreeMap<String, IndicatorRow> {
    let cat = Catalog::new(set, plan);
    let found = cat.find(SEED_ID);
    assert_eq!(found.len(), 1);
    let rows = CorpusIndex::build(&cat).rows(&cat, found[0]);
    assert_eq!(rows.len(), 38);
    rows.into_iter()
        .map(|r| {
            assert_eq!(r.field.as_deref(), Some("ScriptBlockText"));
            assert_eq!(r.operator, "contains");
            assert_eq!(r.corpus, r.rules.len());
            assert!(
                r.rules.iter().any(|id| id == SEED_ID),
                "the rule counts itself"
            );
            (r.value.as_str().unwrap().to_string(), r)
        })
        .collect()
}

/// Removes one search (its key line and everything indented below it) from a rule's text.
fn without_search(text: &str, search: &str) -> String {
    let key = format!("    {search}:");
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line == key {
            skipping = true;
            continue;
        }
        if skipping && line.starts_with("        ") {
            continue;
        }
        skipping = false;
        out.push(line);
    }
    out.join("\n") + "\n"
}

#[test]
fn seed_document_lists_38_values() {
    let Some(shared) = util::shared(&["sigma/rules", "seeds"]) else {
        return;
    };
    let seed = seed_counts(&shared.join("seeds"));
    assert_eq!(seed.len(), 38);
    let get = |v: &str| seed.iter().find(|(n, _)| n == v).unwrap().1;
    assert_eq!(get("AdjustTokenPrivileges"), 3);
    assert_eq!(get("CloseHandle"), 2);
    assert_eq!(get("GetProcAddress"), 1, "corpus 2 = sigma 1 + splunk 1");
    assert_eq!(get("AddSecurityPackage"), 1, "shown without a count");
}

#[test]
fn seed_counts_over_the_seed_time_catalog() {
    let Some(shared) = util::shared(&["sigma/rules", "seeds"]) else {
        return;
    };
    let sigma = shared.join("sigma");
    let edit = |t: &str| {
        assert!(t.contains("selection_local_shellcode_injection:"));
        let old = without_search(t, "selection_local_shellcode_injection");
        assert!(!old.contains("GetDelegateForFunctionPointer"));
        assert!(old.contains("selection_process_write_read:"));
        old
    };
    let (set, plan) = load_catalog(&sigma, Some((SUSP_ACCESS, &edit)));
    let rows = seed_rows(&set, &plan);
    for (value, want) in seed_counts(&shared.join("seeds")) {
        assert_eq!(
            rows[&value].corpus, want,
            "{value}: {:?}",
            rows[&value].rules
        );
    }
}

#[test]
fn seed_counts_over_todays_catalog() {
    let Some(shared) = util::shared(&["sigma/rules", "seeds"]) else {
        return;
    };
    let (set, plan) = load_catalog(&shared.join("sigma"), None);
    let rows = seed_rows(&set, &plan);
    for (value, want) in seed_counts(&shared.join("seeds")) {
        let row = &rows[&value];
        if value == "GetDelegateForFunctionPointer" {
            // The seed's 2 plus 03d83090's new selection (see the module docs).
            assert_eq!(
                row.rules,
                [
                    "03d83090-8cba-44a0-b02f-0b756a050306",
                    "4e19528a-f081-40dd-be09-90c39352bd64",
                    SEED_ID
                ],
                "in load order: 03d83090 (rules), FIN7 POWERTRASH (rules-emerging-threats), \
                 the seed rule (rules-threat-hunting)"
            );
            assert_eq!(want + 1, row.corpus);
        } else {
            assert_eq!(row.corpus, want, "{value}: {:?}", row.rules);
        }
    }
    // `contains|all` counts as `contains`: CloseHandle's second rule uses it.
    assert_eq!(
        rows["CloseHandle"].rules,
        ["03d83090-8cba-44a0-b02f-0b756a050306", SEED_ID]
    );
}

#[test]
fn cli_indicators_json_for_the_seed_rule() {
    let Some(shared) = util::shared(&["sigma/rules", "seeds"]) else {
        return;
    };
    let mut cmd = util::sigscan()
        .args(["rules", "indicators", "--json", "--rule", SEED_ID])
        .args(["--placeholders", "corpora/placeholders.yml"]);
    for d in rule_dirs(&shared.join("sigma")) {
        cmd = cmd.arg("--rules").arg(d);
    }
    let out = cmd.run();
    assert!(out.status.success(), "{}", &out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = &json.as_array().unwrap()[0];
    assert_eq!(report["id"], SEED_ID);
    let rows = report["indicators"].as_array().unwrap();
    // Source order, as the rule lists them.
    let values: Vec<&str> = rows.iter().map(|r| r["value"].as_str().unwrap()).collect();
    assert_eq!(
        values[..3],
        ["AddSecurityPackage", "AdjustTokenPrivileges", "CloseHandle"]
    );
    assert_eq!(values[19], "memcpy");
    let seed = seed_counts(&shared.join("seeds"));
    for (value, want) in seed {
        let row = rows.iter().find(|r| r["value"] == value.as_str()).unwrap();
        let moved = usize::from(value == "GetDelegateForFunctionPointer");
        assert_eq!(
            row["corpus"].as_u64().unwrap() as usize,
            want + moved,
            "{value}"
        );
        assert_eq!(row["field"], "ScriptBlockText");
        assert_eq!(row["operator"], "contains");
        assert_eq!(row["all"], false);
    }
}
