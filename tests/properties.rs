//! Property tests (GitHub issue "Fuzzing and differential testing"): the
//! compiled wildcard matcher against an independent regex translation, the
//! `base64offset` and `windash` expansions, and prefilter soundness under the
//! JSON escapings real writers produce. Case counts are modest so the file
//! runs in a few seconds in a debug build; the fuzz targets in `fuzz/` run
//! the same comparisons open-ended.

#[path = "support/reference.rs"]
mod reference;
mod util;
use reference::{sigma_to_regex, yaml_quoted};
use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use proptest::prelude::*;
use sigscan::compile::item::{WINDASH_CHARS, base64_offsets, windash};
use sigscan::compile::pattern::StrMatcher;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{
    DEFAULT_CHUNK, Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source,
};
use sigscan::sigma::RuleSet;
use sigscan::sigma::value::SigmaString;

// ---------------------------------------------------------------------------
// 1a. Wildcard matcher vs regex
// ---------------------------------------------------------------------------

fn pattern_chars() -> impl Strategy<Value = String> {
    let c = prop::sample::select(vec!['*', '?', '\\', 'a', 'A', 'b', 'B', '-', '.']);
    prop::collection::vec(c, 0..10).prop_map(|v| v.into_iter().collect())
}

fn value_chars() -> impl Strategy<Value = String> {
    // ASCII only: the reference regex folds case by Unicode simple folding,
    // the matcher by its own table; they agree on ASCII.
    let c = prop::sample::select(vec!['a', 'A', 'b', 'B', '*', '?', '\\', '-', '.', '\n']);
    prop::collection::vec(c, 0..10).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn wildcard_matcher_agrees_with_regex(p in pattern_chars(), v in value_chars()) {
        let m = StrMatcher::new(&SigmaString::parse(&p), false);
        let re = sigma_to_regex(&p);
        prop_assert_eq!(m.matches(&v), re.is_match(&v), "pattern {:?} value {:?}", p, v);
    }

    /// Values built from the pattern itself, so that most cases match.
    #[test]
    fn wildcard_matcher_agrees_with_regex_near_misses(
        p in pattern_chars(),
        fill in value_chars(),
        flip in any::<bool>(),
    ) {
        let mut v = String::new();
        for c in p.chars() {
            match c {
                '*' => v.push_str(&fill),
                '?' => v.push('x'),
                c => v.push(if flip { c.to_ascii_uppercase() } else { c }),
            }
        }
        let m = StrMatcher::new(&SigmaString::parse(&p), false);
        let re = sigma_to_regex(&p);
        prop_assert_eq!(m.matches(&v), re.is_match(&v), "pattern {:?} value {:?}", p, v);
    }
}

// ---------------------------------------------------------------------------
// 1b. base64offset
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The offset-`p.len() % 3` form of `s` is always a substring of the
    /// standard base64 of `p + s + q` (so at least one form is, for every
    /// length of `s`, the empty one included).
    #[test]
    fn base64_offsets_cover_every_embedding(
        s in prop::collection::vec(any::<u8>(), 0..12),
        p in prop::collection::vec(any::<u8>(), 0..7),
        q in prop::collection::vec(any::<u8>(), 0..7),
    ) {
        let offs = base64_offsets(&s);
        prop_assert_eq!(offs.len(), 3);
        let mut whole = p.clone();
        whole.extend_from_slice(&s);
        whole.extend_from_slice(&q);
        let enc = B64.encode(&whole);
        prop_assert!(
            enc.contains(offs[p.len() % 3].as_str()),
            "s {:?} p {:?} q {:?}: {:?} not in {:?} (forms {:?})",
            s, p, q, offs[p.len() % 3], enc, offs
        );
    }

    /// The minimum that makes the property non-trivial: all three forms are
    /// non-empty exactly when `s` has at least 2 bytes. With 1 byte the
    /// offset-1 form is empty (its two characters both depend on the
    /// neighbours), and an empty form is contained in everything, so a
    /// 1-byte `base64offset` value has no literal a prefilter could use.
    #[test]
    fn base64_offsets_non_empty_from_two_bytes(s in prop::collection::vec(any::<u8>(), 0..12)) {
        let offs = base64_offsets(&s);
        let all_non_empty = offs.iter().all(|o| !o.is_empty());
        prop_assert_eq!(all_non_empty, s.len() >= 2, "s {:?} forms {:?}", s, offs);
    }
}

