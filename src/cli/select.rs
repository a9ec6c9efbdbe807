//! Rule selection: which of the loaded rules a command uses (`--min-level`,
//! `--status`, `--tag`, `--exclude-tag`, `--exclude-rule`, `--rule-list`),
//! and which rule folders are read at all.
//!
//! Analysts coming from Hayabusa or Chainsaw pick rules by level, status and
//! tag, and a SigmaHQ checkout holds `deprecated/` and `unsupported/` folders
//! that are not meant to run. The selection is applied to the loaded
//! [`RuleSet`] before it is compiled, so `scan`, `rules check` and the intel
//! commands see the same rules for the same flags. Folders are skipped while
//! the files are listed (their documents are never parsed, so their errors
//! are not reported either); everything else is a filter over the parsed
//! rules. A correlation keeps the rules it refers to, selected or not: it
//! cannot fire without them (with the default `generate: false` they write
//! no hits of their own).
//!
//! A selection that leaves rules out is part of the `ruleset_hash`
//! ([`RuleSelection::mix_into_hash`]): two runs with the same rule files but
//! different selections ran different rule sets.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::sigma::{Diagnostic, Rule, RuleSet, collect_rule_files};

/// A Sigma `level`, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Level {
    /// `informational`.
    Informational,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Level {
    /// Reads a rule's `level` (case-insensitive); `None` for anything else.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "informational" => Some(Level::Informational),
            "low" => Some(Level::Low),
            "medium" => Some(Level::Medium),
            "high" => Some(Level::High),
            "critical" => Some(Level::Critical),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// A Sigma `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Status {
    /// `stable`.
    Stable,
    /// `test`.
    Test,
    /// `experimental`.
    Experimental,
    /// `deprecated` (also reads SigmaHQ's `deprecated/` folders).
    Deprecated,
    /// `unsupported` (also reads SigmaHQ's `unsupported/` folders).
    Unsupported,
}

impl Status {
    /// The statuses selected when `--status` is not given.
    pub const DEFAULT: [Status; 3] = [Status::Stable, Status::Test, Status::Experimental];

    /// Reads a rule's `status` (case-insensitive); `None` for anything else.
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stable" => Some(Status::Stable),
            "test" => Some(Status::Test),
            "experimental" => Some(Status::Experimental),
            "deprecated" => Some(Status::Deprecated),
            "unsupported" => Some(Status::Unsupported),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Test => "test",
            Status::Experimental => "experimental",
            Status::Deprecated => "deprecated",
            Status::Unsupported => "unsupported",
        }
    }
}

/// The selection flags, shared by every command that loads rules.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SelectFlags {
    /// Only rules of this level or above (a rule without a level counts as
    /// informational).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_level: Option<Level>,
    /// Only rules of these statuses (comma-separated or repeated; default:
    /// stable,test,experimental). `deprecated`/`unsupported` also read the
    /// folders of those names.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS")]
    pub status: Vec<Status>,
    /// Only rules with this tag (repeatable: any of them; case-insensitive;
    /// a trailing `*` matches a prefix, e.g. `attack.t1059*`).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Leave out rules with this tag (repeatable; same matching as --tag).
    #[arg(long, value_name = "TAG")]
    pub exclude_tag: Vec<String>,
    /// Leave out this rule: its id, name, or a rule file (repeatable).
    #[arg(long, value_name = "ID_OR_FILE")]
    pub exclude_rule: Vec<String>,
    /// Only the rules named in FILE: one id, name or rule file per line
    /// (`#` starts a comment; empty lines are ignored).
    #[arg(long, value_name = "FILE")]
    pub rule_list: Option<PathBuf>,
}

