//! The Sigma conformance suite: data-driven cases in `tests/conformance/*.yml`
//! run through the library (load → compile → scan) with every prefilter
//! engine built, one and two worker threads, and tiny and default chunks.
//!
//! Each YAML document of a case file is one case:
//!
//! ```yaml
//! name: escaped star is a literal star
//! spec: "SIGMA.md §1 escaping, row `\\*`"
//! rule: |
//!   title: t
//!   logsource: {product: windows}
//!   detection:
//!     sel: {F: 'a\*b'}
//!     condition: sel
//! match: ['{"F":"a*b"}']        # event lines (JSON) that must hit
//! nomatch: ['{"F":"axb"}']      # event lines that must not
//! placeholders: {admins: [root]} # optional: `expand` values
//! rule_error: unknown modifier    # optional: the rule must fail to compile
//!                                 # with this substring in the reason
//! ```
//!
//! The events of a case are scanned as one input: the `match` lines first,
//! then the `nomatch` lines, and the hit line numbers must be exactly the
//! `match` lines, for every engine × threads × chunking combination. A rule
//! document may be followed by filter documents (`---`); a line hits when
//! any rule of the case hits it. All failures of all cases are collected and
//! reported together at the end.

mod util;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, Scanner, Source};
use sigscan::sigma::RuleSet;
use yaml_rust2::{Yaml, YamlLoader};

/// One case as read from a case file.
struct Case {
    file: String,
    name: String,
    spec: String,
    rule: String,
    matches: Vec<String>,
    nomatches: Vec<String>,
    placeholders: HashMap<String, Vec<String>>,
    rule_error: Option<String>,
}

fn case_dir() -> PathBuf {
    util::root().join("tests/conformance")
}

fn scalar_text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(y: &Yaml, what: &str, ctx: &str) -> Result<Vec<String>, String> {
    match y {
        Yaml::BadValue => Ok(Vec::new()),
        Yaml::Array(items) => items
            .iter()
            .map(|i| scalar_text(i).ok_or_else(|| format!("{ctx}: `{what}` items must be strings")))
            .collect(),
        _ => Err(format!("{ctx}: `{what}` must be a list")),
    }
}

fn load_cases() -> (Vec<Case>, Vec<String>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(case_dir())
        .expect("tests/conformance exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let docs = match YamlLoader::load_from_str(&text) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{file}: YAML error: {e}"));
                continue;
            }
        };
        for (k, doc) in docs.iter().enumerate() {
            let ctx = format!("{file} document {}", k + 1);
            match parse_case(&file, doc, &ctx) {
                Ok(c) => cases.push(c),
                Err(e) => problems.push(e),
            }
        }
    }
    (cases, problems)
}

fn parse_case(file: &str, doc: &Yaml, ctx: &str) -> Result<Case, String> {
    let Yaml::Hash(h) = doc else {
        return Err(format!("{ctx}: a case must be a mapping"));
    };
    for k in h.keys() {
        let known = [
            "name",
            "spec",
            "rule",
            "match",
            "nomatch",
            "placeholders",
            "rule_error",
        ];
        if !k.as_str().is_some_and(|k| known.contains(&k)) {
            return Err(format!("{ctx}: unknown key {k:?}"));
        }
    }
    let get = |k: &str| scalar_text(&doc[k]);
    let name = get("name").ok_or_else(|| format!("{ctx}: missing `name`"))?;
    let ctx = format!("{file} `{name}`");
    let spec = get("spec").ok_or_else(|| format!("{ctx}: missing `spec`"))?;
    if !spec.contains("SIGMA.md §") {
        return Err(format!("{ctx}: `spec` must cite a SIGMA.md section"));
    }
    let rule = get("rule").ok_or_else(|| format!("{ctx}: missing `rule`"))?;
    let matches = string_list(&doc["match"], "match", &ctx)?;
    let nomatches = string_list(&doc["nomatch"], "nomatch", &ctx)?;
    let rule_error = get("rule_error");
    let mut placeholders = HashMap::new();
    match &doc["placeholders"] {
        Yaml::BadValue => {}
        Yaml::Hash(p) => {
            for (k, v) in p {
                let k = scalar_text(k).ok_or_else(|| format!("{ctx}: placeholder name"))?;
                let vals = match v {
                    Yaml::Array(_) => string_list(v, "placeholders", &ctx)?,
                    other => vec![
                        scalar_text(other)
                            .ok_or_else(|| format!("{ctx}: placeholder {k} value"))?,
                    ],
                };
                placeholders.insert(k, vals);
            }
        }
        _ => return Err(format!("{ctx}: `placeholders` must be a mapping")),
    }
    if rule_error.is_some() && !(matches.is_empty() && nomatches.is_empty()) {
        return Err(format!("{ctx}: a `rule_error` case has no events"));
    }
    if rule_error.is_none() && matches.is_empty() && nomatches.is_empty() {
        return Err(format!("{ctx}: no events"));
    }
    for (i, ev) in matches.iter().chain(&nomatches).enumerate() {
        if ev.contains('\n') {
            return Err(format!("{ctx}: event {} spans lines", i + 1));
        }
        match serde_json::from_str::<serde_json::Value>(ev) {
            Ok(v) if v.is_object() => {}
            _ => return Err(format!("{ctx}: event {} is not a JSON object: {ev}", i + 1)),
        }
    }
    Ok(Case {
        file: file.to_string(),
        name,
        spec,
        rule,
        matches,
        nomatches,
        placeholders,
        rule_error,
    })
}

/// Collects hit line numbers and anything unexpected.
#[derive(Default)]
struct Collect {
    lines: BTreeSet<u64>,
    invalid: Vec<(u64, String)>,
    errors: Vec<String>,
}

