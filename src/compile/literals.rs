//! Required-literal analysis: for each rule, a set of byte strings such that
//! every line the rule can match contains at least one of them, as raw bytes,
//! ASCII-caseless.
//!
//! The analysis declines (returns `None`) whenever it cannot prove that.
//! Soundness rests on three choices, explained in `src/prefilter/README.md`:
//!
//! 1. **Safe pieces only.** A literal is a run of printable ASCII without
//!    `\ " / & < > '`. JSON writers escape none of those characters except
//!    through `\uXXXX`, and such text survives being nested in a JSON string
//!    (a JSON-in-JSON field) or XML. So a field value that matches the rule
//!    contains the piece, and so does the raw line.
//! 2. **`\u` lines and fold-to-ASCII characters are fallbacks.** A line with a
//!    `\uXXXX` escape, or a raw character such as the Kelvin sign whose case
//!    fold is ASCII, may match without holding the piece byte for byte. The
//!    prefilter searches for them too and such lines are evaluated against
//!    every rule. The escape counts after *any* run of backslashes, not only
//!    an odd one: `\\u0041` is the text `\u0041` at the line's level but an
//!    `A` once a JSON document held in a string (Azure's `EventData`) is
//!    decoded. XML character references (`&#65;`, `&#x41;`) in an XML
//!    string (Azure's `EventData` as XML) are fallbacks for the same reason.
//! 3. **Formula rules:** `a and b` needs either side's set (the better one is
//!    kept), `a or b` the union, `not a` nothing (decline).
//!
//! Beyond that one set, a rule also gets a [`Cnf`]: several sets, a literal
//! of *each* of which every match holds (`a and b` keeps both sides' sets,
//! `a or b` pairs them up: `(a1 ∪ b1)` holds whenever `a1` or `b1` does).
//! The prefilter proposes a rule only when the line holds a literal of every
//! set, which on real logs is what keeps `selection_img and selection_cli`
//! from being tried on every line that merely names the image.

use std::collections::HashMap;
use std::sync::LazyLock;

use memchr::memmem;

use super::fold::FOLDS_TO_ASCII;
use crate::sigma::RuleSet;
use crate::sigma::value::{SigmaString, Token, Value};

/// A set of literals, one of which every match must contain.
pub type LitSet = Vec<Vec<u8>>;

/// Whether `b` may appear inside a literal piece.
#[inline]
pub fn is_safe_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && !matches!(b, b'\\' | b'"' | b'/' | b'&' | b'<' | b'>' | b'\'')
}

/// The longest safe run in the literal parts of `s`, if any.
pub fn best_piece(s: &SigmaString) -> Option<Vec<u8>> {
    let mut best: Option<&[u8]> = None;
    for t in &s.tokens {
        if let Token::Lit(l) = t {
            for run in l.as_bytes().split(|&b| !is_safe_byte(b)) {
                if !run.is_empty() && best.is_none_or(|b| run.len() > b.len()) {
                    best = Some(run);
                }
            }
        }
    }
    best.map(|b| b.to_ascii_lowercase())
}

/// How the rules of `set` spell each of `literals`: the first piece (as
/// [`best_piece`] cuts them, but in the rule's own case) of a rule or
/// filter value that equals it ASCII-caseless, else the literal itself.
/// Literals from regular expressions or transformed values (`base64`,
/// `wide`) have no such piece.
pub fn spellings(literals: &[Vec<u8>], set: &RuleSet) -> LitSet {
    // PERF: each piece is lowercased into one reused buffer and looked up
    // among the plan's literals, rather than copied into a map of every
    // piece of every value (half the time on SigmaHQ's rules).
    let mut found: HashMap<&[u8], Option<&[u8]>> =
        literals.iter().map(|l| (l.as_slice(), None)).collect();
    let mut missing = found.len();
    let detections = set
        .rules
        .iter()
        .map(|r| &r.detection)
        .chain(set.filters.iter().map(|f| &f.detection));
    let values = detections
        .flat_map(|d| &d.searches)
        .flat_map(|s| s.alternatives.iter().flatten())
        .flat_map(|item| &item.values);
    let mut lower = Vec::new();
    'values: for value in values {
        let Value::Str { parsed, .. } = value else {
            continue;
        };
        for t in &parsed.tokens {
            let Token::Lit(l) = t else { continue };
            for run in l.as_bytes().split(|&b| !is_safe_byte(b)) {
                lower.clear();
                lower.extend(run.iter().map(u8::to_ascii_lowercase));
                if let Some(slot @ None) = found.get_mut(lower.as_slice()) {
                    *slot = Some(run);
                    missing -= 1;
                    if missing == 0 {
                        break 'values;
                    }
                }
            }
        }
    }
    literals
        .iter()
        .map(|l| found[l.as_slice()].unwrap_or(l).to_vec())
        .collect()
}

