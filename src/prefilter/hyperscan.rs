//! The Hyperscan prefilter engine (cargo feature `hyperscan`).
//!
//! All literals go into **one BLOCK-mode database**, each compiled
//! `HS_FLAG_CASELESS` with its index in the literal list as its Hyperscan id.
//! Hyperscan's caseless matching outside UTF-8/UCP mode folds ASCII letters
//! only, which is exactly this module's contract (see `super`); the tests
//! below check that `é`/`É` and `0xC3`/`0xE3` stay distinct. Unlike the
//! pure-Rust engine there is no lowercased copy of the chunk: Hyperscan's
//! literal matchers (FDR/Teddy) are caseless natively, so `prepare` does
//! nothing and the chunk is read once per `find`.
//!
//! # Literal API versus escaped regex
//!
//! Hyperscan 5.2+ has a pure-literal compiler (`hs_compile_lit_multi`) that
//! skips the regex parser and takes each literal with an explicit length. The
//! `hyperscan` crate (0.3) exposes it as `Literal`/`Literals`, but stores each
//! literal in a Rust `String`, so it can only carry valid UTF-8. Our literals
//! are raw input bytes and need not be UTF-8. [`HsSyntax::Auto`] therefore
//! uses the literal API when every literal is UTF-8 (the normal case: JSON
//! input is UTF-8) and otherwise compiles every literal as a regex in which
//! *every* byte is written `\xHH`, which has no metacharacters left to get
//! wrong. Both forms match the same bytes; the literal API skips the regex
//! parser (the `compile` bench group times both). [`HsScanner::with_syntax`]
//! forces either form so tests and benches reach both.
//!
//! # Exact literals
//!
//! [`HsScanner::with_exact`] puts the byte-exact fallback markers (`\u` +
//! hex, `&#`, the start of each fold-to-ASCII character) into the same
//! database without `HS_FLAG_CASELESS`, so a chunk is scanned once. The
//! pure-Rust engine needs a second automaton for them; here that second
//! pass (Teddy over short, frequent byte pairs) was 13% of a seed-rule scan.
//! The markers that are 2-byte prefixes of 3-byte characters are not UTF-8,
//! which the literal API cannot carry, so each becomes its valid
//! completions (the same text matches: a fold-to-ASCII character is valid
//! UTF-8), all reporting the prefix's id.
//!
//! # `find` stops at the first match reported
//!
//! That is sound only if the first match reported ends earliest (it then
//! lies in the earliest line holding any literal). Hyperscan's manual does
//! not promise it: its "Semantics" section says the matches of a
//! multi-pattern database "are not guaranteed to be ordered". What backs it
//! is weaker: `hs_expr_info`'s `unordered_matches` names assertions as what
//! makes an expression report out of order, a literal has none, and in
//! practice a database of pure literals reports in ascending end offset. It
//! is a tested property, not a documented one: the tests check the flag for
//! escaped literals, and the differential test checks `find` against the
//! pure-Rust engine on long haystacks full of overlapping hits (it fails if
//! `find` reports a later match first). Re-run them when upgrading the
//! library; if it ever breaks, `find` skips candidate lines.
//!
//! # One database, `SINGLEMATCH`
//!
//! Every literal is compiled `HS_FLAG_SINGLEMATCH`: a scan reports each id
//! once. `literals_in` scans one line, so it gets each literal of the line
//! once instead of once per occurrence (a Windows `Message` repeats the
//! payload, and words like `windows` occur dozens of times). `find` is
//! unaffected: it stops at the first match, which is still the earliest (a
//! literal's later occurrences are what the flag drops), and each `find` is
//! a scan of its own. PERF: 3% of a detection-only scan of a Mordor subset.
//!
//! # Scan length
//!
//! `hs_scan` takes a 32-bit length and the crate casts `len() as u32`
//! silently, so a haystack of 4 GiB or more would be truncated (an
//! under-report). Every scan here goes through windows of at most
//! `u32::MAX` bytes that overlap by `longest literal - 1` bytes, so every
//! occurrence lies wholly inside some window.
//!
//! # Threads and unsafe code
//!
//! The compiled database is immutable and `Send + Sync`; each worker thread
//! gets its own Hyperscan scratch (`hs_alloc_scratch` against the database)
//! through [`LiteralScanner::new_scratch`]. The crate's safe API covers
//! everything needed, so this module contains no `unsafe` code. A scan error
//! other than "terminated by callback" can only come from a broken invariant
//! (a scratch of another database, a scratch in use), so it panics with a
//! `BUG:` message instead of silently under-reporting.

