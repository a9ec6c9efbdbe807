//! `.evtx` inputs (issue #18): decoding must give exactly what scanning
//! evtx_dump's NDJSON gives, in order, with any thread count; damaged files
//! are counted and reported, and never stop the run.
//!
//! Real data: `../shared/sigma-regression/` (202 `.evtx` files and
//! `regression-events.ndjson`, made from them with `evtx_dump -o jsonl`,
//! evtx 0.15.1, joined in manifest order). Tests that need it print a note
//! and pass when it is absent. Damaged files are made here, in temporary
//! directories, from a regression file's bytes (nothing is committed).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::{Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source};
use sigscan::sigma::RuleSet;
use tempfile::TempDir;

mod util;

fn shared() -> Option<PathBuf> {
    util::shared(&["sigma-regression/manifest.tsv"])
}

/// A rule every event matches (no literal: the prefilter passes all lines).
const EVERY_EVENT: &str = "title: every event
id: 00000000-0000-4000-8000-0000000000e1
status: test
logsource:
    product: windows
detection:
    nothing:
        EventID: -12345
    condition: not nothing
level: low
";

#[derive(Default)]
struct Collect {
    /// (input index, line, offset, record id, rule id, text)
    hits: Vec<(usize, u64, u64, Option<u64>, String, String)>,
    invalid: Vec<(String, u64, String)>,
    done: Vec<InputSummary>,
    names: Vec<String>,
}

impl HitSink for Collect {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        let k = match self.names.iter().position(|n| *n == input.name) {
            Some(k) => k,
            None => {
                self.names.push(input.name.clone());
                self.names.len() - 1
            }
        };
        self.hits.push((
            k,
            hit.line,
            hit.offset,
            hit.record_id,
            hit.rule.meta.id.clone(),
            String::from_utf8(hit.text.to_vec()).expect("UTF-8 record"),
        ));
        Ok(())
    }
    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        self.invalid.push((input.name.clone(), line, reason.into()));
    }
    fn input_done(&mut self, _: &Input, summary: &InputSummary) {
        self.done.push(summary.clone());
    }
}

/// The regression `.evtx` files in manifest order, each with its first line
/// in `regression-events.ndjson` and its record count.
fn regression_files(shared: &Path) -> Vec<(PathBuf, u64, u64)> {
    let manifest =
        std::fs::read_to_string(shared.join("sigma-regression/manifest.tsv")).expect("manifest");
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (c_data, c_first, c_events) = (
        col("data_file"),
        col("first_line_in_regression-events.ndjson"),
        col("events"),
    );
    let mut out: Vec<(PathBuf, u64, u64)> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        if !f[c_data].ends_with(".evtx") {
            continue;
        }
        let p = shared.join("sigma-regression").join(f[c_data]);
        if out.iter().any(|(q, _, _)| *q == p) {
            continue;
        }
        out.push((p, f[c_first].parse().unwrap(), f[c_events].parse().unwrap()));
    }
    out
}

fn manifest_rules(shared: &Path) -> Vec<PathBuf> {
    let manifest =
        std::fs::read_to_string(shared.join("sigma-regression/manifest.tsv")).expect("manifest");
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let c = header.iter().position(|h| *h == "rule_file").unwrap();
    let mut files: Vec<PathBuf> = lines
        .map(|l| shared.join(l.split('\t').nth(c).unwrap()))
        .collect();
    files.sort();
    files.dedup();
    files
}

fn scanner(rule_files: &[PathBuf]) -> Scanner {
    let set = RuleSet::load(rule_files);
    assert!(set.errors.is_empty(), "{:#?}", set.errors);
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    Scanner::new(plan, EngineKind::Rust, &FieldMap::new()).unwrap()
}

fn scan(scanner: &Scanner, inputs: &[Input], threads: usize, chunk: usize, mmap: bool) -> Collect {
    let mut sink = Collect::default();
    let opts = ScanOptions {
        threads,
        pin: false,
        read: ReadOptions {
            chunk_size: chunk,
            mmap,
        },
    };
    scanner.scan(inputs, opts, &mut sink);
    sink
}

fn file_inputs(paths: impl IntoIterator<Item = PathBuf>) -> Vec<Input> {
    paths
        .into_iter()
        .map(|p| Input {
            name: p.display().to_string(),
            source: Source::File(p),
        })
        .collect()
}

