//! Rule loading through the `sigscan` binary, the way rule directories are
//! really mounted (issue #16): a Kubernetes ConfigMap volume (real files in
//! `..<timestamp>/`, a `..data` link to it, a link per file at the top), a
//! symbolic-link loop, and the same rule id in two files. What must hold:
//! each rule loads once and each hit is reported once; a loop ends with a
//! message naming it; a duplicate id is one warning naming both files and
//! the first copy (in path order) is the one loaded, and `--strict` makes
//! it fatal (exit 2); `rules check` lists it as an error.
//!
//! Every fixture is written here, in its own temporary directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

mod util;

/// A rule on `CommandLine` (no logsource, so any record qualifies).
fn rule(id: &str, title: &str, needle: &str) -> String {
    format!(
        "title: {title}\nid: {id}\nlogsource:\n  product: windows\ndetection:\n  \
         sel:\n    CommandLine|contains: {needle}\n  condition: sel\nlevel: high\n"
    )
}

const ID_A: &str = "0b6a2a5e-0000-4000-8000-00000000000a";
const ID_B: &str = "0b6a2a5e-0000-4000-8000-00000000000b";

/// Two events: line 1 holds `whoami`, line 2 holds `mimikatz`.
const EVENTS: &str = concat!(
    r#"{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"CommandLine":"cmd /c whoami"}}}"#,
    "\n",
    r#"{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"CommandLine":"mimikatz.exe sekurlsa::logonpasswords"}}}"#,
    "\n",
);

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("BUG: fixture path has a parent")).unwrap();
    fs::write(path, text).unwrap();
}

fn sigscan(args: &[&str]) -> Output {
    Command::new(util::bin())
        .args(args)
        .output()
        .expect("run sigscan")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// The (line, rule_id) pairs of a scan's hit records, in output order.
fn hits(out: &Output) -> Vec<(u64, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("hit record is JSON");
            (
                v["line"].as_u64().expect("line"),
                v["rule_id"].as_str().expect("rule_id").to_string(),
            )
        })
        .collect()
}

fn stats(out: &Output) -> Value {
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no stats line in stderr:\n{err}"));
    serde_json::from_str(last).expect("stats JSON")
}

fn events_file(dir: &Path) -> PathBuf {
    let p = dir.join("events.ndjson");
    write(&p, EVENTS);
    p
}

/// The layout kubelet writes for a ConfigMap with keys `a.yml` and `b.yml`:
/// the files in `..2024_01_01_00_00_00.1/`, `..data` linking to that
/// directory, and `a.yml -> ..data/a.yml` at the top.
#[cfg(unix)]
fn configmap(root: &Path) {
    use std::os::unix::fs::symlink;
    let real = root.join("..2024_01_01_00_00_00.1");
    write(&real.join("a.yml"), &rule(ID_A, "whoami", "whoami"));
    write(&real.join("b.yml"), &rule(ID_B, "mimikatz", "mimikatz"));
    symlink("..2024_01_01_00_00_00.1", root.join("..data")).unwrap();
    symlink("..data/a.yml", root.join("a.yml")).unwrap();
    symlink("..data/b.yml", root.join("b.yml")).unwrap();
}