use std::ops::Range;

use hyperscan::{
    BlockDatabase, Builder, HsError, Literal, LiteralFlags, Literals, Matching, Pattern,
    PatternFlags, Patterns, Scratch,
};

use super::{BuildError, LiteralScanner};

/// The most bytes one `hs_scan` call may be given (its length is a C
/// `unsigned int`).
const MAX_SCAN_LEN: usize = u32::MAX as usize;

/// How the literals are handed to the Hyperscan compiler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HsSyntax {
    /// The literal API when every literal is valid UTF-8, else escaped regex.
    Auto,
    /// `hs_compile_lit_multi`; fails when a literal is not valid UTF-8 (a
    /// limit of the `hyperscan` crate, not of Hyperscan).
    Literal,
    /// `hs_compile_multi` with every byte of every literal written `\xHH`.
    Regex,
}

/// Hyperscan ASCII-caseless multi-literal scanner.
pub struct HsScanner {
    /// `None` for an empty literal list: the scanner never finds anything.
    db: Option<BlockDatabase>,
    /// The form actually compiled (never `Auto`).
    syntax: HsSyntax,
    /// Length of the longest literal (0 when there are none).
    max_len: usize,
    /// Bytes per `hs_scan` call; `MAX_SCAN_LEN` except in tests.
    window: usize,
}

/// Per-thread state: the Hyperscan scratch for the scanner's database.
pub struct HsScratch {
    scratch: Option<Scratch>,
}

impl HsScanner {
    /// Builds the scanner with [`HsSyntax::Auto`]. An empty literal list
    /// gives a scanner that never finds anything.
    pub fn new(literals: &[Vec<u8>]) -> Result<HsScanner, BuildError> {
        HsScanner::with_syntax(literals, HsSyntax::Auto)
    }

    /// Builds the scanner, compiling the literals in the form `syntax`.
    pub fn with_syntax(literals: &[Vec<u8>], syntax: HsSyntax) -> Result<HsScanner, BuildError> {
        HsScanner::build(&caseless_entries(literals), syntax)
    }

    /// One database for ASCII-caseless `caseless` literals (ids
    /// `0..caseless.len()`) and byte-exact `exact` ones (the ids after), so
    /// a chunk is scanned once for both (see "Exact literals" above).
    pub fn with_exact(caseless: &[Vec<u8>], exact: &[Vec<u8>]) -> Result<HsScanner, BuildError> {
        let mut entries = caseless_entries(caseless);
        for (j, l) in exact.iter().enumerate() {
            let id = caseless.len() + j;
            let forms = utf8_completions(l).unwrap_or_else(|| vec![l.clone()]);
            entries.extend(forms.into_iter().map(|bytes| Entry {
                bytes,
                id,
                caseless: false,
            }));
        }
        HsScanner::build(&entries, HsSyntax::Auto)
    }

