//! The per-chunk hot loop: one pass that lists the candidate lines, then
//! one pass over all lines.
//!
//! 1. [`Scanner::collect_candidates`]: with routing, every line is offered
//!    to its route ([`super::route`]: by gate key, or by shape), whose
//!    automaton lists the line's literals; a line no route takes, or every
//!    line without routing (one pass over the whole chunk), is searched with
//!    the whole plan's prefilter. Where a worker searches a chunk first
//!    ([`SearchFirst`]) and the scanner has a gate stage
//!    (`Scanner::with_gate_first`), the chunk is searched for the lines of
//!    the rules' channels first, and only those lines with the whole plan's
//!    prefilter. For each candidate line the rules to try
//!    are stamped into a per-worker list (a generation counter per rule and
//!    per literal dedups them without clearing anything per line): the
//!    rules of the literals the line holds; a rule whose further literal
//!    sets (`CompiledRule::also`) the line does not all show is dropped
//!    again.
//! 2. [`Scanner::walk_lines`] counts every line, checks the shape of the
//!    lines no rule wants (`{…}`), and hands candidates to
//!    [`Scanner::evaluate_line`], which validates the line, reads only the
//!    fields its rules need ([`super::view`]) and tests each rule exactly.
//!
//! Invariant: a line is evaluated against every rule that could match it
//! (the prefilter over-reports, never under-reports); nothing here
//! allocates per line once the worker's buffers have grown.

use super::input::ChunkData;
use super::route::Mode;
use super::{Counts, GateStage, Scanner, route};
use crate::compile::{self, EventSource, LiteralTarget};
use crate::event::raw::Span;
use crate::event::{self, view};
use crate::prefilter::{self, Prefilter, PrefilterScratch};

mod search_first;
use search_first::SearchFirst;

/// How many invalid lines per chunk are passed on with their reason.
pub(super) const INVALID_SAMPLES_PER_CHUNK: usize = 8;

/// A candidate line: where it starts and which rules to try on it.
struct Cand {
    start: usize,
    rules: std::ops::Range<usize>,
    /// Every rule (a line the byte-exact fallback must decode).
    all: bool,
    /// The route cache slot, when the rules came from a route.
    route: Option<usize>,
    /// The line's top-level members in `Scratch::roots`, walked by the
    /// routing peek or shape (empty when neither walked them).
    root: std::ops::Range<usize>,
    /// Already validated (`event::surely_object_with_root`).
    valid: bool,
}

/// What the current line has shown so far: `rule[r] == generation` when
/// rule `r` is already listed for it, `lit[l] == generation` when literal
/// `l` was seen in it. Bumping the generation starts a new line in O(1).
struct Stamps {
    rule: Vec<u32>,
    lit: Vec<u32>,
    generation: u32,
}

impl Stamps {
    fn new(rules: usize) -> Stamps {
        Stamps {
            rule: vec![0; rules],
            lit: Vec::new(),
            generation: 0,
        }
    }

