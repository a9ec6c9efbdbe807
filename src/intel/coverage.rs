//! `rules coverage`: what a rule set covers and what it needs.
//!
//! ATT&CK coverage comes from the rules' tags (`attack.<tactic-name>`,
//! `attack.tNNNN[.NNN]`, see [`crate::sigma::attack::attack_tag`]); event coverage from the
//! compiled gates: the logsources the rules name, and the Windows channels
//! and EventIDs those logsources compile to, i.e. what a collection must
//! keep for the set to see its events. Every count is a number of rules: a
//! rule counts once per tactic, technique, logsource, channel or
//! (channel, EventID) it names, however often.
//!
//! Tables are sorted by rule count (descending), then name.
//!
//! # JSON (`rules coverage --json`)
//!
//! ```text
//! {"rules","rules_skipped",
//!  "tactics":[{"name","rules"}…], "techniques":[{"name","rules"}…],
//!  "rules_without_attack",
//!  "logsources":[{"product","category","service","rules"}…],
//!  "channels":[{"name","rules"}…],
//!  "event_ids":[{"channel","event_id","rules"}…],
//!  "gates":{"channels","any","non_windows","never"}}
//! ```
//!
//! `event_id` is null for a channel gated without EventIDs (a `service`
//! logsource); `gates` counts rules by gate kind (see [`super::explain`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Catalog;
use crate::compile::GateView;
use crate::output::Table;
use crate::sigma::attack::attack_of;

/// A name with a rule count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The tactic, technique or channel.
    pub name: String,
    /// Rules.
    pub rules: usize,
}

/// A logsource with a rule count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogsourceCount {
    /// `product`.
    pub product: Option<String>,
    /// `category`.
    pub category: Option<String>,
    /// `service`.
    pub service: Option<String>,
    /// Rules.
    pub rules: usize,
}

/// A (channel, EventID) pair with a rule count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventIdCount {
    /// The channel.
    pub channel: String,
    /// The EventID; null: any EventID of the channel.
    pub event_id: Option<i64>,
    /// Rules.
    pub rules: usize,
}

/// Rules by gate kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GateKinds {
    /// Gated on Windows channels (and EventIDs).
    pub channels: usize,
    /// Not gated: every event is judged.
    pub any: usize,
    /// Only records that are not Windows event-log records.
    pub non_windows: usize,
    /// Logsources with no event-log channel: never match.
    pub never: usize,
}

/// The coverage report.
#[derive(Clone, Debug, Serialize)]
pub struct Coverage {
    /// Rules loaded and compiled.
    pub rules: usize,
    /// Rule documents that did not load or compile (not counted anywhere).
    pub rules_skipped: usize,
    /// ATT&CK tactics.
    pub tactics: Vec<Count>,
    /// ATT&CK techniques.
    pub techniques: Vec<Count>,
    /// Rules with neither an ATT&CK tactic nor a technique tag.
    pub rules_without_attack: usize,
    /// Logsources as the rules write them.
    pub logsources: Vec<LogsourceCount>,
    /// Windows channels the gates need.
    pub channels: Vec<Count>,
    /// (channel, EventID) pairs the gates need.
    pub event_ids: Vec<EventIdCount>,
    /// Rules by gate kind.
    pub gates: GateKinds,
}

fn sorted<K: Ord + Clone>(m: BTreeMap<K, usize>) -> Vec<(K, usize)> {
    let mut v: Vec<(K, usize)> = m.into_iter().collect();
    // Stable: ties keep the map's (name) order.
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v
}

