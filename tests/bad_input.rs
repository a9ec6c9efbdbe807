//! Real archives and bad input through the `sigscan` binary: directories, stdin, pipes, gzip and
//! zstd, line endings, malformed lines, hostile lines, unreadable and damaged files, broken rules,
//! `--output`, and a closed stdout. Nothing may be lost: every test checks the message (naming
//! the file and the line, or how far reading got), the exit status, and the `--stats` accounting
//! `lines = events + invalid_lines + empty_lines`, per input and in total, plus the expected hits.
//!
//! All fixtures are generated here in temporary directories (gzip and zstd with `flate2` and
//! `zstd`); the only checked-in file used is the seed rule
//! `corpora/rules/posh_win_api_functions.yml` (SigmaHQ 9f22ccd5: `ScriptBlockText|contains` one of
//! 38 WinAPI names, logsource `ps_script` = EventID 4104 in the PowerShell Operational channel).
//!
//! Accounting rule to keep in mind (a design choice, not a bug): the prefilter selects the lines
//! that hold one of the rules' literals, and only those *candidate* lines are fully parsed. Any
//! other line is only shape-checked (first non-blank byte `{`, last `}`), so a non-candidate line
//! like `{"a": }` counts as an event although it is not valid JSON. A line is invalid when it fails
//! the shape check, or when it is a candidate that does not parse into a JSON object.
//!
//! Exit statuses (the contract): 0 all input read; 1 completed, but some input was unreadable or
//! invalid (all of it counted in the stats); 2 fatal (no usable rule, bad arguments, `--strict`
//! with a rule error, output not writable).

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const RULE: &str = "corpora/rules/posh_win_api_functions.yml";
const RULE_ID: &str = "9f22ccd5-a435-453b-af96-bf99cbb594d4";

fn rule_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(RULE)
}

// ---------------------------------------------------------------------------------------------
// Events

/// An evtx_dump event the seed rule matches (4104, PowerShell Operational, `VirtualAlloc` in
/// `Event.EventData.ScriptBlockText`); `n` goes into `EventRecordID` and the script text.
fn hit(n: usize) -> String {
    format!(
        r#"{{"Event":{{"System":{{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","EventRecordID":{n}}},"EventData":{{"ScriptBlockText":"$m = [Kernel32]::VirtualAlloc(0, 4096, 0x3000, 0x40) # {n}"}}}}}}"#
    )
}

/// The same event with a benign script: holds none of the rule's literals, so it is not a
/// prefilter candidate.
fn miss(n: usize) -> String {
    format!(
        r#"{{"Event":{{"System":{{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","EventRecordID":{n}}},"EventData":{{"ScriptBlockText":"Get-ChildItem C:\\Temp # {n}"}}}}}}"#
    )
}

/// A hit event carrying `junk` (incompressible filler) so compressed fixtures span many blocks.
fn hit_with(n: usize, junk: &str) -> String {
    hit(n).replace(&format!("# {n}\""), &format!("# {n} {junk}\""))
}

/// Deterministic filler (xorshift), hex digits only.
fn junk(state: &mut u64, len: usize) -> String {
    let mut s = String::with_capacity(len);
    while s.len() < len {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        s.push_str(&format!("{:016x}", *state));
    }
    s.truncate(len);
    s
}

/// `n` hit lines (LF-terminated) with filler: ~270 bytes a line that compress poorly.
fn hit_lines(n: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::new();
    for i in 1..=n {
        out.extend_from_slice(hit_with(i, &junk(&mut state, 100)).as_bytes());
        out.push(b'\n');
    }
    out
}

/// `n` lines with filler, every 100th a hit and the others misses (not candidates: cheap).
fn mostly_misses(n: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d;
    let mut out = Vec::new();
    for i in 1..=n {
        let j = junk(&mut state, 100);
        let l = if i % 100 == 0 {
            hit_with(i, &j)
        } else {
            miss(i).replace(&format!("# {i}\""), &format!("# {i} {j}\""))
        };
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

fn lines(ls: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in ls {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// zstd with the content checksum on (as the `zstd` tool writes it), so damage to the data is
/// detected even where the blocks still decode.
fn zstd(data: &[u8]) -> Vec<u8> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Running the binary

/// What one run produced.
struct Run {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
    /// stdout as JSON Lines.
    records: Vec<Value>,
    /// The `--stats` object from stderr, when there is one.
    stats: Option<Value>,
}

impl Run {
    fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!(
                "sigscan was killed by a signal ({:?}); stderr:\n{}",
                self.status, self.stderr
            ),
        }
    }

    fn stats(&self) -> &Value {
        self.stats
            .as_ref()
            .unwrap_or_else(|| panic!("no stats on stderr:\n{}", self.stderr))
    }

    /// The per-input stats entry of `file`.
    fn input(&self, file: &str) -> &Value {
        self.stats()["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"] == file)
            .unwrap_or_else(|| panic!("no stats entry for {file}: {}", self.stats()))
    }

    /// Hit line numbers of `file`, in output order.
    fn hit_lines(&self, file: &str) -> Vec<u64> {
        self.records
            .iter()
            .filter(|r| r["file"] == file)
            .map(|r| r["line"].as_u64().unwrap())
            .collect()
    }

    fn expect(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "exit status; stderr:\n{}", self.stderr);
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "panic on stderr:\n{}",
            self.stderr
        );
        self
    }

    fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a count in {v}"))
}

/// The accounting identity per input and in total, totals = sum of inputs, hits = records.
fn check_accounting(run: &Run) {
    let s = run.stats();
    let inputs = s["inputs"].as_array().unwrap();
    for i in inputs.iter().chain([s]) {
        assert_eq!(
            u(i, "lines"),
            u(i, "events") + u(i, "invalid_lines") + u(i, "empty_lines"),
            "lines = events + invalid_lines + empty_lines in {i}"
        );
    }
    for key in [
        "bytes",
        "lines",
        "events",
        "invalid_lines",
        "empty_lines",
        "hits",
    ] {
        let sum: u64 = inputs.iter().map(|i| u(i, key)).sum();
        assert_eq!(sum, u(s, key), "total `{key}` = sum over inputs in {s}");
    }
    assert_eq!(u(s, "files"), inputs.len() as u64);
    if !run.stdout.is_empty() || u(s, "hits") == 0 {
        assert_eq!(u(s, "hits"), run.records.len() as u64, "hits = records");
    }
    let errors = inputs.iter().filter(|i| !i["error"].is_null()).count() as u64;
    assert!(u(s, "unreadable_inputs") >= errors);
}

