//! `rules explain`: one rule as an analyst reads it, and as sigscan runs it.
//!
//! The report has the sections of the seed document — ATT&CK coverage, event
//! coverage, stages and predicates, indicators with corpus counts — and one
//! the seed cannot have: what the rule compiles to. Stage 0 is the condition
//! (as a tree, with `1 of`/`all of` selectors expanded to the identifiers they
//! name); stages 1… are the search identifiers in source order, each broken
//! into predicates (field, operator, values). The compiled part is read from
//! the [`Plan`](crate::compile::Plan): the logsource gate (Channel and
//! EventIDs, field renames), the literals the prefilter uses for the rule,
//! and whether the rule is evaluated on every line, and why.
//!
//! # JSON (`rules explain --json`)
//!
//! An array with one object per rule the query names:
//!
//! ```text
//! {"id","title","file","line","status","level","tags",
//!  "attack":{"tactics":[…],"techniques":[…]},
//!  "logsource":{"product","category","service"},
//!  "stages":[
//!    {"kind":"condition","stage":0,"conditions":["selection"],"tree":[node…]},
//!    {"kind":"search","stage":1,"name":"selection","line":N,
//!     "literals":[…]|null,"alternatives":[[predicate…]…]}…],
//!  "filters":[{"title","file","line","stages":[…]}…],
//!  "indicators":[row…],
//!  "compiled":{"gate":{"kind","clauses":[{"channel","event_ids","renames"}],"note","text"},
//!              "prefilter":{"by","literals"},
//!              "always_evaluated":bool,"reason":"…"}}
//! ```
//!
//! - A condition `node` is `{"op":"search","name"}`, `{"op":"and"|"or","args":[…]}`,
//!   `{"op":"not","arg":{…}}` or `{"op":"1_of"|"all_of","pattern","searches":[…]}`.
//! - A `predicate` is `{"field","modifiers","operator","all","values","line"}`:
//!   `field` null for keywords, `modifiers` as written (canonical names),
//!   `operator` the modifiers without `all` (see [`super::indicators`]),
//!   `values` as written.
//! - A search's `literals` are the prefilter literals that search alone
//!   guarantees (null: it can match without fixed text).
//! - `gate.kind` is `channels`, `any` (no gate), `non_windows` (only records
//!   without a Channel) or `never`; `event_ids` empty means any EventID;
//!   `renames` are `[rule field, event field]` pairs.
//! - `prefilter.by` is `detection`, `channel` or `none`; `literals` are what
//!   the prefilter searches for (ASCII-lowercase).
//! - `indicators` rows as in [`super::indicators`].

use serde::Serialize;
use serde_json::Value as Json;

use super::Catalog;
use crate::compile::{CompiledRule, GateView, Guard, MIN_DETECTION_LITERAL, Plan};
use crate::intel::indicators::{CorpusIndex, IndicatorRow, modifier_name, operator, value_json};
use crate::output::Table;
use crate::sigma::attack::attack_of;
use crate::sigma::condition::{Cond, pattern_matches};
use crate::sigma::{Detection, Item, Search};

/// Everything `rules explain` reports about one rule.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// Rule id (else name, else title).
    pub id: String,
    /// Title.
    pub title: String,
    /// Rule file.
    pub file: String,
    /// 1-based line of the rule's document.
    pub line: usize,
    /// `status`.
    pub status: Option<String>,
    /// `level`.
    pub level: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// ATT&CK tactics and techniques from the tags.
    pub attack: Attack,
    /// The logsource.
    pub logsource: Logsource,
    /// Stage 0 (the condition) and one stage per search identifier.
    pub stages: Vec<Stage>,
    /// Sigma filter documents applied to the rule.
    pub filters: Vec<FilterStages>,
    /// Indicators with corpus counts.
    pub indicators: Vec<IndicatorRow>,
    /// What the rule compiles to.
    pub compiled: Compiled,
}

/// ATT&CK coverage of one rule.
#[derive(Clone, Debug, Serialize)]
pub struct Attack {
    /// Tactic names (`execution`).
    pub tactics: Vec<String>,
    /// Technique ids (`T1059.001`).
    pub techniques: Vec<String>,
}

/// A rule's logsource.
#[derive(Clone, Debug, Serialize)]
pub struct Logsource {
    /// `product`.
    pub product: Option<String>,
    /// `category`.
    pub category: Option<String>,
    /// `service`.
    pub service: Option<String>,
}

