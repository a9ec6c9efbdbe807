//! Broken rules through the `sigscan` binary: each kind of rule error is a diagnostic naming the
//! file and line while the other rules still load and hit (`--strict` makes it fatal), and no
//! usable rule or bad arguments are fatal (status 2).

mod util;

use std::fs;

use util::seed::*;

/// One broken rule next to the seed rule: a diagnostic naming the file and line with `reason`,
/// the seed rule still loads and hits (status 0, `rules_skipped` 1); `--strict` makes it fatal
/// (status 2, no output).
fn check_rule_error(yaml: &str, line: usize, reason: &str) {
    let t = tmp();
    let d = t.path();
    fs::create_dir(d.join("rules")).unwrap();
    fs::copy(rule_path(), d.join("rules/seed.yml")).unwrap();
    write(d, "rules/broken.yml", yaml.as_bytes());
    write(d, "events.ndjson", &lines(&[hit(1), miss(2)]));
    let prefix = format!("sigscan: rules/broken.yml:{line}: ");
    let run = run_raw(
        d,
        &[
            "scan",
            "--rules",
            "rules",
            "--stats",
            "--no-pin",
            "events.ndjson",
        ],
        None,
    );
    run.expect(0)
        .stderr_has(&prefix)
        .stderr_has(reason)
        .stderr_has("(rule skipped)");
    let diag = run.stderr.lines().find(|l| l.starts_with(&prefix)).unwrap();
    assert!(diag.contains(reason), "{diag}");
    assert_eq!(run.hit_lines("events.ndjson"), [1]);
    assert_eq!(u(run.stats(), "rules_loaded"), 1);
    assert_eq!(u(run.stats(), "rules_skipped"), 1);

    let run = run_raw(
        d,
        &["scan", "--rules", "rules", "--strict", "events.ndjson"],
        None,
    );
    run.expect(2)
        .stderr_has(&prefix)
        .stderr_has("1 rule errors and --strict: stopping");
    assert!(run.stdout.is_empty());

    // `rules check` lists it with the same file and line (status 1: a rule failed).
    let out = command(d)
        .args(["rules", "check", "rules"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains(&format!("error  rules/broken.yml:{line}  ")) && out.contains(reason),
        "{out}"
    );
}

#[test]
fn rule_with_a_yaml_syntax_error() {
    check_rule_error(
        "title: bad indentation\ndetection:\n  sel:\n    ScriptBlockText: x\n   condition: sel\n",
        5,
        "YAML: while parsing a block mapping, did not find expected key",
    );
    check_rule_error(
        "title: tab\ndetection:\n\tsel: x\n  condition: sel\n",
        3,
        "YAML: tabs disallowed",
    );
}

#[test]
fn rule_without_detection() {
    check_rule_error(
        "title: no detection\nid: r-nodet\nlogsource: {product: windows}\n",
        1,
        "missing `detection`",
    );
}

#[test]
fn rule_without_condition() {
    check_rule_error(
        "title: no condition\nid: r-nocond\ndetection:\n  sel:\n    ScriptBlockText: x\n",
        4,
        "missing `condition`",
    );
}

#[test]
fn rule_with_an_unknown_modifier() {
    check_rule_error(
        "title: m\nid: r-mod\ndetection:\n  sel:\n    ScriptBlockText|containz: x\n  condition: sel\n",
        5,
        "unknown modifier `containz` in `ScriptBlockText|containz`",
    );
}

#[test]
fn rule_whose_condition_names_an_unknown_identifier() {
    check_rule_error(
        "title: c\nid: r-ident\ndetection:\n  sel:\n    ScriptBlockText: x\n  condition: sel and nosuch\n",
        6,
        "condition names unknown search identifier `nosuch`",
    );
}

#[test]
fn rule_with_a_regex_that_does_not_compile() {
    check_rule_error(
        "title: r\nid: r-re\ndetection:\n  sel:\n    ScriptBlockText|re: 'a(b'\n  condition: sel\n",
        5,
        "regex does not compile",
    );
}

#[test]
fn no_usable_rule_and_bad_arguments_are_fatal() {
    let t = tmp();
    let d = t.path();
    write(d, "events.ndjson", &lines(&[hit(1)]));
    write(
        d,
        "only-bad.yml",
        b"title: no condition\ndetection:\n  sel:\n    A: x\n",
    );
    let run = run_raw(
        d,
        &["scan", "--rules", "only-bad.yml", "events.ndjson"],
        None,
    );
    run.expect(2)
        .stderr_has("only-bad.yml:3: missing `condition`")
        .stderr_has("sigscan: no usable rule");
    assert!(run.stdout.is_empty());

    let run = run_raw(
        d,
        &["scan", "--rules", "no-such-dir", "events.ndjson"],
        None,
    );
    run.expect(2)
        .stderr_has("no-such-dir:0: cannot read rule path")
        .stderr_has("sigscan: no usable rule");

    let rule = rule_path();
    for args in [
        vec!["scan", "events.ndjson"],
        vec!["scan", "--rules", rule.to_str().unwrap()],
        vec![
            "scan",
            "--rules",
            rule.to_str().unwrap(),
            "--bogus",
            "events.ndjson",
        ],
        vec![
            "scan",
            "--rules",
            rule.to_str().unwrap(),
            "-j",
            "x",
            "events.ndjson",
        ],
    ] {
        let run = run_raw(d, &args, None);
        run.expect(2).stderr_has("error:");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}
