//! Routing: each line is tried only against the rules that could match
//! its kind of event, each route with an automaton of just their literals.
//!
//! The chunk-wide prefilter holds every rule's literals, so on a full rule
//! set nearly every line of a real log is a candidate: a Sysmon registry
//! event contains `\\windows\\`, `.exe`, and the channel literal of every
//! rule guarded only by its channel. Listing all literals of such a line with
//! the 11k-literal automaton cost a third of the scan, and then hundreds of
//! rules that could never match the line were tried anyway. Two keys:
//!
//! - **Gate** ([`Mode::Gate`], where rules have logsources): the line's
//!   channel and event id, read from the raw bytes (`event::peek`, exact or
//!   nothing). A route holds the rules the gate admits for that key: the
//!   ones with literals behind the route's automaton, the rest (guarded only
//!   by their channel, or by nothing) in an always-evaluate list, since the
//!   route already is their gate. Keys with the same admitted rules share
//!   one route (a log has a few dozen keys). Every line is offered to its
//!   route; only lines without a usable key are searched with the whole
//!   plan's automaton, which is built for the first of them.
//! - **Shape** ([`Mode::Shape`], `--no-logsource`): the line's keys
//!   (`event::shape`, exact or nothing). A route holds the rules whose
//!   required fields (`CompiledRule::required_fields`) the shape has: a
//!   Sysmon process-access event has no `CommandLine`, so the thousand
//!   process-creation rules are not looked for in it. This mode runs only
//!   where every line is evaluated anyway (some rule has no literal), so
//!   every line is routed and the chunk-wide search is skipped; the
//!   always-evaluated rules are filtered by the route too. A log has a long
//!   tail of rare shapes, so a set of admitted rules gets its automaton
//!   only from its [`SHAPE_ROUTE_AFTER`]th line on (per worker); until then
//!   its lines take the unrouted path (the whole plan's automaton).
//!
//! Routes are built once per admitted set, outside the lock that guards
//! the map (a `OnceLock` per set), and each worker keeps its own scratch
//! per route.
//!
//! Soundness: routing only narrows the rules tried on a line. A rule left
//! out is one whose gate rejects the key, or one that needs a field the
//! line lacks, both exactly what `CompiledRule::matches` would decide,
//! provided the key is the parsed event's: the peek and the shape answer
//! only when certain, and a gate-routed line that is parsed is checked
//! against its parsed gate inputs (a mismatch, a bug, evaluates every
//! rule). A line routed without any literal of the whole set adds no rule
//! that could match it: its route's rules are found by their literals,
//! which the whole set holds too. A line whose literals may hide behind
//! JSON escapes (`literals::needs_fallback`) is tried against every rule of
//! its route that has literals.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::compile::{self, AlwaysIndex, FieldId, Guard, Plan, fold};
use crate::event::peek::GateKey;
use crate::event::{self, Layout, Resolver};
use crate::prefilter::{EngineKind, Prefilter, PrefilterScratch};

/// The rules one gate key admits, ready to scan a line.
pub struct Route {
    /// This route's detection literals (ASCII-caseless).
    prefilter: Prefilter,
    /// Literal id → rules it stands for (the first of their literal sets,
    /// `CompiledRule::clauses(true)`).
    targets: Vec<Vec<u32>>,
    /// The admitted rules with literals: all of them are tried on a line
    /// whose literals could hide behind JSON escapes (see
    /// `literals::needs_fallback`), whatever its literals.
    literal_rules: Vec<u32>,
    /// Per rule of the plan, its further literal sets as this route's
    /// literal ids (see `Plan::also_ids`).
    also_ids: Vec<Vec<Vec<u32>>>,
    /// Per rule of the plan, whether the route admits it (shape routes
    /// only; empty for gate routes). The always-evaluated rules of a shape
    /// route come from `Plan::always_index`, filtered by this.
    admitted: Vec<bool>,
    /// Admitted rules without detection literals (gate routes: guarded by
    /// their channel alone, the route being their gate), by the EventID
    /// their detection requires: a line of the route is tried against those
    /// its EventID could satisfy. PERF: SigmaHQ's EventID-only rules on a
    /// channel (`Sysmon File Executable Creation`: `EventID: 29`) were tried
    /// on every line of the channel's routes, a quarter of all evaluations
    /// on Mordor.
    always: AlwaysIndex,
    has_always: bool,
}