#[cfg(unix)]
#[test]
fn configmap_volume_loads_each_rule_once_and_reports_each_hit_once() {
    let tmp = TempDir::new().unwrap();
    let rules = tmp.path().join("rules");
    configmap(&rules);
    let events = events_file(tmp.path());
    let out = sigscan(&[
        "scan",
        "--rules",
        s(&rules),
        "--no-event",
        "--stats",
        "--strict",
        s(&events),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    assert_eq!(
        hits(&out),
        vec![(1, ID_A.to_string()), (2, ID_B.to_string())]
    );
    assert_eq!(stats(&out)["rules_loaded"], 2);
    assert!(!err.contains("warning"), "stderr:\n{err}");
}

#[cfg(unix)]
#[test]
fn a_dot_named_root_given_explicitly_is_walked() {
    let tmp = TempDir::new().unwrap();
    let rules = tmp.path().join("rules");
    configmap(&rules);
    let out = sigscan(&["rules", "check", "--json", s(&rules.join("..data"))]);
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, [format!("\"{ID_A}\""), format!("\"{ID_B}\"")]);
}

#[cfg(unix)]
#[test]
fn configmap_hash_equals_the_plain_directory_hash() {
    let tmp = TempDir::new().unwrap();
    let cm = tmp.path().join("cm");
    configmap(&cm);
    let plain = tmp.path().join("plain");
    write(&plain.join("a.yml"), &rule(ID_A, "whoami", "whoami"));
    write(&plain.join("b.yml"), &rule(ID_B, "mimikatz", "mimikatz"));
    let events = events_file(tmp.path());
    let hash = |dir: &Path| {
        let out = sigscan(&["scan", "--rules", s(dir), "--stats", s(&events)]);
        stats(&out)["ruleset_hash"].as_str().unwrap().to_string()
    };
    assert_eq!(hash(&cm), hash(&plain));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_ends_with_a_message_naming_it() {
    use std::os::unix::fs::symlink;
    let tmp = TempDir::new().unwrap();
    let rules = tmp.path().join("rules");
    write(&rules.join("sub/a.yml"), &rule(ID_A, "whoami", "whoami"));
    // rules/sub/back -> rules: walking it would never end.
    symlink("..", rules.join("sub/back")).unwrap();
    let events = events_file(tmp.path());
    let out = sigscan(&["scan", "--rules", s(&rules), "--no-event", s(&events)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    assert_eq!(hits(&out), vec![(1, ID_A.to_string())]);
    assert!(
        err.contains("symbolic link loop") && err.contains("back"),
        "stderr:\n{err}"
    );

    let strict = sigscan(&["scan", "--rules", s(&rules), "--strict", s(&events)]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(strict.stdout.is_empty());
}

/// Two files with one id: `a/` sorts before `b/`, so `a/` is loaded.
fn duplicate_dirs(root: &Path, identical: bool) {
    write(&root.join("a/first.yml"), &rule(ID_A, "whoami", "whoami"));
    let second = if identical {
        rule(ID_A, "whoami", "whoami")
    } else {
        rule(ID_A, "mimikatz under the same id", "mimikatz")
    };
    write(&root.join("b/second.yml"), &second);
}

#[test]
fn a_duplicate_id_warns_once_and_keeps_the_first_copy() {
    for identical in [true, false] {
        let tmp = TempDir::new().unwrap();
        let rules = tmp.path().join("rules");
        duplicate_dirs(&rules, identical);
        let events = events_file(tmp.path());
        let out = sigscan(&[
            "scan",
            "--rules",
            s(&rules),
            "--no-event",
            "--stats",
            s(&events),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
        // Only the first copy (whoami, line 1) is evaluated, whatever the second says.
        assert_eq!(hits(&out), vec![(1, ID_A.to_string())]);
        assert_eq!(stats(&out)["rules_loaded"], 1);
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains("duplicate id")).collect();
        assert_eq!(warnings.len(), 1, "stderr:\n{err}");
        let w = warnings[0];
        assert!(
            w.contains("b/second.yml") && w.contains("a/first.yml"),
            "{w}"
        );
        assert!(w.ends_with("(warning)"), "{w}");
        let kind = if identical {
            "an identical document"
        } else {
            "a different document with the same id"
        };
        assert!(w.contains(kind), "{w}");
    }
}

#[test]
fn a_duplicate_id_is_fatal_with_strict() {
    let tmp = TempDir::new().unwrap();
    let rules = tmp.path().join("rules");
    duplicate_dirs(&rules, true);
    let events = events_file(tmp.path());
    let out = sigscan(&["scan", "--rules", s(&rules), "--strict", s(&events)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("1 duplicate rule ids and --strict"),
        "stderr:\n{err}"
    );
}

#[test]
fn rules_check_lists_a_duplicate_as_an_error() {
    let tmp = TempDir::new().unwrap();
    let rules = tmp.path().join("rules");
    duplicate_dirs(&rules, false);
    let out = sigscan(&["rules", "check", "--json", s(&rules)]);
    assert_eq!(out.status.code(), Some(1));
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["status"], "ok");
    assert!(records[0]["file"].as_str().unwrap().ends_with("first.yml"));
    assert_eq!(records[1]["status"], "error");
    assert!(records[1]["file"].as_str().unwrap().ends_with("second.yml"));
    assert!(
        records[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("duplicate id")
    );
}

#[test]
fn the_same_file_given_twice_loads_once_without_a_warning() {
    let tmp = TempDir::new().unwrap();
    let rules = tmp.path().join("rules");
    write(&rules.join("a.yml"), &rule(ID_A, "whoami", "whoami"));
    let events = events_file(tmp.path());
    let out = sigscan(&[
        "scan",
        "--rules",
        s(&rules),
        "--rules",
        s(&rules.join("a.yml")),
        "--strict",
        "--no-event",
        s(&events),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    assert_eq!(hits(&out), vec![(1, ID_A.to_string())]);
    assert!(!err.contains("duplicate"), "stderr:\n{err}");
}
