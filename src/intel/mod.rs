//! Rule intelligence: what a loaded rule set looks for, and what a scan found.
//!
//! Analysts read a rule as its ATT&CK coverage, the events it needs, its
//! condition broken into stages and predicates, and its indicators (field,
//! operator, value) with a *corpus count*: how many rules of the catalog look
//! for the same combination. After compiling a rule set sigscan knows all of
//! this, so these modules expose it:
//!
//! - [`explain`]: one rule's stages and predicates, logsource, and what it
//!   compiles to (gate, prefilter literals, whether it is always evaluated
//!   and why), read from the compiled [`Plan`] rather than recomputed.
//! - [`indicators`]: (field, operator, value) rows with corpus counts over
//!   the loaded set; the most shared indicators of the whole set.
//! - [`coverage`]: ATT&CK tactics and techniques (from tags) and event
//!   coverage (logsources, channels, EventIDs) with rule counts.
//! - [`summary`]: a [`crate::scan::HitSink`] wrapper that tallies hits per
//!   rule, level, tactic, technique and host for `scan --summary`; it
//!   re-parses only hit lines, never touching the per-line worker path.
//!
//! Everything here is fed from a [`Catalog`]: the parsed [`RuleSet`] and its
//! [`Plan`], each compiled rule paired with the Sigma rule it came from.
//! Nothing in this module affects what a scan matches.

pub mod coverage;
pub mod explain;
pub mod indicators;
pub mod summary;
mod table;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::commands::{EXIT_FATAL, EXIT_OK, RuleOptions, load_plan};
use crate::compile::{CompiledRule, Plan};
use crate::sigma::{Rule, RuleSet};

pub use table::Table;

/// A compiled rule set with, for every compiled rule, the Sigma rule it was
/// compiled from.
pub struct Catalog<'a> {
    /// The parsed rules (and filters).
    pub set: &'a RuleSet,
    /// The compiled plan.
    pub plan: &'a Plan,
    /// `sources[i]` is the Sigma rule of `plan.rules[i]`.
    pub sources: Vec<&'a Rule>,
}

impl<'a> Catalog<'a> {
    /// Pairs each compiled rule with its source. A rule document is named by
    /// its file and first line, which `Plan::from_rules` keeps in the meta.
    pub fn new(set: &'a RuleSet, plan: &'a Plan) -> Catalog<'a> {
        let by_doc: HashMap<(&Path, usize), &Rule> = set
            .rules
            .iter()
            .map(|r| ((r.file.as_path(), r.line), r))
            .collect();
        let sources = plan
            .rules
            .iter()
            .map(|c| {
                *by_doc
                    .get(&(c.meta.file.as_path(), c.meta.line))
                    .expect("BUG: a compiled rule comes from a loaded rule document")
            })
            .collect();
        Catalog { set, plan, sources }
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.plan.rules.len()
    }

    /// Whether no rule compiled.
    pub fn is_empty(&self) -> bool {
        self.plan.rules.is_empty()
    }

    /// The compiled rule `i` and its source.
    pub fn rule(&self, i: usize) -> (&'a CompiledRule, &'a Rule) {
        (&self.plan.rules[i], self.sources[i])
    }

    /// The rules `query` names, in load order: those whose id, `name` or
    /// reported id equals it; else those loaded from the file it names; else
    /// those whose id starts with it (case-insensitive, 4 characters at least,
    /// so a short id prefix copied from a hit works).
    pub fn find(&self, query: &str) -> Vec<usize> {
        let q = query.trim();
        let exact: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let (c, r) = self.rule(i);
                c.meta.id == q || r.id.as_deref() == Some(q) || r.name.as_deref() == Some(q)
            })
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        let path = Path::new(q);
        let canon = std::fs::canonicalize(path).ok();
        let by_file: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let f = &self.plan.rules[i].meta.file;
                f == path
                    || canon
                        .as_ref()
                        .is_some_and(|c| std::fs::canonicalize(f).is_ok_and(|g| &g == c))
            })
            .collect();
        if !by_file.is_empty() || q.chars().count() < 4 {
            return by_file;
        }
        let lower = q.to_lowercase();
        (0..self.len())
            .filter(|&i| {
                self.plan.rules[i]
                    .meta
                    .id
                    .to_lowercase()
                    .starts_with(&lower)
            })
            .collect()
    }
}

