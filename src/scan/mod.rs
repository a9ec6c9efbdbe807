//! The scan loop: inputs → newline-aligned chunks → workers (prefilter,
//! then exact evaluation of candidate lines) → hits in input order.
//!
//! One reader thread cuts inputs into chunks (`input`); `threads` workers,
//! pinned to cores, each own their scratch (prefilter scratch, rule stamps,
//! buffers) and turn a chunk into a [`ChunkOut`]; the calling thread puts the
//! results back in input order and hands them to a [`HitSink`]. A token pool
//! bounds the chunks in flight, so memory stays flat whatever the input size.
//!
//! Per chunk a worker runs the prefilter once over the whole chunk (never per
//! line), which yields the candidate lines and, per line, the rules whose
//! literals it holds. One pass over the lines then counts them, checks the
//! shape of the others (`{…}`), and evaluates candidates exactly: parse the
//! line, read the gate fields once, test each candidate rule.

pub mod evtx;
pub mod input;
mod mmap;
pub mod range;
pub mod route;
pub mod select;
mod view;

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::compile::{self, LiteralTarget, Plan};
use crate::event::{self, FieldMap, Resolver};
use crate::prefilter::{BuildError, EngineKind, Prefilter, PrefilterScratch};
use input::{ChunkData, Work};
pub use input::{Input, ReadOptions, Source};

/// Line accounting for one input or a whole scan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Decoded bytes scanned.
    pub bytes: u64,
    /// Lines (a last line without `\n` counts).
    pub lines: u64,
    /// Lines holding an event (not empty, not invalid).
    pub events: u64,
    /// Lines that are not a JSON object.
    pub invalid_lines: u64,
    /// Empty or whitespace-only lines.
    pub empty_lines: u64,
    /// Lines the prefilter passed (or all lines without one) that were parsed.
    pub candidate_lines: u64,
    /// (event, rule) hits.
    pub hits: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.events += o.events;
        self.invalid_lines += o.invalid_lines;
        self.empty_lines += o.empty_lines;
        self.candidate_lines += o.candidate_lines;
        self.hits += o.hits;
    }
}

/// What is known about one input when it is finished.
#[derive(Clone, Debug, Default)]
pub struct InputSummary {
    /// Line accounting.
    pub counts: Counts,
    /// Bytes read from disk (compressed size for compressed inputs).
    pub raw_bytes: u64,
    /// `gzip`/`zstd` when compressed; `evtx` for an EVTX input (its
    /// `bytes` count the decoded JSON, `raw_bytes` the file).
    pub compression: Option<&'static str>,
    /// Why reading stopped early, if it did.
    pub error: Option<String>,
    /// Damage found in a container input (EVTX) that did not stop the scan.
    pub damage: evtx::Damage,
}

/// One hit as the sink sees it.
pub struct Hit<'a> {
    /// 1-based line number in the input.
    pub line: u64,
    /// Byte offset of the line's start in the (decoded) input.
    pub offset: u64,
    /// The rule.
    pub rule: &'a compile::CompiledRule,
    /// The line's bytes (without the newline or a trailing `\r`).
    pub text: &'a [u8],
    /// For `.evtx` inputs, the record number in the record's header (see
    /// [`evtx`]); `None` otherwise.
    pub record_id: Option<u64>,
}

/// Receives results in input order.
pub trait HitSink {
    /// One (event, rule) hit. An error stops the scan (a closed pipe, say).
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()>;
    /// A line that is not a JSON object.
    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str);
    /// An input is finished.
    fn input_done(&mut self, input: &Input, summary: &InputSummary);
    /// A chunk of `bytes` (decoded) was scanned; for progress reporting.
    fn chunk_done(&mut self, _bytes: u64) {}
}

/// How to scan.
#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Pin workers to cores.
    pub pin: bool,
    /// Chunking and mmap.
    pub read: ReadOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            pin: true,
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

