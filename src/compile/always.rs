//! The always-evaluated rules, indexed by the EventID their detection
//! requires.
//!
//! A rule with no required literal is evaluated on every line it could
//! match. Most such rules in SigmaHQ are an `EventID: N` test plus a `not
//! filter` (3077 *code integrity*, 4699 *task deleted*, …): with logsource
//! routing their gate already narrows them, but a detection-only scan
//! (`--no-logsource`) evaluates all of them on every line, which measured
//! about a fifth of such a scan's CPU time (117 rules, 2,407 in all, over
//! the Mordor subset on one thread: 3.74 s of user time with them, 2.94 s
//! without).
//!
//! PERF, measured: the index takes that 3.74 s to 3.54 s. 74 of the 117
//! rules are keyed; most of the rest are regular expressions without a
//! literal or values made only of non-ASCII characters, and they keep every
//! line a candidate, so each line is still validated, which is most of the
//! remaining cost.
//! Since then `regex_literals` gives 30 of those regular expressions
//! literals: 87 rules of that set are always evaluated.
//!
//! [`AlwaysIndex`] reads the line's `EventID` once and hands out only the
//! rules keyed by that value, plus the rules that require none. Sound by
//! construction: a rule is keyed by a set `S` only if every match of it
//! needs an `EventID` item that only [`ValueMatcher::Int`] values of `S`
//! satisfy, and [`event_id_keys`] lists every integer an `Int` matcher
//! could accept for a given JSON value (or declines, and every rule is
//! tried). `tests` check both against the matcher itself.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::item::ItemTest;
use super::matcher::{ValueMatcher, parse_int};
use super::{CCond, CGate, CompiledRule, FieldId};

/// The always-evaluated rules, by the EventID they require.
#[derive(Clone, Debug, Default)]
pub struct AlwaysIndex {
    /// The detection field `EventID` (`None`: no rule reads it).
    field: Option<FieldId>,
    /// Rules that can only match these EventIDs.
    by_key: HashMap<i64, Vec<u32>>,
    /// Rules that require no EventID: tried on every line.
    rest: Vec<u32>,
    /// Every always-evaluated rule, for values [`event_id_keys`] declines.
    all: Vec<u32>,
}

impl AlwaysIndex {
    /// Indexes `always` (indices into `rules`); `event_id` is the id of the
    /// detection field `EventID`, if any rule reads it.
    pub fn build(rules: &[CompiledRule], always: &[u32], event_id: Option<FieldId>) -> Self {
        let mut ix = AlwaysIndex {
            field: event_id,
            all: always.to_vec(),
            ..AlwaysIndex::default()
        };
        for &r in always {
            match event_id.and_then(|f| required_event_ids(&rules[r as usize], f)) {
                Some(ids) => {
                    for id in ids {
                        ix.by_key.entry(id).or_default().push(r);
                    }
                }
                None => ix.rest.push(r),
            }
        }
        ix
    }

    /// How many always-evaluated rules are keyed by an EventID.
    pub fn keyed(&self) -> usize {
        self.all.len() - self.rest.len()
    }

    /// Appends to `out` the always-evaluated rules that could match an
    /// event whose `EventID` field reads `value` (`read` gives it).
    pub fn rules_for<'a>(
        &self,
        read: impl FnOnce(FieldId) -> Option<&'a Json>,
        out: &mut Vec<u32>,
    ) {
        let Some(field) = self.field.filter(|_| !self.by_key.is_empty()) else {
            out.extend_from_slice(&self.all);
            return;
        };
        match event_id_keys(read(field)) {
            Keys::Declined => out.extend_from_slice(&self.all),
            Keys::None => out.extend_from_slice(&self.rest),
            Keys::One(k) => {
                out.extend_from_slice(&self.rest);
                if let Some(rs) = self.by_key.get(&k) {
                    out.extend_from_slice(rs);
                }
            }
        }
    }
}

