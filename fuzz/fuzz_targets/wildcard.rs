//! The compiled wildcard matcher against an independent regex translation of
//! SIGMA.md §1 (the same one as `tests/properties.rs`). ASCII only: the
//! reference folds case by Unicode simple folding, the matcher by its own
//! table, and the two agree on ASCII.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sigscan::compile::pattern::StrMatcher;
use sigscan::sigma::value::SigmaString;

#[derive(Arbitrary, Debug)]
struct Case {
    pattern: String,
    value: String,
}

/// `\*`, `\?`, `\\` are the literal character; any other backslash (also a
/// trailing one) is a literal backslash; `*` any run, `?` one character;
/// anchored, case-insensitive.
fn sigma_to_regex(p: &str) -> regex::Regex {
    let mut re = String::from("(?is)^");
    let cs: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        match cs[i] {
            '\\' => match cs.get(i + 1) {
                Some(&n @ ('*' | '?' | '\\')) => {
                    re.push_str(&regex::escape(&n.to_string()));
                    i += 1;
                }
                _ => re.push_str(r"\\"),
            },
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    regex::Regex::new(&re).expect("translated pattern compiles")
}

fuzz_target!(|case: Case| {
    if !case.pattern.is_ascii()
        || !case.value.is_ascii()
        || case.pattern.len() > 64
        || case.value.len() > 256
    {
        return;
    }
    let m = StrMatcher::new(&SigmaString::parse(&case.pattern), false);
    let re = sigma_to_regex(&case.pattern);
    assert_eq!(
        m.matches(&case.value),
        re.is_match(&case.value),
        "pattern {:?} value {:?}",
        case.pattern,
        case.value
    );
});
