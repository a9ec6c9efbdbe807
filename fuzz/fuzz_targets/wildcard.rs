//! The compiled wildcard matcher against an independent regex translation of
//! SIGMA.md §1 (the same one as `tests/properties.rs`). ASCII only: the
//! reference folds case by Unicode simple folding, the matcher by its own
//! table, and the two agree on ASCII.
#![no_main]

#[path = "../../tests/support/reference.rs"]
mod reference;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use reference::sigma_to_regex;
use sigscan::compile::pattern::StrMatcher;
use sigscan::sigma::value::SigmaString;

#[derive(Arbitrary, Debug)]
struct Case {
    pattern: String,
    value: String,
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
