//! Arbitrary bytes as one NDJSON line against a fixed rule set: no panic,
//! and the pure-Rust prefilter finds exactly what no prefilter finds, with
//! logsources (gate routing) and without (shape routing). Also checks the
//! raw-line readers against the full parse directly: the routing peek
//! (`event::peek`), the line's shape (`event::shape`) and lazy field
//! location (`event::raw`), and the fast validator against serde_json
//! (`event::surely_object`).
#![no_main]

use std::io;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value as Json;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::raw::{Lookup, RawIndex};
use sigscan::event::{
    FieldMap, Layout, Resolver, parse_line, peek, shape, surely_object, surely_object_with_root,
};
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
---
title: no literal
logsource: {product: windows, service: powershell}
detection:
  sel: {EventID: 4104, Image|exists: true}
  condition: sel
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

/// (no prefilter, pure Rust) with logsources, then without.
fn scanners() -> &'static [(Scanner, Scanner); 2] {
    static S: OnceLock<[(Scanner, Scanner); 2]> = OnceLock::new();
    S.get_or_init(|| {
        let build = |engine, no_logsource| {
            let mut set = RuleSet::default();
            set.load_text(std::path::Path::new("seed.yml"), RULES);
            set.load_text(std::path::Path::new("extra.yml"), EXTRA);
            let opts = CompileOptions {
                no_logsource,
                ..CompileOptions::default()
            };
            let plan = Plan::from_rules(&set, &opts);
            Scanner::new(plan, engine, &FieldMap::new()).expect("scanner")
        };
        [false, true].map(|n| (build(EngineKind::None, n), build(EngineKind::Rust, n)))
    })
}

/// Field names the raw walk must resolve like the parser: the gate fields,
/// ordinary and spaced payload names, a dotted path and a `#text` holder.
const FIELDS: &[&str] = &[
    sigscan::event::GATE_CHANNEL,
    sigscan::event::GATE_EVENT_ID,
    "Channel",
    "EventID",
    "ScriptBlockText",
    "CommandLine",
    "Image",
    "ThreatName",
    "Provider_Name",
    "TimeCreated",
    "winlog.event_data.Image",
    "a",
    "b",
];

fn check_raw_readers(line: &[u8]) {
    // The fast validator says yes only where serde_json does.
    let text = String::from_utf8_lossy(line);
    if surely_object(text.as_bytes()) {
        assert!(
            serde_json::from_str::<Json>(&text).is_ok_and(|v| v.is_object()),
            "surely_object accepted what serde_json rejects"
        );
    }
    // The validation's walk of the top level routes as the peek's walk.
    let mut walked = Vec::new();
    if let Some(plain_keys) = surely_object_with_root(text.as_bytes(), &mut walked) {
        let fused = plain_keys
            .then(|| peek::gate_key_of_root(text.as_bytes(), &walked))
            .flatten();
        let mut root = Vec::new();
        let peeked = peek::gate_key_with_root(text.as_bytes(), &mut root);
        assert_eq!(fused, peeked, "gate key from the validation's walk");
        if plain_keys && peeked.is_some() {
            assert_eq!(walked, root, "top-level members");
        }
    }
    let Ok(doc) = parse_line(line) else { return };
    let names: Vec<String> = FIELDS.iter().map(|s| s.to_string()).collect();
    let resolver = Resolver::new(&names, &FieldMap::new());
    let layout = Layout::detect(&doc);
    if let Some(k) = peek::gate_key(line) {
        let channel = resolver.lookup(&doc, layout, 0).and_then(Json::as_str);
        assert_eq!(channel, Some(k.channel), "peeked channel");
        let id = resolver
            .lookup(&doc, layout, 1)
            .and_then(sigscan::compile::gate_event_id);
        assert_eq!(id, k.event_id, "peeked event id");
    }
    // The shape has a field exactly where the line has it.
    let mut shaped = Vec::new();
    if shape::shape(line, &mut shaped) {
        let sdoc = parse_line(&shaped).expect("a shape parses");
        let slayout = Layout::detect(&sdoc);
        assert_eq!(slayout, layout, "shape layout");
        for id in 0..names.len() as u32 {
            assert_eq!(
                resolver.lookup(&sdoc, slayout, id).is_some(),
                resolver.lookup(&doc, layout, id).is_some(),
                "shape presence of {}",
                names[id as usize]
            );
        }
    }
    // The scanner walks the lossily decoded text, as the parser reads it.
    let text = String::from_utf8_lossy(line);
    let line = text.as_bytes();
    let mut index = RawIndex::default();
    let Some(raw_layout) = index.layout(line) else {
        return;
    };
    assert_eq!(raw_layout, layout, "raw layout");
    for id in 0..names.len() as u32 {
        let want = resolver.lookup(&doc, layout, id);
        match resolver.locate(&mut index, line, layout, id) {
            Lookup::Found((s, e)) => {
                let got: Json = serde_json::from_str(&text[s..e]).expect("a located value parses");
                assert_eq!(Some(&got), want, "raw value of {}", names[id as usize]);
            }
            Lookup::Missing => assert_eq!(want, None, "raw says {} is missing", names[id as usize]),
            Lookup::Unsure => {}
        }
    }
    // An index that adopts the peek's (or the shape's) walk of the top level
    // answers as the one that walked it.
    for via_peek in [true, false] {
        let mut root = Vec::new();
        let ok = if via_peek {
            peek::gate_key_with_root(line, &mut root).is_some()
        } else {
            shape::shape_with_root(line, &mut Vec::new(), &mut root)
        };
        if !ok {
            continue;
        }
        let mut adopted = RawIndex::default();
        adopted.adopt_root(line, &root);
        assert_eq!(adopted.layout(line), Some(layout), "adopted layout");
        for id in 0..names.len() as u32 {
            assert_eq!(
                resolver.locate(&mut adopted, line, layout, id),
                resolver.locate(&mut index, line, layout, id),
                "adopted root, {}",
                names[id as usize]
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 256 * 1024 {
        return;
    }
    for line in data.split(|&b| b == b'\n') {
        check_raw_readers(line);
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
    for (none, rust) in scanners() {
        let mut a = Collect(Vec::new());
        let mut b = Collect(Vec::new());
        none.scan(&inputs, opts, &mut a);
        rust.scan(&inputs, opts, &mut b);
        assert_eq!(a.0, b.0, "prefilter changed the hits");
    }
});
