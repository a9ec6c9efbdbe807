//! The harness of the `bad_input_*` tests: the seed rule, the events and damaged or
//! compressed fixtures they are made of, and [`scan`], which runs `sigscan scan` in a
//! temporary directory and checks the `--stats` accounting on every run.
//!
//! All fixtures are generated in temporary directories (gzip and zstd with `flate2` and
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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use serde_json::Value;

#[allow(unused_imports)]
pub use super::run::{LIMIT, wait_within};
#[allow(unused_imports)]
pub use super::{tmp, write};

pub const RULE: &str = "corpora/rules/posh_win_api_functions.yml";
pub const RULE_ID: &str = "9f22ccd5-a435-453b-af96-bf99cbb594d4";

pub fn rule_path() -> PathBuf {
    super::root().join(RULE)
}

// ---------------------------------------------------------------------------------------------
// Events

/// An evtx_dump event the seed rule matches (4104, PowerShell Operational, `VirtualAlloc` in
/// `Event.EventData.ScriptBlockText`); `n` goes into `EventRecordID` and the script text.
pub fn hit(n: usize) -> String {
    format!(
        r#"{{"Event":{{"System":{{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","EventRecordID":{n}}},"EventData":{{"ScriptBlockText":"$m = [Kernel32]::VirtualAlloc(0, 4096, 0x3000, 0x40) # {n}"}}}}}}"#
    )
}

/// The same event with a benign script: holds none of the rule's literals, so it is not a
/// prefilter candidate.
pub fn miss(n: usize) -> String {
    format!(
        r#"{{"Event":{{"System":{{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","EventRecordID":{n}}},"EventData":{{"ScriptBlockText":"Get-ChildItem C:\\Temp # {n}"}}}}}}"#
    )
}

/// A hit event carrying `junk` (incompressible filler) so compressed fixtures span many blocks.
pub fn hit_with(n: usize, junk: &str) -> String {
    hit(n).replace(&format!("# {n}\""), &format!("# {n} {junk}\""))
}

/// Deterministic filler (xorshift), hex digits only.
pub fn junk(state: &mut u64, len: usize) -> String {
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
pub fn hit_lines(n: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::new();
    for i in 1..=n {
        out.extend_from_slice(hit_with(i, &junk(&mut state, 100)).as_bytes());
        out.push(b'\n');
    }
    out
}

/// `n` lines with filler, every 100th a hit and the others misses (not candidates: cheap).
pub fn mostly_misses(n: usize) -> Vec<u8> {
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

pub fn lines(ls: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in ls {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// zstd with the content checksum on (as the `zstd` tool writes it), so damage to the data is
/// detected even where the blocks still decode.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Running the binary

/// What one run produced.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// stdout as JSON Lines.
    pub records: Vec<Value>,
    /// The `--stats` object from stderr, when there is one.
    pub stats: Option<Value>,
}

impl Run {
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!(
                "sigscan was killed by a signal ({:?}); stderr:\n{}",
                self.status, self.stderr
            ),
        }
    }

    pub fn stats(&self) -> &Value {
        self.stats
            .as_ref()
            .unwrap_or_else(|| panic!("no stats on stderr:\n{}", self.stderr))
    }

    /// The per-input stats entry of `file`.
    pub fn input(&self, file: &str) -> &Value {
        self.stats()["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"] == file)
            .unwrap_or_else(|| panic!("no stats entry for {file}: {}", self.stats()))
    }

    /// Hit line numbers of `file`, in output order.
    pub fn hit_lines(&self, file: &str) -> Vec<u64> {
        self.records
            .iter()
            .filter(|r| r["file"] == file)
            .map(|r| r["line"].as_u64().unwrap())
            .collect()
    }

    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "exit status; stderr:\n{}", self.stderr);
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "panic on stderr:\n{}",
            self.stderr
        );
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

pub fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a count in {v}"))
}

/// The accounting identity per input and in total, totals = sum of inputs, hits = records.
pub fn check_accounting(run: &Run) {
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

/// A [`Run`] from what the binary produced (stdout parsed as JSON Lines, the stats line found).
pub fn parse_run(status: ExitStatus, stdout: Vec<u8>, stderr: Vec<u8>) -> Run {
    let run = super::Run {
        status,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    let records = run.records();
    let stats = run.stats();
    Run {
        status: run.status,
        stdout: run.stdout,
        stderr: run.stderr,
        records,
        stats,
    }
}

/// The binary, to run in `dir`.
pub fn command(dir: &Path) -> Command {
    let mut c = Command::new(super::bin());
    c.current_dir(dir);
    c
}

/// `sigscan <args>` in `dir`, with `stdin` fed from a thread.
pub fn run_raw(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    run_within(dir, args, stdin, LIMIT)
}

/// [`run_raw`], killed after `limit`; the accounting is checked when there are stats.
pub fn run_within(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>, limit: Duration) -> Run {
    let mut cmd = super::sigscan().dir(dir).args(args).limit(limit);
    if let Some(data) = stdin {
        cmd = cmd.stdin(data);
    }
    let r = cmd.run();
    let run = parse_run(r.status, r.stdout, r.stderr.into_bytes());
    if run.stats.is_some() {
        check_accounting(&run);
    }
    run
}

/// `sigscan scan --rules <seed rule> --stats --no-pin <args>` in `dir`.
pub fn scan(dir: &Path, args: &[&str]) -> Run {
    scan_stdin(dir, args, None)
}

pub fn scan_stdin(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    scan_within(dir, args, stdin, LIMIT)
}

pub fn scan_within(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>, limit: Duration) -> Run {
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