/// Literals for a set of alternatives (OR): each needs its own piece.
pub fn any_of(variants: &[SigmaString]) -> Option<LitSet> {
    let mut out = Vec::with_capacity(variants.len());
    for v in variants {
        out.push(best_piece(v)?);
    }
    Some(dedup(out))
}

fn dedup(mut set: LitSet) -> LitSet {
    set.sort_unstable();
    set.dedup();
    set
}

/// Above this many literals, [`minimize`] keeps the set as it is (its
/// containment check is quadratic).
const MINIMIZE_LIMIT: usize = 4096;

/// Drops literals that contain another literal of the set: the shorter one
/// is found wherever the longer one is, so the set stays sound and the
/// prefilter gets smaller.
pub fn minimize(set: LitSet) -> LitSet {
    let mut set = dedup(set);
    if set.len() > MINIMIZE_LIMIT {
        return set;
    }
    set.sort_by_key(Vec::len);
    let mut kept: LitSet = Vec::with_capacity(set.len());
    for l in set {
        // PERF: literals are short; building a memmem searcher per pair
        // cost a tenth of the rule compile, comparing every window a
        // twentieth (a `memcmp` call each).
        if !kept.iter().any(|k| holds(&l, k)) {
            kept.push(l);
        }
    }
    kept.sort_unstable();
    kept
}

/// Whether `needle` occurs in `hay`: windows that start with its first byte
/// are compared.
fn holds(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = hay.len().checked_sub(needle.len()) else {
        return false;
    };
    memchr::memchr_iter(first, &hay[..=last_start]).any(|i| hay[i + 1..i + needle.len()] == *rest)
}

/// How good a set is as a prefilter: longer shortest literal first, then
/// fewer literals.
fn quality(set: &LitSet) -> (usize, std::cmp::Reverse<usize>) {
    let min = set.iter().map(Vec::len).min().unwrap_or(0);
    (min.min(12), std::cmp::Reverse(set.len()))
}

