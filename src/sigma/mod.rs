//! The Sigma rule language: YAML files → rule model, with diagnostics.
//!
//! Loading never fails as a whole. Every document of every file becomes a
//! rule, a filter, a correlation, or a [`Diagnostic`] naming file, line and
//! reason, and the caller decides what to do with the errors (`--strict`).
//! A document whose `id` an earlier document already has is not loaded but
//! recorded in [`RuleSet::duplicates`]: a rules directory mounted twice over
//! (a Kubernetes ConfigMap's `..data/` copies, a rule pasted into two
//! folders) must not report every hit twice. Directories are walked with
//! symbolic links followed and loops detected, dot-named entries skipped
//! ([`collect_rule_files`]).
//! Correlations are parsed here (`correlation.rs`); their references to
//! other documents are resolved by `correlate`. This module knows
//! nothing of literals, JSON or scanning: it produces the model that
//! `compile` turns into matchers.

pub mod attack;
pub mod condition;
pub mod correlation;
pub mod digest;
mod files;
pub mod logsource;
pub mod maps;
pub mod value;
pub mod yaml;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use files::{collect_rule_files, rule_files};

use condition::Cond;
use value::{Modifier, Value};
use yaml::{Node, NodeKind};

/// What kind of problem a [`Diagnostic`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// A rule path, directory or file could not be read.
    Io,
    /// The file is not valid YAML.
    Yaml,
    /// The document is not a valid rule, filter or correlation (a missing
    /// or malformed part).
    Rule,
    /// The rule is well-formed but cannot be compiled (a modifier, value,
    /// regex, placeholder or condition it uses).
    Compile,
    /// A correlation's references do not resolve (unknown, ambiguous, a
    /// loop, a missing group-by field).
    Reference,
    /// Another document has the same `id`; this one is not loaded.
    Duplicate,
    /// Not an error: something the rule does that is likely a mistake.
    Warning,
}

/// A problem found while loading or compiling a rule document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// The rule file.
    pub file: PathBuf,
    /// 1-based line the problem is reported at.
    pub line: usize,
    /// The rule's id, when the document got that far.
    pub rule_id: Option<String>,
    /// The rule's title, when known.
    pub title: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file.display(), self.line)?;
        if let Some(id) = &self.rule_id {
            write!(f, "rule {id}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Where a rule's events come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogSource {
    /// e.g. `windows`.
    pub product: Option<String>,
    /// e.g. `process_creation`.
    pub category: Option<String>,
    /// e.g. `security`.
    pub service: Option<String>,
}

/// One `field|modifiers: values` entry (field `None` for keywords).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The field name; `None` for a keyword search.
    pub field: Option<String>,
    /// Modifiers, left to right.
    pub modifiers: Vec<Modifier>,
    /// The values (OR, or AND with `all`). Empty means null.
    pub values: Vec<Value>,
    /// 1-based line of the item.
    pub line: usize,
}

/// A named search of the detection block: an OR of ANDed item lists.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// The search identifier.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// OR of alternatives; each alternative is an AND of items.
    pub alternatives: Vec<Vec<Item>>,
}

/// The detection block.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// The search identifiers in source order.
    pub searches: Vec<Search>,
    /// The conditions (OR-ed when several).
    pub conditions: Vec<Cond>,
    /// 1-based line of `condition`.
    pub condition_line: usize,
}

