//! Arbitrary bytes as a rule file: loading, compiling and resolving
//! correlations never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::sigma::RuleSet;

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    let mut set = RuleSet::default();
    set.load_text(
        std::path::Path::new("fuzz.yml"),
        &String::from_utf8_lossy(data),
    );
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    let _ = sigscan::correlate::CorrelationPlan::build(&set, &plan, None);
});
