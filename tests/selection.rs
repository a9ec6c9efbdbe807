//! Rule selection end to end (issue #17): `--min-level`, `--status`,
//! `--tag`/`--exclude-tag`, `--exclude-rule`, `--rule-list`, the skipped
//! `deprecated/`/`unsupported/` folders, and their clear errors (exit 2),
//! on `scan` and `rules check` alike.
//!

use std::path::{Path, PathBuf};

use serde_json::Value;

mod util;

/// A temporary rule tree and one event file every rule matches.
struct Fixture {
    dir: tempfile::TempDir,
}

fn rule(id: &str, level: &str, status: &str, tags: &str) -> String {
    format!(
        "title: rule {id}\nid: {id}\nlevel: {level}\nstatus: {status}\ntags: [{tags}]\n\
         logsource: {{product: windows}}\ndetection:\n  sel:\n    CommandLine|contains: mimikatz\n  \
         condition: sel\n"
    )
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = Fixture { dir };
        f.write(
            "rules/windows/low.yml",
            &rule(
                "r-low",
                "low",
                "stable",
                "attack.execution, attack.t1059.001",
            ),
        );
        f.write(
            "rules/windows/high.yml",
            &rule(
                "r-high",
                "high",
                "test",
                "attack.credential_access, attack.t1003",
            ),
        );
        f.write(
            "rules/windows/crit.yml",
            &rule("r-crit", "critical", "experimental", "attack.t1003.001"),
        );
        f.write(
            "rules/windows/old.yml",
            &rule("r-old-status", "high", "deprecated", ""),
        );
        f.write(
            "rules/deprecated/gone.yml",
            &rule("r-dep-folder", "high", "test", ""),
        );
        f.write(
            "rules/unsupported/odd.yml",
            &rule("r-unsup-folder", "high", "test", ""),
        );
        f.write(
            "events.ndjson",
            "{\"CommandLine\":\"mimikatz.exe sekurlsa::logonpasswords\"}\n",
        );
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// `sigscan scan --rules rules --no-logsource --no-event FLAGS events.ndjson`.
    fn scan(&self, flags: &[&str]) -> Out {
        let mut args = vec!["scan", "--rules", "rules", "--no-logsource", "--no-event"];
        args.extend_from_slice(flags);
        args.push("events.ndjson");
        run(self.dir.path(), &args)
    }

    /// The sorted rule ids of a scan's hits.
    fn hit_ids(&self, flags: &[&str]) -> Vec<String> {
        let out = self.scan(flags);
        assert_eq!(out.code, 0, "{flags:?}: {}", out.stderr);
        let mut ids: Vec<String> = out
            .stdout
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("JSON line");
                v["rule_id"].as_str().expect("rule_id").to_string()
            })
            .collect();
        ids.sort();
        ids
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let run = util::sigscan().dir(dir).args(args).run();
    Out {
        code: run.status.code().unwrap_or(-1),
        stdout: run.stdout_str().to_string(),
        stderr: run.stderr,
    }
}