    /// Starts a new line.
    fn next_line(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.rule.iter_mut().for_each(|s| *s = 0);
            self.lit.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Marks literal `id` as seen on this line; false if it already was.
    #[inline]
    fn first_sight(&mut self, id: u32) -> bool {
        let id = id as usize;
        if id >= self.lit.len() {
            self.lit.resize(id + 1, 0);
        }
        let fresh = self.lit[id] != self.generation;
        self.lit[id] = self.generation;
        fresh
    }

    /// Whether this line showed any literal of `ids`.
    #[inline]
    fn seen_any(&self, ids: &[u32]) -> bool {
        ids.iter()
            .any(|&id| self.lit.get(id as usize) == Some(&self.generation))
    }

    /// Appends the rules of `rules` not listed yet for this line to `out`.
    #[inline]
    fn add(&mut self, rules: impl IntoIterator<Item = u32>, out: &mut Vec<u32>) {
        for r in rules {
            let s = &mut self.rule[r as usize];
            if *s != self.generation {
                *s = self.generation;
                out.push(r);
            }
        }
    }

    /// Drops from `rules` those with a further literal set (`also[r]`, as
    /// literal ids) of which this line showed nothing.
    fn keep_complete(&self, also: &[Vec<Vec<u32>>], rules: &mut Vec<u32>, from: usize) {
        let mut kept = from;
        for i in from..rules.len() {
            let r = rules[i];
            if also[r as usize].iter().all(|set| self.seen_any(set)) {
                rules[kept] = r;
                kept += 1;
            }
        }
        rules.truncate(kept);
    }
}

/// Per-worker mutable state, reused across chunks.
pub(super) struct Scratch {
    /// For the whole plan's prefilter, made on its first use.
    prefilter: Option<PrefilterScratch>,
    /// For the gate stage (`Scanner::with_gate_first`), made on its first use.
    gate: Option<PrefilterScratch>,
    ids: Vec<u32>,
    /// The gate stage's literal ids (never listed: it only finds lines).
    gate_ids: Vec<u32>,
    lines: Lines,
    /// Runs of plain lines the gate stage walked past, none of them a
    /// candidate: (start, end, lines). The walk counts them as events
    /// without reading them again.
    gaps: Vec<(usize, usize, u64)>,
    search: SearchFirst,
    /// The always-evaluated rules that could match the current line.
    always: Vec<u32>,
    line_hits: Vec<u32>,
    fields: view::Fields,
    /// The event filter's field slot.
    filter_fields: view::Fields,
    /// A line with invalid UTF-8, decoded lossily (as the parser does).
    lossy: String,
}

impl Scratch {
    /// The storage of the views of this worker's lines, for its hits'
    /// records once the chunk is scanned (`prepare`).
    pub(super) fn fields(&mut self) -> &mut view::Fields {
        &mut self.fields
    }
}

/// The chunk's candidate lines, and what listing them needs.
struct Lines {
    stamps: Stamps,
    cands: Vec<Cand>,
    cand_rules: Vec<u32>,
    routes: route::RouteCache,
    route_ids: Vec<u32>,
    /// The current line's shape (shape routing).
    shape: Vec<u8>,
    /// The top-level members of the chunk's routed candidate lines (see
    /// `Cand::root`).
    roots: Vec<(Span, Span)>,
}

/// What a worker made of one chunk.
pub(super) struct ChunkOut {
    pub(super) input: usize,
    pub(super) offset: u64,
    pub(super) counts: Counts,
    /// (line number within chunk, 1-based; line start; line end; rule)
    pub(super) hits: Vec<(u64, usize, usize, u32)>,
    pub(super) invalid: Vec<(u64, String)>,
    pub(super) data: ChunkData,
    /// Per line, where its record is (EVTX inputs only; empty otherwise).
    pub(super) records: Vec<super::evtx::RecordPos>,
    /// Damage found in this unit (EVTX inputs only).
    pub(super) damage: super::evtx::Damage,
    /// What the scan's `HitPrep` made of the hits (empty without one).
    pub(super) prepared: super::prepare::Prepared,
}

impl Scanner {
    pub(super) fn new_scratch(&self) -> Scratch {
        Scratch {
            prefilter: None,
            gate: None,
            ids: Vec::new(),
            gate_ids: Vec::new(),
            gaps: Vec::new(),
            search: SearchFirst::new(self.plan.literals.len()),
            lines: Lines {
                stamps: Stamps::new(self.plan.rules.len()),
                cands: Vec::new(),
                cand_rules: Vec::new(),
                routes: route::RouteCache::default(),
                route_ids: Vec::new(),
                shape: Vec::new(),
                roots: Vec::new(),
            },
            always: Vec::new(),
            line_hits: Vec::new(),
            fields: view::Fields::new(self.plan.fields.len()),
            filter_fields: view::Fields::new(1),
            lossy: String::new(),
        }
    }

    /// Scans one chunk: candidates first, then every line.
    pub(super) fn process_chunk(
        &self,
        input: usize,
        offset: u64,
        data: ChunkData,
        sc: &mut Scratch,
    ) -> ChunkOut {
        let mut out = ChunkOut {
            input,
            offset,
            counts: Counts::default(),
            hits: Vec::new(),
            invalid: Vec::new(),
            data: ChunkData::Owned(Vec::new()),
            records: Vec::new(),
            damage: super::evtx::Damage::default(),
            prepared: Default::default(),
        };
        let bytes = data.bytes();
        out.counts.bytes = bytes.len() as u64;
        let prefiltered = self.collect_candidates(bytes, sc);
        self.walk_lines(bytes, prefiltered, sc, &mut out);
        sc.search.after_chunk(
            out.counts.lines,
            sc.lines.cands.len() as u64,
            out.counts.bytes,
        );
        out.counts.hits = out.hits.len() as u64;
        out.data = data;
        out
    }

