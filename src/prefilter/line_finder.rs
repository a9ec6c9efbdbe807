//! A line finder for a few literals: the first stage of a gate-first search
//! (`Scanner::with_gate_first`), which needs only the lines that hold one
//! of a plan's few channel names (ASCII-caseless) or a fallback marker
//! (byte for byte), not which literal each line holds.
//!
//! # The algorithm
//!
//! Each literal is reduced to a *pair test* on two adjacent bytes of it.
//! An exact literal is tested on its first two bytes, byte for byte; a
//! caseless one on its rarest pair ([`rarest_pair`]), both bytes compared
//! with their `0x20` bit set, which makes a letter's two cases equal (and
//! folds a few punctuation bytes together: an over-report the confirmation
//! below removes). Exact literals that open with a byte of 0x80 or above
//! (the UTF-8 of the fold-to-ASCII characters) share one test, "a byte at
//! or above the least such lead byte", which real logs rarely pass (about
//! 80 bytes in a million of the generated corpus).
//!
//! A SIMD step loads the haystack twice, at a position and one byte on,
//! sets the `0x20` bit of each copy once, and runs every test as two
//! compares, `or`ed into one mask: 32 positions (AVX2) or 64 (AVX-512BW)
//! in a dozen vector instructions, whatever the text. A position that
//! passes is confirmed on the whole literal, one position at a time.
//! Because every test reads the same two loads, a literal's pair must be
//! adjacent; [`rarest_pair`] chooses it away from the text every Windows
//! record holds ([`COMMON_TEXT`]), where a pair would pass on every line.
//!
//! A Teddy-style matcher (Hyperscan's, or the `aho-corasick` crate's packed
//! searcher) keys on a literal's first bytes instead, and pays for every
//! false candidate those share with common text: every Windows record
//! names some `Microsoft-Windows-…` provider, and paths hold `\\`
//! everywhere. PERF: see `src/prefilter/README.md` ("The gate stage's line
//! finder") for the measurements against Hyperscan's line finder.
//!
//! It finds exactly the lines that hold a literal (in its case mode), and
//! its tests check it against a naive search. It needs AVX2 (or AVX-512BW),
//! at most [`MAX_CASELESS`] caseless literals, at most [`MAX_EXACT_PAIRS`]
//! distinct leading pairs of exact literals that open with an ASCII byte,
//! and literals of two bytes or more; [`LineFinder::new`] answers `None`
//! otherwise and the caller uses an engine's own line finder.

#![allow(unsafe_code)]

use std::ops::Range;

use super::LiteralScanner;

/// The most caseless literals a finder tests.
pub const MAX_CASELESS: usize = 4;

/// The most distinct leading pairs of ASCII-led exact literals it tests.
pub const MAX_EXACT_PAIRS: usize = 2;

/// Text that every Windows event record in the evtx_dump layout holds (the
/// provider and channel prefix, the element names), lowercased: a pair
/// found in it would pass on every line.
pub const COMMON_TEXT: &[&[u8]] = &[
    b"microsoft-windows-",
    b"{\"event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"}",
    b"\"system\":{\"provider\":{\"#attributes\":{\"name\":",
    b"\"guid\":",
    b"\"eventid\":",
    b"\"version\":",
    b"\"level\":",
    b"\"task\":",
    b"\"opcode\":",
    b"\"keywords\":",
    b"\"timecreated\":{\"#attributes\":{\"systemtime\":",
    b"\"eventrecordid\":",
    b"\"correlation\":",
    b"\"execution\":{\"#attributes\":{\"processid\":",
    b"\"threadid\":",
    b"\"channel\":",
    b"\"computer\":",
    b"\"security\":{\"#attributes\":{\"userid\":",
    b"\"eventdata\":{",
];

/// A pair test: the bytes at a position and the next, each `or`ed with
/// `or` (0x20 for a caseless literal, 0 for an exact one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pair {
    pub(super) or: u8,
    pub(super) first: u8,
    pub(super) second: u8,
}

/// Finds the lines of a haystack that hold one of a few literals.
#[derive(Debug)]
pub struct LineFinder {
    /// ASCII-caseless literals, lowercased (ids `0..caseless.len()`), each
    /// with the offset of its tested pair.
    caseless: Vec<(Vec<u8>, usize)>,
    /// The caseless literals' pairs (`or` 0x20), in `caseless` order.
    caseless_pairs: Vec<Pair>,
    /// The byte-for-byte literals (the ids after) and their tests.
    markers: Markers,
}

