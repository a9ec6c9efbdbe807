//! Logsource routing: per (channel, event id), only the rules whose gate
//! admits it.
//!
//! The chunk-wide prefilter holds every rule's literals, so on a full rule
//! set nearly every line of a real log is a candidate: a Sysmon registry
//! event contains `\\windows\\`, `.exe`, and the channel literal of every
//! rule guarded only by its channel. Listing all literals of such a line with
//! the 11k-literal automaton cost a third of the scan, and then hundreds of
//! rules whose gate could never admit the line were tried anyway.
//!
//! Routing reads the line's channel and event id from the raw bytes
//! (`event::peek`, exact or nothing) and looks them up in a per-worker cache
//! of routes. A route holds the rules the gate admits for that key: the
//! ones with detection literals behind a small automaton of just their
//! literals, the rest (guarded only by their channel, or by nothing) in an
//! always-evaluate list, since the route already is their gate. Keys with
//! the same admitted rules share one route; routes are built on first sight
//! (a log has a few dozen keys) under a lock, and each worker keeps its own
//! scratch per route.
//!
//! Soundness: routing never adds a candidate line, it only narrows the
//! rules tried on one. A rule left out is one whose gate rejects the key,
//! which is exactly what `CompiledRule::matches` would decide, provided the
//! key is the parsed event's: the peek answers only when certain, and a
//! routed line that is parsed is checked against its parsed gate inputs (a
//! mismatch, a bug, evaluates every rule).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::compile::{self, Plan, fold};
use crate::event::peek::GateKey;
use crate::prefilter::{EngineKind, Prefilter, PrefilterScratch};

/// The rules one gate key admits, ready to scan a line.
pub struct Route {
    /// This route's detection literals (ASCII-caseless).
    prefilter: Prefilter,
    /// Literal id → rules it stands for (the first of their literal sets,
    /// `CompiledRule::clauses(true)`).
    targets: Vec<Vec<u32>>,
    /// Per rule of the plan, its further literal sets as this route's
    /// literal ids (see `Plan::also_ids`).
    also_ids: Vec<Vec<Vec<u32>>>,
    /// Admitted rules without detection literals: evaluated on every line
    /// of the route.
    pub always: Vec<u32>,
}

impl Route {
    fn build(plan: &Plan, admitted: &[u32], engine: EngineKind) -> Option<Route> {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        let mut always = Vec::new();
        for &r in admitted {
            let Some(first) = plan.rules[r as usize].clauses(true).first().copied() else {
                always.push(r);
                continue;
            };
            for lit in first {
                let slot = *index.entry(lit.as_slice()).or_insert_with(|| {
                    literals.push(lit.clone());
                    targets.push(Vec::new());
                    literals.len() - 1
                });
                if targets[slot].last() != Some(&r) {
                    targets[slot].push(r);
                }
            }
        }
        let mut also_ids = vec![Vec::new(); plan.rules.len()];
        for &r in admitted {
            let clauses = plan.rules[r as usize].clauses(true);
            also_ids[r as usize] = compile::also_ids(clauses.get(1..).unwrap_or_default(), &|l| {
                index.get(l).map(|&i| i as u32)
            });
        }
        let prefilter = Prefilter::build(engine, &literals, &[]).ok()?;
        Some(Route {
            prefilter,
            targets,
            also_ids,
            always,
        })
    }

    /// The rules literal `id` of this route stands for.
    pub fn targets(&self, id: u32) -> &[u32] {
        &self.targets[id as usize]
    }

    /// Per rule, its further literal sets as this route's literal ids.
    pub fn also_ids(&self) -> &[Vec<Vec<u32>>] {
        &self.also_ids
    }
}

/// The routes of one scan, shared by its workers.
pub struct Routes {
    engine: EngineKind,
    enabled: bool,
    /// Admitted rule set → its route (`None`: the route could not be built;
    /// its lines take the unrouted path).
    built: Mutex<HashMap<Vec<u32>, Option<Arc<Route>>>>,
}