    /// A scanner whose caller needs only the lines, not which literal each
    /// holds byte for byte: every literal, `exact` ones included, is
    /// compiled ASCII-caseless, in the regex form, as it is (a 2-byte
    /// prefix of a 3-byte character stays two bytes). `exact` literals may
    /// then also be found in another ASCII case (`\U0041` for the `\u0`
    /// marker): an over-report, which the contract allows.
    ///
    /// PERF: Hyperscan picks its literal matcher from the literal set, and
    /// both the 192 three-byte completions [`HsScanner::with_exact`] makes
    /// of the fold-to-ASCII prefixes and a mix of caseless and exact
    /// literals steer it to slower ones. The logsource channel of the
    /// PowerShell rules (two literals) with the fallback markers, one
    /// core: 2.98 -> 4.76 GB/s on the generated corpus, 2.28 -> 4.88 GB/s
    /// on a 300 MB slice of Mordor (the markers alone: 2.4–2.8 -> 6.2–6.6
    /// GB/s). The seed rule's 38 literals do not gain from it (1.99 -> 1.65
    /// GB/s): the whole plan's database keeps [`HsScanner::with_exact`].
    pub fn line_finder(caseless: &[Vec<u8>], exact: &[Vec<u8>]) -> Result<HsScanner, BuildError> {
        let all: Vec<Vec<u8>> = caseless.iter().chain(exact).cloned().collect();
        HsScanner::with_syntax(&all, HsSyntax::Regex)
    }

    fn build(entries: &[Entry], syntax: HsSyntax) -> Result<HsScanner, BuildError> {
        let literals: Vec<&[u8]> = entries.iter().map(|e| e.bytes.as_slice()).collect();
        if literals.is_empty() {
            let syntax = if syntax == HsSyntax::Auto {
                HsSyntax::Literal
            } else {
                syntax
            };
            return Ok(HsScanner {
                db: None,
                syntax,
                max_len: 0,
                window: MAX_SCAN_LEN,
            });
        }
        if literals.iter().any(|l| l.is_empty() || l.contains(&b'\n')) {
            return Err(BuildError(
                "BUG: empty literal or literal with a newline".into(),
            ));
        }
        if entries.iter().any(|e| u32::try_from(e.id).is_err()) {
            return Err(BuildError("too many literals for hyperscan ids".into()));
        }
        let max_len = literals.iter().map(|l| l.len()).max().unwrap_or(0);
        if max_len > MAX_SCAN_LEN {
            return Err(BuildError("literal longer than one hyperscan scan".into()));
        }
        let all_utf8 = literals.iter().all(|l| std::str::from_utf8(l).is_ok());
        let syntax = match syntax {
            HsSyntax::Auto if all_utf8 => HsSyntax::Literal,
            HsSyntax::Auto => HsSyntax::Regex,
            HsSyntax::Literal if !all_utf8 => {
                return Err(BuildError(
                    "hyperscan literal API: the hyperscan crate only takes UTF-8 literals".into(),
                ));
            }
            s => s,
        };
        let db = match syntax {
            HsSyntax::Literal => compile_literals(entries)?,
            _ => compile_regexes(entries)?,
        };
        Ok(HsScanner {
            db: Some(db),
            syntax,
            max_len,
            window: MAX_SCAN_LEN,
        })
    }

    /// The form the literals were compiled in: [`HsSyntax::Literal`] or
    /// [`HsSyntax::Regex`], never `Auto`.
    pub fn syntax(&self) -> HsSyntax {
        self.syntax
    }

    /// Calls `scan(window_start, window_end)` over `range` in windows of at
    /// most `self.window` bytes that overlap by `max_len - 1`, until `scan`
    /// returns `Some`.
    #[inline]
    fn windows<T>(
        &self,
        range: Range<usize>,
        mut scan: impl FnMut(usize, usize) -> Option<T>,
    ) -> Option<T> {
        let mut s = range.start;
        loop {
            let e = range.end.min(s.saturating_add(self.window));
            if let Some(t) = scan(s, e) {
                return Some(t);
            }
            if e >= range.end {
                return None;
            }
            // `window >= max_len` (checked where `window` is set), so `s`
            // advances; an occurrence ending past `e` starts at or after the
            // next `s`, so it lies wholly inside the next window.
            s = e - (self.max_len - 1);
        }
    }
}

/// One literal as compiled: its bytes, the id it reports, its case mode.
struct Entry {
    bytes: Vec<u8>,
    id: usize,
    caseless: bool,
}

