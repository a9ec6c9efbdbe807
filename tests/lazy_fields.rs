//! Lazy field access agrees with the full parse on real events: for every
//! field name any SigmaHQ rule uses and every line of the bundled event
//! corpora, the raw walk (`event::raw`) either finds the same value the
//! parsed document holds, finds it missing where the document has none, or
//! says it is unsure; and the routing peek (`event::peek`) reads the same
//! Channel/EventID as the gate does on the parsed line.
//!
//! Needs `../shared` (present in CI); skips with a note when absent. The
//! larger files are sampled (every 2nd line; every 50th of the 116 MB Mordor
//! subset) to keep it quick.

mod util;

use std::io::Read;
use std::path::Path;

use serde_json::Value as Json;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::raw::{Lookup, RawIndex};
use sigscan::event::{FieldMap, Layout, Resolver, parse_line, peek};
use sigscan::sigma::RuleSet;

fn read(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap();
    let bytes = if path.extension().is_some_and(|e| e == "zst") {
        let mut out = Vec::new();
        zstd::Decoder::new(&raw[..])
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The gate's field names are spelled twice (compile does not depend on
/// event): they must agree, or the gate would read a field nobody resolves.
#[test]
fn gate_field_names_agree() {
    assert_eq!(
        sigscan::compile::GATE_FIELD_NAMES,
        [sigscan::event::GATE_CHANNEL, sigscan::event::GATE_EVENT_ID]
    );
}

#[test]
fn raw_lookups_and_peek_agree_with_the_parser() {
    let Some(shared) = util::shared(&["sigma"]) else {
        return;
    };
    let set = RuleSet::load(&[shared.join("sigma/rules")]);
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    let names = &plan.fields;
    assert!(
        names.len() > 200,
        "SigmaHQ rules use many fields: {}",
        names.len()
    );
    let resolver = Resolver::new(names, &FieldMap::new());
    let files: &[(&str, usize)] = &[
        ("evtx-attack-samples.ndjson.zst", 2),
        ("hayabusa-sample-evtx.ndjson.zst", 2),
        ("evtx-powershell-4104.ndjson", 1),
        ("otrf-log4shell-azure-loganalytics.ndjson", 1),
        ("otrf-mordor-windows-host.ndjson.zst", 50),
    ];
    let (mut found, mut missing, mut unsure, mut peeked, mut lines) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut index = RawIndex::default();
    for &(file, step) in files {
        let text = read(&shared.join("events").join(file));
        for (n, line) in text.lines().enumerate().step_by(step) {
            let Ok(doc) = parse_line(line.as_bytes()) else {
                continue;
            };
            lines += 1;
            let layout = Layout::detect(&doc);
            if let Some(k) = peek::gate_key(line.as_bytes()) {
                peeked += 1;
                let channel = resolver.lookup(&doc, layout, sigscan::compile::CHANNEL);
                assert_eq!(
                    channel.and_then(Json::as_str),
                    Some(k.channel),
                    "{file}:{}",
                    n + 1
                );
            }
            index.clear();
            let Some(raw_layout) = index.layout(line.as_bytes()) else {
                unsure += names.len() as u64;
                continue;
            };
            assert_eq!(raw_layout, layout, "{file}:{}", n + 1);
            for id in 0..names.len() as u32 {
                let want = resolver.lookup(&doc, layout, id);
                match resolver.locate(&mut index, line.as_bytes(), layout, id) {
                    Lookup::Found((s, e)) => {
                        found += 1;
                        let got: Json = serde_json::from_str(&line[s..e]).unwrap();
                        assert_eq!(Some(&got), want, "{file}:{} {}", n + 1, names[id as usize]);
                    }
                    Lookup::Missing => {
                        missing += 1;
                        assert_eq!(want, None, "{file}:{} {}", n + 1, names[id as usize]);
                    }
                    Lookup::Unsure => {
                        unsure += 1;
                        // Azure Log Analytics keeps EventData as an embedded
                        // string, which only the parser expands.
                        assert!(file.contains("azure"), "{file}:{} unsure", n + 1);
                    }
                }
            }
        }
    }
    eprintln!("{lines} lines: {found} found, {missing} missing, {unsure} unsure; {peeked} peeked");
    assert!(found > 10_000, "the corpora hold many rule fields");
    assert!(
        peeked * 10 > lines * 9,
        "most lines should be routable: {peeked}/{lines}"
    );
}