/// Why a selection cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// The `--rule-list` file could not be read.
    #[error("--rule-list {path}: {source}")]
    RuleList {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The `--rule-list` file names no rule.
    #[error("--rule-list {0}: no rule named (an empty list would select nothing)")]
    EmptyRuleList(PathBuf),
    /// A tag pattern is empty.
    #[error("{0}: a tag cannot be empty")]
    EmptyTag(&'static str),
}

/// One rule name from `--exclude-rule` or `--rule-list`: an id or name,
/// or a file whose rules it names.
#[derive(Clone, Debug)]
struct RuleName {
    /// As written, lowercased (ids and names compare case-insensitively).
    text: String,
    /// The file it names, when it is an existing file.
    file: Option<PathBuf>,
}

impl RuleName {
    fn new(s: &str) -> RuleName {
        let file = Path::new(s)
            .is_file()
            .then(|| std::fs::canonicalize(s).ok())
            .flatten();
        RuleName {
            text: s.to_ascii_lowercase(),
            file,
        }
    }

    fn names(&self, id: Option<&str>, name: Option<&str>, file: &Path) -> bool {
        let eq = |x: Option<&str>| x.is_some_and(|x| x.eq_ignore_ascii_case(&self.text));
        if eq(id) || eq(name) {
            return true;
        }
        match &self.file {
            Some(f) => std::fs::canonicalize(file).is_ok_and(|c| &c == f),
            None => false,
        }
    }
}

/// A validated selection.
#[derive(Clone, Debug)]
pub struct RuleSelection {
    min_level: Option<Level>,
    statuses: Vec<Status>,
    /// Whether `--status` was given: then a rule without a status is left
    /// out (by default it is kept: custom rules often have none).
    explicit_status: bool,
    tags: Vec<String>,
    exclude_tags: Vec<String>,
    exclude: Vec<RuleName>,
    only: Option<Vec<RuleName>>,
}

impl Default for RuleSelection {
    fn default() -> RuleSelection {
        RuleSelection {
            min_level: None,
            statuses: Status::DEFAULT.to_vec(),
            explicit_status: false,
            tags: Vec::new(),
            exclude_tags: Vec::new(),
            exclude: Vec::new(),
            only: None,
        }
    }
}

/// What a selection left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unselected {
    /// Rules and correlations left out by the selection.
    pub documents: usize,
    /// Rule files not read because they sit in a `deprecated`/`unsupported`
    /// folder.
    pub skipped_files: usize,
    /// `--exclude-rule` and `--rule-list` names that matched nothing.
    pub unmatched_names: Vec<String>,
}

