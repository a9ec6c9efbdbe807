//! Multi-literal prefilter: which lines of a buffer contain any of a set of
//! literals, and which literals each such line contains.
//!
//! This module knows nothing about Sigma or JSON. It is handed a list of byte
//! literals (already in the form they take in the raw input, see
//! `compile::literals`) and answers, for a whole chunk of newline-delimited
//! text, "these lines hold these literal ids". Every literal is matched
//! **ASCII-caseless**: `A`–`Z` equal `a`–`z`, every other byte equals itself.
//!
//! # Contract
//!
//! The prefilter over-reports and never under-reports: for every line of the
//! haystack and every literal that occurs in that line (ASCII-caseless), the
//! literal's id is reported for that line. Ids may repeat. A literal never
//! contains `\n`, so an occurrence never straddles two lines.
//!
//! # How a scan runs
//!
//! Engines implement two primitives: [`LiteralScanner::find`] (the first
//! occurrence of *any* literal from a position on: this is where the engine's
//! SIMD literal search pays) and [`LiteralScanner::literals_in`] (every literal
//! in one line, overlapping ones included). [`for_each_candidate_line`] drives
//! them the way ripgrep's searcher does: find a hit, widen it to its line,
//! collect that line's literals, jump to the line's end, repeat. A non-overlapping
//! search alone would be unsound (in `abcdef`, finding `abcd` hides `cdef`), so
//! the second, line-local pass is what makes the contract hold.
//!
//! Engines: [`aho::AhoScanner`] (pure Rust, always built) and, with the
//! `hyperscan` cargo feature, `hyperscan::HsScanner`. [`Prefilter`] is the one
//! type the rest of the crate sees.

use std::ops::Range;

pub mod aho;
pub mod fingerprint;
#[cfg(feature = "hyperscan")]
pub mod hyperscan;
pub mod line_finder;

/// A literal search engine. Build once from the literal list, share the
/// scanner between threads, give every thread its own scratch.
pub trait LiteralScanner: Send + Sync {
    /// Per-thread mutable state (buffers, engine scratch).
    type Scratch: Send;

    /// A fresh scratch for one worker thread.
    fn new_scratch(&self) -> Self::Scratch;

    /// Called once per haystack before any `find`/`literals_in` on it.
    fn prepare(&self, haystack: &[u8], scratch: &mut Self::Scratch);

    /// The end offset (exclusive) of some occurrence of a literal that starts
    /// at or after `start`, such that no line before the one holding it
    /// contains an occurrence. `None` when no literal occurs in
    /// `haystack[start..]`.
    fn find(&self, haystack: &[u8], start: usize, scratch: &mut Self::Scratch) -> Option<usize>;

    /// Pushes the id of every literal occurring in `haystack[range]`.
    fn literals_in(
        &self,
        haystack: &[u8],
        range: Range<usize>,
        scratch: &mut Self::Scratch,
        out: &mut Vec<u32>,
    );
}

/// Calls `on_line(line_range, literal_ids)` for every line of `haystack` that
/// contains at least one literal, in order. `line_range` excludes the `\n`.
pub fn for_each_candidate_line<S: LiteralScanner>(
    scanner: &S,
    haystack: &[u8],
    scratch: &mut S::Scratch,
    ids: &mut Vec<u32>,
    mut on_line: impl FnMut(Range<usize>, &[u32]),
) {
    for_each_candidate_line_lazy(scanner, haystack, scratch, ids, |range, ids| {
        if let Some(ids) = ids {
            on_line(range, ids);
        }
        ids.is_some()
    });
}

/// [`for_each_candidate_line`] for callers that may not need a line's
/// literal ids: each candidate line is first offered as
/// `on_line(line_range, None)`; only when that returns `false` are its ids
/// listed (the overlapping pass, the costly part on dense lines) and
/// `on_line(line_range, Some(ids))` called. Logsource routing claims lines
/// on the first call and lists their literals with a smaller automaton.
pub fn for_each_candidate_line_lazy<S: LiteralScanner>(
    scanner: &S,
    haystack: &[u8],
    scratch: &mut S::Scratch,
    ids: &mut Vec<u32>,
    mut on_line: impl FnMut(Range<usize>, Option<&[u32]>) -> bool,
) {
    scanner.prepare(haystack, scratch);
    let mut pos = 0;
    while pos < haystack.len() {
        let Some(end) = scanner.find(haystack, pos, scratch) else {
            break;
        };
        // The occurrence ends at `end`; its last byte is `end - 1`, which is
        // never a newline, so the line holding it is well defined.
        let last = end.saturating_sub(1).max(pos);
        let line_start = memchr::memrchr(b'\n', &haystack[pos..last]).map_or(pos, |i| pos + i + 1);
        let line_end =
            memchr::memchr(b'\n', &haystack[last..]).map_or(haystack.len(), |i| last + i);
        let line = line_start..line_end;
        if !line.is_empty() && !on_line(line.clone(), None) {
            ids.clear();
            scanner.literals_in(haystack, line.clone(), scratch, ids);
            if !ids.is_empty() {
                on_line(line, Some(ids));
            }
        }
        pos = line_end + 1;
    }
}

