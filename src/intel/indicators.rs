//! Indicators and corpus counts: one row per (field, operator, value) a rule
//! looks for, with the number of loaded rules that look for the same
//! combination (the rule itself included). A high count marks a widely
//! shared, community-vetted indicator; 1 marks one specific to the rule.
//!
//! # What counts as "the same combination"
//!
//! Two detection values are the same indicator when all of these agree:
//!
//! - **the field name**, exactly as written (`ScriptBlockText`; a keyword
//!   search has no field). `CommandLine|contains: GetProcAddress` and
//!   `ScriptBlockText|contains: GetProcAddress` are different indicators.
//! - **the operator**: the item's modifiers in order, aliases spelled one
//!   way (`wide` = `utf16le`, `ignorecase` = `i`), *without* `all`. `all`
//!   says how a rule combines its values (every one must occur), not how
//!   one value is compared with the field: a rule with
//!   `ScriptBlockText|contains|all: [OpenProcessToken, DuplicateTokenEx]`
//!   looks for `ScriptBlockText contains DuplicateTokenEx` like one with
//!   `ScriptBlockText|contains: DuplicateTokenEx`. No modifier at all is the
//!   operator `equals` (`contains` for a keyword, which is searched for
//!   inside the event's values).
//! - **the value**, compared the way Sigma matches it: case-insensitively
//!   (Unicode case folding) unless the operator has `cased`, after escape
//!   processing (`C:\Windows\` and `C:\\Windows\\` are the same string);
//!   regular expressions, CIDR ranges, placeholders, field references and
//!   numeric or time comparisons are compared as written. Numbers compare by
//!   their text (`4104` and `'4104'` agree), `null` only with `null`.
//!
//! A rule counts once per indicator however often it repeats it. Filter
//! documents are not rules and are not counted. This reproduces the corpus
//! counts of the seed document (see the README and
//! `tests/intel_indicators.rs`).
//!
//! # JSON (`rules indicators --json`)
//!
//! With `--rule`: an array, one object per selected rule,
//! `{"id","title","file","line","corpus_rules","indicators":[row…]}`, a row
//! being `{"field","operator","all","value","corpus","rules"}`: `field` is
//! null for keywords, `operator` as above, `all` whether the rule's item
//! has `all`, `value` as written (a string, number, boolean or null),
//! `corpus` the count and `rules` the ids of the rules counted, in load
//! order. Without `--rule`: `{"corpus_rules","indicators":[row…]}` with the
//! most shared indicators, rows without `all`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::Catalog;
use crate::compile::fold;
use crate::output::Table;
use crate::sigma::value::{Modifier, Value};
use crate::sigma::{Item, Rule};

/// The identity of an indicator (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorKey {
    /// Field, `None` for keywords.
    pub field: Option<String>,
    /// Canonical operator (modifiers without `all`, or `equals`).
    pub operator: String,
    /// The value as compared; `None` for null.
    pub value: Option<String>,
}

/// One indicator as a rule writes it.
#[derive(Clone, Debug)]
pub struct Indicator {
    /// Its identity.
    pub key: IndicatorKey,
    /// Whether the rule's item has `all`.
    pub all: bool,
    /// The value as written.
    pub value: Json,
}

/// The canonical name of a modifier.
pub fn modifier_name(m: Modifier) -> &'static str {
    use Modifier::*;
    match m {
        Contains => "contains",
        StartsWith => "startswith",
        EndsWith => "endswith",
        All => "all",
        Exists => "exists",
        Cased => "cased",
        Neq => "neq",
        Windash => "windash",
        Re => "re",
        ReI => "i",
        ReM => "m",
        ReS => "s",
        Base64 => "base64",
        Base64Offset => "base64offset",
        Utf16Le => "utf16le",
        Utf16Be => "utf16be",
        Utf16 => "utf16",
        Cidr => "cidr",
        Lt => "lt",
        Lte => "lte",
        Gt => "gt",
        Gte => "gte",
        Minute => "minute",
        Hour => "hour",
        Day => "day",
        Week => "week",
        Month => "month",
        Year => "year",
        Expand => "expand",
        FieldRef => "fieldref",
    }
}

/// The item's operator: its modifiers without `all`, `|`-joined; with none,
/// `equals` for a field and `contains` for keywords (a keyword is searched
/// for inside the event's values).
pub fn operator(field: Option<&str>, modifiers: &[Modifier]) -> String {
    let names: Vec<&str> = modifiers
        .iter()
        .filter(|m| **m != Modifier::All)
        .map(|m| modifier_name(*m))
        .collect();
    if names.is_empty() {
        if field.is_some() {
            "equals"
        } else {
            "contains"
        }
        .into()
    } else {
        names.join("|")
    }
}

