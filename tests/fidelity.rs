//! Fidelity on real events (issue #16): SigmaHQ rules whose meaning depends
//! on *which* field of the event they read, checked against hit lists worked
//! out by hand from the events themselves.
//!
//! - Event 104 ("log file cleared") has two `Channel`s: the header's (always
//!   `System`) and the payload's `UserData.LogFileCleared.Channel` (the log
//!   that was cleared). Rules 100ef69e (cleared channel in a list) and
//!   a62b37e0 (`not` that list) mean the payload's; read from the header,
//!   the first fires on every 104 and the second never.
//! - Classic PowerShell 400 and MsiInstaller 1040/1042 carry unnamed
//!   `<Data>` values (`EventData.Data.#text`, a list); rules d7326048,
//!   30a8cb77 and c7c8aa1c search `Data`, which matches when one element
//!   does.
//!
//! The expected lines were found by reading the events (the selection's
//! strings searched by hand in each element), not by running sigscan.
//! Needs `../shared`; skips with a note when absent.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;

/// Hit lines per (input, rule id prefix of 8).
#[derive(Default)]
struct Collect {
    hits: BTreeMap<(String, String), Vec<u64>>,
}

impl HitSink for Collect {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        let id: String = hit.rule.meta.id.chars().take(8).collect();
        self.hits
            .entry((input.name.clone(), id))
            .or_default()
            .push(hit.line);
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, s: &InputSummary) {
        assert!(s.error.is_none(), "read error: {:?}", s.error);
    }
}

