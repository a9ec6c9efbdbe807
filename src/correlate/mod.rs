//! Correlation rules (Sigma 2, ../shared/SIGMA.md §3), evaluated on the hit
//! stream after the scan.
//!
//! Base-rule hits are a tiny fraction of the input, so correlations never
//! look at the raw events again: [`CorrelateSink`] wraps the output sink,
//! and for each hit of a rule some correlation refers to, re-parses that one
//! line with the public event API and keeps a small tuple (event time, the
//! group-by values, the aggregated value, a (file, line) reference). When
//! the scan ends the tuples are sorted per group by time (input order across
//! files and threads is not time order) and the windows are searched
//! (`window.rs` documents the sliding-window policy). Memory is therefore
//! bounded by the hits of referenced rules, not by the input.
//!
//! [`CorrelationPlan::build`] resolves what a single document cannot check
//! (`sigma::correlation` parses the documents): rule references by `id` or
//! `name` (unknown, ambiguous, or a rule that did not load), aliases naming
//! rules the correlation does not list, loops in correlation chains, and
//! group-by fields an inner correlation's hits do not carry. A failed
//! correlation is a [`Diagnostic`] like a failed rule, and so is any
//! correlation that depends on it.
//!
//! # `generate`
//!
//! A rule or correlation that some loaded correlation refers to reports on
//! its own only if at least one of the correlations referring to it says
//! `generate: true`. So with the default (`generate: false`) the plain hits
//! of the base rules are not written (they are still counted in `hits`, and
//! in `suppressed_hits` of the stats), and neither are the records of inner
//! correlations of a chain. An explicit `true` wins over the default
//! because it is a request for those hits; pySigma, converting queries,
//! disables a rule as soon as any correlation says `false`.
//!
//! # Correlations of correlations
//!
//! A hit of an inner correlation enters the outer one at the moment its
//! condition first held (`fired_at` of its record), carrying its group-by
//! values as its fields: the outer correlation's group-by fields (and
//! `field`), after aliases, must be among the inner one's group-by names.
//! The contributing events of an outer record are the base events of its
//! inner hits.

pub mod time;
pub mod window;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;

use crate::compile::{CompiledRule, FieldId, Plan};
use crate::event::{self, FieldMap, Layout, Resolver};
use crate::scan::{Hit, HitSink, Input, InputSummary};
use crate::sigma::correlation::{Correlation, CorrelationCondition, CorrelationType};
use crate::sigma::{Diagnostic, RuleSet};
use time::Nanos;
use window::{Item, Spec, Val};

/// Where an input of a correlation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// A compiled rule (index into `Plan::rules`).
    Rule(u32),
    /// Another correlation (index into [`CorrelationPlan::correlations`]).
    Correlation(u32),
}

/// Where a group-by or value field is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldSrc {
    /// The event, through the resolver (field id into the plan's names).
    Event(FieldId),
    /// An inner correlation's hit: its n-th group-by value.
    Group(usize),
}

#[derive(Clone, Debug)]
struct CInput {
    source: Source,
    /// One per group-by name of the correlation.
    group: Vec<FieldSrc>,
    /// One per `field` of the condition (none for count/temporal types).
    value: Vec<FieldSrc>,
}

/// A correlation ready to be evaluated.
#[derive(Clone, Debug)]
pub struct CompiledCorrelation {
    /// Reported id: `id`, else `name`, else the title.
    pub id: Arc<str>,
    /// Title.
    pub title: Arc<str>,
    /// Level (empty when unset).
    pub level: Arc<str>,
    /// Source file.
    pub file: PathBuf,
    /// 1-based line of the document.
    pub line: usize,
    /// The type.
    pub kind: CorrelationType,
    /// The window length in nanoseconds.
    pub timespan: Nanos,
    /// The condition.
    pub condition: CorrelationCondition,
    /// The group-by names as written (aliases included).
    pub group_by: Vec<Arc<str>>,
    /// Whether its records are written (see "`generate`" above).
    pub emit: bool,
    inputs: Vec<CInput>,
    /// temporal_ordered: the input slot of each listed rule.
    order: Vec<u16>,
}