/// A value as the rule writes it, as JSON.
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Str { raw, .. } => Json::String(raw.clone()),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Bool(b) => Json::Bool(*b),
        Value::Null => Json::Null,
    }
}

/// A value for display: strings as written (quoted when empty or padded
/// with spaces, so they stay visible), `null` for null.
pub fn value_text(v: &Json) -> String {
    match v {
        Json::String(s) if s.is_empty() || s.trim() != s => format!("'{s}'"),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn value_key(item: &Item, v: &Value) -> Option<String> {
    use Modifier::*;
    let as_written = item.modifiers.iter().any(|m| {
        matches!(
            m,
            Re | Cidr
                | Expand
                | FieldRef
                | Lt
                | Lte
                | Gt
                | Gte
                | Minute
                | Hour
                | Day
                | Week
                | Month
                | Year
        )
    });
    match v {
        Value::Null => None,
        Value::Str { raw, .. } if as_written => Some(raw.clone()),
        Value::Str { parsed, .. } => {
            // Display re-escapes `*`, `?` and `\` canonically, so spellings
            // that parse to the same wildcard string agree.
            let canonical = parsed.to_string();
            Some(if item.modifiers.contains(&Cased) {
                canonical
            } else {
                fold::fold(&canonical).into_owned()
            })
        }
        other => Some(other.text()),
    }
}

/// The indicators of a rule's detection, each once, in source order.
pub fn rule_indicators(rule: &Rule) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    for search in &rule.detection.searches {
        for alt in &search.alternatives {
            for item in alt {
                let op = operator(item.field.as_deref(), &item.modifiers);
                let all = item.modifiers.contains(&Modifier::All);
                // An empty value list is null (pySigma).
                let nulls = [Value::Null];
                let values = if item.values.is_empty() {
                    &nulls[..]
                } else {
                    &item.values[..]
                };
                for v in values {
                    let key = IndicatorKey {
                        field: item.field.clone(),
                        operator: op.clone(),
                        value: value_key(item, v),
                    };
                    if !out.iter().any(|i| i.key == key) {
                        out.push(Indicator {
                            key,
                            all,
                            value: value_json(v),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Corpus counts over a loaded rule set.
pub struct CorpusIndex {
    /// Per indicator, the rules (indices into the plan) that look for it.
    rules: HashMap<IndicatorKey, Vec<usize>>,
    /// Per rule, its indicators.
    per_rule: Vec<Vec<Indicator>>,
}

/// One row of a rule's indicator table.
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorRow {
    /// The field; `null` for keywords.
    pub field: Option<String>,
    /// The operator (modifiers without `all`, or `equals`).
    pub operator: String,
    /// Whether the rule's item has `all` (every value must occur).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    /// The value as written.
    pub value: Json,
    /// How many loaded rules look for this (field, operator, value).
    pub corpus: usize,
    /// Their ids, in load order.
    pub rules: Vec<String>,
}

impl IndicatorRow {
    fn operator_text(&self) -> String {
        if self.all == Some(true) {
            format!("{}|all", self.operator)
        } else {
            self.operator.clone()
        }
    }
}

/// `rules indicators --rule`: one rule's indicators.
#[derive(Clone, Debug, Serialize)]
pub struct RuleIndicators {
    /// Rule id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Rule file.
    pub file: String,
    /// 1-based line of the rule's document.
    pub line: usize,
    /// Rules in the corpus (the loaded, compiled set).
    pub corpus_rules: usize,
    /// The rows, in source order.
    pub indicators: Vec<IndicatorRow>,
}

/// `rules indicators` without `--rule`: the most shared indicators.
#[derive(Clone, Debug, Serialize)]
pub struct SharedIndicators {
    /// Rules in the corpus.
    pub corpus_rules: usize,
    /// Distinct indicators in the corpus.
    pub distinct_indicators: usize,
    /// The most shared, by count, then field, operator and value.
    pub indicators: Vec<IndicatorRow>,
}

impl CorpusIndex {
    /// Counts every indicator of every compiled rule.
    pub fn build(cat: &Catalog<'_>) -> CorpusIndex {
        let mut rules: HashMap<IndicatorKey, Vec<usize>> = HashMap::new();
        let mut per_rule = Vec::with_capacity(cat.len());
        for (i, src) in cat.sources.iter().enumerate() {
            let inds = rule_indicators(src);
            for ind in &inds {
                // Each rule lists an indicator once, so no duplicate ids.
                rules.entry(ind.key.clone()).or_default().push(i);
            }
            per_rule.push(inds);
        }
        CorpusIndex { rules, per_rule }
    }

    /// How many rules look for `key`.
    pub fn count(&self, key: &IndicatorKey) -> usize {
        self.rules.get(key).map_or(0, Vec::len)
    }

    fn ids(&self, cat: &Catalog<'_>, key: &IndicatorKey) -> Vec<String> {
        self.rules.get(key).map_or_else(Vec::new, |v| {
            v.iter()
                .map(|&i| cat.plan.rules[i].meta.id.clone())
                .collect()
        })
    }

    /// The rows of rule `i`.
    pub fn rows(&self, cat: &Catalog<'_>, i: usize) -> Vec<IndicatorRow> {
        self.per_rule[i]
            .iter()
            .map(|ind| IndicatorRow {
                field: ind.key.field.clone(),
                operator: ind.key.operator.clone(),
                all: Some(ind.all),
                value: ind.value.clone(),
                corpus: self.count(&ind.key),
                rules: self.ids(cat, &ind.key),
            })
            .collect()
    }

    /// The indicator report of rule `i`.
    pub fn for_rule(&self, cat: &Catalog<'_>, i: usize) -> RuleIndicators {
        let meta = &cat.plan.rules[i].meta;
        RuleIndicators {
            id: meta.id.clone(),
            title: meta.title.clone(),
            file: meta.file.display().to_string(),
            line: meta.line,
            corpus_rules: cat.len(),
            indicators: self.rows(cat, i),
        }
    }

    /// The `top` most shared indicators of the whole set. Each is shown as
    /// the first rule (in load order) that looks for it writes it.
    pub fn most_shared(&self, cat: &Catalog<'_>, top: usize) -> SharedIndicators {
        let mut keys: Vec<(&IndicatorKey, &Vec<usize>)> = self.rules.iter().collect();
        keys.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(b.0)));
        let indicators = keys
            .into_iter()
            .take(top)
            .map(|(key, rules)| {
                let first = self.per_rule[rules[0]]
                    .iter()
                    .find(|i| &i.key == key)
                    .expect("BUG: an indexed rule lists its indicator");
                IndicatorRow {
                    field: key.field.clone(),
                    operator: key.operator.clone(),
                    all: None,
                    value: first.value.clone(),
                    corpus: rules.len(),
                    rules: self.ids(cat, key),
                }
            })
            .collect();
        SharedIndicators {
            corpus_rules: cat.len(),
            distinct_indicators: self.rules.len(),
            indicators,
        }
    }
}

/// The field column: the name, or `(keywords)`.
pub fn field_text(field: &Option<String>) -> String {
    field.clone().unwrap_or_else(|| "(keywords)".into())
}

/// Renders rows as an aligned table (field, operator, value, corpus).
pub fn render_rows(rows: &[IndicatorRow], out: &mut String, indent: usize) {
    let mut t = Table::new(&["field", "operator", "value", ">corpus"]);
    for r in rows {
        t.row(vec![
            field_text(&r.field),
            r.operator_text(),
            value_text(&r.value),
            r.corpus.to_string(),
        ]);
    }
    t.render(out, indent);
}

impl RuleIndicators {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}  {}\n{}:{}\n{} indicators; corpus: {} rules (a count includes the rule itself)\n\n",
            self.id,
            self.title,
            self.file,
            self.line,
            self.indicators.len(),
            self.corpus_rules
        );
        render_rows(&self.indicators, &mut s, 2);
        s
    }
}

impl SharedIndicators {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "Most shared indicators: top {} of {} distinct, over {} rule(s)\n\n",
            self.indicators.len(),
            self.distinct_indicators,
            self.corpus_rules
        );
        let mut t = Table::new(&[">rules", "field", "operator", "value"]);
        for r in &self.indicators {
            t.row(vec![
                r.corpus.to_string(),
                field_text(&r.field),
                r.operator.clone(),
                value_text(&r.value),
            ]);
        }
        t.render(&mut s, 2);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{CompileOptions, Plan};
    use crate::sigma::RuleSet;
    use std::path::Path;

    fn catalog_of(docs: &str) -> (RuleSet, Plan) {
        let mut set = RuleSet::default();
        set.load_text(Path::new("t.yml"), docs);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        (set, plan)
    }

    fn rule(id: &str, detection: &str) -> String {
        format!(
            "title: {id}\nid: {id}\nlogsource: {{product: windows, category: ps_script}}\n\
             detection:\n{detection}\n"
        )
    }

    #[test]
    fn same_combination_rules() {
        let docs = [
            rule(
                "a",
                "  sel:\n    F|contains: [Foo, 'C:\\Win\\', '4104']\n  condition: sel",
            ),
            // Same: case, `all`, escaping, number vs string.
            rule(
                "b",
                "  sel:\n    F|contains|all: [FOO, 'C:\\\\Win\\\\']\n    F|contains: 4104\n  condition: sel",
            ),
            // Different: cased, other field, other operator, windash.
            rule(
                "c",
                "  sel:\n    F|contains|cased: Foo\n    G|contains: Foo\n    F: Foo\n    F|windash|contains: Foo\n  condition: sel",
            ),
            // Counted once although it repeats.
            rule(
                "d",
                "  s1:\n    F|contains: foo\n  s2:\n    - F|contains: Foo\n    - F|contains: fOO\n  condition: s1 or s2",
            ),
        ]
        .join("---\n");
        let (set, plan) = catalog_of(&docs);
        let cat = Catalog::new(&set, &plan);
        let idx = CorpusIndex::build(&cat);
        let key = |f: &str, op: &str, v: &str| IndicatorKey {
            field: Some(f.into()),
            operator: op.into(),
            value: Some(v.into()),
        };
        assert_eq!(idx.count(&key("F", "contains", "foo")), 3);
        assert_eq!(idx.count(&key("F", "contains", "c:\\\\win\\\\")), 2);
        assert_eq!(idx.count(&key("F", "contains", "4104")), 2);
        assert_eq!(idx.count(&key("F", "contains|cased", "Foo")), 1);
        assert_eq!(idx.count(&key("G", "contains", "foo")), 1);
        assert_eq!(idx.count(&key("F", "equals", "foo")), 1);
        assert_eq!(idx.count(&key("F", "windash|contains", "foo")), 1);
        let rows = idx.rows(&cat, 1);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].value, Json::String("FOO".into()));
        assert_eq!(rows[0].all, Some(true));
        assert_eq!(rows[0].rules, ["a", "b", "d"]);
        assert_eq!(rows[2].value, Json::from(4104));
        assert_eq!(idx.rows(&cat, 3).len(), 1);
    }

    #[test]
    fn regex_values_keep_their_case_and_nulls_are_null() {
        let docs = [
            rule(
                "a",
                "  sel:\n    F|re: 'Ab.*'\n    G: null\n  condition: sel",
            ),
            rule("b", "  sel:\n    F|re: 'ab.*'\n    G: ''\n  condition: sel"),
            rule("c", "  sel:\n    F|re: 'Ab.*'\n    G: []\n  condition: sel"),
        ]
        .join("---\n");
        let (set, plan) = catalog_of(&docs);
        let cat = Catalog::new(&set, &plan);
        let idx = CorpusIndex::build(&cat);
        let rows_a = idx.rows(&cat, 0);
        assert_eq!(rows_a[0].corpus, 2, "F re Ab.* in a and c");
        assert_eq!(rows_a[1].corpus, 2, "G null in a and c");
        assert_eq!(rows_a[1].value, Json::Null);
        let rows_b = idx.rows(&cat, 1);
        assert_eq!((rows_b[0].corpus, rows_b[1].corpus), (1, 1));
        assert_eq!(value_text(&rows_b[1].value), "''");
    }

    #[test]
    fn most_shared_orders_by_count_then_key() {
        let docs = [
            rule("a", "  sel:\n    F: [x, y]\n  condition: sel"),
            rule("b", "  sel:\n    F: [y, X]\n  condition: sel"),
            rule("c", "  sel:\n    F: [y, z]\n  condition: sel"),
        ]
        .join("---\n");
        let (set, plan) = catalog_of(&docs);
        let cat = Catalog::new(&set, &plan);
        let top = CorpusIndex::build(&cat).most_shared(&cat, 2);
        assert_eq!(top.distinct_indicators, 3);
        let got: Vec<(usize, Json)> = top
            .indicators
            .iter()
            .map(|r| (r.corpus, r.value.clone()))
            .collect();
        assert_eq!(
            got,
            [(3, Json::from("y")), (2, Json::from("x"))],
            "x is shown as rule a writes it"
        );
    }
}
