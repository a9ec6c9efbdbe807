//! The condition grammar: parsing arbitrary text never panics, and whatever
//! parses also matches identifiers without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigscan::sigma::condition;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cond) = condition::parse(text) {
        let _ = format!("{cond:?}");
    }
    let _ = condition::pattern_matches(text, "selection_img");
});
