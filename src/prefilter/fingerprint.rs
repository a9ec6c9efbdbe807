//! A searcher for a few dozen caseless literals and the fallback markers:
//! the second stage of a gate-first search (`Scanner::with_gate_first`),
//! which lists the literals of each line the first stage found.
//!
//! # The algorithm
//!
//! Each literal is reduced to a *window*, four adjacent bytes of it, and
//! the windows are spread over eight *buckets*. Four tables, one per byte
//! of a window, map a byte (its low seven bits) to the set of buckets
//! that hold a window with that byte there, both ASCII cases of a letter
//! included. A SIMD step loads the haystack at four successive offsets,
//! looks every byte up in its table with one `vpermi2b` each (a 128-entry
//! table in two registers: AVX-512 VBMI) and `and`s the four answers: a
//! position whose answer is not empty may start a window of one of those
//! buckets, and is confirmed on each of that bucket's literals, one at a
//! time. 64 positions cost four loads, four lookups and four `and`s,
//! however many literals there are.
//!
//! This is Teddy's idea (Hyperscan, the `aho-corasick` crate's packed
//! searcher) with two changes for logs. Teddy looks a byte up by its two
//! nibbles, and for text that is weak: every letter shares its high
//! nibble with a dozen others, and a caseless letter with two dozen, so
//! only the low nibble tells letters apart. A 7-bit lookup tells every
//! ASCII byte from every other. And Teddy keys on a literal's first
//! bytes, where API and cmdlet names share their most common words
//! (`Get`, `Open`, `Create`): in the generated corpus's PowerShell text
//! the seed rule's first trigrams occur once every 40 bytes. The window
//! is taken instead where the rule spells a word boundary (`GetProcAddress`
//! gives `tpro`, across `Get|Proc`): words are common, the joint of two is
//! not (`window_at`). Where the rule spells none, the window of the
//! rarest bytes by `line_finder`'s rank.
//!
//! The markers are tested as the line finder tests them (`Markers`), on
//! the same loads: a fallback line's literals may hide behind escapes, so
//! the caller must learn that the line holds one.
//!
//! It reports every occurrence of every literal (each occurrence holds its
//! window, so the position of that window passes), and its tests check it
//! against a naive search. It needs AVX-512 VBMI, at most
//! [`MAX_LITERALS`] caseless literals of at least [`WINDOW`] bytes, and
//! markers the line finder can test; [`FingerprintFinder::new`] answers
//! `None` otherwise and the caller keeps its engine.

#![allow(unsafe_code)]

use std::ops::Range;

use super::LiteralScanner;
use super::line_finder::{Markers, rank};

/// The most caseless literals a finder takes: beyond a few per bucket,
/// its buckets pass too often.
pub const MAX_LITERALS: usize = 64;
// The plan keeps the rules' spellings only for plans this search can take.
const _: () = assert!(MAX_LITERALS <= crate::compile::SPELLED_LITERALS);

/// The bytes of a literal's window.
pub const WINDOW: usize = 4;

const BUCKETS: usize = 8;

/// Finds a few dozen caseless literals and the fallback markers.
#[derive(Debug)]
pub struct FingerprintFinder {
    /// The caseless literals, lowercased (ids `0..lits.len()`).
    lits: Vec<Lit>,
    /// Each bucket's literals (indices into `lits`).
    buckets: [Vec<u32>; BUCKETS],
    /// Per byte of a window, the buckets each byte (`& 0x7F`) may be in.
    tables: [[u8; 128]; WINDOW],
    /// The byte-for-byte literals (ids after `lits`).
    markers: Markers,
}

#[derive(Debug)]
struct Lit {
    bytes: Vec<u8>,
    /// Where its window starts.
    at: usize,
    /// The window's bytes (little-endian), and the bits to set in the
    /// haystack's to compare them ASCII-caseless: 0x20 for each letter.
    window: u32,
    fold: u32,
}