// ---------------------------------------------------------------------------
// 1c. windash
// ---------------------------------------------------------------------------

/// A piece of a windash test value, joined with spaces.
#[derive(Clone, Debug)]
enum Piece {
    /// A word with a word-initial dash (`-` or `/`): expanded.
    Flag(char, String),
    /// A word with a dash inside (`a-b`): not expanded.
    Inner(String, char, String),
    /// A dash followed by a space or the end: not expanded.
    Lone(char),
    /// A plain word.
    Word(String),
    /// A `*` wildcard (a token, not a character).
    Star,
}

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_]{1,3}"
}

fn dash() -> impl Strategy<Value = char> {
    prop::sample::select(vec!['-', '/'])
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        3 => (dash(), word()).prop_map(|(d, w)| Piece::Flag(d, w)),
        1 => (word(), dash(), word()).prop_map(|(a, d, b)| Piece::Inner(a, d, b)),
        1 => dash().prop_map(Piece::Lone),
        1 => word().prop_map(Piece::Word),
        1 => Just(Piece::Star),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn windash_expands_each_word_initial_dash_five_ways(
        pieces in prop::collection::vec(piece(), 0..6)
            .prop_filter("at most 4 expanded dashes", |ps| {
                ps.iter().filter(|p| matches!(p, Piece::Flag(..))).count() <= 4
            })
    ) {
        // Build the value and note the char positions of the expanded dashes.
        let mut value = String::new();
        let mut positions = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            if i > 0 {
                value.push(' ');
            }
            match p {
                Piece::Flag(d, w) => {
                    positions.push(value.chars().count());
                    value.push(*d);
                    value.push_str(w);
                }
                Piece::Inner(a, d, b) => {
                    value.push_str(a);
                    value.push(*d);
                    value.push_str(b);
                }
                Piece::Lone(d) => value.push(*d),
                Piece::Word(w) => value.push_str(w),
                Piece::Star => value.push('*'),
            }
        }
        let k = positions.len();
        let parsed = SigmaString::parse(&value);
        let variants = windash(&parsed).expect("at most 625 variants");
        // Display writes `*` for the token and no literal here needs escaping,
        // so char positions line up with `value`.
        let texts: Vec<Vec<char>> = variants.iter().map(|v| v.to_string().chars().collect()).collect();
        let distinct: BTreeSet<&Vec<char>> = texts.iter().collect();
        prop_assert_eq!(variants.len(), 5usize.pow(k as u32), "value {:?}", value);
        prop_assert_eq!(distinct.len(), variants.len(), "duplicates for {:?}", value);
        let orig: Vec<char> = value.chars().collect();
        for t in &texts {
            prop_assert_eq!(t.len(), orig.len(), "value {:?} variant {:?}", value, t);
            for (i, (&a, &b)) in t.iter().zip(&orig).enumerate() {
                if positions.contains(&i) {
                    prop_assert!(WINDASH_CHARS.contains(&a), "value {:?} variant {:?}", value, t);
                    let norm = |c: char| if WINDASH_CHARS.contains(&c) { '-' } else { c };
                    prop_assert_eq!(norm(a), norm(b));
                } else {
                    prop_assert_eq!(a, b, "value {:?} variant {:?} at {}", value, t, i);
                }
            }
        }
        // Wildcard tokens survive as tokens.
        for v in &variants {
            prop_assert_eq!(v.has_wildcards(), parsed.has_wildcards());
        }
    }
}

// ---------------------------------------------------------------------------
// 1d. Prefilter soundness under JSON escaping
// ---------------------------------------------------------------------------