/// Every loaded correlation, resolved against the compiled rules.
#[derive(Debug, Default)]
pub struct CorrelationPlan {
    /// The correlations, each after the correlations it refers to.
    pub correlations: Vec<CompiledCorrelation>,
    /// Correlation documents that did not resolve (one per document).
    pub errors: Vec<Diagnostic>,
    /// Per compiled rule: the (correlation, input slot) pairs it feeds.
    feeds: Vec<Vec<(u32, u16)>>,
    /// Per compiled rule: whether its plain hits are written.
    emit_rule: Vec<bool>,
    /// Per compiled rule: its reported id.
    rule_ids: Vec<Arc<str>>,
    /// Field names the correlations read from events (resolver ids).
    fields: Vec<String>,
    /// `--time-field`, and its resolver id.
    time_field: Option<(String, FieldId)>,
}

/// A document an id or name may stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Doc {
    Rule(usize),
    Corr(usize),
}

/// What a listed reference resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Rule(u32),
    Corr(usize),
}

/// The parts of a correlation that resolved.
struct Resolved {
    /// Distinct targets, in the order first listed.
    inputs: Vec<Target>,
    /// The line each input was first listed at.
    input_lines: Vec<usize>,
    /// Per listed rule: its input slot.
    order: Vec<u16>,
    /// (alias, slot) → field.
    aliases: HashMap<(String, u16), String>,
}

impl Resolved {
    /// The event field (or inner group-by name) `name` stands for in the
    /// hits of input `slot`: the alias's field for that rule when `name` is
    /// an alias that maps it, else `name` itself.
    fn field_for<'a>(&'a self, slot: u16, name: &'a str) -> &'a str {
        self.aliases
            .get(&(name.to_string(), slot))
            .map_or(name, String::as_str)
    }
}

fn diag_for(c: &Correlation, line: usize, message: String) -> Diagnostic {
    Diagnostic {
        file: c.file.clone(),
        line,
        rule_id: Some(c.report_id().to_string()),
        title: Some(c.title.clone()),
        message,
    }
}

