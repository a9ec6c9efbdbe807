//! Unit tests on SigmaHQ-style patterns, and property tests of the contract
//! (see the module documentation) against `regex::Regex` itself.

use proptest::prelude::*;

use super::*;

/// The pattern's required literals; `None` for one that does not parse.
fn required(pattern: &str, flags: Flags) -> Option<Vec<String>> {
    required_literals(&crate::compile::lazy_regex::parse(pattern, flags).ok()?)
}

fn lits(pattern: &str) -> Option<Vec<String>> {
    required(pattern, Flags::default())
}

fn lits_i(pattern: &str) -> Option<Vec<String>> {
    let flags = Flags {
        case_insensitive: true,
        ..Flags::default()
    };
    required(pattern, flags)
}

fn v(s: &[&str]) -> Option<Vec<String>> {
    Some(s.iter().map(|s| s.to_string()).collect())
}

#[test]
fn sigmahq_style_patterns() {
    assert_eq!(
        lits(r"(?i)\\(cmd|powershell)\.exe"),
        v(&[r"\cmd.exe", r"\powershell.exe"])
    );
    assert_eq!(lits(r"[a-z]{5}\.dll"), v(&[".dll"]));
    assert_eq!(lits(r"^(foo|bar)+baz"), v(&["baz"]));
    assert_eq!(
        lits(r"(?i)invoke-(expression|webrequest)"),
        v(&["invoke-expression", "invoke-webrequest"])
    );
    assert_eq!(
        lits_i(r"\\AppData\\Local\\Temp\\[a-z0-9]{8}\.exe$"),
        v(&[r"\appdata"])
    );
    // `(?i)` through the flag and inline agree, and both lowercase.
    assert_eq!(lits_i("VirtualAlloc"), v(&["virtualalloc"]));
    assert_eq!(lits("VirtualAlloc"), v(&["virtualalloc"]));
    // An alternation joins with its neighbours; alone, `enc` beats the pair
    // `-enc`/`/enc` (same shortest safe piece, fewer literals).
    assert_eq!(lits(r"\.(?:exe|dll)$"), v(&[".dll", ".exe"]));
    assert_eq!(lits(r"\s[-/]enc\s"), v(&["enc"]));
    // An optional group is expanded when small.
    assert_eq!(lits("net(1)?\\.exe"), v(&["net.exe", "net1.exe"]));
    assert_eq!(lits("(ab){2}c"), v(&["ababc"]));
    // A repetition with a minimum keeps the child's requirement.
    assert_eq!(lits(r"(?:\w+powershell\w*)+"), v(&["powershell"]));
    // Alternation lifts common prefixes in regex-syntax; still a union.
    assert_eq!(lits("(foo|fob)x"), v(&["fobx", "foox"]));
    assert_eq!(lits("fooa|foob"), v(&["fooa", "foob"]));
    // Byte classes (`(?-u)`) are read like Unicode ones.
    assert_eq!(lits("(?-u:[Aa])bc"), v(&["abc"]));
}

#[test]
fn declines_without_a_proof() {
    for p in [
        "",
        ".*",
        "^$",
        r"\b",
        r"[a-z]+",
        r"\d+",
        r"\w+",
        "(foo)*",
        "(foo)?",
        "foo|.*",
        "foo|[a-z]+",
        "[^x]+",
        r"\p{Greek}+",
        "(?i)[é]",
    ] {
        assert_eq!(lits(p), None, "{p}");
    }
    assert_eq!(lits("("), None, "does not parse");
}

/// Larger sets than the cap are dropped, not truncated.
#[test]
fn caps_the_set() {
    let many: Vec<String> = (0..MAX_LITERALS + 1).map(|i| format!("w{i:03}")).collect();
    assert_eq!(lits(&many.join("|")), None);
    let ok: Vec<String> = (0..MAX_LITERALS).map(|i| format!("w{i:03}")).collect();
    assert_eq!(lits(&ok.join("|")).map(|l| l.len()), Some(MAX_LITERALS));
    // A product past the cap falls back to a shorter run: `abc` plus one
    // digit (ten literals of four bytes beat one of three, as in `literals`).
    let ten = lits("abc[0-9][0-9]").unwrap();
    assert_eq!(ten.len(), 10);
    assert!(ten.iter().all(|l| l.len() == 4 && l.starts_with("abc")));
    assert_eq!(lits("ab[0-9]cd"), lits("ab[0123456789]cd"));
    assert_eq!(lits("ab[0-9]cd").map(|l| l.len()), Some(10));
}

