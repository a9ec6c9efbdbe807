//! `scan --summary`: hits per rule, level, ATT&CK tactic and technique, and
//! host, tallied on the hit stream.
//!
//! [`Collector`] is a [`HitObserver`]: it sees every hit (before
//! correlations withhold any) with the hit line parsed once by
//! [`super::Tap`], shared with the other observers. Hits are rare next to
//! lines, so re-parsing hit lines leaves the workers' per-line path
//! untouched.
//!
//! The host is the event's `Computer` as the scan resolves fields (so a
//! `--field-map` entry for `Computer` applies): evtx_dump
//! `Event.System.Computer`, Winlogbeat/ECS `winlog.computer_name` or
//! `host.name`, then `host.hostname`, flat `Computer` or `Hostname`. Events
//! without one count under an unknown host.
//!
//! A hit counts once for its rule, its level, each tactic and each technique
//! its rule is tagged with, and its host; so the tactic and technique tables
//! can add up to more than the hits.
//!
//! # JSON (`--summary-json FILE`)
//!
//! ```text
//! {"hits","hits_without_attack",
//!  "rules":[{"id","title","level","hits"}…],
//!  "levels":[{"level","hits"}…],
//!  "tactics":[{"name","hits"}…], "techniques":[{"name","hits"}…],
//!  "hosts":[{"host","hits"}…],
//!  "timeline":[{"hour","hits"}…], "hits_untimed"}
//! ```
//!
//! `timeline` counts hits per hour of event time (read as for `@timestamp`
//! and correlations; hours without hits left out), oldest first;
//! `hits_untimed` counts the hits whose event has no readable time. The
//! same summary renders as a one-page HTML report ([`super::html`]).
//!
//! `level` and `host` are null when unknown. Rules, tactics, techniques and
//! hosts are sorted by hits (descending), then name (rules by id); levels by
//! severity (`critical`, `high`, `medium`, `low`, `informational`, others by
//! name, unknown last).

use std::collections::HashMap;

use serde::Serialize;

use super::Table;
use crate::correlate::clock::EventClock;
use crate::correlate::time;
use crate::event::{FieldMap, ParsedEvent, Resolver};
use crate::scan::{Hit, HitObserver, Input};
use crate::sigma::attack::attack_of;

const NS_PER_HOUR: i64 = 3_600_000_000_000;

/// Hits of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleHits {
    /// Rule id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Level; null when the rule has none.
    pub level: Option<String>,
    /// Hits.
    pub hits: u64,
}

/// Hits of one level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LevelHits {
    /// The level; null for rules without one.
    pub level: Option<String>,
    /// Hits.
    pub hits: u64,
}

/// Hits of one tactic or technique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NameHits {
    /// Tactic name or technique id.
    pub name: String,
    /// Hits.
    pub hits: u64,
}

/// Hits on one host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostHits {
    /// The host; null when the event names none.
    pub host: Option<String>,
    /// Hits.
    pub hits: u64,
}

/// The scan summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// All hits.
    pub hits: u64,
    /// Hits of rules with no ATT&CK tactic or technique tag.
    pub hits_without_attack: u64,
    /// Per rule.
    pub rules: Vec<RuleHits>,
    /// Per level.
    pub levels: Vec<LevelHits>,
    /// Per ATT&CK tactic.
    pub tactics: Vec<NameHits>,
    /// Per ATT&CK technique.
    pub techniques: Vec<NameHits>,
    /// Per host.
    pub hosts: Vec<HostHits>,
    /// Hits per hour of event time, in time order (hours without hits
    /// left out).
    pub timeline: Vec<HourHits>,
    /// Hits whose event has no readable time (not in `timeline`).
    pub hits_untimed: u64,
}

/// Hits in one hour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HourHits {
    /// The hour's start, RFC 3339 UTC (`2024-05-01T10:00:00Z`).
    pub hour: String,
    /// Hits.
    pub hits: u64,
}

struct RuleTally {
    id: String,
    title: String,
    level: Option<String>,
    tactics: Vec<String>,
    techniques: Vec<String>,
    hits: u64,
}

/// Collects the summary from the hits it is shown.
pub struct Collector {
    resolver: Resolver,
    /// Keyed by the rule's document (file, line): ids need not be unique.
    rules: HashMap<(std::path::PathBuf, usize), RuleTally>,
    hosts: HashMap<Option<String>, u64>,
    hits: u64,
    /// Event time, as for correlations and `@timestamp`.
    clock: EventClock,
    /// Hits per hour (hours since the epoch).
    hours: std::collections::BTreeMap<i64, u64>,
    untimed: u64,
}

impl Collector {
    /// A collector resolving the host with the scan's field map.
    pub fn new(field_map: &FieldMap) -> Collector {
        Collector {
            resolver: Resolver::new(&["Computer".to_string()], field_map),
            rules: HashMap::new(),
            hosts: HashMap::new(),
            hits: 0,
            clock: EventClock::new(None, field_map),
            hours: std::collections::BTreeMap::new(),
            untimed: 0,
        }
    }