/// Every record of the 202 files decodes to the very line evtx_dump wrote,
/// in order, with 1 and 2 threads, mapped or read; offsets point at the
/// record's header and `record_id` is the id it holds.
#[test]
fn evtx_records_are_evtx_dump_lines() {
    let Some(shared) = shared() else {
        eprintln!("note: ../shared/sigma-regression absent; skipping");
        return;
    };
    let dir = TempDir::new().unwrap();
    let rule = dir.path().join("every.yml");
    std::fs::write(&rule, EVERY_EVENT).unwrap();
    let scanner = scanner(&[rule]);
    let files = regression_files(&shared);
    assert_eq!(files.len(), 202);
    let ndjson =
        std::fs::read_to_string(shared.join("sigma-regression/regression-events.ndjson")).unwrap();
    let expected: Vec<&str> = ndjson.lines().collect();
    let inputs = file_inputs(files.iter().map(|f| f.0.clone()));
    let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(&f.0).unwrap()).collect();
    for (threads, mmap) in [(1, true), (2, true), (2, false)] {
        let got = scan(&scanner, &inputs, threads, 1 << 20, mmap);
        assert!(got.invalid.is_empty(), "{:?}", got.invalid);
        assert_eq!(got.hits.len(), expected.len(), "threads {threads}");
        for (k, line, offset, id, _, text) in &got.hits {
            let (path, first, n) = &files[*k];
            assert!(*line >= 1 && *line <= *n, "{}: line {line}", path.display());
            let want = expected[(first + line - 2) as usize];
            assert_eq!(
                text,
                want,
                "{}:{line} differs from evtx_dump",
                path.display()
            );
            // The record header's id (these exported files renumbered
            // their records: `Event.System.EventRecordID` keeps the
            // original number).
            let id = id.expect("record_id for an .evtx hit");
            let b = &bytes[*k][*offset as usize..];
            assert_eq!(&b[..4], b"**\0\0", "{}: offset {offset}", path.display());
            assert_eq!(u64::from_le_bytes(b[8..16].try_into().unwrap()), id);
        }
        for s in &got.done {
            assert_eq!(s.compression, Some("evtx"));
            assert_eq!(s.counts.lines, s.counts.events);
            assert_eq!(s.damage.count, 0, "{:?}", s.damage.notes);
        }
    }
}

/// The SigmaHQ rules the manifest names find the same hits, per rule and
/// per event, in the `.evtx` files as in their NDJSON; with 1 and 2 threads
/// and tiny chunks.
#[test]
fn evtx_hits_equal_ndjson_hits_per_rule() {
    let Some(shared) = shared() else {
        eprintln!("note: ../shared/sigma-regression absent; skipping");
        return;
    };
    let scanner = scanner(&manifest_rules(&shared));
    let files = regression_files(&shared);
    let ndjson = shared.join("sigma-regression/regression-events.ndjson");
    let base = scan(&scanner, &file_inputs([ndjson]), 2, 1 << 20, true);
    let want: BTreeMap<String, Vec<u64>> = base.hits.iter().fold(BTreeMap::new(), |mut m, h| {
        m.entry(h.4.clone()).or_default().push(h.1);
        m
    });
    assert!(want.len() > 150, "only {} rules hit the NDJSON", want.len());
    let inputs = file_inputs(files.iter().map(|f| f.0.clone()));
    for (threads, chunk) in [(1, 1 << 20), (2, 1 << 20), (2, 7)] {
        let got = scan(&scanner, &inputs, threads, chunk, true);
        let mut by_rule: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (k, line, _, _, rule, _) in &got.hits {
            // The NDJSON line of record `line` of file `k`.
            by_rule
                .entry(rule.clone())
                .or_default()
                .push(files[*k].1 + line - 1);
        }
        assert_eq!(by_rule, want, "threads {threads}, chunk {chunk}");
    }
}

// ---------------------------------------------------------------------------------------------
// Damaged files, through the binary.

