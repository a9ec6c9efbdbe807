//! Prefilter soundness on real data: every SigmaHQ rule over every event of
//! the bundled corpora gives the same hits with no prefilter (`none`, the
//! reference), with the pure-Rust engine, and with Hyperscan when built,
//! for one and several threads and small and default chunks.
//!
//! Needs `../shared` (present in CI); skips with a note when absent. The
//! 1.5 GB `otrf-mordor-windows-host-all` is left to the benchmarks.

mod util;

use std::collections::BTreeSet;
use std::io;
use std::path::PathBuf;

use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;
use sigscan::sigma::maps::read_string_map;

#[derive(Default)]
struct Collect {
    hits: BTreeSet<(String, u64, String)>,
    lines: u64,
    /// Events, empty lines and invalid lines.
    kinds: (u64, u64, u64),
    /// Routes the scan built.
    routes: usize,
}

impl HitSink for Collect {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.hits
            .insert((input.name.clone(), hit.line, hit.rule.meta.id.clone()));
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, s: &InputSummary) {
        assert!(s.error.is_none(), "read error: {:?}", s.error);
        self.lines += s.counts.lines;
        self.kinds.0 += s.counts.events;
        self.kinds.1 += s.counts.empty_lines;
        self.kinds.2 += s.counts.invalid_lines;
    }
}

/// The bundled event files `files` of `../shared/events` as inputs.
fn event_files(shared: &std::path::Path, files: &[&str]) -> Vec<Input> {
    files
        .iter()
        .map(|f| Input {
            name: f.to_string(),
            source: Source::File(shared.join("events").join(f)),
        })
        .collect()
}

/// Scans `inputs` with `set` compiled under `opts`, through `engine`.
fn scan(
    set: &RuleSet,
    opts: &CompileOptions,
    inputs: &[Input],
    engine: EngineKind,
    threads: usize,
    chunk_size: usize,
) -> Collect {
    let plan = Plan::from_rules(set, opts);
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    let scanner = Scanner::new(plan, engine, &FieldMap::new()).unwrap();
    scan_with(&scanner, inputs, threads, chunk_size)
}

fn scan_with(scanner: &Scanner, inputs: &[Input], threads: usize, chunk_size: usize) -> Collect {
    let mut sink = Collect::default();
    let o = ScanOptions {
        threads,
        pin: false,
        read: ReadOptions {
            chunk_size,
            mmap: true,
        },
    };
    scanner.scan(inputs, o, &mut sink);
    sink.routes = scanner.routes_built();
    sink
}

#[test]
fn every_engine_finds_the_same_hits_as_no_prefilter() {
    let Some(shared) = util::shared(&["sigma/rules"]) else {
        return;
    };
    let root = util::root();
    let rule_dirs: Vec<PathBuf> = [
        "rules",
        "rules-threat-hunting",
        "rules-emerging-threats",
        "rules-compliance",
        "rules-placeholder",
        "rules-dfir",
    ]
    .iter()
    .map(|d| shared.join("sigma").join(d))
    .collect();
    let set = RuleSet::load(&rule_dirs);
    let opts = CompileOptions {
        placeholders: read_string_map(&root.join("corpora/placeholders.yml")).unwrap(),
        no_logsource: false,
        threads: None,
    };
    let inputs = event_files(
        &shared,
        &[
            "evtx-attack-samples.ndjson.zst",
            "hayabusa-sample-evtx.ndjson.zst",
            "otrf-mordor-windows-host.ndjson.zst",
            "evtx-powershell-4104.ndjson",
            "otrf-log4shell-azure-loganalytics.ndjson",
        ],
    );

    let run = |engine, threads, chunk| scan(&set, &opts, &inputs, engine, threads, chunk);
    let reference = run(EngineKind::None, 2, 4 << 20);
    assert!(
        reference.lines > 60_000,
        "corpora too small: {}",
        reference.lines
    );
    assert!(
        reference.hits.len() > 100,
        "suspiciously few hits: {}",
        reference.hits.len()
    );
    // Every engine built but the reference; 64 KiB rather than tiny chunks keeps
    // the real corpora quick.
    let configs: Vec<(EngineKind, usize, usize)> = util::engines()
        .into_iter()
        .filter(|&e| e != EngineKind::None)
        .flat_map(|e| [(e, 2, 4 << 20), (e, 1, 64 << 10)])
        .collect();
    for (engine, threads, chunk) in configs {
        let got = run(engine, threads, chunk);
        assert_eq!(got.lines, reference.lines);
        let missing: Vec<_> = reference.hits.difference(&got.hits).take(20).collect();
        let extra: Vec<_> = got.hits.difference(&reference.hits).take(20).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{engine:?} threads={threads} chunk={chunk}: {} hits vs {} reference\nmissing: {missing:#?}\nextra: {extra:#?}",
            got.hits.len(),
            reference.hits.len()
        );
    }
}