/// For an AND: either side's set is sound; keep the better one.
pub fn best(a: Option<LitSet>, b: Option<LitSet>) -> Option<LitSet> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if quality(&b) > quality(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// For an OR: both sides are needed.
pub fn union(a: Option<LitSet>, b: Option<LitSet>) -> Option<LitSet> {
    let (mut a, b) = (a?, b?);
    a.extend(b);
    Some(dedup(a))
}

/// Literal sets that must all be hit: a matching line holds at least one
/// literal of every set. Empty: no requirement.
pub type Cnf = Vec<LitSet>;

/// At most this many sets per [`Cnf`]: the best are kept (dropping a set
/// only weakens the requirement, so stays sound), which bounds the checks
/// per proposed rule and the cost of pairing sets under `or`.
pub const MAX_CLAUSES: usize = 8;

/// Both sides' requirements hold.
pub fn cnf_and(mut a: Cnf, b: Cnf) -> Cnf {
    a.extend(b);
    prune(a)
}

/// Either side's requirement holds: each pair of sets, one from each side,
/// joined (only the best few pairs; an empty side requires nothing).
pub fn cnf_or(a: Cnf, b: Cnf) -> Cnf {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for x in a.iter().take(3) {
        for y in b.iter().take(3) {
            let mut u = x.clone();
            u.extend(y.iter().cloned());
            out.push(u);
        }
    }
    prune(out)
}

/// Sorted best first, duplicates dropped, at most [`MAX_CLAUSES`].
fn prune(mut c: Cnf) -> Cnf {
    for set in &mut c {
        set.sort_unstable();
        set.dedup();
    }
    c.sort_by(|a, b| quality(b).cmp(&quality(a)).then_with(|| a.cmp(b)));
    c.dedup();
    c.truncate(MAX_CLAUSES);
    c
}

/// The shortest literal of a set (0 for an empty set).
pub fn min_len(set: &LitSet) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

/// The fallback literals, matched byte for byte: `\u` followed by each hex
/// digit, `&#` (an XML character reference), and the first two UTF-8 bytes
/// of every character whose case fold is ASCII.
pub fn fallback_literals() -> LitSet {
    // Matched case-sensitively: JSON writes the escape as `\u` with a
    // lowercase `u` (RFC 8259 §7), so `C:\\Users` never looks like one;
    // the hex digits may be either case.
    let mut out: LitSet = b"0123456789abcdefABCDEF"
        .iter()
        .map(|&h| vec![b'\\', b'u', h])
        .collect();
    out.push(b"&#".to_vec());
    // PERF: the first two UTF-8 bytes of each fold-to-ASCII character (a
    // superset: `E1 BA` also holds other Latin Extended Additional letters)
    // keep the literal count low enough for the packed (Teddy) searcher;
    // 20 full encodings made the seed rule's pure-Rust scan 2x slower.
    for c in FOLDS_TO_ASCII {
        let mut buf = [0; 4];
        let prefix = c.encode_utf8(&mut buf).as_bytes()[..2].to_vec();
        if !out.contains(&prefix) {
            out.push(prefix);
        }
    }
    out
}

/// Whether `line` holds a `\uXXXX` escape (a backslash before the `u`, four
/// hex digits after; at any nesting depth of JSON in JSON strings, so any run
/// of backslashes counts), an XML character reference (`&#DDD;`/`&#xHH;`),
/// or a fold-to-ASCII character.
///
/// PERF: it runs on every routed line, so its two searchers are built once
/// (`memmem::find_iter` built one per call: about 1.5% of a Mordor scan).
pub fn needs_fallback(line: &[u8]) -> bool {
    static ESCAPE: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"\\u"));
    static CHAR_REF: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"&#"));
    if !line.is_ascii() && has_fold_to_ascii(line) {
        return true;
    }
    for i in ESCAPE.find_iter(line) {
        let hex = line
            .get(i + 2..i + 6)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
        if hex {
            return true;
        }
    }
    CHAR_REF
        .find_iter(line)
        .any(|i| is_char_ref(&line[i + 2..]))
}

/// Whether `line`, read as the parser reads it (invalid UTF-8 replaced),
/// holds a character of [`FOLDS_TO_ASCII`].
///
/// PERF: a byte test, not a decode: the encoding of such a character is
/// always read as that character (its lead byte never continues another
/// character, and a lossy decode resumes at any lead byte), and nothing
/// else is read as one. Decoding the line char by char cost 2% of a
/// logsource scan of Mordor, whose lines are 29% non-ASCII (`®` in Sysmon,
/// U+200E in Security).
fn has_fold_to_ascii(line: &[u8]) -> bool {
    let at = |p: usize| {
        FOLDS_TO_ASCII.iter().any(|c| {
            let mut buf = [0; 4];
            line[p..].starts_with(c.encode_utf8(&mut buf).as_bytes())
        })
    };
    // The lead bytes of those characters: C3 C4 C5 C7 E1 E2 EF.
    memchr::memchr3_iter(0xC3, 0xC4, 0xC5, line).any(at)
        || memchr::memchr3_iter(0xC7, 0xE1, 0xE2, line).any(at)
        || memchr::memchr_iter(0xEF, line).any(at)
}