/// How many invalid lines per chunk are passed on with their reason.
pub(crate) const INVALID_SAMPLES_PER_CHUNK: usize = 8;

/// A compiled plan with its prefilter and field resolver: immutable, shared
/// by all workers.
pub struct Scanner {
    plan: Plan,
    prefilter: Prefilter,
    resolver: Resolver,
    /// Rank of each rule when sorted by reported id (hits in a line are
    /// emitted in rule-id order).
    rank: Vec<u32>,
    all_rules: Vec<u32>,
    routes: route::Routes,
}

struct Cand {
    start: usize,
    rules: std::ops::Range<usize>,
    all: bool,
    /// The route cache slot, when the rules came from a route.
    route: Option<usize>,
}

/// Per-worker mutable state.
struct Scratch {
    prefilter: PrefilterScratch,
    ids: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    cands: Vec<Cand>,
    cand_rules: Vec<u32>,
    line_hits: Vec<u32>,
    routes: route::RouteCache,
    route_ids: Vec<u32>,
    fields: view::Fields,
    /// A line with invalid UTF-8, decoded lossily (as the parser does).
    lossy: String,
}

/// What a worker made of one chunk.
struct ChunkOut {
    input: usize,
    offset: u64,
    counts: Counts,
    /// (line number within chunk, 1-based; line start; line end; rule)
    hits: Vec<(u64, usize, usize, u32)>,
    invalid: Vec<(u64, String)>,
    data: ChunkData,
    /// Per line, where its record is (EVTX inputs only; empty otherwise).
    records: Vec<evtx::RecordPos>,
    /// Damage found in this unit (EVTX inputs only).
    damage: evtx::Damage,
}