/// One ATT&CK tag, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttackTag {
    /// `attack.<tactic-name>`, e.g. `execution`, `defense-evasion`.
    Tactic(String),
    /// `attack.tNNNN[.NNN]`, written `TNNNN[.NNN]`.
    Technique(String),
}

/// Classifies a rule tag: `attack.execution` is a tactic, `attack.t1059.001`
/// a technique; group (`attack.g0046`), software (`attack.s0002`) and other
/// ATT&CK ids, and tags of other namespaces (`detection.threat-hunting`,
/// `cve.…`), are neither. Case-insensitive; tactics come back lowercase.
pub fn attack_tag(tag: &str) -> Option<AttackTag> {
    let lower = tag.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("attack.")?;
    if is_technique(rest) {
        return Some(AttackTag::Technique(rest.to_ascii_uppercase()));
    }
    // An ATT&CK object id is a letter or two and digits (g0046, s0002,
    // ta0002, m1042, ds0009, c0024): not a tactic name.
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let is_object_id = (1..=2).contains(&letters)
        && rest.len() > letters
        && rest.bytes().skip(letters).all(|b| b.is_ascii_digit());
    let is_name = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        && !rest.starts_with('-');
    (is_name && !is_object_id).then(|| AttackTag::Tactic(rest.replace('_', "-")))
}

fn is_technique(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b't' && digits(&b[1..]),
        9 => b[0] == b't' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

/// The tactics and techniques of a tag list, each once, in tag order.
pub fn attack_of(tags: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut tactics, mut techniques) = (Vec::new(), Vec::new());
    for t in tags {
        match attack_tag(t) {
            Some(AttackTag::Tactic(n)) if !tactics.contains(&n) => tactics.push(n),
            Some(AttackTag::Technique(n)) if !techniques.contains(&n) => techniques.push(n),
            _ => {}
        }
    }
    (tactics, techniques)
}

/// Loads rules for the `rules` subcommands. Rule documents that do not load
/// are summed up on stderr in one line (`rules check` lists them); `extra`
/// paths are added to the rule paths first (a rule file named on the command
/// line that `--rules` does not cover).
fn load(opts: &RuleOptions, extra: Option<PathBuf>) -> Result<(RuleSet, Plan), i32> {
    let mut opts = opts.clone();
    if let Some(p) = extra {
        opts.paths.push(p);
    }
    let (set, plan) = load_plan(&opts).map_err(|e| {
        eprintln!("sigscan: {e}");
        EXIT_FATAL
    })?;
    let skipped = set.errors.len() + set.duplicates.len() + plan.errors.len();
    if skipped > 0 {
        eprintln!(
            "sigscan: {skipped} rule document(s) did not load and are left out \
             (`sigscan rules check` lists them)"
        );
    }
    if plan.rules.is_empty() {
        eprintln!("sigscan: no usable rule");
        return Err(EXIT_FATAL);
    }
    Ok((set, plan))
}

/// A rule file named on the command line that none of the `--rules` paths
/// covers (so `explain --rules DIR some/other.yml` still finds it).
fn uncovered_file(paths: &[PathBuf], query: &str) -> Option<PathBuf> {
    let q = Path::new(query);
    if !q.is_file() {
        return None;
    }
    let cq = std::fs::canonicalize(q).ok()?;
    let covered = paths.iter().any(|p| {
        std::fs::canonicalize(p).is_ok_and(|cp| cq == cp || (cp.is_dir() && cq.starts_with(&cp)))
    });
    (!covered).then(|| q.to_path_buf())
}

/// Resolves `query` to rules, or reports why not (exit 2).
fn resolve(cat: &Catalog<'_>, query: &str) -> Result<Vec<usize>, i32> {
    let found = cat.find(query);
    if found.is_empty() {
        eprintln!(
            "sigscan: no loaded rule has the id, name or file {query:?} \
             ({} rules loaded)",
            cat.len()
        );
        return Err(EXIT_FATAL);
    }
    Ok(found)
}