    /// Reads event times with `--time-field` (default: the usual fields).
    pub fn time_field(mut self, time_field: Option<&str>, field_map: &FieldMap) -> Collector {
        self.clock = EventClock::new(time_field, field_map);
        self
    }

    fn host_of(&self, event: &ParsedEvent) -> Option<String> {
        super::record::host_of(&self.resolver, 0, event)
    }

    fn record(&mut self, hit: &Hit<'_>, event: Option<&ParsedEvent>) {
        self.hits += 1;
        let meta = &hit.rule.meta;
        let tally = self
            .rules
            .entry((meta.file.clone(), meta.line))
            .or_insert_with(|| {
                let (tactics, techniques) = attack_of(&meta.tags);
                RuleTally {
                    id: meta.id.clone(),
                    title: meta.title.clone(),
                    level: (!meta.level.is_empty()).then(|| meta.level.clone()),
                    tactics,
                    techniques,
                    hits: 0,
                }
            });
        tally.hits += 1;
        let host = event.and_then(|e| self.host_of(e));
        *self.hosts.entry(host).or_insert(0) += 1;
        match event.and_then(|e| self.clock.time(e)) {
            Some(t) => *self.hours.entry(t.div_euclid(NS_PER_HOUR)).or_insert(0) += 1,
            None => self.untimed += 1,
        }
    }

    /// The summary of everything recorded.
    pub fn finish(self) -> Summary {
        let mut levels: HashMap<Option<String>, u64> = HashMap::new();
        let mut tactics: HashMap<String, u64> = HashMap::new();
        let mut techniques: HashMap<String, u64> = HashMap::new();
        let mut without = 0;
        let mut rules = Vec::with_capacity(self.rules.len());
        for t in self.rules.into_values() {
            *levels.entry(t.level.clone()).or_insert(0) += t.hits;
            for x in &t.tactics {
                *tactics.entry(x.clone()).or_insert(0) += t.hits;
            }
            for x in &t.techniques {
                *techniques.entry(x.clone()).or_insert(0) += t.hits;
            }
            if t.tactics.is_empty() && t.techniques.is_empty() {
                without += t.hits;
            }
            rules.push(RuleHits {
                id: t.id,
                title: t.title,
                level: t.level,
                hits: t.hits,
            });
        }
        rules.sort_by(|a, b| {
            b.hits
                .cmp(&a.hits)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.title.cmp(&b.title))
        });
        let mut levels: Vec<LevelHits> = levels
            .into_iter()
            .map(|(level, hits)| LevelHits { level, hits })
            .collect();
        levels.sort_by_key(|l| level_rank(&l.level));
        let names = |m: HashMap<String, u64>| {
            let mut v: Vec<NameHits> = m
                .into_iter()
                .map(|(name, hits)| NameHits { name, hits })
                .collect();
            v.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.name.cmp(&b.name)));
            v
        };
        let mut hosts: Vec<HostHits> = self
            .hosts
            .into_iter()
            .map(|(host, hits)| HostHits { host, hits })
            .collect();
        // Unknown host last among equals.
        hosts.sort_by(|a, b| {
            b.hits
                .cmp(&a.hits)
                .then_with(|| a.host.is_none().cmp(&b.host.is_none()))
                .then_with(|| a.host.cmp(&b.host))
        });
        Summary {
            hits: self.hits,
            hits_without_attack: without,
            rules,
            levels,
            tactics: names(tactics),
            techniques: names(techniques),
            hosts,
            timeline: self
                .hours
                .into_iter()
                .map(|(h, hits)| HourHits {
                    hour: time::format(h * NS_PER_HOUR),
                    hits,
                })
                .collect(),
            hits_untimed: self.untimed,
        }
    }
}

/// Severity order, most severe first; unknown levels by name, none last.
impl HitObserver for Collector {
    fn needs_event(&self, _hit: &Hit<'_>) -> bool {
        true
    }

    fn hit(&mut self, _input: &Input, hit: &Hit<'_>, event: Option<&ParsedEvent>) {
        self.record(hit, event);
    }
}

fn level_rank(level: &Option<String>) -> (u8, String) {
    match level.as_deref() {
        Some(l) => {
            let lower = l.to_ascii_lowercase();
            let rank = match lower.as_str() {
                "critical" => 0,
                "high" => 1,
                "medium" => 2,
                "low" => 3,
                "informational" => 4,
                _ => 5,
            };
            (rank, lower)
        }
        None => (6, String::new()),
    }
}

