//! The correlation stage on the hit stream: what is kept per hit while the
//! scan runs, and the window search per group when it ends.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use serde_json::Value as Json;

use super::clock::EventClock;
use super::plan::{CorrelationPlan, FieldSrc, Source};
use super::time::Nanos;
use super::window::{self, Item, Spec, Val};
use super::{CorrelationRecord, CorrelationReport, CorrelationStats, RecordEvent};
use crate::event::{FieldMap, Layout, ParsedEvent, Resolver};
use crate::scan::{Hit, HitObserver, Input};
use crate::sigma::correlation::CorrelationType;

/// A reference to one contributing event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct EventRef {
    time: Nanos,
    input: u32,
    line: u64,
    rule: u32,
}

#[derive(Clone, Copy, Debug)]
enum Src {
    Event(EventRef),
    Hit { corr: u32, hit: u32 },
}

/// One hit as a correlation keeps it.
#[derive(Clone, Copy, Debug)]
struct Entry {
    time: Nanos,
    /// Input order of the event (for hits: of the event that fired them),
    /// breaking ties between equal times.
    tie: (u32, u64),
    slot: u16,
    group: u32,
    value: Val,
    src: Src,
}

type Key = Vec<Option<String>>;

/// A correlation hit, before it becomes a record.
struct CHit {
    group: Key,
    start: Nanos,
    end: Nanos,
    fired_at: Nanos,
    anchor: (u32, u64),
    value: f64,
    events: Vec<EventRef>,
}

/// Per-correlation state while the hits stream in.
#[derive(Default)]
struct CorrState {
    entries: Vec<Entry>,
    groups: HashMap<Key, u32>,
    values: HashMap<Key, u32>,
    without_value: u64,
}

fn intern(map: &mut HashMap<Key, u32>, key: Key) -> u32 {
    let next = map.len() as u32;
    *map.entry(key).or_insert(next)
}

/// How many events without a time are named on stderr.
const UNTIMED_REPORT_LIMIT: u64 = 5;