/// One stage of a rule.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stage {
    /// Stage 0: the condition(s), OR-ed when several.
    Condition {
        /// Stage number.
        stage: usize,
        /// Each condition, written back in Sigma syntax.
        conditions: Vec<String>,
        /// Each condition as a tree.
        tree: Vec<CondNode>,
    },
    /// A search identifier.
    Search {
        /// Stage number.
        stage: usize,
        /// The identifier.
        name: String,
        /// 1-based line where the search's body starts.
        line: usize,
        /// The prefilter literals this search alone guarantees.
        literals: Option<Vec<String>>,
        /// OR of alternatives, each an AND of predicates.
        alternatives: Vec<Vec<Predicate>>,
    },
}

/// A node of a condition tree.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum CondNode {
    /// A search identifier.
    Search {
        /// Its name.
        name: String,
    },
    /// All of the arguments.
    And {
        /// Operands.
        args: Vec<CondNode>,
    },
    /// Any of the arguments.
    Or {
        /// Operands.
        args: Vec<CondNode>,
    },
    /// Negation.
    Not {
        /// Operand.
        arg: Box<CondNode>,
    },
    /// `1 of` / `any of` a pattern.
    #[serde(rename = "1_of")]
    OneOf {
        /// The pattern or `them`.
        pattern: String,
        /// The identifiers it names.
        searches: Vec<String>,
    },
    /// `all of` a pattern.
    AllOf {
        /// The pattern or `them`.
        pattern: String,
        /// The identifiers it names.
        searches: Vec<String>,
    },
}

/// One `field|modifiers: values` entry.
#[derive(Clone, Debug, Serialize)]
pub struct Predicate {
    /// The field; null for keywords.
    pub field: Option<String>,
    /// The modifiers as written (canonical names).
    pub modifiers: Vec<&'static str>,
    /// The modifiers without `all` (`equals`, `contains` for keywords, when
    /// none).
    pub operator: String,
    /// Every value must match (`all`), else any.
    pub all: bool,
    /// The values as written.
    pub values: Vec<Json>,
    /// 1-based line.
    pub line: usize,
}

/// A filter document applied to the rule.
#[derive(Clone, Debug, Serialize)]
pub struct FilterStages {
    /// Its title.
    pub title: String,
    /// Its file.
    pub file: String,
    /// 1-based line of its document.
    pub line: usize,
    /// Its condition and searches (the rule matches only when this
    /// condition holds too).
    pub stages: Vec<Stage>,
}

/// What a rule compiles to.
#[derive(Clone, Debug, Serialize)]
pub struct Compiled {
    /// The logsource gate.
    pub gate: GateInfo,
    /// How the prefilter selects the rule.
    pub prefilter: PrefilterInfo,
    /// Whether the rule is evaluated on every line.
    pub always_evaluated: bool,
    /// Why the rule is selected as it is, in words.
    pub reason: String,
    /// Items that cannot match on a built-in Security alternative of the
    /// gate (a value that event writes in another form, not translated).
    pub values: Vec<String>,
}

/// The gate, as data and in words.
#[derive(Clone, Debug, Serialize)]
pub struct GateInfo {
    /// `channels`, `any`, `non_windows` or `never`.
    pub kind: &'static str,
    /// The channel clauses (kind `channels`).
    pub clauses: Vec<ClauseInfo>,
    /// Why the gate admits nothing (kind `never`).
    pub note: Option<String>,
    /// The gate in words.
    pub text: String,
}

/// One gate clause.
#[derive(Clone, Debug, Serialize)]
pub struct ClauseInfo {
    /// The channel (compared case-insensitively).
    pub channel: String,
    /// The EventIDs; empty: any.
    pub event_ids: Vec<i64>,
    /// `[rule field, event field]` renames for this clause's events.
    pub renames: Vec<[String; 2]>,
}

/// The prefilter's view of the rule.
#[derive(Clone, Debug, Serialize)]
pub struct PrefilterInfo {
    /// `detection`, `channel` or `none`.
    pub by: &'static str,
    /// The literals (ASCII-lowercase); a line holding none of them is never
    /// evaluated for this rule.
    pub literals: Vec<String>,
}

