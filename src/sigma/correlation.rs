//! Sigma correlation documents (../shared/SIGMA.md §3): YAML → [`Correlation`].
//!
//! A correlation is a document with a `correlation:` block instead of
//! `detection:`. This module checks everything one document can say about
//! itself (type, rule list, timespan, condition, aliases, `generate`) and
//! reports the first problem with the line of the node at fault. What needs
//! the whole rule set (do the referenced rules exist, did they load, do
//! chains loop) is checked later by `correlate`, which sees every file.

use std::path::Path;

use super::yaml::{Node, NodeKind};
use super::{Diagnostic, DiagnosticKind, diag, str_field};

/// The correlation types of the specification (v2.1) plus pySigma's
/// `value_median`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// Events per group in the window.
    EventCount,
    /// Distinct values of `field` per group in the window.
    ValueCount,
    /// Every referenced rule hit within the window, in any order.
    Temporal,
    /// Every referenced rule hit within the window, in the listed order.
    TemporalOrdered,
    /// Sum of the numeric `field`.
    ValueSum,
    /// Mean of the numeric `field`.
    ValueAvg,
    /// A percentile (`percentile: P`) of the numeric `field`.
    ValuePercentile,
    /// The median of the numeric `field` (pySigma's extension; percentile 50).
    ValueMedian,
}

impl CorrelationType {
    /// Every type with its YAML spelling.
    pub const ALL: [(CorrelationType, &'static str); 8] = [
        (CorrelationType::EventCount, "event_count"),
        (CorrelationType::ValueCount, "value_count"),
        (CorrelationType::Temporal, "temporal"),
        (CorrelationType::TemporalOrdered, "temporal_ordered"),
        (CorrelationType::ValueSum, "value_sum"),
        (CorrelationType::ValueAvg, "value_avg"),
        (CorrelationType::ValuePercentile, "value_percentile"),
        (CorrelationType::ValueMedian, "value_median"),
    ];

    /// The YAML spelling (`event_count`, ...).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map(|(_, n)| *n)
            .expect("BUG: every type is listed")
    }

    fn parse(s: &str) -> Option<CorrelationType> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(t, _)| *t)
    }

    /// Whether the type aggregates a `field`.
    pub fn needs_field(self) -> bool {
        !matches!(
            self,
            CorrelationType::EventCount
                | CorrelationType::Temporal
                | CorrelationType::TemporalOrdered
        )
    }

    /// Whether the aggregated `field` must hold numbers.
    pub fn is_numeric(self) -> bool {
        self.needs_field() && self != CorrelationType::ValueCount
    }

    /// Whether the type is one of the two temporal ones.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }
}

/// A comparison of the condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CondOp {
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `eq`
    Eq,
    /// `neq`
    Neq,
}

impl CondOp {
    const ALL: [(CondOp, &'static str); 6] = [
        (CondOp::Gt, "gt"),
        (CondOp::Gte, "gte"),
        (CondOp::Lt, "lt"),
        (CondOp::Lte, "lte"),
        (CondOp::Eq, "eq"),
        (CondOp::Neq, "neq"),
    ];

    /// Whether `value` passes `value OP threshold`.
    pub fn test(self, value: f64, threshold: f64) -> bool {
        match self {
            CondOp::Gt => value > threshold,
            CondOp::Gte => value >= threshold,
            CondOp::Lt => value < threshold,
            CondOp::Lte => value <= threshold,
            CondOp::Eq => value == threshold,
            CondOp::Neq => value != threshold,
        }
    }
}

/// The `condition` map: every comparison must hold (a range is two of them).
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationCondition {
    /// The comparisons, AND-ed.
    pub tests: Vec<(CondOp, f64)>,
    /// `field`: one name, or several for value_count (distinct combinations).
    pub field: Vec<String>,
    /// `percentile` (0–100), for value_percentile.
    pub percentile: Option<f64>,
}

impl CorrelationCondition {
    /// Whether an aggregate value satisfies every comparison.
    pub fn holds(&self, value: f64) -> bool {
        self.tests.iter().all(|&(op, t)| op.test(value, t))
    }
}

/// A reference to a rule or correlation by `id` or `name`, with its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// The id or name as written.
    pub name: String,
    /// 1-based line of the reference.
    pub line: usize,
}

