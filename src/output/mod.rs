//! Hit sinks: the JSON Lines writer, stderr diagnostics, and stats.
//!
//! # Hit record format (one JSON object per line on stdout)
//!
//! ```text
//! {"rule_id":"…","title":"…","level":"…","file":"…","line":N,"offset":B,"schema_version":1,"ruleset_hash":"…","event":{…}}
//! ```
//!
//! - `rule_id`: the rule's `id` (else its `name`, else its title).
//! - `file`: the input as named on the command line (or found under a
//!   directory argument); `-` for stdin.
//! - `line`: 1-based line number; `offset`: byte offset of the line's first
//!   byte in the (decompressed) input.
//! - `schema_version`: [`SCHEMA_VERSION`], raised whenever a field changes
//!   meaning or goes away (adding a field does not raise it).
//! - `ruleset_hash`: the rules the hit was found with
//!   ([`crate::sigma::digest`]); left out only when the sink was not told it.
//! - With `--byte-range`, `line` counts from the range's first line (1) and
//!   `offset` stays absolute in the file.
//! - `record_id`: only for an `.evtx` input, the record number in the
//!   record's header (Windows writes the same into `EventRecordID`; a log
//!   exported into a new file is renumbered in its headers only).
//!   There `line` is the record's 1-based position among the file's records
//!   (in the order evtx_dump reads them, see [`crate::scan::evtx`]) and
//!   `offset` the byte offset of the record's header in the `.evtx` file;
//!   `event` is the record as `evtx_dump -o jsonl` writes it.
//! - `event`: the line's JSON exactly as it stood (re-serialised only when
//!   the line was not valid UTF-8). Left out with `--no-event`.
//!
//! Records are ordered by input (in the order given), then line, then rule id.
//! Correlation records follow every hit record; see [`correlation`].

pub mod correlation;

use std::io::{self, Write};

use serde::Serialize;

use crate::scan::{Counts, Hit, HitSink, Input, InputSummary};

/// How many invalid lines are reported on stderr with their reason, per input.
pub const INVALID_REPORT_LIMIT: u64 = 5;

/// Version of the hit record format (the `schema_version` of every record).
pub const SCHEMA_VERSION: u32 = 1;

/// Writes hits as JSON Lines and reports bad input on stderr.
pub struct JsonlSink<W: Write> {
    out: W,
    with_event: bool,
    buf: Vec<u8>,
    /// Invalid lines reported for the current input.
    reported: u64,
    /// Per-input summaries, in order.
    pub inputs: Vec<(String, InputSummary)>,
    /// Whether any input ended with a read error.
    pub read_errors: u64,
    /// Inputs with damage that did not stop their scan (EVTX).
    pub damaged_inputs: u64,
    /// EVTX inputs whose log was not closed cleanly (all records read).
    pub dirty_inputs: u64,
    quiet_errors: bool,
    /// `,"schema_version":N[,"ruleset_hash":"…"]`, written into every record.
    schema: Vec<u8>,
    /// The first write error: the scan stops at it, and [`finish`] returns
    /// it even if a later flush happens to succeed.
    ///
    /// [`finish`]: JsonlSink::finish
    write_error: Option<io::Error>,
}

impl<W: Write> JsonlSink<W> {
    /// A sink writing to `out`; `with_event` includes the event.
    pub fn new(out: W, with_event: bool) -> Self {
        JsonlSink {
            out,
            with_event,
            buf: Vec::with_capacity(4096),
            reported: 0,
            inputs: Vec::new(),
            read_errors: 0,
            damaged_inputs: 0,
            dirty_inputs: 0,
            quiet_errors: false,
            schema: format!(",\"schema_version\":{SCHEMA_VERSION}").into_bytes(),
            write_error: None,
        }
    }

    /// Writes `ruleset_hash` (see [`crate::sigma::digest`]) into every record.
    pub fn ruleset_hash(mut self, hash: &str) -> Self {
        self.schema = format!(",\"schema_version\":{SCHEMA_VERSION}").into_bytes();
        self.schema.extend_from_slice(b",\"ruleset_hash\":");
        write_json_str(&mut self.schema, hash);
        self
    }

    /// Silences the per-line invalid reports (counts are still kept).
    pub fn quiet_errors(mut self, quiet: bool) -> Self {
        self.quiet_errors = quiet;
        self
    }

