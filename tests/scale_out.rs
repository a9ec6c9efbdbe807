//! Scale-out support (issue #9): what a distributed driver relies on.
//!
//! * Byte ranges through the library scanner: for every split point of an awkward file (BOM at 0,
//!   CRLF, empty and invalid lines, a last line without newline), and for 1 to 32 equal ranges,
//!   the ranges' hits, with line numbers restored from the ranges' line counts (the driver's
//!   rule), equal the whole-file scan: same (line, offset, rule), same counts.
//! * Through the binary: `--shard K/N` runs union to one run; `--input-list` (file and stdin)
//!   equals the same paths as arguments; a compressed file belongs whole to the range of byte 0;
//!   every record carries `schema_version` and a `ruleset_hash` that does not depend on where the
//!   rules lie but on what they say; argument errors exit 2.

mod util;

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::FieldMap;
use sigscan::prefilter::EngineKind;
use sigscan::scan::range::ByteRange;
use sigscan::scan::{
    Counts, DEFAULT_CHUNK, Hit, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner,
    Source,
};
use sigscan::sigma::RuleSet;
use tempfile::TempDir;

const RULE: &str = "corpora/rules/posh_win_api_functions.yml";

fn rule_path() -> PathBuf {
    util::root().join(RULE)
}

/// An evtx_dump 4104 event; a hit for the seed rule when `hit` (it calls `VirtualAlloc`).
fn event(n: usize, hit: bool) -> String {
    let script = if hit {
        format!("[Kernel32]::VirtualAlloc(0, 4096, 0x3000, 0x40) # {n}")
    } else {
        format!("Get-ChildItem C:\\\\Temp # {n}")
    };
    format!(
        r#"{{"Event":{{"System":{{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","EventRecordID":{n}}},"EventData":{{"ScriptBlockText":"{script}"}}}}}}"#
    )
}

/// A file with every shape a range boundary can meet.
fn awkward_file() -> Vec<u8> {
    let mut d = b"\xEF\xBB\xBF".to_vec();
    for n in 1..=14 {
        match n % 7 {
            0 => d.extend_from_slice(b"\n"),                    // empty line
            3 => d.extend_from_slice(b"not json at all\n"),     // invalid
            4 => d.extend_from_slice(b"{\"VirtualAlloc\": \n"), // invalid candidate
            5 => d.extend_from_slice(format!("{}\r\n", event(n, true)).as_bytes()),
            _ => d.extend_from_slice(format!("{}\n", event(n, n % 2 == 0)).as_bytes()),
        }
    }
    d.extend_from_slice(b"\r\n");
    d.extend_from_slice(event(99, true).as_bytes()); // no final newline
    d
}

/// What a scan of one input reported, line numbers as the scanner gave them.
#[derive(Default)]
struct Collect {
    hits: Vec<(u64, u64, String)>,
    invalid: Vec<u64>,
    counts: Counts,
    errors: Vec<String>,
}

impl HitSink for Collect {
    fn hit(&mut self, _input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.hits
            .push((hit.line, hit.offset, hit.rule.meta.id.clone()));
        Ok(())
    }
    fn invalid_line(&mut self, _input: &Input, line: u64, _reason: &str) {
        self.invalid.push(line);
    }
    fn input_done(&mut self, _input: &Input, summary: &InputSummary) {
        self.counts = summary.counts;
        if let Some(e) = &summary.error {
            self.errors.push(e.clone());
        }
    }
}

fn scanner() -> Scanner {
    let set = RuleSet::load(&[rule_path()]);
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    assert_eq!(plan.rules.len(), 1);
    Scanner::new(plan, EngineKind::Rust, &FieldMap::new()).unwrap()
}

fn scan(sc: &Scanner, source: Source, chunk: usize, mmap: bool) -> Collect {
    let inputs = [Input {
        name: "f".into(),
        source,
    }];
    let opts = ScanOptions {
        threads: 2,
        pin: false,
        read: ReadOptions {
            chunk_size: chunk,
            mmap,
        },
    };
    let mut c = Collect::default();
    sc.scan(&inputs, opts, &mut c);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    c
}

/// Scans `ranges` of `path` and stitches them as a driver does: each range's lines are numbered
/// from 1, so the file line is the range line plus the lines of the ranges before it.
fn stitched(sc: &Scanner, path: &Path, ranges: &[ByteRange], chunk: usize, mmap: bool) -> Collect {
    let mut all = Collect::default();
    let mut base = 0;
    for &r in ranges {
        let part = scan(sc, Source::FileRange(path.to_path_buf(), r), chunk, mmap);
        all.hits.extend(
            part.hits
                .into_iter()
                .map(|(line, off, id)| (line + base, off, id)),
        );
        all.invalid.extend(part.invalid.iter().map(|l| l + base));
        let c = &mut all.counts;
        c.bytes += part.counts.bytes;
        c.lines += part.counts.lines;
        c.events += part.counts.events;
        c.invalid_lines += part.counts.invalid_lines;
        c.empty_lines += part.counts.empty_lines;
        c.hits += part.counts.hits;
        base += part.counts.lines;
    }
    all
}

