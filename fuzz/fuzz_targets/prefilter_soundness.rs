//! Structure-aware prefilter soundness: a one-item rule (a field from a fixed
//! list, a modifier, a few values) against one event whose string was
//! written by one of several JSON writers. The pure-Rust prefilter must find
//! exactly the hits that exact evaluation of every line finds, searching in
//! one pass and gate first (`Scanner::with_gate_first`, with the
//! `LineFinder` and `FingerprintFinder` and with the engine's own stages):
//! with a PowerShell logsource the event is an evtx_dump record whose
//! channel the same writer wrote (escapes, a character whose case fold is
//! ASCII, another channel).
#![no_main]

#[path = "../../tests/support/reference.rs"]
mod reference;
use reference::yaml_quoted;
use std::io;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;

const FIELDS: [&str; 4] = ["CommandLine", "Image", "ScriptBlockText", "F"];

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    Plain,
    Windash,
    All,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Writer {
    /// serde_json: `"`, `\` and controls escaped.
    Serde,
    /// Every non-ASCII char as `\uXXXX`.
    AsciiOnly,
    /// serde_json and `/` as `\/`.
    Slash,
    /// Go: `<>&'` and U+2028/2029 as `\u003c` ….
    Go,
    /// Every char as `\uXXXX`.
    EscapeAll,
}

/// The rule's logsource, and the channel of the event.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Channel {
    /// `product: windows` alone; the event is `{FIELD: value}`.
    Any,
    PowerShell,
    PowerShellCore,
    /// `Microſoft-…`: its case fold is the PowerShell channel's.
    LongS,
    Sysmon,
}

impl Channel {
    fn name(self) -> Option<&'static str> {
        match self {
            Channel::Any => None,
            Channel::PowerShell => Some("Microsoft-Windows-PowerShell/Operational"),
            Channel::PowerShellCore => Some("PowerShellCore/Operational"),
            Channel::LongS => Some("Micro\u{17F}oft-Windows-PowerShell/Operational"),
            Channel::Sysmon => Some("Microsoft-Windows-Sysmon/Operational"),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Case {
    field: u8,
    modifier: Modifier,
    values: Vec<String>,
    event: String,
    writer: Writer,
    channel: Channel,
}

fn push_u(out: &mut String, c: char) {
    let mut buf = [0u16; 2];
    for u in c.encode_utf16(&mut buf) {
        out.push_str(&format!("\\u{u:04x}"));
    }
}

fn json_string(s: &str, w: Writer) -> String {
    let serde = || serde_json::to_string(s).expect("string serializes");
    match w {
        Writer::Serde => serde(),
        Writer::Slash => serde().replace('/', "\\/"),
        Writer::Go => {
            let mut out = String::new();
            for c in serde().chars() {
                match c {
                    '<' | '>' | '&' | '\'' | '\u{2028}' | '\u{2029}' => push_u(&mut out, c),
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
                    c if (c as u32) < 0x20 || !c.is_ascii() => push_u(&mut out, c),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Writer::EscapeAll => {
            let mut out = String::from("\"");
            for c in s.chars() {
                push_u(&mut out, c);
            }
            out.push('"');
            out
        }
    }
}

struct Collect(Vec<u64>);

impl HitSink for Collect {
    fn hit(&mut self, _: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.0.push(hit.line);
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

fuzz_target!(|case: Case| {
    if case.values.is_empty()
        || case.values.len() > 4
        || case.values.iter().any(|v| v.len() > 64)
        || case.event.len() > 1024
    {
        return;
    }
    let field = FIELDS[case.field as usize % FIELDS.len()];
    let modifier = match case.modifier {
        Modifier::Contains => "|contains",
        Modifier::StartsWith => "|startswith",
        Modifier::EndsWith => "|endswith",
        Modifier::Plain => "",
        Modifier::Windash => "|windash|contains",
        Modifier::All => "|contains|all",
    };
    let values: Vec<String> = case.values.iter().map(|v| yaml_quoted(v)).collect();
    let logsource = match case.channel {
        Channel::Any => "{product: windows}",
        _ => "{product: windows, category: ps_script}",
    };
    let rule = format!(
        "title: fuzz\nlogsource: {logsource}\ndetection:\n  sel:\n    {field}{modifier}: [{}]\n  condition: sel\n",
        values.join(", ")
    );
    let mut set = RuleSet::default();
    set.load_text(std::path::Path::new("fuzz.yml"), &rule);
    if !set.errors.is_empty() {
        return;
    }
    let value = json_string(&case.event, case.writer);
    let line = match case.channel.name() {
        None => format!("{{\"{field}\": {value}}}\n"),
        Some(channel) => format!(
            "{{\"Event\":{{\"System\":{{\"Channel\":{},\"EventID\":4104}},\"EventData\":{{\"{field}\":{value}}}}}}}\n",
            json_string(channel, case.writer)
        ),
    };

    let dir = std::env::temp_dir().join(format!("sigscan-fuzz-pf-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("line.ndjson");
    std::fs::write(&path, &line).expect("temp file");
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
    // Gate first: off, on (the `LineFinder` where the CPU runs AVX2, the
    // `FingerprintFinder` where it runs AVX-512 VBMI), on with the engine's
    // own stages.
    let run = |engine, gate_first: &str| {
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        if !plan.errors.is_empty() || plan.rules.len() != 1 {
            return None;
        }
        let scanner = Scanner::new(plan, engine, &FieldMap::new()).expect("scanner");
        let scanner = match gate_first {
            "engine" => scanner.with_engine_gate_first(),
            on => scanner.with_gate_first(on == "on"),
        };
        let mut sink = Collect(Vec::new());
        scanner.scan(&inputs, opts, &mut sink);
        Some(sink.0)
    };
    let Some(reference) = run(EngineKind::None, "off") else {
        return;
    };
    for gate_first in ["off", "on", "engine"] {
        let rust = run(EngineKind::Rust, gate_first).expect("compiled once");
        assert_eq!(
            rust, reference,
            "prefilter changed the hits (gate first: {gate_first}): rule {rule:?} line {line:?}"
        );
    }
});