    /// Flushes and returns the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.write_error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

fn write_json_str(buf: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *buf, s).expect("BUG: writing to a Vec cannot fail");
}

impl<W: Write> HitSink for JsonlSink<W> {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"rule_id\":");
        write_json_str(b, &hit.rule.meta.id);
        b.extend_from_slice(b",\"title\":");
        write_json_str(b, &hit.rule.meta.title);
        b.extend_from_slice(b",\"level\":");
        write_json_str(b, &hit.rule.meta.level);
        b.extend_from_slice(b",\"file\":");
        write_json_str(b, &input.name);
        write!(b, ",\"line\":{},\"offset\":{}", hit.line, hit.offset)?;
        if let Some(id) = hit.record_id {
            write!(b, ",\"record_id\":{id}")?;
        }
        b.extend_from_slice(&self.schema);
        if self.with_event {
            b.extend_from_slice(b",\"event\":");
            let text = hit.text.trim_ascii();
            if std::str::from_utf8(text).is_ok() {
                b.extend_from_slice(text);
            } else {
                match crate::event::parse_line(text) {
                    Ok(v) => serde_json::to_writer(&mut *b, &v).expect("BUG: Vec write"),
                    Err(_) => b.extend_from_slice(b"null"),
                }
            }
        }
        b.extend_from_slice(b"}\n");
        self.out.write_all(b).map_err(|e| {
            let kind = e.kind();
            self.write_error.get_or_insert(e);
            io::Error::from(kind)
        })
    }

    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        self.reported += 1;
        if !self.quiet_errors && self.reported <= INVALID_REPORT_LIMIT {
            eprintln!("sigscan: {}:{line}: invalid line: {reason}", input.name);
        }
    }

    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        if let Some(e) = &summary.error {
            self.read_errors += 1;
            if summary.raw_bytes == 0 && summary.counts.lines == 0 {
                eprintln!("sigscan: {}: {e}", input.name);
            } else {
                eprintln!(
                    "sigscan: {}: {e} (scanned {} lines before it)",
                    input.name, summary.counts.lines
                );
            }
        }
        // Damage in an EVTX file did not stop the scan; always said, as
        // read errors are.
        for note in &summary.damage.notes {
            eprintln!("sigscan: {}: {note}", input.name);
        }
        let unshown = (summary.damage.count + u64::from(summary.damage.dirty))
            .saturating_sub(summary.damage.notes.len() as u64);
        if unshown > 0 {
            eprintln!(
                "sigscan: {}: {} problems in all ({} shown)",
                input.name,
                summary.damage.count,
                summary.damage.notes.len()
            );
        }
        if summary.damage.count > 0 {
            self.damaged_inputs += 1;
        }
        if summary.damage.dirty {
            self.dirty_inputs += 1;
        }
        if !self.quiet_errors && summary.counts.invalid_lines > INVALID_REPORT_LIMIT {
            eprintln!(
                "sigscan: {}: {} invalid lines in all ({} shown)",
                input.name, summary.counts.invalid_lines, INVALID_REPORT_LIMIT
            );
        }
        self.reported = 0;
        self.inputs.push((input.name.clone(), summary.clone()));
    }
}