/// What a walking search ([`LineFinder::find_walking`]) saw of the lines
/// it passed, for the caller to count them without reading them again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Walked {
    /// The newlines it passed.
    pub newlines: u64,
    /// The last of them.
    pub last: Option<usize>,
    /// Whether one of them lacks a `}` before it (or is the first byte
    /// searched) or a `{` after it (unless it ends the haystack): the lines
    /// they end may not all be plain `{…}` lines. The first line's opening
    /// is the caller's to check.
    pub odd: bool,
}

impl Walked {
    /// Notes the newline at `at`, in a search from `start`.
    #[inline]
    fn newline(&mut self, hay: &[u8], start: usize, at: usize) {
        self.newlines += 1;
        self.last = Some(at);
        let closed = at > start && hay[at - 1] == b'}';
        let opens = hay.get(at + 1).is_none_or(|&b| b == b'{');
        self.odd |= !(closed && opens);
    }

    /// Notes the newlines of `bits` (a bit per byte from `at`).
    #[inline]
    fn newlines(&mut self, hay: &[u8], start: usize, at: usize, mut bits: u64) {
        while bits != 0 {
            self.newline(hay, start, at + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// Byte-for-byte literals (the fallback markers) and the tests that find
/// them: the distinct leading pairs of those with an ASCII lead (at most
/// [`MAX_EXACT_PAIRS`]), and "a byte at or above the least lead byte" for
/// the others. Shared with `fingerprint::FingerprintFinder`.
#[derive(Debug)]
pub(super) struct Markers {
    /// The literals, in id order.
    pub(super) lits: Vec<Vec<u8>>,
    /// The distinct leading pairs of the literals with an ASCII lead.
    pub(super) pairs: Vec<Pair>,
    /// The least lead byte of a literal opening with a byte >= 0x80.
    pub(super) high: Option<u8>,
}

impl Markers {
    /// The tests for `exact`, or `None` where they need more than
    /// [`MAX_EXACT_PAIRS`] pairs or a literal is shorter than two bytes or
    /// holds a newline.
    pub(super) fn new(exact: &[Vec<u8>]) -> Option<Markers> {
        let mut pairs = Vec::new();
        let mut high = None::<u8>;
        for lit in exact {
            if lit.len() < 2 || lit.contains(&b'\n') {
                return None;
            }
            if lit[0] >= 0x80 {
                high = Some(high.map_or(lit[0], |h| h.min(lit[0])));
                continue;
            }
            let pair = Pair {
                or: 0,
                first: lit[0],
                second: lit[1],
            };
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
        (pairs.len() <= MAX_EXACT_PAIRS).then(|| Markers {
            lits: exact.to_vec(),
            pairs,
            high,
        })
    }

    /// Whether a literal may start `rest`: its tests pass there.
    #[inline]
    pub(super) fn may_start(&self, rest: &[u8]) -> bool {
        let (Some(&a), b) = (rest.first(), rest.get(1).copied()) else {
            return false;
        };
        self.high.is_some_and(|h| a >= h)
            || self
                .pairs
                .iter()
                .any(|p| p.first == a && Some(p.second) == b)
    }

    /// The indices of the literals that start at `pos`.
    #[inline]
    pub(super) fn at<'a>(&'a self, hay: &'a [u8], pos: usize) -> impl Iterator<Item = usize> + 'a {
        let rest = &hay[pos..];
        // PERF: the first byte before the call to `memcmp` (4-5% of the
        // seed rule's scan of the generated corpus, at each non-ASCII
        // character of its scripts).
        (0..self.lits.len()).filter(move |&i| {
            let lit = &self.lits[i];
            lit.first() == rest.first() && rest.starts_with(lit)
        })
    }
}

impl LineFinder {
    /// A finder for `caseless` literals (ASCII-caseless) and `exact` ones,
    /// or `None` where it does not apply: no AVX2, a literal shorter than
    /// two bytes or holding a newline, more literals or pairs than it tests.
    pub fn new(caseless: &[Vec<u8>], exact: &[Vec<u8>]) -> Option<LineFinder> {
        Kernel::best()?;
        Self::build(caseless, exact)
    }

    /// [`LineFinder::new`] without the CPU check.
    fn build(caseless: &[Vec<u8>], exact: &[Vec<u8>]) -> Option<LineFinder> {
        let all = caseless.iter().chain(exact);
        if caseless.len() > MAX_CASELESS || all.clone().any(|l| l.len() < 2 || l.contains(&b'\n')) {
            return None;
        }
        let caseless: Vec<(Vec<u8>, usize)> = caseless
            .iter()
            .map(|l| {
                let l = l.to_ascii_lowercase();
                let at = rarest_pair(&l);
                (l, at)
            })
            .collect();
        let caseless_pairs = caseless
            .iter()
            .map(|(l, at)| Pair {
                or: 0x20,
                first: l[*at] | 0x20,
                second: l[at + 1] | 0x20,
            })
            .collect();
        Some(LineFinder {
            caseless,
            caseless_pairs,
            markers: Markers::new(exact)?,
        })
    }

    /// The end of a literal whose tested pair starts at `pos`, if there is
    /// one that starts at or after `start`.
    #[inline]
    fn confirm(&self, hay: &[u8], start: usize, pos: usize) -> Option<usize> {
        for (lit, at) in &self.caseless {
            let Some(x) = pos.checked_sub(*at).filter(|&x| x >= start) else {
                continue;
            };
            if hay
                .get(x..x + lit.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(lit))
            {
                return Some(x + lit.len());
            }
        }
        self.markers
            .at(hay, pos)
            .next()
            .map(|i| pos + self.markers.lits[i].len())
    }

    /// [`LiteralScanner::find`] one position at a time, from `from` on,
    /// noting the newlines it passes in `walk`.
    fn find_scalar(
        &self,
        hay: &[u8],
        start: usize,
        from: usize,
        mut walk: Option<&mut Walked>,
    ) -> Option<usize> {
        (from..hay.len()).find_map(|pos| {
            if hay[pos] == b'\n'
                && let Some(w) = walk.as_deref_mut()
            {
                w.newline(hay, start, pos);
            }
            self.confirm(hay, start, pos)
        })
    }

    /// [`LiteralScanner::find`] with the SIMD kernel `kernel`, noting the
    /// newlines before the line it finds in `walk`.
    fn find_with(
        &self,
        kernel: Kernel,
        hay: &[u8],
        start: usize,
        walk: Option<&mut Walked>,
    ) -> Option<usize> {
        match kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::best` and the tests only hand out a kernel
            // the CPU runs.
            Kernel::Avx2 => unsafe { x86::find_avx2(self, hay, start, walk) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Kernel::Avx512 => unsafe { x86::find_avx512(self, hay, start, walk) },
            Kernel::Scalar => self.find_scalar(hay, start, start, walk),
        }
    }

    /// [`LiteralScanner::find`] that also notes, in `walk`, the newlines of
    /// the lines it passes before the one it finds (all of them when it
    /// finds none), as it reads them.
    ///
    /// PERF: the scan counted and shape-checked every line in a second
    /// pass over each chunk (`memchr` per line: 6% of the seed rule's scan
    /// of the generated corpus, 10% of Mordor's); the lines this search
    /// passes, most of them, it now reads once.
    pub fn find_walking(&self, hay: &[u8], start: usize, walk: &mut Walked) -> Option<usize> {
        self.find_with(
            Kernel::best().unwrap_or(Kernel::Scalar),
            hay,
            start,
            Some(walk),
        )
    }
}

impl LiteralScanner for LineFinder {
    type Scratch = ();

    fn new_scratch(&self) {}

    fn prepare(&self, _haystack: &[u8], _scratch: &mut ()) {}

    fn find(&self, haystack: &[u8], start: usize, _scratch: &mut ()) -> Option<usize> {
        self.find_with(
            Kernel::best().unwrap_or(Kernel::Scalar),
            haystack,
            start,
            None,
        )
    }

    fn literals_in(
        &self,
        haystack: &[u8],
        range: Range<usize>,
        _scratch: &mut (),
        out: &mut Vec<u32>,
    ) {
        let line = &haystack[range];
        let holds = |l: &[u8], caseless: bool| {
            line.windows(l.len()).any(|w| {
                if caseless {
                    w.eq_ignore_ascii_case(l)
                } else {
                    w == l
                }
            })
        };
        let held = self.caseless.iter().map(|(l, _)| holds(l, true));
        let held = held.chain(self.markers.lits.iter().map(|l| holds(l, false)));
        out.extend(
            held.enumerate()
                .filter(|&(_, h)| h)
                .map(|(id, _)| id as u32),
        );
    }
}

/// The SIMD kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// One position at a time.
    Scalar,
}

impl Kernel {
    /// The widest kernel the CPU runs (the standard library caches the
    /// CPU's answer), or `None` without AVX2.
    fn best() -> Option<Kernel> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bw") {
                return Some(Kernel::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Some(Kernel::Avx2);
            }
        }
        None
    }
}

/// How common a byte is in event logs written as JSON, ASCII-caseless
/// (higher is more common): the quotes, separators and digits of JSON
/// first, then the letters by their frequency in English text, then the
/// punctuation of paths and names, then the rest.
pub(super) fn rank(b: u8) -> u32 {
    const LETTERS: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";
    let b = b.to_ascii_lowercase();
    if let Some(i) = LETTERS.iter().position(|&l| l == b) {
        return 240 - 8 * i as u32;
    }
    match b {
        b'"' | b':' | b',' | b' ' | b'{' | b'}' | b'0'..=b'9' => 255,
        b'-' | b'.' | b'/' | b'\\' | b'_' => 120,
        _ => 30,
    }
}

/// The offset of the pair of adjacent bytes of `lit` (lowercase, two bytes
/// or more) to test: the rarest by [`rank`], among the pairs that
/// [`COMMON_TEXT`] does not hold where there are such, the first of equals.
fn rarest_pair(lit: &[u8]) -> usize {
    let common = |w: &[u8]| COMMON_TEXT.iter().any(|t| t.windows(2).any(|c| c == w));
    (0..lit.len() - 1)
        .min_by_key(|&i| {
            let w = &lit[i..i + 2];
            (common(w), rank(w[0]) + rank(w[1]))
        })
        .expect("a literal of two bytes or more")
}

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines holding a literal, by a naive search.
    fn naive(caseless: &[Vec<u8>], exact: &[Vec<u8>], hay: &[u8]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for line in hay.split(|&b| b == b'\n') {
            let has = |l: &Vec<u8>, ci: bool| {
                line.windows(l.len()).any(|w| {
                    if ci {
                        w.eq_ignore_ascii_case(l)
                    } else {
                        w == l.as_slice()
                    }
                })
            };
            if caseless.iter().any(|l| has(l, true)) || exact.iter().any(|l| has(l, false)) {
                out.push(start..start + line.len());
            }
            start += line.len() + 1;
        }
        out
    }

    /// The lines `kernel` finds, as the candidate-line driver walks them.
    fn found(f: &LineFinder, kernel: Kernel, hay: &[u8]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < hay.len() {
            let Some(end) = f.find_with(kernel, hay, pos, None) else {
                break;
            };
            let s = memchr::memrchr(b'\n', &hay[pos..end - 1]).map_or(pos, |i| pos + i + 1);
            let e = memchr::memchr(b'\n', &hay[end - 1..]).map_or(hay.len(), |i| end - 1 + i);
            out.push(s..e);
            pos = e + 1;
        }
        out
    }

    /// The kernels this CPU runs.
    fn kernels() -> Vec<Kernel> {
        let mut out = vec![Kernel::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                out.push(Kernel::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                out.push(Kernel::Avx512);
            }
        }
        out
    }

    #[test]
    fn pairs_stay_out_of_common_text() {
        let pair = |lit: &[u8]| {
            let at = rarest_pair(lit);
            lit[at..at + 2].to_vec()
        };
        // `ow` and `-w` are rarer by rank, but every record holds them.
        assert_eq!(pair(b"microsoft-windows-powershell"), b"-p");
        assert_eq!(pair(b"powershellcore"), b"lc");
        assert_eq!(pair(b"ab"), b"ab");
        // Where every pair is common, the rarest of them, the first of
        // equals (`ev` and `ve` rank alike).
        assert_eq!(pair(b"\"eventid\":"), b"ev");
        assert_eq!(pair(b"system"), b"sy");
    }

    #[test]
    fn declines_what_it_cannot_test() {
        assert!(LineFinder::build(&[b"x".to_vec()], &[]).is_none());
        assert!(LineFinder::build(&[], &[b"a\nb".to_vec()]).is_none());
        let many: Vec<Vec<u8>> = (0..=MAX_CASELESS as u8)
            .map(|i| vec![b'a' + i, b'z'])
            .collect();
        assert!(LineFinder::build(&many, &[]).is_none());
        let pairs: Vec<Vec<u8>> = (0..=MAX_EXACT_PAIRS as u8)
            .map(|i| vec![b'a' + i, b'z'])
            .collect();
        assert!(LineFinder::build(&[], &pairs).is_none());
        // Non-ASCII leads share one test; literals with one leading pair one.
        let mut shared: Vec<Vec<u8>> = (0..20u8).map(|i| vec![0xC3 + i, 0x80]).collect();
        shared.extend((b'0'..=b'9').map(|d| vec![b'\\', b'u', d]));
        assert!(LineFinder::build(&[], &shared).is_some());
    }

    #[test]
    fn finds_the_lines_a_naive_search_finds() {
        let caseless = vec![
            b"microsoft-windows-powershell".to_vec(),
            b"powershellcore".to_vec(),
            b"Sysmon".to_vec(),
        ];
        let exact = crate::compile::literals::fallback_literals();
        let f = LineFinder::build(&caseless, &exact).expect("buildable");
        let mut next = crate::prefilter::test_rng(0x2545_F491_4F6C_DD1D);
        let pieces: &[&[u8]] = &[
            b"Microsoft-Windows-PowerShell",
            b"MICROSOFT-WINDOWS-POWERSHEL",
            b"PowerShellCore",
            b"powershellcor",
            b"Microsoft-Windows-Security",
            b"sysMON",
            b"\\u0041",
            b"\\uZ",
            b"\\U0041",
            b"&#",
            b"&",
            "\u{17F}".as_bytes(),
            "\u{212A}".as_bytes(),
            "\u{AE}".as_bytes(),
            "\u{200E}".as_bytes(),
            b"\n",
            b"\n",
            b"\n",
            b"{\"a\":1}",
            b"lC",
            b"-P",
            b"\x0c\x0d",
        ];
        for round in 0..600 {
            let hay = crate::prefilter::test_haystack(&mut next, pieces, 60, b"a", 70);
            let want = naive(&caseless, &exact, &hay);
            for kernel in kernels() {
                assert_eq!(
                    found(&f, kernel, &hay),
                    want,
                    "round {round}, {kernel:?}: {:?}",
                    String::from_utf8_lossy(&hay)
                );
            }
        }
    }

    /// What a walking search from `start` should note: the newlines before
    /// the line holding the first literal (all, without one), the last of
    /// them, and whether one lacks a `}` before or a `{` after it.
    fn naive_walk(f: &LineFinder, hay: &[u8], start: usize) -> Walked {
        let caseless: Vec<Vec<u8>> = f.caseless.iter().map(|(l, _)| l.clone()).collect();
        let upto = naive(&caseless, &f.markers.lits, &hay[start..])
            .first()
            .map_or(hay.len(), |r| start + r.start);
        let mut w = Walked::default();
        for at in (start..upto).filter(|&i| hay[i] == b'\n') {
            w.newlines += 1;
            w.last = Some(at);
            let closed = at > start && hay[at - 1] == b'}';
            let opens = at + 1 == hay.len() || hay[at + 1] == b'{';
            w.odd |= !(closed && opens);
        }
        w
    }

    #[test]
    fn walks_the_lines_it_passes_as_a_naive_count_does() {
        let caseless = vec![b"microsoft-windows-powershell".to_vec()];
        let exact = crate::compile::literals::fallback_literals();
        let f = LineFinder::build(&caseless, &exact).expect("buildable");
        let mut next = crate::prefilter::test_rng(0x2545_F491_4F6C_DD1D);
        let lines: &[&[u8]] = &[
            b"{\"a\":1}",
            b"{\"Channel\":\"Microsoft-Windows-PowerShell/Operational\"}",
            b"{}",
            b"",
            b" {}",
            b"{}\r",
            b"{",
            b"not json",
            b"\xEF\xBB\xBF{}",
            b"{\"x\":\"\\u0041\"}",
        ];
        for round in 0..400 {
            let mut hay = Vec::new();
            for _ in 0..next() % 30 {
                // Mostly plain lines, some long enough for whole SIMD steps.
                let line = if next().is_multiple_of(3) {
                    lines[next() % lines.len()]
                } else {
                    lines[0]
                };
                hay.extend_from_slice(line);
                if next().is_multiple_of(2) {
                    hay.push(b'{');
                    hay.extend(std::iter::repeat_n(b'x', next() % 200));
                    hay.push(b'}');
                }
                hay.push(b'\n');
            }
            if next().is_multiple_of(3) {
                hay.extend_from_slice(b"{\"last\":1}");
            }
            let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', &hay).map(|i| i + 1));
            for start in starts.filter(|&s| s < hay.len()) {
                let want = naive_walk(&f, &hay, start);
                for kernel in kernels() {
                    let mut w = Walked::default();
                    f.find_with(kernel, &hay, start, Some(&mut w));
                    assert_eq!(
                        w,
                        want,
                        "round {round}, {kernel:?}, from {start}: {:?}",
                        String::from_utf8_lossy(&hay)
                    );
                }
            }
        }
    }

    #[test]
    fn lists_the_literals_of_a_line() {
        let f =
            LineFinder::build(&[b"PowerShell".to_vec()], &[b"\\u0".to_vec()]).expect("buildable");
        let mut out = Vec::new();
        f.literals_in(b"x POWERSHELL \\u0041\ny", 0..19, &mut (), &mut out);
        assert_eq!(out, [0, 1]);
        out.clear();
        f.literals_in(b"x POWERSHELL \\U0041\ny", 0..19, &mut (), &mut out);
        assert_eq!(out, [0]);
    }
}