/// Detection only (`--no-logsource`): no gate narrows the rules, so every
/// rule without a literal is tried on every line, through the EventID index
/// of the always-evaluated rules (`compile::AlwaysIndex`), and lines are
/// routed by their shape to the rules whose fields they have. Same hits as
/// no prefilter, which tries every rule on every line.
#[test]
fn detection_only_agrees_with_no_prefilter() {
    let Some(shared) = util::shared(&["sigma/rules/windows"]) else {
        return;
    };
    let set = RuleSet::load(&[
        shared.join("sigma/rules/windows"),
        shared.join("sigma/rules-threat-hunting/windows"),
    ]);
    let opts = CompileOptions {
        no_logsource: true,
        ..CompileOptions::default()
    };
    let inputs = event_files(
        &shared,
        &[
            "evtx-attack-samples.ndjson.zst",
            "hayabusa-sample-evtx.ndjson.zst",
            "otrf-log4shell-azure-loganalytics.ndjson",
        ],
    );
    let run = |engine| scan(&set, &opts, &inputs, engine, 2, 1 << 20);
    let plan = Plan::from_rules(&set, &opts);
    assert!(
        plan.always_index.keyed() > 50,
        "few always-evaluated rules keyed by EventID: {}",
        plan.always_index.keyed()
    );
    let reference = run(EngineKind::None);
    assert!(reference.hits.len() > 1000, "{}", reference.hits.len());
    let mut engines = vec![EngineKind::Rust];
    if EngineKind::hyperscan_available() {
        engines.push(EngineKind::Hyperscan);
    }
    for engine in engines {
        let got = run(engine);
        assert_eq!(got.lines, reference.lines);
        // The frequent shapes of these logs get routes (this is what the
        // comparison exercises).
        assert!(got.routes >= 2, "{engine:?}: {} shape routes", got.routes);
        let missing: Vec<_> = reference.hits.difference(&got.hits).take(20).collect();
        let extra: Vec<_> = got.hits.difference(&reference.hits).take(20).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{engine:?}: missing {missing:#?}\nextra {extra:#?}"
        );
    }
}