fn assert_same(whole: &Collect, got: &Collect, what: &str) {
    assert_eq!(got.hits, whole.hits, "{what}: hits");
    assert_eq!(got.invalid, whole.invalid, "{what}: invalid lines");
    let strip = |c: &Counts| Counts {
        candidate_lines: 0,
        ..*c
    };
    assert_eq!(strip(&got.counts), strip(&whole.counts), "{what}: counts");
}

fn r(start: u64, end: Option<u64>) -> ByteRange {
    ByteRange { start, end }
}

#[test]
fn byte_ranges_stitch_to_the_whole_file_at_every_split() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("awkward.ndjson");
    let data = awkward_file();
    std::fs::write(&path, &data).unwrap();
    let sc = scanner();
    let whole = scan(&sc, Source::File(path.clone()), DEFAULT_CHUNK, true);
    // The fixture exercises what it should.
    assert!(whole.hits.len() >= 5, "{:?}", whole.hits);
    assert!(whole.counts.invalid_lines >= 2 && whole.counts.empty_lines >= 2);
    assert_eq!(
        whole.hits[0].0, 2,
        "line 1 (after the BOM) is a miss, line 2 a hit"
    );
    let len = data.len() as u64;
    for (chunk, mmap) in [(DEFAULT_CHUNK, true), (7, false)] {
        for a in 0..=len + 1 {
            let got = stitched(&sc, &path, &[r(0, Some(a)), r(a, None)], chunk, mmap);
            assert_same(&whole, &got, &format!("split at {a}, mmap {mmap}"));
        }
    }
    // Three ranges on a deterministic sample of (a, b) pairs.
    let mut x: u64 = 0x9e37_79b9;
    for _ in 0..200 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = (x >> 33) % (len + 2);
        let b = a + (x >> 13) % (len + 2 - a);
        let got = stitched(
            &sc,
            &path,
            &[r(0, Some(a)), r(a, Some(b)), r(b, None)],
            DEFAULT_CHUNK,
            x & 1 == 0,
        );
        assert_same(&whole, &got, &format!("splits {a}, {b}"));
    }
}