/// `literals` as caseless entries with their indices as ids.
fn caseless_entries(literals: &[Vec<u8>]) -> Vec<Entry> {
    literals
        .iter()
        .enumerate()
        .map(|(i, l)| Entry {
            bytes: l.clone(),
            id: i,
            caseless: true,
        })
        .collect()
}

/// `lit` as valid UTF-8 literals that together match wherever it does in
/// valid UTF-8 text: itself when it is UTF-8, or, when it is a character
/// cut one byte short (the fallback markers keep 2-byte prefixes of 3-byte
/// characters), every valid completion. `None` for anything else.
fn utf8_completions(lit: &[u8]) -> Option<Vec<Vec<u8>>> {
    match std::str::from_utf8(lit) {
        Ok(_) => Some(vec![lit.to_vec()]),
        Err(e) if e.error_len().is_none() => {
            let forms: Vec<Vec<u8>> = (0x80..=0xBFu8)
                .map(|c| [lit, &[c]].concat())
                .filter(|l| std::str::from_utf8(l).is_ok())
                .collect();
            (!forms.is_empty()).then_some(forms)
        }
        Err(_) => None,
    }
}

/// All literals through `hs_compile_lit_multi`. Every literal is UTF-8.
fn compile_literals(entries: &[Entry]) -> Result<BlockDatabase, BuildError> {
    let lits: Literals = entries
        .iter()
        .map(|e| Literal {
            expression: String::from_utf8(e.bytes.clone()).expect("BUG: checked UTF-8"),
            flags: if e.caseless {
                LiteralFlags::CASELESS | LiteralFlags::SINGLEMATCH
            } else {
                LiteralFlags::SINGLEMATCH
            },
            id: Some(e.id),
            som: None,
        })
        .collect();
    lits.build()
        .map_err(|e| BuildError(format!("hyperscan (literal API): {e}")))
}

/// All literals through `hs_compile_multi`, every byte escaped as `\xHH`.
fn compile_regexes(entries: &[Entry]) -> Result<BlockDatabase, BuildError> {
    let mut pats = Vec::with_capacity(entries.len());
    for e in entries {
        let flags = if e.caseless {
            PatternFlags::CASELESS | PatternFlags::SINGLEMATCH
        } else {
            PatternFlags::SINGLEMATCH
        };
        let mut p = Pattern::with_flags(escape(&e.bytes), flags)
            .map_err(|e| BuildError(format!("hyperscan: {e}")))?;
        p.id = Some(e.id);
        pats.push(p);
    }
    Patterns(pats)
        .build()
        .map_err(|e| BuildError(format!("hyperscan (regex): {e}")))
}

/// `lit` as a Hyperscan regex with every byte written `\xHH`: no byte can be
/// read as a metacharacter, and non-UTF-8 bytes survive as single bytes
/// (the database is compiled without `HS_FLAG_UTF8`).
fn escape(lit: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(lit.len() * 4);
    for b in lit {
        write!(s, "\\x{b:02x}").expect("BUG: writing to a String");
    }
    s
}

/// Turns the result of one `hs_scan` into "it ran to its end or was stopped
/// by our callback"; anything else breaks an invariant of this module.
#[inline]
fn check_scan(r: hyperscan::Result<()>) {
    match r {
        Ok(()) | Err(hyperscan::Error::Hyperscan(HsError::ScanTerminated)) => {}
        Err(e) => panic!("BUG: hyperscan scan failed: {e}"),
    }
}

impl LiteralScanner for HsScanner {
    type Scratch = HsScratch;

    fn new_scratch(&self) -> HsScratch {
        let scratch = self.db.as_ref().map(|db| {
            db.alloc_scratch()
                .unwrap_or_else(|e| panic!("BUG: hyperscan scratch allocation failed: {e}"))
        });
        HsScratch { scratch }
    }

    fn prepare(&self, _haystack: &[u8], _scratch: &mut HsScratch) {}

