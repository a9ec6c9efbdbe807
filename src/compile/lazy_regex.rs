//! `re` values, compiled on first use.
//!
//! Compiling the regexes of SigmaHQ's Windows rules took about a third of
//! the rule compile (some 70 ms, on one core, before the first line is
//! read), and most of them never run: no line reaches their rule, through
//! its gate and literals. So a regex is parsed when its rule is compiled,
//! which reports every syntax error exactly as the `regex` crate would (it
//! parses with the same `regex-syntax` parser and the same settings, and
//! its syntax error is that parser's message), and compiled when first
//! tested.
//!
//! The one error parsing cannot see is a compiled program over the size
//! limit. A pattern whose parsed form could come near it ([`estimate`]
//! bounds the program from above, at more than twice the largest size per
//! unit measured) is compiled with its rule, as before, so that a
//! too-large regex is still the rule's compile error. The rest cannot exceed the limit; should one still fail, it is
//! compiled without a limit rather than stopping the scan.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::utf8::Utf8Sequences;

use super::regex_literals::Flags;

/// The compiled program's size limit.
const SIZE_LIMIT: usize = 16 << 20;

/// What one unit of [`estimate`] may take in the compiled program, at
/// most: measured up to 27 bytes (`.{500}`, `[^a]{300}`; the tests check
/// the bound on such patterns).
const BYTES_PER_UNIT: u64 = 64;

/// Patterns whose [`estimate`] exceeds this are compiled with their rule:
/// the rest fit [`SIZE_LIMIT`] even at [`BYTES_PER_UNIT`], more than twice
/// the most measured. PERF: with a further factor of four, SigmaHQ's
/// `-k\s\w{1,64}…` (3.2 MB compiled, estimate 258,922) was compiled with
/// its rule: 43 ms, a quarter of the whole rule compile, on one core.
const COMPILE_EAGERLY_ABOVE: u64 = SIZE_LIMIT as u64 / BYTES_PER_UNIT;

/// A regex compiled on its first test.
#[derive(Clone, Debug)]
pub struct LazyRegex {
    pattern: Box<str>,
    flags: Flags,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// Parses `pattern`, already parsed as `hir` with `flags` ([`parse`]),
    /// and compiles it now if it could be large. The error is the `regex`
    /// crate's message.
    pub fn new(pattern: &str, flags: Flags, hir: &Hir) -> Result<LazyRegex, String> {
        let lazy = LazyRegex {
            pattern: pattern.into(),
            flags,
            compiled: OnceLock::new(),
        };
        if estimate(hir) > COMPILE_EAGERLY_ABOVE {
            let re = lazy.build(SIZE_LIMIT).map_err(|e| e.to_string())?;
            let _ = lazy.compiled.set(re);
        }
        Ok(lazy)
    }

    /// Whether the regex matches anywhere in `s`.
    pub fn is_match(&self, s: &str) -> bool {
        self.compiled
            .get_or_init(|| {
                self.build(SIZE_LIMIT)
                    .or_else(|_| self.build(usize::MAX))
                    .expect("a parsed regex compiles without a size limit")
            })
            .is_match(s)
    }

    /// Whether it was compiled (tests).
    #[cfg(test)]
    fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }

    fn build(&self, size_limit: usize) -> Result<Regex, regex::Error> {
        RegexBuilder::new(&self.pattern)
            .case_insensitive(self.flags.case_insensitive)
            .multi_line(self.flags.multi_line)
            .dot_matches_new_line(self.flags.dot_matches_new_line)
            .size_limit(size_limit)
            .build()
    }
}

/// Parses `pattern` as `regex::RegexBuilder` does with `flags`; the error
/// is the message the `regex` crate gives for it.
pub fn parse(pattern: &str, flags: Flags) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(flags.case_insensitive)
        .multi_line(flags.multi_line)
        .dot_matches_new_line(flags.dot_matches_new_line)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// An upper bound, in program states, of the compiled size of `hir`: each
