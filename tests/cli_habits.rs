//! Habits of the field (issue #17): repeatable `--glob` (braces, negation,
//! case-insensitive), `-o -` for stdout, `--pin` opt-in with `--no-pin`
//! still accepted, and their errors (exit 2).
//!

use std::path::Path;

mod util;

const RULE: &str = "title: mimikatz\nid: r-mimi\nlevel: high\nstatus: test\n\
logsource: {product: windows}\ndetection:\n  sel:\n    CommandLine|contains: mimikatz\n  condition: sel\n";

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

/// A rule and a tree of event files, one hit each.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    w("rule.yml", RULE);
    let ev = "{\"CommandLine\":\"mimikatz\"}\n";
    for f in [
        "logs/a.ndjson",
        "logs/b.jsonl",
        "logs/C.NDJSON",
        "logs/a-old.ndjson",
        "logs/2024/d.ndjson",
        "logs/notes.txt",
    ] {
        w(f, ev);
    }
    dir
}

/// The sorted `file` of every hit of `scan --glob … logs`.
fn files(dir: &Path, flags: &[&str]) -> Vec<String> {
    let mut args = vec![
        "scan",
        "--rules",
        "rule.yml",
        "--no-logsource",
        "--no-event",
    ];
    args.extend_from_slice(flags);
    args.push("logs");
    let out = run(dir, &args);
    assert_eq!(out.code, 0, "{flags:?}: {}", out.stderr);
    let mut v: Vec<String> = out
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            v["file"].as_str().expect("file").to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn glob_is_repeatable_with_braces_and_negation() {
    let d = fixture();
    assert_eq!(
        files(
            d.path(),
            &["--glob", "*.{ndjson,jsonl}", "--glob", "!*-old*"]
        ),
        ["logs/2024/d.ndjson", "logs/a.ndjson", "logs/b.jsonl"]
    );
    assert_eq!(
        files(d.path(), &["--glob", "**/2024/*.ndjson"]),
        ["logs/2024/d.ndjson"]
    );
}

#[test]
fn glob_case_insensitive() {
    let d = fixture();
    assert_eq!(
        files(
            d.path(),
            &[
                "--glob",
                "*.ndjson",
                "--glob-case-insensitive",
                "--glob",
                "!*-old*"
            ]
        ),
        ["logs/2024/d.ndjson", "logs/C.NDJSON", "logs/a.ndjson"]
    );
}

#[test]
fn a_named_file_is_scanned_whatever_the_glob() {
    let d = fixture();
    let out = run(
        d.path(),
        &[
            "scan",
            "--rules",
            "rule.yml",
            "--no-logsource",
            "--glob",
            "*.jsonl",
            "logs/notes.txt",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn a_bad_glob_is_fatal() {
    let d = fixture();
    let out = run(
        d.path(),
        &["scan", "--rules", "rule.yml", "--glob", "*.{a,b", "logs"],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--glob \"*.{a,b\""), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn output_dash_is_stdout() {
    let d = fixture();
    let out = run(
        d.path(),
        &[
            "scan",
            "--rules",
            "rule.yml",
            "--no-logsource",
            "-o",
            "-",
            "logs/a.ndjson",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(!d.path().join("-").exists(), "no file named `-`");
}

#[test]
fn pin_is_opt_in_and_no_pin_still_accepted() {
    let d = fixture();
    for flag in ["--pin", "--no-pin"] {
        let out = run(
            d.path(),
            &[
                "scan",
                "--rules",
                "rule.yml",
                "--no-logsource",
                flag,
                "-j",
                "2",
                "logs/a.ndjson",
            ],
        );
        assert_eq!(out.code, 0, "{flag}: {}", out.stderr);
        assert_eq!(out.stdout.lines().count(), 1, "{flag}");
    }
    let out = run(
        d.path(),
        &[
            "scan",
            "--rules",
            "rule.yml",
            "--pin",
            "--no-pin",
            "logs/a.ndjson",
        ],
    );
    assert_eq!(out.code, 2, "contradictory flags: {}", out.stderr);
}

#[test]
fn output_file_leaves_no_temporary_behind() {
    let d = fixture();
    let out = run(
        d.path(),
        &[
            "scan",
            "--rules",
            "rule.yml",
            "--no-logsource",
            "-o",
            "out/hits.jsonl",
            "logs/a.ndjson",
        ],
    );
    assert_eq!(out.code, 2, "a missing directory is fatal before the scan");
    std::fs::create_dir(d.path().join("out")).expect("mkdir");
    let out = run(
        d.path(),
        &[
            "scan",
            "--rules",
            "rule.yml",
            "--no-logsource",
            "-o",
            "out/hits.jsonl",
            "logs/a.ndjson",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<String> = std::fs::read_dir(d.path().join("out"))
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["hits.jsonl"]);
}

#[test]
fn shell_completions_know_the_new_flags() {
    let d = tempfile::tempdir().expect("tempdir");
    for shell in ["bash", "zsh", "fish"] {
        let out = run(d.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("sigscan"), "{shell}");
        for flag in [
            "min-level",
            "exclude-tag",
            "format",
            "glob-case-insensitive",
        ] {
            assert!(out.stdout.contains(flag), "{shell}: no {flag}");
        }
    }
    let out = run(d.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2, "an unknown shell: {}", out.stderr);
}

#[test]
fn man_page_is_roff_naming_the_commands() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run(d.path(), &["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with(".ie") || out.stdout.contains(".TH sigscan"),
        "{}",
        &out.stdout[..200.min(out.stdout.len())]
    );
    assert!(out.stdout.contains(".TH sigscan"));
    assert!(out.stdout.contains("scan"));
}
