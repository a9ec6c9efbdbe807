//! The progress bar on a terminal (`indicatif`): bytes, rate and ETA,
//! measured in the unit of its total, the inputs' size on disk.
//!
//! The scan reports decoded bytes per chunk. For a plain file that is its
//! size on disk; for a gzip or zstd file it is several times more, so
//! adding it up against the on-disk total (as the old line did) ran past
//! 100%. Here each input counts in on-disk bytes: a plain one as its chunks
//! arrive, a compressed one by an estimate (its decoded bytes times the
//! compression ratio of the compressed inputs finished so far, 1:10 before
//! the first; never past its size), snapped to the exact bytes read when it
//! ends. Inputs reach the observers in order, so the current input is known.
//!
//! Messages go through [`Progress::writer`], which hides the bar while a
//! message is written and redraws it after, so lines never tear.

use std::io::{self, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::event::ParsedEvent;
use crate::scan::{Hit, HitObserver, Input, InputSummary};

/// What the bar knows about an input before it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Bytes on disk (of the byte range, with `--byte-range`).
    pub size: u64,
    /// gzip or zstd.
    pub compressed: bool,
}

/// Assumed compressed ÷ decoded size before any compressed input has
/// finished (JSON event logs compress about tenfold with gzip).
const DEFAULT_RATIO: f64 = 0.1;

/// The progress observer.
pub struct Progress {
    bar: ProgressBar,
    /// Per input, in scan order (`None`: size unknown, e.g. stdin).
    expected: Vec<Option<Expected>>,
    /// The input being read.
    current: usize,
    /// On-disk bytes of the inputs finished.
    finished: u64,
    /// Decoded bytes of the current input so far.
    decoded: u64,
    /// On-disk and decoded bytes of the compressed inputs finished.
    ratio_seen: (u64, u64),
}

impl Progress {
    /// A bar drawing to `bar`'s target; `expected` per input in scan order.
    pub fn new(bar: ProgressBar, expected: Vec<Option<Expected>>) -> Progress {
        let total: u64 = expected.iter().flatten().map(|e| e.size).sum();
        bar.set_length(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{bytes:>10} / {total_bytes}  {bytes_per_sec}  ETA {eta}  {wide_bar}",
            )
            .expect("BUG: a valid template"),
        );
        Progress {
            bar,
            expected,
            current: 0,
            finished: 0,
            decoded: 0,
            ratio_seen: (0, 0),
        }
    }

    /// A writer for messages that hides the bar around each write.
    pub fn writer<W: Write>(&self, inner: W) -> SuspendingWriter<W> {
        SuspendingWriter {
            bar: self.bar.clone(),
            inner,
        }
    }

    /// Removes the bar (at the end of the scan).
    pub fn clear(&mut self) {
        self.bar.finish_and_clear();
    }

    /// The position in on-disk bytes.
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    fn current_position(&self) -> u64 {
        let within = match self.expected.get(self.current).copied().flatten() {
            Some(e) if e.compressed => {
                let ratio = match self.ratio_seen {
                    (raw, dec) if dec > 0 => raw as f64 / dec as f64,
                    _ => DEFAULT_RATIO,
                };
                ((self.decoded as f64 * ratio) as u64).min(e.size)
            }
            Some(e) => self.decoded.min(e.size),
            None => 0,
        };
        self.finished + within
    }
}

impl HitObserver for Progress {
    fn hit(&mut self, _input: &Input, _hit: &Hit<'_>, _event: Option<&ParsedEvent>) {}

    fn input_done(&mut self, _input: &Input, summary: &InputSummary) {
        if let Some(e) = self.expected.get(self.current).copied().flatten() {
            // The input is done, read whole or ended early by an error:
            // either way its share of the total is behind us.
            self.finished += e.size;
            if e.compressed && summary.error.is_none() {
                self.ratio_seen.0 += summary.raw_bytes;
                self.ratio_seen.1 += summary.counts.bytes;
            }
        }
        self.current += 1;
        self.decoded = 0;
        self.bar.set_position(self.finished);
    }

    fn chunk_done(&mut self, bytes: u64) {
        self.decoded += bytes;
        self.bar.set_position(self.current_position());
    }
}

/// A writer that hides the progress bar while it writes (see
/// [`Progress::writer`]).
pub struct SuspendingWriter<W: Write> {
    bar: ProgressBar,
    inner: W,
}

impl<W: Write> Write for SuspendingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        self.bar.suspend(|| inner.write(buf))
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let inner = &mut self.inner;
        self.bar
            .suspend(|| inner.write_all(buf).and_then(|()| inner.flush()))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{Counts, Source};

    fn input() -> Input {
        Input {
            name: "x".into(),
            source: Source::Stdin,
        }
    }

    fn done(raw: u64, decoded: u64) -> InputSummary {
        InputSummary {
            counts: Counts {
                bytes: decoded,
                ..Counts::default()
            },
            raw_bytes: raw,
            ..InputSummary::default()
        }
    }

    #[test]
    fn a_compressed_input_never_runs_past_its_size_and_ends_exact() {
        let plain = Expected {
            size: 1000,
            compressed: false,
        };
        let gz = Expected {
            size: 100,
            compressed: true,
        };
        let mut p = Progress::new(ProgressBar::hidden(), vec![Some(gz), Some(plain), Some(gz)]);
        // 2,000 decoded bytes of a 100-byte gzip: the old line said 2,000 of 1,200.
        for _ in 0..20 {
            p.chunk_done(100);
            assert!(p.position() <= 100, "{}", p.position());
        }
        p.input_done(&input(), &done(100, 2000));
        assert_eq!(p.position(), 100);
        p.chunk_done(600);
        assert_eq!(p.position(), 700, "a plain file counts as it is read");
        p.input_done(&input(), &done(1000, 1000));
        assert_eq!(p.position(), 1100);
        // The second gzip is estimated with the first one's ratio (1:20).
        p.chunk_done(1000);
        assert_eq!(p.position(), 1150);
        p.input_done(&input(), &done(100, 2000));
        assert_eq!(p.position(), 1200);
        assert_eq!(p.bar.length(), Some(1200), "the same unit as the total");
    }

    #[test]
    fn messages_pass_through_the_suspending_writer() {
        let p = Progress::new(ProgressBar::hidden(), vec![]);
        let mut w = p.writer(Vec::new());
        writeln!(w, "sigscan: a message").unwrap();
        assert_eq!(w.inner, b"sigscan: a message\n");
    }
}