impl Route {
    fn build(plan: &Plan, admitted: &[u32], engine: EngineKind, mode: Mode) -> Option<Route> {
        let by_gate = mode == Mode::Gate;
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        let mut always = Vec::new();
        let mut literal_rules = Vec::new();
        for &r in admitted {
            let Some(first) = plan.rules[r as usize].clauses(by_gate).first().copied() else {
                // The plan's own always-evaluated rules (no literal at all)
                // come through `Plan::always_index` on every line.
                if by_gate && plan.rules[r as usize].guard != Guard::Always {
                    always.push(r);
                }
                continue;
            };
            literal_rules.push(r);
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
            let clauses = plan.rules[r as usize].clauses(by_gate);
            also_ids[r as usize] = compile::also_ids(clauses.get(1..).unwrap_or_default(), &|l| {
                index.get(l).map(|&i| i as u32)
            });
        }
        // A route without literals (a channel no detection literal is
        // admitted for) lists none on any line: its lines are candidates
        // only for its always-evaluated rules.
        let prefilter = if literals.is_empty() {
            Prefilter::None
        } else {
            Prefilter::build(engine, &literals, &[]).ok()?
        };
        let mut admitted_mask = Vec::new();
        if !by_gate {
            admitted_mask = vec![false; plan.rules.len()];
            for &r in admitted {
                admitted_mask[r as usize] = true;
            }
        }
        Some(Route {
            prefilter,
            targets,
            literal_rules,
            also_ids,
            admitted: admitted_mask,
            has_always: !always.is_empty(),
            always: AlwaysIndex::build(&plan.rules, &always, plan.field_id("EventID")),
        })
    }

    /// The rules literal `id` of this route stands for.
    pub fn targets(&self, id: u32) -> &[u32] {
        &self.targets[id as usize]
    }

    /// The admitted rules with literals.
    pub fn literal_rules(&self) -> &[u32] {
        &self.literal_rules
    }

    /// Per rule, its further literal sets as this route's literal ids.
    pub fn also_ids(&self) -> &[Vec<Vec<u32>>] {
        &self.also_ids
    }

    /// Whether the route has rules tried on each of its lines.
    pub fn has_always(&self) -> bool {
        self.has_always
    }

    /// Appends to `out` the route's rules without literals that could match
    /// a line whose `EventID` field `read` gives.
    pub fn always_rules_for<'a>(
        &self,
        read: impl FnOnce(FieldId) -> Option<&'a serde_json::Value>,
        out: &mut Vec<u32>,
    ) {
        if self.has_always {
            self.always.rules_for(read, out);
        }
    }

    /// Whether an always-evaluated rule of the plan may match this route's
    /// lines (a gate route leaves that to the rule's gate: always true).
    pub fn admits_always(&self, rule: u32) -> bool {
        self.admitted.get(rule as usize).is_none_or(|&a| a)
    }
}

/// What lines are routed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No routing.
    Off,
    /// Channel and event id (`event::peek`): the rules' logsource gates.
    Gate,
    /// The line's shape (`event::shape`): the fields rules require present.
    Shape,
}

/// A route built once (`None`: it could not be built).
type RouteCell = OnceLock<Option<Arc<Route>>>;

/// The routes of one scan, shared by its workers.
pub struct Routes {
    engine: EngineKind,
    mode: Mode,
    /// Per rule, the fields it requires present (shape routing only).
    required: Vec<Vec<FieldId>>,
    /// Admitted rule set → its route (`None`: the route could not be built;
    /// its lines take the unrouted path), built once by whichever worker
    /// needs it first.
    built: Mutex<HashMap<Vec<u32>, Arc<RouteCell>>>,
}