impl FingerprintFinder {
    /// A finder for `caseless` literals (ASCII-caseless; `spellings[i]`,
    /// where given, is how the rules spell literal `i`, which places its
    /// window) and `exact` ones (byte for byte), or `None` where it does
    /// not apply (see the module documentation).
    pub fn new(
        caseless: &[Vec<u8>],
        spellings: &[Vec<u8>],
        exact: &[Vec<u8>],
    ) -> Option<FingerprintFinder> {
        if !vbmi() {
            return None;
        }
        Self::build(caseless, spellings, exact)
    }

    /// [`FingerprintFinder::new`] without the CPU check.
    fn build(
        caseless: &[Vec<u8>],
        spellings: &[Vec<u8>],
        exact: &[Vec<u8>],
    ) -> Option<FingerprintFinder> {
        if caseless.is_empty()
            || caseless.len() > MAX_LITERALS
            || caseless
                .iter()
                .any(|l| l.len() < WINDOW || l.contains(&b'\n'))
        {
            return None;
        }
        let markers = Markers::new(exact)?;
        let lits: Vec<Lit> = caseless
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let bytes = l.to_ascii_lowercase();
                let spelling = spellings
                    .get(i)
                    .map(Vec::as_slice)
                    .filter(|s| s.eq_ignore_ascii_case(&bytes));
                let at = window_at(&bytes, spelling);
                let w: [u8; WINDOW] = bytes[at..at + WINDOW].try_into().expect("a window");
                let fold = w.map(|c| if c.is_ascii_lowercase() { 0x20 } else { 0 });
                Lit {
                    window: u32::from_le_bytes(w),
                    fold: u32::from_le_bytes(fold),
                    bytes,
                    at,
                }
            })
            .collect();
        let windows: Vec<&[u8]> = lits.iter().map(|l| &l.bytes[l.at..l.at + WINDOW]).collect();
        let mut buckets: [Vec<u32>; BUCKETS] = Default::default();
        let mut tables = [[0u8; 128]; WINDOW];
        for (k, b) in assign_buckets(&windows).into_iter().enumerate() {
            buckets[b].push(k as u32);
            for (i, &c) in windows[k].iter().enumerate() {
                tables[i][usize::from(c & 0x7F)] |= 1 << b;
                if c.is_ascii_lowercase() {
                    tables[i][usize::from(c.to_ascii_uppercase())] |= 1 << b;
                }
            }
        }
        Some(FingerprintFinder {
            lits,
            buckets,
            tables,
            markers,
        })
    }

    /// The buckets whose windows may start at `pos` (one position, for the
    /// haystack's tail).
    fn buckets_at(&self, hay: &[u8], pos: usize) -> u8 {
        match hay.get(pos..pos + WINDOW) {
            Some(w) => (0..WINDOW).fold(0xFF, |acc, i| {
                acc & self.tables[i][usize::from(w[i] & 0x7F)]
            }),
            None => 0,
        }
    }

    /// Calls `visit(pos, buckets)` for each position of `hay` from `from`
    /// on, in order, where a window of `buckets` or a marker may start,
    /// until it answers `Some`; with `LINE`, only up to the first newline.
    /// Answers what `visit` answered and where the scan stopped: at that
    /// newline, else at the end of `hay` (or where `visit` answered).
    fn scan<T, const LINE: bool>(
        &self,
        hay: &[u8],
        from: usize,
        mut visit: impl FnMut(usize, u8) -> Option<T>,
    ) -> (Option<T>, usize) {
        #[cfg(target_arch = "x86_64")]
        if vbmi() {
            // SAFETY: the CPU runs AVX-512 VBMI (checked just above).
            return unsafe { x86::scan::<T, LINE>(self, hay, from, &mut visit) };
        }
        self.scan_scalar::<T, LINE>(hay, from, &mut visit)
    }

    /// [`FingerprintFinder::scan`] one position at a time.
    fn scan_scalar<T, const LINE: bool>(
        &self,
        hay: &[u8],
        from: usize,
        visit: &mut impl FnMut(usize, u8) -> Option<T>,
    ) -> (Option<T>, usize) {
        for pos in from..hay.len() {
            if LINE && hay[pos] == b'\n' {
                return (None, pos);
            }
            let buckets = self.buckets_at(hay, pos);
            if buckets == 0 && !self.markers.may_start(&hay[pos..]) {
                continue;
            }
            if let Some(found) = visit(pos, buckets) {
                return (Some(found), pos);
            }
        }
        (None, hay.len())
    }

    /// Pushes the id of every literal in the line of `hay` that starts at
    /// `start` (as [`LiteralScanner::literals_in`] would for it), and
    /// answers where that line ends: its newline, or the end of `hay`.
    ///
    /// PERF: one pass that also finds the line's end, where a `memchr` for
    /// it read the line first (3-4% of the seed rule's scan).
    pub fn line_literals(&self, hay: &[u8], start: usize, out: &mut Vec<u32>) -> usize {
        self.scan::<(), true>(hay, start, |pos, buckets| {
            self.confirm(hay, start, pos, buckets, |id, _| {
                out.push(id);
                false
            });
            None
        })
        .1
    }

    /// Calls `on(id, end)` for each literal of `buckets` whose window
    /// starts at `pos` and that starts at or after `start`, then for each
    /// marker at `pos`, until it answers true; answers whether it did.
    #[inline]
    fn confirm(
        &self,
        hay: &[u8],
        start: usize,
        pos: usize,
        buckets: u8,
        mut on: impl FnMut(u32, usize) -> bool,
    ) -> bool {
        if buckets != 0 {
            // PERF: most positions that pass hold no window: one compare
            // of four bytes rejects them.
            let window = hay
                .get(pos..pos + WINDOW)
                .map_or(0, |w| u32::from_le_bytes(w.try_into().expect("a window")));
            for b in BitIter(buckets) {
                for &k in &self.buckets[b] {
                    let lit = &self.lits[k as usize];
                    if window | lit.fold != lit.window {
                        continue;
                    }
                    let Some(x) = pos.checked_sub(lit.at).filter(|&x| x >= start) else {
                        continue;
                    };
                    let end = x + lit.bytes.len();
                    if hay
                        .get(x..end)
                        .is_some_and(|w| w.eq_ignore_ascii_case(&lit.bytes))
                        && on(k, end)
                    {
                        return true;
                    }
                }
            }
        }
        if self.markers.may_start(&hay[pos..]) {
            let n = self.lits.len() as u32;
            for i in self.markers.at(hay, pos) {
                if on(n + i as u32, pos + self.markers.lits[i].len()) {
                    return true;
                }
            }
        }
        false
    }
}

