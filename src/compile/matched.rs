//! Which search items made a hit: for hit records' `matched` (like
//! Hayabusa's Details or rsigma's match detail), so an analyst sees the
//! field and value that fired without reading the rule.
//!
//! The scan only answers "does the rule match"; this re-evaluates the rule
//! on one event and reports, for each search that is true and counts
//! towards the match (not under a `not`), the items of its first true
//! alternative with the event's value. Hits are rare next to lines, so
//! doing it again only on hit lines costs nothing the scan would notice.

use serde_json::Value as Json;

use super::eval::{Renamed, admitting_clause, eval_item, json_text};
use super::item::ItemTest;
use super::{CCond, CGate, CompiledRule, EventSource, FieldId};

/// One item that held in a hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchedItem {
    /// The search identifier (`selection`, …) as the rule names it; for a
    /// search of an applied Sigma filter document, `filter:` and its name.
    pub search: String,
    /// The rule's field (`None` for a keyword search).
    pub field: Option<FieldId>,
    /// The event's value: the field's value as text, or for a keyword the
    /// string of the event that matched; `None` for a missing field (an
    /// item such as `field: null` or `|exists: false`) or a value that is
    /// an object or array.
    pub value: Option<String>,
}

impl CompiledRule {
    /// The items that made this rule match `ev` (see the module docs);
    /// empty when it does not match. `gate_in` as for [`CompiledRule::matches`].
    pub fn explain_match(
        &self,
        ev: &dyn EventSource,
        gate_in: &(Option<String>, Option<i64>),
    ) -> Vec<MatchedItem> {
        let mut out = Vec::new();
        if !self.matches(ev, gate_in) {
            return out;
        }
        let renames = match &self.gate {
            CGate::Clauses(clauses) => {
                admitting_clause(clauses, gate_in.0.as_deref(), gate_in.1).map(|c| &c.renames[..])
            }
            _ => None,
        };
        let renamed;
        let ev: &dyn EventSource = match renames {
            Some(r) if !r.is_empty() => {
                renamed = Renamed {
                    inner: ev,
                    renames: r,
                };
                &renamed
            }
            _ => ev,
        };
        let mut positive = Vec::new();
        positive_searches(&self.cond, false, &mut positive);
        positive.sort_unstable();
        positive.dedup();
        for si in positive {
            let Some(alt) = self.searches[si]
                .iter()
                .find(|alt| alt.iter().all(|t| eval_item(t, ev)))
            else {
                continue;
            };
            let search = self.search_names.get(si).cloned().unwrap_or_default();
            for t in alt {
                let (field, value) = item_value(t, ev);
                out.push(MatchedItem {
                    search: search.clone(),
                    field,
                    value,
                });
            }
        }
        out
    }
}

/// The searches that are not under a `not` (an odd number of them).
fn positive_searches(c: &CCond, negated: bool, out: &mut Vec<usize>) {
    match c {
        CCond::Search(i) => {
            if !negated {
                out.push(*i);
            }
        }
        CCond::And(v) | CCond::Or(v) => v.iter().for_each(|c| positive_searches(c, negated, out)),
        CCond::Not(c) => positive_searches(c, !negated, out),
    }
}

fn text(v: Option<&Json>) -> Option<String> {
    v.and_then(json_text).map(|s| s.into_owned())
}

fn item_value(t: &ItemTest, ev: &dyn EventSource) -> (Option<FieldId>, Option<String>) {
    match t {
        ItemTest::Values { field: Some(f), .. }
        | ItemTest::Exists { field: f, .. }
        | ItemTest::FieldRef { field: f, .. } => (Some(*f), text(ev.field(*f))),
        ItemTest::Values {
            field: None,
            groups,
            ..
        } => {
            // The first string of the event that one of the keywords matches.
            let mut found = None;
            ev.any_string(&mut |s| {
                let folded = std::cell::OnceCell::new();
                let hit = groups
                    .iter()
                    .flatten()
                    .any(|m| m.matches_str_folded(s, &folded));
                if hit {
                    found = Some(s.to_string());
                }
                hit
            });
            (None, found)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::compile::{CompileOptions, Plan, gate_inputs};
    use crate::sigma::RuleSet;

    /// A flat event: field names are the plan's field names.
    struct Flat<'a> {
        plan: &'a Plan,
        doc: HashMap<String, Json>,
    }

    impl EventSource for Flat<'_> {
        fn field(&self, id: FieldId) -> Option<&Json> {
            self.doc.get(&self.plan.fields[id as usize])
        }
        fn any_string(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
            self.doc.values().filter_map(Json::as_str).any(f)
        }
    }

    fn explain(rule: &str, event: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), rule);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let doc: HashMap<String, Json> = serde_json::from_str(event).unwrap();
        let ev = Flat { plan: &plan, doc };
        let g = gate_inputs(&ev);
        plan.rules[0]
            .explain_match(&ev, &g)
            .into_iter()
            .map(|m| {
                let f = m.field.map(|f| plan.fields[f as usize].clone());
                (m.search, f, m.value)
            })
            .collect()
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn reports_the_true_alternative_of_each_positive_search() {
        let rule = "title: t\nlogsource: {product: x}\ndetection:\n  sel:\n    - {Image|endswith: '\\calc.exe'}\n    \
                    - {CommandLine|contains: mimikatz, User: admin}\n  \
                    filter: {User: system}\n  condition: sel and not filter\n";
        let got = explain(
            rule,
            r#"{"Image":"C:\\x.exe","CommandLine":"run MIMIKATZ now","User":"admin"}"#,
        );
        assert_eq!(
            got,
            [
                ("sel".into(), s("CommandLine"), s("run MIMIKATZ now")),
                ("sel".into(), s("User"), s("admin")),
            ]
        );
    }

    #[test]
    fn keywords_report_the_matching_string_and_no_field() {
        let rule =
            "title: t\nlogsource: {product: x}\ndetection:\n  kw: ['*evil*']\n  condition: kw\n";
        let got = explain(rule, r#"{"A":"fine","B":"an evil thing"}"#);
        assert_eq!(got, [("kw".into(), None, s("an evil thing"))]);
    }

    #[test]
    fn numbers_as_text_and_nothing_when_the_rule_does_not_match() {
        let rule = "title: t\nlogsource: {product: x}\ndetection:\n  sel: {EventID: 4625}\n  condition: sel\n";
        assert_eq!(
            explain(rule, r#"{"EventID":4625}"#),
            [("sel".into(), s("EventID"), s("4625"))]
        );
        assert!(explain(rule, r#"{"EventID":4624}"#).is_empty());
    }
}