impl CorrelationPlan {
    /// Resolves `set.correlations` against the rules compiled into `plan`.
    /// `time_field` is `--time-field`.
    pub fn build(set: &RuleSet, plan: &Plan, time_field: Option<&str>) -> CorrelationPlan {
        let n = set.correlations.len();
        let mut by_name: HashMap<&str, Vec<Doc>> = HashMap::new();
        fn add<'a>(key: Option<&'a str>, doc: Doc, map: &mut HashMap<&'a str, Vec<Doc>>) {
            if let Some(k) = key {
                let v = map.entry(k).or_default();
                if !v.contains(&doc) {
                    v.push(doc);
                }
            }
        }
        for (k, r) in set.rules.iter().enumerate() {
            add(r.id.as_deref(), Doc::Rule(k), &mut by_name);
            add(r.name.as_deref(), Doc::Rule(k), &mut by_name);
        }
        for (k, c) in set.correlations.iter().enumerate() {
            add(c.id.as_deref(), Doc::Corr(k), &mut by_name);
            add(c.name.as_deref(), Doc::Corr(k), &mut by_name);
        }
        let compiled: HashMap<(&Path, usize), u32> = plan
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.meta.file.as_path(), r.meta.line), i as u32))
            .collect();
        let where_is = |d: Doc| match d {
            Doc::Rule(k) => format!("{}:{}", set.rules[k].file.display(), set.rules[k].line),
            Doc::Corr(k) => format!(
                "{}:{}",
                set.correlations[k].file.display(),
                set.correlations[k].line
            ),
        };
        let resolve = |name: &str, me: usize| -> Result<Target, String> {
            match by_name.get(name).map(Vec::as_slice) {
                None | Some([]) => {
                    if set
                        .errors
                        .iter()
                        .any(|d| d.rule_id.as_deref() == Some(name))
                    {
                        Err(format!("rule `{name}` did not load (see its error)"))
                    } else {
                        Err(format!(
                            "unknown rule `{name}`: no rule or correlation has this id or name"
                        ))
                    }
                }
                Some([Doc::Rule(k)]) => {
                    let r = &set.rules[*k];
                    compiled
                        .get(&(r.file.as_path(), r.line))
                        .map(|&i| Target::Rule(i))
                        .ok_or_else(|| {
                            format!(
                                "rule `{name}` ({}) did not compile (see its error)",
                                where_is(Doc::Rule(*k))
                            )
                        })
                }
                Some([Doc::Corr(k)]) if *k == me => {
                    Err(format!("`{name}` is this correlation itself"))
                }
                Some([Doc::Corr(k)]) => Ok(Target::Corr(*k)),
                Some(many) => Err(format!(
                    "`{name}` is ambiguous: it names {}",
                    many.iter()
                        .map(|&d| where_is(d))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
            }
        };

        // Step 1: references and aliases, per document.
        let mut failed: Vec<Option<Diagnostic>> = vec![None; n];
        let mut resolved: Vec<Option<Resolved>> = Vec::with_capacity(n);
        for (ci, c) in set.correlations.iter().enumerate() {
            match resolve_one(c, ci, &resolve) {
                Ok(r) => resolved.push(Some(r)),
                Err((line, msg)) => {
                    failed[ci] = Some(diag_for(c, line, msg));
                    resolved.push(None);
                }
            }
        }

        // Step 2: loops in chains.
        find_loops(set, &resolved, &mut failed);

        // Step 3: a correlation fails with any correlation it refers to, or
        // when it groups an inner correlation's hits by a field they lack.
        loop {
            let mut changed = false;
            for ci in 0..n {
                if failed[ci].is_some() {
                    continue;
                }
                let c = &set.correlations[ci];
                let r = resolved[ci].as_ref().expect("BUG: unfailed means resolved");
                for (slot, &t) in r.inputs.iter().enumerate() {
                    let Target::Corr(k) = t else { continue };
                    let inner = &set.correlations[k];
                    let problem = if failed[k].is_some() {
                        Some((
                            r.input_lines[slot],
                            format!(
                                "refers to correlation `{}`, which did not load",
                                inner.report_id()
                            ),
                        ))
                    } else {
                        let group = c.group_by.iter().map(|g| (g, c.group_by_line));
                        let field = c.condition.field.iter().map(|f| (f, c.condition_line));
                        group
                            .chain(field)
                            .map(|(name, line)| (name, line, r.field_for(slot as u16, name)))
                            .find(|(_, _, f)| !inner.group_by.iter().any(|g| g == f))
                            .map(|(name, line, f)| {
                                let via = if name == f {
                                    String::new()
                                } else {
                                    format!(" (alias `{name}`)")
                                };
                                let msg = format!(
                                    "field `{f}`{via} is not a group-by field of correlation \
                                     `{}`, whose hits carry only: {}",
                                    inner.report_id(),
                                    if inner.group_by.is_empty() {
                                        "(none)".to_string()
                                    } else {
                                        inner.group_by.join(", ")
                                    }
                                );
                                (line, msg)
                            })
                    };
                    if let Some((line, msg)) = problem {
                        failed[ci] = Some(diag_for(c, line, msg));
                        changed = true;
                        break;
                    }
                }
            }
            if !changed {
                break;
            }
        }

        // Step 4: order (inner before outer) and compile.
        let mut index: Vec<Option<u32>> = vec![None; n];
        let mut order: Vec<usize> = Vec::new();
        loop {
            let before = order.len();
            for ci in 0..n {
                if failed[ci].is_some() || index[ci].is_some() {
                    continue;
                }
                let r = resolved[ci].as_ref().expect("BUG: resolved");
                let ready = r.inputs.iter().all(|t| match t {
                    Target::Corr(k) => index[*k].is_some(),
                    Target::Rule(_) => true,
                });
                if ready {
                    index[ci] = Some(order.len() as u32);
                    order.push(ci);
                }
            }
            if order.len() == before {
                break;
            }
        }
        // Loops were removed above; anything left unordered would be one
        // that step 2 missed. Say so rather than drop it silently.
        for ci in 0..n {
            if failed[ci].is_none() && index[ci].is_none() {
                let c = &set.correlations[ci];
                failed[ci] = Some(diag_for(
                    c,
                    c.line,
                    "correlation chain loops (through its references)".into(),
                ));
            }
        }

        let mut out = CorrelationPlan {
            feeds: vec![Vec::new(); plan.rules.len()],
            emit_rule: vec![true; plan.rules.len()],
            rule_ids: plan
                .rules
                .iter()
                .map(|r| Arc::from(r.meta.id.as_str()))
                .collect(),
            ..CorrelationPlan::default()
        };
        let mut names: HashMap<String, FieldId> = HashMap::new();
        let mut intern = |name: &str, fields: &mut Vec<String>| -> FieldId {
            *names.entry(name.to_string()).or_insert_with(|| {
                fields.push(name.to_string());
                (fields.len() - 1) as FieldId
            })
        };
        // Who refers to what, and whether any of them asks for `generate`.
        let mut rule_refs = vec![(false, false); plan.rules.len()];
        let mut corr_refs = vec![(false, false); n];
        for &ci in &order {
            let c = &set.correlations[ci];
            let r = resolved[ci].as_ref().expect("BUG: resolved");
            let mut inputs = Vec::new();
            for (slot, &t) in r.inputs.iter().enumerate() {
                let slot16 = slot as u16;
                let (source, group, value) = match t {
                    Target::Rule(i) => {
                        let e = &mut rule_refs[i as usize];
                        *e = (true, e.1 || c.generate);
                        let mut ev = |name: &str| {
                            FieldSrc::Event(intern(r.field_for(slot16, name), &mut out.fields))
                        };
                        (
                            Source::Rule(i),
                            c.group_by.iter().map(|g| ev(g)).collect(),
                            c.condition.field.iter().map(|f| ev(f)).collect(),
                        )
                    }
                    Target::Corr(k) => {
                        let e = &mut corr_refs[k];
                        *e = (true, e.1 || c.generate);
                        let inner = &set.correlations[k];
                        let pos = |name: &String| {
                            let f = r.field_for(slot16, name);
                            FieldSrc::Group(
                                inner
                                    .group_by
                                    .iter()
                                    .position(|g| g == f)
                                    .expect("BUG: checked in step 3"),
                            )
                        };
                        (
                            Source::Correlation(index[k].expect("BUG: ordered")),
                            c.group_by.iter().map(pos).collect(),
                            c.condition.field.iter().map(pos).collect(),
                        )
                    }
                };
                inputs.push(CInput {
                    source,
                    group,
                    value,
                });
            }
            out.correlations.push(CompiledCorrelation {
                id: Arc::from(c.report_id()),
                title: Arc::from(c.title.as_str()),
                level: Arc::from(c.level.as_deref().unwrap_or("")),
                file: c.file.clone(),
                line: c.line,
                kind: c.kind,
                timespan: c.timespan_s as Nanos * 1_000_000_000,
                condition: c.condition.clone(),
                group_by: c.group_by.iter().map(|g| Arc::from(g.as_str())).collect(),
                emit: true,
                inputs,
                order: r.order.clone(),
            });
        }
        for (k, &ci) in order.iter().enumerate() {
            let (referenced, generate) = corr_refs[ci];
            out.correlations[k].emit = !referenced || generate;
            for (slot, input) in out.correlations[k].inputs.iter().enumerate() {
                if let Source::Rule(i) = input.source {
                    out.feeds[i as usize].push((k as u32, slot as u16));
                }
            }
        }
        for (i, &(referenced, generate)) in rule_refs.iter().enumerate() {
            out.emit_rule[i] = !referenced || generate;
        }
        if let Some(tf) = time_field {
            let id = intern(tf, &mut out.fields);
            out.time_field = Some((tf.to_string(), id));
        }
        out.errors = failed.into_iter().flatten().collect();
        out.errors
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        out
    }

    /// Whether any correlation loaded.
    pub fn is_empty(&self) -> bool {
        self.correlations.is_empty()
    }
}