impl Coverage {
    /// Computes the coverage of a catalog; `skipped` is the number of rule
    /// documents that did not load.
    pub fn of(cat: &Catalog<'_>, skipped: usize) -> Coverage {
        let mut tactics = BTreeMap::new();
        let mut techniques = BTreeMap::new();
        let mut without = 0;
        let mut logsources = BTreeMap::new();
        let mut channels = BTreeMap::new();
        let mut event_ids = BTreeMap::new();
        let mut gates = GateKinds::default();
        for i in 0..cat.len() {
            let (c, src) = cat.rule(i);
            let (ta, te) = attack_of(&src.tags);
            if ta.is_empty() && te.is_empty() {
                without += 1;
            }
            for t in ta {
                *tactics.entry(t).or_insert(0) += 1;
            }
            for t in te {
                *techniques.entry(t).or_insert(0) += 1;
            }
            let ls = &src.logsource;
            *logsources
                .entry((ls.product.clone(), ls.category.clone(), ls.service.clone()))
                .or_insert(0) += 1;
            match c.gate_view() {
                GateView::Any => gates.any += 1,
                GateView::NonWindows => gates.non_windows += 1,
                GateView::Never(_) => gates.never += 1,
                GateView::Clauses(clauses) => {
                    gates.channels += 1;
                    let mut chans = BTreeSet::new();
                    let mut pairs = BTreeSet::new();
                    for cl in &clauses {
                        chans.insert(cl.channel);
                        if cl.event_ids.is_empty() {
                            pairs.insert((cl.channel, None));
                        }
                        for &id in cl.event_ids {
                            pairs.insert((cl.channel, Some(id)));
                        }
                    }
                    for ch in chans {
                        *channels.entry(ch.to_string()).or_insert(0) += 1;
                    }
                    for (ch, id) in pairs {
                        *event_ids.entry((ch.to_string(), id)).or_insert(0) += 1;
                    }
                }
            }
        }
        let count = |m| {
            sorted(m)
                .into_iter()
                .map(|(name, rules)| Count { name, rules })
                .collect()
        };
        Coverage {
            rules: cat.len(),
            rules_skipped: skipped,
            tactics: count(tactics),
            techniques: count(techniques),
            rules_without_attack: without,
            logsources: sorted(logsources)
                .into_iter()
                .map(|((product, category, service), rules)| LogsourceCount {
                    product,
                    category,
                    service,
                    rules,
                })
                .collect(),
            channels: count(channels),
            event_ids: sorted(event_ids)
                .into_iter()
                .map(|((channel, event_id), rules)| EventIdCount {
                    channel,
                    event_id,
                    rules,
                })
                .collect(),
            gates,
        }
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let mut s = format!("Rules: {} loaded", self.rules);
        if self.rules_skipped > 0 {
            s.push_str(&format!(", {} skipped", self.rules_skipped));
        }
        s.push_str("\n\nMITRE ATT&CK tactics\n");
        let mut t = Table::new(&["tactic", ">rules"]);
        for c in &self.tactics {
            t.row(vec![c.name.clone(), c.rules.to_string()]);
        }
        t.row(vec![
            "(no ATT&CK tag)".into(),
            self.rules_without_attack.to_string(),
        ]);
        t.render(&mut s, 2);

        s.push_str("\nMITRE ATT&CK techniques\n");
        let mut t = Table::new(&["technique", ">rules"]);
        for c in &self.techniques {
            t.row(vec![c.name.clone(), c.rules.to_string()]);
        }
        t.render(&mut s, 2);

        s.push_str("\nLogsources\n");
        let mut t = Table::new(&["product", "category", "service", ">rules"]);
        for l in &self.logsources {
            t.row(vec![
                dash(&l.product),
                dash(&l.category),
                dash(&l.service),
                l.rules.to_string(),
            ]);
        }
        t.render(&mut s, 2);

        s.push_str("\nChannels\n");
        let mut t = Table::new(&["channel", ">rules"]);
        for c in &self.channels {
            t.row(vec![c.name.clone(), c.rules.to_string()]);
        }
        t.render(&mut s, 2);

        s.push_str("\nEventIDs\n");
        let mut t = Table::new(&["channel", ">EventID", ">rules"]);
        for e in &self.event_ids {
            t.row(vec![
                e.channel.clone(),
                e.event_id.map_or_else(|| "any".into(), |i| i.to_string()),
                e.rules.to_string(),
            ]);
        }
        t.render(&mut s, 2);

        s.push_str("\nGates\n");
        let mut t = Table::new(&["gate", ">rules"]);
        let g = &self.gates;
        for (name, n) in [
            ("Windows channels", g.channels),
            ("none (every event)", g.any),
            ("non-Windows records only", g.non_windows),
            ("never (no event-log source)", g.never),
        ] {
            t.row(vec![name.into(), n.to_string()]);
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

    #[test]
    fn counts_rules_once_per_name() {
        let docs = "\
title: a
tags: [attack.execution, attack.t1059.001, attack.execution, attack.T1059.001]
logsource: {product: windows, category: ps_script}
detection: {sel: {ScriptBlockText|contains: x}, condition: sel}
---
title: b
tags: [attack.execution, attack.defense-evasion, attack.t1106]
logsource: {product: windows, service: security}
detection: {sel: {EventID: 4624}, condition: sel}
---
title: c
tags: [detection.threat-hunting]
logsource: {product: linux, category: process_creation}
detection: {sel: {Image: x}, condition: sel}
---
title: d
logsource: {product: windows}
detection: {sel: {Image: x}, condition: sel}
---
title: e
logsource: {product: windows, category: file_access}
detection: {sel: {Image: x}, condition: sel}
";
        let mut set = RuleSet::default();
        set.load_text(Path::new("t.yml"), docs);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        assert_eq!(plan.rules.len(), 5);
        let cat = Catalog::new(&set, &plan);
        let cov = Coverage::of(&cat, 0);
        let c = |n: &str, r| Count {
            name: n.into(),
            rules: r,
        };
        assert_eq!(
            cov.tactics,
            [c("execution", 2), c("defense-evasion", 1)],
            "ties sorted by name"
        );
        assert_eq!(cov.techniques, [c("T1059.001", 1), c("T1106", 1)]);
        assert_eq!(cov.rules_without_attack, 3);
        assert_eq!(
            cov.channels,
            [
                c("Microsoft-Windows-PowerShell/Operational", 1),
                c("PowerShellCore/Operational", 1),
                c("Security", 1)
            ]
        );
        let e = |ch: &str, id, r| EventIdCount {
            channel: ch.into(),
            event_id: id,
            rules: r,
        };
        assert_eq!(
            cov.event_ids,
            [
                e("Microsoft-Windows-PowerShell/Operational", Some(4104), 1),
                e("PowerShellCore/Operational", Some(4104), 1),
                e("Security", None, 1)
            ]
        );
        assert_eq!(
            cov.gates,
            GateKinds {
                channels: 2,
                any: 1,
                non_windows: 1,
                never: 1
            }
        );
        assert_eq!(cov.logsources.len(), 5);
    }
}
