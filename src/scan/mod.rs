//! The scan: inputs → newline-aligned chunks → workers → results in input
//! order.
//!
//! One reader thread cuts inputs into chunks ([`input`], with [`range`] and
//! [`select`] deciding what belongs to this run); `threads` workers, pinned
//! to cores when asked, each own their scratch and turn a chunk into a
//! `ChunkOut` (the hot loop is in `chunk.rs`: candidate lines by route or
//! by one prefilter pass over the chunk, then one pass over its lines);
//! the calling thread puts the results back in input order and hands them
//! to a [`HitSink`] (the contract is in `sink.rs`); while that thread is
//! behind, a worker also does the per-hit work a [`HitPrep`] asks for
//! (`prepare.rs`). A token pool bounds the chunks in flight, so memory
//! stays flat whatever the input size.
//!
//! Invariant: the only module that knows both the prefilter and events;
//! it knows nothing of output formats.

mod chunk;
pub mod evtx;
pub mod input;
mod mmap;
mod prepare;
pub mod range;
pub mod route;
pub mod select;
mod sink;

use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::compile::Plan;
use crate::event::{FieldMap, Resolver};
use crate::prefilter::fingerprint::FingerprintFinder;
use crate::prefilter::line_finder::LineFinder;
use crate::prefilter::{BuildError, EngineKind, Prefilter};
use chunk::{ChunkOut, Scratch};
use input::Work;
pub use input::{Input, ReadOptions, Source};
pub use sink::{Counts, Hit, HitObserver, HitPrep, HitSink, InputSummary, PreparedText};

/// How to scan.
#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Pin worker i to core i. Off by default: every process would pin to
    /// the same first cores, so two scans (shards, pods) on one host crowd
    /// onto them while the other cores idle.
    pub pin: bool,
    /// Chunking and mmap.
    pub read: ReadOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            pin: false,
            read: ReadOptions {
                chunk_size: DEFAULT_CHUNK,
                mmap: true,
            },
        }
    }
}

/// Default chunk size. PERF: a few MiB amortises per-chunk costs (scratch
/// setup, channel hops) while keeping all workers busy on a 100 MB file;
/// not yet tuned by measurement.
pub const DEFAULT_CHUNK: usize = 4 << 20;

/// A batch of work is sent once it holds this many bytes of chunks...
/// PERF: 3,046 files of 100 KB scanned 1.8x slower per byte than one file
/// of the same 300 MB when every file was its own channel message (futex
/// wake-ups dominated the profile).
const BATCH_BYTES: usize = 1 << 20;
/// ...or this many units (chunks and end-of-input records).
const BATCH_UNITS: usize = 64;

/// A compiled plan with its prefilter and field resolver: immutable, shared
/// by all workers.
pub struct Scanner {
    plan: Plan,
    /// The engine, resolved (never `Auto`).
    engine: EngineKind,
    /// The whole plan's prefilter, built on first use: with routing, only
    /// the lines no route takes need it ([`Scanner::main_prefilter`]).
    prefilter: OnceLock<Prefilter>,
    /// The stages of a gate-first search ([`Scanner::with_gate_first`]).
    gate_stage: Option<GateStage>,
    /// The plan's channel literals, when it has at most
    /// [`GATE_STAGE_LITERALS`]: a line the whole plan's prefilter selects
    /// is a candidate only if it holds one (or needs the byte-exact
    /// fallback), whether or not the gate stage found it, so that the lines
    /// validated (and counted invalid) are the same with either engine and
    /// either way of searching.
    gate_check: Option<aho_corasick::AhoCorasick>,
    resolver: Resolver,
    /// Rank of each rule when sorted by reported id (hits in a line are
    /// emitted in rule-id order).
    rank: Vec<u32>,
    all_rules: Vec<u32>,
    routes: route::Routes,
    /// Events this filter rejects are not evaluated ([`Scanner::with_event_filter`]).
    event_filter: Option<EventFilter>,
}