    fn find(&self, haystack: &[u8], start: usize, scratch: &mut HsScratch) -> Option<usize> {
        let db = self.db.as_ref()?;
        if start >= haystack.len() {
            return None;
        }
        let sc = scratch
            .scratch
            .as_ref()
            .expect("BUG: scratch of another scanner");
        self.windows(start..haystack.len(), |s, e| {
            let mut end = None;
            check_scan(db.scan(&haystack[s..e], sc, |_id, _from, to, _flags| {
                end = Some(to);
                Matching::Terminate
            }));
            // `to <= e - s`, which fits in a usize.
            end.map(|to| s + to as usize)
        })
    }

    fn literals_in(
        &self,
        haystack: &[u8],
        range: Range<usize>,
        scratch: &mut HsScratch,
        out: &mut Vec<u32>,
    ) {
        let Some(db) = self.db.as_ref() else { return };
        let sc = scratch
            .scratch
            .as_ref()
            .expect("BUG: scratch of another scanner");
        self.windows(range, |s, e| {
            check_scan(db.scan(&haystack[s..e], sc, |id, _from, _to, _flags| {
                out.push(id);
                Matching::Continue
            }));
            None::<()>
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefilter::candidate_lines;

    fn bytes(lits: &[&[u8]]) -> Vec<Vec<u8>> {
        lits.iter().map(|l| l.to_vec()).collect()
    }

    /// Every candidate line of `hay` as (line, sorted distinct ids).
    fn lines_of<S: LiteralScanner>(s: &S, hay: &[u8]) -> Vec<(Vec<u8>, Vec<u32>)> {
        candidate_lines(s, hay)
            .into_iter()
            .map(|(r, ids)| (hay[r].to_vec(), ids))
            .collect()
    }

    /// Candidate lines for each forced syntax (only `Regex` when a literal
    /// is not UTF-8); asserts that all forms agree and returns the result.
    fn lines(lits: &[&[u8]], hay: &[u8]) -> Vec<(Vec<u8>, Vec<u32>)> {
        let lits = bytes(lits);
        let regex = HsScanner::with_syntax(&lits, HsSyntax::Regex).unwrap();
        let got = lines_of(&regex, hay);
        if lits.iter().all(|l| std::str::from_utf8(l).is_ok()) {
            let lit = HsScanner::with_syntax(&lits, HsSyntax::Literal).unwrap();
            assert_eq!(lit.syntax(), HsSyntax::Literal);
            assert_eq!(lines_of(&lit, hay), got, "literal API disagrees with regex");
        }
        got
    }

    fn line(l: &[u8], ids: &[u32]) -> (Vec<u8>, Vec<u32>) {
        (l.to_vec(), ids.to_vec())
    }

    #[test]
    fn line_finder_finds_every_line_with_exact_as_a_superset() {
        // The lines `with_exact` finds, plus those holding an exact literal
        // in another ASCII case (`\U0041`); a 2-byte prefix stays one
        // pattern and still finds the characters it begins.
        let caseless = bytes(&[b"abc"]);
        let exact = bytes(&[b"\\u0", &[0xE1, 0xBA], b"&#"]);
        let finder = HsScanner::line_finder(&caseless, &exact).unwrap();
        assert_eq!(finder.syntax(), HsSyntax::Regex);
        let both = HsScanner::with_exact(&caseless, &exact).unwrap();
        let hay =
            "ABC\n\\U0041\n\\u0041\nstra\u{1E9E}e\nx\u{1E00}y\nx\u{1D00}y\n&#65;\n\\u\nnone\n"
                .as_bytes();
        let found = |s: &HsScanner| -> Vec<Vec<u8>> {
            lines_of(s, hay).into_iter().map(|(l, _)| l).collect()
        };
        let exact_lines = found(&both);
        let finder_lines = found(&finder);
        assert!(exact_lines.iter().all(|l| finder_lines.contains(l)));
        assert_eq!(
            finder_lines,
            ["ABC", "\\U0041", "\\u0041", "stra\u{1E9E}e", "&#65;"].map(|l| l.as_bytes().to_vec())
        );
    }

    #[test]
    fn exact_literals_share_the_database() {
        // Caseless "abc" (id 0); exact "\\u0" (id 1) and the first two bytes
        // of U+1E9E (id 2), which is not UTF-8 on its own.
        let s =
            HsScanner::with_exact(&bytes(&[b"abc"]), &bytes(&[b"\\u0", &[0xE1, 0xBA]])).unwrap();
        assert_eq!(s.syntax(), HsSyntax::Literal);
        let hay = "ABC\n\\U0041\n\\u0041\nstra\u{1E9E}e\nx\u{1E00}y\n".as_bytes();
        assert_eq!(
            lines_of(&s, hay),
            vec![
                line(b"ABC", &[0]),
                line(b"\\u0041", &[1]),
                line("stra\u{1E9E}e".as_bytes(), &[2]),
            ]
        );
        assert_eq!(utf8_completions(&[0xE1, 0xBA]).map(|f| f.len()), Some(64));
        assert_eq!(utf8_completions(b"ok"), Some(vec![b"ok".to_vec()]));
        assert_eq!(utf8_completions(&[0xE1]), None);
        assert_eq!(utf8_completions(&[0xFF]), None);
    }

    #[test]
    fn overlapping_literals_are_all_reported() {
        let got = lines(&[b"abcd", b"cdef", b"zz"], b"xx\nABCDEF\nnone\nzZ");
        assert_eq!(got, vec![line(b"ABCDEF", &[0, 1]), line(b"zZ", &[2])]);
        // One literal inside another, and a literal repeated in the list.
        let got = lines(&[b"powershell", b"shell", b"SHELL"], b"a PowerShell b");
        assert_eq!(got, vec![line(b"a PowerShell b", &[0, 1, 2])]);
    }

    #[test]
    fn ascii_caseless_only() {
        let got = lines(
            &[b"VirtualAlloc"],
            b"virtualalloc\nVIRTUALALLOC\nvIrTuAlAlLoC\nvirtual alloc",
        );
        assert_eq!(
            got,
            vec![
                line(b"virtualalloc", &[0]),
                line(b"VIRTUALALLOC", &[0]),
                line(b"vIrTuAlAlLoC", &[0]),
            ]
        );
        // Non-ASCII bytes equal only themselves: no Unicode folding (é/É)
        // and no "bit 5" folding outside A-Z (0xC3/0xE3, `@`/`` ` ``).
        let got = lines(&["é".as_bytes(), b"@"], "É\né\nÉ\n`".as_bytes());
        assert_eq!(got, vec![line("é".as_bytes(), &[0])]);
        let got = lines(&[b"\xc3"], b"\xe3\n\xc3");
        assert_eq!(got, vec![line(b"\xc3", &[0])]);
    }

    #[test]
    fn metacharacters_and_high_bytes_are_literal() {
        let lits: &[&[u8]] = &[
            b"\\",
            b"\"",
            b".",
            b"*",
            b"(",
            b"\xc3\xa9",
            b"a.*b",
            b"\\\"x",
        ];
        let hay: &[u8] = b"plain\nback\\slash\nq\"uote\nd.ot\nst*ar\npa(ren\ncaf\xc3\xa9\n\
                           aXXb\nA.*B\n\\\"X\n[]{}+?|^$";
        let got = lines(lits, hay);
        assert_eq!(
            got,
            vec![
                line(b"back\\slash", &[0]),
                line(b"q\"uote", &[1]),
                line(b"d.ot", &[2]),
                line(b"st*ar", &[3]),
                line(b"pa(ren", &[4]),
                line(b"caf\xc3\xa9", &[5]),
                line(b"A.*B", &[2, 3, 6]),
                line(b"\\\"X", &[0, 1, 7]),
            ]
        );
        // Not UTF-8 (a lone 0xC3, NUL): Auto falls back to the regex form,
        // and forcing the literal form is an error.
        let lits = bytes(&[b"\xc3(", b"a\x00b"]);
        let s = HsScanner::new(&lits).unwrap();
        assert_eq!(s.syntax(), HsSyntax::Regex);
        assert!(HsScanner::with_syntax(&lits, HsSyntax::Literal).is_err());
        assert_eq!(
            lines_of(&s, b"x\n\xc3(\nA\x00B\na b"),
            vec![line(b"\xc3(", &[0]), line(b"A\x00B", &[1])]
        );
        // NUL inside a UTF-8 literal goes through the literal API intact.
        assert_eq!(
            lines(&[b"a\x00b"], b"ab\na\x00b"),
            vec![line(b"a\x00b", &[0])]
        );
    }

    #[test]
    fn literal_at_haystack_start_and_end() {
        let got = lines(&[b"start", b"end"], b"START of it\nmiddle\nthe END");
        assert_eq!(
            got,
            vec![line(b"START of it", &[0]), line(b"the END", &[1])]
        );
        // The whole haystack is one literal; and a trailing newline.
        assert_eq!(lines(&[b"end"], b"end"), vec![line(b"end", &[0])]);
        assert_eq!(lines(&[b"end"], b"x\nend\n"), vec![line(b"end", &[0])]);
        // `find` directly, from every start position.
        let s = HsScanner::new(&bytes(&[b"ab"])).unwrap();
        let mut sc = s.new_scratch();
        let hay = b"ab\nab";
        let want = [Some(2), Some(5), Some(5), Some(5), None, None];
        for (start, w) in want.iter().enumerate() {
            assert_eq!(s.find(hay, start, &mut sc), *w, "start {start}");
        }
    }

    #[test]
    fn no_literals_finds_nothing() {
        for syntax in [HsSyntax::Auto, HsSyntax::Literal, HsSyntax::Regex] {
            let s = HsScanner::with_syntax(&[], syntax).unwrap();
            assert!(lines_of(&s, b"anything\nat all\n").is_empty());
            let mut sc = s.new_scratch();
            assert_eq!(s.find(b"x", 0, &mut sc), None);
            let mut out = Vec::new();
            s.literals_in(b"x", 0..1, &mut sc, &mut out);
            assert!(out.is_empty());
        }
    }

    /// `find` relies on in-order match reports; Hyperscan flags expressions
    /// that may break that order. An escaped literal must not be one, and
    /// must match exactly its own length.
    #[test]
    fn escaped_literals_match_in_order() {
        let lits: &[&[u8]] = &[
            b"abc",
            b"\\",
            b"a.*b",
            b"^x$",
            b"\\b(",
            b"\xc3\xa9",
            b"\x00\xff",
        ];
        for lit in lits {
            let p = Pattern::with_flags(escape(lit), PatternFlags::CASELESS).unwrap();
            let info = p.info().unwrap();
            assert!(!info.unordered_matches(), "{lit:?}");
            assert!(!info.matches_only_at_eod(), "{lit:?}");
            assert_eq!(
                (info.min_width(), info.max_width()),
                (lit.len(), lit.len()),
                "{lit:?}"
            );
        }
    }

    #[test]
    fn bad_literals_are_rejected() {
        assert!(HsScanner::new(&bytes(&[b"ok", b""])).is_err());
        assert!(HsScanner::new(&bytes(&[b"a\nb"])).is_err());
    }

    #[test]
    fn small_windows_miss_nothing() {
        // Windows of `max_len` bytes, the smallest allowed: every literal
        // straddles a window edge somewhere.
        let lits = bytes(&[b"abcd", b"cdef", b"xy"]);
        let hay = b"..abcdef..\nxabcdx\n.xy.\ncdef";
        let mut s = HsScanner::new(&lits).unwrap();
        let want = lines_of(&s, hay);
        assert_eq!(want.len(), 4);
        for window in 4..=hay.len() + 1 {
            s.window = window;
            assert_eq!(lines_of(&s, hay), want, "window {window}");
        }
    }

    #[test]
    fn scratch_per_thread() {
        let s = HsScanner::new(&bytes(&[b"needle"])).unwrap();
        let hay = b"hay\nhay NEEDLE hay\nhay".repeat(100);
        std::thread::scope(|sc| {
            for _ in 0..4 {
                sc.spawn(|| assert_eq!(lines_of(&s, &hay).len(), 100));
            }
        });
    }
}

/// Hyperscan against the pure-Rust engine on pseudo-random literal sets and
/// haystacks: both must report the same lines with the same literal ids.
#[cfg(test)]
mod differential {
    use super::*;
    use crate::prefilter::aho::AhoScanner;
    use crate::prefilter::candidate_lines;

    /// xorshift64*: deterministic, no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Pieces literals and haystacks are made of: case pairs, regex
    /// metacharacters, JSON escapes, UTF-8 `é`/`É`, NUL. A small alphabet
    /// makes hits and overlaps frequent.
    const UNITS: &[&[u8]] = &[
        b"a",
        b"A",
        b"b",
        b"B",
        b"c",
        b"\\",
        b"\"",
        b".",
        b"*",
        b"(",
        b"\x00",
        b"\xc3\xa9",
        b"\xc3\x89",
    ];
    /// Raw bytes that are not UTF-8 on their own (forces the regex form).
    const RAW: &[&[u8]] = &[b"\xc3", b"\xe3", b"\xff"];

    fn piece(rng: &mut Rng, raw: bool, out: &mut Vec<u8>) {
        if raw && rng.below(8) == 0 {
            out.extend_from_slice(RAW[rng.below(RAW.len())]);
        } else {
            out.extend_from_slice(UNITS[rng.below(UNITS.len())]);
        }
    }

    #[test]
    fn hyperscan_agrees_with_aho() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let mut lines_with_hits = 0;
        for case in 0..400 {
            let raw = case % 3 == 0;
            // Every 20th haystack is long enough for the engines' block
            // loops (Hyperscan handles tiny blocks with a separate matcher).
            let pieces = if case % 20 == 0 {
                4000 + rng.below(4000)
            } else {
                rng.below(200)
            };
            let mut hay = Vec::new();
            for _ in 0..pieces {
                match rng.below(10) {
                    0 => hay.push(b'\n'),
                    1..=3 => hay.push(b'x'),
                    _ => piece(&mut rng, raw, &mut hay),
                }
            }
            // Half the literals are random, half are cut from the haystack
            // (up to 24 bytes, so longer than Hyperscan's 8-byte literal
            // fingerprints) and therefore certain to occur.
            let nlits = 1 + rng.below(12);
            let lits: Vec<Vec<u8>> = (0..nlits)
                .map(|_| {
                    if !hay.is_empty() && rng.below(2) == 0 {
                        let at = rng.below(hay.len());
                        let cut = &hay[at..hay.len().min(at + 1 + rng.below(24))];
                        let cut = cut.split(|&b| b == b'\n').next().unwrap_or(&[]);
                        if !cut.is_empty() {
                            return cut.to_vec();
                        }
                    }
                    let mut l = Vec::new();
                    for _ in 0..1 + rng.below(4) {
                        piece(&mut rng, raw, &mut l);
                    }
                    l
                })
                .collect();
            let want = candidate_lines(&AhoScanner::new(&lits).unwrap(), &hay);
            lines_with_hits += want.len();
            let mut engines = vec![
                HsScanner::new(&lits).unwrap(),
                HsScanner::with_syntax(&lits, HsSyntax::Regex).unwrap(),
            ];
            let mut tiny = HsScanner::new(&lits).unwrap();
            tiny.window = tiny.max_len + rng.below(4);
            engines.push(tiny);
            for (i, hs) in engines.iter().enumerate() {
                assert_eq!(
                    candidate_lines(hs, &hay),
                    want,
                    "case {case}, engine {i} ({:?}, window {}): lits {lits:?} hay {:?}",
                    hs.syntax(),
                    hs.window,
                    String::from_utf8_lossy(&hay),
                );
            }
        }
        // The generator must actually exercise hits, not just empty output.
        assert!(
            lines_with_hits > 1000,
            "only {lines_with_hits} candidate lines"
        );
    }
}