/// How the event's JSON string is written.
#[derive(Clone, Copy, Debug)]
enum Writer {
    /// `serde_json::to_string`: escapes `"`, `\` and controls only.
    Serde,
    /// Every non-ASCII char as `\uXXXX` (surrogate pairs above U+FFFF),
    /// upper-case hex.
    AsciiOnly,
    /// serde_json, and `/` as `\/`.
    Slash,
    /// Go's encoding/json: `<`, `>`, `&` (and here `'`) as `\u003c` …,
    /// U+2028/U+2029 escaped.
    Go,
    /// Every character as `\uXXXX`.
    EscapeAll,
}

fn push_u(out: &mut String, c: char, upper: bool) {
    let mut buf = [0u16; 2];
    for u in c.encode_utf16(&mut buf) {
        if upper {
            out.push_str(&format!("\\u{:04X}", u));
        } else {
            out.push_str(&format!("\\u{:04x}", u));
        }
    }
}

fn json_string(s: &str, w: Writer) -> String {
    match w {
        Writer::Serde => serde_json::to_string(s).expect("string serializes"),
        Writer::Slash => serde_json::to_string(s)
            .expect("string serializes")
            .replace('/', "\\/"),
        Writer::Go => {
            let mut out = String::new();
            for c in serde_json::to_string(s).expect("string serializes").chars() {
                match c {
                    '<' | '>' | '&' | '\'' | '\u{2028}' | '\u{2029}' => push_u(&mut out, c, false),
                    c => out.push(c),
                }
            }
            out
        }
        Writer::AsciiOnly => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || !c.is_ascii() => push_u(&mut out, c, true),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Writer::EscapeAll => {
            let mut out = String::from("\"");
            for c in s.chars() {
                push_u(&mut out, c, false);
            }
            out.push('"');
            out
        }
    }
}

/// Sigma escaping of a literal: `*`, `?`, `\` get a backslash.
fn sigma_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

struct Lines(Vec<u64>, Vec<String>);

impl HitSink for Lines {
    fn hit(&mut self, _: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.0.push(hit.line);
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, line: u64, why: &str) {
        self.1.push(format!("line {line}: {why}"));
    }
    fn input_done(&mut self, _: &Input, summary: &InputSummary) {
        if let Some(e) = &summary.error {
            self.1.push(e.clone());
        }
    }
}

/// Scans `events` (one JSON line each) with `rule` under every engine;
/// returns the hit line numbers per engine.
fn hits_per_engine(rule: &str, events: &str) -> Vec<(EngineKind, Vec<u64>)> {
    let mut set = RuleSet::default();
    set.load_text(Path::new("prop.yml"), rule);
    assert!(set.errors.is_empty(), "rule {rule}: {:?}", set.errors);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("events.ndjson");
    std::fs::write(&path, events).expect("write events");
    let inputs = [Input {
        name: "events".into(),
        source: Source::File(path),
    }];
    let opts = ScanOptions {
        threads: 1,
        pin: false,
        read: ReadOptions {
            chunk_size: DEFAULT_CHUNK,
            mmap: false,
        },
    };
    util::engines()
        .into_iter()
        .map(|engine| {
            let plan = Plan::from_rules(&set, &CompileOptions::default());
            assert!(plan.errors.is_empty(), "rule {rule}: {:?}", plan.errors);
            assert_eq!(plan.rules.len(), 1, "rule {rule}");
            let scanner = Scanner::new(plan, engine, &FieldMap::new()).expect("scanner");
            let mut sink = Lines(Vec::new(), Vec::new());
            scanner.scan(&inputs, opts, &mut sink);
            assert!(sink.1.is_empty(), "events {events:?}: {:?}", sink.1);
            (engine, sink.0)
        })
        .collect()
}

/// Characters that stress JSON escaping and the literal prefilter.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            'a', 'B', 'z', ' ', '"', '\\', '/', '*', '?', '<', '>', '&', '\'', '\n', '\t',
            '\u{0}', '\u{1f}', '\u{7f}', 'é', 'É', 'ß', 'ſ', 'K', '\u{212a}', 'İ', 'Σ',
            '\u{2028}', '\u{2013}', '😀', 'u', '0', 'f',
        ]),
        1 => any::<char>(),
    ]
}

fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..12).prop_map(|v| v.into_iter().collect())
}

