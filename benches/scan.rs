//! End-to-end and field-extraction benches.
//!
//! - `scan/seed_rule`: the seed rule over a generated corpus (`sigscan-gen`),
//!   per engine, through the real scan loop (chunks, workers, verification),
//!   searching the PowerShell channel's lines first (`gate`: with the
//!   `LineFinder` where the CPU runs AVX2; `gate_engine`: with the engine's
//!   own line finder) and in one pass (`one_pass`,
//!   `Scanner::with_gate_first`). The hit count is checked
//!   against the generator's own count first: a fast wrong answer fails.
//! - `event/parse_resolve`: parse one evtx_dump line and resolve the fields
//!   a process-creation rule reads, the per-candidate cost.

use std::hint::black_box;
use std::io;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::{FieldMap, Layout, Resolver, parse_line};
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;
use sigscan_gen::{GenConfig, generate};

const SEED_RULE: &str = include_str!("../corpora/rules/posh_win_api_functions.yml");
const CORPUS_BYTES: u64 = 32 << 20;

struct Count(u64);

impl HitSink for Count {
    fn hit(&mut self, _: &Input, _: &Hit<'_>) -> io::Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

fn scanner(engine: EngineKind, way: &str) -> Scanner {
    let mut set = RuleSet::default();
    set.load_text(std::path::Path::new("seed.yml"), SEED_RULE);
    let s = Scanner::new(
        Plan::from_rules(&set, &CompileOptions::default()),
        engine,
        &FieldMap::new(),
    )
    .expect("scanner");
    match way {
        "gate_engine" => s.with_engine_gate_first(),
        way => s.with_gate_first(way == "gate"),
    }
}

fn bench_scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gen.ndjson");
    let mut file = std::fs::File::create(&path).expect("corpus file");
    let summary = generate(
        &GenConfig {
            size: CORPUS_BYTES,
            seed: 7,
            hit_rate: 0.01,
        },
        &mut file,
    )
    .expect("generate");
    drop(file);
    let inputs = [Input {
        name: "gen".into(),
        source: Source::File(path.clone()),
    }];
    let mut g = c.benchmark_group("scan/seed_rule");
    g.throughput(Throughput::Bytes(summary.bytes));
    g.sample_size(10);
    let mut engines = vec![EngineKind::Rust];
    if EngineKind::hyperscan_available() {
        engines.push(EngineKind::Hyperscan);
    }
    let ways = ["gate", "gate_engine", "one_pass"];
    for (engine, way) in engines.into_iter().flat_map(|e| ways.map(|w| (e, w))) {
        let s = scanner(engine, way);
        assert!(
            s.gate_first() == (way != "one_pass"),
            "the seed rule names two channels"
        );
        for threads in [1, 2] {
            let opts = ScanOptions {
                threads,
                pin: true,
                read: ReadOptions {
                    chunk_size: sigscan::scan::DEFAULT_CHUNK,
                    mmap: true,
                },
            };
            let mut check = Count(0);
            s.scan(&inputs, opts, &mut check);
            assert_eq!(
                check.0, summary.seed_hits,
                "{engine:?} {way}: wrong hit count"
            );
            g.bench_function(format!("{}/{way}/{threads}t", engine.name()), |b| {
                b.iter(|| {
                    let mut sink = Count(0);
                    s.scan(black_box(&inputs), opts, &mut sink);
                    sink.0
                })
            });
        }
    }
    g.finish();
}

fn bench_event(c: &mut Criterion) {
    let line = br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS01.corp.example"},"EventData":{"UtcTime":"2024-05-01 10:00:00.000","ProcessGuid":"{a1b2c3d4-0000-0000-0000-000000000001}","ProcessId":4242,"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami /all","CurrentDirectory":"C:\\Users\\alice\\","User":"CORP\\alice","ParentImage":"C:\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\Explorer.EXE","Hashes":"SHA256=0123456789ABCDEF"}}}"##;
    let names: Vec<String> = [
        "Channel",
        "EventID",
        "Image",
        "CommandLine",
        "ParentImage",
        "User",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let resolver = Resolver::new(&names, &FieldMap::new());
    let root = parse_line(line).expect("valid line");
    let layout = Layout::detect(&root);
    assert_eq!(
        resolver.lookup(&root, layout, 3).and_then(|v| v.as_str()),
        Some("cmd.exe /c whoami /all")
    );
    let mut g = c.benchmark_group("event");
    g.throughput(Throughput::Bytes(line.len() as u64));
    g.bench_function("parse_resolve", |b| {
        b.iter(|| {
            let root = parse_line(black_box(line)).expect("valid line");
            let layout = Layout::detect(&root);
            (0..names.len() as u32)
                .filter(|&i| resolver.lookup(&root, layout, i).is_some())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_scan, bench_event);
criterion_main!(benches);