/// The choice among a concatenation's candidates looks at the safe pieces
/// the prefilter will keep, not the raw length.
#[test]
fn prefers_safe_pieces() {
    // Four backslashes are longer than `ab`, but have no safe piece.
    assert_eq!(lits(r"\\\\\\\\.*ab"), v(&["ab"]));
    // Non-ASCII literals are kept (sound), for `best_piece` to split.
    assert_eq!(lits("é"), v(&["é"]));
    assert_eq!(lits("éabc"), v(&["éabc"]));
}

/// `(?i)x` is `[Xx]` (plus the Kelvin sign for k, long s for s): every
/// ASCII letter must come out as its lowercase literal. If `regex-syntax`
/// ever added a case variant outside `FOLDS_TO_ASCII`, this fails instead of
/// the analysis silently claiming too much.
#[test]
fn case_insensitive_letters_are_letters() {
    for c in ('a'..='z').chain('A'..='Z') {
        let want = v(&[&c.to_ascii_lowercase().to_string()]);
        assert_eq!(lits(&format!("(?i){c}")), want, "{c}");
        assert_eq!(lits_i(&c.to_string()), want, "{c}");
    }
    assert_eq!(lits_i("kernel32"), v(&["kernel32"]));
    // Such a match lacks the literal but holds a fold-to-ASCII character,
    // which makes its line a fallback line.
    let re = regex::RegexBuilder::new("kernel32")
        .case_insensitive(true)
        .build()
        .unwrap();
    let hay = "\u{212A}ernel32";
    assert!(re.is_match(hay) && !hay.to_ascii_lowercase().contains("kernel32"));
    assert!(crate::compile::literals::needs_fallback(hay.as_bytes()));
    // ß/ẞ are both fold-to-ASCII: the class has no ASCII member and is
    // unknown, the rest of the concatenation still counts.
    assert_eq!(lits_i("straße"), v(&["stra"]));
}

/// Multi-line and dot-all change anchors and `.`, never literals.
#[test]
fn flags_reach_the_parser() {
    let all = Flags {
        case_insensitive: true,
        multi_line: true,
        dot_matches_new_line: true,
    };
    assert_eq!(required("^Foo.bar$", all), v(&["foo"]));
    assert_eq!(required("(?-i)^Foo.barz$", all), v(&["barz"]));
}

// ---------------------------------------------------------------------------
// Property: whenever the regex matches, the haystack holds a literal (or a
// fold-to-ASCII character).
// ---------------------------------------------------------------------------

/// The characters patterns and haystacks are made of: letters with
/// non-ASCII case variants, punctuation the prefilter treats as unsafe,
/// non-ASCII characters in and out of `FOLDS_TO_ASCII`.
const ALPHABET: &[char] = &[
    'a', 'b', 'k', 's', 'K', 'S', 'x', '1', '-', '.', '\\', '/', ' ', '"', '\n', 'é', 'É',
    '\u{212A}', '\u{17F}', 'ß', '\u{1E9E}',
];