/// A gate-first search's two stages as one, the SIMD line finder first:
/// calls `on_line(line_range, literal_ids)` for the lines of `haystack`
/// that `lines` finds a literal in, in order, with the ids of the literals
/// `literals` lists in each (maybe none; `line_range` excludes the `\n`,
/// and the second stage finds where the line ends as it searches it). The
/// finder also walks the lines it passes: before each line it finds (and at
/// the end) calls `on_gap(range, lines)` for the lines it passed since the
/// last, when they are all plain: `range` holds exactly `lines` whole
/// lines, each `{` first and `}` last (no blank line, no `\r`, no
/// whitespace or BOM around it). Lines it passes that are not all plain are
/// reported by no call: the caller reads them itself. A line it finds that
/// is plain and holds none of `literals` is a gap of one line, not an
/// `on_line` call.
pub fn for_each_found_line_walking(
    lines: &line_finder::LineFinder,
    literals: &fingerprint::FingerprintFinder,
    haystack: &[u8],
    ids: &mut Vec<u32>,
    mut on_gap: impl FnMut(Range<usize>, u64),
    mut on_line: impl FnMut(Range<usize>, &[u32]),
) {
    let mut pos = 0;
    while pos < haystack.len() {
        let mut walked = line_finder::Walked::default();
        let found = lines.find_walking(haystack, pos, &mut walked);
        // As in `for_each_candidate_line_lazy`; the line holds the
        // occurrence, so it reaches at least to `end`.
        let line_start = found.map(|end| {
            let last = end.saturating_sub(1).max(pos);
            memchr::memrchr(b'\n', &haystack[pos..last]).map_or(pos, |i| pos + i + 1)
        });
        if let Some(last) = walked.last
            && !walked.odd
            && haystack[pos] == b'{'
        {
            debug_assert!(line_start.is_none_or(|s| s == last + 1));
            on_gap(pos..last + 1, walked.newlines);
        }
        let Some(line_start) = line_start else {
            break;
        };
        ids.clear();
        let line_end = literals.line_literals(haystack, line_start, ids);
        // PERF: most lines found hold none of the literals (the PowerShell
        // lines, 39% of the generated corpus's bytes): counted here, the
        // chunk walk does not read them again.
        if ids.is_empty()
            && line_end < haystack.len()
            && haystack[line_start] == b'{'
            && haystack[line_end - 1] == b'}'
        {
            on_gap(line_start..line_end + 1, 1);
        } else {
            on_line(line_start..line_end, ids);
        }
        pos = line_end + 1;
    }
}

/// Two scanners as one: ids of `b` follow those of `a`. Each side's last
/// answer to `find` is kept while it still lies ahead, so the driver's
/// repeated `find` calls do not rescan what one side already searched.
pub struct Union<A, B> {
    a: A,
    b: B,
    offset: u32,
}

/// Scratch of a [`Union`].
pub struct UnionScratch<A, B> {
    a: A,
    b: B,
    /// Last `find` result of each side: `None` = not computed for this
    /// haystack; `Some(None)` = nothing from the start it was computed at.
    next_a: Option<Option<usize>>,
    next_b: Option<Option<usize>>,
}

impl<A: LiteralScanner, B: LiteralScanner> Union<A, B> {
    /// `a` answers ids `0..a_len`, `b` answers `a_len..`.
    pub fn new(a: A, a_len: usize, b: B) -> Self {
        Union {
            a,
            b,
            offset: a_len as u32,
        }
    }
}

/// A cached `find` result is still the answer from `start` if it found
/// nothing, or its occurrence ends at or after `start + 1`: occurrences never
/// hold a newline and `start` is always a line start, so such an occurrence
/// lies wholly at or after `start`, and nothing earlier exists.
fn still_ahead(cached: Option<Option<usize>>, start: usize) -> Option<Option<usize>> {
    match cached {
        Some(None) => Some(None),
        Some(Some(end)) if end > start => Some(Some(end)),
        _ => None,
    }
}

