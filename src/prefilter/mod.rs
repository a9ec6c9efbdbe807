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
#[cfg(feature = "hyperscan")]
pub mod hyperscan;

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
        ids.clear();
        scanner.literals_in(haystack, line_start..line_end, scratch, ids);
        if !ids.is_empty() {
            on_line(line_start..line_end, ids);
        }
        pos = line_end + 1;
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
pub enum Prefilter {
    /// Pure-Rust engine.
    Rust(aho::AhoScanner),
    /// Hyperscan engine.
    #[cfg(feature = "hyperscan")]
    Hyperscan(hyperscan::HsScanner),
    /// No prefilter at all.
    None,
}

/// Per-thread scratch for a [`Prefilter`].
pub enum PrefilterScratch {
    /// Scratch of the pure-Rust engine.
    Rust(<aho::AhoScanner as LiteralScanner>::Scratch),
    /// Scratch of the Hyperscan engine.
    #[cfg(feature = "hyperscan")]
    Hyperscan(<hyperscan::HsScanner as LiteralScanner>::Scratch),
    /// Nothing to keep.
    None,
}

impl Prefilter {
    /// Builds the engine `kind` for `literals` (ASCII-caseless, no `\n`).
    pub fn build(kind: EngineKind, literals: &[Vec<u8>]) -> Result<Prefilter, BuildError> {
        match kind {
            EngineKind::None => Ok(Prefilter::None),
            EngineKind::Rust => Ok(Prefilter::Rust(aho::AhoScanner::new(literals)?)),
            #[cfg(feature = "hyperscan")]
            EngineKind::Hyperscan | EngineKind::Auto => {
                Ok(Prefilter::Hyperscan(hyperscan::HsScanner::new(literals)?))
            }
            #[cfg(not(feature = "hyperscan"))]
            EngineKind::Auto => Ok(Prefilter::Rust(aho::AhoScanner::new(literals)?)),
            #[cfg(not(feature = "hyperscan"))]
            EngineKind::Hyperscan => Err(BuildError(
                "the hyperscan engine is not compiled in: rebuild with `--features hyperscan` \
                 (needs libhyperscan-dev)"
                    .into(),
            )),
        }
    }

    /// The engine actually built.
    pub fn kind(&self) -> EngineKind {
        match self {
            Prefilter::Rust(_) => EngineKind::Rust,
            #[cfg(feature = "hyperscan")]
            Prefilter::Hyperscan(_) => EngineKind::Hyperscan,
            Prefilter::None => EngineKind::None,
        }
    }

    /// A fresh per-thread scratch.
    pub fn new_scratch(&self) -> PrefilterScratch {
        match self {
            Prefilter::Rust(s) => PrefilterScratch::Rust(s.new_scratch()),
            #[cfg(feature = "hyperscan")]
            Prefilter::Hyperscan(s) => PrefilterScratch::Hyperscan(s.new_scratch()),
            Prefilter::None => PrefilterScratch::None,
        }
    }

    /// Runs [`for_each_candidate_line`] with this engine. Returns `false`
    /// (and calls nothing) for [`Prefilter::None`]: the caller must then treat
    /// every line as a candidate.
    pub fn candidate_lines(
        &self,
        haystack: &[u8],
        scratch: &mut PrefilterScratch,
        ids: &mut Vec<u32>,
        on_line: impl FnMut(Range<usize>, &[u32]),
    ) -> bool {
        match (self, scratch) {
            (Prefilter::Rust(s), PrefilterScratch::Rust(sc)) => {
                for_each_candidate_line(s, haystack, sc, ids, on_line);
                true
            }
            #[cfg(feature = "hyperscan")]
            (Prefilter::Hyperscan(s), PrefilterScratch::Hyperscan(sc)) => {
                for_each_candidate_line(s, haystack, sc, ids, on_line);
                true
            }
            (Prefilter::None, _) => false,
            #[allow(unreachable_patterns)]
            _ => panic!("BUG: prefilter scratch of another engine"),
        }
    }
}