/// literal byte one state, each class range four per UTF-8 byte sequence it
/// becomes, a repetition its body (plus two) times its largest count (or
/// least count plus one, when unbounded).
pub fn estimate(hir: &Hir) -> u64 {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(lit) => lit.0.len() as u64,
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| 4 * Utf8Sequences::new(r.start(), r.end()).count() as u64)
            .sum::<u64>()
            .max(1),
        HirKind::Class(Class::Bytes(c)) => c.ranges().len() as u64 + 1,
        HirKind::Repetition(rep) => {
            let times = u64::from(rep.max.unwrap_or(rep.min).max(rep.min)) + 1;
            estimate(&rep.sub).saturating_add(2).saturating_mul(times)
        }
        HirKind::Capture(cap) => estimate(&cap.sub).saturating_add(2),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .fold(subs.len() as u64, |n, s| n.saturating_add(estimate(s))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lazy(pattern: &str) -> Result<LazyRegex, String> {
        let flags = Flags::default();
        LazyRegex::new(pattern, flags, &parse(pattern, flags)?)
    }

    #[test]
    fn syntax_errors_are_the_regex_crates() {
        for bad in ["(", "a{2,1}", "[z-a]", "\\", "(?P<n>a)(?P<n>b)", "a**"] {
            let ours = lazy(bad).err();
            let theirs = Regex::new(bad).err().map(|e| e.to_string());
            assert_eq!(ours, theirs, "{bad:?}");
        }
    }

    #[test]
    fn small_patterns_compile_on_first_test_and_match_as_regex() {
        let flags = Flags {
            case_insensitive: true,
            multi_line: true,
            dot_matches_new_line: false,
        };
        let pattern = r"^invoke-\w+ .*-enc(odedcommand)?\s";
        let re = LazyRegex::new(pattern, flags, &parse(pattern, flags).unwrap()).unwrap();
        assert!(!re.is_compiled());
        let reference = RegexBuilder::new(pattern)
            .case_insensitive(true)
            .multi_line(true)
            .build()
            .unwrap();
        for s in [
            "x\nINVOKE-Foo -Enc ",
            "invoke-x -encodedcommand\t",
            "invoke- -enc ",
            "a",
        ] {
            assert_eq!(re.is_match(s), reference.is_match(s), "{s:?}");
        }
        assert!(re.is_compiled());
    }

    #[test]
    fn large_patterns_compile_with_their_rule() {
        // Over the size limit: the rule's compile error, as before.
        let huge = r"\w{1000}\w{1000}";
        let want = RegexBuilder::new(huge)
            .size_limit(SIZE_LIMIT)
            .build()
            .unwrap_err()
            .to_string();
        assert_eq!(lazy(huge).err(), Some(want));
        // Near it but under: compiled now.
        let big = "[a-z]{50000}";
        assert!(estimate(&parse(big, Flags::default()).unwrap()) > COMPILE_EAGERLY_ABOVE);
        assert!(lazy(big).unwrap().is_compiled());
    }

    /// The least size limit `pattern` compiles under: its program's size.
    fn compiled_size(pattern: &str) -> usize {
        let (mut lo, mut hi) = (1usize, SIZE_LIMIT);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if RegexBuilder::new(pattern).size_limit(mid).build().is_ok() {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    #[test]
    fn the_estimate_bounds_the_compiled_size() {
        // Wide Unicode classes, classes of several UTF-8 lengths, nested
        // and optional repetitions, alternations, case folding, and
        // SigmaHQ's own.
        for p in [
            r"\w+`(\w+|-|.)`[\w+|\s]",
            r".{300,}",
            r"(?s).{200}",
            r"[^a]{200}",
            r"[a-z]{1000}",
            r"(?i)[\p{L}\d]x{50}",
            r"\p{Greek}+\p{Han}{4}",
            r"(?i)(alpha|beta|gamma|delta|epsilon){20}",
            r"((a|b)[0-9]{2}){100}",
            r"(?i)\x{17f}{200}kelvin\x{212a}{100}",
            r"(a?){300}",
            r"(a*b*c*){200}",
            r"\b\w\b{100}",
            r"https?://(?:(?:25[0-5]|(?:2[0-4]|1\d|[1-9])?\d)(?:\.|\b)){4}",
        ] {
            let units = estimate(&parse(p, Flags::default()).unwrap());
            let size = compiled_size(p) as u64;
            assert!(
                size <= units * BYTES_PER_UNIT,
                "{p:?}: {size} bytes, estimate {units}"
            );
        }
    }
}