/// One entry of `aliases`: a group-by name standing for a different field
/// in the events of each referenced rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldAlias {
    /// The alias, as used in `group-by` (or `field`).
    pub alias: String,
    /// 1-based line of the alias.
    pub line: usize,
    /// Per referenced rule (id or name): the field it stands for.
    pub fields: Vec<(RuleRef, String)>,
}

/// A correlation rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    /// The file it came from.
    pub file: std::path::PathBuf,
    /// 1-based line of the document start.
    pub line: usize,
    /// `id`.
    pub id: Option<String>,
    /// `name` (other correlations refer to it by this).
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level`.
    pub level: Option<String>,
    /// `correlation.type`.
    pub kind: CorrelationType,
    /// `correlation.rules`, in order (the order matters for temporal_ordered).
    pub rules: Vec<RuleRef>,
    /// `correlation.group-by` (field names or aliases); may be empty.
    pub group_by: Vec<String>,
    /// 1-based line of `group-by` (of `correlation` when absent).
    pub group_by_line: usize,
    /// `correlation.timespan` in seconds.
    pub timespan_s: u64,
    /// `correlation.timespan` as written.
    pub timespan_text: String,
    /// `correlation.condition`; for temporal types without one, the
    /// specification's default: at least as many rules as listed.
    pub condition: CorrelationCondition,
    /// 1-based line of `condition` (of `correlation` when absent).
    pub condition_line: usize,
    /// `correlation.aliases`.
    pub aliases: Vec<FieldAlias>,
    /// `correlation.generate` (default false): whether the referenced rules
    /// also report on their own.
    pub generate: bool,
}

impl Correlation {
    /// The id to report: `id`, else `name`, else the title (as for rules).
    pub fn report_id(&self) -> &str {
        super::report_id(self.id.as_deref(), self.name.as_deref(), &self.title)
    }
}

/// The largest timespan: its nanoseconds must fit an `i64` with room to
/// add event times (about 100 years).
const MAX_TIMESPAN_S: u64 = 100 * 366 * 86_400;

/// Parses a document holding a `correlation` block.
pub fn parse(file: &Path, doc: &Node) -> Result<Correlation, Diagnostic> {
    let id = str_field(doc, "id");
    let title = str_field(doc, "title");
    let report = id
        .clone()
        .or_else(|| str_field(doc, "name"))
        .or(title.clone());
    let fail = |line: usize, msg: String| {
        diag(
            DiagnosticKind::Rule,
            file,
            line,
            report.clone(),
            title.clone(),
            msg,
        )
    };
    if doc.as_map().is_none() {
        return Err(fail(
            doc.line,
            "a correlation document must be a mapping".into(),
        ));
    }
    let Some(title_s) = title.clone() else {
        return Err(fail(doc.line, "correlation: missing `title`".into()));
    };
    if doc.get("detection").is_some() {
        return Err(fail(
            doc.line,
            "a document cannot hold both `detection` and `correlation`".into(),
        ));
    }
    let corr = doc.get("correlation").expect("BUG: caller checked");
    let Some(entries) = corr.as_map() else {
        return Err(fail(corr.line, "`correlation` must be a mapping".into()));
    };
    for (key, node) in entries {
        if !matches!(
            key.as_str(),
            "type" | "rules" | "group-by" | "timespan" | "condition" | "aliases" | "generate"
        ) {
            return Err(fail(
                node.line,
                format!(
                    "correlation: unknown key `{key}` (a typo of `group-by`, `timespan`, ...?)"
                ),
            ));
        }
    }

    let kind = match corr.get("type") {
        None => return Err(fail(corr.line, "correlation without `type`".into())),
        Some(n) => {
            let text = n.as_str().unwrap_or("");
            CorrelationType::parse(text).ok_or_else(|| {
                let names: Vec<&str> = CorrelationType::ALL.iter().map(|(_, n)| *n).collect();
                fail(
                    n.line,
                    format!(
                        "unknown correlation type `{text}` (expected one of {})",
                        names.join(", ")
                    ),
                )
            })?
        }
    };

    let rules = match corr.get("rules") {
        None => return Err(fail(corr.line, "correlation without `rules`".into())),
        Some(n) => string_list(n).map_err(|(l, m)| fail(l, format!("`rules`: {m}")))?,
    };
    if rules.is_empty() {
        return Err(fail(corr.line, "`rules` is empty".into()));
    }
    let rules: Vec<RuleRef> = rules
        .into_iter()
        .map(|(name, line)| RuleRef { name, line })
        .collect();
    if kind != CorrelationType::TemporalOrdered {
        // Listing a rule twice means something only when order matters
        // (`A, A, B`: A twice, then B).
        for (i, r) in rules.iter().enumerate() {
            if rules[..i].iter().any(|p| p.name == r.name) {
                return Err(fail(r.line, format!("`rules` lists `{}` twice", r.name)));
            }
        }
    }

    let (group_by, group_by_line) = match corr.get("group-by") {
        None => (Vec::new(), corr.line),
        Some(n) => {
            let list = string_list(n).map_err(|(l, m)| fail(l, format!("`group-by`: {m}")))?;
            let mut names: Vec<String> = Vec::new();
            for (name, line) in list {
                if names.contains(&name) {
                    return Err(fail(line, format!("`group-by` lists `{name}` twice")));
                }
                names.push(name);
            }
            (names, n.line)
        }
    };

    let (timespan_s, timespan_text) = match corr.get("timespan") {
        None => return Err(fail(corr.line, "correlation without `timespan`".into())),
        Some(n) => {
            let text = n.as_str().unwrap_or("").trim().to_string();
            let secs = parse_timespan(&text).ok_or_else(|| {
                fail(
                    n.line,
                    format!(
                        "bad timespan `{text}`: expected a positive whole number and one of \
                         s, m, h, d (e.g. `90m`), at most 100 years"
                    ),
                )
            })?;
            (secs, text)
        }
    };

    let (condition, condition_line) = match corr.get("condition") {
        Some(n) => (
            parse_condition(n, kind).map_err(|(l, m)| fail(l, m))?,
            n.line,
        ),
        None if kind.is_temporal() => (
            // The specification's default: every listed rule.
            CorrelationCondition {
                tests: vec![(CondOp::Gte, rules.len() as f64)],
                field: Vec::new(),
                percentile: None,
            },
            corr.line,
        ),
        None => {
            return Err(fail(
                corr.line,
                format!(
                    "correlation without `condition` ({} needs one)",
                    kind.name()
                ),
            ));
        }
    };

    let aliases = match corr.get("aliases") {
        None => Vec::new(),
        Some(n) => parse_aliases(n).map_err(|(l, m)| fail(l, m))?,
    };

    let generate = match corr.get("generate") {
        None => false,
        Some(n) => match &n.kind {
            NodeKind::Scalar { text, plain: true }
                if matches!(text.as_str(), "true" | "True" | "TRUE") =>
            {
                true
            }
            NodeKind::Scalar { text, plain: true }
                if matches!(text.as_str(), "false" | "False" | "FALSE") =>
            {
                false
            }
            _ => return Err(fail(n.line, "`generate` must be true or false".into())),
        },
    };

    Ok(Correlation {
        file: file.to_path_buf(),
        line: doc.line,
        id,
        name: str_field(doc, "name"),
        title: title_s,
        level: str_field(doc, "level"),
        kind,
        rules,
        group_by,
        group_by_line,
        timespan_s,
        timespan_text,
        condition,
        condition_line,
        aliases,
        generate,
    })
}

/// `90m` → 5400. Units s, m, h, d as the specification lists them; no
/// zero, no sign, no fraction.
pub fn parse_timespan(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let secs = n.checked_mul(mult)?;
    (secs > 0 && secs <= MAX_TIMESPAN_S).then_some(secs)
}

type ParseErr = (usize, String);

/// A scalar or a list of scalars, with lines.
fn string_list(node: &Node) -> Result<Vec<(String, usize)>, ParseErr> {
    match &node.kind {
        NodeKind::Scalar { text, .. } if !text.trim().is_empty() => {
            Ok(vec![(text.trim().to_string(), node.line)])
        }
        NodeKind::Scalar { .. } => Err((node.line, "empty value".into())),
        NodeKind::Seq(items) => items
            .iter()
            .map(|it| match &it.kind {
                NodeKind::Scalar { text, .. } if !text.trim().is_empty() => {
                    Ok((text.trim().to_string(), it.line))
                }
                _ => Err((it.line, "entries must be non-empty strings".into())),
            })
            .collect(),
        NodeKind::Map(_) => Err((node.line, "expected a string or a list of strings".into())),
    }
}

fn parse_condition(node: &Node, kind: CorrelationType) -> Result<CorrelationCondition, ParseErr> {
    let Some(entries) = node.as_map() else {
        let why = if node.as_str().is_some() {
            "`condition` must be a mapping such as `gte: 10` (boolean conditions over \
             rule names are not supported)"
        } else {
            "`condition` must be a mapping such as `gte: 10`"
        };
        return Err((node.line, why.into()));
    };
    let mut tests = Vec::new();
    let mut field = Vec::new();
    let mut percentile = None;
    for (key, value) in entries {
        if let Some(&(op, _)) = CondOp::ALL.iter().find(|(_, n)| n == key) {
            let n = value
                .as_str()
                .filter(|_| matches!(value.kind, NodeKind::Scalar { plain: true, .. }))
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    (
                        value.line,
                        format!("condition `{key}`: expected a number, got {}", show(value)),
                    )
                })?;
            tests.push((op, n));
        } else if key == "field" {
            field = string_list(value)
                .map_err(|(l, m)| (l, format!("condition `field`: {m}")))?
                .into_iter()
                .map(|(s, _)| s)
                .collect();
        } else if key == "percentile" {
            let p = value
                .as_str()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|p| (0.0..=100.0).contains(p))
                .ok_or_else(|| {
                    (
                        value.line,
                        format!(
                            "condition `percentile`: expected a number from 0 to 100, got {}",
                            show(value)
                        ),
                    )
                })?;
            percentile = Some(p);
        } else {
            return Err((
                value.line,
                format!(
                    "condition: unknown key `{key}` (expected gt, gte, lt, lte, eq, neq, \
                     field, percentile)"
                ),
            ));
        }
    }
    if tests.is_empty() {
        return Err((
            node.line,
            "condition has no comparison (gt, gte, lt, lte, eq or neq)".into(),
        ));
    }
    if kind.needs_field() && field.is_empty() {
        return Err((
            node.line,
            format!(
                "{} needs the `field` it aggregates in `condition`",
                kind.name()
            ),
        ));
    }
    if !kind.needs_field() && !field.is_empty() {
        return Err((
            node.line,
            format!("condition `field` has no meaning for {}", kind.name()),
        ));
    }
    if kind.is_numeric() && field.len() > 1 {
        return Err((
            node.line,
            format!("{} aggregates one numeric `field`, not a list", kind.name()),
        ));
    }
    match (kind, percentile) {
        (CorrelationType::ValuePercentile, None) => {
            return Err((
                node.line,
                "value_percentile needs `percentile: P` (0 to 100) in `condition`".into(),
            ));
        }
        (CorrelationType::ValuePercentile, Some(_)) => {}
        (_, Some(_)) => {
            return Err((
                node.line,
                format!("condition `percentile` has no meaning for {}", kind.name()),
            ));
        }
        _ => {}
    }
    Ok(CorrelationCondition {
        tests,
        field,
        percentile,
    })
}

fn parse_aliases(node: &Node) -> Result<Vec<FieldAlias>, ParseErr> {
    let Some(entries) = node.as_map() else {
        return Err((
            node.line,
            "`aliases` must map each alias to `rule: field` pairs".into(),
        ));
    };
    let mut out = Vec::new();
    for (alias, map) in entries {
        let Some(pairs) = map.as_map() else {
            return Err((
                map.line,
                format!("alias `{alias}` must map rule names to field names"),
            ));
        };
        let mut fields = Vec::new();
        for (rule, field) in pairs {
            let Some(f) = field.as_str().filter(|f| !f.trim().is_empty()) else {
                return Err((
                    field.line,
                    format!("alias `{alias}`: the field for `{rule}` must be a name"),
                ));
            };
            fields.push((
                RuleRef {
                    name: rule.clone(),
                    line: field.line,
                },
                f.trim().to_string(),
            ));
        }
        out.push(FieldAlias {
            alias: alias.clone(),
            line: map.line,
            fields,
        });
    }
    Ok(out)
}

fn show(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar { text, .. } => format!("`{text}`"),
        NodeKind::Seq(_) => "a list".into(),
        NodeKind::Map(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::RuleSet;

    fn load(text: &str) -> RuleSet {
        let mut s = RuleSet::default();
        s.load_text(Path::new("c.yml"), text);
        s
    }

    fn error(text: &str) -> Diagnostic {
        let s = load(text);
        assert!(s.correlations.is_empty(), "{:?}", s.correlations);
        assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
        s.errors[0].clone()
    }

    #[test]
    fn parses_every_part() {
        let s = load(
            "title: spray\nid: c1\nname: spray\nlevel: high\ncorrelation:\n  type: value_count\n  \
             rules:\n    - failed\n  group-by:\n    - IpAddress\n    - ip\n  timespan: 90m\n  \
             condition:\n    field: TargetUserName\n    gt: 2\n    lte: 10\n  aliases:\n    ip:\n      \
             failed: SourceIp\n  generate: true\n",
        );
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let c = &s.correlations[0];
        assert_eq!(c.kind, CorrelationType::ValueCount);
        assert_eq!(c.report_id(), "c1");
        assert_eq!(
            c.rules,
            vec![RuleRef {
                name: "failed".into(),
                line: 8
            }]
        );
        assert_eq!(c.group_by, vec!["IpAddress", "ip"]);
        assert_eq!(c.timespan_s, 5400);
        assert_eq!(
            c.condition.tests,
            vec![(CondOp::Gt, 2.0), (CondOp::Lte, 10.0)]
        );
        assert_eq!(c.condition.field, vec!["TargetUserName"]);
        assert!(c.condition.holds(3.0) && c.condition.holds(10.0));
        assert!(!c.condition.holds(2.0) && !c.condition.holds(11.0));
        assert_eq!(c.aliases[0].alias, "ip");
        assert_eq!(c.aliases[0].fields[0].0.name, "failed");
        assert_eq!(c.aliases[0].fields[0].1, "SourceIp");
        assert!(c.generate);
        assert_eq!(s.documents, 1);
    }

    #[test]
    fn temporal_defaults_to_every_rule() {
        let s = load(
            "title: t\ncorrelation:\n  type: temporal\n  rules: [a, b, c]\n  group-by: User\n  \
             timespan: 5m\n",
        );
        let c = &s.correlations[0];
        assert_eq!(c.condition.tests, vec![(CondOp::Gte, 3.0)]);
        assert_eq!(c.group_by, vec!["User"]);
        assert!(!c.generate);
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("1s"), Some(1));
        assert_eq!(parse_timespan("5m"), Some(300));
        assert_eq!(parse_timespan("2h"), Some(7200));
        assert_eq!(parse_timespan("1d"), Some(86_400));
        for bad in [
            "",
            "m",
            "0m",
            "5",
            "5M",
            "1.5h",
            "-1m",
            "+1m",
            "5 m",
            "1w",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_timespan(bad), None, "{bad:?}");
        }
        assert_eq!(parse_timespan("36600d"), Some(MAX_TIMESPAN_S));
        assert_eq!(parse_timespan("36601d"), None);
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "title: x\ncorrelation:\n  type: count\n  rules: a\n  timespan: 1m\n",
                3,
                "unknown correlation type `count`",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 1m\n",
                3,
                "without `condition`",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 10x\n  \
                 condition: {gte: 1}\n",
                5,
                "bad timespan `10x`",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: a\n  condition: {gte: 1}\n",
                3,
                "without `timespan`",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  timespan: 1m\n  condition: {gte: 1}\n",
                3,
                "without `rules`",
            ),
            (
                "title: x\ncorrelation:\n  type: value_count\n  rules: a\n  timespan: 1m\n  \
                 condition:\n    gte: 1\n",
                7,
                "needs the `field`",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 1m\n  \
                 condition:\n    gte: ten\n",
                7,
                "expected a number, got `ten`",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 1m\n  \
                 condition:\n    field: F\n",
                7,
                "no comparison",
            ),
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 1m\n  \
                 condition:\n    gte: 1\n    above: 2\n",
                8,
                "unknown key `above`",
            ),
            (
                "title: x\ncorrelation:\n  type: temporal\n  rules: a\n  timespan: 1m\n  \
                 condition: a and b\n",
                6,
                "boolean conditions",
            ),
            (
                "title: x\ncorrelation:\n  type: value_percentile\n  rules: a\n  timespan: 1m\n  \
                 condition:\n    field: n\n    gt: 5\n",
                7,
                "needs `percentile: P`",
            ),
            (
                "title: x\ncorrelation:\n  type: value_sum\n  rules: a\n  timespan: 1m\n  \
                 condition:\n    field: [n, m]\n    gt: 5\n",
                7,
                "one numeric `field`",
            ),
            (
                "title: x\ncorrelation:\n  type: temporal\n  rules:\n    - a\n    - b\n    - a\n  \
                 timespan: 1m\n",
                7,
                "lists `a` twice",
            ),
            (
                "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 1m\n  \
                 group_by: [User]\n",
                6,
                "unknown key `group_by`",
            ),
            (
                "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 1m\n  \
                 generate: yes please\n",
                6,
                "`generate` must be true or false",
            ),
            (
                "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 1m\n  \
                 aliases:\n    ip: SourceIp\n",
                7,
                "alias `ip` must map rule names",
            ),
            (
                "correlation:\n  type: temporal\n  rules: [a, b]\n  timespan: 1m\n",
                1,
                "missing `title`",
            ),
        ];
        for (text, line, reason) in cases {
            let d = error(text);
            assert_eq!(d.line, *line, "{text}\n{d}");
            assert!(d.message.contains(reason), "{text}\n{d}");
            assert_eq!(d.file, Path::new("c.yml"));
        }
    }

    #[test]
    fn temporal_ordered_may_repeat_a_rule() {
        let s = load(
            "title: x\ncorrelation:\n  type: temporal_ordered\n  rules: [a, a, b]\n  \
             timespan: 1m\n",
        );
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.correlations[0].rules.len(), 3);
        assert_eq!(s.correlations[0].condition.tests, vec![(CondOp::Gte, 3.0)]);
    }
}