/// Gate first (`Scanner::with_gate_first`): PowerShell script rules (one
/// logsource, two channel literals) find the lines of their channels first
/// and search only those for their literals. Same hits as no prefilter,
/// with it on (the `LineFinder` where the CPU runs AVX2 and the
/// `FingerprintFinder` where it runs AVX-512 VBMI, and the engine's own
/// stages: `None` and `Some(true)` below) and off, on both
/// engines, including channels written so that
/// the raw line does not hold the channel literal (a `\u` escape, a
/// character whose case fold is ASCII) and events of other channels that
/// hold the rules' literals.
#[test]
fn gate_first_finds_the_same_hits_as_no_prefilter() {
    let root = util::root();
    let mut rules = vec![root.join("corpora/rules/posh_win_api_functions.yml")];
    let dir = util::tmp();
    let script = |channel: &str, text: &str| {
        format!(
            r#"{{"Event":{{"System":{{"Channel":"{channel}","EventID":4104}},"EventData":{{"ScriptBlockText":"{text}"}}}}}}"#
        )
    };
    let ps = "Microsoft-Windows-PowerShell/Operational";
    let lines = [
        script(ps, "$p = VirtualAlloc(0, 4096)"),
        script(
            "Microsoft-Windows-Power\\u0053hell/Operational",
            "VirtualAlloc",
        ),
        script(
            "Micro\u{17F}oft-Windows-PowerShell/Operational",
            "VirtualAlloc",
        ),
        script("MICROSOFT-WINDOWS-POWERSHELL/OPERATIONAL", "VirtualAlloc"),
        script("Microsoft-Windows-PowerShell\\/Operational", "VirtualAlloc"),
        script("PowerShellCore/Operational", "memcpy"),
        script(ps, "Virtual\\u0041lloc"),
        script("Microsoft-Windows-Sysmon/Operational", "VirtualAlloc"),
        script("Security", "VirtualAlloc powershell"),
        script(ps, "Get-ChildItem"),
        // Lines the gate stage's walk must not count as plain events,
        // after a plain one, before and after a line it finds.
        script("Security", "a"),
        String::new(),
        "   ".into(),
        "not json".into(),
        format!("{}\r", script("Security", "b")),
        format!(" {}", script("Security", "c")),
        format!("{} ", script("Security", "d")),
        "{\"truncated\":".into(),
        format!("{}\r", script(ps, "Get-Item")),
        script("Security", "e"),
        "{".into(),
        script("Security", "f"),
        String::new(),
    ];
    let synthetic = util::write(dir.path(), "channels.ndjson", lines.join("\n").as_bytes());
    let mut inputs = vec![Input {
        name: "channels".into(),
        source: Source::File(synthetic),
    }];
    if let Some(shared) = util::shared(&["sigma/rules/windows/powershell", "events"]) {
        rules.push(shared.join("sigma/rules/windows/powershell/powershell_script"));
        rules.push(shared.join("sigma/rules-threat-hunting/windows/powershell/powershell_script"));
        inputs.extend(event_files(
            &shared,
            &[
                "evtx-powershell-4104.ndjson",
                "evtx-attack-samples.ndjson.zst",
            ],
        ));
    }
    // The seed rule alone (its 38 names are few enough for the
    // fingerprint search, the second stage that walks the lines it passes)
    // and with the SigmaHQ PowerShell script rules (too many literals: the
    // whole plan's prefilter is the second stage).
    let seed_only = vec![rules[0].clone()];
    for rules in [seed_only, rules.clone()] {
        let set = RuleSet::load(&rules);
        let opts = CompileOptions::default();
        // `Some(true)`: gate first with the engine's own line finder, what a
        // CPU without AVX2 runs.
        let build = |engine, gate_first: Option<bool>| {
            let plan = Plan::from_rules(&set, &opts);
            assert!(
                plan.gate_literals.is_some(),
                "every rule has a channel gate"
            );
            let scanner = Scanner::new(plan, engine, &FieldMap::new()).unwrap();
            let scanner = match gate_first {
                Some(true) => scanner.with_engine_gate_first(),
                _ => scanner.with_gate_first(gate_first.is_none()),
            };
            assert_eq!(scanner.gate_first(), gate_first != Some(false));
            scanner
        };
        let reference = scan_with(&build(EngineKind::None, Some(false)), &inputs, 2, 4 << 20);
        let synthetic_hits: Vec<u64> = reference
            .hits
            .iter()
            .filter(|(input, _, rule)| {
                input == "channels" && rule == "9f22ccd5-a435-453b-af96-bf99cbb594d4"
            })
            .map(|(_, line, _)| *line)
            .collect();
        assert_eq!(
            synthetic_hits,
            [1, 2, 3, 4, 5, 6, 7],
            "the seed rule's hits"
        );
        for engine in util::engines()
            .into_iter()
            .filter(|&e| e != EngineKind::None)
        {
            // Gate first counts the same events, empty and invalid lines
            // whichever stages it runs (the SIMD line finder walks the lines
            // it passes; the engine's own stages leave them to the chunk walk).
            let gate_kinds = scan_with(&build(engine, Some(true)), &inputs, 2, 4 << 20).kinds;
            for (gate_first, threads, chunk) in [
                (None, 2, 4 << 20),
                (None, 1, 64 << 10),
                (Some(true), 2, 4 << 20),
                (Some(false), 2, 4 << 20),
            ] {
                let got = scan_with(&build(engine, gate_first), &inputs, threads, chunk);
                assert_eq!(got.lines, reference.lines);
                if gate_first != Some(false) {
                    assert_eq!(got.kinds, gate_kinds, "{engine:?} {gate_first:?} {chunk}");
                }
                let missing: Vec<_> = reference.hits.difference(&got.hits).take(20).collect();
                let extra: Vec<_> = got.hits.difference(&reference.hits).take(20).collect();
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{engine:?} gate_first={gate_first:?} threads={threads} chunk={chunk}: missing {missing:#?}\nextra {extra:#?}"
                );
            }
        }
    }
}
