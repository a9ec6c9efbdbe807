//! The progress line (bytes, rate, ETA), redrawn at most five times a
//! second on a terminal, and cleared before any message so lines never tear.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::event::ParsedEvent;
use crate::scan::{Hit, HitObserver, Input};

/// Draws the progress line on `W` (stderr, when it is a terminal). Put it
/// before the observers that print messages, so it clears the line first.
pub struct Progress<W: Write> {
    out: W,
    total: u64,
    done: u64,
    started: Instant,
    last: Instant,
    drawn: bool,
}

impl<W: Write> Progress<W> {
    /// `total`: expected bytes (file sizes; compressed inputs make it an estimate).
    pub fn new(out: W, total: u64) -> Self {
        let now = Instant::now();
        Progress {
            out,
            total,
            done: 0,
            started: now,
            last: now,
            drawn: false,
        }
    }

    /// Clears the progress line.
    pub fn clear(&mut self) {
        if self.drawn {
            let _ = write!(self.out, "\r\x1b[2K");
            let _ = self.out.flush();
            self.drawn = false;
        }
    }

    fn draw(&mut self) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.done as f64 / secs;
        let eta = if rate > 0.0 && self.total > self.done {
            format!("{:.0}s", (self.total - self.done) as f64 / rate)
        } else {
            "-".into()
        };
        let _ = write!(
            self.out,
            "\r\x1b[2K{:.1} / {:.1} GB  {:.0} MB/s  ETA {eta}",
            self.done as f64 / 1e9,
            self.total as f64 / 1e9,
            rate / 1e6
        );
        let _ = self.out.flush();
        self.drawn = true;
    }
}

impl<W: Write> HitObserver for Progress<W> {
    fn hit(&mut self, _input: &Input, _hit: &Hit<'_>, _event: Option<&ParsedEvent>) {}

    fn invalid_line(&mut self, _input: &Input, _line: u64, _reason: &str) {
        self.clear();
    }

    fn input_done(&mut self, _input: &Input, summary: &crate::scan::InputSummary) {
        if summary.error.is_some() {
            self.clear();
        }
    }

    fn chunk_done(&mut self, bytes: u64) {
        self.done += bytes;
        if self.last.elapsed() >= Duration::from_millis(200) {
            self.last = Instant::now();
            self.draw();
        }
    }
}
