//! `rules explain` on small rule documents.

use super::text::{stages_text, wrap};
use super::*;
use crate::sigma::condition::parse;

#[test]
fn conditions_are_written_back_with_needed_parentheses() {
    for (src, want) in [
        ("selection", "selection"),
        ("a or b and not c", "a or b and not c"),
        ("(a or b) and c", "(a or b) and c"),
        ("not (a and b)", "not (a and b)"),
        ("a and (b and c)", "a and (b and c)"),
        (
            "1 of sel* and not all of filter_*",
            "1 of sel* and not all of filter_*",
        ),
    ] {
        assert_eq!(cond_text(&parse(src).unwrap(), 0), want, "{src}");
    }
}

#[test]
fn condition_trees_flatten_and_expand_selectors() {
    let names = ["sel_a", "sel_b", "filter"];
    let node = cond_node(&parse("1 of sel_* and a and not filter").unwrap(), &names);
    let json = serde_json::to_value(&node).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"op":"and","args":[
            {"op":"1_of","pattern":"sel_*","searches":["sel_a","sel_b"]},
            {"op":"search","name":"a"},
            {"op":"not","arg":{"op":"search","name":"filter"}}
        ]})
    );
}

fn explain_doc(doc: &str) -> Explanation {
    use crate::compile::{CompileOptions, Plan};
    use crate::sigma::RuleSet;
    let mut set = RuleSet::default();
    set.load_text(std::path::Path::new("t.yml"), doc);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    let cat = Catalog::new(&set, &plan);
    let idx = CorpusIndex::build(&cat);
    explain(&cat, &idx, 0)
}

#[test]
fn always_evaluated_rules_say_why() {
    let e = explain_doc(
        "title: t\nlogsource: {product: linux, category: process_creation}\n\
         detection:\n  sel:\n    Image|re: '[a-z]+'\n  condition: sel\n",
    );
    assert!(e.compiled.always_evaluated);
    assert_eq!(e.compiled.prefilter.by, "none");
    assert_eq!(e.compiled.gate.kind, "non_windows");
    assert_eq!(
        e.compiled.reason,
        "evaluated on every line: its detection has no literal that every match must \
         contain (`sel` can match without fixed text), and its logsource is not a Windows \
         one, so there is no channel name to look for"
    );
}

/// A regex's required literals (`compile::regex_literals`) guard the rule.
#[test]
fn regex_detections_have_literals() {
    let e = explain_doc(
        "title: t\nlogsource: {product: linux, category: process_creation}\n\
         detection:\n  sel:\n    Image|re: '(?i)\\\\(cmd|powershell)\\.exe$'\n  \
         condition: sel\n",
    );
    assert!(!e.compiled.always_evaluated);
    assert_eq!(e.compiled.prefilter.by, "detection");
    assert_eq!(e.compiled.prefilter.literals, ["cmd.exe", "powershell.exe"]);
}

#[test]
fn short_or_negated_detections_fall_back_to_the_channel() {
    let short = explain_doc(
        "title: t\nlogsource: {product: windows, category: ps_script}\n\
         detection:\n  sel:\n    ScriptBlockText|contains: ab\n  condition: sel\n",
    );
    assert!(!short.compiled.always_evaluated);
    assert_eq!(short.compiled.prefilter.by, "channel");
    assert_eq!(
        short.compiled.prefilter.literals,
        ["microsoft-windows-powershell", "powershellcore"],
        "the longest safe piece of each channel name"
    );
    assert!(
        short.compiled.reason.contains("\"ab\" is under 3 bytes"),
        "{}",
        short.compiled.reason
    );
    let negated = explain_doc(
        "title: t\nlogsource: {product: windows, service: security}\n\
         detection:\n  sel:\n    EventID: 4624\n  f:\n    User|contains: admin\n  \
         condition: not f\n",
    );
    assert_eq!(negated.compiled.prefilter.by, "channel");
    assert!(
        negated
            .compiled
            .reason
            .contains("a negated search (`not`) guarantees no literal"),
        "{}",
        negated.compiled.reason
    );
    let Stage::Search { literals, .. } = &negated.stages[2] else {
        panic!("stage 2 is search `f`");
    };
    assert_eq!(literals.as_deref(), Some(&["admin".to_string()][..]));
}

#[test]
fn stages_follow_the_seed_layout() {
    let e = explain_doc(
        "title: t\nlogsource: {product: windows, category: process_creation}\n\
         detection:\n  selection:\n    - Image|endswith: '\\x.exe'\n      CommandLine|contains|all: [a, b]\n    \
         - OriginalFileName: X.EXE\n  filter:\n    User: null\n  condition: selection and not filter\n",
    );
    let mut text = String::new();
    stages_text(&e.stages, &mut text);
    assert_eq!(
        text,
        "Stage 0: condition\n  selection and not filter\n    all of:\n      selection\n      \
         not:\n        filter\n\n\
         Stage 1: selection\n  any of 2 alternatives:\n    alternative 1:\n      \
         all of:\n        Image endswith \\x.exe\n        CommandLine contains|all, all of 2 \
         values:\n            a\n            b\n    alternative 2:\n      OriginalFileName \
         equals X.EXE\n  prefilter: every match holds \"x.exe\"\n\n\
         Stage 2: filter\n  User equals null\n  prefilter: a match needs no fixed \
         text\n\n"
    );
    // Sysmon 1 or Security 4688, with the 4688 field renames.
    assert_eq!(e.compiled.gate.clauses.len(), 2);
    assert_eq!(e.compiled.gate.clauses[1].channel, "Security");
    assert_eq!(e.compiled.gate.clauses[1].event_ids, [4688]);
    assert!(
        e.compiled.gate.clauses[1]
            .renames
            .contains(&["Image".to_string(), "NewProcessName".to_string()])
    );
}

#[test]
fn wrap_keeps_lines_short() {
    let words: Vec<String> = ["aaaa", "bbbb", "cc", "dddddd"].map(String::from).to_vec();
    assert_eq!(wrap(&words, 10), ["aaaa  bbbb", "cc  dddddd"]);
}
