//! The pure-Rust prefilter engine: fold the chunk to ASCII lowercase, a
//! block at a time, and search it case-sensitively for the lowercased
//! literals.
//!
//! A caseless Aho-Corasick automaton doubles the alphabet it must track and
//! loses the packed (Teddy) SIMD searcher; measured here it runs at about
//! 0.5 GB/s on the seed rule's 38 literals, against 3.5 GB/s case-sensitive
//! (../shared/DESIGN.md). Lowercasing a chunk is a branch-free byte map the
//! compiler vectorises (roughly memory speed), so "lowercase, then search
//! case-sensitively" keeps most of the case-sensitive speed. ASCII folding is
//! exactly the contract of this module; non-ASCII case folding is the compile
//! layer's business (it never hands us literals that need it).
//!
//! The copy is made [`BLOCK`] bytes at a time, each block extended by the
//! longest literal less one byte so that an occurrence starting in it lies
//! wholly in the copy, and searched while it is still in the core's cache.
//! PERF: lowercasing a whole 4 MiB chunk first wrote it out of L2 and read
//! it back for the search.
//!
//! Two automata are built from the same literals: a leftmost-first one for
//! `find` (it can use the packed searcher and a prefilter), and a standard one
//! whose overlapping iterator lists every literal of a candidate line.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{BuildError, LiteralScanner};

/// Bytes of haystack lowercased at a time. PERF: the seed rule's 38
/// literals and the fallback markers over 300 MB of the generated corpus,
/// one core, the haystack lowercased whole in pieces of: 4 MiB (a chunk)
/// 1.53 GB/s, 256 KiB 1.72, 64 KiB 1.77, 32 KiB 1.64. In the scan, user
/// time 0.91 -> 0.84 s (generated corpus), 1.10 -> 0.84 s (Mordor).
pub const BLOCK: usize = 64 << 10;

/// Pure-Rust ASCII-caseless multi-literal scanner.
pub struct AhoScanner {
    find: Option<AhoCorasick>,
    all: Option<AhoCorasick>,
    caseless: bool,
    /// Length of the longest literal.
    max_len: usize,
    /// Bytes lowercased at a time: [`BLOCK`], except in tests.
    block: usize,
}

/// Per-thread state: the lowercased copy of the haystack's current block
/// (`lower` holds `haystack[base..]`: the block, which ends at `block_end`,
/// and the overlap after it), and a buffer for a line outside it.
pub struct AhoScratch {
    lower: Vec<u8>,
    base: usize,
    block_end: usize,
    line: Vec<u8>,
}

impl AhoScanner {
    /// Builds the scanner. An empty literal list gives a scanner that never
    /// finds anything.
    pub fn new(literals: &[Vec<u8>]) -> Result<AhoScanner, BuildError> {
        Self::build(literals, true)
    }

    /// A case-sensitive scanner over the raw bytes (no lowercased copy),
    /// for literals whose case matters, such as JSON's `\u` escape.
    pub fn new_exact(literals: &[Vec<u8>]) -> Result<AhoScanner, BuildError> {
        Self::build(literals, false)
    }

    fn build(literals: &[Vec<u8>], caseless: bool) -> Result<AhoScanner, BuildError> {
        if literals.is_empty() {
            return Ok(AhoScanner {
                find: None,
                all: None,
                caseless,
                max_len: 0,
                block: BLOCK,
            });
        }
        if literals.iter().any(|l| l.is_empty() || l.contains(&b'\n')) {
            return Err(BuildError(
                "BUG: empty literal or literal with a newline".into(),
            ));
        }
        let lowered: Vec<Vec<u8>> = if caseless {
            literals.iter().map(|l| l.to_ascii_lowercase()).collect()
        } else {
            literals.to_vec()
        };
        let find = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&lowered)
            .map_err(|e| BuildError(format!("aho-corasick: {e}")))?;
        // PERF: the overlapping pass runs over every candidate line; a DFA
        // is several times faster there than the default NFA for thousands
        // of literals (measured on mordor with all SigmaHQ Windows rules:
        // the NFA's `try_find_overlapping_fwd` took 44% of the profile).
        let all = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&lowered)
            .map_err(|e| BuildError(format!("aho-corasick: {e}")))?;
        Ok(AhoScanner {
            find: Some(find),
            all: Some(all),
            caseless,
            max_len: literals.iter().map(Vec::len).max().unwrap_or(0),
            block: BLOCK,
        })
    }

    /// Lowercases the block of `haystack` that starts at `start`, with the
    /// overlap after it, into the scratch.
    fn lower_block(&self, haystack: &[u8], start: usize, scratch: &mut AhoScratch) {
        let block_end = haystack.len().min(start.saturating_add(self.block));
        let end = haystack
            .len()
            .min(block_end.saturating_add(self.max_len.saturating_sub(1)));
        ascii_lowercase_into(&haystack[start..end], &mut scratch.lower);
        scratch.base = start;
        scratch.block_end = block_end;
    }
}

/// Writes the ASCII-lowercase form of `src` into `dst` (resized to fit).
///
/// PERF: written as a plain byte map so LLVM vectorises it; measured by the
/// `prefilter` bench group (`lowercase`), close to a memcpy.
#[inline]
pub fn ascii_lowercase_into(src: &[u8], dst: &mut Vec<u8>) {
    // PERF: `extend` from an exact-size map writes each byte once; the
    // earlier `resize` + overwrite zero-filled the buffer first (8% of a
    // seed-rule scan in `perf`).
    dst.clear();
    dst.extend(
        src.iter()
            .map(|&s| s | (((s.wrapping_sub(b'A') < 26) as u8) << 5)),
    );
}