fn lit_strings(set: &[Vec<u8>]) -> Vec<String> {
    set.iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

/// Explains compiled rule `i` of the catalog.
pub fn explain(cat: &Catalog<'_>, index: &CorpusIndex, i: usize) -> Explanation {
    let (c, src) = cat.rule(i);
    let (tactics, techniques) = attack_of(&src.tags);
    let mut lits = c.search_literals.iter();
    let stages = detection_stages(&src.detection, &mut lits);
    let filters = c
        .filters
        .iter()
        .map(|&fi| {
            let f = &cat.set.filters[fi];
            FilterStages {
                title: f.title.clone(),
                file: f.file.display().to_string(),
                line: f.line,
                stages: detection_stages(&f.detection, &mut lits),
            }
        })
        .collect();
    let ls = &src.logsource;
    Explanation {
        id: c.meta.id.clone(),
        title: c.meta.title.clone(),
        file: c.meta.file.display().to_string(),
        line: c.meta.line,
        status: src.status.clone(),
        level: src.level.clone(),
        tags: src.tags.clone(),
        attack: Attack {
            tactics,
            techniques,
        },
        logsource: Logsource {
            product: ls.product.clone(),
            category: ls.category.clone(),
            service: ls.service.clone(),
        },
        compiled: compiled(c, cat.plan, &stages),
        stages,
        filters,
        indicators: index.rows(cat, i),
    }
}

fn detection_stages<'a>(
    det: &Detection,
    lits: &mut impl Iterator<Item = &'a Option<Vec<Vec<u8>>>>,
) -> Vec<Stage> {
    let names: Vec<&str> = det.searches.iter().map(|s| s.name.as_str()).collect();
    let mut stages = vec![Stage::Condition {
        stage: 0,
        conditions: det.conditions.iter().map(|c| cond_text(c, 0)).collect(),
        tree: det
            .conditions
            .iter()
            .map(|c| cond_node(c, &names))
            .collect(),
    }];
    for (k, s) in det.searches.iter().enumerate() {
        let literals = lits.next().cloned().flatten().map(|l| lit_strings(&l));
        stages.push(search_stage(k + 1, s, literals));
    }
    stages
}

fn search_stage(stage: usize, s: &Search, literals: Option<Vec<String>>) -> Stage {
    Stage::Search {
        stage,
        name: s.name.clone(),
        line: s.line,
        literals,
        alternatives: s
            .alternatives
            .iter()
            .map(|alt| alt.iter().map(predicate).collect())
            .collect(),
    }
}

fn predicate(it: &Item) -> Predicate {
    Predicate {
        field: it.field.clone(),
        modifiers: it.modifiers.iter().map(|m| modifier_name(*m)).collect(),
        operator: operator(it.field.as_deref(), &it.modifiers),
        all: it.modifiers.contains(&crate::sigma::value::Modifier::All),
        values: if it.values.is_empty() {
            vec![Json::Null]
        } else {
            it.values.iter().map(value_json).collect()
        },
        line: it.line,
    }
}

/// Writes a condition back in Sigma syntax with the parentheses precedence
/// needs (`or` 1 < `and` 2 < `not` 3).
fn cond_text(c: &Cond, parent: u8) -> String {
    let (prec, s) = match c {
        Cond::Ident(n) => (4, n.clone()),
        Cond::Of { all, pattern } => (
            4,
            format!("{} of {pattern}", if *all { "all" } else { "1" }),
        ),
        Cond::Not(a) => (3, format!("not {}", cond_text(a, 3))),
        Cond::And(a, b) => (2, format!("{} and {}", cond_text(a, 2), cond_text(b, 3))),
        Cond::Or(a, b) => (1, format!("{} or {}", cond_text(a, 1), cond_text(b, 2))),
    };
    if prec < parent { format!("({s})") } else { s }
}

fn cond_node(c: &Cond, names: &[&str]) -> CondNode {
    fn flatten(c: &Cond, and: bool, names: &[&str], out: &mut Vec<CondNode>) {
        match (c, and) {
            (Cond::And(a, b), true) | (Cond::Or(a, b), false) => {
                flatten(a, and, names, out);
                flatten(b, and, names, out);
            }
            _ => out.push(cond_node(c, names)),
        }
    }
    match c {
        Cond::Ident(n) => CondNode::Search { name: n.clone() },
        Cond::And(..) | Cond::Or(..) => {
            let and = matches!(c, Cond::And(..));
            let mut args = Vec::new();
            flatten(c, and, names, &mut args);
            if and {
                CondNode::And { args }
            } else {
                CondNode::Or { args }
            }
        }
        Cond::Not(a) => CondNode::Not {
            arg: Box::new(cond_node(a, names)),
        },
        Cond::Of { all, pattern } => {
            let searches = names
                .iter()
                .filter(|n| pattern_matches(pattern, n))
                .map(|n| n.to_string())
                .collect();
            let pattern = pattern.clone();
            if *all {
                CondNode::AllOf { pattern, searches }
            } else {
                CondNode::OneOf { pattern, searches }
            }
        }
    }
}

