//! The hit record writer: one JSON object per (event, rule) hit, then the
//! correlation records ([`super::correlation`]) after every hit.
//!
//! # Hit record format
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
//! - `event`: the line's JSON exactly as it stood (re-serialised only when
//!   the line was not valid UTF-8). Left out with `--no-event`.
//!
//! Records are ordered by input (in the order given), then line, then rule id.

use std::io::{self, Write};

use super::{SCHEMA_VERSION, correlation::correlation_record, write_json_str};
use crate::correlate::CorrelationRecord;
use crate::scan::{Hit, HitSink, Input, InputSummary};

/// Writes hits as JSON Lines to `W`.
pub struct JsonlSink<W: Write> {
    out: W,
    with_event: bool,
    buf: Vec<u8>,
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

    /// Writes one correlation record (after the scan, after every hit). An
    /// error is kept for [`finish`](JsonlSink::finish), like a hit's.
    pub fn correlation(&mut self, rec: &CorrelationRecord) -> io::Result<()> {
        self.buf.clear();
        correlation_record(&mut self.buf, rec, &self.schema);
        self.write_buf()
    }

    /// Flushes and returns the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.write_error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn write_buf(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf).map_err(|e| {
            let kind = e.kind();
            self.write_error.get_or_insert(e);
            io::Error::from(kind)
        })
    }
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
        self.write_buf()
    }

    fn invalid_line(&mut self, _input: &Input, _line: u64, _reason: &str) {}

    fn input_done(&mut self, _input: &Input, _summary: &InputSummary) {}
}