/// Whether a side whose cached `find` answer is `cached` can have an
/// occurrence in the line `range`. `find` promises that no line before the
/// one holding its answer has an occurrence, and the answer was computed from
/// a start at or before `range.start`; so an answer that ends after the line
/// (occurrences never span a newline) or no answer at all rules the line out.
/// Without a cached answer (`literals_in` called without `find`) it must look.
fn may_occur_in(cached: Option<Option<usize>>, range: &Range<usize>) -> bool {
    match cached {
        Some(None) => false,
        Some(Some(end)) => end <= range.end,
        None => true,
    }
}

impl<A: LiteralScanner, B: LiteralScanner> LiteralScanner for Union<A, B> {
    type Scratch = UnionScratch<A::Scratch, B::Scratch>;

    fn new_scratch(&self) -> Self::Scratch {
        UnionScratch {
            a: self.a.new_scratch(),
            b: self.b.new_scratch(),
            next_a: None,
            next_b: None,
        }
    }

    fn prepare(&self, haystack: &[u8], scratch: &mut Self::Scratch) {
        self.a.prepare(haystack, &mut scratch.a);
        self.b.prepare(haystack, &mut scratch.b);
        scratch.next_a = None;
        scratch.next_b = None;
    }

    fn find(&self, haystack: &[u8], start: usize, scratch: &mut Self::Scratch) -> Option<usize> {
        let a = match still_ahead(scratch.next_a, start) {
            Some(r) => r,
            None => self.a.find(haystack, start, &mut scratch.a),
        };
        let b = match still_ahead(scratch.next_b, start) {
            Some(r) => r,
            None => self.b.find(haystack, start, &mut scratch.b),
        };
        scratch.next_a = Some(a);
        scratch.next_b = Some(b);
        match (a, b) {
            (Some(x), Some(y)) => {
                // The earlier *line* wins; within one line either is fine.
                let line_of = |end: usize| memchr::memrchr(b'\n', &haystack[start..end - 1]);
                if x <= y || line_of(x) == line_of(y) {
                    Some(x)
                } else {
                    Some(y)
                }
            }
            (x, None) => x,
            (None, y) => y,
        }
    }

    fn literals_in(
        &self,
        haystack: &[u8],
        range: Range<usize>,
        scratch: &mut Self::Scratch,
        out: &mut Vec<u32>,
    ) {
        // A side whose next occurrence (as cached by `find`) ends past this
        // line has none in it: skip its overlapping pass. When most lines are
        // candidates of one side only, this halves the per-line work.
        if may_occur_in(scratch.next_a, &range) {
            self.a
                .literals_in(haystack, range.clone(), &mut scratch.a, out);
        }
        if may_occur_in(scratch.next_b, &range) {
            let first = out.len();
            self.b.literals_in(haystack, range, &mut scratch.b, out);
            for id in &mut out[first..] {
                *id += self.offset;
            }
        }
    }
}

/// Which engine to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    /// Hyperscan when compiled in, else the pure-Rust engine.
    Auto,
    /// Hyperscan (needs the `hyperscan` cargo feature).
    Hyperscan,
    /// Pure Rust: ASCII-lowercased chunk + Aho-Corasick.
    Rust,
    /// No prefilter: every line is a candidate for every rule.
    None,
}

impl EngineKind {
    /// The name used on the command line and in `--stats`.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Auto => "auto",
            EngineKind::Hyperscan => "hyperscan",
            EngineKind::Rust => "rust",
            EngineKind::None => "none",
        }
    }

    /// The engine `self` builds: `Auto` resolved, and an error for
    /// Hyperscan where it is not compiled in.
    pub fn resolve(self) -> Result<EngineKind, BuildError> {
        match self {
            #[cfg(feature = "hyperscan")]
            EngineKind::Auto => Ok(EngineKind::Hyperscan),
            #[cfg(not(feature = "hyperscan"))]
            EngineKind::Auto => Ok(EngineKind::Rust),
            #[cfg(not(feature = "hyperscan"))]
            EngineKind::Hyperscan => Err(BuildError(
                "the hyperscan engine is not compiled in: rebuild with `--features hyperscan` \
                 (needs libhyperscan-dev)"
                    .into(),
            )),
            kind => Ok(kind),
        }
    }

    /// Whether the Hyperscan engine was compiled into this binary.
    pub fn hyperscan_available() -> bool {
        cfg!(feature = "hyperscan")
    }
}