fn compiled(c: &CompiledRule, plan: &Plan, stages: &[Stage]) -> Compiled {
    let view = c.gate_view();
    let (kind, clauses, note) = match &view {
        GateView::Any => ("any", Vec::new(), None),
        GateView::NonWindows => ("non_windows", Vec::new(), None),
        GateView::Never(why) => ("never", Vec::new(), Some(why.to_string())),
        GateView::Clauses(cl) => (
            "channels",
            cl.iter()
                .map(|k| ClauseInfo {
                    channel: k.channel.to_string(),
                    event_ids: k.event_ids.to_vec(),
                    renames: k
                        .renames
                        .iter()
                        .map(|&(a, b)| {
                            [
                                plan.fields[a as usize].clone(),
                                plan.fields[b as usize].clone(),
                            ]
                        })
                        .collect(),
                })
                .collect(),
            None,
        ),
    };
    let gate = GateInfo {
        kind,
        clauses,
        note,
        text: super::describe::gate(c),
    };
    let (by, literals) = match &c.guard {
        Guard::Detection(l) => ("detection", lit_strings(l)),
        Guard::Gate(l) => ("channel", lit_strings(l)),
        Guard::Always => ("none", Vec::new()),
    };
    let reason = guard_reason(c, &view, stages);
    Compiled {
        gate,
        prefilter: PrefilterInfo { by, literals },
        always_evaluated: c.guard == Guard::Always,
        reason,
        values: c.value_notes.clone(),
    }
}

/// Why the prefilter selects the rule as it does, from what the plan
/// recorded: the guard, the detection's own literal set, each search's set.
fn guard_reason(c: &CompiledRule, view: &GateView<'_>, stages: &[Stage]) -> String {
    let detection_why = || -> String {
        if let Some(d) = &c.detection_literals {
            let shortest = d
                .iter()
                .min_by_key(|l| l.len())
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .unwrap_or_default();
            return format!(
                "its detection guarantees only short literals (\"{shortest}\" is under \
                 {MIN_DETECTION_LITERAL} bytes and would select nearly every line)"
            );
        }
        let bare: Vec<&str> = stages
            .iter()
            .filter_map(|s| match s {
                Stage::Search {
                    name,
                    literals: None,
                    ..
                } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let negated = stages.iter().any(|s| match s {
            Stage::Condition { tree, .. } => tree.iter().any(has_not),
            _ => false,
        });
        let mut parts = Vec::new();
        if !bare.is_empty() {
            parts.push(format!(
                "{} can match without fixed text",
                bare.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if negated {
            parts.push("a negated search (`not`) guarantees no literal".into());
        }
        if parts.is_empty() {
            parts.push("the condition ORs searches whose literals differ".into());
        }
        format!(
            "its detection has no literal that every match must contain ({})",
            parts.join("; ")
        )
    };
    match &c.guard {
        Guard::Detection(l) => format!(
            "evaluated only on lines that hold one of its {} detection literal(s)",
            l.len()
        ),
        Guard::Gate(l) => format!(
            "evaluated only on lines that hold one of its {} channel name literal(s): {}",
            l.len(),
            detection_why()
        ),
        Guard::Always => {
            let gate_why = match view {
                GateView::Any => {
                    "its logsource names no channel (product windows alone, or --no-logsource)"
                        .to_string()
                }
                GateView::NonWindows => "its logsource is not a Windows one, so there is no \
                                         channel name to look for"
                    .to_string(),
                GateView::Never(why) => format!(
                    "its logsource has no event-log channel ({why}); the gate rejects every \
                     event before the detection runs"
                ),
                GateView::Clauses(_) => "its channel names yield no literal".to_string(),
            };
            format!(
                "evaluated on every line: {}, and {gate_why}",
                detection_why()
            )
        }
    }
}

mod text;

use text::has_not;

#[cfg(test)]
mod tests;