    /// Lists the candidate lines of `bytes` in `sc.cands` (in line order).
    /// Returns false when there is no prefilter (`--engine none`): then
    /// every line is a candidate for every rule.
    ///
    /// Without routing, the whole plan's prefilter searches the chunk once.
    /// With routing, every line is offered to its route (by gate key, or by
    /// shape) first, and only the lines no route takes are searched, each on
    /// its own, with the whole plan's prefilter.
    fn collect_candidates(&self, bytes: &[u8], sc: &mut Scratch) -> bool {
        sc.lines.cands.clear();
        sc.lines.cand_rules.clear();
        sc.lines.roots.clear();
        sc.gaps.clear();
        let Scratch {
            prefilter: scratch,
            gate: gate_scratch,
            ids,
            gate_ids,
            lines,
            gaps,
            search,
            ..
        } = sc;
        let mode = self.routes.mode();
        if mode == Mode::Off || (mode == Mode::Gate && search.first) {
            let prefilter = self.main_prefilter();
            let scratch = scratch.get_or_insert_with(|| prefilter.new_scratch());
            let mut found = 0;
            // A line the search found: offered to its route first (by gate
            // key), then listed with its literals `ids` (asked for with
            // `None`, the lazy driver's protocol).
            let mut take = |range: std::ops::Range<usize>, ids: Option<&[u32]>| match ids {
                None if mode == Mode::Off => false,
                None => {
                    found += 1;
                    self.route_line(bytes, range, lines)
                }
                Some(ids) => {
                    self.literal_line(bytes, range, ids, lines);
                    true
                }
            };
            let gate = self
                .gate_stage()
                .filter(|_| search.gate && !matches!(prefilter, Prefilter::None));
            let searched = if let Some(gate) = gate {
                // Gate first: only the lines that can pass a rule's gate are
                // searched for the plan's literals, each on its own.
                match gate {
                    GateStage::Simd(first, second) => {
                        // PERF: the fingerprint search pays however many
                        // lines the first stage finds (both stages cost at
                        // most about 0.3 s per GB and core, one pass of the
                        // whole plan's prefilter 0.33 or more): the stage is
                        // never dropped (`search.gate_found` stays `None`).
                        // Mordor's PowerShell-heavy chunks dropped it for up
                        // to 64 chunks, and Hyperscan was 42% of the seed
                        // rule's scan there.
                        prefilter::for_each_found_line_walking(
                            first,
                            second,
                            bytes,
                            ids,
                            |range, n| gaps.push((range.start, range.end, n)),
                            |range, ids| {
                                if !ids.is_empty() && !take(range.clone(), None) {
                                    take(range, Some(ids));
                                }
                            },
                        );
                    }
                    GateStage::Lines(first) => {
                        let gate_scratch = gate_scratch.get_or_insert_with(|| first.new_scratch());
                        let mut gate_bytes = 0;
                        first.candidate_lines(bytes, gate_scratch, gate_ids, |range, _| {
                            gate_bytes += range.len() as u64;
                            ids.clear();
                            prefilter.literals_of_line(&bytes[range.clone()], scratch, ids);
                            if !ids.is_empty() && !take(range.clone(), None) {
                                take(range, Some(ids));
                            }
                            true
                        });
                        search.gate_found = Some(gate_bytes);
                    }
                }
                true
            } else {
                prefilter.candidate_lines(bytes, scratch, ids, take)
            };
            search.found = found;
            return searched;
        }
        let mut pos = 0;
        while pos < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            if end > pos && !self.route_line(bytes, pos..end, lines) {
                // PERF: the whole plan's prefilter is built only when the
                // first line no route takes needs it (`main_prefilter`).
                let prefilter = self.main_prefilter();
                let scratch = scratch.get_or_insert_with(|| prefilter.new_scratch());
                ids.clear();
                prefilter.literals_of_line(&bytes[pos..end], scratch, ids);
                if let Prefilter::None = prefilter {
                    // It could not be built (see `main_prefilter`): every
                    // rule, as without a prefilter.
                    lines.cands.push(Cand {
                        start: pos,
                        rules: 0..0,
                        all: true,
                        route: None,
                        root: 0..0,
                        valid: false,
                    });
                } else if !ids.is_empty() {
                    self.literal_line(bytes, pos..end, ids, lines);
                }
            }
            pos = end + 1;
        }
        true
    }