/// A field's value as group or distinct-value text: strings as they are,
/// numbers and booleans as JSON writes them, null as missing, objects and
/// arrays as compact JSON.
fn value_text(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn value_num(v: Option<&Json>) -> Option<f64> {
    match v? {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

fn text_num(s: Option<&String>) -> Option<f64> {
    s.and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

/// Watches the hit stream ([`HitObserver`]): keeps what the correlations
/// need from the hits of the rules they refer to, withholds the hits that
/// `generate: false` keeps quiet, and evaluates the windows in
/// [`finish`](Correlator::finish).
pub struct Correlator<'p> {
    plan: &'p CorrelationPlan,
    resolver: Resolver,
    clock: EventClock,
    inputs: Vec<Arc<str>>,
    input_ids: HashMap<usize, u32>,
    states: Vec<CorrState>,
    stats: CorrelationStats,
    /// Where per-event notes go (`None`: quiet).
    notes: Option<Box<dyn Write + 'p>>,
}

impl<'p> Correlator<'p> {
    /// `field_map` is `--field-map`; `notes` receives the notes about hits
    /// left out (no time, no value), `None` to drop them.
    pub fn new(
        plan: &'p CorrelationPlan,
        field_map: &FieldMap,
        notes: Option<Box<dyn Write + 'p>>,
    ) -> Self {
        Correlator {
            plan,
            resolver: Resolver::new(&plan.fields, field_map),
            clock: EventClock::new(plan.time_field.as_ref().map(|(p, _)| p.as_str()), field_map),
            inputs: Vec::new(),
            input_ids: HashMap::new(),
            states: plan
                .correlations
                .iter()
                .map(|_| CorrState::default())
                .collect(),
            stats: CorrelationStats {
                correlations: plan.correlations.len() as u64,
                ..CorrelationStats::default()
            },
            notes,
        }
    }

    fn note(&mut self, text: std::fmt::Arguments<'_>) {
        if let Some(w) = self.notes.as_mut() {
            let _ = w.write_fmt(text);
            let _ = w.write_all(b"\n");
        }
    }

    fn input_id(&mut self, input: &Input) -> u32 {
        let key = input as *const Input as usize;
        if let Some(&id) = self.input_ids.get(&key) {
            return id;
        }
        let id = self.inputs.len() as u32;
        self.inputs.push(Arc::from(input.name.as_str()));
        self.input_ids.insert(key, id);
        id
    }

    fn event_time(&self, root: &Json, layout: Layout) -> Result<Nanos, String> {
        self.clock.time_of(root, layout)
    }

    /// Keeps what the correlations fed by rule `ri` need from this hit.
    fn record(&mut self, input: &Input, hit: &Hit<'_>, event: &ParsedEvent) {
        let ri = hit.rule_index;
        let input_id = self.input_id(input);
        let (root, layout) = (&event.root, event.layout);
        match self.event_time(root, layout) {
            Ok(time) => {
                let ev = EventRef {
                    time,
                    input: input_id,
                    line: hit.line,
                    rule: ri as u32,
                };
                for &(c, slot) in &self.plan.feeds[ri] {
                    let cc = &self.plan.correlations[c as usize];
                    let inp = &cc.inputs[slot as usize];
                    let read = |f: &FieldSrc| match f {
                        FieldSrc::Event(id) => self.resolver.lookup(root, layout, *id),
                        FieldSrc::Group(_) => unreachable!("BUG: rule inputs read events"),
                    };
                    let st = &mut self.states[c as usize];
                    let value = if cc.kind == CorrelationType::ValueCount {
                        let key: Key = inp.value.iter().map(|f| value_text(read(f))).collect();
                        if key.iter().all(Option::is_none) {
                            st.without_value += 1;
                            continue;
                        }
                        Val::Id(intern(&mut st.values, key))
                    } else if cc.kind.is_numeric() {
                        match value_num(read(&inp.value[0])) {
                            Some(x) => Val::Num(x),
                            None => {
                                st.without_value += 1;
                                continue;
                            }
                        }
                    } else {
                        Val::None
                    };
                    let key: Key = inp.group.iter().map(|f| value_text(read(f))).collect();
                    let group = intern(&mut st.groups, key);
                    st.entries.push(Entry {
                        time,
                        tie: (input_id, hit.line),
                        slot,
                        group,
                        value,
                        src: Src::Event(ev),
                    });
                    self.stats.buffered_hits += 1;
                }
            }
            Err(why) => {
                self.stats.untimed_hits += 1;
                if self.stats.untimed_hits <= UNTIMED_REPORT_LIMIT {
                    self.note(format_args!(
                        "sigscan: {}:{}: rule {}: {why}; left out of correlations",
                        input.name, hit.line, hit.rule.meta.id
                    ));
                }
            }
        }
    }

    /// Evaluates every correlation and returns the wrapped sink with the
    /// records to write after the hits.
    pub fn finish(mut self) -> CorrelationReport {
        let plan = self.plan;
        let mut hits: Vec<Vec<CHit>> = Vec::with_capacity(plan.correlations.len());
        let mut items: Vec<Item> = Vec::new();
        let mut found = Vec::new();
        for (c, cc) in plan.correlations.iter().enumerate() {
            let mut st = std::mem::take(&mut self.states[c]);
            // Hits of inner correlations enter when they fired.
            for (slot, inp) in cc.inputs.iter().enumerate() {
                let Source::Correlation(k) = inp.source else {
                    continue;
                };
                for (h, hit) in hits[k as usize].iter().enumerate() {
                    let read = |f: &FieldSrc| match f {
                        FieldSrc::Group(p) => hit.group[*p].clone(),
                        FieldSrc::Event(_) => unreachable!("BUG: correlation inputs read groups"),
                    };
                    let value = if cc.kind == CorrelationType::ValueCount {
                        let key: Key = inp.value.iter().map(read).collect();
                        if key.iter().all(Option::is_none) {
                            st.without_value += 1;
                            continue;
                        }
                        Val::Id(intern(&mut st.values, key))
                    } else if cc.kind.is_numeric() {
                        match text_num(read(&inp.value[0]).as_ref()) {
                            Some(x) => Val::Num(x),
                            None => {
                                st.without_value += 1;
                                continue;
                            }
                        }
                    } else {
                        Val::None
                    };
                    let key: Key = inp.group.iter().map(read).collect();
                    let group = intern(&mut st.groups, key);
                    st.entries.push(Entry {
                        time: hit.fired_at,
                        tie: hit.anchor,
                        slot: slot as u16,
                        group,
                        value,
                        src: Src::Hit {
                            corr: k,
                            hit: h as u32,
                        },
                    });
                }
            }
            self.stats.hits_without_value += st.without_value;
            if st.without_value > 0 {
                self.note(format_args!(
                    "sigscan: correlation {}: {} hits without a {}value of `{}` were not counted",
                    cc.id,
                    st.without_value,
                    if cc.kind.is_numeric() { "numeric " } else { "" },
                    cc.condition.field.join("`, `")
                ));
            }
            let mut keys: Vec<Key> = vec![Vec::new(); st.groups.len()];
            for (k, g) in st.groups.drain() {
                keys[g as usize] = k;
            }
            st.entries
                .sort_unstable_by_key(|e| (e.group, e.time, e.tie, e.slot));
            let spec = Spec {
                kind: cc.kind,
                timespan: cc.timespan,
                condition: &cc.condition,
                slots: cc.inputs.len(),
                order: &cc.order,
            };
            let mut out = Vec::new();
            for run in st.entries.chunk_by(|a, b| a.group == b.group) {
                items.clear();
                items.extend(run.iter().map(|e| Item {
                    time: e.time,
                    slot: e.slot,
                    value: e.value,
                }));
                found.clear();
                window::find(&spec, &items, &mut found);
                for f in &found {
                    let mut events = Vec::new();
                    for e in &run[f.first..=f.last] {
                        match e.src {
                            Src::Event(r) => events.push(r),
                            Src::Hit { corr, hit } => {
                                events.extend_from_slice(&hits[corr as usize][hit as usize].events)
                            }
                        }
                    }
                    events.sort_unstable();
                    events.dedup();
                    out.push(CHit {
                        group: keys[run[0].group as usize].clone(),
                        start: run[f.first].time,
                        end: run[f.last].time,
                        fired_at: run[f.fired].time,
                        anchor: run[f.fired].tie,
                        value: f.value,
                        events,
                    });
                }
            }
            hits.push(out);
        }
        if self.stats.untimed_hits > UNTIMED_REPORT_LIMIT {
            let untimed = self.stats.untimed_hits;
            self.note(format_args!(
                "sigscan: {untimed} hits of correlated rules had no parseable event time \
                 ({UNTIMED_REPORT_LIMIT} shown) and were left out of correlations"
            ));
        }

        let mut records = Vec::new();
        for (cc, chits) in plan.correlations.iter().zip(hits) {
            if !cc.emit {
                continue;
            }
            for h in chits {
                records.push(CorrelationRecord {
                    rule_id: cc.id.clone(),
                    title: cc.title.clone(),
                    level: cc.level.clone(),
                    correlation_type: cc.kind.name(),
                    group: cc.group_by.iter().cloned().zip(h.group).collect(),
                    window_start: h.start,
                    window_end: h.end,
                    fired_at: h.fired_at,
                    value: h.value,
                    events: h
                        .events
                        .iter()
                        .map(|e| RecordEvent {
                            file: self.inputs[e.input as usize].clone(),
                            line: e.line,
                            rule_id: plan.rule_ids[e.rule as usize].clone(),
                        })
                        .collect(),
                });
            }
        }
        records.sort_by(|a, b| {
            (a.window_start, a.window_end, &a.rule_id)
                .cmp(&(b.window_start, b.window_end, &b.rule_id))
                .then_with(|| {
                    let ga = a.group.iter().map(|(_, v)| v);
                    let gb = b.group.iter().map(|(_, v)| v);
                    ga.cmp(gb)
                })
        });
        self.stats.records = records.len() as u64;
        CorrelationReport {
            records,
            stats: self.stats,
        }
    }
}

impl HitObserver for Correlator<'_> {
    fn needs_event(&self, hit: &Hit<'_>) -> bool {
        !self.plan.feeds[hit.rule_index].is_empty()
    }

    fn hit(&mut self, input: &Input, hit: &Hit<'_>, event: Option<&ParsedEvent>) {
        // The scanner parsed this line to match it, so `event` is there
        // whenever it was asked for; without one there is nothing to keep.
        if let Some(event) = event.filter(|_| self.needs_event(hit)) {
            self.record(input, hit, event);
        }
        if !self.plan.emit_rule[hit.rule_index] {
            self.stats.suppressed_hits += 1;
        }
    }

    fn passes(&self, hit: &Hit<'_>) -> bool {
        self.plan.emit_rule[hit.rule_index]
    }
}
