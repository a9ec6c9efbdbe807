//! The fields a rule's match needs present in the event.
//!
//! `Image|endswith: '\rundll32.exe'` is false on an event without an
//! `Image` field, whatever else holds. Collected over the condition the way
//! literals are (`and` unites its sides' fields, `or` keeps those both sides
//! need, `not` needs nothing), this gives, per rule, fields whose absence
//! rules the rule out. Shape routing (`scan::route`) uses it where there is
//! no logsource to route by: a Sysmon process-access event has no
//! `CommandLine`, so the thousand process-creation rules are not even
//! looked for on it.
//!
//! Sound by construction: a field is required only through an item that is
//! false whenever the field is missing, which is the item's own precomputed
//! `on_missing` verdict (the same value [`super::eval`] returns for it), or
//! a positive `exists`, or the first field of a positive `fieldref` (its
//! test reads that field before anything else).

use super::item::ItemTest;
use super::{CCond, CompiledRule, FieldId};

impl CompiledRule {
    /// Fields every match of the rule reads a value from (sorted, distinct).
    /// Empty when the analysis finds none. The rule's gate is left out: its
    /// fields are the gate's business.
    pub fn required_fields(&self) -> Vec<FieldId> {
        cond_fields(self, &self.cond)
    }
}

fn cond_fields(rule: &CompiledRule, c: &CCond) -> Vec<FieldId> {
    match c {
        CCond::Search(i) => {
            let mut alts = rule.searches[*i].iter().map(|alt| {
                let mut f: Vec<FieldId> = alt.iter().filter_map(item_field).collect();
                f.sort_unstable();
                f.dedup();
                f
            });
            let first = alts.next().unwrap_or_default();
            alts.fold(first, |acc, f| intersect(&acc, &f))
        }
        CCond::And(v) => {
            let mut out: Vec<FieldId> = v.iter().flat_map(|c| cond_fields(rule, c)).collect();
            out.sort_unstable();
            out.dedup();
            out
        }
        CCond::Or(v) => {
            let mut it = v.iter().map(|c| cond_fields(rule, c));
            let first = it.next().unwrap_or_default();
            it.fold(first, |acc, f| intersect(&acc, &f))
        }
        CCond::Not(_) => Vec::new(),
    }
}

/// The field an item is false without.
fn item_field(t: &ItemTest) -> Option<FieldId> {
    match t {
        ItemTest::Values {
            field: Some(f),
            on_missing: false,
            ..
        } => Some(*f),
        ItemTest::Exists { field, want: true } => Some(*field),
        ItemTest::FieldRef {
            field,
            negate: false,
            ..
        } => Some(*field),
        _ => None,
    }
}

fn intersect(a: &[FieldId], b: &[FieldId]) -> Vec<FieldId> {
    a.iter()
        .filter(|f| b.binary_search(f).is_ok())
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::compile::{CompileOptions, EventSource, FieldId, Plan};
    use crate::sigma::RuleSet;
    use serde_json::{Value as Json, json};

    fn plan(text: &str) -> Plan {
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), text);
        Plan::from_rules(
            &set,
            &CompileOptions {
                no_logsource: true,
                ..CompileOptions::default()
            },
        )
    }

    fn names(p: &Plan, r: usize) -> Vec<&str> {
        p.rules[r]
            .required_fields()
            .iter()
            .map(|&f| p.fields[f as usize].as_str())
            .collect()
    }

    /// An event as a map from field id to value.
    struct Ev(Vec<Option<Json>>);

    impl EventSource for Ev {
        fn field(&self, id: FieldId) -> Option<&Json> {
            self.0.get(id as usize)?.as_ref()
        }
        fn any_string(&self, _: &mut dyn FnMut(&str) -> bool) -> bool {
            false
        }
    }

    #[test]
    fn and_unites_or_intersects_not_needs_nothing() {
        let p = plan(
            "title: a\nid: a\ndetection:\n  img: {Image|endswith: x.exe}\n  cli: {CommandLine|contains: [a, b]}\n  condition: img and cli\n---\n\
             title: b\nid: b\ndetection:\n  s1: {Image: x, User: u}\n  s2: {Image: y}\n  condition: s1 or s2\n---\n\
             title: c\nid: c\ndetection:\n  s: {Image: x}\n  f: {User: u}\n  condition: not f and s\n---\n\
             title: d\nid: d\ndetection:\n  s: {Image: null}\n  e: {User|exists: true}\n  n: {Parent: x}\n  condition: s and e and not n\n---\n\
             title: e\nid: e\ndetection:\n  s:\n    - {Image: x}\n    - {User: u}\n  condition: s\n",
        );
        assert_eq!(names(&p, 0), ["Image", "CommandLine"]);
        assert_eq!(names(&p, 1), ["Image"]);
        assert_eq!(names(&p, 2), ["Image"]);
        // `null` matches a missing field; `exists: true` needs it.
        assert_eq!(names(&p, 3), ["User"]);
        // A list of maps is an OR of its maps.
        assert!(names(&p, 4).is_empty());
    }

    /// The naive reference: a rule never matches an event that lacks one of
    /// its required fields, checked by evaluating it with each such field
    /// removed from events it matches.
    #[test]
    fn a_rule_without_a_required_field_never_matches() {
        let p = plan(
            "title: a\nid: a\ndetection:\n  img: {Image|endswith: x.exe}\n  cli: {CommandLine|contains|all: [a, b]}\n  condition: img and cli\n---\n\
             title: b\nid: b\ndetection:\n  s1: {Image: x, User|startswith: u}\n  s2: {Image|re: '^y', Id: 5}\n  condition: 1 of s*\n---\n\
             title: c\nid: c\ndetection:\n  s: {Image|fieldref: User}\n  e: {Id|exists: true}\n  condition: s and e\n",
        );
        let id = |n: &str| p.fields.iter().position(|f| f == n).unwrap();
        let event = |pairs: &[(&str, Json)]| {
            let mut v = vec![None; p.fields.len()];
            for (n, val) in pairs {
                v[id(n)] = Some(val.clone());
            }
            Ev(v)
        };
        let matching = [
            event(&[("Image", json!("c:\\x.exe")), ("CommandLine", json!("b a"))]),
            event(&[("Image", json!("x")), ("User", json!("u1"))]),
            event(&[("Image", json!("yz")), ("Id", json!(5))]),
            event(&[
                ("Image", json!("q")),
                ("User", json!("Q")),
                ("Id", json!(1)),
            ]),
        ];
        let gate = (None, None);
        for (r, rule) in p.rules.iter().enumerate() {
            let mut checked = 0;
            let required = rule.required_fields();
            assert!(!required.is_empty(), "rule {r} requires something");
            for ev in &matching {
                if !rule.matches(ev, &gate) {
                    continue;
                }
                for &f in &required {
                    let mut without = Ev(ev.0.clone());
                    without.0[f as usize] = None;
                    assert!(
                        !rule.matches(&without, &gate),
                        "rule {r} matched without {}",
                        p.fields[f as usize]
                    );
                    checked += 1;
                }
            }
            assert!(checked > 0, "rule {r} matched some event");
        }
    }
}