#[derive(Clone, Debug)]
enum Node {
    Lit(String),
    Class(Vec<char>, bool),
    Perl(&'static str),
    Look(&'static str),
    Alt(Vec<Node>),
    Concat(Vec<Node>),
    Rep(Box<Node>, u32, Option<u32>),
    Group(Box<Node>),
    CaseI(Box<Node>, bool),
}

fn alpha_char() -> impl Strategy<Value = char> {
    prop::sample::select(ALPHABET.to_vec())
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        4 => prop::collection::vec(alpha_char(), 1..5)
            .prop_map(|v| Node::Lit(v.into_iter().collect())),
        2 => (prop::collection::vec(alpha_char(), 1..4), prop::bool::weighted(0.2))
            .prop_map(|(v, neg)| Node::Class(v, neg)),
        1 => prop::sample::select(vec![r"\d", r"\w", r"\s", ".", r"\S"]).prop_map(Node::Perl),
        1 => prop::sample::select(vec!["^", "$", r"\b", r"\B", "(?m:^)", "(?m:$)"])
            .prop_map(Node::Look),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            2 => prop::collection::vec(inner.clone(), 2..4).prop_map(Node::Alt),
            3 => prop::collection::vec(inner.clone(), 2..5).prop_map(Node::Concat),
            2 => (inner.clone(), 0..3u32, prop::option::of(0..3u32)).prop_map(|(n, min, extra)| {
                Node::Rep(Box::new(n), min, extra.map(|e| min + e))
            }),
            1 => inner.clone().prop_map(|n| Node::Group(Box::new(n))),
            1 => (inner, any::<bool>()).prop_map(|(n, on)| Node::CaseI(Box::new(n), on)),
        ]
    })
}

fn escape(c: char) -> String {
    regex_syntax::escape(&c.to_string())
}

fn to_regex(n: &Node) -> String {
    match n {
        Node::Lit(s) => regex_syntax::escape(s),
        Node::Class(cs, neg) => {
            let body: String = cs.iter().map(|&c| escape(c)).collect();
            format!("[{}{body}]", if *neg { "^" } else { "" })
        }
        Node::Perl(p) | Node::Look(p) => p.to_string(),
        Node::Alt(ns) => format!(
            "(?:{})",
            ns.iter().map(to_regex).collect::<Vec<_>>().join("|")
        ),
        Node::Concat(ns) => ns.iter().map(to_regex).collect(),
        Node::Rep(n, min, max) => match max {
            Some(max) => format!("(?:{}){{{min},{max}}}", to_regex(n)),
            None => format!("(?:{}){{{min},}}", to_regex(n)),
        },
        Node::Group(n) => format!("({})", to_regex(n)),
        Node::CaseI(n, on) => format!("(?{}i:{})", if *on { "" } else { "-" }, to_regex(n)),
    }
}

/// A tiny deterministic generator for the sampler.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A case variant of `c` as `(?i)` accepts it, fold-to-ASCII ones included.
fn case_variant(c: char, rng: &mut Rng) -> char {
    let variants: Vec<char> = match c.to_ascii_lowercase() {
        'k' => vec!['k', 'K', '\u{212A}'],
        's' => vec!['s', 'S', '\u{17F}'],
        'é' | 'É' => vec!['é', 'É'],
        'ß' | '\u{1E9E}' => vec!['ß', '\u{1E9E}'],
        l if l.is_ascii_alphabetic() => vec![l, l.to_ascii_uppercase()],
        _ => vec![c],
    };
    variants[rng.below(variants.len())]
}

/// Appends a string that the node probably matches (look-arounds are
/// ignored, so the result is checked with the regex, not assumed).
fn sample(n: &Node, ci: bool, rng: &mut Rng, out: &mut String) {
    let pick = |c: char, rng: &mut Rng| if ci { case_variant(c, rng) } else { c };
    match n {
        Node::Lit(s) => s.chars().for_each(|c| out.push(pick(c, rng))),
        Node::Class(cs, false) => {
            let c = cs[rng.below(cs.len())];
            out.push(pick(c, rng));
        }
        Node::Class(_, true) | Node::Perl(_) => out.push(ALPHABET[rng.below(ALPHABET.len())]),
        Node::Look(_) => {}
        Node::Alt(ns) => sample(&ns[rng.below(ns.len())], ci, rng, out),
        Node::Concat(ns) => ns.iter().for_each(|n| sample(n, ci, rng, out)),
        Node::Rep(n, min, max) => {
            let hi = max.unwrap_or(min + 2);
            let k = *min as usize + rng.below((hi - min + 1) as usize);
            (0..k).for_each(|_| sample(n, ci, rng, out));
        }
        Node::Group(n) => sample(n, ci, rng, out),
        Node::CaseI(n, on) => sample(n, *on, rng, out),
    }
}