/// Per-input entry of the stats object.
#[derive(Serialize)]
pub struct InputStats<'a> {
    /// Input name.
    pub file: &'a str,
    /// Decoded bytes.
    pub bytes: u64,
    /// Bytes read from disk.
    pub raw_bytes: u64,
    /// Compression, if any.
    pub compression: Option<&'a str>,
    /// Lines.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Invalid lines.
    pub invalid_lines: u64,
    /// Empty lines.
    pub empty_lines: u64,
    /// Hits.
    pub hits: u64,
    /// Read error, if any.
    pub error: Option<&'a str>,
    /// Damage that did not stop the scan (EVTX): problems found, and the
    /// first few, each naming the chunk.
    #[serde(skip_serializing_if = "is_zero")]
    pub damage: u64,
    /// EVTX: the log was not closed cleanly (every record was still read).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
    /// The first damage notes (and the dirty flag's), each naming the chunk.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub damage_notes: &'a [String],
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The `--stats` object.
#[derive(Serialize)]
pub struct Stats<'a> {
    /// Inputs scanned.
    pub files: u64,
    /// Decoded bytes.
    pub bytes: u64,
    /// Lines.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Invalid lines.
    pub invalid_lines: u64,
    /// Empty lines.
    pub empty_lines: u64,
    /// Inputs that could not be read completely.
    pub unreadable_inputs: u64,
    /// Inputs read to the end, with damage on the way (EVTX: damaged
    /// chunks or records, truncation, no records).
    pub damaged_inputs: u64,
    /// `.evtx` inputs whose log was not closed cleanly (every record read).
    pub dirty_inputs: u64,
    /// Rules compiled.
    pub rules_loaded: u64,
    /// Rule documents that failed to load or compile.
    pub rules_skipped: u64,
    /// Hits.
    pub hits: u64,
    /// Wall time.
    pub elapsed_s: f64,
    /// Prefilter engine.
    pub engine: &'a str,
    /// Worker threads.
    pub threads: usize,
    /// Lines parsed and evaluated.
    pub candidate_lines: u64,
    /// Rules with no literal (evaluated on every line).
    pub always_eval_rules: u64,
    /// Prefilter literals.
    pub literals: u64,
    /// Logsource routes built (distinct rule sets admitted by the
    /// channel/EventID keys met; 0 when routing is off).
    pub routes: u64,
    /// Decoded gigabytes (10^9) per second.
    pub gb_per_s: f64,
    /// The hit record format version.
    pub schema_version: u32,
    /// The rule-set hash written into every hit record.
    pub ruleset_hash: &'a str,
    /// Per input.
    pub inputs: Vec<InputStats<'a>>,
    /// Correlation counters, when any correlation loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlations: Option<crate::correlate::CorrelationStats>,
}

impl<'a> Stats<'a> {
    /// Per-input stats from the sink's summaries.
    pub fn inputs_from(list: &'a [(String, InputSummary)]) -> Vec<InputStats<'a>> {
        list.iter()
            .map(|(name, s)| InputStats {
                file: name,
                bytes: s.counts.bytes,
                raw_bytes: s.raw_bytes,
                compression: s.compression,
                lines: s.counts.lines,
                events: s.counts.events,
                invalid_lines: s.counts.invalid_lines,
                empty_lines: s.counts.empty_lines,
                hits: s.counts.hits,
                error: s.error.as_deref(),
                damage: s.damage.count,
                dirty: s.damage.dirty,
                damage_notes: &s.damage.notes,
            })
            .collect()
    }
}

/// Totals helper for callers that only have [`Counts`].
pub fn gb_per_s(c: &Counts, secs: f64) -> f64 {
    if secs > 0.0 {
        c.bytes as f64 / 1e9 / secs
    } else {
        0.0
    }
}

/// Wraps a sink and draws a progress line on stderr (bytes, rate, ETA),
/// at most five times a second. Used only when stderr is a terminal.
pub struct ProgressSink<S> {
    inner: S,
    total: u64,
    done: u64,
    started: std::time::Instant,
    last: std::time::Instant,
    drawn: bool,
}

impl<S: HitSink> ProgressSink<S> {
    /// `total`: expected bytes (file sizes; compressed inputs make it an estimate).
    pub fn new(inner: S, total: u64) -> Self {
        let now = std::time::Instant::now();
        ProgressSink {
            inner,
            total,
            done: 0,
            started: now,
            last: now,
            drawn: false,
        }
    }

    /// Clears the progress line and returns the wrapped sink.
    pub fn finish(self) -> S {
        if self.drawn {
            eprint!("\r\x1b[2K");
        }
        self.inner
    }

    fn draw(&mut self) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.done as f64 / secs;
        let eta = if rate > 0.0 && self.total > self.done {
            format!("{:.0}s", (self.total - self.done) as f64 / rate)
        } else {
            "-".into()
        };
        eprint!(
            "\r\x1b[2K{:.1} / {:.1} GB  {:.0} MB/s  ETA {eta}",
            self.done as f64 / 1e9,
            self.total as f64 / 1e9,
            rate / 1e6
        );
        self.drawn = true;
    }
}

impl<S: HitSink> HitSink for ProgressSink<S> {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        self.inner.hit(input, hit)
    }
    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        if self.drawn {
            eprint!("\r\x1b[2K");
        }
        self.inner.invalid_line(input, line, reason)
    }
    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        self.inner.input_done(input, summary)
    }
    fn chunk_done(&mut self, bytes: u64) {
        self.done += bytes;
        if self.last.elapsed() >= std::time::Duration::from_millis(200) {
            self.last = std::time::Instant::now();
            self.draw();
        }
    }
}