impl Routes {
    /// Routing for `plan` with `engine`. It is off for the `none` engine
    /// (every rule on every line is that engine's point). Where some rule
    /// has a channel gate, lines are routed by their gate key, unless
    /// `gate_fields_remapped` (a field map moves `Channel` or `EventID`,
    /// which the raw peek does not follow). Where none has (`--no-logsource`)
    /// but some rule is evaluated on every line anyway, so that every line
    /// is parsed, lines are routed by their shape.
    pub fn new(plan: &Plan, engine: EngineKind, gate_fields_remapped: bool) -> Routes {
        let gated = plan.rules.iter().any(|r| !r.admits(None, None));
        let mode = match () {
            _ if engine == EngineKind::None => Mode::Off,
            _ if gated && gate_fields_remapped => Mode::Off,
            _ if gated => Mode::Gate,
            _ if !plan.always.is_empty() => Mode::Shape,
            _ => Mode::Off,
        };
        let required: Vec<Vec<FieldId>> = if mode == Mode::Shape {
            plan.rules.iter().map(|r| r.required_fields()).collect()
        } else {
            Vec::new()
        };

        Routes {
            engine,
            mode,
            required,
            built: Mutex::new(HashMap::new()),
        }
    }

    /// What lines are routed by.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How many distinct routes were built so far.
    pub fn built(&self) -> usize {
        self.built
            .lock()
            .map(|m| {
                m.values()
                    .filter(|r| r.get().is_some_and(Option::is_some))
                    .count()
            })
            .unwrap_or(0)
    }

    /// The route of the rules `admitted`, built on first sight of that set.
    ///
    /// The build runs outside the map's lock: a worker that needs another
    /// route goes on (two workers needing this one wait for one build).
    /// PERF: under the lock, one worker's build of a large route (tens of
    /// milliseconds of Hyperscan compile) stalled the other's every new
    /// route at the start of a scan.
    fn route_of(&self, plan: &Plan, admitted: Vec<u32>) -> Option<Arc<Route>> {
        let cell = {
            let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            let cell = built.entry(admitted.clone()).or_default();
            Arc::clone(cell)
        };
        cell.get_or_init(|| Route::build(plan, &admitted, self.engine, self.mode).map(Arc::new))
            .clone()
    }

    /// The slot in `cache` of the route for a line of shape `shape`
    /// (`event::shape`), or `None` when it has no usable route (yet).
    ///
    /// PERF: a route's automaton costs about as much to build as the
    /// whole-set literal pass costs on a thousand lines, and a log has a
    /// long tail of rare shapes; so a worker routes the lines of an admitted
    /// rule set only from its [`SHAPE_ROUTE_AFTER`]th line on.
    pub fn shape_slot(
        &self,
        plan: &Plan,
        resolver: &Resolver,
        cache: &mut RouteCache,
        shape: &[u8],
    ) -> Option<usize> {
        let set = match cache.shapes.get(shape) {
            Some(&set) => set?,
            None => {
                let set = self
                    .admitted_by_shape(plan, resolver, shape)
                    .map(|admitted| {
                        let n = cache.sets.len();
                        *cache.set_index.entry(admitted.clone()).or_insert_with(|| {
                            cache.sets.push(ShapeSet {
                                admitted,
                                seen: 0,
                                slot: None,
                            });
                            n
                        })
                    });
                cache.shapes.insert(shape.to_vec(), set);
                set?
            }
        };
        let s = &mut cache.sets[set];
        if let Some(slot) = s.slot {
            return slot;
        }
        s.seen += 1;
        if s.seen < SHAPE_ROUTE_AFTER {
            return None;
        }
        let route = self.route_of(plan, s.admitted.clone());
        let slot = cache.add(route, None);
        cache.sets[set].slot = Some(slot);
        slot
    }