#[test]
fn one_to_32_equal_ranges_stitch_to_the_whole_file() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("big.ndjson");
    let mut data = Vec::new();
    for n in 1..=400 {
        data.extend_from_slice(event(n, n % 9 == 0).as_bytes());
        data.extend_from_slice(if n % 5 == 0 { b"\r\n" } else { b"\n" });
    }
    std::fs::write(&path, &data).unwrap();
    let sc = scanner();
    let whole = scan(&sc, Source::File(path.clone()), DEFAULT_CHUNK, true);
    assert_eq!(whole.hits.len(), 44);
    let len = data.len() as u64;
    for k in 1..=32u64 {
        let cuts: Vec<u64> = (0..=k).map(|i| len * i / k).collect();
        let ranges: Vec<ByteRange> = cuts.windows(2).map(|w| r(w[0], Some(w[1]))).collect();
        for mmap in [true, false] {
            let got = stitched(&sc, &path, &ranges, 4096, mmap);
            assert_same(&whole, &got, &format!("{k} ranges, mmap {mmap}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Through the binary

struct Run {
    code: i32,
    stderr: String,
    records: Vec<Value>,
    stats: Option<Value>,
}

/// `sigscan scan <args>` (with `stdin` fed when given): stdout parsed, the `--stats` object.
fn scan_cli(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = util::sigscan().arg("scan").args(args);
    if let Some(bytes) = stdin {
        cmd = cmd.stdin(bytes);
    }
    let run = cmd.run();
    Run {
        code: run.code(),
        records: run.records(),
        stats: run.stats(),
        stderr: run.stderr,
    }
}

/// (file, line, offset, rule) of every record, sorted.
fn hit_set(records: &[Value]) -> BTreeSet<(String, u64, u64, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["offset"].as_u64().unwrap(),
                r["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A directory of plain, gzip and zstd files, each with a few hits.
fn corpus() -> (TempDir, Vec<String>) {
    let tmp = TempDir::new().unwrap();
    let mut names = Vec::new();
    for f in 0..7usize {
        let mut d = Vec::new();
        for n in 1..=30 {
            d.extend_from_slice(event(f * 100 + n, (n + f) % 4 == 0).as_bytes());
            d.push(b'\n');
        }
        let (name, bytes) = match f % 3 {
            0 => (format!("f{f}.ndjson"), d),
            1 => (format!("f{f}.ndjson.gz"), gzip(&d)),
            _ => (
                format!("f{f}.ndjson.zst"),
                zstd::encode_all(&d[..], 3).unwrap(),
            ),
        };
        let p = tmp.path().join(&name);
        std::fs::write(&p, bytes).unwrap();
        names.push(p.display().to_string());
    }
    (tmp, names)
}

#[test]
fn shard_union_equals_one_run() {
    let (tmp, _) = corpus();
    let rule = rule_path();
    let rule = rule.to_str().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let one = scan_cli(&["--rules", rule, "--stats", dir], None);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let want = hit_set(&one.records);
    assert!(want.len() >= 40, "{want:?}");
    for n in 1..=8u64 {
        let mut union = BTreeSet::new();
        let mut files = Vec::new();
        for k in 0..n {
            let shard = format!("{k}/{n}");
            let run = scan_cli(&["--rules", rule, "--stats", "--shard", &shard, dir], None);
            assert_eq!(run.code, 0, "{shard}: {}", run.stderr);
            let got = hit_set(&run.records);
            assert_eq!(got.len(), run.records.len());
            union.extend(got);
            for i in run.stats.unwrap()["inputs"].as_array().unwrap() {
                files.push(i["file"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(union, want, "N = {n}");
        let mut sorted = files.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(files.len(), 7, "N = {n}: every input in exactly one shard");
        assert_eq!(sorted.len(), 7, "N = {n}: every input in exactly one shard");
    }
}

#[test]
fn input_list_from_a_file_and_from_stdin() {
    let (tmp, names) = corpus();
    let rule = rule_path();
    let rule = rule.to_str().unwrap();
    let mut args = vec!["--rules", rule];
    args.extend(names.iter().map(String::as_str));
    let direct = scan_cli(&args, None);
    assert_eq!(direct.code, 0, "{}", direct.stderr);
    let list = tmp.path().join("list.txt");
    let text = format!("{}\r\n\n", names.join("\n"));
    std::fs::write(&list, &text).unwrap();
    let from_file = scan_cli(
        &["--rules", rule, "--input-list", list.to_str().unwrap()],
        None,
    );
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(from_file.records, direct.records);
    let from_stdin = scan_cli(
        &["--rules", rule, "--input-list", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.records, direct.records);
    // Positional inputs come first, then the list.
    let both = scan_cli(
        &["--rules", rule, "--input-list", "-", &names[3]],
        Some(names[0].as_bytes()),
    );
    let order: Vec<&str> = both
        .records
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert_eq!(order.first(), Some(&names[3].as_str()));
    assert_eq!(order.last(), Some(&names[0].as_str()));
}

#[test]
fn a_compressed_file_belongs_whole_to_the_range_of_byte_0() {
    let (_tmp, names) = corpus();
    let gz = &names[1];
    let rule = rule_path();
    let rule = rule.to_str().unwrap();
    let whole = scan_cli(&["--rules", rule, "--stats", gz], None);
    assert!(!whole.records.is_empty());
    let first = scan_cli(
        &["--rules", rule, "--stats", "--byte-range", "0:10", gz],
        None,
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.records, whole.records);
    let rest = scan_cli(
        &["--rules", rule, "--stats", "--byte-range", "10:", gz],
        None,
    );
    assert_eq!(rest.code, 0, "{}", rest.stderr);
    assert!(rest.records.is_empty());
    let stats = rest.stats.unwrap();
    assert_eq!(stats["lines"], 0);
    assert_eq!(stats["inputs"][0]["compression"], "gzip");
}

#[test]
fn records_carry_the_schema_version_and_a_location_free_ruleset_hash() {
    let (_tmp, names) = corpus();
    let rules = TempDir::new().unwrap();
    let text = std::fs::read_to_string(rule_path()).unwrap();
    let copy = rules.path().join("sub").join("other-name.yaml");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::write(&copy, text.replace('\n', "\r\n")).unwrap();
    let changed = rules.path().join("changed.yml");
    std::fs::write(&changed, text.replace("title: WinAPI", "title: Win API")).unwrap();

    let hash_of = |rule: &Path| {
        let run = scan_cli(
            &["--rules", rule.to_str().unwrap(), "--stats", &names[0]],
            None,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.records.is_empty());
        let stats = run.stats.unwrap();
        let h = stats["ruleset_hash"].as_str().unwrap().to_string();
        assert_eq!(h.len(), 16);
        assert!(
            h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(stats["schema_version"], 2);
        for rec in &run.records {
            assert_eq!(rec["schema_version"], 2, "{rec}");
            assert_eq!(rec["ruleset_hash"], h.as_str(), "{rec}");
        }
        h
    };
    let original = hash_of(&rule_path());
    assert_eq!(hash_of(rules.path().join("sub").as_path()), original);
    assert_ne!(hash_of(&changed), original);
}

#[test]
fn argument_errors_are_fatal() {
    let (_tmp, names) = corpus();
    let rule = rule_path();
    let rule = rule.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--byte-range", "0:10", &names[0], &names[3]],
            "exactly one input",
        ),
        (vec!["--byte-range", "0:10", "-"], "needs a file"),
        (
            vec!["--byte-range", "9:3", &names[0]],
            "END is before START",
        ),
        (vec!["--shard", "3/3", &names[0]], "not a shard"),
        (vec!["--shard", "0/2", "-"], "cannot split stdin"),
        (vec!["--input-list", "-", "-"], "cannot be an input too"),
        (vec!["--input-list", "/nonexistent/list"], "--input-list"),
    ];
    for (args, msg) in cases {
        let mut all = vec!["--rules", rule];
        all.extend(args.iter().copied());
        let run = scan_cli(&all, Some(b""));
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(msg), "{args:?}: {}", run.stderr);
        assert!(run.records.is_empty());
    }
}