fn sigscan(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(util::bin());
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run sigscan");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.map(<[u8]>::to_vec);
    let writer = std::thread::spawn(move || {
        if let Some(d) = data {
            let _ = io::Write::write_all(&mut input, &d);
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// The stats object (last stderr line) and the hit records.
fn stats_and_hits(out: &Output) -> (Value, Vec<Value>) {
    let err = String::from_utf8_lossy(&out.stderr);
    let stats = err
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap_or(Value::Null);
    let hits = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (stats, hits)
}

/// `lines = events + invalid_lines + empty_lines`, in total and per input.
fn assert_accounting(stats: &Value) {
    let sum = |v: &Value| {
        v["events"].as_u64().unwrap()
            + v["invalid_lines"].as_u64().unwrap()
            + v["empty_lines"].as_u64().unwrap()
    };
    assert_eq!(stats["lines"].as_u64().unwrap(), sum(stats), "{stats}");
    for i in stats["inputs"].as_array().unwrap() {
        assert_eq!(i["lines"].as_u64().unwrap(), sum(i), "{i}");
    }
}

struct Fixture {
    dir: TempDir,
    rule: PathBuf,
    /// A regression file with several records: its bytes.
    good: Vec<u8>,
    /// Its records (one per line in evtx_dump's output).
    records: u64,
}

fn fixture() -> Option<Fixture> {
    let shared = shared()?;
    let files = regression_files(&shared);
    // The file with the most records (all in chunk 0).
    let (path, _, records) = files.iter().max_by_key(|f| f.2)?.clone();
    let dir = TempDir::new().unwrap();
    let rule = dir.path().join("every.yml");
    std::fs::write(&rule, EVERY_EVENT).unwrap();
    Some(Fixture {
        good: std::fs::read(path).unwrap(),
        dir,
        rule,
        records,
    })
}

impl Fixture {
    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
    fn run(&self, extra: &[&str], inputs: &[&str]) -> (Output, Value, Vec<Value>) {
        let rule = self.rule.display().to_string();
        let mut args = vec!["scan", "--rules", &rule, "--stats", "--no-event"];
        args.extend_from_slice(extra);
        args.extend_from_slice(inputs);
        let out = sigscan(&args, None);
        let (stats, hits) = stats_and_hits(&out);
        (out, stats, hits)
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const HEADER: usize = 4096;

#[test]
fn evtx_damaged_files_are_counted_reported_and_the_run_goes_on() {
    let Some(fx) = fixture() else {
        eprintln!("note: ../shared/sigma-regression absent; skipping");
        return;
    };
    assert!(fx.records >= 3, "fixture has {} records", fx.records);
    let good = fx.write("good.evtx", &fx.good);
    let n = fx.records;

    // A clean file: exit 0, every record a hit, no damage.
    let (out, stats, hits) = fx.run(&[], &[&good]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(hits.len() as u64, n);
    assert_eq!(stats["damaged_inputs"], 0);
    assert!(hits.iter().all(|h| h["record_id"].is_u64()));

    // Truncated inside the chunk: the records before the cut still hit, the
    // rest are counted as invalid lines, and the next input is scanned.
    let end_of_records = {
        let free = u32::from_le_bytes(fx.good[HEADER + 48..HEADER + 52].try_into().unwrap());
        HEADER + free as usize
    };
    let cut = fx.write("cut.evtx", &fx.good[..end_of_records - 200]);
    let (out, stats, hits) = fx.run(&[], &[&cut, &good]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_accounting(&stats);
    assert!(err.contains("cut.evtx: truncated: chunk 0"), "{err}");
    assert_eq!(stats["damaged_inputs"], 1);
    let cut_stats = &stats["inputs"][0];
    assert_eq!(cut_stats["lines"].as_u64(), Some(n), "{cut_stats}");
    assert!(cut_stats["invalid_lines"].as_u64().unwrap() >= 1);
    let cut_hits = hits.iter().filter(|h| h["file"] == cut.as_str()).count() as u64;
    assert!(cut_hits >= 1 && cut_hits < n, "{cut_hits} of {n}");
    assert_eq!(
        hits.iter().filter(|h| h["file"] == good.as_str()).count() as u64,
        n
    );

    // A broken chunk magic: the chunk is lost (one invalid line), reported
    // with its number; the file after it is still scanned.
    let mut bad = fx.good.clone();
    bad[HEADER..HEADER + 8].copy_from_slice(b"XXXXXXXX");
    let bad = fx.write("badmagic.evtx", &bad);
    let (out, stats, hits) = fx.run(&[], &[&bad, &good]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_accounting(&stats);
    assert!(err.contains("badmagic.evtx: chunk 0"), "{err}");
    assert!(err.contains("badmagic.evtx:1: invalid line"), "{err}");
    assert_eq!(stats["inputs"][0]["invalid_lines"], 1);
    assert_eq!(hits.len() as u64, n);

    // A corrupted record byte: the chunk CRC no longer matches; reported,
    // decoded anyway (as evtx_dump does), and every record counted.
    let mut crc = fx.good.clone();
    let at = HEADER + 512 + 24 + 40;
    crc[at] ^= 0x55;
    let crc = fx.write("crc.evtx", &crc);
    let (out, stats, _) = fx.run(&[], &[&crc]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_accounting(&stats);
    assert!(err.contains("crc.evtx: chunk 0"), "{err}");
    assert!(err.contains("CRC32 mismatch"), "{err}");
    assert_eq!(stats["inputs"][0]["lines"].as_u64(), Some(n));

    // The dirty flag (header CRC recomputed): every record is read, the flag
    // is reported and counted apart from damage (exit 0: nothing was lost;
    // most copies of a live log are dirty). A header CRC mismatch is damage.
    let mut dirty = fx.good.clone();
    dirty[120] |= 1;
    let crc = evtx::checksum_ieee(&dirty[..120]);
    dirty[124..128].copy_from_slice(&crc.to_le_bytes());
    let dirty = fx.write("dirty.evtx", &dirty);
    let (out, stats, hits) = fx.run(&[], &[&dirty]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("dirty.evtx: dirty"), "{err}");
    assert_eq!(hits.len() as u64, n);
    assert_eq!(stats["dirty_inputs"], 1);
    assert_eq!(stats["damaged_inputs"], 0);
    assert_eq!(stats["inputs"][0]["dirty"], true);
    let mut hcrc = fx.good.clone();
    hcrc[124] ^= 0xff;
    let hcrc = fx.write("headercrc.evtx", &hcrc);
    let (out, stats, hits) = fx.run(&[], &[&hcrc]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("headercrc.evtx: file header CRC32 mismatch"),
        "{err}"
    );
    assert_eq!(stats["damaged_inputs"], 1);
    assert_eq!(hits.len() as u64, n);

    // No records: a header and an empty chunk; and a file that is only the
    // magic. Both reported, neither stops the run.
    let mut empty = fx.good[..HEADER].to_vec();
    empty.extend(std::iter::repeat_n(0u8, 64 * 1024));
    let empty = fx.write("empty.evtx", &empty);
    let magic = fx.write("magic.evtx", b"ElfFile\0");
    let (out, stats, hits) = fx.run(&[], &[&empty, &magic, &good]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_accounting(&stats);
    assert!(err.contains("empty.evtx: no records"), "{err}");
    assert!(err.contains("magic.evtx: file header cut short"), "{err}");
    assert_eq!(stats["damaged_inputs"], 2);
    assert_eq!(stats["inputs"][0]["lines"], 0);
    assert_eq!(stats["inputs"][1]["lines"], 0);
    assert_eq!(hits.len() as u64, n);

    // --strict: damage is fatal, and --output is not written.
    let out_file = fx.dir.path().join("hits.jsonl");
    let o = out_file.display().to_string();
    let (out, _, _) = fx.run(&["--strict", "--output", &o], &[&dirty]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!out_file.exists());
    let (out, _, _) = fx.run(&["--strict"], &[&good]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Several chunks (taken from different regression files) in one file: all
/// decode in parallel, in the order evtx_dump reads them, the same with 1
/// and 2 threads; stdin, `--no-mmap`, `--input-list` and `--shard` agree; a
/// byte range that does not hold byte 0 reads nothing, one that does reads
/// everything.
#[test]
fn evtx_multi_chunk_file_threads_stdin_and_ranges() {
    let Some(shared) = shared() else {
        eprintln!("note: ../shared/sigma-regression absent; skipping");
        return;
    };
    let files = regression_files(&shared);
    let dir = TempDir::new().unwrap();
    let rule = dir.path().join("every.yml");
    std::fs::write(&rule, EVERY_EVENT).unwrap();
    // File header of the first file, then chunk 0 of the first 40 files.
    let mut multi = std::fs::read(&files[0].0).unwrap()[..HEADER].to_vec();
    let mut records = 0;
    for (p, _, n) in files.iter().take(40) {
        let b = std::fs::read(p).unwrap();
        multi.extend_from_slice(&b[HEADER..HEADER + 64 * 1024]);
        records += n;
    }
    let path = dir.path().join("multi.evtx");
    std::fs::write(&path, &multi).unwrap();
    let p = path.display().to_string();
    let r = rule.display().to_string();
    let run = |extra: &[&str], stdin: Option<&[u8]>| {
        let mut args = vec!["scan", "--rules", &r, "--stats"];
        args.extend_from_slice(extra);
        let out = sigscan(&args, stdin);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            stderr(&out)
        );
        let (stats, hits) = stats_and_hits(&out);
        assert_accounting(&stats);
        let key: Vec<(u64, u64, u64, String)> = hits
            .iter()
            .map(|h| {
                (
                    h["line"].as_u64().unwrap(),
                    h["offset"].as_u64().unwrap(),
                    h["record_id"].as_u64().unwrap_or(0),
                    h["event"].to_string(),
                )
            })
            .collect();
        key
    };
    let one = run(&["--threads", "1", &p], None);
    assert_eq!(one.len() as u64, records);
    let lines: Vec<u64> = one.iter().map(|k| k.0).collect();
    assert_eq!(lines, (1..=records).collect::<Vec<_>>());
    assert_eq!(run(&["--threads", "2", &p], None), one);
    assert_eq!(run(&["--threads", "2", "--no-mmap", &p], None), one);
    // stdin: the same records (stdin names the input `-`).
    assert_eq!(run(&["--threads", "2", "-"], Some(&multi)), one);
    assert_eq!(run(&["--byte-range", "0:100", &p], None), one);
    // An input list and a shard of one: the same file, the same records.
    let list = dir.path().join("list.txt");
    std::fs::write(&list, format!("{p}\n")).unwrap();
    let l = list.display().to_string();
    assert_eq!(run(&["--input-list", &l, "--shard", "0/1"], None), one);
    assert!(run(&["--byte-range", "100:", &p], None).is_empty());
}