fn writer() -> impl Strategy<Value = Writer> {
    prop::sample::select(vec![
        Writer::Serde,
        Writer::AsciiOnly,
        Writer::Slash,
        Writer::Go,
        Writer::EscapeAll,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A `contains` rule on a substring of the event's string: every
    /// prefilter engine hits exactly when the exact evaluation alone does,
    /// whichever way the event's JSON writer escaped the string; unrouted,
    /// and routed by its channel (`gated`: a line whose literal hides
    /// behind an escape takes its route's rules, not its literals).
    #[test]
    fn prefilter_sound_under_json_escaping(
        s in nasty_string(),
        range in (0usize..13, 0usize..13),
        w in writer(),
        gated in any::<bool>(),
    ) {
        let chars: Vec<char> = s.chars().collect();
        let (a, b) = (range.0.min(chars.len()), range.1.min(chars.len()));
        let (a, b) = (a.min(b), a.max(b));
        let needle: String = chars[a..b].iter().collect();
        let (service, channel) = if gated {
            (", service: security", "\"Channel\": \"Security\", ")
        } else {
            ("", "")
        };
        let rule = format!(
            "title: t\nlogsource: {{product: windows{service}}}\ndetection:\n  sel:\n    F|contains: {}\n  condition: sel\n",
            yaml_quoted(&sigma_escape(&needle))
        );
        let line = format!("{{{channel}\"F\": {}}}\n", json_string(&s, w));
        if let Some((engine, hits, reference)) = engine_disagreeing(&rule, &line) {
            prop_assert!(
                false,
                "engine {:?} differs from None ({:?} vs {:?}): s {:?} needle {:?} writer {:?} line {:?}",
                engine, hits, reference, s, needle, w, line
            );
        }
    }
}

/// The first engine whose hits on `line` differ from no prefilter's, with
/// both hit lists.
fn engine_disagreeing(rule: &str, line: &str) -> Option<(EngineKind, Vec<u64>, Vec<u64>)> {
    let mut per = hits_per_engine(rule, line).into_iter();
    let (_, reference) = per.next().expect("the reference engine");
    per.find(|(_, hits)| *hits != reference)
        .map(|(engine, hits)| (engine, hits, reference))
}

fn substring(chars: &[char], range: (usize, usize)) -> String {
    let (a, b) = (range.0.min(chars.len()), range.1.min(chars.len()));
    chars[a.min(b)..a.max(b)].iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The same for a `re` rule, whose literals come from
    /// `compile::regex_literals`: a substring of the event's string (or a
    /// decoy that is probably not in it), regex-escaped, or-ed with another
    /// substring or not, under `|i` with the needles upper-cased or not.
    #[test]
    fn prefilter_sound_for_regex_under_json_escaping(
        s in nasty_string(),
        range in (0usize..13, 0usize..13),
        decoy in prop::option::of(nasty_string()),
        second in prop::option::of((0usize..13, 0usize..13)),
        w in writer(),
        ci in any::<bool>(),
    ) {
        let chars: Vec<char> = s.chars().collect();
        let case = |t: String| if ci { t.to_ascii_uppercase() } else { t };
        let first = case(decoy.unwrap_or_else(|| substring(&chars, range)));
        let mut pattern = regex_syntax::escape(&first);
        if let Some(r) = second {
            let second = case(substring(&chars, r));
            pattern = format!("(?:{pattern}|{})", regex_syntax::escape(&second));
        }
        let rule = format!(
            "title: t\nlogsource: {{product: windows}}\ndetection:\n  sel:\n    F|re{}: {}\n  condition: sel\n",
            if ci { "|i" } else { "" },
            yaml_quoted(&pattern)
        );
        let line = format!("{{\"F\": {}}}\n", json_string(&s, w));
        if let Some((engine, hits, reference)) = engine_disagreeing(&rule, &line) {
            prop_assert!(
                false,
                "engine {:?} differs from None ({:?} vs {:?}): s {:?} pattern {:?} writer {:?} line {:?}",
                engine, hits, reference, s, pattern, w, line
            );
        }
    }
}