/// What integers an [`ValueMatcher::Int`] could accept for a field value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// None: no `Int` matcher accepts it (missing, null, a bool, an object,
    /// a fraction, text that is no integer).
    None,
    /// Exactly this one.
    One(i64),
    /// Not worked out (an array, a number too large for an exact `f64`):
    /// try every rule.
    Declined,
}

/// The integers an `Int` matcher could accept for `v`, mirroring
/// `ValueMatcher::matches` (numbers by `i64` or exact `f64` equality,
/// strings by [`parse_int`]).
pub fn event_id_keys(v: Option<&Json>) -> Keys {
    /// Integers up to 2^53 are exact in an `f64`, so `i as f64 == f` holds
    /// for exactly one `i` there.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match v {
        None | Some(Json::Null | Json::Bool(_) | Json::Object(_)) => Keys::None,
        Some(Json::Array(_)) => Keys::Declined,
        Some(Json::String(s)) => parse_int(s).map_or(Keys::None, Keys::One),
        Some(Json::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (_, Some(f)) if f.abs() >= EXACT => Keys::Declined,
            (Some(i), _) => Keys::One(i),
            (None, Some(f)) if f.fract() == 0.0 => Keys::One(f as i64),
            (None, _) => Keys::None,
        },
    }
}

/// The EventIDs every match of `rule` needs, if its detection pins them.
fn required_event_ids(rule: &CompiledRule, field: FieldId) -> Option<Vec<i64>> {
    // A Security alternative that renamed `EventID` would read another
    // field than the index does; no table renames it, but do not rely on it.
    if let CGate::Clauses(clauses) = &rule.gate
        && clauses
            .iter()
            .any(|c| c.renames.iter().any(|&(from, _)| from == field))
    {
        return None;
    }
    let mut ids = cond_ids(rule, &rule.cond, field)?;
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// A superset of the EventIDs under which `c` can hold, or `None` for any.
fn cond_ids(rule: &CompiledRule, c: &CCond, field: FieldId) -> Option<Vec<i64>> {
    match c {
        CCond::Search(i) => {
            // Any alternative may match: each must pin the EventID.
            let mut out = Vec::new();
            for alt in &rule.searches[*i] {
                out.extend(alt.iter().find_map(|t| item_ids(t, field))?);
            }
            Some(out)
        }
        // Every conjunct must hold: any one that pins the EventID will do;
        // take the narrowest.
        CCond::And(v) => v
            .iter()
            .filter_map(|c| cond_ids(rule, c, field))
            .min_by_key(Vec::len),
        CCond::Or(v) => {
            let mut out = Vec::new();
            for c in v {
                out.extend(cond_ids(rule, c, field)?);
            }
            Some(out)
        }
        CCond::Not(_) => None,
    }
}

/// The EventIDs an item accepts, when it is a positive test of `field`
/// against integers only.
fn item_ids(t: &ItemTest, field: FieldId) -> Option<Vec<i64>> {
    let ItemTest::Values {
        field: Some(f),
        groups,
        negate: false,
        ..
    } = t
    else {
        return None;
    };
    if *f != field || groups.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for m in groups.iter().flatten() {
        match m {
            ValueMatcher::Int(i) => out.push(*i),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{CompileOptions, Plan};
    use crate::sigma::RuleSet;
    use serde_json::json;

    /// The naive reference: every `Int(i)` the matcher accepts for `v` is
    /// what `event_id_keys` says (or it declines).
    #[test]
    fn keys_cover_every_integer_the_matcher_accepts() {
        let values = [
            json!(4625),
            json!(-1),
            json!(4625.0),
            json!(4625.5),
            json!(1e3),
            json!("4625"),
            json!(" 4625 "),
            json!("0x1251"),
            json!("04625"),
            json!("+4625"),
            json!("4625.0"),
            json!("abc"),
            json!(""),
            json!(null),
            json!(true),
            json!({"#text": 4625}),
            json!([4625, "7"]),
            json!(u64::MAX),
            json!(9_007_199_254_740_993u64),
            json!(i64::MIN),
        ];
        let candidates: Vec<i64> = [
            -1,
            0,
            7,
            1000,
            4625,
            4626,
            i64::MIN,
            i64::MAX,
            9_007_199_254_740_992,
            9_007_199_254_740_993,
        ]
        .to_vec();
        for v in &values {
            let keys = event_id_keys(Some(v));
            for &i in &candidates {
                if ValueMatcher::Int(i).matches(v) {
                    assert!(
                        keys == Keys::Declined || keys == Keys::One(i),
                        "{v} matches Int({i}) but keys are {keys:?}"
                    );
                }
            }
        }
        assert_eq!(event_id_keys(None), Keys::None);
        assert_eq!(event_id_keys(Some(&json!("0x1251"))), Keys::One(4689));
        assert_eq!(event_id_keys(Some(&json!(4625.0))), Keys::One(4625));
    }

    fn index(text: &str) -> (Plan, AlwaysIndex) {
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), text);
        let plan = Plan::from_rules(
            &set,
            &CompileOptions {
                no_logsource: true,
                ..CompileOptions::default()
            },
        );
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let ix = AlwaysIndex::build(&plan.rules, &plan.always, plan.field_id("EventID"));
        (plan, ix)
    }

    #[test]
    fn rules_are_keyed_only_when_every_match_needs_the_id() {
        let (plan, ix) = index(
            "title: one\ndetection: {sel: {EventID: 3077}, condition: sel}\n---\n\
             title: list and filter\ndetection: {sel: {EventID: [4698, 4699]}, f: {X: 1}, condition: sel and not f}\n---\n\
             title: either search\ndetection: {a: {EventID: 1}, b: {EventID: 2, Y: 1}, condition: a or b}\n---\n\
             title: negated\ndetection: {sel: {EventID: 5}, condition: not sel}\n---\n\
             title: or without id\ndetection: {a: {EventID: 6}, b: {Z: 1}, condition: 1 of them}\n---\n\
             title: compared id\ndetection: {sel: {EventID|gt: 7}, condition: sel}\n---\n\
             title: alternatives\ndetection: {sel: [{EventID: 8}, {Q: 2}], condition: sel}\n",
        );
        assert_eq!(plan.always.len(), 7);
        let keyed: HashMap<i64, Vec<&str>> = ix
            .by_key
            .iter()
            .map(|(k, v)| {
                let titles = v
                    .iter()
                    .map(|&r| plan.rules[r as usize].meta.title.as_str());
                (*k, titles.collect())
            })
            .collect();
        assert_eq!(keyed[&3077], ["one"]);
        assert_eq!(keyed[&4698], ["list and filter"]);
        assert_eq!(keyed[&4699], ["list and filter"]);
        assert_eq!(keyed[&1], ["either search"]);
        assert_eq!(keyed[&2], ["either search"]);
        assert_eq!(keyed.len(), 5);
        let rest: Vec<&str> = ix
            .rest
            .iter()
            .map(|&r| plan.rules[r as usize].meta.title.as_str())
            .collect();
        // `gt` is a comparison, not an `Int`: any id above 7 may match.
        assert_eq!(
            rest,
            ["negated", "or without id", "compared id", "alternatives"]
        );
        assert_eq!(ix.keyed(), 3);

        let mut out = Vec::new();
        let v = json!(4699);
        ix.rules_for(|_| Some(&v), &mut out);
        assert_eq!(out.len(), 4 + 1);
        out.clear();
        ix.rules_for(|_| None, &mut out);
        assert_eq!(out.len(), 4);
        out.clear();
        let arr = json!([1, 2]);
        ix.rules_for(|_| Some(&arr), &mut out);
        assert_eq!(out.len(), 7);
    }
}