fn parse_run(status: ExitStatus, stdout: Vec<u8>, stderr: Vec<u8>) -> Run {
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let records = stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice(l).unwrap_or_else(|e| {
                panic!(
                    "stdout line is not JSON ({e}): {}",
                    String::from_utf8_lossy(l)
                )
            })
        })
        .collect();
    let stats = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("{\"files\":"))
        .map(|l| serde_json::from_str(l).expect("stats line is JSON"));
    Run {
        status,
        stdout,
        stderr,
        records,
        stats,
    }
}

fn command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sigscan"));
    c.current_dir(dir);
    c
}

/// Waits for `child` (stdout and stderr piped), killing it after `limit`: a regression that
/// hangs (a FIFO opened for reading, a directory loop) fails the test instead of the suite.
fn wait_within(mut child: Child, limit: Duration) -> (ExitStatus, Vec<u8>, Vec<u8>) {
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = err.join().unwrap();
            panic!(
                "sigscan did not finish within {limit:?} and was killed; stderr:\n{}",
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, out.join().unwrap(), err.join().unwrap())
}

/// Time limit of one run: generous for a debug build on a busy machine.
const LIMIT: Duration = Duration::from_secs(300);

/// `sigscan <args>` in `dir`, with `stdin` fed from a thread.
fn run_raw(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    run_within(dir, args, stdin, LIMIT)
}

fn run_within(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>, limit: Duration) -> Run {
    let mut child = command(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start sigscan");
    let feeder = stdin.map(|data| {
        let mut w = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        })
    });
    let (status, stdout, stderr) = wait_within(child, limit);
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    let run = parse_run(status, stdout, stderr);
    if run.stats.is_some() {
        check_accounting(&run);
    }
    run
}

/// `sigscan scan --rules <seed rule> --stats --no-pin <args>` in `dir`.
fn scan(dir: &Path, args: &[&str]) -> Run {
    scan_stdin(dir, args, None)
}

fn scan_stdin(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    scan_within(dir, args, stdin, LIMIT)
}

fn scan_within(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>, limit: Duration) -> Run {
    let rule = rule_path();
    let mut all = vec![
        "scan",
        "--rules",
        rule.to_str().unwrap(),
        "--stats",
        "--no-pin",
    ];
    all.extend_from_slice(args);
    run_within(dir, &all, stdin, limit)
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&p, data).unwrap();
    p
}