    /// The rules whose required fields a line of shape `shape` has. The
    /// shape is a JSON document with the line's keys: the resolver finds a
    /// field in it exactly when it finds it in the line.
    fn admitted_by_shape(
        &self,
        plan: &Plan,
        resolver: &Resolver,
        shape: &[u8],
    ) -> Option<Vec<u32>> {
        let doc = event::parse_line(shape).ok()?;
        let layout = Layout::detect(&doc);
        let present: Vec<bool> = (0..plan.fields.len() as FieldId)
            .map(|f| resolver.lookup(&doc, layout, f).is_some())
            .collect();
        Some(
            (0..plan.rules.len() as u32)
                .filter(|&r| {
                    self.required[r as usize]
                        .iter()
                        .all(|&f| present[f as usize])
                })
                .collect(),
        )
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
        let route = self.route_of(plan, admitted);
        let slot = cache.add(route, Some((folded, key.event_id)));
        // Remembered either way (the entry just added): a key without a
        // usable route is not looked up again.
        cache
            .slots
            .insert(cache.key.clone(), cache.entries.len() - 1);
        slot
    }
}

/// An admitted rule set gets its route once a worker has seen this many
/// lines of it. PERF: of 128, 256, 512, 1024 and 2048, 512 was fastest or
/// within noise of it on two 80k–100k-line windows of Mordor (detection
/// only, one thread).
const SHAPE_ROUTE_AFTER: u32 = 512;

/// One worker's view of the routes it has met.
#[derive(Default)]
pub struct RouteCache {
    slots: HashMap<Vec<u8>, usize>,
    /// Shape routing: each shape met → its admitted rule set (`None`: the
    /// shape is of no use), each set once.
    shapes: HashMap<Vec<u8>, Option<usize>>,
    sets: Vec<ShapeSet>,
    set_index: HashMap<Vec<u32>, usize>,
    entries: Vec<Option<CacheEntry>>,
    key: Vec<u8>,
}

/// The rules some shapes admit, as one worker meets them.
struct ShapeSet {
    admitted: Vec<u32>,
    /// Lines of these shapes seen so far without a route.
    seen: u32,
    /// The route's slot once looked up (`Some(None)`: it could not be built).
    slot: Option<Option<usize>>,
}

struct CacheEntry {
    route: Arc<Route>,
    scratch: PrefilterScratch,
    /// The gate key, as the gate sees it (channel folded); `None` for a
    /// shape route.
    key: Option<(String, Option<i64>)>,
}

impl RouteCache {
    /// Adds an entry for `route` (with its gate key, if any) and returns
    /// its slot, or `None` (and an empty entry) when there is no route.
    fn add(
        &mut self,
        route: Option<Arc<Route>>,
        key: Option<(String, Option<i64>)>,
    ) -> Option<usize> {
        let entry = route.map(|route| CacheEntry {
            scratch: route.prefilter.new_scratch(),
            route,
            key,
        });
        let slot = entry.is_some().then_some(self.entries.len());
        self.entries.push(entry);
        slot
    }

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

    /// Whether the parsed event's gate inputs are the key of `slot` (a
    /// shape route has none to differ).
    pub fn key_is(&self, slot: usize, gate_in: &(Option<String>, Option<i64>)) -> bool {
        self.entry(slot).key.as_ref().is_none_or(|(channel, id)| {
            gate_in.0.as_deref() == Some(channel.as_str()) && gate_in.1 == *id
        })
    }

    fn entry(&self, slot: usize) -> &CacheEntry {
        self.entries[slot]
            .as_ref()
            .expect("BUG: slot without a route")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::CompileOptions;
    use crate::event::FieldMap;
    use crate::sigma::RuleSet;
    use serde_json::json;

    fn plan(text: &str, no_logsource: bool) -> Plan {
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("t.yml"), text);
        let opts = CompileOptions {
            no_logsource,
            ..CompileOptions::default()
        };
        Plan::from_rules(&set, &opts)
    }