fn ids(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn default_selection_skips_deprecated_status_and_folders() {
    let f = Fixture::new();
    assert_eq!(f.hit_ids(&[]), ids(&["r-low", "r-high", "r-crit"]));
}

#[test]
fn status_asks_for_deprecated_rules_and_folders() {
    let f = Fixture::new();
    assert_eq!(
        f.hit_ids(&["--status", "deprecated,test"]),
        ids(&["r-high", "r-old-status", "r-dep-folder"])
    );
    assert_eq!(
        f.hit_ids(&["--status", "unsupported", "--status", "test"]),
        ids(&["r-high", "r-unsup-folder"])
    );
}

#[test]
fn min_level_keeps_that_level_and_above() {
    let f = Fixture::new();
    assert_eq!(
        f.hit_ids(&["--min-level", "high"]),
        ids(&["r-high", "r-crit"])
    );
    assert_eq!(f.hit_ids(&["--min-level", "critical"]), ids(&["r-crit"]));
}

#[test]
fn tags_select_and_exclude() {
    let f = Fixture::new();
    assert_eq!(
        f.hit_ids(&["--tag", "attack.t1003*"]),
        ids(&["r-high", "r-crit"])
    );
    assert_eq!(
        f.hit_ids(&[
            "--tag",
            "attack.t1003*",
            "--exclude-tag",
            "ATTACK.CREDENTIAL_ACCESS"
        ]),
        ids(&["r-crit"])
    );
}

#[test]
fn exclude_rule_by_id_and_by_file() {
    let f = Fixture::new();
    assert_eq!(
        f.hit_ids(&[
            "--exclude-rule",
            "r-low",
            "--exclude-rule",
            "rules/windows/crit.yml"
        ]),
        ids(&["r-high"])
    );
}

#[test]
fn rule_list_selects_only_the_named_rules() {
    let f = Fixture::new();
    f.write(
        "list.txt",
        "# wanted\nr-high\n\nrules/windows/low.yml  # by file\nno-such-rule\n",
    );
    let out = f.scan(&["--rule-list", "list.txt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("\"no-such-rule\"") && out.stderr.contains("matches no loaded rule"),
        "an unmatched name is noted: {}",
        out.stderr
    );
    assert_eq!(
        f.hit_ids(&["--rule-list", "list.txt"]),
        ids(&["r-low", "r-high"])
    );
}

#[test]
fn selection_changes_the_ruleset_hash() {
    let f = Fixture::new();
    let hash = |flags: &[&str]| {
        let out = f.scan(flags);
        let line = out.stdout.lines().next().expect("a hit").to_string();
        let v: Value = serde_json::from_str(&line).expect("JSON");
        v["ruleset_hash"].as_str().expect("hash").to_string()
    };
    assert_ne!(hash(&[]), hash(&["--min-level", "high"]));
    assert_eq!(hash(&[]), hash(&[]));
}

#[test]
fn bad_values_are_clear_errors_with_status_2() {
    let f = Fixture::new();
    for (flags, needle) in [
        (&["--min-level", "severe"][..], "severe"),
        (&["--status", "stable,retired"][..], "retired"),
        (
            &["--rule-list", "missing.txt"][..],
            "--rule-list missing.txt",
        ),
        (&["--tag", ""][..], "--tag: a tag cannot be empty"),
    ] {
        let out = f.scan(flags);
        assert_eq!(out.code, 2, "{flags:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{flags:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    f.write("empty.txt", "# nothing\n\n");
    let out = f.scan(&["--rule-list", "empty.txt"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no rule named"), "{}", out.stderr);
}

#[test]
fn a_selection_that_leaves_no_rule_is_fatal() {
    let f = Fixture::new();
    let out = f.scan(&["--tag", "attack.t9999"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no usable rule"), "{}", out.stderr);
}

#[test]
fn rules_check_takes_the_same_selection() {
    let f = Fixture::new();
    let checked = |flags: &[&str]| {
        let mut args = vec!["rules", "check", "--json", "rules"];
        args.extend_from_slice(flags);
        let out = run(f.dir.path(), &args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut ids: Vec<String> = out
            .stdout
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("JSON");
                v["id"].as_str().expect("id").to_string()
            })
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(checked(&[]), ids(&["r-low", "r-high", "r-crit"]));
    assert_eq!(checked(&["--min-level", "critical"]), ids(&["r-crit"]));
}

#[test]
fn stats_count_the_unselected_rules() {
    let f = Fixture::new();
    let out = f.scan(&["--min-level", "high", "--stats"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stats: Value = out
        .stderr
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .expect("stats line");
    // r-low is left out by level, r-old-status by status; the two folders
    // are never read.
    assert_eq!(stats["rules_unselected"], 2, "{stats}");
    assert_eq!(stats["rules_loaded"], 2, "{stats}");
}

#[test]
fn intel_commands_take_the_same_selection() {
    let f = Fixture::new();
    let coverage = |flags: &[&str]| {
        let mut args = vec!["rules", "coverage", "--rules", "rules", "--json"];
        args.extend_from_slice(flags);
        let out = run(f.dir.path(), &args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let v: Value = serde_json::from_str(&out.stdout).expect("JSON");
        v["rules"].as_u64().expect("rules count")
    };
    assert_eq!(coverage(&[]), 3);
    assert_eq!(coverage(&["--min-level", "critical"]), 1);
    // r-high (test), r-old-status (deprecated) and the test-status rules of
    // both folders, which those statuses open.
    assert_eq!(coverage(&["--status", "deprecated,unsupported,test"]), 4);
}