impl Scanner {
    /// Builds the prefilter for `plan` with `engine`.
    pub fn new(
        plan: Plan,
        engine: EngineKind,
        field_map: &FieldMap,
    ) -> Result<Scanner, BuildError> {
        let prefilter = Prefilter::build(engine, &plan.literals, &plan.exact_literals)?;
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
        let routes = route::Routes::new(&plan, prefilter.kind(), remapped);
        Ok(Scanner {
            plan,
            prefilter,
            resolver,
            rank,
            all_rules,
            routes,
        })
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The engine in use.
    pub fn engine(&self) -> EngineKind {
        self.prefilter.kind()
    }

    fn new_scratch(&self) -> Scratch {
        Scratch {
            prefilter: self.prefilter.new_scratch(),
            ids: Vec::new(),
            stamp: vec![0; self.plan.rules.len()],
            generation: 0,
            cands: Vec::new(),
            cand_rules: Vec::new(),
            line_hits: Vec::new(),
            routes: route::RouteCache::default(),
            route_ids: Vec::new(),
            fields: view::Fields::new(self.plan.fields.len()),
            lossy: String::new(),
        }
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
            s.spawn(move || {
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
            });
            // Workers.
            for t in 0..threads {
                let work_rx = work_rx.clone();
                let out_tx = out_tx.clone();
                let core = cores.get(t % cores.len().max(1)).copied();
                s.spawn(move || {
                    if let Some(c) = core {
                        core_affinity::set_for_current(c);
                    }
                    let mut scratch = self.new_scratch();
                    for (seq, batch) in work_rx {
                        let outs: Vec<_> = batch
                            .into_iter()
                            .map(|w| match w {
                                Work::Chunk {
                                    input,
                                    offset,
                                    data,
                                } => Ok(self.process_chunk(input, offset, data, &mut scratch)),
                                Work::Evtx(unit) => Ok(self.process_evtx(unit, &mut scratch)),
                                end @ Work::End { .. } => Err(end),
                            })
                            .collect();
                        if out_tx.send((seq, outs)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(out_tx);
            drop(work_rx);
            // Emitter: put results back in order.
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            let mut per_input: Vec<(u64, InputSummary)> =
                vec![(0, InputSummary::default()); inputs.len()];
            for (seq, outs) in out_rx.iter() {
                pending.insert(seq, outs);
                while let Some(outs) = pending.remove(&next) {
                    next += 1;
                    let _ = slot_tx.send(());
                    for out in outs {
                        if stop.load(Ordering::Relaxed) {
                            continue;
                        }
                        match out {
                            Ok(chunk) => {
                                let (base, summary) = &mut per_input[chunk.input];
                                let input = &inputs[chunk.input];
                                for (rel, reason) in &chunk.invalid {
                                    sink.invalid_line(input, *base + rel, reason);
                                }
                                let bytes = chunk.data.bytes();
                                summary.damage.merge(chunk.damage);
                                for &(rel, start, end, rule) in &chunk.hits {
                                    // An EVTX line reports its record's place in the file.
                                    let record = chunk.records.get(rel as usize - 1);
                                    let hit = Hit {
                                        line: *base + rel,
                                        offset: record
                                            .map_or(chunk.offset + start as u64, |r| r.offset),
                                        rule: &self.plan.rules[rule as usize],
                                        text: &bytes[start..end],
                                        record_id: record.map(|r| r.id),
                                    };
                                    if sink.hit(input, &hit).is_err() {
                                        stop.store(true, Ordering::Relaxed);
                                        break;
                                    }
                                }
                                *base += chunk.counts.lines;
                                summary.counts.add(&chunk.counts);
                                sink.chunk_done(chunk.counts.bytes);
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
        });
        total
    }

    fn process_chunk(
        &self,
        input: usize,
        offset: u64,
        data: ChunkData,
        sc: &mut Scratch,
    ) -> ChunkOut {
        let bytes = data.bytes();
        let mut out = ChunkOut {
            input,
            offset,
            counts: Counts {
                bytes: bytes.len() as u64,
                ..Counts::default()
            },
            hits: Vec::new(),
            invalid: Vec::new(),
            data: ChunkData::Owned(Vec::new()),
            records: Vec::new(),
            damage: evtx::Damage::default(),
        };
        sc.cands.clear();
        sc.cand_rules.clear();
        let plan = &self.plan;
        let Scratch {
            prefilter,
            ids,
            stamp,
            generation,
            cands,
            cand_rules,
            line_hits,
            routes: route_cache,
            route_ids,
            fields,
            lossy,
        } = sc;
        let routes = &self.routes;
        let has_fallback = !plan.exact_literals.is_empty();
        let prefiltered = self
            .prefilter
            .candidate_lines(bytes, prefilter, ids, |range, ids| {
                let mut next_generation = || {
                    *generation = generation.wrapping_add(1);
                    if *generation == 0 {
                        stamp.iter_mut().for_each(|s| *s = 0);
                        *generation = 1;
                    }
                    *generation
                };
                let Some(ids) = ids else {
                    // Offered without its literals: route it if we can.
                    if !routes.enabled() {
                        return false;
                    }
                    let line = strip_line(&bytes[range.clone()]);
                    if has_fallback && compile::literals::needs_fallback(line) {
                        return false;
                    }
                    let Some(key) = event::peek::gate_key(line) else {
                        return false;
                    };
                    let Some(slot) = routes.slot(plan, route_cache, key) else {
                        return false;
                    };
                    let g = next_generation();
                    let first = cand_rules.len();
                    route_ids.clear();
                    route_cache.literals(slot, line, route_ids);
                    let route = route_cache.route(slot);
                    let lit_rules = route_ids.iter().flat_map(|&id| route.targets(id));
                    for &r in lit_rules.chain(&route.always) {
                        if stamp[r as usize] != g {
                            stamp[r as usize] = g;
                            cand_rules.push(r);
                        }
                    }
                    if cand_rules.len() > first {
                        cands.push(Cand {
                            start: range.start,
                            rules: first..cand_rules.len(),
                            all: false,
                            route: Some(slot),
                        });
                    }
                    return true;
                };
                let g = next_generation();
                let first = cand_rules.len();
                let mut fallback = false;
                for &id in ids {
                    match &plan.literal_targets[id as usize] {
                        LiteralTarget::Rules(rules) => {
                            for &r in rules {
                                if stamp[r as usize] != g {
                                    stamp[r as usize] = g;
                                    cand_rules.push(r);
                                }
                            }
                        }
                        LiteralTarget::Fallback => fallback = true,
                    }
                }
                let all = fallback && compile::literals::needs_fallback(&bytes[range.clone()]);
                if all || cand_rules.len() > first {
                    cands.push(Cand {
                        start: range.start,
                        rules: first..cand_rules.len(),
                        all,
                        route: None,
                    });
                } else {
                    cand_rules.truncate(first);
                }
                true
            });
        let every_line = !prefiltered || !plan.always.is_empty();

        let mut pos = 0;
        let mut rel = 0u64;
        let mut ci = 0;
        while pos < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            let line = strip_line(&bytes[pos..end]);
            rel += 1;
            let cand = if ci < cands.len() && cands[ci].start == pos {
                ci += 1;
                Some(&cands[ci - 1])
            } else {
                None
            };
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                out.counts.empty_lines += 1;
            } else if cand.is_some() || every_line {
                let rules: &[u32] = match cand {
                    _ if !prefiltered => &self.all_rules,
                    Some(c) if c.all => &self.all_rules,
                    Some(c) => &cand_rules[c.rules.clone()],
                    None => &[],
                };
                let extra: &[u32] = if prefiltered && !cand.is_some_and(|c| c.all) {
                    &plan.always
                } else {
                    &[]
                };
                out.counts.candidate_lines += 1;
                let text = match std::str::from_utf8(line) {
                    Ok(t) => t,
                    Err(_) => {
                        *lossy = String::from_utf8_lossy(line).into_owned();
                        lossy.as_str()
                    }
                };
                match event::validate_line(text) {
                    Ok(()) => {
                        out.counts.events += 1;
                        fields.reset();
                        let view = view::View::new(text, &self.resolver, fields);
                        let gate_in = compile::gate_inputs(&view);
                        let misrouted = cand
                            .and_then(|c| c.route)
                            .is_some_and(|slot| !route_cache.key_is(slot, &gate_in));
                        debug_assert!(
                            !misrouted,
                            "BUG: peeked gate key differs from the parsed one"
                        );
                        let rules = if misrouted { &self.all_rules } else { rules };
                        line_hits.clear();
                        for &r in rules.iter().chain(extra) {
                            if plan.rules[r as usize].matches(&view, &gate_in) {
                                line_hits.push(r);
                            }
                        }
                        line_hits.sort_unstable_by_key(|&r| self.rank[r as usize]);
                        line_hits.dedup();
                        let start = pos;
                        out.hits.extend(
                            line_hits
                                .iter()
                                .map(|&r| (rel, start, start + line.len(), r)),
                        );
                    }
                    Err(e) => {
                        out.counts.invalid_lines += 1;
                        if out.invalid.len() < INVALID_SAMPLES_PER_CHUNK {
                            out.invalid.push((rel, e.0));
                        }
                    }
                }
            } else if trimmed.first() == Some(&b'{') && trimmed.last() == Some(&b'}') {
                out.counts.events += 1;
            } else {
                out.counts.invalid_lines += 1;
                if out.invalid.len() < INVALID_SAMPLES_PER_CHUNK {
                    out.invalid.push((rel, "not a JSON object".into()));
                }
            }
            pos = end + 1;
        }
        out.counts.lines = rel;
        out.counts.hits = out.hits.len() as u64;
        out.data = data;
        out
    }
}

/// A line as events are read from it: without a trailing `\r`, and without
/// a BOM inside a stream (`cat a.ndjson b.ndjson` where b has one).
fn strip_line(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    if let [0xEF, 0xBB, 0xBF, rest @ ..] = line {
        line = rest;
    }
    line
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