    const RULES: &str = "title: a\nid: a\nlogsource: {product: windows, service: sysmon}\n\
        detection: {s: {EventID: 29}, condition: s}\n---\n\
        title: b\nid: b\nlogsource: {product: windows, service: sysmon}\n\
        detection: {s: {EventID: [1, 10]}, condition: s}\n---\n\
        title: c\nid: c\nlogsource: {product: windows, service: sysmon}\n\
        detection: {s: {EventID: 10, TargetImage|endswith: '\\lsass.exe'}, condition: s}\n---\n\
        title: d\nid: d\nlogsource: {product: windows, service: security}\n\
        detection: {s: {EventID: 4624}, condition: s}\n";

    /// A gate route keeps its literal-less rules apart and hands out, per
    /// line, only those whose required EventID the line has.
    #[test]
    fn gate_route_picks_literal_less_rules_by_event_id() {
        let p = plan(RULES, false);
        let routes = Routes::new(&p, EngineKind::Rust, false);
        assert_eq!(routes.mode(), Mode::Gate);
        let mut cache = RouteCache::default();
        let key = GateKey {
            channel: "Microsoft-Windows-Sysmon/Operational",
            event_id: Some(10),
        };
        let slot = routes.slot(&p, &mut cache, key).expect("a route");
        let route = cache.route(slot);
        assert!(route.has_always());
        let eid = p.field_id("EventID").expect("EventID is read");
        let picked = |v: serde_json::Value| {
            let mut out = Vec::new();
            route.always_rules_for(|f| (f == eid).then_some(&v), &mut out);
            out.sort_unstable();
            out
        };
        // a (29) and b (1, 10) have no literal; c has one; d is not admitted.
        assert_eq!(picked(json!(10)), [1]);
        assert_eq!(picked(json!(29)), [0]);
        assert_eq!(picked(json!("1")), [1]);
        assert!(picked(json!(4624)).is_empty());
        // c is found by its literal, not tried on every line.
        assert!(!picked(json!(10)).contains(&2));
    }

    /// Without logsources lines are routed by shape, to the rules whose
    /// required fields the shape has; the plan's literal-less rules are
    /// filtered by the route.
    #[test]
    fn shape_route_admits_rules_by_required_fields() {
        let p = plan(RULES, true);
        let routes = Routes::new(&p, EngineKind::Rust, false);
        assert_eq!(routes.mode(), Mode::Shape);
        let resolver = Resolver::new(&p.fields, &FieldMap::new());
        let mut cache = RouteCache::default();
        let mut shape = Vec::new();
        assert!(crate::event::shape::shape(
            br#"{"EventID":10,"SourceImage":"x"}"#,
            &mut shape
        ));
        // Routed only from the SHAPE_ROUTE_AFTER-th line of the set on.
        for _ in 1..SHAPE_ROUTE_AFTER {
            assert_eq!(routes.shape_slot(&p, &resolver, &mut cache, &shape), None);
        }
        let slot = routes
            .shape_slot(&p, &resolver, &mut cache, &shape)
            .expect("a route");
        let route = cache.route(slot);
        // Every rule needs EventID; only c also needs TargetImage.
        assert!(route.admits_always(0) && route.admits_always(1));
        assert!(!route.admits_always(2));
        // A line that has TargetImage (in any key order) admits c too.
        let mut with_target = Vec::new();
        assert!(crate::event::shape::shape(
            br#"{"TargetImage":"y","EventID":10}"#,
            &mut with_target
        ));
        let slot = (0..SHAPE_ROUTE_AFTER)
            .find_map(|_| routes.shape_slot(&p, &resolver, &mut cache, &with_target))
            .expect("a route");
        assert!(cache.route(slot).admits_always(2));
    }
}
