//! Running the binary: [`sigscan`] builds a command (in the crate root, stdin empty,
//! killed after [`LIMIT`]), [`Sigscan::run`] returns what it produced as a [`Run`].

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Time limit of one run: generous for a debug build on a busy machine. A regression
/// that hangs (a FIFO opened for reading, a directory loop) fails its test instead of
/// stalling the suite.
pub const LIMIT: Duration = Duration::from_secs(300);

/// `sigscan` with no arguments yet, to run in the crate root.
pub fn sigscan() -> Sigscan {
    let mut cmd = Command::new(super::bin());
    cmd.current_dir(super::root());
    Sigscan {
        cmd,
        stdin: None,
        limit: LIMIT,
    }
}

/// One invocation of the binary being put together.
pub struct Sigscan {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
}

impl Sigscan {
    /// Adds one argument.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(a);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Runs in `dir` instead of the crate root.
    pub fn dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Feeds `data` on stdin (from a thread); without it stdin is empty (`/dev/null`).
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }

    /// Kills the run after `limit` instead of [`LIMIT`].
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Starts the binary with stdout and stderr piped (for tests that need the child).
    pub fn spawn(mut self) -> Child {
        self.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("failed to start the sigscan binary")
    }

    /// Runs to the end (or panics after the time limit).
    pub fn run(mut self) -> Run {
        let mut child = self
            .cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("failed to start the sigscan binary");
        let feeder = self.stdin.take().map(|data| {
            let mut w = child.stdin.take().expect("stdin is piped");
            std::thread::spawn(move || {
                // The binary may stop reading early (a fatal error); that is its answer.
                let _ = w.write_all(&data);
            })
        });
        let (status, stdout, stderr) = wait_within(child, self.limit);
        if let Some(f) = feeder {
            f.join().expect("stdin feeder");
        }
        Run {
            status,
            stdout,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

/// Waits for `child` (stdout and stderr piped), draining both, and kills it after `limit`.
pub fn wait_within(mut child: Child, limit: Duration) -> (ExitStatus, Vec<u8>, Vec<u8>) {
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
        if let Some(status) = child.try_wait().expect("wait for sigscan") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = err.join().expect("stderr reader");
            panic!(
                "sigscan did not finish within {limit:?} and was killed; stderr:\n{}",
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status,
        out.join().expect("stdout reader"),
        err.join().expect("stderr reader"),
    )
}

/// What one run of the binary produced.
pub struct Run {
    /// How it ended.
    pub status: ExitStatus,
    /// stdout, as written.
    pub stdout: Vec<u8>,
    /// stderr, lossily decoded.
    pub stderr: String,
}

impl Run {
    /// The exit status; panics (showing stderr) when a signal ended the run.
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!(
                "sigscan was killed by a signal ({:?}); stderr:\n{}",
                self.status, self.stderr
            ),
        }
    }

    /// stdout as text; panics (showing stderr) when it is not UTF-8.
    pub fn stdout_str(&self) -> &str {
        std::str::from_utf8(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}\nstderr:\n{}", self.stderr))
    }

    /// stdout as JSON Lines: every line one value (an empty line is an error too);
    /// panics (showing the line and stderr) on one that is not JSON.
    pub fn records(&self) -> Vec<Value> {
        let body = self.stdout.strip_suffix(b"\n").unwrap_or(&self.stdout);
        if body.is_empty() {
            return Vec::new();
        }
        body.split(|&b| b == b'\n')
            .map(|l| {
                serde_json::from_slice(l).unwrap_or_else(|e| {
                    panic!(
                        "stdout line is not JSON ({e}): {}\nstderr:\n{}",
                        String::from_utf8_lossy(l),
                        self.stderr
                    )
                })
            })
            .collect()
    }

    /// The `--stats` object: the last stderr line that starts with `{"files":`.
    pub fn stats(&self) -> Option<Value> {
        self.stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("{\"files\":"))
            .map(|l| serde_json::from_str(l).expect("stats line is JSON"))
    }
}