    /// Offers the line `range` to its route; false when no route takes it
    /// (no gate key, a shape without a route yet).
    fn route_line(&self, bytes: &[u8], range: std::ops::Range<usize>, lines: &mut Lines) -> bool {
        let plan = &self.plan;
        let routes = &self.routes;
        let Lines {
            stamps,
            cands,
            cand_rules,
            routes: route_cache,
            route_ids,
            shape,
            roots,
        } = lines;
        let first = cand_rules.len();
        let line = strip_line(&bytes[range.clone()]);
        let root_first = roots.len();
        let mut valid = false;
        let slot = if routes.mode() == Mode::Gate {
            // PERF: the line's validation walks its top level for the
            // routing peek, and that walk is kept and adopted by the line's
            // field index (`RawIndex::adopt_root`): one pass, where there
            // were three. Mordor with logsource, user time: sharing the
            // peek's walk with the index 6.6 s -> 6.2 s (one thread),
            // validating in it 5.14 s -> 4.96 s (two threads).
            let key = match event::surely_object_with_root(line, roots) {
                Some(plain_keys) => {
                    valid = true;
                    plain_keys
                        .then(|| event::peek::gate_key_of_root(line, &roots[root_first..]))
                        .flatten()
                }
                None => {
                    roots.truncate(root_first);
                    event::peek::gate_key_with_root(line, roots)
                }
            };
            key.and_then(|key| routes.slot(plan, route_cache, key))
        } else if event::shape::shape_with_root(line, shape, roots) {
            routes.shape_slot(plan, &self.resolver, route_cache, shape)
        } else {
            None
        };
        let Some(slot) = slot else {
            roots.truncate(root_first);
            return false;
        };
        stamps.next_line();
        if !plan.exact_literals.is_empty() && compile::literals::needs_fallback(line) {
            // Its literals may hide behind escapes: every rule of the route
            // that has literals. PERF: before, such a line (1,367 on Mordor,
            // `\u0027` in messages) took the whole plan's prefilter and was
            // tried against every rule; now the gate alone narrows it, and
            // with logsources no line of Mordor needs that prefilter.
            let route = route_cache.route(slot);
            stamps.add(route.literal_rules().iter().copied(), cand_rules);
        } else {
            route_ids.clear();
            route_cache.literals(slot, line, route_ids);
            let route = route_cache.route(slot);
            for &id in route_ids.iter() {
                if stamps.first_sight(id) {
                    stamps.add(route.targets(id).iter().copied(), cand_rules);
                }
            }
            stamps.keep_complete(route.also_ids(), cand_rules, first);
        }
        let route = route_cache.route(slot);

        // A line is a candidate for the route's always-evaluated rules too
        // (picked by its EventID in `evaluate_line`); a shape-routed line
        // even without rules: the plan's always-evaluated rules are filtered
        // by the route.
        if cand_rules.len() > first || route.has_always() || routes.mode() == Mode::Shape {
            cands.push(Cand {
                start: range.start,
                rules: first..cand_rules.len(),
                all: false,
                route: Some(slot),
                root: root_first..roots.len(),
                valid,
            });
        } else {
            roots.truncate(root_first);
        }
        true
    }

    /// Lists the line `range`, which holds the whole plan's literals `ids`,
    /// with the rules of those literals (every rule when it needs the
    /// byte-exact fallback).
    fn literal_line(
        &self,
        bytes: &[u8],
        range: std::ops::Range<usize>,
        ids: &[u32],
        lines: &mut Lines,
    ) {
        let plan = &self.plan;
        let Lines {
            stamps,
            cands,
            cand_rules,
            ..
        } = lines;
        let first = cand_rules.len();
        stamps.next_line();
        let mut fallback = false;
        for &id in ids {
            if !stamps.first_sight(id) {
                continue;
            }
            match &plan.literal_targets[id as usize] {
                LiteralTarget::Rules(rules) => stamps.add(rules.iter().copied(), cand_rules),
                LiteralTarget::Fallback => fallback = true,
            }
        }
        stamps.keep_complete(&plan.also_ids, cand_rules, first);
        let line = &bytes[range.clone()];
        let all = fallback && compile::literals::needs_fallback(line);
        // Without a channel literal the line passes no rule's gate, unless
        // an escape may spell one (`all`): not a candidate, found gate first
        // or not (`gate_check`).
        if all || (cand_rules.len() > first && self.may_pass_a_gate(line)) {
            cands.push(Cand {
                start: range.start,
                rules: first..cand_rules.len(),
                all,
                route: None,
                root: 0..0,
                valid: false,
            });
        } else {
            cand_rules.truncate(first);
        }
    }