impl LiteralScanner for FingerprintFinder {
    type Scratch = ();

    fn new_scratch(&self) {}

    fn prepare(&self, _haystack: &[u8], _scratch: &mut ()) {}

    fn find(&self, haystack: &[u8], start: usize, _scratch: &mut ()) -> Option<usize> {
        self.scan::<usize, false>(haystack, start, |pos, buckets| {
            let mut first = None;
            self.confirm(haystack, start, pos, buckets, |_, end| {
                first = Some(end);
                true
            });
            first
        })
        .0
    }

    fn literals_in(
        &self,
        haystack: &[u8],
        range: Range<usize>,
        _scratch: &mut (),
        out: &mut Vec<u32>,
    ) {
        let line = &haystack[range];
        self.scan::<(), false>(line, 0, |pos, buckets| {
            self.confirm(line, 0, pos, buckets, |id, _| {
                out.push(id);
                false
            });
            None
        });
    }
}

/// The set bits of a bucket set.
struct BitIter(u8);

impl Iterator for BitIter {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(b)
    }
}

/// Where the window of `lit` (lowercase, [`WINDOW`] bytes or more) starts:
/// across a word boundary the rules spell (`spelling`: a lowercase letter
/// or digit, then an uppercase letter), the rarest such by
/// `line_finder::rank`; else the rarest window of all.
///
/// PERF: on the generated corpus's PowerShell lines (8 MB), the seed
/// rule's windows chosen by rank alone pass the buckets once every 120
/// bytes; across word boundaries, once every 640 (the rarest windows by
/// a count over the same text: once every 420).
fn window_at(lit: &[u8], spelling: Option<&[u8]>) -> usize {
    let last = lit.len() - WINDOW;
    let score = |&i: &usize| lit[i..i + WINDOW].iter().map(|&b| rank(b)).sum::<u32>();
    let boundaries = spelling.into_iter().flat_map(move |s| {
        (1..s.len())
            .filter(move |&t| {
                (s[t - 1].is_ascii_lowercase() || s[t - 1].is_ascii_digit())
                    && s[t].is_ascii_uppercase()
            })
            .map(move |t| t.saturating_sub(WINDOW / 2).min(last))
    });
    boundaries
        .min_by_key(score)
        .or_else(|| (0..=last).min_by_key(score))
        .expect("a literal of WINDOW bytes or more")
}