/// Why a prefilter could not be built.
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

/// The prefilter the scanner uses: one of the engines, chosen at run time.
/// The pure-Rust engine joins a caseless scanner over the lowercased chunk
/// with a case-sensitive Aho-Corasick over the raw chunk for the exact
/// literals; Hyperscan takes per-literal case flags, so one database and
/// one pass serve both.
pub enum Prefilter {
    /// Pure-Rust engine.
    Rust(Union<aho::AhoScanner, aho::AhoScanner>),
    /// Hyperscan engine: one database holds both kinds of literal.
    #[cfg(feature = "hyperscan")]
    Hyperscan(hyperscan::HsScanner),
    /// A line finder for a few literals, for either engine's first stage
    /// (see [`Prefilter::build_line_finder`]).
    Lines(line_finder::LineFinder),
    /// No prefilter at all.
    None,
}

/// Per-thread scratch for a [`Prefilter`].
pub enum PrefilterScratch {
    /// Scratch of the pure-Rust engine.
    Rust(<Union<aho::AhoScanner, aho::AhoScanner> as LiteralScanner>::Scratch),
    /// Scratch of the Hyperscan engine.
    #[cfg(feature = "hyperscan")]
    Hyperscan(<hyperscan::HsScanner as LiteralScanner>::Scratch),
    /// Nothing to keep.
    None,
}

impl Prefilter {
    /// Builds the engine `kind` for `caseless` literals (ASCII-caseless, ids
    /// `0..caseless.len()`) and `exact` ones (case-sensitive, the ids after).
    /// No literal may hold `\n`.
    pub fn build(
        kind: EngineKind,
        caseless: &[Vec<u8>],
        exact: &[Vec<u8>],
    ) -> Result<Prefilter, BuildError> {
        let n = caseless.len();
        let rust = || -> Result<Prefilter, BuildError> {
            Ok(Prefilter::Rust(Union::new(
                aho::AhoScanner::new(caseless)?,
                n,
                aho::AhoScanner::new_exact(exact)?,
            )))
        };
        match kind.resolve()? {
            EngineKind::None => Ok(Prefilter::None),
            #[cfg(feature = "hyperscan")]
            EngineKind::Hyperscan => Ok(Prefilter::Hyperscan(hyperscan::HsScanner::with_exact(
                caseless, exact,
            )?)),
            // `Rust` (`resolve` never answers `Auto`, nor `Hyperscan`
            // where it is not compiled in).
            _ => rust(),
        }
    }

    /// [`Prefilter::build`] for a caller that needs only the candidate
    /// lines (a first stage, whose lines a second prefilter then reads):
    /// the `exact` literals may also be reported where they occur in
    /// another ASCII case. Where the literals are few enough and the CPU
    /// runs AVX2, either engine gets a [`line_finder::LineFinder`];
    /// otherwise what [`Prefilter::build_engine_line_finder`] builds.
    pub fn build_line_finder(
        kind: EngineKind,
        caseless: &[Vec<u8>],
        exact: &[Vec<u8>],
    ) -> Result<Prefilter, BuildError> {
        let kind = kind.resolve()?;
        if kind != EngineKind::None
            && let Some(finder) = line_finder::LineFinder::new(caseless, exact)
        {
            return Ok(Prefilter::Lines(finder));
        }
        Prefilter::build_engine_line_finder(kind, caseless, exact)
    }

    /// [`Prefilter::build_line_finder`] with the engine's own matcher:
    /// Hyperscan a faster database of its own
    /// ([`hyperscan::HsScanner::line_finder`]), the pure-Rust engine what
    /// [`Prefilter::build`] builds.
    pub fn build_engine_line_finder(
        kind: EngineKind,
        caseless: &[Vec<u8>],
        exact: &[Vec<u8>],
    ) -> Result<Prefilter, BuildError> {
        match kind.resolve()? {
            #[cfg(feature = "hyperscan")]
            EngineKind::Hyperscan => Ok(Prefilter::Hyperscan(hyperscan::HsScanner::line_finder(
                caseless, exact,
            )?)),
            kind => Prefilter::build(kind, caseless, exact),
        }
    }

    /// A fresh per-thread scratch.
    pub fn new_scratch(&self) -> PrefilterScratch {
        match self {
            Prefilter::Rust(s) => PrefilterScratch::Rust(s.new_scratch()),
            #[cfg(feature = "hyperscan")]
            Prefilter::Hyperscan(s) => PrefilterScratch::Hyperscan(s.new_scratch()),
            Prefilter::Lines(_) | Prefilter::None => PrefilterScratch::None,
        }
    }