type ResolveErr = (usize, String);

fn resolve_one(
    c: &Correlation,
    me: usize,
    resolve: &dyn Fn(&str, usize) -> Result<Target, String>,
) -> Result<Resolved, ResolveErr> {
    let mut r = Resolved {
        inputs: Vec::new(),
        input_lines: Vec::new(),
        order: Vec::new(),
        aliases: HashMap::new(),
    };
    for rr in &c.rules {
        let t = resolve(&rr.name, me).map_err(|m| (rr.line, m))?;
        let slot = match r.inputs.iter().position(|&x| x == t) {
            Some(s) if c.kind != CorrelationType::TemporalOrdered => {
                return Err((
                    rr.line,
                    format!(
                        "`{}` and `{}` are the same rule",
                        c.rules[r.order.iter().position(|&o| o as usize == s).unwrap_or(0)].name,
                        rr.name
                    ),
                ));
            }
            Some(s) => s,
            None => {
                r.inputs.push(t);
                r.input_lines.push(rr.line);
                r.inputs.len() - 1
            }
        };
        r.order.push(slot as u16);
    }
    if r.inputs.len() > usize::from(u16::MAX) {
        return Err((c.line, "too many rules in one correlation".into()));
    }
    for a in &c.aliases {
        for (rule, field) in &a.fields {
            let t = resolve(&rule.name, me)
                .map_err(|m| (rule.line, format!("alias `{}`: {m}", a.alias)))?;
            let Some(slot) = r.inputs.iter().position(|&x| x == t) else {
                return Err((
                    rule.line,
                    format!(
                        "alias `{}`: `{}` is not one of the rules this correlation lists",
                        a.alias, rule.name
                    ),
                ));
            };
            r.aliases
                .insert((a.alias.clone(), slot as u16), field.clone());
        }
    }
    Ok(r)
}