/// The bucket of each window: one at a time, into the bucket whose pass
/// rate grows least, estimated as the product over the window's bytes of
/// how many distinct bytes (ASCII-caseless) the bucket accepts there;
/// among equals, the emptiest.
fn assign_buckets(windows: &[&[u8]]) -> Vec<usize> {
    // Per bucket and byte of a window, the set of accepted bytes.
    let mut sets = [[0u128; WINDOW]; BUCKETS];
    let cost =
        |s: &[u128; WINDOW]| -> u64 { s.iter().map(|b| u64::from(b.count_ones())).product() };
    let mut sizes = [0usize; BUCKETS];
    windows
        .iter()
        .map(|w| {
            let with = |s: &[u128; WINDOW]| {
                let mut s = *s;
                for (i, &c) in w.iter().enumerate() {
                    s[i] |= 1 << (c & 0x7F);
                }
                s
            };
            let b = (0..BUCKETS)
                .min_by_key(|&b| (cost(&with(&sets[b])) - cost(&sets[b]), sizes[b]))
                .expect("buckets");
            sets[b] = with(&sets[b]);
            sizes[b] += 1;
            b
        })
        .collect()
}

/// Whether the CPU runs the SIMD kernel (the standard library caches the
/// answer).
fn vbmi() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vbmi")
            && std::arch::is_x86_feature_detected!("avx512bw")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (id, start) of every literal in `hay`, by a naive search.
    fn naive(caseless: &[Vec<u8>], exact: &[Vec<u8>], hay: &[u8]) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        for (id, l) in caseless.iter().chain(exact).enumerate() {
            for x in 0..hay.len() {
                let hit = hay.get(x..x + l.len()).is_some_and(|w| {
                    if id < caseless.len() {
                        w.eq_ignore_ascii_case(l)
                    } else {
                        w == l.as_slice()
                    }
                });
                if hit {
                    out.push((id as u32, x));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Every (id, start) the finder reports, with the SIMD kernel or not.
    fn found(f: &FingerprintFinder, simd: bool, hay: &[u8]) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        let mut visit = |pos: usize, buckets: u8| {
            f.confirm(hay, 0, pos, buckets, |id, end| {
                let len = match f.lits.get(id as usize) {
                    Some(l) => l.bytes.len(),
                    None => f.markers.lits[id as usize - f.lits.len()].len(),
                };
                out.push((id, end - len));
                false
            });
            None::<()>
        };
        #[cfg(target_arch = "x86_64")]
        if simd {
            // SAFETY: only where the CPU runs it.
            unsafe { x86::scan::<(), false>(f, hay, 0, &mut visit) };
        }
        if !simd {
            f.scan_scalar::<(), false>(hay, 0, &mut visit);
        }
        out.sort_unstable();
        out
    }

    fn seed() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let spellings: Vec<Vec<u8>> = [
            "CreateRemoteThread",
            "GetProcAddress",
            "OpenProcess",
            "OpenProcessToken",
            "VirtualAlloc",
            "memcpy",
            "WriteInt32",
            "Kernel32.dll",
            "lsass",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        let caseless = spellings.iter().map(|s| s.to_ascii_lowercase()).collect();
        (caseless, spellings)
    }

    #[test]
    fn windows_straddle_the_word_boundaries_the_rules_spell() {
        let window = |s: &str| {
            let lower = s.to_ascii_lowercase().into_bytes();
            let at = window_at(&lower, Some(s.as_bytes()));
            String::from_utf8(lower[at..at + WINDOW].to_vec()).unwrap()
        };
        // `Get|Proc` and `Proc|Address`: the rarer by rank.
        assert_eq!(window("GetProcAddress"), "ocad");
        assert_eq!(window("OpenProcess"), "enpr");
        assert_eq!(window("WriteInt32"), "tein");
        // The window stays inside the literal at either end.
        assert_eq!(window("aBcdef"), "abcd");
        assert_eq!(window("abcdeF"), "cdef");
        // No boundary: the rarest window by rank.
        assert_eq!(window("lsass"), "lsas");
        let lower = b"getprocaddress".to_vec();
        assert_eq!(window_at(&lower, None), window_at(&lower, Some(&lower)));
    }

    #[test]
    fn buckets_keep_unlike_windows_apart() {
        let w: Vec<&[u8]> = vec![b"abcd", b"abcd", b"wxyz", b"abce"];
        let b = assign_buckets(&w);
        // A repeated window costs nothing where it already is; a window
        // that costs as much in an empty bucket as in a used one goes to
        // the empty one.
        assert_eq!(b[0], b[1]);
        assert_ne!(b[0], b[2]);
        assert_ne!(b[3], b[0]);
        assert_ne!(b[3], b[2]);
    }

    #[test]
    fn declines_what_it_cannot_search() {
        let (caseless, spellings) = seed();
        let exact = crate::compile::literals::fallback_literals();
        assert!(FingerprintFinder::build(&caseless, &spellings, &exact).is_some());
        assert!(FingerprintFinder::build(&[b"abc".to_vec()], &[], &[]).is_none());
        assert!(FingerprintFinder::build(&[], &[], &exact).is_none());
        assert!(FingerprintFinder::build(&[b"ab\ncd".to_vec()], &[], &[]).is_none());
        let many: Vec<Vec<u8>> = (0..=MAX_LITERALS)
            .map(|i| format!("lit{i:04}").into_bytes())
            .collect();
        assert!(FingerprintFinder::build(&many, &[], &[]).is_none());
        let pairs: Vec<Vec<u8>> = vec![b"ab".to_vec(), b"cd".to_vec(), b"ef".to_vec()];
        assert!(FingerprintFinder::build(&caseless, &spellings, &pairs).is_none());
    }

    #[test]
    fn reports_every_occurrence_a_naive_search_finds() {
        let (caseless, spellings) = seed();
        let exact = crate::compile::literals::fallback_literals();
        let f = FingerprintFinder::build(&caseless, &spellings, &exact).expect("buildable");
        let mut next = crate::prefilter::test_rng(0x9E37_79B9_7F4A_7C15);
        let pieces: &[&[u8]] = &[
            b"CreateRemoteThread",
            b"createremotethreaD",
            b"GETPROCADDRESS",
            b"OpenProcessToken",
            b"openprocesstoke",
            b"VirtualAlloc",
            b"memcpy",
            b"MEMCPY",
            b"WriteInt32",
            b"WriteInt3",
            b"kernel32.DLL",
            b"LSASS",
            b"lsas",
            b"tein",
            b"enpr",
            b"\\u0041",
            b"\\U0041",
            b"&#",
            "\u{17F}".as_bytes(),
            "\u{212A}".as_bytes(),
            "\u{AE}".as_bytes(),
            b"\n",
            // Bytes that share a letter's low seven bits.
            b"\xE5\xEE\xF0\xF2",
        ];
        for round in 0..400 {
            let hay = crate::prefilter::test_haystack(&mut next, pieces, 40, b"ae.x", 90);
            let want = naive(&caseless, &exact, &hay);
            assert_eq!(found(&f, false, &hay), want, "round {round}, scalar");
            if vbmi() {
                assert_eq!(found(&f, true, &hay), want, "round {round}, simd");
            }
        }
    }

    /// The literal ids of the line starting at `start`, sorted, and where
    /// it ends, as `line_literals` finds them with the SIMD kernel or not.
    fn line_found(
        f: &FingerprintFinder,
        simd: bool,
        hay: &[u8],
        start: usize,
    ) -> (Vec<u32>, usize) {
        let mut ids = Vec::new();
        let mut visit = |pos: usize, buckets: u8| {
            f.confirm(hay, start, pos, buckets, |id, _| {
                ids.push(id);
                false
            });
            None::<()>
        };
        #[cfg(target_arch = "x86_64")]
        let end = if simd {
            // SAFETY: only where the CPU runs it.
            unsafe { x86::scan::<(), true>(f, hay, start, &mut visit) }.1
        } else {
            f.scan_scalar::<(), true>(hay, start, &mut visit).1
        };
        #[cfg(not(target_arch = "x86_64"))]
        let end = f.scan_scalar::<(), true>(hay, start, &mut visit).1;
        ids.sort_unstable();
        (ids, end)
    }

    #[test]
    fn lists_each_lines_literals_and_finds_its_end() {
        let (caseless, spellings) = seed();
        let exact = crate::compile::literals::fallback_literals();
        let f = FingerprintFinder::build(&caseless, &spellings, &exact).expect("buildable");
        let mut next = crate::prefilter::test_rng(0x2545_F491_4F6C_DD1D);
        let pieces: &[&[u8]] = &[
            b"OpenProcessToken",
            b"memcpy",
            b"\\u0041",
            b"lsass",
            b"\n",
            b"\n\n",
        ];
        for round in 0..300 {
            let mut hay = Vec::new();
            for _ in 0..next() % 30 {
                hay.extend_from_slice(pieces[next() % pieces.len()]);
                hay.extend(std::iter::repeat_n(b'x', next() % 150));
            }
            let all = naive(&caseless, &exact, &hay);
            let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', &hay).map(|i| i + 1));
            for start in starts.filter(|&s| s <= hay.len()) {
                let end = memchr::memchr(b'\n', &hay[start..]).map_or(hay.len(), |i| start + i);
                let mut want: Vec<u32> = all
                    .iter()
                    .filter(|&&(_, x)| x >= start && x < end)
                    .map(|&(id, _)| id)
                    .collect();
                want.sort_unstable();
                let want = (want, end);
                assert_eq!(
                    line_found(&f, false, &hay, start),
                    want,
                    "round {round}, scalar, line at {start}"
                );
                if vbmi() {
                    assert_eq!(
                        line_found(&f, true, &hay, start),
                        want,
                        "round {round}, simd, line at {start}"
                    );
                    let mut ids = Vec::new();
                    assert_eq!(f.line_literals(&hay, start, &mut ids), end);
                }
            }
        }
    }

    #[test]
    fn finds_the_first_occurrence_and_lists_a_lines_literals() {
        let (caseless, spellings) = seed();
        let exact = crate::compile::literals::fallback_literals();
        let Some(f) = FingerprintFinder::new(&caseless, &spellings, &exact) else {
            return;
        };
        let hay = b"xx OPENPROCESSTOKEN memcpy \\u0041 lsass\n".repeat(3);
        // From 3 on, `openprocess` ends first; from 4, inside it, `memcpy`.
        assert_eq!(f.find(&hay, 3, &mut ()), Some(14));
        assert_eq!(f.find(&hay, 4, &mut ()), Some(26));
        let mut ids = Vec::new();
        f.literals_in(&hay, 0..39, &mut (), &mut ids);
        ids.sort_unstable();
        let marker = exact.iter().position(|l| l == b"\\u0").unwrap() + caseless.len();
        assert_eq!(ids, [2, 3, 5, 8, marker as u32]);
    }
}