fn tmp() -> TempDir {
    tempfile::tempdir().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

#[test]
fn directories_are_searched_recursively_and_glob_filters_file_names() {
    let t = tmp();
    let d = t.path();
    write(d, "logs/a.ndjson", &lines(&[hit(1), miss(2)]));
    write(d, "logs/notes.txt", &lines(&[hit(1)]));
    write(d, "logs/sub/b.ndjson", &lines(&[miss(1), hit(2), hit(3)]));
    write(d, "logs/sub/deeper/c.ndjson.gz", &gzip(&lines(&[hit(1)])));

    let run = scan(d, &["--glob", "*.ndjson*", "logs"]);
    run.expect(0);
    let files: Vec<&str> = run.stats()["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    // Sorted walk, names as found under the directory argument; notes.txt filtered out.
    assert_eq!(
        files,
        [
            "logs/a.ndjson",
            "logs/sub/b.ndjson",
            "logs/sub/deeper/c.ndjson.gz"
        ]
    );
    assert_eq!(run.hit_lines("logs/a.ndjson"), [1]);
    assert_eq!(run.hit_lines("logs/sub/b.ndjson"), [2, 3]);
    assert_eq!(run.hit_lines("logs/sub/deeper/c.ndjson.gz"), [1]);
    assert_eq!(u(run.stats(), "hits"), 4);
    assert_eq!(
        run.input("logs/sub/deeper/c.ndjson.gz")["compression"],
        "gzip"
    );

    // Without --glob every file is an input, whatever its name.
    let run = scan(d, &["logs"]);
    run.expect(0);
    assert_eq!(u(run.stats(), "files"), 4);
    assert_eq!(run.hit_lines("logs/notes.txt"), [1]);
}

#[cfg(unix)]
#[test]
fn directory_symlink_loops_are_walked_once() {
    let t = tmp();
    let d = t.path();
    write(d, "logs/a.ndjson", &lines(&[hit(1)]));
    write(d, "logs/sub/b.ndjson", &lines(&[hit(1)]));
    std::os::unix::fs::symlink("..", d.join("logs/sub/up")).unwrap();
    std::os::unix::fs::symlink(".", d.join("logs/self")).unwrap();
    // Before the walk remembered the directories it had seen, this never finished (every link
    // doubles the tree until the kernel's ELOOP limit, and memory ran out first).
    let run = scan_within(d, &["logs"], None, Duration::from_secs(60));
    run.expect(0);
    assert_eq!(u(run.stats(), "files"), 2, "{}", run.stats());
    assert_eq!(u(run.stats(), "hits"), 2);
}

#[cfg(unix)]
#[test]
fn special_files_under_a_directory_are_reported_not_opened() {
    let t = tmp();
    let d = t.path();
    write(d, "logs/a.ndjson", &lines(&[hit(1)]));
    let made = Command::new("mkfifo")
        .arg(d.join("logs/pipe.ndjson"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    // Opening a FIFO nobody writes to blocks forever; under a directory it is skipped and
    // reported (status 1: an input was not read).
    let run = scan_within(d, &["logs"], None, Duration::from_secs(60));
    run.expect(1)
        .stderr_has("logs/pipe.ndjson: not a regular file (skipped)");
    assert_eq!(run.hit_lines("logs/a.ndjson"), [1]);
    assert_eq!(u(run.stats(), "unreadable_inputs"), 1);
}

#[test]
fn stdin_is_read_with_dash_plain_or_compressed() {
    let t = tmp();
    let d = t.path();
    let data = lines(&[miss(1), hit(2), String::new(), hit(4)]);
    let run = scan_stdin(d, &["-"], Some(data.clone()));
    run.expect(0);
    assert_eq!(run.hit_lines("-"), [2, 4]);
    let s = run.input("-");
    assert_eq!(
        (u(s, "lines"), u(s, "events"), u(s, "empty_lines")),
        (4, 3, 1)
    );
    assert_eq!(u(s, "bytes"), data.len() as u64);
    assert_eq!(u(s, "raw_bytes"), data.len() as u64);

    // Compressed stdin is recognised by its magic bytes.
    for (packed, kind) in [(gzip(&data), "gzip"), (zstd(&data), "zstd")] {
        let run = scan_stdin(d, &["-"], Some(packed.clone()));
        run.expect(0);
        assert_eq!(run.hit_lines("-"), [2, 4], "{kind}");
        let s = run.input("-");
        assert_eq!(s["compression"], kind);
        assert_eq!(u(s, "bytes"), data.len() as u64);
        assert_eq!(u(s, "raw_bytes"), packed.len() as u64);
    }
}

/// Many files, plain and compressed (the compressed ones among the next few inputs are decoded
/// ahead, in parallel): records and stats come out in the order the inputs were given, a damaged
/// file among them is reported in its place.
#[test]
fn many_files_at_once_keep_input_order() {
    let t = tmp();
    let d = t.path();
    let mut expected = Vec::new();
    let names = [
        "c.ndjson",
        "a.ndjson.gz",
        "b.ndjson.zst",
        "f.gz",
        "g.zst",
        "e.ndjson",
        "h.gz",
        "i.zst",
        "d.ndjson",
        "j.gz",
    ];
    for (k, name) in names.iter().enumerate() {
        let mut ls = Vec::new();
        for i in 1..=400 {
            ls.push(if i % (k + 2) == 0 { hit(i) } else { miss(i) });
        }
        let data = lines(&ls);
        let mut bytes = if name.ends_with(".gz") {
            gzip(&data)
        } else if name.ends_with(".zst") {
            zstd(&data)
        } else {
            data
        };
        let mut n = 400;
        if *name == "h.gz" {
            // Truncated: the lines before the cut still come, in their place.
            bytes.truncate(bytes.len() - 100);
            n = 0;
        }
        write(d, name, &bytes);
        expected.extend(
            (1..=n)
                .filter(|i| i % (k as u64 + 2) == 0)
                .map(|i| (name.to_string(), i)),
        );
    }
    // Small chunks and two workers: results come back out of order and must be put back.
    let mut args = vec!["--chunk-size", "512", "-j", "2", "--no-event"];
    args.extend(&names);
    let run = scan(d, &args);
    run.expect(1)
        .stderr_has("sigscan: h.gz: gzip stream broken after ");
    let got: Vec<(String, u64)> = run
        .records
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .filter(|(f, _)| f != "h.gz")
        .collect();
    assert_eq!(
        got, expected,
        "records ordered by input as given, then line"
    );
    let h = run.hit_lines("h.gz");
    assert!(!h.is_empty());
    assert_eq!(h, (1..=h.len() as u64).map(|i| 8 * i).collect::<Vec<_>>());
    let order: Vec<&str> = run.stats()["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert_eq!(order, names);
    assert_eq!(u(run.stats(), "unreadable_inputs"), 1);
}

#[test]
fn gzip_and_zstd_are_recognised_by_extension_and_by_magic() {
    let t = tmp();
    let d = t.path();
    let data = hit_lines(3000);
    let (gz, zs) = (gzip(&data), zstd(&data));
    // Concatenated gzip members and zstd frames are one stream (as `cat a.gz b.gz` makes).
    let half = data.len() / 2;
    let cut = half + data[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let gz2 = [gzip(&data[..cut]), gzip(&data[cut..])].concat();
    let zs2 = [zstd(&data[..cut]), zstd(&data[cut..])].concat();
    let files: [(&str, &[u8], &str); 6] = [
        ("x.ndjson.gz", &gz, "gzip"),
        ("x.ndjson.zst", &zs, "zstd"),
        ("renamed-gzip.log", &gz, "gzip"),
        ("renamed-zstd.ndjson", &zs, "zstd"),
        ("members.gz", &gz2, "gzip"),
        ("frames.zst", &zs2, "zstd"),
    ];
    for (name, bytes, _) in &files {
        write(d, name, bytes);
    }
    let names: Vec<&str> = files.iter().map(|f| f.0).collect();
    for mmap in [true, false] {
        let mut args = vec!["--no-event"];
        if !mmap {
            args.push("--no-mmap");
        }
        args.extend(&names);
        let run = scan(d, &args);
        run.expect(0);
        for (name, bytes, kind) in &files {
            let s = run.input(name);
            assert_eq!(s["compression"], *kind, "{name}");
            assert_eq!(
                u(s, "raw_bytes"),
                bytes.len() as u64,
                "{name}: bytes on disk"
            );
            assert_eq!(u(s, "bytes"), data.len() as u64, "{name}: bytes decoded");
            assert_eq!(u(s, "lines"), 3000, "{name}");
            assert_eq!(
                run.hit_lines(name),
                (1..=3000).collect::<Vec<_>>(),
                "{name}"
            );
        }
    }
}

/// A FIFO or pipe named as a file (`<(zcat …)`, `/dev/stdin`) cannot be rewound: the first bytes,
/// read to look for a compression magic, used to be lost (the first event vanished, and gzip
/// through a pipe was not recognised at all).
#[cfg(target_os = "linux")]
#[test]
fn pipes_named_as_files_keep_their_first_bytes() {
    let t = tmp();
    let d = t.path();
    let data = lines(&[hit(1), miss(2), hit(3)]);
    let bom = [b"\xEF\xBB\xBF".as_slice(), &data].concat();
    for (what, bytes, kind) in [
        ("plain", data.clone(), None),
        ("bom", bom, None),
        ("gzip", gzip(&data), Some("gzip")),
        ("zstd", zstd(&data), Some("zstd")),
    ] {
        for mmap in [true, false] {
            let mut args = vec!["/dev/stdin"];
            if !mmap {
                args.push("--no-mmap");
            }
            let run = scan_stdin(d, &args, Some(bytes.clone()));
            run.expect(0);
            assert_eq!(run.hit_lines("/dev/stdin"), [1, 3], "{what}, mmap {mmap}");
            let s = run.input("/dev/stdin");
            assert_eq!(s["compression"].as_str(), kind, "{what}");
            assert_eq!(u(s, "raw_bytes"), bytes.len() as u64, "{what}");
            assert_eq!(u(s, "bytes"), data.len() as u64, "{what}");
        }
    }
}

#[test]
fn line_endings_bom_last_line_and_blank_lines() {
    let t = tmp();
    let d = t.path();
    // 1 hit (after a BOM), 2 hit CRLF, 3 empty, 4 spaces and a tab, 5 a lone CR (empty once the
    // CR is stripped), 6 miss CRLF, 7 hit without a final newline.
    let mut data = b"\xEF\xBB\xBF".to_vec();
    for (line, end) in [
        (hit(1), "\n"),
        (hit(2), "\r\n"),
        (String::new(), "\n"),
        (" \t ".into(), "\n"),
        (String::new(), "\r\n"),
        (miss(6), "\r\n"),
        (hit(7), ""),
    ] {
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(end.as_bytes());
    }
    write(d, "mixed.ndjson", &data);
    write(d, "mixed.ndjson.gz", &gzip(&data));
    // Offsets are of the line's first byte in the file: the BOM is skipped, not discounted.
    let off2 = 3 + hit(1).len() as u64 + 1;
    let off7 = (data.len() - hit(7).len()) as u64;
    for (name, extra, stdin) in [
        ("mixed.ndjson", None, None),
        ("mixed.ndjson", Some("--no-mmap"), None),
        ("mixed.ndjson.gz", None, None),
        ("-", None, Some(data.clone())),
    ] {
        let mut args: Vec<&str> = extra.into_iter().collect();
        args.push(name);
        let run = scan_stdin(d, &args, stdin);
        run.expect(0);
        let s = run.input(name);
        assert_eq!(
            (
                u(s, "lines"),
                u(s, "events"),
                u(s, "empty_lines"),
                u(s, "invalid_lines")
            ),
            (7, 4, 3, 0),
            "{name} {extra:?}"
        );
        assert_eq!(
            u(s, "bytes"),
            data.len() as u64 - 3,
            "decoded bytes without the BOM"
        );
        let got: Vec<(u64, u64, u64)> = run
            .records
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["offset"].as_u64().unwrap(),
                    r["event"]["Event"]["System"]["EventRecordID"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [(1, 3, 1), (2, off2, 2), (7, off7, 7)],
            "{name} {extra:?}"
        );
        for r in &run.records {
            assert_eq!(r["rule_id"], RULE_ID);
        }
    }
}

#[test]
fn invalid_lines_are_counted_the_first_few_reported_and_the_scan_goes_on() {
    let t = tmp();
    let d = t.path();
    let ls: Vec<String> = vec![
        hit(1),                                           // 1 hit
        "not json at all".into(),                         // 2 invalid: shape
        "[1,2,3]".into(),                                 // 3 invalid: shape (an array)
        r#""VirtualAlloc""#.into(), // 4 invalid: candidate, valid JSON, not an object
        r#"{"Event": VirtualAlloc}"#.into(), // 5 invalid: candidate, does not parse
        r#"[{"ScriptBlockText":"VirtualAlloc"}]"#.into(), // 6 invalid: candidate, an array
        r#"{"a": }"#.into(), // 7 event: not a candidate, so only shape-checked (design choice)
        "42".into(),         // 8 invalid: shape
        hit(9),              // 9 hit
        r#"{"VirtualAlloc":1}}"#.into(), // 10 invalid: candidate, trailing characters
    ];
    write(d, "bad.ndjson", &lines(&ls));
    for chunk in ["4194304", "40"] {
        let run = scan(d, &["--chunk-size", chunk, "bad.ndjson"]);
        run.expect(1)
            .stderr_has("sigscan: bad.ndjson:2: invalid line: not a JSON object")
            .stderr_has("sigscan: bad.ndjson:3: invalid line: not a JSON object")
            .stderr_has("sigscan: bad.ndjson:4: invalid line: not a JSON object")
            .stderr_has("sigscan: bad.ndjson:5: invalid line: expected value at line 1 column 11")
            .stderr_has("sigscan: bad.ndjson:6: invalid line: not a JSON object")
            // Only the first five are shown, then the total.
            .stderr_lacks("bad.ndjson:8:")
            .stderr_lacks("bad.ndjson:10:")
            .stderr_has("sigscan: bad.ndjson: 7 invalid lines in all (5 shown)")
            .stderr_lacks("bad.ndjson:7:");
        assert_eq!(run.hit_lines("bad.ndjson"), [1, 9], "chunk {chunk}");
        let s = run.input("bad.ndjson");
        assert_eq!(
            (
                u(s, "lines"),
                u(s, "events"),
                u(s, "invalid_lines"),
                u(s, "empty_lines")
            ),
            (10, 3, 7, 0),
            "chunk {chunk}"
        );
    }
    // --quiet drops the per-line messages, not the accounting or the status.
    let run = scan(d, &["-q", "bad.ndjson"]);
    run.expect(1).stderr_lacks("invalid line");
    assert_eq!(u(run.input("bad.ndjson"), "invalid_lines"), 7);
}

#[test]
fn invalid_utf8_is_matched_on_a_lossy_decoding() {
    let t = tmp();
    let d = t.path();
    let mut data = Vec::new();
    // 1: a hit with invalid UTF-8 inside the script text: matched, the event re-serialised
    // with U+FFFD.
    data.extend_from_slice(&hit(1).replace("# 1", "# \u{1}").into_bytes());
    let at = data.iter().position(|&b| b == 1).unwrap();
    data.splice(at..at + 1, *b"\xff\xfe");
    data.push(b'\n');
    // 2: invalid UTF-8 splitting the literal: not a candidate, counted as an event.
    data.extend_from_slice(
        &hit(2)
            .replace("VirtualAlloc", "Virtual\u{1}Alloc")
            .into_bytes(),
    );
    let at = data.iter().rposition(|&b| b == 1).unwrap();
    data[at] = 0xff;
    data.push(b'\n');
    // 3: a Latin-1 byte in a non-candidate line.
    data.extend_from_slice(&miss(3).replace("Temp", "T\u{1}mp").into_bytes());
    let at = data.iter().rposition(|&b| b == 1).unwrap();
    data[at] = 0xe9;
    data.push(b'\n');
    write(d, "latin.ndjson", &data);
    let run = scan(d, &["latin.ndjson"]);
    run.expect(0);
    assert_eq!(run.hit_lines("latin.ndjson"), [1]);
    let text = run.records[0]["event"]["Event"]["EventData"]["ScriptBlockText"]
        .as_str()
        .unwrap();
    assert!(text.ends_with("# \u{FFFD}\u{FFFD}"), "{text:?}");
    let s = run.input("latin.ndjson");
    assert_eq!((u(s, "lines"), u(s, "events")), (3, 3));
}

#[test]
fn nul_bytes_give_a_defined_result() {
    let t = tmp();
    let d = t.path();
    let raw_nul = hit(1).replace("# 1", "# \u{0}");
    let escaped_nul = hit(2).replace("# 2", "# \\u0000");
    let ls: Vec<String> = vec![
        raw_nul,                     // 1 invalid: a raw control character in a JSON string
        escaped_nul,                 // 2 hit: an escaped NUL is valid JSON
        "\u{0}\u{0}\u{0}".into(),    // 3 invalid: shape
        "{\"a\":\"b\u{0}\"}".into(), // 4 event: not a candidate, only shape-checked
        hit(5),                      // 5 hit
    ];
    write(d, "nul.ndjson", &lines(&ls));
    let run = scan(d, &["nul.ndjson"]);
    run.expect(1)
        .stderr_has("sigscan: nul.ndjson:1: invalid line: control character")
        .stderr_has("sigscan: nul.ndjson:3: invalid line: not a JSON object");
    assert_eq!(run.hit_lines("nul.ndjson"), [2, 5]);
    let s = run.input("nul.ndjson");
    assert_eq!(
        (u(s, "lines"), u(s, "events"), u(s, "invalid_lines")),
        (5, 3, 2)
    );
}

#[test]
fn a_100_mb_line_is_scanned_whole() {
    let t = tmp();
    let d = t.path();
    let p = d.join("huge.ndjson");
    {
        let mut f = std::io::BufWriter::new(fs::File::create(&p).unwrap());
        let h = hit(1);
        let (head, tail) = h.split_at(h.find("# 1").unwrap());
        f.write_all(head.as_bytes()).unwrap();
        let pad = vec![b'A'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&pad).unwrap();
        }
        f.write_all(tail.as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
        f.write_all(hit(2).as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
    }
    let size = fs::metadata(&p).unwrap().len();
    assert!(size > 100 << 20);
    for extra in [None, Some("--no-mmap")] {
        let mut args = vec!["--no-event", "huge.ndjson"];
        args.extend(extra);
        let run = scan(d, &args);
        run.expect(0);
        assert_eq!(run.hit_lines("huge.ndjson"), [1, 2], "{extra:?}");
        let s = run.input("huge.ndjson");
        assert_eq!((u(s, "lines"), u(s, "events"), u(s, "bytes")), (2, 2, size));
    }
}

#[test]
fn nesting_100000_deep_neither_overflows_nor_panics() {
    let t = tmp();
    let d = t.path();
    const N: usize = 100_000;
    let arrays = format!("{}{}", "[".repeat(N), "]".repeat(N));
    let objects = format!("{}1{}", "{\"a\":".repeat(N), "}".repeat(N));
    let ls: Vec<String> = vec![
        // 1 invalid: a candidate, so parsed; the parser's depth limit turns it away.
        format!(r#"{{"ScriptBlockText":"VirtualAlloc","a":{arrays}}}"#),
        // 2 event: not a candidate, so only shape-checked (design choice).
        objects.clone(),
        // 3 invalid: shape.
        arrays,
        // 4 event: a candidate whose embedded (Azure-style) EventData string nests too deep;
        // the string is left as it is.
        format!(
            r#"{{"x":"VirtualAlloc","EventData":{}}}"#,
            Value::from(objects)
        ),
        hit(5),
    ];
    write(d, "deep.ndjson", &lines(&ls));
    let run = scan(d, &["--no-event", "deep.ndjson"]);
    run.expect(1)
        .stderr_has("sigscan: deep.ndjson:1: invalid line: recursion limit exceeded")
        .stderr_has("sigscan: deep.ndjson:3: invalid line: not a JSON object");
    assert_eq!(run.hit_lines("deep.ndjson"), [5]);
    let s = run.input("deep.ndjson");
    assert_eq!(
        (u(s, "lines"), u(s, "events"), u(s, "invalid_lines")),
        (5, 3, 2)
    );
}

#[test]
fn a_missing_file_is_reported_and_the_others_scanned() {
    let t = tmp();
    let d = t.path();
    write(d, "a.ndjson", &lines(&[hit(1)]));
    write(d, "b.ndjson", &lines(&[miss(1), hit(2)]));
    let run = scan(d, &["a.ndjson", "missing.ndjson", "b.ndjson"]);
    run.expect(1)
        .stderr_has("sigscan: missing.ndjson: cannot open: No such file or directory");
    assert_eq!(run.hit_lines("a.ndjson"), [1]);
    assert_eq!(run.hit_lines("b.ndjson"), [2]);
    // The missing file has its place in the per-input stats.
    let s = run.input("missing.ndjson");
    assert!(s["error"].as_str().unwrap().contains("cannot open"), "{s}");
    assert_eq!((u(s, "lines"), u(s, "raw_bytes")), (0, 0));
    assert_eq!(u(run.stats(), "unreadable_inputs"), 1);
    assert_eq!(u(run.stats(), "files"), 3);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_and_the_others_scanned() {
    let t = tmp();
    let d = t.path();
    write(d, "ok.ndjson", &lines(&[hit(1)]));
    std::os::unix::fs::symlink("nowhere", d.join("dangling.ndjson")).unwrap();
    let mut args = vec!["dangling.ndjson", "ok.ndjson"];
    // Opens, then fails on the first read (EIO): "how far it got" is 0 bytes.
    if cfg!(target_os = "linux") {
        args.push("/proc/self/mem");
    }
    // Without read permission (root reads anyway, so only checked for other users).
    let locked = write(d, "locked.ndjson", &lines(&[hit(1)]));
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let locked_out = fs::File::open(&locked).is_err();
    if locked_out {
        args.push("locked.ndjson");
    }
    let run = scan(d, &args);
    run.expect(1)
        .stderr_has("sigscan: dangling.ndjson: cannot open: No such file or directory");
    if cfg!(target_os = "linux") {
        run.stderr_has("sigscan: /proc/self/mem: read failed after 0 bytes");
    }
    if locked_out {
        run.stderr_has("sigscan: locked.ndjson: cannot open: Permission denied");
    }
    assert_eq!(run.hit_lines("ok.ndjson"), [1]);
    assert_eq!(u(run.stats(), "unreadable_inputs"), args.len() as u64 - 1);
}

/// Checks a damaged compressed input: status 1, the error names the file and how far decoding
/// got, that is the decoded byte count in the stats; every complete line before the damage is
/// scanned (hits are exactly lines 1..=k, at least `min_lines` of them); at most one partial line
/// at the cut counts as invalid.
fn check_damaged(run: &Run, name: &str, kind: &str, raw: usize, min_lines: u64) {
    run.expect(1);
    let s = run.input(name);
    let decoded = u(s, "bytes");
    run.stderr_has(&format!(
        "sigscan: {name}: {kind} stream broken after {decoded} decompressed bytes: "
    ))
    .stderr_has(&format!("(scanned {} lines before it)", u(s, "lines")));
    assert!(
        s["error"].as_str().unwrap().contains("stream broken"),
        "{s}"
    );
    assert_eq!(
        u(s, "raw_bytes"),
        raw as u64,
        "{name}: compressed bytes read"
    );
    assert_eq!(s["compression"], kind);
    let hits = run.hit_lines(name);
    assert_eq!(
        hits,
        (1..=hits.len() as u64).collect::<Vec<_>>(),
        "{name}: a prefix"
    );
    assert!(
        hits.len() as u64 >= min_lines,
        "{name}: only {} lines",
        hits.len()
    );
    // At most one partial line at the cut: invalid, or (cut right after a `}` before the
    // literal) a shape-checked event.
    assert!(u(s, "lines") - hits.len() as u64 <= 1, "{name}: {s}");
}

#[test]
fn truncated_gzip_and_zstd_report_how_far_they_got() {
    let t = tmp();
    let d = t.path();
    let data = hit_lines(3000);
    let gz = gzip(&data);
    let zs = zstd(&data);
    let gz_cut = &gz[..gz.len() / 2];
    let zs_cut = &zs[..zs.len() / 2];
    write(d, "cut.ndjson.gz", gz_cut);
    write(d, "cut.ndjson.zst", zs_cut);
    write(d, "after.ndjson", &lines(&[hit(1)]));
    for extra in [None, Some("--no-mmap")] {
        let mut args = vec![
            "--no-event",
            "cut.ndjson.gz",
            "cut.ndjson.zst",
            "after.ndjson",
        ];
        args.extend(extra);
        let run = scan(d, &args);
        // Half the compressed bytes hold about half the lines; zstd's last block is lost.
        check_damaged(&run, "cut.ndjson.gz", "gzip", gz_cut.len(), 1200);
        check_damaged(&run, "cut.ndjson.zst", "zstd", zs_cut.len(), 900);
        assert_eq!(run.hit_lines("after.ndjson"), [1], "the scan goes on");
        assert_eq!(u(run.stats(), "unreadable_inputs"), 2);
    }
}

#[test]
fn corrupt_gzip_and_zstd_keep_the_events_before_the_damage() {
    let t = tmp();
    let d = t.path();
    let data = hit_lines(3000);
    // A good member/frame followed by a damaged one: all of the first is scanned.
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
    // gzip: compression method 7 does not exist; zstd: the frame header's reserved bit is set.
    let gz = [gzip(&data), b"\x1f\x8b\x07\x00".to_vec(), garbage.clone()].concat();
    let zs = [zstd(&data), b"\x28\xb5\x2f\xfd\x08".to_vec(), garbage].concat();
    write(d, "tail.gz", &gz);
    write(d, "tail.zst", &zs);
    // Bytes flipped at a fifth of the stream (inside the first 128 KiB, which the zstd reader
    // takes in at once): the damage is found in the middle or by the checksum at the end; the
    // blocks before it decode.
    let flip = |mut v: Vec<u8>| {
        let at = v.len() / 5;
        for b in &mut v[at..at + 64] {
            *b ^= 0x5a;
        }
        v
    };
    let gz_flip = flip(gzip(&data));
    let zs_flip = flip(zstd(&data));
    write(d, "flip.gz", &gz_flip);
    write(d, "flip.zst", &zs_flip);
    // Only the checksum damaged (zstd: the last 4 bytes; gzip: the CRC-32 before the length).
    let mut zs_sum = zstd(&data);
    let n = zs_sum.len();
    zs_sum[n - 4..].iter_mut().for_each(|b| *b ^= 0xff);
    let mut gz_sum = gzip(&data);
    let n = gz_sum.len();
    gz_sum[n - 8..n - 4].iter_mut().for_each(|b| *b ^= 0xff);
    write(d, "sum.zst", &zs_sum);
    write(d, "sum.gz", &gz_sum);
    let run = scan(
        d,
        &[
            "--no-event",
            "-q",
            "tail.gz",
            "tail.zst",
            "flip.gz",
            "flip.zst",
            "sum.gz",
            "sum.zst",
        ],
    );
    // A bad checksum is found after the last byte was decoded: gzip keeps every line; zstd at
    // most loses the last read of decoded bytes, 32 KiB (~110 lines); it used to lose all that
    // was decoded from the last 128 KiB of input (~450 lines here, all of a smaller file).
    for (name, kind, len, min) in [
        ("sum.gz", "gzip", gz_sum.len(), 3000),
        ("sum.zst", "zstd", zs_sum.len(), 2850),
    ] {
        check_damaged(&run, name, kind, len, min);
    }
    check_damaged(&run, "tail.gz", "gzip", gz.len(), 3000);
    check_damaged(&run, "tail.zst", "zstd", zs.len(), 3000);
    assert_eq!(u(run.input("tail.gz"), "bytes"), data.len() as u64);
    assert_eq!(u(run.input("tail.zst"), "bytes"), data.len() as u64);
    for (name, kind, len) in [
        ("flip.gz", "gzip", gz_flip.len()),
        ("flip.zst", "zstd", zs_flip.len()),
    ] {
        let s = run.input(name);
        run.stderr_has(&format!(
            "sigscan: {name}: {kind} stream broken after {} decompressed bytes",
            u(s, "bytes")
        ));
        assert_eq!(u(s, "raw_bytes"), len as u64);
        // Garbage decoded after the damage may be invalid lines, or even events that do not
        // hit; but the lines of the first zstd block (128 KiB, ~450 lines) are intact hits
        // (zstd used to lose everything decoded in the read call that met the damage).
        let hits = run.hit_lines(name);
        assert!(hits.len() >= 300, "{name}: {} hits", hits.len());
        assert_eq!(hits[..300], (1..=300).collect::<Vec<_>>()[..], "{name}");
    }
}

#[test]
fn empty_files_are_read_as_zero_lines() {
    let t = tmp();
    let d = t.path();
    write(d, "empty.ndjson", b"");
    write(d, "empty.gz", b"");
    write(d, "empty-content.ndjson.gz", &gzip(b""));
    write(d, "empty-content.ndjson.zst", &zstd(b""));
    write(d, "bom-only.ndjson", b"\xEF\xBB\xBF");
    write(d, "blank.ndjson", b"\n \n\r\n\t");
    let names = [
        "empty.ndjson",
        "empty.gz",
        "empty-content.ndjson.gz",
        "empty-content.ndjson.zst",
        "bom-only.ndjson",
    ];
    for extra in [None, Some("--no-mmap")] {
        let mut args: Vec<&str> = extra.into_iter().collect();
        args.extend(names);
        args.push("blank.ndjson");
        let run = scan(d, &args);
        run.expect(0);
        for name in names {
            let s = run.input(name);
            assert_eq!((u(s, "lines"), u(s, "bytes")), (0, 0), "{name}: {s}");
            assert!(s["error"].is_null(), "{name}: {s}");
        }
        assert_eq!(run.input("empty-content.ndjson.gz")["compression"], "gzip");
        assert_eq!(run.input("empty-content.ndjson.zst")["compression"], "zstd");
        let s = run.input("blank.ndjson");
        assert_eq!((u(s, "lines"), u(s, "empty_lines")), (4, 4));
        assert!(run.records.is_empty());
    }
}

/// `--no-mmap` reads files with `read()`: the same results as mapping them.
#[test]
fn no_mmap_reads_files_the_same_way() {
    let t = tmp();
    let d = t.path();
    let mut data = hit_lines(2000);
    data.extend_from_slice(&lines(&[miss(1), "oops".into(), String::new()]));
    write(d, "a.ndjson", &data);
    let a = scan(d, &["--chunk-size", "4096", "a.ndjson"]);
    let b = scan(d, &["--chunk-size", "4096", "--no-mmap", "a.ndjson"]);
    a.expect(1);
    b.expect(1);
    assert_eq!(a.stdout, b.stdout);
    let (sa, sb) = (a.input("a.ndjson"), b.input("a.ndjson"));
    for key in [
        "lines",
        "events",
        "invalid_lines",
        "empty_lines",
        "bytes",
        "raw_bytes",
        "hits",
    ] {
        assert_eq!(sa[key], sb[key], "{key}");
    }
    assert_eq!(u(sa, "hits"), 2000);
}

/// A file truncated while it is scanned. Memory-mapped, touching the pages that vanished raises
/// SIGBUS and kills the process: the documented risk of mapping (src/scan/mmap.rs), accepted for
/// archived logs; `--no-mmap` is the answer for files that may change. Read with `read()`, a
/// truncation just ends the file early: whatever was read is counted, nothing crashes.
#[test]
fn a_file_truncated_during_a_no_mmap_scan_is_not_a_crash() {
    let t = tmp();
    let d = t.path();
    let data = mostly_misses(100_000); // ~29 MB
    let p = write(d, "live.ndjson", &data);
    let rule = rule_path();
    let child = command(d)
        .args([
            "scan",
            "--rules",
            rule.to_str().unwrap(),
            "--stats",
            "--no-pin",
        ])
        .args([
            "--no-mmap",
            "--no-event",
            "--chunk-size",
            "65536",
            "-j",
            "1",
        ])
        .arg("live.ndjson")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(data.len() as u64 / 3)
        .unwrap();
    let (status, stdout, stderr) = wait_within(child, LIMIT);
    let run = parse_run(status, stdout, stderr);
    // 0 if it finished before the cut or the cut fell on a line end, 1 if a partial line at the
    // cut was counted invalid; never a signal.
    let code = run.code();
    assert!(code == 0 || code == 1, "status {code}:\n{}", run.stderr);
    check_accounting(&run);
    let s = run.input("live.ndjson");
    assert!(u(s, "lines") <= 100_000);
    assert!(u(s, "invalid_lines") <= 1);
    let hits = run.hit_lines("live.ndjson");
    let expected: Vec<u64> = (1..=hits.len() as u64).map(|k| 100 * k).collect();
    assert_eq!(hits, expected);
}

// ---------------------------------------------------------------------------------------------
// Rules

/// One broken rule next to the seed rule: a diagnostic naming the file and line with `reason`,
/// the seed rule still loads and hits (status 0, `rules_skipped` 1); `--strict` makes it fatal
/// (status 2, no output).
fn check_rule_error(yaml: &str, line: usize, reason: &str) {
    let t = tmp();
    let d = t.path();
    fs::create_dir(d.join("rules")).unwrap();
    fs::copy(rule_path(), d.join("rules/seed.yml")).unwrap();
    write(d, "rules/broken.yml", yaml.as_bytes());
    write(d, "events.ndjson", &lines(&[hit(1), miss(2)]));
    let prefix = format!("sigscan: rules/broken.yml:{line}: ");
    let run = run_raw(
        d,
        &[
            "scan",
            "--rules",
            "rules",
            "--stats",
            "--no-pin",
            "events.ndjson",
        ],
        None,
    );
    run.expect(0)
        .stderr_has(&prefix)
        .stderr_has(reason)
        .stderr_has("(rule skipped)");
    let diag = run.stderr.lines().find(|l| l.starts_with(&prefix)).unwrap();
    assert!(diag.contains(reason), "{diag}");
    assert_eq!(run.hit_lines("events.ndjson"), [1]);
    assert_eq!(u(run.stats(), "rules_loaded"), 1);
    assert_eq!(u(run.stats(), "rules_skipped"), 1);

    let run = run_raw(
        d,
        &["scan", "--rules", "rules", "--strict", "events.ndjson"],
        None,
    );
    run.expect(2)
        .stderr_has(&prefix)
        .stderr_has("1 rule errors and --strict: stopping");
    assert!(run.stdout.is_empty());

    // `rules check` lists it with the same file and line (status 1: a rule failed).
    let out = command(d)
        .args(["rules", "check", "rules"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains(&format!("error  rules/broken.yml:{line}  ")) && out.contains(reason),
        "{out}"
    );
}

#[test]
fn rule_with_a_yaml_syntax_error() {
    check_rule_error(
        "title: bad indentation\ndetection:\n  sel:\n    ScriptBlockText: x\n   condition: sel\n",
        5,
        "YAML: while parsing a block mapping, did not find expected key",
    );
    check_rule_error(
        "title: tab\ndetection:\n\tsel: x\n  condition: sel\n",
        3,
        "YAML: tabs disallowed",
    );
}

#[test]
fn rule_without_detection() {
    check_rule_error(
        "title: no detection\nid: r-nodet\nlogsource: {product: windows}\n",
        1,
        "missing `detection`",
    );
}

#[test]
fn rule_without_condition() {
    check_rule_error(
        "title: no condition\nid: r-nocond\ndetection:\n  sel:\n    ScriptBlockText: x\n",
        4,
        "missing `condition`",
    );
}

#[test]
fn rule_with_an_unknown_modifier() {
    check_rule_error(
        "title: m\nid: r-mod\ndetection:\n  sel:\n    ScriptBlockText|containz: x\n  condition: sel\n",
        5,
        "unknown modifier `containz` in `ScriptBlockText|containz`",
    );
}

#[test]
fn rule_whose_condition_names_an_unknown_identifier() {
    check_rule_error(
        "title: c\nid: r-ident\ndetection:\n  sel:\n    ScriptBlockText: x\n  condition: sel and nosuch\n",
        6,
        "condition names unknown search identifier `nosuch`",
    );
}

#[test]
fn rule_with_a_regex_that_does_not_compile() {
    check_rule_error(
        "title: r\nid: r-re\ndetection:\n  sel:\n    ScriptBlockText|re: 'a(b'\n  condition: sel\n",
        5,
        "regex does not compile",
    );
}

#[test]
fn no_usable_rule_and_bad_arguments_are_fatal() {
    let t = tmp();
    let d = t.path();
    write(d, "events.ndjson", &lines(&[hit(1)]));
    write(
        d,
        "only-bad.yml",
        b"title: no condition\ndetection:\n  sel:\n    A: x\n",
    );
    let run = run_raw(
        d,
        &["scan", "--rules", "only-bad.yml", "events.ndjson"],
        None,
    );
    run.expect(2)
        .stderr_has("only-bad.yml:3: missing `condition`")
        .stderr_has("sigscan: no usable rule");
    assert!(run.stdout.is_empty());

    let run = run_raw(
        d,
        &["scan", "--rules", "no-such-dir", "events.ndjson"],
        None,
    );
    run.expect(2)
        .stderr_has("no-such-dir:0: cannot read rule path")
        .stderr_has("sigscan: no usable rule");

    let rule = rule_path();
    for args in [
        vec!["scan", "events.ndjson"],
        vec!["scan", "--rules", rule.to_str().unwrap()],
        vec![
            "scan",
            "--rules",
            rule.to_str().unwrap(),
            "--bogus",
            "events.ndjson",
        ],
        vec![
            "scan",
            "--rules",
            rule.to_str().unwrap(),
            "-j",
            "x",
            "events.ndjson",
        ],
    ] {
        let run = run_raw(d, &args, None);
        run.expect(2).stderr_has("error:");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Output

fn dir_names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn output_file_is_written_atomically() {
    let t = tmp();
    let d = t.path();
    write(d, "in/a.ndjson", &lines(&[hit(1), miss(2), hit(3)]));
    write(d, "in/b.ndjson.gz", &gzip(&lines(&[hit(1)])));
    let to_stdout = scan(d, &["in"]);
    to_stdout.expect(0);
    assert_eq!(to_stdout.records.len(), 3);

    fs::create_dir(d.join("out")).unwrap();
    assert!(!d.join("out/hits.jsonl").exists());
    let run = scan(d, &["-o", "out/hits.jsonl", "in"]);
    run.expect(0);
    assert!(run.stdout.is_empty(), "hits go to the file only");
    assert_eq!(
        fs::read(d.join("out/hits.jsonl")).unwrap(),
        to_stdout.stdout
    );
    assert_eq!(
        dir_names(&d.join("out")),
        ["hits.jsonl"],
        "no temporary file left"
    );

    // A second run replaces the file whole.
    write(d, "in/a.ndjson", &lines(&[hit(1)]));
    let run = scan(d, &["--output", "out/hits.jsonl", "in"]);
    run.expect(0);
    let again = fs::read_to_string(d.join("out/hits.jsonl")).unwrap();
    assert_eq!(again.lines().count(), 2);
    assert_eq!(dir_names(&d.join("out")), ["hits.jsonl"]);

    // Through a symbolic link, the file it names is replaced and the link kept.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("hits.jsonl", d.join("out/link.jsonl")).unwrap();
        write(d, "in/a.ndjson", &lines(&[hit(1), hit(2)]));
        let run = scan(d, &["-o", "out/link.jsonl", "in"]);
        run.expect(0);
        assert!(
            fs::symlink_metadata(d.join("out/link.jsonl"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let text = fs::read_to_string(d.join("out/hits.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert_eq!(dir_names(&d.join("out")), ["hits.jsonl", "link.jsonl"]);
    }

    // An output in a missing directory is fatal before anything is scanned.
    let run = scan(d, &["-o", "nowhere/hits.jsonl", "in"]);
    run.expect(2)
        .stderr_has("nowhere/hits.jsonl: cannot create its temporary file")
        .stderr_has("nowhere/.hits.jsonl.");
    assert!(!d.join("nowhere").exists());
}

/// A write that fails mid-scan (here: the file size limit, with SIGXFSZ ignored so the write
/// returns EFBIG) is fatal, names the output, leaves the previous file as it was and no temporary
/// file behind (the temporary file used to be left).
#[cfg(target_os = "linux")]
#[test]
fn a_failed_output_write_leaves_the_old_file_and_no_temporary() {
    let t = tmp();
    let d = t.path();
    let ls: Vec<String> = (1..=2000).map(hit).collect();
    write(d, "a.ndjson", &lines(&ls));
    write(d, "out/hits.jsonl", b"previous\n");
    let rule = rule_path();
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec '{}' scan --rules '{}' -o out/hits.jsonl a.ndjson",
        env!("CARGO_BIN_EXE_sigscan"),
        rule.display()
    );
    let out = Command::new("sh")
        .current_dir(d)
        .args(["-c", &script])
        .output()
        .unwrap();
    let run = parse_run(out.status, out.stdout, out.stderr);
    run.expect(2)
        .stderr_has("sigscan: writing output to ")
        .stderr_has("out/hits.jsonl: File too large");
    assert_eq!(fs::read(d.join("out/hits.jsonl")).unwrap(), b"previous\n");
    assert_eq!(dir_names(&d.join("out")), ["hits.jsonl"]);
}

/// An output that exists and is not a regular file (a FIFO, `/dev/null`) is written in place:
/// renaming a temporary file over it replaced the node with a plain file (as root, `-o
/// /dev/null` destroyed /dev/null).
#[cfg(target_os = "linux")]
#[test]
fn output_to_a_fifo_is_written_in_place() {
    let t = tmp();
    let d = t.path();
    write(d, "a.ndjson", &lines(&[hit(1), hit(2)]));
    fs::create_dir(d.join("out")).unwrap();
    let fifo = d.join("out/fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    // A second name for the FIFO, to release the reader should sigscan never open it (or
    // replace it).
    let keep = d.join("fifo.keep");
    fs::hard_link(&fifo, &keep).unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    let run = scan_within(
        d,
        &["-o", "out/fifo", "a.ndjson"],
        None,
        Duration::from_secs(60),
    );
    std::thread::sleep(Duration::from_millis(100));
    if !reader.is_finished() {
        drop(fs::OpenOptions::new().write(true).open(&keep));
    }
    let got = reader.join().unwrap();
    run.expect(0);
    assert_eq!(got.lines().count(), 2, "{got}");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(dir_names(&d.join("out")), ["fifo"]);
}

/// `sigscan … | head -1`: once the reader is gone the scan ends quietly with status 0.
#[test]
fn a_closed_pipe_ends_the_scan_quietly() {
    let t = tmp();
    let d = t.path();
    // ~6 MB of hit records: far more than a pipe buffer.
    write(d, "many.ndjson", &hit_lines(20_000));
    let rule = rule_path();
    for extra in [None, Some("--stats")] {
        let mut child = command(d)
            .args(["scan", "--rules", rule.to_str().unwrap(), "--no-pin"])
            .args(extra)
            .arg("many.ndjson")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        {
            let mut r = BufReader::new(child.stdout.take().unwrap());
            r.read_line(&mut first).unwrap();
        } // the read end is closed here
        let (status, stdout, stderr) = wait_within(child, LIMIT);
        let run = parse_run(status, stdout, stderr);
        run.expect(0)
            .stderr_lacks("Broken pipe")
            .stderr_lacks("writing output");
        let rec: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(rec["line"], 1);
        assert_eq!(rec["rule_id"], RULE_ID);
    }
}