/// Whether `rest` (the text after `&#`) continues an XML character reference:
/// decimal digits or `x` and hex digits, then `;`.
fn is_char_ref(rest: &[u8]) -> bool {
    let (digits, hex) = match rest.first() {
        Some(b'x' | b'X') => (&rest[1..], true),
        _ => (rest, false),
    };
    let n = digits
        .iter()
        .take_while(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    n > 0 && digits.get(n) == Some(&b';')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(s: &str) -> Option<String> {
        best_piece(&SigmaString::parse(s)).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn holds_agrees_with_every_window() {
        let words: [&[u8]; 8] = [b"", b"a", b"ab", b"ba", b"aab", b"abab", b"b", b"abba"];
        for hay in words {
            for needle in words {
                let naive = needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle);
                assert_eq!(holds(hay, needle), naive, "{hay:?} {needle:?}");
            }
        }
    }

    #[test]
    fn pieces_avoid_escapable_bytes() {
        assert_eq!(piece("*VirtualAlloc*").as_deref(), Some("virtualalloc"));
        assert_eq!(
            piece(r"*\Windows\System32\cmd.exe").as_deref(),
            Some("system32")
        );
        assert_eq!(piece("*/c \"whoami\"*").as_deref(), Some("whoami"));
        assert_eq!(piece("*").as_deref(), None);
        assert_eq!(piece("*é*").as_deref(), None);
        assert_eq!(piece("a*bcd?e").as_deref(), Some("bcd"));
    }

    #[test]
    fn spellings_are_the_first_rule_spelling_of_each_literal() {
        let mut set = RuleSet::default();
        let rule = |title: &str, values: &str| {
            format!(
                "title: {title}\nlogsource: {{product: windows}}\n\
                 detection:\n  sel:\n    CommandLine|contains: {values}\n  condition: sel\n"
            )
        };
        let path = std::path::Path::new("inline.yml");
        set.load_text(path, &rule("a", "['GetProcAddress', 'C:\\Temp\\Evil.exe']"));
        set.load_text(path, &rule("b", "['getprocADDRESS', 'VirtualAlloc']"));
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let literals: LitSet = ["getprocaddress", "evil.exe", "virtualalloc", "from-a-regex"]
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect();
        let spelled: Vec<String> = spellings(&literals, &set)
            .into_iter()
            .map(|s| String::from_utf8(s).unwrap())
            .collect();
        // The first rule's case wins; a piece between escapable bytes is
        // spelled as written; a literal no value spells stays as it is.
        assert_eq!(
            spelled,
            ["GetProcAddress", "Evil.exe", "VirtualAlloc", "from-a-regex"]
        );
    }

    #[test]
    fn and_or_rules() {
        let a = Some(vec![b"short".to_vec()]);
        let b = Some(vec![b"muchlonger".to_vec()]);
        assert_eq!(best(a.clone(), b.clone()), b);
        assert_eq!(best(None, a.clone()), a);
        assert_eq!(union(a.clone(), None), None);
        assert_eq!(union(a.clone(), b).unwrap().len(), 2);
        assert_eq!(
            minimize(vec![b"xabcx".to_vec(), b"abc".to_vec()]),
            vec![b"abc".to_vec()]
        );
    }

    #[test]
    fn cnf_and_keeps_both_sides_or_pairs_them() {
        let l = |s: &str| vec![s.as_bytes().to_vec()];
        let and = cnf_and(vec![l("rundll32")], vec![l("javascript")]);
        assert_eq!(and.len(), 2);
        // `(a and b) or c`: a line matching either side holds a literal of
        // `a ∪ c` and of `b ∪ c`.
        let or = cnf_or(and, vec![l("mshta")]);
        assert_eq!(
            or,
            vec![
                vec![b"javascript".to_vec(), b"mshta".to_vec()],
                vec![b"mshta".to_vec(), b"rundll32".to_vec()],
            ]
        );
        assert!(cnf_or(or.clone(), Vec::new()).is_empty());
        assert_eq!(cnf_and(or.clone(), Vec::new()), or);
        let many: Cnf = (0..20).map(|i| l(&format!("lit{i:02}"))).collect();
        assert_eq!(cnf_and(many, Vec::new()).len(), MAX_CLAUSES);
    }

    /// The byte test against decoding (lossily, as the parser does): every
    /// fold-to-ASCII character, in valid and broken surroundings.
    #[test]
    fn fold_to_ascii_bytes_agree_with_decoding() {
        let naive = |b: &[u8]| {
            String::from_utf8_lossy(b)
                .chars()
                .any(|c| FOLDS_TO_ASCII.contains(&c))
        };
        let mut cases: Vec<Vec<u8>> = vec![
            "café ® \u{200E}".into(),
            "ẛ ẟ ﬀ".into(),
            b"\xE1\xBA".to_vec(),
            b"\xE2\x84".to_vec(),
            b"\xC3".to_vec(),
        ];
        for &c in FOLDS_TO_ASCII {
            let mut buf = [0; 4];
            let enc = c.encode_utf8(&mut buf).as_bytes().to_vec();
            for pre in [&b""[..], b"x", b"\xE1", b"\xF0\x9F", b"\xC3", b"\x80"] {
                for post in [&b""[..], b"y", b"\x80", b"\xBA"] {
                    cases.push([pre, &enc, post].concat());
                    // Cut short: no longer the character.
                    cases.push([pre, &enc[..enc.len() - 1], post].concat());
                }
            }
        }
        // Neighbours of each encoding: one byte changed.
        for &c in FOLDS_TO_ASCII {
            let mut buf = [0; 4];
            let enc = c.encode_utf8(&mut buf).as_bytes().to_vec();
            for i in 0..enc.len() {
                for d in [1u8, 0x10, 0x3F] {
                    let mut e = enc.clone();
                    e[i] = e[i].wrapping_add(d);
                    cases.push(e);
                }
            }
        }
        for case in &cases {
            assert_eq!(has_fold_to_ascii(case), naive(case), "{case:x?}");
        }
        assert!(cases.iter().filter(|c| naive(c)).count() > 40);
    }

    #[test]
    fn fallback_detection() {
        assert!(needs_fallback(br#"{"a":"x\u0041y"}"#));
        assert!(!needs_fallback(br#"{"a":"C:\\Users\\ucrtbase"}"#));
        assert!(needs_fallback(br#"{"a":"C:\\\u0041"}"#));
        assert!(!needs_fallback(br#"{"a":"\\u004"}"#));
        assert!(needs_fallback("{\"a\":\"\u{212A}ernel\"}".as_bytes()));
        assert!(!needs_fallback("{\"a\":\"café\"}".as_bytes()));
    }

    /// A JSON document held in a JSON string (Azure `EventData`) writes its
    /// own `\u0041` as `\\u0041`: decoded twice it is an `A`, so the line
    /// may match a rule literal it does not hold.
    #[test]
    fn fallback_for_escapes_in_nested_json() {
        assert!(needs_fallback(
            br#"{"EventData":"{\"ScriptBlockText\":\"Virtual\\u0041lloc\"}"}"#
        ));
        assert!(needs_fallback(br#"{"a":"\\\\u0041"}"#));
    }

    /// Azure `EventData` as XML may spell characters as references.
    #[test]
    fn fallback_for_xml_character_references() {
        assert!(needs_fallback(
            br#"{"EventData":"<Data>Virtual&#65;lloc</Data>"}"#
        ));
        assert!(needs_fallback(
            br#"{"EventData":"<Data>&#x56;irtual</Data>"}"#
        ));
        assert!(!needs_fallback(br#"{"a":"x &# y"}"#));
        assert!(!needs_fallback(br#"{"a":"&#x;"}"#));
        assert!(!needs_fallback(br#"{"a":"&#12"}"#));
        assert!(fallback_literals().contains(&b"&#".to_vec()));
    }
}