/// Writes `text` to stdout; a closed pipe is not an error.
fn emit(text: &str) -> i32 {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("sigscan: writing to stdout: {e}");
            EXIT_FATAL
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("BUG: serialising to a String");
    s.push('\n');
    s
}

/// Runs `sigscan rules explain`. Returns the exit status.
pub fn explain_command(opts: &RuleOptions, query: &str, json: bool) -> i32 {
    let extra = uncovered_file(&opts.paths, query);
    let (set, plan) = match load(opts, extra) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let cat = Catalog::new(&set, &plan);
    let found = match resolve(&cat, query) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let counts = indicators::CorpusIndex::build(&cat);
    let explained: Vec<explain::Explanation> = found
        .iter()
        .map(|&i| explain::explain(&cat, &counts, i))
        .collect();
    if json {
        emit(&to_json(&explained))
    } else {
        let texts: Vec<String> = explained
            .iter()
            .map(explain::Explanation::to_text)
            .collect();
        emit(&texts.join("\n"))
    }
}

/// Runs `sigscan rules indicators`. `rules` selects rules (each an id, name
/// or file, as for `explain`); empty: the `top` most shared indicators of the
/// whole set. Returns the exit status.
pub fn indicators_command(opts: &RuleOptions, rules: &[String], top: usize, json: bool) -> i32 {
    let (set, plan) = match load(opts, None) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let cat = Catalog::new(&set, &plan);
    let index = indicators::CorpusIndex::build(&cat);
    if rules.is_empty() {
        let report = index.most_shared(&cat, top);
        return emit(&if json {
            to_json(&report)
        } else {
            report.to_text()
        });
    }
    let mut selected = Vec::new();
    for q in rules {
        match resolve(&cat, q) {
            Ok(found) => {
                for i in found {
                    if !selected.contains(&i) {
                        selected.push(i);
                    }
                }
            }
            Err(code) => return code,
        }
    }
    let reports: Vec<indicators::RuleIndicators> =
        selected.iter().map(|&i| index.for_rule(&cat, i)).collect();
    if json {
        emit(&to_json(&reports))
    } else {
        let texts: Vec<String> = reports
            .iter()
            .map(indicators::RuleIndicators::to_text)
            .collect();
        emit(&texts.join("\n"))
    }
}

/// Runs `sigscan rules coverage`. Returns the exit status.
pub fn coverage_command(opts: &RuleOptions, json: bool) -> i32 {
    let (set, plan) = match load(opts, None) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let cat = Catalog::new(&set, &plan);
    let cov = coverage::Coverage::of(&cat, set.errors.len() + plan.errors.len());
    emit(&if json { to_json(&cov) } else { cov.to_text() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_tags() {
        let t = |s: &str| attack_tag(s);
        assert_eq!(
            t("attack.execution"),
            Some(AttackTag::Tactic("execution".into()))
        );
        assert_eq!(
            t("attack.Defense-Evasion"),
            Some(AttackTag::Tactic("defense-evasion".into()))
        );
        assert_eq!(
            t("attack.t1059.001"),
            Some(AttackTag::Technique("T1059.001".into()))
        );
        assert_eq!(
            t("attack.T1106"),
            Some(AttackTag::Technique("T1106".into()))
        );
        for other in [
            "attack.g0046",
            "attack.s0002",
            "attack.ta0002",
            "attack.t1059.01",
            "attack.t10590",
            "attack.",
            "detection.threat-hunting",
            "cve.2021-44228",
            "execution",
        ] {
            assert_eq!(t(other), None, "{other}");
        }
    }

    #[test]
    fn attack_of_dedups_in_tag_order() {
        let tags: Vec<String> = [
            "attack.t1106",
            "attack.execution",
            "attack.t1059.001",
            "attack.execution",
            "attack.T1106",
            "detection.threat-hunting",
        ]
        .map(String::from)
        .to_vec();
        let (tactics, techniques) = attack_of(&tags);
        assert_eq!(tactics, ["execution"]);
        assert_eq!(techniques, ["T1106", "T1059.001"]);
    }
}