    /// Runs [`for_each_candidate_line_lazy`] with this engine. Returns
    /// `false` (and calls nothing) for [`Prefilter::None`]: the caller must
    /// then treat every line as a candidate.
    pub fn candidate_lines(
        &self,
        haystack: &[u8],
        scratch: &mut PrefilterScratch,
        ids: &mut Vec<u32>,
        on_line: impl FnMut(Range<usize>, Option<&[u32]>) -> bool,
    ) -> bool {
        match (self, scratch) {
            (Prefilter::Rust(s), PrefilterScratch::Rust(sc)) => {
                for_each_candidate_line_lazy(s, haystack, sc, ids, on_line);
                true
            }
            #[cfg(feature = "hyperscan")]
            (Prefilter::Hyperscan(s), PrefilterScratch::Hyperscan(sc)) => {
                for_each_candidate_line_lazy(s, haystack, sc, ids, on_line);
                true
            }
            (Prefilter::Lines(s), _) => {
                for_each_candidate_line_lazy(s, haystack, &mut (), ids, on_line);
                true
            }
            (Prefilter::None, _) => false,
            #[allow(unreachable_patterns)]
            _ => panic!("BUG: prefilter scratch of another engine"),
        }
    }

    /// Pushes the id of every literal occurring in `line` (a haystack of its
    /// own). Nothing for [`Prefilter::None`].
    pub fn literals_of_line(
        &self,
        line: &[u8],
        scratch: &mut PrefilterScratch,
        out: &mut Vec<u32>,
    ) {
        match (self, scratch) {
            (Prefilter::Rust(s), PrefilterScratch::Rust(sc)) => {
                s.prepare(line, sc);
                // PERF: the packed searcher first; the overlapping pass
                // only where it finds something, and then only on the
                // side that did (`Union::literals_in`). The seed rule gate
                // first, where every PowerShell line comes here: 1.10 ->
                // 0.42-0.46 s on the generated corpus.
                if s.find(line, 0, sc).is_some() {
                    s.literals_in(line, 0..line.len(), sc, out);
                }
            }
            #[cfg(feature = "hyperscan")]
            (Prefilter::Hyperscan(s), PrefilterScratch::Hyperscan(sc)) => {
                s.prepare(line, sc);
                s.literals_in(line, 0..line.len(), sc, out);
            }
            (Prefilter::Lines(s), _) => s.literals_in(line, 0..line.len(), &mut (), out),
            (Prefilter::None, _) => {}
            #[allow(unreachable_patterns)]
            _ => panic!("BUG: prefilter scratch of another engine"),
        }
    }
}

/// Every candidate line of `hay` with its sorted, distinct literal ids: what
/// the engines' tests compare.
#[cfg(test)]
pub(crate) fn candidate_lines<S: LiteralScanner>(
    s: &S,
    hay: &[u8],
) -> Vec<(Range<usize>, Vec<u32>)> {
    let mut scratch = s.new_scratch();
    let mut ids = Vec::new();
    let mut out = Vec::new();
    for_each_candidate_line(s, hay, &mut scratch, &mut ids, |r, ids| {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        out.push((r, ids));
    });
    out
}

/// A xorshift generator of test inputs: the same sequence for a seed.
#[cfg(test)]
pub(crate) fn test_rng(mut state: u64) -> impl FnMut() -> usize {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    }
}

