//! Evaluating a compiled rule against one event: the logsource gate first
//! (read once per line by [`gate_inputs`], and decided once per route by
//! [`CompiledRule::admits`]), then the condition over the searches, each
//! item reading its field through [`EventSource`] (the renames of a
//! Security alternative applied on the way).

use serde_json::Value as Json;

use super::item::{ItemTest, RefMode};
use super::*;

/// An event seen through a gate clause's field renames.
pub(super) struct Renamed<'a> {
    pub(super) inner: &'a dyn EventSource,
    pub(super) renames: &'a [(FieldId, FieldId)],
}

impl EventSource for Renamed<'_> {
    fn field(&self, id: FieldId) -> Option<&Json> {
        let id = self
            .renames
            .iter()
            .find(|(from, _)| *from == id)
            .map_or(id, |(_, to)| *to);
        self.inner.field(id)
    }
    fn any_string(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.inner.any_string(f)
    }
}

/// The event's channel and id as the gate sees them.
pub fn gate_inputs(ev: &dyn EventSource) -> (Option<String>, Option<i64>) {
    let channel = ev
        .field(CHANNEL)
        .and_then(Json::as_str)
        .map(|c| fold::fold(c).into_owned());
    (channel, ev.field(EVENT_ID).and_then(gate_event_id))
}

/// An `EventID` value as the gate reads it: an integer, or a string holding
/// one (surrounding whitespace allowed).
pub fn gate_event_id(v: &Json) -> Option<i64> {
    match v {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first clause admitting an event of this (folded) channel and id.
pub(super) fn admitting_clause<'a>(
    clauses: &'a [GateClause],
    channel: Option<&str>,
    id: Option<i64>,
) -> Option<&'a GateClause> {
    let channel = channel?;
    clauses.iter().find(|c| {
        c.channel == channel
            && (c.event_ids.is_empty() || id.is_some_and(|i| c.event_ids.contains(&i)))
    })
}

impl CompiledRule {
    /// Whether the rule matches the event. `gate_inputs` is the result of
    /// [`gate_inputs`] for this event (computed once per event).
    pub fn matches(&self, ev: &dyn EventSource, gate_in: &(Option<String>, Option<i64>)) -> bool {
        match &self.gate {
            CGate::Any => self.eval(&self.cond, ev),
            CGate::NonWindows => gate_in.0.is_none() && self.eval(&self.cond, ev),
            CGate::Clauses(clauses) => {
                let Some(clause) = admitting_clause(clauses, gate_in.0.as_deref(), gate_in.1)
                else {
                    return false;
                };
                if clause.renames.is_empty() {
                    self.eval(&self.cond, ev)
                } else {
                    self.eval(
                        &self.cond,
                        &Renamed {
                            inner: ev,
                            renames: &clause.renames,
                        },
                    )
                }
            }
        }
    }

    /// Whether the logsource gate lets an event with this (folded) channel
    /// and event id through: the gate half of [`CompiledRule::matches`],
    /// which logsource routing decides once per route.
    pub fn admits(&self, channel: Option<&str>, event_id: Option<i64>) -> bool {
        match &self.gate {
            CGate::Any => true,
            CGate::NonWindows => channel.is_none(),
            CGate::Clauses(clauses) => admitting_clause(clauses, channel, event_id).is_some(),
        }
    }

    /// The literal sets the prefilter requires of a line before it proposes
    /// this rule: the guard's set, then [`CompiledRule::also`]. A literal of
    /// the first set proposes the rule; the others then rule it out unless
    /// the line holds a literal of each. Within a logsource route (`routed`), the
    /// route already is the gate, so a channel guard's set is left out.
    /// Empty: the rule is tried on every line (that reaches it).
    pub fn clauses(&self, routed: bool) -> Vec<&LitSet> {
        let first = match &self.guard {
            Guard::Detection(set) => Some(set),
            Guard::Gate(set) if !routed => Some(set),
            Guard::Gate(_) => None,
            Guard::Always => return Vec::new(),
        };
        first.into_iter().chain(&self.also).collect()
    }

    /// The logsource gate as data (for `rules explain` and `rules coverage`).
    pub fn gate_view(&self) -> GateView<'_> {
        match &self.gate {
            CGate::Any => GateView::Any,
            CGate::NonWindows => GateView::NonWindows,
            CGate::Clauses(c) if c.is_empty() => {
                GateView::Never(self.gate_note.as_deref().unwrap_or("no event-log source"))
            }
            CGate::Clauses(c) => GateView::Clauses(
                c.iter()
                    .map(|c| GateClauseView {
                        channel: c.name,
                        event_ids: &c.event_ids,
                        renames: &c.renames,
                    })
                    .collect(),
            ),
        }
    }

    fn eval(&self, c: &CCond, ev: &dyn EventSource) -> bool {
        match c {
            CCond::Search(i) => self.searches[*i]
                .iter()
                .any(|alt| alt.iter().all(|t| eval_item(t, ev))),
            CCond::And(v) => v.iter().all(|c| self.eval(c, ev)),
            CCond::Or(v) => v.iter().any(|c| self.eval(c, ev)),
            CCond::Not(c) => !self.eval(c, ev),
        }
    }
}

pub(super) fn json_text(v: &Json) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Json::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Json::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Json::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
            "true"
        } else {
            "false"
        })),
        _ => None,
    }
}

pub(super) fn eval_item(t: &ItemTest, ev: &dyn EventSource) -> bool {
    match t {
        ItemTest::Values {
            field: Some(f),
            groups,
            all,
            negate,
            on_missing,
        } => {
            let Some(v) = ev.field(*f) else {
                return *on_missing;
            };
            let folded = std::cell::OnceCell::new();
            let group_ok = |g: &Vec<matcher::ValueMatcher>| match v {
                Json::String(s) => g.iter().any(|m| m.matches_str_folded(s, &folded)),
                v => g.iter().any(|m| m.matches(v)),
            };
            let r = if *all {
                groups.iter().all(group_ok)
            } else {
                groups.iter().any(group_ok)
            };
            r != *negate
        }
        ItemTest::Values {
            field: None,
            groups,
            all,
            negate,
            ..
        } => {
            let group_ok = |g: &Vec<matcher::ValueMatcher>| {
                ev.any_string(&mut |s| {
                    let folded = std::cell::OnceCell::new();
                    g.iter().any(|m| m.matches_str_folded(s, &folded))
                })
            };
            let r = if *all {
                groups.iter().all(group_ok)
            } else {
                groups.iter().any(group_ok)
            };
            r != *negate
        }
        ItemTest::Exists { field, want } => ev.field(*field).is_some() == *want,
        ItemTest::FieldRef {
            field,
            others,
            mode,
            cased,
            negate,
        } => {
            let a = ev.field(*field).and_then(json_text);
            let r = a.is_some_and(|a| {
                others.iter().any(|o| {
                    ev.field(*o).and_then(json_text).is_some_and(|b| {
                        let (a, b) = if *cased {
                            (a.clone(), b)
                        } else {
                            (
                                fold::fold(&a).into_owned().into(),
                                fold::fold(&b).into_owned().into(),
                            )
                        };
                        match mode {
                            RefMode::Exact => a == b,
                            RefMode::Contains => a.contains(b.as_ref()),
                            RefMode::StartsWith => a.starts_with(b.as_ref()),
                            RefMode::EndsWith => a.ends_with(b.as_ref()),
                        }
                    })
                })
            });
            r != *negate
        }
    }
}