/// A detection rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line of the document start.
    pub line: usize,
    /// `id`.
    pub id: Option<String>,
    /// `name` (a handle for correlations and filters).
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level`.
    pub level: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `logsource`.
    pub logsource: LogSource,
    /// `detection`.
    pub detection: Detection,
}

impl Rule {
    /// The id to report: `id`, else `name`, else the title.
    pub fn report_id(&self) -> &str {
        report_id(self.id.as_deref(), self.name.as_deref(), &self.title)
    }
}

/// What a rule or correlation reports as its id: `id`, else `name`, else
/// the title.
pub(crate) fn report_id<'a>(id: Option<&'a str>, name: Option<&'a str>, title: &'a str) -> &'a str {
    id.or(name).unwrap_or(title)
}

/// Which rules a filter applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterTarget {
    /// Every rule whose logsource fits (`rules: any` or an empty list).
    Any,
    /// Rules named by id or `name`.
    Rules(Vec<String>),
}

/// A Sigma filter document (../shared/SIGMA.md §3).
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line of the document.
    pub line: usize,
    /// `id`.
    pub id: Option<String>,
    /// `title`.
    pub title: String,
    /// `logsource`.
    pub logsource: LogSource,
    /// The rules it applies to.
    pub target: FilterTarget,
    /// Its searches and condition.
    pub detection: Detection,
}

/// Everything loaded from a set of rule files.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// Detection rules.
    pub rules: Vec<Rule>,
    /// Filter documents.
    pub filters: Vec<Filter>,
    /// Correlation documents (their references are resolved by `correlate`).
    pub correlations: Vec<correlation::Correlation>,
    /// Errors: each is a document that did not load.
    pub errors: Vec<Diagnostic>,
    /// Number of documents seen (rules, filters, correlations and failures).
    pub documents: usize,
    /// One digest per document (or per unparsable or unreadable file)
    /// loaded, for the rule-set hash ([`digest`]); duplicates left out.
    pub digests: Vec<u64>,
    /// Documents not loaded because an earlier document has the same `id`
    /// (`--strict` makes them fatal). Each names the copy that was kept.
    pub duplicates: Vec<Diagnostic>,
    /// The first document seen with each `id`: where, and its digest (to
    /// tell a copy from a different rule with the same id).
    first_by_id: HashMap<String, FirstCopy>,
}

/// Where the loaded copy of an `id` came from.
#[derive(Debug)]
struct FirstCopy {
    file: PathBuf,
    line: usize,
    digest: u64,
}

/// One rule file as the parse threads leave it: every document parsed into
/// its rule, filter or correlation and digested, or why it could not be.
/// PERF: parsing is most of loading a rule set (2,535 SigmaHQ files), so
/// the files are shared out to the machine's cores ([`crate::par`]); what
/// depends on the documents before it (duplicate ids) stays in file order.
enum ParsedFile {
    Docs(Vec<ParsedDoc>),
    /// Not valid YAML: the error and the digest of the file's bytes.
    Yaml(yaml::YamlError, u64),
    /// Unreadable.
    Io(std::io::Error),
}

/// One document of a file, parsed.
struct ParsedDoc {
    head: DocHead,
    digest: u64,
    parsed: Result<Document, Diagnostic>,
}

/// What the load needs of a document's YAML once it is parsed: what names
/// it as a duplicate. PERF: the YAML tree itself is freed on the thread
/// that parsed it; kept for this, it was freed on the loading thread,
/// after every parse.
struct DocHead {
    id: Option<String>,
    line: usize,
    title: Option<String>,
}

/// What a document is.
enum Document {
    Rule(Rule),
    Filter(Filter),
    Correlation(correlation::Correlation),
}

impl ParsedFile {
    fn read(file: &Path) -> ParsedFile {
        match std::fs::read(file) {
            Ok(bytes) => ParsedFile::parse(file, &String::from_utf8_lossy(&bytes)),
            Err(e) => ParsedFile::Io(e),
        }
    }

    fn parse(file: &Path, text: &str) -> ParsedFile {
        let docs = match yaml::parse_documents(text) {
            Ok(docs) => docs,
            Err(e) => return ParsedFile::Yaml(e, digest::unparsable_digest(text.as_bytes())),
        };
        let docs = docs.into_iter().map(|node| {
            let parsed = if node.get("correlation").is_some() {
                correlation::parse(file, &node).map(Document::Correlation)
            } else if node.get("filter").is_some() {
                parse_filter(file, &node).map(Document::Filter)
            } else {
                parse_rule(file, &node).map(Document::Rule)
            };
            ParsedDoc {
                digest: digest::document_digest(&node),
                head: DocHead {
                    id: str_field(&node, "id"),
                    line: node.line,
                    title: str_field(&node, "title"),
                },
                parsed,
            }
        });
        ParsedFile::Docs(docs.collect())
    }
}

fn diag(
    kind: DiagnosticKind,
    file: &Path,
    line: usize,
    rule_id: Option<String>,
    title: Option<String>,
    message: String,
) -> Diagnostic {
    Diagnostic {
        kind,
        file: file.to_path_buf(),
        line,
        rule_id,
        title,
        message,
    }
}

impl RuleSet {
    /// Loads every rule file under `paths`, parsing on one thread per core.
    pub fn load(paths: &[PathBuf]) -> RuleSet {
        RuleSet::load_with(paths, None)
    }

    /// [`RuleSet::load`] parsing on at most `threads` threads (`None`: one
    /// per core; `--threads` bounds it, so that many sigscans sharing a
    /// server, each told its share, do not each start one per core).
    pub fn load_with(paths: &[PathBuf], threads: Option<usize>) -> RuleSet {
        let mut set = RuleSet::default();
        let files = rule_files(paths, &mut set.errors);
        let parsed = crate::par::map(crate::par::threads(threads), &files, |f| {
            ParsedFile::read(f)
        });
        for (f, parsed) in files.iter().zip(parsed) {
            set.add_file(f, parsed);
        }
        set
    }

    /// Loads every document of one file's text.
    pub fn load_text(&mut self, file: &Path, text: &str) {
        self.add_file(file, ParsedFile::parse(file, text));
    }

    /// Adds one file's documents, or the diagnostic that it has none.
    fn add_file(&mut self, file: &Path, parsed: ParsedFile) {
        let docs = match parsed {
            ParsedFile::Docs(docs) => docs,
            ParsedFile::Yaml(e, digest) => {
                self.documents += 1;
                self.digests.push(digest);
                self.errors.push(diag(
                    DiagnosticKind::Yaml,
                    file,
                    e.line,
                    None,
                    None,
                    format!("YAML: {}", e.message),
                ));
                return;
            }
            ParsedFile::Io(e) => {
                self.documents += 1;
                self.digests.push(digest::unreadable_digest());
                self.errors.push(diag(
                    DiagnosticKind::Io,
                    file,
                    0,
                    None,
                    None,
                    format!("cannot read rule file: {e}"),
                ));
                return;
            }
        };
        for doc in docs {
            self.documents += 1;
            if self.is_duplicate(file, doc.head, doc.digest) {
                continue;
            }
            self.digests.push(doc.digest);
            match doc.parsed {
                Ok(Document::Rule(r)) => self.rules.push(r),
                Ok(Document::Filter(f)) => self.filters.push(f),
                Ok(Document::Correlation(c)) => self.correlations.push(c),
                Err(d) => self.errors.push(d),
            }
        }
    }
}

impl RuleSet {
    /// Whether an earlier document has `doc`'s `id`; records the duplicate
    /// if so, else remembers `doc` as the first with its id (whether or not
    /// it then loads: the hash in `digest.rs` cannot tell). Rules, filters
    /// and correlations share one id space (correlations name rules and
    /// other correlations by id). The first copy in load order (the paths
    /// in the order given, each walked in name order) is the one loaded.
    fn is_duplicate(&mut self, file: &Path, doc: DocHead, digest: u64) -> bool {
        let Some(id) = doc.id else {
            return false;
        };
        match self.first_by_id.get(&id) {
            None => {
                self.first_by_id.insert(
                    id,
                    FirstCopy {
                        file: file.to_path_buf(),
                        line: doc.line,
                        digest,
                    },
                );
                false
            }
            Some(first) => {
                let same = if first.digest == digest {
                    "an identical document"
                } else {
                    "a different document with the same id"
                };
                let message = format!(
                    "duplicate id: {}:{} has it too and comes first ({same}); \
                     this copy is not loaded",
                    first.file.display(),
                    first.line,
                );
                self.duplicates.push(diag(
                    DiagnosticKind::Duplicate,
                    file,
                    doc.line,
                    Some(id),
                    doc.title,
                    message,
                ));
                true
            }
        }
    }
}

fn str_field(doc: &Node, key: &str) -> Option<String> {
    doc.get(key).and_then(|n| n.as_str()).map(str::to_string)
}

fn parse_logsource(doc: &Node) -> LogSource {
    let ls = doc.get("logsource");
    let get = |k: &str| {
        ls.and_then(|l| l.get(k))
            .and_then(|n| n.as_str())
            .map(|s| s.trim().to_ascii_lowercase())
    };
    LogSource {
        product: get("product"),
        category: get("category"),
        service: get("service"),
    }
}

fn parse_rule(file: &Path, doc: &Node) -> Result<Rule, Diagnostic> {
    let id = str_field(doc, "id");
    let title = str_field(doc, "title");
    let fail = |line: usize, msg: String| {
        diag(
            DiagnosticKind::Rule,
            file,
            line,
            id.clone(),
            title.clone(),
            msg,
        )
    };
    if doc.as_map().is_none() {
        return Err(fail(doc.line, "a rule document must be a mapping".into()));
    }
    let Some(title_s) = title.clone() else {
        return Err(fail(doc.line, "missing `title`".into()));
    };
    let Some(det) = doc.get("detection") else {
        return Err(fail(doc.line, "missing `detection`".into()));
    };
    let detection = parse_detection(det).map_err(|(line, msg)| fail(line, msg))?;
    let tags = match doc.get("tags").map(|t| &t.kind) {
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Rule {
        file: file.to_path_buf(),
        line: doc.line,
        id,
        name: str_field(doc, "name"),
        title: title_s,
        level: str_field(doc, "level"),
        status: str_field(doc, "status"),
        tags,
        logsource: parse_logsource(doc),
        detection,
    })
}

fn parse_filter(file: &Path, doc: &Node) -> Result<Filter, Diagnostic> {
    let id = str_field(doc, "id");
    let title = str_field(doc, "title");
    let fail = |line: usize, msg: String| {
        diag(
            DiagnosticKind::Rule,
            file,
            line,
            id.clone(),
            title.clone(),
            msg,
        )
    };
    let f = doc.get("filter").expect("BUG: caller checked `filter`");
    let target = match f.get("rules").map(|n| &n.kind) {
        None => return Err(fail(f.line, "filter without `rules`".into())),
        Some(NodeKind::Scalar { text, .. }) if text == "any" => FilterTarget::Any,
        Some(NodeKind::Scalar { text, .. }) => FilterTarget::Rules(vec![text.clone()]),
        Some(NodeKind::Seq(items)) if items.is_empty() => FilterTarget::Any,
        Some(NodeKind::Seq(items)) => FilterTarget::Rules(
            items
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
        ),
        Some(NodeKind::Map(_)) => return Err(fail(f.line, "`rules` must be a list".into())),
    };
    // `rules` says which rules the filter applies to; it is not a search
    // (else `1 of them` in the filter's condition would include it).
    let mut searches_only = f.clone();
    if let NodeKind::Map(entries) = &mut searches_only.kind {
        entries.retain(|(k, _)| k != "rules");
    }
    let detection = parse_detection(&searches_only).map_err(|(line, msg)| fail(line, msg))?;
    Ok(Filter {
        file: file.to_path_buf(),
        line: doc.line,
        id,
        title: title.unwrap_or_default(),
        logsource: parse_logsource(doc),
        target,
        detection,
    })
}

type ParseErr = (usize, String);

fn parse_detection(det: &Node) -> Result<Detection, ParseErr> {
    let Some(entries) = det.as_map() else {
        return Err((det.line, "`detection` must be a mapping".into()));
    };
    let mut searches = Vec::new();
    let mut conditions = Vec::new();
    let mut condition_line = det.line;
    for (key, node) in entries {
        match key.as_str() {
            "condition" => {
                condition_line = node.line;
                let texts: Vec<&Node> = match &node.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![node],
                };
                for t in texts {
                    let Some(s) = t.as_str() else {
                        return Err((t.line, "a condition must be a string".into()));
                    };
                    conditions.push(
                        condition::parse(s).map_err(|e| (t.line, format!("condition: {e}")))?,
                    );
                }
            }
            // Sigma 1 leftovers that carry no detection logic.
            "timeframe" => {
                return Err((
                    node.line,
                    "`timeframe` belongs to the deprecated aggregation \
                     syntax; write a correlation rule instead"
                        .into(),
                ));
            }
            name => searches.push(parse_search(name, node)?),
        }
    }
    if conditions.is_empty() {
        return Err((det.line, "missing `condition`".into()));
    }
    Ok(Detection {
        searches,
        conditions,
        condition_line,
    })
}

fn parse_search(name: &str, node: &Node) -> Result<Search, ParseErr> {
    let mut alternatives = Vec::new();
    match &node.kind {
        NodeKind::Map(entries) => alternatives.push(parse_map(entries, node.line)?),
        NodeKind::Seq(items) => {
            let mut keywords = Vec::new();
            for it in items {
                match &it.kind {
                    NodeKind::Map(entries) => alternatives.push(parse_map(entries, it.line)?),
                    NodeKind::Scalar { text, plain } => {
                        keywords.push(Value::from_scalar(text, *plain));
                    }
                    NodeKind::Seq(_) => {
                        return Err((it.line, format!("search `{name}`: nested lists")));
                    }
                }
            }
            if !keywords.is_empty() {
                alternatives.push(vec![Item {
                    field: None,
                    modifiers: Vec::new(),
                    values: keywords,
                    line: node.line,
                }]);
            }
        }
        NodeKind::Scalar { text, plain } => alternatives.push(vec![Item {
            field: None,
            modifiers: Vec::new(),
            values: vec![Value::from_scalar(text, *plain)],
            line: node.line,
        }]),
    }
    Ok(Search {
        name: name.to_string(),
        line: node.line,
        alternatives,
    })
}

fn parse_map(entries: &[(String, Node)], line: usize) -> Result<Vec<Item>, ParseErr> {
    let mut items = Vec::with_capacity(entries.len());
    for (key, node) in entries {
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or("").trim();
        let mut modifiers = Vec::new();
        for m in parts {
            match Modifier::parse(m.trim()) {
                Some(m) => modifiers.push(m),
                None => return Err((node.line, format!("unknown modifier `{m}` in `{key}`"))),
            }
        }
        let values = match &node.kind {
            NodeKind::Scalar { text, plain } => vec![Value::from_scalar(text, *plain)],
            NodeKind::Seq(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for it in items {
                    match &it.kind {
                        NodeKind::Scalar { text, plain } => {
                            vals.push(Value::from_scalar(text, *plain))
                        }
                        _ => {
                            return Err((it.line, format!("`{key}`: values must be scalars")));
                        }
                    }
                }
                vals
            }
            NodeKind::Map(_) => {
                return Err((node.line, format!("`{key}`: a value cannot be a mapping")));
            }
        };
        items.push(Item {
            field: if field.is_empty() {
                None
            } else {
                Some(field.to_string())
            },
            modifiers,
            values,
            line: node.line,
        });
    }
    if items.is_empty() {
        return Err((line, "empty search map".into()));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> RuleSet {
        let mut s = RuleSet::default();
        s.load_text(Path::new("t.yml"), text);
        s
    }

    #[test]
    fn loads_maps_lists_and_keywords() {
        let s = load(
            "title: t\nid: x\nlogsource: {product: Windows, category: ps_script}\n\
             detection:\n  sel:\n    A|contains|all: [a, b]\n    B: 4\n  alt:\n    - C: c\n    - D: d\n  \
             kw:\n    - foo\n    - bar\n  condition: sel and (alt or kw)\nlevel: high\n",
        );
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let r = &s.rules[0];
        assert_eq!(r.logsource.product.as_deref(), Some("windows"));
        let d = &r.detection;
        assert_eq!(d.searches.len(), 3);
        assert_eq!(
            d.searches[0].alternatives[0][0].modifiers,
            vec![Modifier::Contains, Modifier::All]
        );
        assert_eq!(d.searches[0].alternatives[0][1].values, vec![Value::Int(4)]);
        assert_eq!(d.searches[1].alternatives.len(), 2);
        assert_eq!(d.searches[2].alternatives[0][0].field, None);
        assert_eq!(d.searches[2].alternatives[0][0].values.len(), 2);
    }

    #[test]
    fn errors_name_the_line_and_keep_other_documents() {
        let s = load(
            "title: a\ndetection:\n  sel:\n    F|bogus: 1\n  condition: sel\n---\n\
             title: b\ndetection:\n  sel: {F: 1}\n  condition: sel\n---\ntitle: c\n",
        );
        assert_eq!(s.rules.len(), 1);
        assert_eq!(s.errors.len(), 2);
        assert_eq!(s.errors[0].line, 4);
        assert!(s.errors[0].message.contains("unknown modifier"));
        assert!(s.errors[1].message.contains("missing `detection`"));
        assert_eq!(s.documents, 3);
    }

    #[test]
    fn a_duplicate_id_keeps_the_first_document() {
        let rule = |title: &str| {
            format!("title: {title}\nid: same\ndetection:\n  sel: {{F: 1}}\n  condition: sel\n")
        };
        let s = load(&format!(
            "{}---\n{}---\n{}",
            rule("one"),
            rule("two"),
            rule("one")
        ));
        assert_eq!(s.documents, 3);
        assert_eq!(s.rules.len(), 1);
        assert_eq!(s.rules[0].title, "one");
        assert!(s.errors.is_empty());
        let lines: Vec<usize> = s.duplicates.iter().map(|d| d.line).collect();
        assert_eq!(lines, [7, 13]);
        assert!(
            s.duplicates[0]
                .message
                .contains("t.yml:1 has it too and comes first (a different document")
        );
        assert!(s.duplicates[1].message.contains("(an identical document)"));
    }

    #[test]
    fn loading_on_many_threads_is_loading_on_one() {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..150 {
            // Every 7th file repeats an earlier id, every 31st is not YAML,
            // every 11th holds two documents, one of them a filter.
            let id = if i % 7 == 6 { i - 3 } else { i };
            let mut text = format!(
                "title: r{i}\nid: id{id}\nlogsource: {{product: windows}}\n\
                 detection: {{s: {{F{i}: v}}, condition: s}}\n"
            );
            if i % 11 == 0 {
                text.push_str(&format!(
                    "---\ntitle: f{i}\nfilter: {{rules: [id{i}], s: {{G: x}}, condition: not s}}\n\
                     logsource: {{product: windows}}\n"
                ));
            }
            if i % 31 == 0 {
                text = "title: [unclosed\n".into();
            }
            std::fs::write(tmp.path().join(format!("r{i:03}.yml")), text).unwrap();
        }
        let paths = [tmp.path().to_path_buf()];
        let one = RuleSet::load_with(&paths, Some(1));
        let many = RuleSet::load_with(&paths, Some(4));
        assert!(!one.duplicates.is_empty() && !one.errors.is_empty());
        assert_eq!(one.filters.len(), many.filters.len());
        assert!(!one.filters.is_empty());
        assert_eq!(format!("{:?}", one.rules), format!("{:?}", many.rules));
        assert_eq!(one.errors, many.errors);
        assert_eq!(one.duplicates, many.duplicates);
        assert_eq!(one.digests, many.digests);
        assert_eq!(one.documents, many.documents);
    }

    #[test]
    fn filter_documents() {
        let s = load(
            "title: f\nlogsource: {product: windows}\nfilter:\n  rules: [r1]\n  \
             selection: {User: admin}\n  condition: not selection\n",
        );
        assert_eq!(s.filters.len(), 1);
        assert_eq!(s.filters[0].target, FilterTarget::Rules(vec!["r1".into()]));
        // `rules` is the target list, not a search of the filter.
        let names: Vec<&str> = s.filters[0]
            .detection
            .searches
            .iter()
            .map(|x| x.name.as_str())
            .collect();
        assert_eq!(names, ["selection"]);
    }
}