fn random_text(rng: &mut Rng, max: usize) -> String {
    let len = rng.below(max + 1);
    (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

/// The contract: the haystack holds a literal ASCII-caselessly, or a
/// fold-to-ASCII character.
fn covered(hay: &str, lits: &[String]) -> bool {
    if hay.chars().any(|c| FOLDS_TO_ASCII.contains(&c)) {
        return true;
    }
    let hay = hay.to_ascii_lowercase();
    lits.iter().any(|l| hay.contains(&l.to_ascii_lowercase()))
}

fn flags() -> impl Strategy<Value = Flags> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(i, m, s)| Flags {
        case_insensitive: i,
        multi_line: m,
        dot_matches_new_line: s,
    })
}

fn build(pattern: &str, f: Flags) -> regex::Regex {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(f.case_insensitive)
        .multi_line(f.multi_line)
        .dot_matches_new_line(f.dot_matches_new_line)
        .build()
        .expect("generated patterns compile")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Haystacks built from the pattern itself (most of them match), with
    /// random text around them, and fully random ones.
    #[test]
    fn every_match_holds_a_literal(n in node(), f in flags(), seed in any::<u64>()) {
        let pattern = to_regex(&n);
        let re = build(&pattern, f);
        let Some(lits) = required(&pattern, f) else { return Ok(()) };
        prop_assert!(!lits.is_empty() && lits.iter().all(|l| !l.is_empty()));
        let mut rng = Rng(seed | 1);
        for _ in 0..16 {
            let mut hay = random_text(&mut rng, 3);
            sample(&n, f.case_insensitive, &mut rng, &mut hay);
            hay.push_str(&random_text(&mut rng, 3));
            if re.is_match(&hay) {
                prop_assert!(covered(&hay, &lits), "{pattern:?} {f:?} {hay:?} {lits:?}");
            }
            let hay = random_text(&mut rng, 8);
            if re.is_match(&hay) {
                prop_assert!(covered(&hay, &lits), "{pattern:?} {f:?} {hay:?} {lits:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The naive reference: every string up to length 4 over the pattern's
    /// own characters (with their case variants and one stranger) that the
    /// regex matches holds a literal.
    #[test]
    fn exhaustive_short_haystacks(n in node(), f in flags()) {
        let pattern = to_regex(&n);
        let Some(lits) = required(&pattern, f) else { return Ok(()) };
        let re = build(&pattern, f);
        let mut alphabet: Vec<char> = vec!['z'];
        for c in pattern.chars().filter(|c| ALPHABET.contains(c)) {
            for v in [c, c.to_ascii_lowercase(), c.to_ascii_uppercase()] {
                if !alphabet.contains(&v) {
                    alphabet.push(v);
                }
            }
        }
        alphabet.truncate(8);
        let mut words = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for w in &words {
                if re.is_match(w) {
                    prop_assert!(covered(w, &lits), "{pattern:?} {f:?} {w:?} {lits:?}");
                }
                for &c in &alphabet {
                    next.push(format!("{w}{c}"));
                }
            }
            words = next;
        }
        for w in &words {
            if re.is_match(w) {
                prop_assert!(covered(w, &lits), "{pattern:?} {f:?} {w:?} {lits:?}");
            }
        }
    }
}
/// Long patterns: a run stops growing once its safe piece reaches the
/// quality cap, and exact strings stop at `MAX_EXACT_LEN`.
#[test]
fn long_patterns() {
    let p: String = (0..3000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let got = lits_i(&p).unwrap();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].len() >= QUALITY_CAP && p.starts_with(&got[0]),
        "{got:?}"
    );
    let alts: String = (0..300).map(|i| format!("(?:x{i}|y{i})")).collect();
    let got = lits(&alts).unwrap();
    assert!(got.len() <= MAX_LITERALS && got.iter().all(|l| l.len() >= QUALITY_CAP));
}