impl Summary {
    /// The JSON form (pretty-printed, with a final newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("BUG: serialising a summary");
        text.push('\n');
        text
    }

    /// The human-readable report (for stderr).
    pub fn to_text(&self) -> String {
        let known_hosts = self.hosts.iter().filter(|h| h.host.is_some()).count();
        let mut s = format!(
            "Scan summary: {} hit(s), {} rule(s), {} host(s)\n",
            self.hits,
            self.rules.len(),
            known_hosts
        );
        if self.hits == 0 {
            return s;
        }
        let none = "(none)".to_string();
        s.push_str("\nRules\n");
        let mut t = Table::new(&[">hits", "level", "id", "title"]);
        for r in &self.rules {
            t.row(vec![
                r.hits.to_string(),
                r.level.clone().unwrap_or_else(|| none.clone()),
                r.id.clone(),
                r.title.clone(),
            ]);
        }
        t.render(&mut s, 2);

        s.push_str("\nLevels\n");
        let mut t = Table::new(&["level", ">hits"]);
        for l in &self.levels {
            t.row(vec![
                l.level.clone().unwrap_or_else(|| none.clone()),
                l.hits.to_string(),
            ]);
        }
        t.render(&mut s, 2);

        for (title, head, list) in [
            ("ATT&CK tactics", "tactic", &self.tactics),
            ("ATT&CK techniques", "technique", &self.techniques),
        ] {
            s.push_str(&format!("\n{title}\n"));
            let mut t = Table::new(&[head, ">hits"]);
            for n in list {
                t.row(vec![n.name.clone(), n.hits.to_string()]);
            }
            if self.hits_without_attack > 0 {
                t.row(vec![
                    "(no ATT&CK tag)".into(),
                    self.hits_without_attack.to_string(),
                ]);
            }
            t.render(&mut s, 2);
        }

        s.push_str("\nHosts\n");
        let mut t = Table::new(&["host", ">hits"]);
        for h in &self.hosts {
            t.row(vec![
                h.host.clone().unwrap_or_else(|| "(unknown)".into()),
                h.hits.to_string(),
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

    fn plan() -> Plan {
        let mut set = RuleSet::default();
        set.load_text(
            Path::new("t.yml"),
            "title: A\nid: a\nlevel: high\ntags: [attack.execution, attack.t1106]\n\
             detection: {sel: {X: 1}, condition: sel}\n---\n\
             title: B\nid: b\ndetection: {sel: {Y: 1}, condition: sel}\n",
        );
        Plan::from_rules(&set, &CompileOptions::default())
    }

    #[test]
    fn tallies_hits_per_rule_level_tactic_and_host() {
        let plan = plan();
        let input = Input {
            name: "in".into(),
            source: crate::scan::Source::Stdin,
        };
        let mut c = Collector::new(&FieldMap::new());
        let lines: [&[u8]; 3] = [
            br#"{"Event":{"System":{"Computer":"H1","Channel":"x"}}}"#,
            br#"{"winlog":{"channel":"x"},"host":{"hostname":"H2"}}"#,
            br#"{"Other":1}"#,
        ];
        // Line 1 hit by both rules, line 2 by A, line 3 by B.
        for (line, rule) in [(1u64, 0usize), (1, 1), (2, 0), (3, 1)] {
            let hit = Hit {
                line,
                offset: 0,
                rule: &plan.rules[rule],
                rule_index: rule,
                record_id: None,
                text: lines[line as usize - 1],
                event: None,
                prepared: None,
            };
            let event = ParsedEvent::parse(hit.text);
            c.hit(&input, &hit, event.as_ref());
        }
        let s = c.finish();
        assert_eq!(s.hits, 4);
        assert_eq!(s.hits_without_attack, 2);
        assert_eq!(
            s.rules
                .iter()
                .map(|r| (r.id.as_str(), r.hits))
                .collect::<Vec<_>>(),
            [("a", 2), ("b", 2)]
        );
        assert_eq!(
            s.levels,
            [
                LevelHits {
                    level: Some("high".into()),
                    hits: 2
                },
                LevelHits {
                    level: None,
                    hits: 2
                }
            ]
        );
        assert_eq!(
            s.tactics,
            [NameHits {
                name: "execution".into(),
                hits: 2
            }]
        );
        assert_eq!(
            s.hosts,
            [
                HostHits {
                    host: Some("H1".into()),
                    hits: 2
                },
                HostHits {
                    host: Some("H2".into()),
                    hits: 1
                },
                HostHits {
                    host: None,
                    hits: 1
                }
            ]
        );
    }

    #[test]
    fn levels_sort_by_severity() {
        let mut v = vec![
            None,
            Some("low".to_string()),
            Some("weird".to_string()),
            Some("critical".to_string()),
            Some("medium".to_string()),
        ];
        v.sort_by_key(level_rank);
        assert_eq!(
            v,
            [
                Some("critical".to_string()),
                Some("medium".to_string()),
                Some("low".to_string()),
                Some("weird".to_string()),
                None
            ]
        );
    }
}