    /// Counts every line of `bytes` and evaluates the candidates.
    fn walk_lines(&self, bytes: &[u8], prefiltered: bool, sc: &mut Scratch, out: &mut ChunkOut) {
        let every_line = !prefiltered || !self.plan.always.is_empty();
        let mut pos = 0;
        let mut rel = 0u64;
        let mut ci = 0;
        // Runs of plain lines the search walked past: events, none a
        // candidate (`Scratch::gaps`), unless every line is evaluated.
        let gaps = std::mem::take(&mut sc.gaps);
        let mut gi = if every_line { gaps.len() } else { 0 };
        while pos < bytes.len() {
            if let Some(&(_, end, lines)) = gaps.get(gi).filter(|g| g.0 == pos) {
                gi += 1;
                rel += lines;
                out.counts.events += lines;
                pos = end;
                continue;
            }
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            let line = strip_line(&bytes[pos..end]);
            rel += 1;
            let cand = if ci < sc.lines.cands.len() && sc.lines.cands[ci].start == pos {
                ci += 1;
                Some(ci - 1)
            } else {
                None
            };
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                out.counts.empty_lines += 1;
            } else if cand.is_some() || every_line {
                self.evaluate_line(line, pos, rel, cand, prefiltered, sc, out);
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
        debug_assert!(gi == gaps.len(), "BUG: a gap the walk never reached");
        sc.gaps = gaps;
        out.counts.lines = rel;
    }

    /// Validates one candidate line and tests its rules: those of its
    /// candidate entry `cand` (or every rule), plus the always-evaluated.
    #[allow(clippy::too_many_arguments)]
    fn evaluate_line(
        &self,
        line: &[u8],
        start: usize,
        rel: u64,
        cand: Option<usize>,
        prefiltered: bool,
        sc: &mut Scratch,
        out: &mut ChunkOut,
    ) {
        let plan = &self.plan;
        let cand = cand.map(|i| &sc.lines.cands[i]);
        let rules: &[u32] = match cand {
            _ if !prefiltered => &self.all_rules,
            Some(c) if c.all => &self.all_rules,
            Some(c) => &sc.lines.cand_rules[c.rules.clone()],
            None => &[],
        };
        let with_always = prefiltered && !cand.is_some_and(|c| c.all);
        out.counts.candidate_lines += 1;
        let (text, is_line) = match std::str::from_utf8(line) {
            Ok(t) => (t, true),
            Err(_) => {
                sc.lossy = String::from_utf8_lossy(line).into_owned();
                (sc.lossy.as_str(), false)
            }
        };
        // A line routed by its validation's walk is valid: that walk read
        // `line`, and where `text` is its lossy decoding the verdict is the
        // same (a replaced byte is never one JSON's grammar looks at).
        if !cand.is_some_and(|c| c.valid)
            && let Err(e) = event::validate_line(text)
        {
            out.counts.invalid_lines += 1;
            if out.invalid.len() < INVALID_SAMPLES_PER_CHUNK {
                out.invalid.push((rel, e.to_string()));
            }
            return;
        }
        out.counts.events += 1;
        if let Some(f) = &self.event_filter {
            // Before any rule: an event outside `--from`/`--to` is not
            // evaluated at all (its time read like any rule field).
            sc.filter_fields.reset();
            let v = view::View::new(text, &f.resolver, &sc.filter_fields);
            if !(f.keep)(compile::EventSource::field(&v, 0)) {
                out.counts.filtered_events += 1;
                return;
            }
        }
        sc.fields.reset();
        // The adopted spans are offsets into `line`: only when `text` is it.
        if let Some(c) = cand.filter(|c| is_line && !c.root.is_empty()) {
            sc.fields.adopt_root(line, &sc.lines.roots[c.root.clone()]);
        }
        let view = view::View::new(text, &self.resolver, &sc.fields);
        let gate_in = compile::gate_inputs(&view);
        let misrouted = cand
            .and_then(|c| c.route)
            .is_some_and(|slot| !sc.lines.routes.key_is(slot, &gate_in));
        debug_assert!(
            !misrouted,
            "BUG: peeked gate key differs from the parsed one"
        );
        let rules = if misrouted { &self.all_rules } else { rules };
        // PERF: only the always-evaluated rules keyed by this line's EventID
        // (`compile::AlwaysIndex`, which says what it measured).
        sc.always.clear();
        let route = cand
            .and_then(|c| c.route)
            .map(|slot| sc.lines.routes.route(slot));
        if with_always && !misrouted && !plan.always.is_empty() {
            plan.always_index
                .rules_for(|f| view.field(f), &mut sc.always);
            if let Some(route) = route {
                sc.always.retain(|&r| route.admits_always(r));
            }
        }
        if let Some(route) = route.filter(|_| !misrouted) {
            route.always_rules_for(|f| view.field(f), &mut sc.always);
        }
        sc.line_hits.clear();
        for &r in rules.iter().chain(&sc.always) {
            if plan.rules[r as usize].matches(&view, &gate_in) {
                sc.line_hits.push(r);
            }
        }
        sc.line_hits
            .sort_unstable_by_key(|&r| self.rank[r as usize]);
        sc.line_hits.dedup();
        out.hits.extend(
            sc.line_hits
                .iter()
                .map(|&r| (rel, start, start + line.len(), r)),
        );
    }
}

/// A line as events are read from it: without a trailing `\r`, and without
/// a BOM inside a stream (`cat a.ndjson b.ndjson` where b has one).
pub(super) fn strip_line(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    if let [0xEF, 0xBB, 0xBF, rest @ ..] = line {
        line = rest;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_dedup_per_line_and_reset_on_wrap() {
        let mut s = Stamps::new(4);
        let mut out = Vec::new();
        s.next_line();
        s.add([1, 2, 1, 3, 2], &mut out);
        assert_eq!(out, [1, 2, 3]);
        assert!(s.first_sight(7) && !s.first_sight(7));
        out.clear();
        s.next_line();
        s.add([2, 0], &mut out);
        assert_eq!(out, [2, 0]);
        assert!(s.first_sight(7), "a new line has seen nothing");
        // The generation wraps to 0: every stamp is cleared, nothing stale
        // is taken for "already listed" or "seen".
        s.generation = u32::MAX;
        s.rule = vec![1, 1, 1, 1];
        s.lit = vec![1; 8];
        s.next_line();
        assert_eq!(s.generation, 1);
        out.clear();
        s.add([0, 1, 2, 3], &mut out);
        assert_eq!(out, [0, 1, 2, 3]);
        assert!(!s.seen_any(&[0, 7]));
    }

    #[test]
    fn a_rule_stays_only_if_the_line_showed_each_further_set() {
        let mut s = Stamps::new(4);
        // Rule 1 needs literal 5 or 6 besides its first set; rule 2 needs
        // 5 and 7; rules 0 and 3 nothing more.
        let also = vec![vec![], vec![vec![5, 6]], vec![vec![5], vec![7]], vec![]];
        s.next_line();
        s.first_sight(6);
        s.first_sight(5);
        let mut rules = vec![9, 0, 1, 2, 3];
        s.keep_complete(&also, &mut rules, 1);
        assert_eq!(
            rules,
            [9, 0, 1, 3],
            "rule 2 lacks literal 7; the head is kept"
        );
        s.first_sight(7);
        let mut rules = vec![2];
        s.keep_complete(&also, &mut rules, 0);
        assert_eq!(rules, [2]);
    }

    #[test]
    fn strip_line_drops_cr_and_inner_bom() {
        assert_eq!(strip_line(b"{}\r"), b"{}");
        assert_eq!(strip_line(b"\xEF\xBB\xBF{}\r"), b"{}");
        assert_eq!(strip_line(b"{\"a\":\"\r\"}"), b"{\"a\":\"\r\"}");
        assert_eq!(strip_line(b""), b"");
    }
}