impl LiteralScanner for AhoScanner {
    type Scratch = AhoScratch;

    fn new_scratch(&self) -> AhoScratch {
        AhoScratch {
            lower: Vec::new(),
            base: 0,
            block_end: 0,
            line: Vec::new(),
        }
    }

    fn prepare(&self, _haystack: &[u8], scratch: &mut AhoScratch) {
        // A new haystack: no block of it is lowercased yet.
        scratch.lower.clear();
        scratch.base = 0;
        scratch.block_end = 0;
    }

    fn find(&self, haystack: &[u8], start: usize, scratch: &mut AhoScratch) -> Option<usize> {
        let ac = self.find.as_ref()?;
        if !self.caseless {
            return ac.find(&haystack[start..]).map(|m| start + m.end());
        }
        let mut start = start;
        while start < haystack.len() {
            if !(scratch.base..scratch.block_end).contains(&start) {
                self.lower_block(haystack, start, scratch);
            }
            let from = start - scratch.base;
            // The leftmost occurrence that starts in the block lies wholly
            // in the copy; one that starts after the block is looked for
            // again from the next block, where a longer one may start
            // first.
            match ac.find(&scratch.lower[from..]) {
                Some(m) if scratch.base + from + m.start() < scratch.block_end => {
                    return Some(scratch.base + from + m.end());
                }
                _ => start = scratch.block_end,
            }
        }
        None
    }

    fn literals_in(
        &self,
        haystack: &[u8],
        range: Range<usize>,
        scratch: &mut AhoScratch,
        out: &mut Vec<u32>,
    ) {
        let Some(ac) = self.all.as_ref() else { return };
        let lowered = scratch.base..scratch.base + scratch.lower.len();
        let hay = if !self.caseless {
            &haystack[range]
        } else if lowered.start <= range.start && range.end <= lowered.end {
            &scratch.lower[range.start - lowered.start..range.end - lowered.start]
        } else {
            // The line reaches outside the lowercased block.
            ascii_lowercase_into(&haystack[range], &mut scratch.line);
            &scratch.line[..]
        };
        for m in ac.find_overlapping_iter(hay) {
            out.push(m.pattern().as_u32());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefilter::{candidate_lines, for_each_candidate_line};

    fn lines(lits: &[&str], hay: &str) -> Vec<(String, Vec<u32>)> {
        let lits: Vec<Vec<u8>> = lits.iter().map(|s| s.as_bytes().to_vec()).collect();
        let s = AhoScanner::new(&lits).unwrap();
        let mut scratch = s.new_scratch();
        let mut ids = Vec::new();
        let mut out = Vec::new();
        for_each_candidate_line(&s, hay.as_bytes(), &mut scratch, &mut ids, |r, ids| {
            let mut ids = ids.to_vec();
            ids.sort();
            ids.dedup();
            out.push((hay[r].to_string(), ids));
        });
        out
    }

    #[test]
    fn lowercase_maps_only_ascii_letters() {
        let src: Vec<u8> = (0..=255u8).collect();
        let mut dst = Vec::new();
        ascii_lowercase_into(&src, &mut dst);
        for (i, &b) in dst.iter().enumerate() {
            assert_eq!(b, (i as u8).to_ascii_lowercase());
        }
    }

    #[test]
    fn overlapping_literals_are_all_reported() {
        let got = lines(&["abcd", "cdef", "zz"], "xx\nABCDEF\nnone\nzZ");
        assert_eq!(
            got,
            vec![
                ("ABCDEF".to_string(), vec![0, 1]),
                ("zZ".to_string(), vec![2])
            ]
        );
    }

    #[test]
    fn exact_scanner_keeps_case() {
        let lits = vec![b"\\u0".to_vec()];
        let s = AhoScanner::new_exact(&lits).unwrap();
        let mut scratch = s.new_scratch();
        let mut ids = Vec::new();
        let mut got = Vec::new();
        let hay = b"a\\U0\nb\\u0\n";
        for_each_candidate_line(&s, hay, &mut scratch, &mut ids, |r, _| got.push(r));
        assert_eq!(got, vec![5..9]);
    }

    #[test]
    fn blocks_find_what_one_whole_copy_finds() {
        // Literals of several lengths over haystacks that put them across
        // every block boundary, in both cases, for blocks shorter and
        // longer than the literals.
        let lits: Vec<Vec<u8>> = ["abcd", "cdef", "xyz", "q"]
            .map(|l| l.as_bytes().to_vec())
            .to_vec();
        let mut whole = AhoScanner::new(&lits).unwrap();
        whole.block = usize::MAX;
        let alphabet = b"abcdefxyzq\nABCDEFXYZQ ";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..400 {
            let len = (next() % 100) as usize;
            let hay: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let want = candidate_lines(&whole, &hay);
            for block in [1, 2, 3, 5, 8, 64] {
                let mut s = AhoScanner::new(&lits).unwrap();
                s.block = block;
                assert_eq!(
                    candidate_lines(&s, &hay),
                    want,
                    "block {block}, {:?}",
                    String::from_utf8_lossy(&hay)
                );
            }
        }
    }

    #[test]
    fn no_literals_finds_nothing() {
        assert!(lines(&[], "anything\n").is_empty());
    }
}