/// Marks every correlation on a loop of references (iterative depth-first
/// search, so a long chain cannot overflow the stack).
fn find_loops(set: &RuleSet, resolved: &[Option<Resolved>], failed: &mut [Option<Diagnostic>]) {
    let n = resolved.len();
    let succ = |ci: usize| -> Vec<(usize, usize)> {
        resolved[ci]
            .as_ref()
            .map(|r| {
                r.inputs
                    .iter()
                    .zip(&r.input_lines)
                    .filter_map(|(t, &line)| match t {
                        Target::Corr(k) => Some((*k, line)),
                        Target::Rule(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    /// A node on the search path: itself, its (successor, line of the
    /// reference) list, and the next successor to visit.
    type Frame = (usize, Vec<(usize, usize)>, usize);
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 || resolved[root].is_none() {
            continue;
        }
        let mut stack: Vec<Frame> = vec![(root, succ(root), 0)];
        state[root] = 1;
        while let Some((node, next, i)) = stack.last_mut() {
            if *i == next.len() {
                state[*node] = 2;
                stack.pop();
                continue;
            }
            let (k, _) = next[*i];
            *i += 1;
            match state[k] {
                0 if resolved[k].is_some() => {
                    state[k] = 1;
                    stack.push((k, succ(k), 0));
                }
                1 => {
                    // The loop is the path from k to the top, back to k.
                    let start = stack
                        .iter()
                        .position(|(x, _, _)| *x == k)
                        .expect("BUG: on the path");
                    let members: Vec<(usize, usize)> = stack[start..]
                        .iter()
                        .map(|(x, nx, i)| (*x, nx[*i - 1].1))
                        .collect();
                    let mut names: Vec<&str> = members
                        .iter()
                        .map(|&(x, _)| set.correlations[x].report_id())
                        .collect();
                    names.push(set.correlations[k].report_id());
                    let chain = names.join(" → ");
                    for (x, line) in members {
                        if failed[x].is_none() {
                            failed[x] = Some(diag_for(
                                &set.correlations[x],
                                line,
                                format!("correlation chain loops: {chain}"),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

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

/// One contributing event of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordEvent {
    /// The input, as named in hit records.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u64,
    /// The base rule that matched it.
    pub rule_id: Arc<str>,
}

/// One correlation hit, as written (see `output::correlation_record`).
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationRecord {
    /// The correlation's id (else name, else title).
    pub rule_id: Arc<str>,
    /// Its title.
    pub title: Arc<str>,
    /// Its level (empty when unset).
    pub level: Arc<str>,
    /// `event_count`, `value_count`, ...
    pub correlation_type: &'static str,
    /// Group-by name → value (`None`: the field was missing or null).
    pub group: Vec<(Arc<str>, Option<String>)>,
    /// Time of the first hit of the window (an inner correlation's hit is
    /// at its `fired_at`).
    pub window_start: Nanos,
    /// Time of the last hit of the window.
    pub window_end: Nanos,
    /// Time of the event at which the condition first held.
    pub fired_at: Nanos,
    /// The aggregate over the window.
    pub value: f64,
    /// Contributing events, by time then input order.
    pub events: Vec<RecordEvent>,
}

/// Counters for `--stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CorrelationStats {
    /// Correlations loaded.
    pub correlations: u64,
    /// Hits of referenced rules kept for correlation (one per correlation fed).
    pub buffered_hits: u64,
    /// Hits of referenced rules whose event had no parseable time.
    pub untimed_hits: u64,
    /// Hits left out of a value_* correlation for lack of a (numeric) value.
    pub hits_without_value: u64,
    /// Plain hits not written because of `generate: false`.
    pub suppressed_hits: u64,
    /// Correlation records written.
    pub records: u64,
}

/// What the correlations found.
#[derive(Debug, Default)]
pub struct CorrelationReport {
    /// Records to write, ordered by window start, window end, rule id, group.
    pub records: Vec<CorrelationRecord>,
    /// Counters.
    pub stats: CorrelationStats,
}

/// How many events without a time are named on stderr.
const UNTIMED_REPORT_LIMIT: u64 = 5;

/// Time fields tried when `--time-field` is not given, in order: evtx_dump's
/// `SystemTime` attribute (with `--separate-json-attributes` too),
/// Velociraptor's `System.TimeCreated.SystemTime` (epoch seconds), then the
/// usual top-level names (ECS/Winlogbeat, flat exports, Azure).
const DEFAULT_TIME_PATHS: &[&[&str]] = &[
    &[
        "Event",
        "System",
        "TimeCreated",
        "#attributes",
        "SystemTime",
    ],
    &["Event", "System", "TimeCreated_attributes", "SystemTime"],
    &["System", "TimeCreated", "SystemTime"],
    &["@timestamp"],
    &["TimeCreated"],
    &["UtcTime"],
    &["TimeGenerated"],
];

fn walk<'a>(root: &'a Json, keys: impl IntoIterator<Item = &'a str>) -> Option<&'a Json> {
    let mut v = root;
    for k in keys {
        v = v.as_object()?.get(k)?;
    }
    Some(match v {
        Json::Object(m) => m.get("#text").unwrap_or(v),
        _ => v,
    })
}

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

/// Wraps the output sink: passes hits on (except those `generate: false`
/// withholds), keeps what the correlations need, and evaluates them in
/// [`finish`](CorrelateSink::finish).
pub struct CorrelateSink<'p, S> {
    inner: S,
    plan: &'p CorrelationPlan,
    rules: &'p [CompiledRule],
    resolver: Resolver,
    inputs: Vec<Arc<str>>,
    input_ids: HashMap<usize, u32>,
    states: Vec<CorrState>,
    /// The last parsed line: a line hitting several referenced rules is
    /// parsed once.
    cache: Option<(u32, u64, Json)>,
    stats: CorrelationStats,
    quiet: bool,
}

impl<'p, S: HitSink> CorrelateSink<'p, S> {
    /// `rules` must be the compiled rules the scanner reports hits of
    /// (`Scanner::plan().rules`); `field_map` is `--field-map`; `quiet`
    /// silences the per-event notes on stderr.
    pub fn new(
        inner: S,
        plan: &'p CorrelationPlan,
        rules: &'p [CompiledRule],
        field_map: &FieldMap,
        quiet: bool,
    ) -> Self {
        CorrelateSink {
            inner,
            plan,
            rules,
            resolver: Resolver::new(&plan.fields, field_map),
            inputs: Vec::new(),
            input_ids: HashMap::new(),
            states: plan
                .correlations
                .iter()
                .map(|_| CorrState::default())
                .collect(),
            cache: None,
            stats: CorrelationStats {
                correlations: plan.correlations.len() as u64,
                ..CorrelationStats::default()
            },
            quiet,
        }
    }

    /// The index of `rule` in the compiled rules. Hits always borrow their
    /// rule from `Scanner::plan().rules` (the emitter in `scan`), so its
    /// address is its position; anything else is not ours.
    fn rule_index(&self, rule: &CompiledRule) -> Option<usize> {
        let size = std::mem::size_of::<CompiledRule>();
        let base = self.rules.as_ptr() as usize;
        let addr = rule as *const CompiledRule as usize;
        let off = addr.checked_sub(base)?;
        (size > 0 && off % size == 0 && off / size < self.rules.len()).then_some(off / size)
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
        let found = match &self.plan.time_field {
            Some((path, id)) => walk(root, path.split('.'))
                .or_else(|| self.resolver.lookup(root, layout, *id))
                .map(|v| (path.as_str(), v)),
            None => DEFAULT_TIME_PATHS.iter().find_map(|p| {
                walk(root, p.iter().copied()).map(|v| (*p.last().expect("BUG: non-empty"), v))
            }),
        };
        match found {
            Some((name, v)) => time::from_json(v)
                .ok_or_else(|| format!("event time {name} = {v} is not a timestamp")),
            None => Err(match &self.plan.time_field {
                Some((path, _)) => format!("no time field `{path}` (--time-field)"),
                None => "no event time (looked for SystemTime, @timestamp, TimeCreated, \
                         UtcTime, TimeGenerated; see --time-field)"
                    .to_string(),
            }),
        }
    }

    /// Keeps what the correlations fed by rule `ri` need from this hit.
    fn record(&mut self, input: &Input, hit: &Hit<'_>, ri: usize) {
        let input_id = self.input_id(input);
        let root = match self.cache.take() {
            Some((i, l, root)) if i == input_id && l == hit.line => root,
            _ => match event::parse_line(hit.text) {
                Ok(root) => root,
                // The scanner parsed this line to match it: unreachable in
                // practice, and nothing to correlate.
                Err(_) => return,
            },
        };
        let layout = Layout::detect(&root);
        match self.event_time(&root, layout) {
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
                        FieldSrc::Event(id) => self.resolver.lookup(&root, layout, *id),
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
                if !self.quiet && self.stats.untimed_hits <= UNTIMED_REPORT_LIMIT {
                    eprintln!(
                        "sigscan: {}:{}: rule {}: {why}; left out of correlations",
                        input.name, hit.line, self.rules[ri].meta.id
                    );
                }
            }
        }
        self.cache = Some((input_id, hit.line, root));
    }

    /// Evaluates every correlation and returns the wrapped sink with the
    /// records to write after the hits.
    pub fn finish(mut self) -> (S, CorrelationReport) {
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
            if st.without_value > 0 && !self.quiet {
                eprintln!(
                    "sigscan: correlation {}: {} hits without a {}value of `{}` were not counted",
                    cc.id,
                    st.without_value,
                    if cc.kind.is_numeric() { "numeric " } else { "" },
                    cc.condition.field.join("`, `")
                );
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
        if !self.quiet && self.stats.untimed_hits > UNTIMED_REPORT_LIMIT {
            eprintln!(
                "sigscan: {} hits of correlated rules had no parseable event time ({} shown) \
                 and were left out of correlations",
                self.stats.untimed_hits, UNTIMED_REPORT_LIMIT
            );
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
        let report = CorrelationReport {
            records,
            stats: self.stats,
        };
        (self.inner, report)
    }
}

impl<S: HitSink> HitSink for CorrelateSink<'_, S> {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        if let Some(ri) = self.rule_index(hit.rule) {
            if !self.plan.feeds[ri].is_empty() {
                self.record(input, hit, ri);
            }
            if !self.plan.emit_rule[ri] {
                self.stats.suppressed_hits += 1;
                return Ok(());
            }
        }
        self.inner.hit(input, hit)
    }
    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        self.inner.invalid_line(input, line, reason)
    }
    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        self.inner.input_done(input, summary)
    }
    fn chunk_done(&mut self, bytes: u64) {
        self.inner.chunk_done(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::CompileOptions;

    fn build(text: &str) -> (RuleSet, Plan, CorrelationPlan) {
        let mut set = RuleSet::default();
        set.load_text(Path::new("r.yml"), text);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        let c = CorrelationPlan::build(&set, &plan, None);
        (set, plan, c)
    }

    const BASE: &str = "title: failed\nid: r-failed\nname: failed\nlogsource: {product: windows, service: security}\n\
        detection:\n  sel: {EventID: 4625}\n  condition: sel\n---\n\
        title: ok\nname: success\nlogsource: {product: windows, service: security}\n\
        detection:\n  sel: {EventID: 4624}\n  condition: sel\n";

    fn errors(c: &CorrelationPlan) -> Vec<(usize, String)> {
        c.errors
            .iter()
            .map(|d| (d.line, d.message.clone()))
            .collect()
    }

    #[test]
    fn resolves_ids_names_and_generate() {
        let (_, plan, c) = build(&format!(
            "{BASE}---\ntitle: burst\nname: burst\ncorrelation:\n  type: event_count\n  \
             rules: r-failed\n  group-by: User\n  timespan: 5m\n  condition: {{gte: 3}}\n---\n\
             title: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [burst, success]\n  \
             group-by: User\n  timespan: 10m\n  generate: true\n"
        ));
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(plan.rules.len(), 2);
        assert_eq!(c.correlations.len(), 2);
        // Inner first; the chain asks for generate, so both inner
        // references report on their own; nothing refers to the chain.
        assert_eq!(&*c.correlations[0].id, "burst");
        assert_eq!(&*c.correlations[1].id, "chain");
        assert!(c.correlations[0].emit && c.correlations[1].emit);
        // `failed` is referenced only by `burst` (generate false): withheld.
        assert_eq!(c.emit_rule, vec![false, true]);
        assert_eq!(c.feeds[0], vec![(0, 0)]);
        assert_eq!(c.feeds[1], vec![(1, 1)]);
        assert_eq!(c.correlations[1].inputs[0].source, Source::Correlation(0));
        assert_eq!(c.correlations[1].inputs[0].group, vec![FieldSrc::Group(0)]);
    }

    #[test]
    fn generate_true_anywhere_keeps_the_rule() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: a\ncorrelation:\n  type: event_count\n  rules: failed\n  \
             timespan: 5m\n  condition: {{gte: 3}}\n---\ntitle: b\ncorrelation:\n  \
             type: event_count\n  rules: failed\n  timespan: 1h\n  condition: {{gte: 30}}\n  \
             generate: true\n"
        ));
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.emit_rule, vec![true, true]);
        assert_eq!(c.feeds[0], vec![(0, 0), (1, 0)]);
    }

    #[test]
    fn reference_errors() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: unknown\ncorrelation:\n  type: event_count\n  rules:\n    - nope\n  \
             timespan: 5m\n  condition: {{gte: 3}}\n---\ntitle: alias\ncorrelation:\n  \
             type: temporal\n  rules: [failed, success]\n  timespan: 5m\n  aliases:\n    ip:\n      \
             failed: IpAddress\n      other: SourceIp\n"
        ));
        assert_eq!(
            errors(&c),
            vec![
                (
                    20,
                    "unknown rule `nope`: no rule or correlation has this id or name".into()
                ),
                (
                    32,
                    "alias `ip`: unknown rule `other`: no rule or correlation has this id or name"
                        .into()
                ),
            ]
        );
        assert_eq!(c.errors[0].rule_id.as_deref(), Some("unknown"));
        assert_eq!(c.errors[0].file, Path::new("r.yml"));
    }

    #[test]
    fn loops_and_their_dependents_fail() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: a\nname: a\ncorrelation:\n  type: temporal\n  rules: [b, success]\n  \
             timespan: 5m\n---\ntitle: b\nname: b\ncorrelation:\n  type: temporal\n  \
             rules: [a, failed]\n  timespan: 5m\n---\ntitle: c\nname: c\ncorrelation:\n  \
             type: event_count\n  rules: a\n  timespan: 5m\n  condition: {{gte: 1}}\n---\n\
             title: d\nname: d\ncorrelation:\n  type: event_count\n  rules: d\n  timespan: 5m\n  \
             condition: {{gte: 1}}\n"
        ));
        assert!(c.correlations.is_empty());
        assert_eq!(
            errors(&c),
            vec![
                (20, "correlation chain loops: a → b → a".into()),
                (27, "correlation chain loops: a → b → a".into()),
                (34, "refers to correlation `a`, which did not load".into()),
                (42, "`d` is this correlation itself".into()),
            ]
        );
    }

    #[test]
    fn outer_group_by_must_be_an_inner_group_by() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: burst\nname: burst\ncorrelation:\n  type: event_count\n  \
             rules: failed\n  group-by: IpAddress\n  timespan: 5m\n  condition: {{gte: 3}}\n---\n\
             title: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [burst, success]\n  \
             group-by: User\n  timespan: 10m\n"
        ));
        assert_eq!(
            errors(&c),
            vec![(
                29,
                "field `User` is not a group-by field of correlation `burst`, whose hits carry \
                 only: IpAddress"
                    .into()
            )]
        );
        // The inner one still loads, and nothing withholds it now.
        assert_eq!(c.correlations.len(), 1);
        assert!(c.correlations[0].emit);
    }

    #[test]
    fn same_rule_twice_by_id_and_name() {
        let (_, _, c) = build(&format!(
            "{BASE}---\ntitle: x\ncorrelation:\n  type: temporal\n  rules: [failed, r-failed]\n  \
             timespan: 5m\n"
        ));
        assert_eq!(
            errors(&c),
            vec![(19, "`failed` and `r-failed` are the same rule".into())]
        );
    }

    #[test]
    fn a_rule_that_did_not_compile() {
        let (_, _, c) = build(
            "title: bad\nid: bad\nlogsource: {product: windows}\ndetection:\n  sel:\n    \
             F|re: '('\n  condition: sel\n---\ntitle: x\ncorrelation:\n  type: event_count\n  \
             rules: bad\n  timespan: 5m\n  condition: {gte: 1}\n",
        );
        assert_eq!(
            errors(&c),
            vec![(
                12,
                "rule `bad` (r.yml:1) did not compile (see its error)".into()
            )]
        );
    }
}
