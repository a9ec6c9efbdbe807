//! Arbitrary bytes as one NDJSON line against a fixed rule set: no panic,
//! and the pure-Rust prefilter finds exactly what no prefilter finds.
#![no_main]

use std::io;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;

const RULES: &str = include_str!("../../corpora/rules/posh_win_api_functions.yml");
const EXTRA: &str = "
title: keywords and regex
logsource: {product: windows, service: security}
detection:
  kw: ['mimikatz', 'sekurlsa']
  re: {CommandLine|re|i: 'invoke-\\w+'}
  condition: kw or re
";

struct Collect(Vec<(u64, String)>);

impl HitSink for Collect {
    fn hit(&mut self, _: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.0.push((hit.line, hit.rule.meta.id.clone()));
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

fn scanners() -> &'static (Scanner, Scanner) {
    static S: OnceLock<(Scanner, Scanner)> = OnceLock::new();
    S.get_or_init(|| {
        let build = |engine| {
            let mut set = RuleSet::default();
            set.load_text(std::path::Path::new("seed.yml"), RULES);
            set.load_text(std::path::Path::new("extra.yml"), EXTRA);
            let plan = Plan::from_rules(&set, &CompileOptions::default());
            Scanner::new(plan, engine, &FieldMap::new()).expect("scanner")
        };
        (build(EngineKind::None), build(EngineKind::Rust))
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 256 * 1024 {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sigscan-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("line.ndjson");
    std::fs::write(&path, data).expect("temp file");
    let inputs = [Input {
        name: "fuzz".into(),
        source: Source::File(path),
    }];
    let opts = ScanOptions {
        threads: 1,
        pin: false,
        read: ReadOptions {
            chunk_size: 1 << 16,
            mmap: false,
        },
    };
    let (none, rust) = scanners();
    let mut a = Collect(Vec::new());
    let mut b = Collect(Vec::new());
    none.scan(&inputs, opts, &mut a);
    rust.scan(&inputs, opts, &mut b);
    assert_eq!(a.0, b.0, "prefilter changed the hits");
});