impl Routes {
    /// Routing for `plan` with `engine`. It is off for the `none` engine
    /// (every rule on every line is that engine's point), when no rule has a
    /// channel gate, and when `gate_fields_remapped` (a field map moves
    /// `Channel` or `EventID`, which the raw peek does not follow).
    pub fn new(plan: &Plan, engine: EngineKind, gate_fields_remapped: bool) -> Routes {
        let gated = plan.rules.iter().any(|r| !r.admits(None, None));
        Routes {
            engine,
            enabled: engine != EngineKind::None && gated && !gate_fields_remapped,
            built: Mutex::new(HashMap::new()),
        }
    }

    /// Whether lines are routed at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// How many distinct routes were built so far.
    pub fn built(&self) -> usize {
        self.built
            .lock()
            .map(|m| m.values().filter(|r| r.is_some()).count())
            .unwrap_or(0)
    }

    /// The slot in `cache` of the route for `key`, built on first sight, or
    /// `None` when the key has no usable route.
    pub fn slot(&self, plan: &Plan, cache: &mut RouteCache, key: GateKey<'_>) -> Option<usize> {
        cache.key.clear();
        let channel = key.channel;
        if channel.is_ascii() {
            cache
                .key
                .extend(channel.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            cache.key.extend_from_slice(fold::fold(channel).as_bytes());
        }
        // A channel never holds NUL in a line the peek accepted (JSON writes
        // it escaped), so it separates the two parts unambiguously.
        cache.key.push(0);
        if let Some(id) = key.event_id {
            cache.key.extend_from_slice(&id.to_le_bytes());
        }
        if let Some(&slot) = cache.slots.get(cache.key.as_slice()) {
            return cache.entries[slot].as_ref().map(|_| slot);
        }
        let folded = fold::fold(channel).into_owned();
        let admitted: Vec<u32> = (0..plan.rules.len() as u32)
            .filter(|&r| plan.rules[r as usize].admits(Some(&folded), key.event_id))
            .collect();
        let route = {
            let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            built
                .entry(admitted)
                .or_insert_with_key(|admitted| {
                    Route::build(plan, admitted, self.engine).map(Arc::new)
                })
                .clone()
        };
        let entry = route.map(|route| CacheEntry {
            scratch: route.prefilter.new_scratch(),
            route,
            channel: folded,
            event_id: key.event_id,
        });
        let slot = cache.entries.len();
        cache.entries.push(entry);
        cache.slots.insert(cache.key.clone(), slot);
        cache.entries[slot].as_ref().map(|_| slot)
    }
}

/// One worker's view of the routes it has met.
#[derive(Default)]
pub struct RouteCache {
    slots: HashMap<Vec<u8>, usize>,
    entries: Vec<Option<CacheEntry>>,
    key: Vec<u8>,
}

struct CacheEntry {
    route: Arc<Route>,
    scratch: PrefilterScratch,
    /// The key, as the gate sees it (channel folded).
    channel: String,
    event_id: Option<i64>,
}

impl RouteCache {
    /// The route in `slot` (from [`Routes::slot`]).
    pub fn route(&self, slot: usize) -> &Route {
        &self.entry(slot).route
    }

    /// Pushes the ids of the route's literals occurring in `line`.
    pub fn literals(&mut self, slot: usize, line: &[u8], out: &mut Vec<u32>) {
        let e = self.entries[slot]
            .as_mut()
            .expect("BUG: slot without a route");
        e.route
            .prefilter
            .literals_of_line(line, &mut e.scratch, out);
    }

    /// Whether the parsed event's gate inputs are the key of `slot`.
    pub fn key_is(&self, slot: usize, gate_in: &(Option<String>, Option<i64>)) -> bool {
        let e = self.entry(slot);
        gate_in.0.as_deref() == Some(e.channel.as_str()) && gate_in.1 == e.event_id
    }

    fn entry(&self, slot: usize) -> &CacheEntry {
        self.entries[slot]
            .as_ref()
            .expect("BUG: slot without a route")
    }
}