/// A test on one field of each candidate event, applied in the workers
/// before any rule is evaluated: `--from`/`--to` on the event time. The
/// field is field 0 of `resolver`, read with the raw-line reader (exactly
/// what `Resolver::lookup` would answer on the parsed line); `keep` sees its
/// value (`None`: missing). A rejected event is counted in
/// [`Counts::filtered_events`] and yields no hit.
pub struct EventFilter {
    /// Resolves the field as id 0.
    pub resolver: Resolver,
    /// Whether an event with this value of the field is evaluated.
    pub keep: KeepFn,
}

/// [`EventFilter::keep`]: the field's value (`None`: missing) → evaluate?
pub type KeepFn = Box<dyn Fn(Option<&serde_json::Value>) -> bool + Send + Sync>;

impl std::fmt::Debug for EventFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventFilter")
    }
}

impl Scanner {
    /// Builds the prefilter for `plan` with `engine`.
    pub fn new(
        plan: Plan,
        engine: EngineKind,
        field_map: &FieldMap,
    ) -> Result<Scanner, BuildError> {
        let engine = engine.resolve()?;
        let resolver = Resolver::new(&plan.fields, field_map);
        let mut order: Vec<u32> = (0..plan.rules.len() as u32).collect();
        order.sort_by(|&a, &b| {
            plan.rules[a as usize]
                .meta
                .id
                .cmp(&plan.rules[b as usize].meta.id)
        });
        let mut rank = vec![0; plan.rules.len()];
        for (k, &r) in order.iter().enumerate() {
            rank[r as usize] = k as u32;
        }
        let all_rules = (0..plan.rules.len() as u32).collect();
        let remapped = ["Channel", "EventID"]
            .iter()
            .any(|f| field_map.contains_key(*f));
        let routes = route::Routes::new(&plan, engine, remapped);
        // Without routing every chunk is searched with it: build it now, so
        // that a failure is the scanner's error.
        let prefilter = OnceLock::new();
        if routes.mode() == route::Mode::Off {
            let _ = prefilter.set(Prefilter::build(
                engine,
                &plan.literals,
                &plan.exact_literals,
            )?);
        }
        // PERF: on by default where it pays; see `with_gate_first`.
        let gate_stage = build_gate_stage(&plan, engine, GateFinder::WherePays);
        let gate_check = gate_literals(&plan).and_then(|lits| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(lits)
                .ok()
        });
        Ok(Scanner {
            plan,
            engine,
            prefilter,
            gate_stage,
            gate_check,
            resolver,
            rank,
            all_rules,
            routes,
            event_filter: None,
        })
    }

    /// Evaluates only the events `filter` keeps.
    pub fn with_event_filter(mut self, filter: Option<EventFilter>) -> Scanner {
        self.event_filter = filter;
        self
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The engine in use.
    pub fn engine(&self) -> EngineKind {
        self.engine
    }

    /// The whole plan's prefilter, built on first use.
    ///
    /// PERF: with routing, every line is offered to a route first, and only
    /// the lines no route takes (no gate key, a line the byte-exact fallback
    /// must decode) are searched with it; on the Mordor dump no line is,
    /// and its 11k-literal database (about 0.2 s of compile on one core)
    /// was built for nothing. A build that fails here, after the routes of
    /// the same engine were built, leaves no prefilter: those lines are
    /// then tried against every rule, as with `--engine none`.
    fn main_prefilter(&self) -> &Prefilter {
        self.prefilter.get_or_init(|| {
            Prefilter::build(self.engine, &self.plan.literals, &self.plan.exact_literals)
                .unwrap_or(Prefilter::None)
        })
    }

    /// Whether a chunk searched with the whole plan's prefilter is first
    /// searched for the lines that can pass a rule's logsource gate: those
    /// holding one of the plan's channel literals ([`Plan::gate_literals`],
    /// at most [`GATE_STAGE_LITERALS`] of them) or a fallback marker. Only
    /// those lines are then searched for the rules' literals.
    ///
    /// PERF: where the CPU runs AVX2 the first stage is a
    /// [`LineFinder`](crate::prefilter::line_finder::LineFinder), which
    /// finds the PowerShell channels and the markers at 7.5-8.3 GB/s on one
    /// core (4.7-4.8 for Hyperscan's own line finder), and the seed rule's
    /// 38 literals are searched only in the lines it finds: on by default
    /// with either engine. Without AVX2 it is on by default with Hyperscan
    /// only (the pure-Rust engine's own first stage is slower than its one
    /// pass: the markers are a second automaton, and `microsoft-windows-`,
    /// which its packed searcher keys on, opens most channel names).
    /// A worker stops using it for a while where it finds most of a chunk's
    /// bytes (`chunk::SearchFirst`). Sound either way: a line without a
    /// channel literal or marker passes no rule's gate.
    pub fn with_gate_first(mut self, on: bool) -> Scanner {
        self.gate_stage = if on {
            build_gate_stage(&self.plan, self.engine, GateFinder::Any)
        } else {
            None
        };
        self
    }

    /// [`Scanner::with_gate_first`] with the prefilter engine's own line
    /// finder, what a CPU without AVX2 runs: for tests and benchmarks.
    pub fn with_engine_gate_first(mut self) -> Scanner {
        self.gate_stage = build_gate_stage(&self.plan, self.engine, GateFinder::Engine);
        self
    }

    /// Whether chunks searched first go through the gate stage
    /// ([`Scanner::with_gate_first`]).
    pub fn gate_first(&self) -> bool {
        self.gate_stage.is_some()
    }

    fn gate_stage(&self) -> Option<&GateStage> {
        self.gate_stage.as_ref()
    }

    /// Whether `line`, which the whole plan's prefilter selected, can pass
    /// a rule's gate by what it holds: true unless the plan names few
    /// enough channels to be searched gate first and the line holds none
    /// of their literals (a line that needs the byte-exact fallback is the
    /// caller's to keep).
    fn may_pass_a_gate(&self, line: &[u8]) -> bool {
        self.gate_check.as_ref().is_none_or(|g| g.is_match(line))
    }

    /// Turns logsource routing off (it is on by default wherever it
    /// applies); for measuring what it buys.
    pub fn without_routing(mut self) -> Scanner {
        self.routes = route::Routes::new(&self.plan, EngineKind::None, true);
        self
    }

    /// How many logsource routes the scans so far have built.
    pub fn routes_built(&self) -> usize {
        self.routes.built()
    }

    /// Scans `inputs`, delivering hits to `sink` in input order. Returns the
    /// total counts.
    pub fn scan(&self, inputs: &[Input], opts: ScanOptions, sink: &mut dyn HitSink) -> Counts {
        self.scan_prepared(inputs, opts, None, sink)
    }

    /// [`scan`](Scanner::scan), with `prep` run on each hit by the worker
    /// that found it ([`HitPrep`]); the sink finds its work in
    /// [`Hit::prepared`] and [`Hit::event`].
    pub fn scan_prepared(
        &self,
        inputs: &[Input],
        opts: ScanOptions,
        prep: Option<&dyn HitPrep>,
        sink: &mut dyn HitSink,
    ) -> Counts {
        let threads = opts.threads.max(1);
        let in_flight = threads * 4;
        let (work_tx, work_rx) = crossbeam_channel::bounded::<(u64, Vec<Work>)>(in_flight);
        let (out_tx, out_rx) =
            crossbeam_channel::bounded::<(u64, Vec<Result<ChunkOut, Work>>)>(in_flight);
        let (slot_tx, slot_rx) = crossbeam_channel::bounded::<()>(in_flight);
        for _ in 0..in_flight {
            slot_tx.send(()).expect("BUG: slot pool");
        }
        let stop = AtomicBool::new(false);
        let fill_cores = workers_fill_cores(threads);
        let cores = if opts.pin {
            core_affinity::get_core_ids().unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut total = Counts::default();

        std::thread::scope(|s| {
            // Reader. Small units (the chunks of small files, end-of-input
            // records) travel in batches: one channel hop and one wake-up
            // per batch instead of per file.
            let stop_ref = &stop;
            let mut handles = Vec::with_capacity(threads + 1);
            handles.push(s.spawn(move || {
                let mut seq = 0u64;
                let mut batch: Vec<Work> = Vec::new();
                let mut batch_bytes = 0usize;
                let mut flush = |batch: &mut Vec<Work>, batch_bytes: &mut usize| -> bool {
                    if batch.is_empty() {
                        return true;
                    }
                    if stop_ref.load(Ordering::Relaxed) || slot_rx.recv().is_err() {
                        return false;
                    }
                    *batch_bytes = 0;
                    let ok = work_tx.send((seq, std::mem::take(batch))).is_ok();
                    seq += 1;
                    ok
                };
                input::read_all(inputs, opts.read, &mut |w| {
                    match &w {
                        Work::Chunk { data, .. } => batch_bytes += data.bytes().len(),
                        // PERF (not measured): decoding an EVTX chunk costs
                        // far more than scanning as many NDJSON bytes;
                        // weigh it so a batch holds four chunks and the
                        // workers share even a small file.
                        Work::Evtx(u) => batch_bytes += 4 * u.raw_len(),
                        Work::End { .. } => {}
                    }
                    batch.push(w);
                    if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_UNITS {
                        return flush(&mut batch, &mut batch_bytes);
                    }
                    true
                });
                flush(&mut batch, &mut batch_bytes);
            }));
            // Workers.
            for t in 0..threads {
                let work_rx = work_rx.clone();
                let out_tx = out_tx.clone();
                let core = cores.get(t % cores.len().max(1)).copied();
                handles.push(s.spawn(move || {
                    let work = || {
                        if let Some(c) = core {
                            core_affinity::set_for_current(c);
                        }
                        let mut scratch = self.new_scratch();
                        // PERF: hits are prepared here while the sink's thread
                        // is behind (a result waits for it), and always when the
                        // workers leave no core idle for that thread (see
                        // `workers_fill_cores`); else it prepares them on its
                        // own core and the worker goes on. With one worker on
                        // two cores, a scan hitting 98,814 lines took 1.06 s
                        // preparing every hit here, 0.73 s leaving every hit to
                        // the sink (records from fully parsed lines). Counting
                        // the unprepared hits queued instead (prepare from 128
                        // or 512 on), one worker took 0.79 and 0.76 s against
                        // 0.71 s for the waiting result.
                        let prepared = |mut out: ChunkOut, sc: &mut Scratch| {
                            let now = fill_cores || !out_tx.is_empty();
                            if let Some(p) =
                                prep.filter(|p| (now || p.every_hit()) && !out.hits.is_empty())
                            {
                                out.prepared = prepare::Prepared::of(
                                    &out,
                                    &inputs[out.input],
                                    &self.plan,
                                    p,
                                    &self.resolver,
                                    sc.fields(),
                                );
                            }
                            out
                        };
                        for (seq, batch) in work_rx.iter() {
                            let outs: Vec<_> = batch
                                .into_iter()
                                .map(|w| match w {
                                    Work::Chunk {
                                        input,
                                        offset,
                                        data,
                                    } => Ok(prepared(
                                        self.process_chunk(input, offset, data, &mut scratch),
                                        &mut scratch,
                                    )),
                                    Work::Evtx(unit) => Ok(prepared(
                                        self.process_evtx(unit, &mut scratch),
                                        &mut scratch,
                                    )),
                                    end @ Work::End { .. } => Err(end),
                                })
                                .collect();
                            if out_tx.send((seq, outs)).is_err() {
                                break;
                            }
                        }
                    };
                    // A worker's panic (a bug) ends the scan with it. Else
                    // the batch it held never came: the emitter waited for
                    // it, the reader for a slot, the other workers for work.
                    if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(work)) {
                        let _ = out_tx.send((WORKER_PANICKED, Vec::new()));
                        std::panic::resume_unwind(panic);
                    }
                }));
            }
            drop(out_tx);
            drop(work_rx);
            // Owned here, so that a panic in the sink drops them on its way
            // out: the workers' sends and the reader's wait for a slot then
            // fail, and the scope can join them. Borrowed from outside, they
            // outlived the panic and every thread waited for another.
            let (out_rx, slot_tx) = (out_rx, slot_tx);
            // Emitter: put results back in order.
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            let mut per_input: Vec<(u64, InputSummary)> =
                vec![(0, InputSummary::default()); inputs.len()];
            for (seq, outs) in out_rx.iter() {
                if seq == WORKER_PANICKED {
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
                pending.insert(seq, outs);
                while let Some(outs) = pending.remove(&next) {
                    next += 1;
                    let _ = slot_tx.send(());
                    for out in outs {
                        if stop.load(Ordering::Relaxed) {
                            continue;
                        }
                        match out {
                            Ok(mut chunk) => {
                                let (base, summary) = &mut per_input[chunk.input];
                                let input = &inputs[chunk.input];
                                for (rel, reason) in &chunk.invalid {
                                    sink.invalid_line(input, *base + rel, reason);
                                }
                                summary.damage.merge(std::mem::take(&mut chunk.damage));
                                for k in 0..chunk.hits.len() {
                                    let hit = chunk.hit(k, *base + chunk.hits[k].0, &self.plan);
                                    if sink.hit(input, &hit).is_err() {
                                        stop.store(true, Ordering::Relaxed);
                                        break;
                                    }
                                }
                                *base += chunk.counts.lines;
                                summary.counts.add(&chunk.counts);
                                sink.chunk_done(chunk.counts.bytes);
                                if let input::ChunkData::Mapped(map, range) = &chunk.data {
                                    map.release(range.clone());
                                }
                            }
                            Err(Work::End {
                                input,
                                error,
                                raw_bytes,
                                compression,
                                mapped,
                            }) => {
                                let summary = &mut per_input[input].1;
                                summary.raw_bytes = raw_bytes;
                                summary.compression = compression;
                                // An EVTX file read whole that held no
                                // record, unless its damage already says so.
                                if compression == Some("evtx")
                                    && raw_bytes > 0
                                    && summary.counts.lines == 0
                                    && summary.damage.count == 0
                                {
                                    summary.damage.push("no records in the file".into());
                                }
                                // Every chunk of this input has been scanned, so
                                // the guard has seen every page we touched.
                                summary.error = match mapped {
                                    Some(m) if m.truncated() => Some(
                                        "the file shrank while it was scanned (memory-mapped); \
                                     the vanished bytes were read as NUL: rerun with --no-mmap"
                                            .into(),
                                    ),
                                    _ => error,
                                };
                                total.add(&summary.counts);
                                sink.input_done(&inputs[input], summary);
                            }
                            Err(Work::Chunk { .. } | Work::Evtx(_)) => {
                                unreachable!("BUG: chunks are processed")
                            }
                        }
                    }
                }
            }
            // The reader waits for a slot until these are gone (after a
            // worker's panic, for ever).
            drop((out_rx, slot_tx));
            // Join each thread by hand: the scope alone waits only for the
            // closures, and a thread still running its thread-local
            // destructors after `scan` returned showed up as a leak under
            // LeakSanitizer (the `evtx` fuzz target).
            for h in handles {
                if let Err(panic) = h.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        });
        total
    }
}

/// Sent by a worker that panics in place of a batch's sequence number.
const WORKER_PANICKED: u64 = u64::MAX;

/// Plans with more channel literals than this search in one pass: the
/// first stage's speed falls with each literal, and more channels cover
/// more of the lines.
pub const GATE_STAGE_LITERALS: usize = 4;

/// A gate-first search: the lines that can pass a rule's gate first, then
/// only those lines for the rules' literals.
pub(crate) enum GateStage {
    /// The SIMD line finder, whose lines a fingerprint search lists; the
    /// finder also walks the lines it passes (`for_each_found_line_walking`).
    ///
    /// PERF: Hyperscan lists the seed rule's 38 names and the markers in
    /// the generated corpus's PowerShell lines at 3.5 GB/s on one core,
    /// the fingerprint search at 7.2-7.5 (lines in cache).
    Simd(LineFinder, Box<FingerprintFinder>),
    /// A line finder (the SIMD one, or the engine's own), whose lines the
    /// whole plan's prefilter lists.
    Lines(Prefilter),
}

/// Which stages [`build_gate_stage`] builds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GateFinder {
    /// A [`LineFinder`] and a [`FingerprintFinder`] where they apply,
    /// else the engine's own line finder.
    Any,
    /// As `Any`, but the pure-Rust engine's own line finder only when
    /// asked: it is slower than that engine's one pass.
    WherePays,
    /// The engine's own ([`Prefilter::build_engine_line_finder`], and the
    /// whole plan's prefilter).
    Engine,
}

/// Whether `threads` workers leave no core idle for the thread that puts
/// their results in order: then whatever that thread does per hit is taken
/// from a worker anyway, and the worker that found the hit does it cheaper,
/// its line still in that core's cache, so the workers prepare every hit
/// ([`HitPrep`]).
///
/// PERF: two workers on two cores, six rounds in turns against the same
/// build preparing only while that thread is behind: SigmaHQ's Windows
/// rules over Mordor (9,690 hits) 1.873 → 1.823 s; a rule hitting its
/// 98,814 Security events 0.463 → 0.455 s. With a core to spare (one
/// worker on two cores) that thread's work runs beside the worker's, free.
fn workers_fill_cores(threads: usize) -> bool {
    threads >= std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The stages of a gate-first search for `plan`, if it has them and they
/// build ([`Scanner::with_gate_first`]).
fn build_gate_stage(plan: &Plan, engine: EngineKind, finder: GateFinder) -> Option<GateStage> {
    let lits = gate_literals(plan)?;
    if engine == EngineKind::None {
        return None;
    }
    let lines = match finder {
        GateFinder::Engine => {
            Prefilter::build_engine_line_finder(engine, lits, &plan.exact_literals)
        }
        _ => Prefilter::build_line_finder(engine, lits, &plan.exact_literals),
    };
    let stage = match lines.ok()? {
        Prefilter::Lines(first) => match FingerprintFinder::new(
            &plan.literals,
            &plan.literal_spellings,
            &plan.exact_literals,
        ) {
            Some(second) => GateStage::Simd(first, Box::new(second)),
            None => GateStage::Lines(Prefilter::Lines(first)),
        },
        lines => GateStage::Lines(lines),
    };
    // The pure-Rust engine's own line finder is slower than its one pass.
    let pays = !matches!(stage, GateStage::Lines(Prefilter::Rust(_)));
    (finder != GateFinder::WherePays || pays).then_some(stage)
}

/// The plan's channel literals, when it is few enough to search gate first.
fn gate_literals(plan: &Plan) -> Option<&crate::compile::literals::LitSet> {
    plan.gate_literals
        .as_ref()
        .filter(|lits| lits.len() <= GATE_STAGE_LITERALS)
}

/// The raw-memory reference for benchmarks: maps each file and reads every
/// byte once (a `memchr` for a byte valid UTF-8 never holds), split over
/// `threads`. Returns the bytes read. Files that cannot be mapped are skipped.
pub fn memscan(paths: &[std::path::PathBuf], threads: usize) -> u64 {
    let mut total = 0u64;
    for p in paths {
        let Ok(file) = std::fs::File::open(p) else {
            continue;
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let Some(map) = mmap::map(&file, len) else {
            continue;
        };
        let per = map.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|s| {
            for part in map.chunks(per) {
                s.spawn(move || std::hint::black_box(memchr::memchr(0xFF, part)));
            }
        });
        total += map.len() as u64;
    }
    total
}