/// A test haystack: up to `most - 1` of `pieces` drawn with `next`, each
/// sometimes cut short at either end (to meet partial literals), each
/// followed by up to `pad - 1` copies of a byte of `filler`.
#[cfg(test)]
pub(crate) fn test_haystack(
    next: &mut impl FnMut() -> usize,
    pieces: &[&[u8]],
    most: usize,
    filler: &[u8],
    pad: usize,
) -> Vec<u8> {
    let mut hay = Vec::new();
    for _ in 0..next() % most {
        let piece = pieces[next() % pieces.len()];
        let piece = match next() % 4 {
            0 => &piece[..piece.len() - next() % piece.len()],
            1 => &piece[next() % piece.len()..],
            _ => piece,
        };
        hay.extend_from_slice(piece);
        hay.extend(std::iter::repeat_n(
            filler[next() % filler.len()],
            next() % pad,
        ));
    }
    hay
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two stages as one driver find what the first stage's lines and
    /// the second stage's literals in each find, composed naively; its gaps
    /// hold just the plain lines they claim, and on plain lines alone they
    /// hold every line it does not report.
    #[test]
    fn the_walking_driver_is_its_two_stages_composed() {
        let exact = crate::compile::literals::fallback_literals();
        let channel = vec![b"microsoft-windows-powershell".to_vec()];
        let names: Vec<Vec<u8>> = [&b"OpenProcess"[..], b"VirtualAlloc", b"memcpy"]
            .iter()
            .map(|s| s.to_vec())
            .collect();
        let lower: Vec<Vec<u8>> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let (Some(lines), Some(second)) = (
            line_finder::LineFinder::new(&channel, &exact),
            fingerprint::FingerprintFinder::new(&lower, &names, &exact),
        ) else {
            return; // The CPU runs neither kernel.
        };
        let mut next = test_rng(0x9E37_79B9_7F4A_7C15);
        let plain: &[&[u8]] = &[
            b"{\"a\":1}",
            b"{\"c\":\"Microsoft-Windows-PowerShell\",\"s\":\"OPENPROCESS virtualalloc\"}",
            b"{\"c\":\"Microsoft-Windows-PowerShell\",\"s\":\"memcpy \\u0041\"}",
            b"{\"c\":\"Microsoft-Windows-PowerShell\"}",
        ];
        let odd: &[&[u8]] = &[b"", b" {}", b"{}\r", b"x", b"\xEF\xBB\xBF{}", b"memcpy"];
        let is_plain = |l: &[u8]| l.first() == Some(&b'{') && l.last() == Some(&b'}');
        for round in 0..300 {
            let all_plain = round % 2 == 0;
            let mut hay = Vec::new();
            for _ in 0..next() % 40 {
                let line = if !all_plain && next().is_multiple_of(4) {
                    odd[next() % odd.len()]
                } else {
                    plain[next() % plain.len()]
                };
                hay.extend_from_slice(line);
                if is_plain(line) {
                    // Some lines long enough for whole SIMD steps.
                    hay.extend(std::iter::repeat_n(b' ', next() % 3 * 50));
                    hay.extend_from_slice(b"{}");
                }
                if !next().is_multiple_of(8) {
                    hay.push(b'\n');
                }
            }
            // The lines found with their literals, less those counted as
            // gaps: plain, with no literal, and ended by a newline.
            let want: Vec<(Range<usize>, Vec<u32>)> = candidate_lines(&lines, &hay)
                .into_iter()
                .map(|(r, _)| {
                    let mut ids = Vec::new();
                    second.literals_in(&hay, r.clone(), &mut (), &mut ids);
                    ids.sort_unstable();
                    (r, ids)
                })
                .filter(|(r, ids)| {
                    !ids.is_empty() || r.end == hay.len() || !is_plain(&hay[r.clone()])
                })
                .collect();
            let (mut got, mut gaps, mut ids) = (Vec::new(), Vec::new(), Vec::new());
            for_each_found_line_walking(
                &lines,
                &second,
                &hay,
                &mut ids,
                |r, n| gaps.push((r, n)),
                |r, ids| {
                    let mut ids = ids.to_vec();
                    ids.sort_unstable();
                    got.push((r, ids));
                },
            );
            let text = String::from_utf8_lossy(&hay);
            assert_eq!(got, want, "round {round}: {text:?}");
            let mut covered = 0;
            for (r, n) in &gaps {
                assert!(
                    r.start == 0 || hay[r.start - 1] == b'\n',
                    "round {round}: {r:?}"
                );
                assert_eq!(hay[r.end - 1], b'\n', "round {round}: {r:?}");
                let gap_lines: Vec<&[u8]> =
                    hay[r.start..r.end - 1].split(|&b| b == b'\n').collect();
                assert_eq!(gap_lines.len() as u64, *n, "round {round}: {r:?}");
                assert!(
                    gap_lines.iter().all(|l| is_plain(l)),
                    "round {round}: {r:?}"
                );
                assert!(
                    got.iter()
                        .all(|(f, _)| f.end <= r.start || f.start >= r.end)
                );
                covered += n;
            }
            if all_plain {
                let total = hay.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
                let last_open = !hay.is_empty() && hay.last() != Some(&b'\n');
                // Every line but an unended last one is a gap or found.
                let unended_gap =
                    usize::from(last_open && !got.iter().any(|(r, _)| r.end == hay.len()));
                assert_eq!(
                    covered as usize + got.len() + unended_gap,
                    total,
                    "round {round}: every line: {text:?}"
                );
            }
        }
    }
}