impl RuleSelection {
    /// Checks the flags and reads the rule list.
    pub fn from_flags(f: &SelectFlags) -> Result<RuleSelection, SelectError> {
        let pattern = |what: &'static str, t: &String| {
            let t = t.trim().to_ascii_lowercase();
            if t.is_empty() {
                Err(SelectError::EmptyTag(what))
            } else {
                Ok(t)
            }
        };
        let tags = f
            .tag
            .iter()
            .map(|t| pattern("--tag", t))
            .collect::<Result<Vec<_>, _>>()?;
        let exclude_tags = f
            .exclude_tag
            .iter()
            .map(|t| pattern("--exclude-tag", t))
            .collect::<Result<Vec<_>, _>>()?;
        let only = match &f.rule_list {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| SelectError::RuleList {
                        path: path.clone(),
                        source,
                    })?;
                let names = parse_rule_list(&text);
                if names.is_empty() {
                    return Err(SelectError::EmptyRuleList(path.clone()));
                }
                Some(names.iter().map(|n| RuleName::new(n)).collect())
            }
            None => None,
        };
        let mut statuses = f.status.clone();
        statuses.dedup();
        Ok(RuleSelection {
            min_level: f.min_level,
            explicit_status: !statuses.is_empty(),
            statuses: if statuses.is_empty() {
                Status::DEFAULT.to_vec()
            } else {
                statuses
            },
            tags,
            exclude_tags,
            exclude: f.exclude_rule.iter().map(|n| RuleName::new(n)).collect(),
            only,
        })
    }

    /// Whether files under a folder named `name` (below a rule path given on
    /// the command line) are read.
    fn reads_folder(&self, name: &str) -> bool {
        match Status::parse(name) {
            Some(s @ (Status::Deprecated | Status::Unsupported)) => self.statuses.contains(&s),
            _ => true,
        }
    }

    /// Lists the rule files under `paths` without the folders this selection
    /// leaves out, and loads them. A path given on the command line is read
    /// even when it is itself such a folder: naming it is asking for it.
    /// Parses on at most `threads` threads (`None`: one per core).
    pub fn load(
        &self,
        paths: &[PathBuf],
        threads: Option<usize>,
        unselected: &mut Unselected,
    ) -> RuleSet {
        let mut files = Vec::new();
        let mut errors: Vec<Diagnostic> = Vec::new();
        for root in paths {
            let mut under = Vec::new();
            collect_rule_files(root, &mut under, &mut errors);
            for f in under {
                let rel = f.strip_prefix(root).unwrap_or(&f);
                let parent = rel.parent().unwrap_or(Path::new(""));
                let read = parent
                    .components()
                    .all(|c| c.as_os_str().to_str().is_none_or(|n| self.reads_folder(n)));
                if read {
                    files.push(f);
                } else {
                    unselected.skipped_files += 1;
                }
            }
        }
        let mut set = RuleSet::load_with(&files, threads);
        errors.append(&mut set.errors);
        set.errors = errors;
        set
    }

    /// Whether a detection rule is selected.
    pub fn selects(&self, r: &Rule) -> bool {
        self.level_ok(r.level.as_deref())
            && self.status_ok(r.status.as_deref())
            && self.tags_ok(&r.tags)
            && self.name_ok(r.id.as_deref(), r.name.as_deref(), &r.file)
    }

    fn level_ok(&self, level: Option<&str>) -> bool {
        let Some(min) = self.min_level else {
            return true;
        };
        level.and_then(Level::parse).unwrap_or(Level::Informational) >= min
    }

    fn status_ok(&self, status: Option<&str>) -> bool {
        match status {
            // An unknown status is kept as a missing one is: the rule is
            // not one of those the user left out by name.
            Some(s) => match Status::parse(s) {
                Some(s) => self.statuses.contains(&s),
                None => !self.explicit_status,
            },
            None => !self.explicit_status,
        }
    }

    fn tags_ok(&self, tags: &[String]) -> bool {
        let has = |pat: &String| tags.iter().any(|t| tag_matches(pat, t));
        (self.tags.is_empty() || self.tags.iter().any(has)) && !self.exclude_tags.iter().any(has)
    }

    fn name_ok(&self, id: Option<&str>, name: Option<&str>, file: &Path) -> bool {
        if self.exclude.iter().any(|n| n.names(id, name, file)) {
            return false;
        }
        match &self.only {
            Some(only) => only.iter().any(|n| n.names(id, name, file)),
            None => true,
        }
    }

    /// Removes the rules and correlations this selection leaves out. Filters
    /// stay (they only narrow rules). Correlations are selected by level and
    /// name (they carry no status or tags here); the rules and correlations
    /// a kept correlation refers to are kept whatever the selection says.
    pub fn apply(&self, set: &mut RuleSet, unselected: &mut Unselected) {
        let mut keep_rule: Vec<bool> = set.rules.iter().map(|r| self.selects(r)).collect();
        let mut keep_corr: Vec<bool> = set
            .correlations
            .iter()
            .map(|c| {
                self.level_ok(c.level.as_deref())
                    && self.name_ok(c.id.as_deref(), c.name.as_deref(), &c.file)
            })
            .collect();
        // Restore what kept correlations refer to, until nothing changes
        // (a chain refers to correlations that refer to rules).
        loop {
            let wanted: HashSet<String> = set
                .correlations
                .iter()
                .zip(&keep_corr)
                .filter(|(_, k)| **k)
                .flat_map(|(c, _)| c.rules.iter().map(|r| r.name.clone()))
                .collect();
            let mut changed = false;
            let refers = |id: &Option<String>, name: &Option<String>| {
                id.as_ref().is_some_and(|i| wanted.contains(i))
                    || name.as_ref().is_some_and(|n| wanted.contains(n))
            };
            for (r, k) in set.rules.iter().zip(keep_rule.iter_mut()) {
                if !*k && refers(&r.id, &r.name) {
                    *k = true;
                    changed = true;
                }
            }
            for (c, k) in set.correlations.iter().zip(keep_corr.iter_mut()) {
                if !*k && refers(&c.id, &c.name) {
                    *k = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for names in [&self.exclude, self.only.as_deref().unwrap_or(&[])] {
            for n in names {
                let any = set
                    .rules
                    .iter()
                    .any(|r| n.names(r.id.as_deref(), r.name.as_deref(), &r.file))
                    || set
                        .correlations
                        .iter()
                        .any(|c| n.names(c.id.as_deref(), c.name.as_deref(), &c.file));
                if !any {
                    unselected.unmatched_names.push(n.text.clone());
                }
            }
        }
        unselected.documents += keep_rule.iter().chain(&keep_corr).filter(|k| !**k).count();
        let mut it = keep_rule.into_iter();
        set.rules.retain(|_| it.next().unwrap_or(true));
        let mut it = keep_corr.into_iter();
        set.correlations.retain(|_| it.next().unwrap_or(true));
    }

    /// The selection in a canonical text form, empty for the default one.
    fn canonical(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.min_level {
            parts.push(format!("min-level={}", l.name()));
        }
        if self.explicit_status {
            let mut s: Vec<&str> = self.statuses.iter().map(|s| s.name()).collect();
            s.sort_unstable();
            parts.push(format!("status={}", s.join(",")));
        }
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v.join(",")
        };
        if !self.tags.is_empty() {
            parts.push(format!("tag={}", sorted(&self.tags)));
        }
        if !self.exclude_tags.is_empty() {
            parts.push(format!("exclude-tag={}", sorted(&self.exclude_tags)));
        }
        let names = |v: &[RuleName]| sorted(&v.iter().map(|n| n.text.clone()).collect::<Vec<_>>());
        if !self.exclude.is_empty() {
            parts.push(format!("exclude-rule={}", names(&self.exclude)));
        }
        if let Some(only) = &self.only {
            parts.push(format!("rule-list={}", names(only)));
        }
        parts.join(";")
    }

    /// The rule-set hash of the selected rules: the loaded documents' hash
    /// as is for the default selection, else FNV-1a 64 over that hash, a
    /// `;` and the canonical selection (`min-level=high;tag=…`).
    pub fn mix_into_hash(&self, hash: String) -> String {
        let canonical = self.canonical();
        if canonical.is_empty() {
            return hash;
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in hash
            .as_bytes()
            .iter()
            .chain(b";")
            .chain(canonical.as_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{h:016x}")
    }
}

/// The names of a rule list: one per line, `#` comments, blanks ignored.
fn parse_rule_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `pattern` (lowercase; a trailing `*` = prefix) matches `tag`.
fn tag_matches(pattern: &str, tag: &str) -> bool {
    let tag = tag.trim().to_ascii_lowercase();
    match pattern.strip_suffix('*') {
        Some(prefix) => tag.starts_with(prefix),
        None => tag == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(yaml: &str) -> RuleSet {
        let mut s = RuleSet::default();
        s.load_text(Path::new("t.yml"), yaml);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        s
    }

    fn rule(id: &str, level: &str, status: &str, tags: &str) -> String {
        format!(
            "title: {id}\nid: {id}\nlevel: {level}\nstatus: {status}\ntags: [{tags}]\n\
             logsource: {{product: windows}}\ndetection:\n  sel: {{a: b}}\n  condition: sel\n"
        )
    }

    fn ids(sel: &RuleSelection, s: &RuleSet) -> Vec<String> {
        let mut s = {
            let mut copy = RuleSet::default();
            copy.rules = s.rules.clone();
            copy.correlations = s.correlations.clone();
            copy
        };
        sel.apply(&mut s, &mut Unselected::default());
        s.rules.iter().map(|r| r.report_id().to_string()).collect()
    }

    fn flags() -> SelectFlags {
        SelectFlags::default()
    }

    fn corpus() -> RuleSet {
        set(&[
            rule(
                "r-low",
                "low",
                "stable",
                "attack.execution, attack.t1059.001",
            ),
            rule("r-high", "high", "test", "attack.t1003"),
            rule("r-crit-dep", "critical", "deprecated", "attack.t1059"),
            rule("r-med-exp", "medium", "experimental", "cve.2021-1"),
        ]
        .join("---\n"))
    }

    #[test]
    fn default_leaves_out_deprecated_status() {
        let sel = RuleSelection::from_flags(&flags()).unwrap();
        assert_eq!(ids(&sel, &corpus()), ["r-low", "r-high", "r-med-exp"]);
    }

    #[test]
    fn min_level_is_inclusive_and_ordered() {
        let mut f = flags();
        f.min_level = Some(Level::Medium);
        let sel = RuleSelection::from_flags(&f).unwrap();
        assert_eq!(ids(&sel, &corpus()), ["r-high", "r-med-exp"]);
    }

    #[test]
    fn explicit_status_replaces_the_default() {
        let mut f = flags();
        f.status = vec![Status::Deprecated, Status::Stable];
        let sel = RuleSelection::from_flags(&f).unwrap();
        assert_eq!(ids(&sel, &corpus()), ["r-low", "r-crit-dep"]);
    }

    #[test]
    fn tags_any_of_with_prefix_and_exclusions() {
        let mut f = flags();
        f.tag = vec!["ATTACK.T1059*".into(), "attack.t1003".into()];
        f.exclude_tag = vec!["attack.execution".into()];
        let sel = RuleSelection::from_flags(&f).unwrap();
        assert_eq!(ids(&sel, &corpus()), ["r-high"]);
    }

    #[test]
    fn exclude_rule_by_id_is_case_insensitive_and_unmatched_names_reported() {
        let mut f = flags();
        f.exclude_rule = vec!["R-HIGH".into(), "nothing-like-this".into()];
        let sel = RuleSelection::from_flags(&f).unwrap();
        let mut s = corpus();
        let mut u = Unselected::default();
        sel.apply(&mut s, &mut u);
        let got: Vec<&str> = s.rules.iter().map(|r| r.report_id()).collect();
        assert_eq!(got, ["r-low", "r-med-exp"]);
        assert_eq!(u.unmatched_names, ["nothing-like-this"]);
        assert_eq!(u.documents, 2);
    }

    #[test]
    fn rule_list_ignores_comments_and_blank_lines() {
        assert_eq!(
            parse_rule_list("# header\n r-low \n\nr-high # why\r\n"),
            ["r-low", "r-high"]
        );
    }

    #[test]
    fn a_kept_correlation_keeps_the_rules_it_refers_to() {
        let mut y = rule("base", "low", "test", "");
        y.push_str(
            "---\ntitle: burst\nid: corr\nlevel: high\ncorrelation:\n  type: event_count\n  \
             rules: [base]\n  timespan: 5m\n  condition: {gte: 2}\n",
        );
        let mut f = flags();
        f.min_level = Some(Level::High);
        let sel = RuleSelection::from_flags(&f).unwrap();
        let mut s = set(&y);
        sel.apply(&mut s, &mut Unselected::default());
        assert_eq!(s.rules.len(), 1, "the base rule stays");
        assert_eq!(s.correlations.len(), 1);
    }

    #[test]
    fn selection_changes_the_hash_only_when_it_leaves_rules_out() {
        let default = RuleSelection::from_flags(&flags()).unwrap();
        assert_eq!(default.mix_into_hash("abc".into()), "abc");
        let mut f = flags();
        f.min_level = Some(Level::High);
        let high = RuleSelection::from_flags(&f).unwrap();
        let h = high.mix_into_hash("abc".into());
        assert_ne!(h, "abc");
        assert_eq!(h.len(), 16);
    }

    #[test]
    fn unreadable_rule_list_and_empty_tag_are_errors() {
        let mut f = flags();
        f.rule_list = Some("/nonexistent/list.txt".into());
        assert!(matches!(
            RuleSelection::from_flags(&f),
            Err(SelectError::RuleList { .. })
        ));
        let mut f = flags();
        f.tag = vec![" ".into()];
        assert!(matches!(
            RuleSelection::from_flags(&f),
            Err(SelectError::EmptyTag("--tag"))
        ));
    }

    #[test]
    fn deprecated_and_unsupported_folders_are_skipped_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["rules/windows", "deprecated/windows", "unsupported"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let r = |id: &str| rule(id, "low", "test", "");
        std::fs::write(dir.path().join("rules/windows/a.yml"), r("a")).unwrap();
        std::fs::write(dir.path().join("deprecated/windows/b.yml"), r("b")).unwrap();
        std::fs::write(dir.path().join("unsupported/c.yml"), r("c")).unwrap();
        let root = vec![dir.path().to_path_buf()];
        let load = |sel: &RuleSelection| {
            let mut u = Unselected::default();
            let s = sel.load(&root, None, &mut u);
            let mut ids: Vec<String> = s.rules.iter().map(|r| r.report_id().into()).collect();
            ids.sort();
            (ids, u.skipped_files)
        };
        let default = RuleSelection::from_flags(&flags()).unwrap();
        assert_eq!(load(&default), (vec!["a".to_string()], 2));
        let mut f = flags();
        f.status = vec![Status::Test, Status::Unsupported];
        let unsup = RuleSelection::from_flags(&f).unwrap();
        assert_eq!(load(&unsup), (vec!["a".to_string(), "c".to_string()], 1));
        // Naming the folder itself reads it.
        let mut u = Unselected::default();
        let s = default.load(&[dir.path().join("deprecated")], None, &mut u);
        assert_eq!(s.rules.len(), 1);
    }
}