impl Collect {
    fn lines(&self, input: &str, rule: &str) -> Vec<u64> {
        self.hits
            .get(&(input.to_string(), rule.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

mod util;

const HAYABUSA: &str = "hayabusa-sample-evtx.ndjson.zst";
const ATTACK_SAMPLES: &str = "evtx-attack-samples.ndjson.zst";

fn shared() -> Option<PathBuf> {
    util::shared(&["sigma/rules", "events"])
}

/// A SigmaHQ rule file, by its path under `../shared/sigma`.
fn rule_file(shared: &Path, rel: &str) -> PathBuf {
    let p = shared.join("sigma").join(rel);
    assert!(p.is_file(), "{} not found", p.display());
    p
}

/// Scans both EVTX sets with `set` under every engine built; all engines
/// must agree, and the hits are returned.
fn scan(shared: &Path, set: &RuleSet) -> Collect {
    let inputs: Vec<Input> = [HAYABUSA, ATTACK_SAMPLES]
        .iter()
        .map(|f| Input {
            name: f.to_string(),
            source: Source::File(shared.join("events").join(f)),
        })
        .collect();
    let mut engines = vec![EngineKind::None, EngineKind::Rust];
    if EngineKind::hyperscan_available() {
        engines.push(EngineKind::Hyperscan);
    }
    let mut results: Vec<Collect> = Vec::new();
    for engine in engines {
        let plan = Plan::from_rules(set, &CompileOptions::default());
        assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
        let scanner = Scanner::new(plan, engine, &FieldMap::new()).unwrap();
        let mut sink = Collect::default();
        let o = ScanOptions {
            threads: 2,
            pin: false,
            read: ReadOptions {
                chunk_size: 1 << 20,
                mmap: true,
            },
        };
        scanner.scan(&inputs, o, &mut sink);
        if let Some(first) = results.first() {
            assert_eq!(
                first.hits, sink.hits,
                "{engine:?} differs from no prefilter"
            );
        }
        results.push(sink);
    }
    results.swap_remove(0)
}

/// A rule file's text with its `condition:` replaced, loaded under `name`.
fn with_condition(set: &mut RuleSet, file: &Path, condition: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = String::new();
    let mut replaced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("condition:") {
            out.push_str(&format!("    condition: {condition}\n"));
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(replaced, "no condition in {}", file.display());
    set.load_text(Path::new("selection-only.yml"), &out);
}

#[test]
fn issue_16_log_cleared_104_reads_the_payload_channel() {
    let Some(shared) = shared() else {
        eprintln!("note: ../shared absent; skipping");
        return;
    };
    let dir = "rules/windows/builtin/system/microsoft_windows_eventlog";
    let set = RuleSet::load(&[
        rule_file(
            &shared,
            &format!("{dir}/win_system_susp_eventlog_cleared.yml"),
        ),
        rule_file(&shared, &format!("{dir}/win_system_eventlog_cleared.yml")),
    ]);
    let hits = scan(&shared, &set);
    // hayabusa-sample-evtx holds 95 events 104 of Microsoft-Windows-Eventlog,
    // all logged in System. Six cleared the System log itself (a listed
    // channel); the other 89 cleared Application, ForwardedEvents and 87
    // other logs.
    assert_eq!(
        hits.lines(HAYABUSA, "100ef69e"),
        [373, 2625, 2640, 10620, 10630, 12136]
    );
    assert_eq!(hits.lines(HAYABUSA, "a62b37e0").len(), 89);
    for line in [373, 2625, 12136] {
        assert!(!hits.lines(HAYABUSA, "a62b37e0").contains(&line));
    }
    // evtx-attack-samples: two 104s, both clearing System.
    assert_eq!(hits.lines(ATTACK_SAMPLES, "100ef69e"), [2880, 3514]);
    assert_eq!(hits.lines(ATTACK_SAMPLES, "a62b37e0"), [] as [u64; 0]);
}

#[test]
fn issue_16_unnamed_data_rules() {
    let Some(shared) = shared() else {
        eprintln!("note: ../shared absent; skipping");
        return;
    };
    let alternate = rule_file(
        &shared,
        "rules-threat-hunting/windows/powershell/powershell_classic/posh_pc_alternate_powershell_hosts.yml",
    );
    let renamed = rule_file(
        &shared,
        "rules/windows/powershell/powershell_classic/posh_pc_renamed_powershell.yml",
    );
    let msi = rule_file(
        &shared,
        "rules/windows/builtin/application/msiinstaller/win_msi_install_from_susp_locations.yml",
    );
    let set = RuleSet::load(&[alternate.clone(), renamed.clone(), msi]);
    let hits = scan(&shared, &set);
    // The six PowerShell 400 events of hayabusa-sample-evtx, by the third
    // `Data` element: 11370, 14913 and 16687 run `HostApplication=powershell…`,
    // 16244 `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
    // 16696 `C:\Windows\System32\sdiagnhost.exe`, 16705 has no
    // HostApplication (its HostId is followed by EngineVersion). Every one
    // is filtered out by the rules' own filters, so neither rule fires.
    for file in [HAYABUSA, ATTACK_SAMPLES] {
        assert_eq!(hits.lines(file, "d7326048"), [] as [u64; 0], "{file}");
        assert_eq!(hits.lines(file, "30a8cb77"), [] as [u64; 0], "{file}");
    }
    // MsiInstaller 1040/1042: four events install
    // `C:\Windows\TEMP\MicrosoftFixit50735.msi` (`:\Windows\TEMP\` in the
    // first element); no other of the 104 (hayabusa) and 346
    // (evtx-attack-samples) events holds a listed path.
    assert_eq!(hits.lines(HAYABUSA, "c7c8aa1c"), [677, 685, 720, 724]);
    assert_eq!(hits.lines(ATTACK_SAMPLES, "c7c8aa1c"), [] as [u64; 0]);

    // The selections alone, so that "no hit" above is the filters' doing
    // and not `Data` read as missing.
    let mut set = RuleSet::default();
    with_condition(&mut set, &alternate, "selection");
    let hits = scan(&shared, &set);
    assert_eq!(
        hits.lines(HAYABUSA, "d7326048"),
        [11370, 14913, 16244, 16687, 16696]
    );
    let mut set = RuleSet::default();
    with_condition(&mut set, &renamed, "selection");
    let hits = scan(&shared, &set);
    assert_eq!(
        hits.lines(HAYABUSA, "30a8cb77"),
        [11370, 14913, 16687, 16705]
    );
    // And 16705 is excluded only by the regex filter on the missing
    // HostApplication.
    let mut set = RuleSet::default();
    with_condition(
        &mut set,
        &renamed,
        "selection and not filter_main_host_application_null",
    );
    let hits = scan(&shared, &set);
    assert_eq!(hits.lines(HAYABUSA, "30a8cb77"), [11370, 14913, 16687]);
}