impl HitSink for Collect {
    fn hit(&mut self, _input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.lines.insert(hit.line);
        Ok(())
    }
    fn invalid_line(&mut self, _input: &Input, line: u64, reason: &str) {
        self.invalid.push((line, reason.to_string()));
    }
    fn input_done(&mut self, _input: &Input, summary: &InputSummary) {
        if let Some(e) = &summary.error {
            self.errors.push(e.clone());
        }
    }
}

/// Compiles the case's rule text; `Err` carries every diagnostic.
fn compile(case: &Case) -> Result<Plan, Vec<String>> {
    let mut set = RuleSet::default();
    let name = format!("{}#{}", case.file, case.name);
    set.load_text(Path::new(&name), &case.rule);
    let mut errs: Vec<String> = set.errors.iter().map(|d| d.to_string()).collect();
    let opts = CompileOptions {
        placeholders: case.placeholders.clone(),
        no_logsource: false,
        threads: None,
    };
    let plan = Plan::from_rules(&set, &opts);
    errs.extend(plan.errors.iter().map(|d| d.to_string()));
    if errs.is_empty() { Ok(plan) } else { Err(errs) }
}

/// Runs one case; returns a failure report, if any.
fn run_case(case: &Case, tmp: &Path) -> Option<String> {
    let head = format!(
        "[{}] {}\n    spec: {}",
        case.file.trim_end_matches(".yml"),
        case.name,
        case.spec
    );
    if let Some(want) = &case.rule_error {
        return match compile(case) {
            Ok(plan) if plan.rules.is_empty() => Some(format!(
                "{head}\n    expected a rule error containing {want:?}, but the document \
                 produced no rule and no error"
            )),
            Ok(_) => Some(format!(
                "{head}\n    expected a rule error containing {want:?}, but the rule compiled"
            )),
            Err(errs) if errs.iter().any(|e| e.contains(want.as_str())) => None,
            Err(errs) => Some(format!(
                "{head}\n    expected a rule error containing {want:?}, got:\n      {}",
                errs.join("\n      ")
            )),
        };
    }
    if let Err(errs) = compile(case) {
        return Some(format!(
            "{head}\n    the rule does not compile:\n      {}",
            errs.join("\n      ")
        ));
    }
    let events: Vec<&String> = case.matches.iter().chain(&case.nomatches).collect();
    let path = tmp.join(format!(
        "{}-{}.ndjson",
        case.file,
        case.name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    {
        let mut f = std::fs::File::create(&path).expect("temp file");
        for e in &events {
            writeln!(f, "{e}").expect("write temp file");
        }
    }
    let inputs = [Input {
        name: path.display().to_string(),
        source: Source::File(path.clone()),
    }];
    let want: BTreeSet<u64> = (1..=case.matches.len() as u64).collect();
    // Outcome (hit set, or a scan problem) → the configurations that produced it.
    let mut outcomes: BTreeMap<Result<Vec<u64>, String>, Vec<String>> = BTreeMap::new();
    for engine in util::engines() {
        let plan = compile(case).expect("compiled above");
        let scanner = match Scanner::new(plan, engine, &FieldMap::new()) {
            Ok(s) => s,
            Err(e) => {
                outcomes
                    .entry(Err(format!("engine does not build: {e}")))
                    .or_default()
                    .push(engine.name().to_string());
                continue;
            }
        };
        for config in util::configs_of(engine) {
            let mut sink = Collect::default();
            scanner.scan(&inputs, config.scan_options(), &mut sink);
            let cfg = config.to_string();
            let outcome = if !sink.invalid.is_empty() || !sink.errors.is_empty() {
                Err(format!(
                    "scan problems: invalid lines {:?}, errors {:?}",
                    sink.invalid, sink.errors
                ))
            } else {
                Ok(sink.lines.into_iter().collect())
            };
            outcomes.entry(outcome).or_default().push(cfg);
        }
    }
    let _ = std::fs::remove_file(&path);
    let total: usize = outcomes.values().map(Vec::len).sum();
    let mut report = String::new();
    for (outcome, cfgs) in &outcomes {
        let which = if cfgs.len() == total {
            "every engine/threads/chunking".to_string()
        } else {
            cfgs.join(", ")
        };
        match outcome {
            Ok(lines) => {
                let got: BTreeSet<u64> = lines.iter().copied().collect();
                if got == want {
                    continue;
                }
                report.push_str(&format!("\n    with {which}:"));
                for l in want.difference(&got) {
                    report.push_str(&format!(
                        "\n      MISSED  match[{}]:   {}",
                        l - 1,
                        events[*l as usize - 1]
                    ));
                }
                for l in got.difference(&want) {
                    report.push_str(&format!(
                        "\n      FALSE HIT nomatch[{}]: {}",
                        *l as usize - 1 - case.matches.len(),
                        events[*l as usize - 1]
                    ));
                }
            }
            Err(e) => report.push_str(&format!("\n    with {which}: {e}")),
        }
    }
    (!report.is_empty()).then(|| format!("{head}{report}"))
}

#[test]
fn conformance() {
    let (cases, mut failures) = load_cases();
    assert!(
        !cases.is_empty(),
        "no cases found under {}",
        case_dir().display()
    );
    let mut names = BTreeSet::new();
    for c in &cases {
        if !names.insert((c.file.as_str(), c.name.as_str())) {
            failures.push(format!("{}: duplicate case name `{}`", c.file, c.name));
        }
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    for case in &cases {
        if let Some(f) = run_case(case, tmp.path()) {
            failures.push(f);
        }
    }
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        *per_file.entry(c.file.as_str()).or_default() += 1;
    }
    eprintln!(
        "conformance: {} cases ({}), engines: {}",
        cases.len(),
        per_file
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        util::engines()
            .iter()
            .map(|e| e.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases failed:\n\n{}\n",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
