//! The hit record writer: one record per (event, rule) hit, then the
//! correlation records ([`super::correlation`]) after every hit, as JSON
//! Lines (the contract for SIEMs and drivers), CSV (Timeline Explorer) or a
//! text table (a person at a terminal).
//!
//! # Hit record format (JSONL, `schema_version` 2)
//!
//! ```text
//! {"kind":"hit","@timestamp":"2024-05-01T10:03:30.123Z","rule_id":"…","title":"…","level":"high",
//!  "status":"test","tags":["attack.execution","attack.t1059.001"],"tactics":["execution"],
//!  "techniques":["T1059.001"],"host":"WS01","channel":"Security","event_id":4688,"record_id":1234,
//!  "matched":[{"search":"selection","field":"CommandLine","value":"…"}],
//!  "file":"…","line":N,"offset":B,"schema_version":2,"ruleset_hash":"…","event":{…}}
//! ```
//!
//! - `kind`: `"hit"` (correlation records say `"correlation"`).
//! - `@timestamp`: the event time (RFC 3339, UTC), read like correlation
//!   time (`--time-field`, else the usual time fields); `null` when the event
//!   has none.
//! - `rule_id`: the rule's `id` (else its `name`, else its title); `title`,
//!   `level` (`""` when unset), `status` (`null` when unset), `tags` as
//!   written, `tactics` and `techniques` (upper-case ids) from the
//!   `attack.*` tags.
//! - `host` (`Computer`, ECS `host.name`), `channel`, `event_id` (a number),
//!   `record_id` (for an `.evtx` input the record number in the record's
//!   header, as `evtx_dump` prints it; otherwise `EventRecordID`, ECS
//!   `winlog.record_id`, as the event writes it): `null` when the event
//!   lacks them. For an `.evtx` input `line` is the record's 1-based
//!   position among the file's records (in the order evtx_dump reads them,
//!   see [`crate::scan::evtx`]) and `offset` the byte offset of the
//!   record's header in the file.
//! - `matched`: for each search of the condition that holds (not under a
//!   `not`), the items of its first true alternative: `search`, `field` (the
//!   rule's field name, `null` for a keyword) and the event's `value` as
//!   text (for a keyword, the string that matched; `null` for a missing
//!   field or an object), cut after [`MAX_MATCHED_VALUE`] characters with a
//!   final `…`.
//!
//! [`MAX_MATCHED_VALUE`]: super::record::MAX_MATCHED_VALUE
//! - `file`: the input as named on the command line (or found under a
//!   directory argument); `-` for stdin. `line`: 1-based line number;
//!   `offset`: byte offset of the line's first byte in the (decompressed)
//!   input. With `--byte-range`, `line` counts from the range's first line
//!   (1) and `offset` stays absolute in the file.
//! - `schema_version`: [`SCHEMA_VERSION`], raised whenever a field changes
//!   meaning or goes away (2: `kind`, the event and rule fields above and
//!   `kind` on correlation records were added, which a reader that told
//!   records apart by the absence of `correlation_type` must know).
//! - `ruleset_hash`: the rules the hit was found with
//!   ([`crate::sigma::digest`]); left out only when the writer was not told it.
//! - `event`: the line's JSON exactly as it stood (re-serialised only when
//!   the line was not valid UTF-8). Left out with `--no-event`.
//!
//! Records are ordered by input (in the order given), then line, then rule id.
//!
//! # CSV
//!
//! One header row, then one row per hit (and per correlation record), the
//! time first so Timeline Explorer sorts on it: `timestamp, kind, level,
//! rule_title, rule_id, host, channel, event_id, record_id, details,
//! tactics, techniques, file, line`. `details` is `field: value` per matched
//! item joined with ` ¦ ` (for a correlation: its group, value and event
//! count); lists are joined with `;`. Quoting per RFC 4180, and a cell that
//! a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a
//! leading `'`.
//!
//! # Table
//!
//! A header line, then one line per hit: time, level, host, title,
//! details, `file:line`. For reading, not parsing.

use std::io::{self, Write};
use std::sync::Arc;

use super::record::{Enricher, HitRecord};
use super::{SCHEMA_VERSION, correlation::correlation_record, write_json_str};
use crate::correlate::{CorrelationRecord, time};
use crate::event::ParsedEvent;
use crate::event::view::{EventRef, Fields, line_text};
use crate::scan::{Hit, Input};

/// The output format of hit records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines (the default when stdout is not a terminal).
    Jsonl,
    /// CSV with a header row, time first (Timeline Explorer).
    Csv,
    /// One text line per hit (the default on a terminal).
    Table,
}

/// The consumer of hits at the end of the [`Tap`](super::Tap): it sees the
/// parsed event that the observers asked for.
pub trait HitWriter {
    /// Whether this writer reads the hit's parsed event.
    fn needs_event(&self, _hit: &Hit<'_>) -> bool {
        false
    }
    /// Writes one hit. An error stops the scan (a closed pipe, say).
    fn write_hit(
        &mut self,
        input: &Input,
        hit: &Hit<'_>,
        event: Option<&ParsedEvent>,
    ) -> io::Result<()>;
}

/// Writes hit and correlation records to `W` in one [`Format`].
pub struct JsonlSink<'p, W: Write> {
    out: W,
    records: Arc<Records<'p>>,
    buf: Vec<u8>,
    /// A hit's record written here (one that comes unprepared), reused.
    record: Vec<u8>,
    /// The values read from the last unprepared hit's line, and that line
    /// (input address, line number): the hits of a line share its values.
    fields: Fields,
    fields_of: (usize, u64),
    /// A hit line that is not UTF-8, decoded.
    lossy: String,
    /// Whether the CSV header was written.
    header_done: bool,
    /// The first write error: the scan stops at it, and [`finish`] returns
    /// it even if a later flush happens to succeed.
    ///
    /// [`finish`]: JsonlSink::finish
    write_error: Option<io::Error>,
}

/// The text of hit records in one [`Format`], with each hit's line number
/// left out (the caller puts it between the two parts): written by the
/// workers as the scan's [`HitPrep`](crate::scan::HitPrep), or by the
/// [`JsonlSink`] for a hit that comes without.
pub struct Records<'p> {
    format: Format,
    with_event: bool,
    enricher: Enricher<'p>,
    /// `,"schema_version":N[,"ruleset_hash":"…"]`, written into every record.
    schema: Vec<u8>,
}

impl<'p, W: Write> JsonlSink<'p, W> {
    /// A writer to `out`; `with_event` includes the event (JSONL only).
    pub fn new(out: W, format: Format, with_event: bool, enricher: Enricher<'p>) -> Self {
        JsonlSink {
            out,
            fields: enricher.fields(),
            fields_of: (0, 0),
            lossy: String::new(),
            records: Arc::new(Records {
                format,
                with_event,
                enricher,
                schema: format!(",\"schema_version\":{SCHEMA_VERSION}").into_bytes(),
            }),
            buf: Vec::with_capacity(4096),
            record: Vec::with_capacity(4096),
            header_done: false,
            write_error: None,
        }
    }

    /// Writes `ruleset_hash` (see [`crate::sigma::digest`]) into every record.
    ///
    /// # Panics
    /// After [`records`](JsonlSink::records) shared the records' writer.
    pub fn ruleset_hash(mut self, hash: &str) -> Self {
        let records = Arc::get_mut(&mut self.records).expect("BUG: ruleset_hash after records()");
        records.schema = format!(",\"schema_version\":{SCHEMA_VERSION}").into_bytes();
        records.schema.extend_from_slice(b",\"ruleset_hash\":");
        write_json_str(&mut records.schema, hash);
        self
    }

    /// The records' writer, for the workers ([`Records::write`]).
    pub fn records(&self) -> Arc<Records<'p>> {
        Arc::clone(&self.records)
    }

    /// Writes one correlation record (after the scan, after every hit). An
    /// error is kept for [`finish`](JsonlSink::finish), like a hit's.
    pub fn correlation(&mut self, rec: &CorrelationRecord) -> io::Result<()> {
        self.buf.clear();
        self.csv_header();
        match self.records.format {
            Format::Jsonl => correlation_record(&mut self.buf, rec, &self.records.schema),
            Format::Csv => {
                let details = correlation_details(rec);
                let ev = rec.events.first();
                let line = ev.map(|e| e.line.to_string()).unwrap_or_default();
                csv_row(
                    &mut self.buf,
                    &[
                        &time::format(rec.fired_at),
                        "correlation",
                        &rec.level,
                        &rec.title,
                        &rec.rule_id,
                        "",
                        "",
                        "",
                        "",
                        &details,
                        "",
                        "",
                        ev.map_or("", |e| &e.file),
                        &line,
                    ],
                );
            }
            Format::Table => {
                let t = time::format(rec.fired_at);
                let details = correlation_details(rec);
                writeln!(
                    self.buf,
                    "{t:<30}  {:<13}  {:<15}  {} [correlation]  {}",
                    one_line(&rec.level, 13),
                    "-",
                    one_line(&rec.title, 100),
                    one_line(&details, TABLE_DETAILS)
                )?;
            }
        }
        self.write_buf()
    }

    /// Flushes and returns the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.write_error.take() {
            return Err(e);
        }
        // A CSV file without hits still gets its header, so it opens as a
        // table with the right columns.
        if self.records.format == Format::Csv && !self.header_done {
            self.buf.clear();
            self.csv_header();
            self.out.write_all(&self.buf)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// The header, before the first record: CSV's column names, or the
    /// table's column titles (a table without hits stays empty).
    fn csv_header(&mut self) {
        if self.header_done {
            return;
        }
        match self.records.format {
            Format::Csv => csv_row(&mut self.buf, &CSV_COLUMNS),
            Format::Table => {
                let _ = writeln!(
                    self.buf,
                    "{:<30}  {:<13}  {:<15}  RULE  DETAILS  (FILE:LINE)",
                    "TIME (UTC)", "LEVEL", "HOST"
                );
            }
            Format::Jsonl => {}
        }
        self.header_done = true;
    }

    fn write_buf(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf).map_err(|e| {
            let kind = e.kind();
            self.write_error.get_or_insert(e);
            io::Error::from(kind)
        })
    }
}

/// The most characters of `details` on a table line.
const TABLE_DETAILS: usize = 160;

/// Text for one table cell on a terminal: control characters (a line break
/// in a script block, or an escape sequence an attacker put in an event
/// field to drive the analyst's terminal) written as `\n`, `\u{1b}`…, and
/// cut to `max` characters with a final `…`.
fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 8));
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// The CSV header.
const CSV_COLUMNS: [&str; 14] = [
    "timestamp",
    "kind",
    "level",
    "rule_title",
    "rule_id",
    "host",
    "channel",
    "event_id",
    "record_id",
    "details",
    "tactics",
    "techniques",
    "file",
    "line",
];

fn correlation_details(rec: &CorrelationRecord) -> String {
    let mut s = String::new();
    for (name, value) in &rec.group {
        s.push_str(name);
        s.push_str(": ");
        s.push_str(value.as_deref().unwrap_or("(none)"));
        s.push_str(" ¦ ");
    }
    let v = rec.value;
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.push_str(&format!(
            "value: {} ¦ events: {}",
            v as i64,
            rec.events.len()
        ));
    } else {
        s.push_str(&format!("value: {v} ¦ events: {}", rec.events.len()));
    }
    s
}

/// Appends one CSV row (RFC 4180 quoting; formula-looking cells defused).
fn csv_row(b: &mut Vec<u8>, cells: &[&str]) {
    csv_cells(b, cells);
    b.extend_from_slice(b"\r\n");
}

/// Appends CSV cells, comma-separated, without ending the row.
fn csv_cells(b: &mut Vec<u8>, cells: &[&str]) {
    for (k, c) in cells.iter().enumerate() {
        if k > 0 {
            b.push(b',');
        }
        // Excel and LibreOffice run a cell starting with these as a formula:
        // an event field is attacker-controlled text.
        let defuse = c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err();
        let quote = defuse || c.contains([',', '"', '\n', '\r']);
        if quote {
            b.push(b'"');
            if defuse {
                b.push(b'\'');
            }
            for ch in c.bytes() {
                if ch == b'"' {
                    b.push(b'"');
                }
                b.push(ch);
            }
            b.push(b'"');
        } else {
            b.extend_from_slice(c.as_bytes());
        }
    }
}

fn json_opt_str(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_json_str(b, s),
        None => b.extend_from_slice(b"null"),
    }
}

fn json_list(b: &mut Vec<u8>, items: &[String]) {
    b.push(b'[');
    for (k, t) in items.iter().enumerate() {
        if k > 0 {
            b.push(b',');
        }
        write_json_str(b, t);
    }
    b.push(b']');
}

/// Appends the JSON hit record (with its newline) to `b`, without the
/// value of `line`: returns where it goes.
fn json_record(b: &mut Vec<u8>, r: &HitRecord<'_>, schema: &[u8], with_event: bool) -> usize {
    b.extend_from_slice(b"{\"kind\":\"hit\",\"@timestamp\":");
    json_opt_str(b, r.time.map(time::format).as_deref());
    b.extend_from_slice(b",\"rule_id\":");
    write_json_str(b, &r.rule.id);
    b.extend_from_slice(b",\"title\":");
    write_json_str(b, &r.rule.title);
    b.extend_from_slice(b",\"level\":");
    write_json_str(b, &r.rule.level);
    b.extend_from_slice(b",\"status\":");
    json_opt_str(b, Some(r.rule.status.as_str()).filter(|s| !s.is_empty()));
    b.extend_from_slice(b",\"tags\":");
    json_list(b, &r.rule.tags);
    b.extend_from_slice(b",\"tactics\":");
    json_list(b, &r.tactics);
    b.extend_from_slice(b",\"techniques\":");
    json_list(b, &r.techniques);
    b.extend_from_slice(b",\"host\":");
    json_opt_str(b, r.host.as_deref());
    b.extend_from_slice(b",\"channel\":");
    json_opt_str(b, r.channel.as_deref());
    b.extend_from_slice(b",\"event_id\":");
    match r.event_id {
        Some(id) => write!(b, "{id}").expect("BUG: Vec write"),
        None => b.extend_from_slice(b"null"),
    }
    b.extend_from_slice(b",\"record_id\":");
    match &r.record_id {
        Some(v) => serde_json::to_writer(&mut *b, v).expect("BUG: Vec write"),
        None => b.extend_from_slice(b"null"),
    }
    b.extend_from_slice(b",\"matched\":[");
    for (k, m) in r.matched.iter().enumerate() {
        if k > 0 {
            b.push(b',');
        }
        b.extend_from_slice(b"{\"search\":");
        write_json_str(b, &m.search);
        b.extend_from_slice(b",\"field\":");
        json_opt_str(b, m.field.as_deref());
        b.extend_from_slice(b",\"value\":");
        json_opt_str(b, m.value.as_deref());
        b.push(b'}');
    }
    b.extend_from_slice(b"],\"file\":");
    write_json_str(b, r.file);
    b.extend_from_slice(b",\"line\":");
    let line_at = b.len();
    write!(b, ",\"offset\":{}", r.offset).expect("BUG: Vec write");
    b.extend_from_slice(schema);
    if with_event {
        b.extend_from_slice(b",\"event\":");
        let text = r.text.trim_ascii();
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
    line_at
}

impl Records<'_> {
    /// Appends `hit`'s record to `out` without its line number and returns
    /// where the line number goes. `hit.line` is not read.
    pub fn write(
        &self,
        input: &Input,
        hit: &Hit<'_>,
        event: Option<EventRef<'_>>,
        out: &mut Vec<u8>,
    ) -> usize {
        let rec = self.enricher.record(input, hit, event);
        let start = out.len();
        let b = out;
        let line_at = match self.format {
            Format::Jsonl => json_record(b, &rec, &self.schema, self.with_event),
            Format::Csv => {
                let t = rec.time.map(time::format).unwrap_or_default();
                let eid = rec.event_id.map(|i| i.to_string()).unwrap_or_default();
                let rid = match &rec.record_id {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                // Every cell but the last, the line number.
                csv_cells(
                    b,
                    &[
                        &t,
                        "hit",
                        &rec.rule.level,
                        &rec.rule.title,
                        &rec.rule.id,
                        rec.host.as_deref().unwrap_or(""),
                        rec.channel.as_deref().unwrap_or(""),
                        &eid,
                        &rid,
                        &rec.details(),
                        &rec.tactics.join(";"),
                        &rec.techniques.join(";"),
                        rec.file,
                    ],
                );
                b.push(b',');
                let line_at = b.len();
                b.extend_from_slice(b"\r\n");
                line_at
            }
            Format::Table => {
                let t = rec.time.map(time::format).unwrap_or_else(|| "-".into());
                write!(
                    b,
                    "{t:<30}  {:<13}  {:<15}  {}  {}  ({}:",
                    one_line(&rec.rule.level, 13),
                    one_line(rec.host.as_deref().unwrap_or("-"), 40),
                    one_line(&rec.rule.title, 100),
                    one_line(&rec.details(), TABLE_DETAILS),
                    one_line(rec.file, 200),
                )
                .expect("BUG: Vec write");
                let line_at = b.len();
                b.extend_from_slice(b")\n");
                line_at
            }
        };
        line_at - start
    }
}

impl<W: Write> HitWriter for JsonlSink<'_, W> {
    fn write_hit(
        &mut self,
        input: &Input,
        hit: &Hit<'_>,
        event: Option<&ParsedEvent>,
    ) -> io::Result<()> {
        self.buf.clear();
        self.csv_header();
        let (head, tail) = match hit.prepared {
            Some(parts) => parts,
            None => {
                self.record.clear();
                let at = match event {
                    // Parsed already for an observer.
                    Some(e) => {
                        self.records
                            .write(input, hit, Some(EventRef::Parsed(e)), &mut self.record)
                    }
                    None => {
                        let line = (input as *const Input as usize, hit.line);
                        if line != self.fields_of {
                            self.fields.reset();
                            self.fields_of = line;
                        }
                        let text = line_text(hit.text, &mut self.lossy);
                        let view = self.records.enricher.view(text, &self.fields);
                        self.records.write(
                            input,
                            hit,
                            Some(EventRef::Line(&view)),
                            &mut self.record,
                        )
                    }
                };
                self.record.split_at(at)
            }
        };
        self.buf.extend_from_slice(head);
        write!(self.buf, "{}", hit.line)?;
        self.buf.extend_from_slice(tail);
        self.write_buf()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::compile::{CompileOptions, Plan};
    use crate::correlate::RecordEvent;
    use crate::event::{FieldMap, ParsedEvent};
    use crate::sigma::RuleSet;

    fn correlation() -> CorrelationRecord {
        let t = time::parse_rfc3339("2024-05-01T10:00:00Z").unwrap();
        CorrelationRecord {
            rule_id: Arc::from("c1"),
            title: Arc::from("Burst"),
            level: Arc::from("high"),
            correlation_type: "event_count",
            group: vec![(Arc::from("IpAddress"), Some("10.0.0.5".into()))],
            window_start: t,
            window_end: t,
            fired_at: t,
            value: 5.0,
            events: vec![RecordEvent {
                file: Arc::from("a.ndjson"),
                line: 3,
                rule_id: Arc::from("r1"),
            }],
        }
    }

    fn written(format: Format) -> String {
        let plan = Plan::from_rules(&RuleSet::default(), &CompileOptions::default());
        let enricher = Enricher::new(&plan, &FieldMap::new(), None);
        let mut w = JsonlSink::new(Vec::new(), format, false, enricher);
        w.correlation(&correlation()).unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn correlation_records_in_each_format_say_what_they_are() {
        let jsonl = written(Format::Jsonl);
        assert!(jsonl.starts_with("{\"kind\":\"correlation\","), "{jsonl}");
        let csv = written(Format::Csv);
        let rows: Vec<&str> = csv.split("\r\n").collect();
        assert!(rows[0].starts_with("timestamp,kind,"), "{csv}");
        assert_eq!(
            rows[1],
            "2024-05-01T10:00:00Z,correlation,high,Burst,c1,,,,,\
             IpAddress: 10.0.0.5 ¦ value: 5 ¦ events: 1,,,a.ndjson,3"
        );
        let table = written(Format::Table);
        assert!(
            table.contains("Burst [correlation]  IpAddress: 10.0.0.5"),
            "{table}"
        );
    }

    /// What `format` writes for the hits of `lines` (line numbers 12, 13…),
    /// each record written by the sink, or written beforehand by
    /// [`Records::write`] as a worker does, into a buffer already holding
    /// other records.
    fn hits_written(format: Format, with_event: bool, prepared: bool) -> Vec<u8> {
        let mut set = RuleSet::default();
        set.load_text(
            std::path::Path::new("r.yml"),
            "title: say \"who\", am I\nid: r1\ntags: [attack.execution, attack.t1059.001]\n\
             logsource: {product: windows}\n\
             detection:\n  sel: {CommandLine|contains: whoami}\n  condition: sel\n",
        );
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        let input = Input {
            name: "dir/a,b.ndjson".into(),
            source: crate::scan::Source::Stdin,
        };
        let lines: [&[u8]; 2] = [
            br#"{"Event":{"System":{"Computer":"H1","Channel":"Security","EventID":4688,"EventRecordID":7,"TimeCreated":{"SystemTime":"2024-05-01T10:00:00Z"}},"EventData":{"CommandLine":"whoami /all"}}}"#,
            br#"{"CommandLine":"=whoami, \"x\"","EventID":"9"}"#,
        ];
        let enricher = Enricher::new(&plan, &FieldMap::new(), None);
        let mut w = JsonlSink::new(Vec::new(), format, with_event, enricher).ruleset_hash("h");
        let records = w.records();
        for (k, text) in lines.into_iter().enumerate() {
            let mut hit = Hit {
                line: 0,
                offset: 1000 + k as u64,
                rule: &plan.rules[0],
                rule_index: 0,
                text,
                record_id: None,
                event: None,
                prepared: None,
            };
            let event = ParsedEvent::parse(text);
            let mut buf = b"an earlier hit's record".to_vec();
            let at = records.write(&input, &hit, event.as_ref().map(EventRef::Parsed), &mut buf);
            hit.line = 12 + k as u64;
            if prepared {
                let (_, mine) = buf.split_at(23);
                hit.prepared = Some(mine.split_at(at));
            }
            w.write_hit(&input, &hit, event.as_ref()).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn a_hit_prepared_on_a_worker_is_written_as_the_sink_writes_it() {
        for format in [Format::Jsonl, Format::Csv, Format::Table] {
            for with_event in [false, true] {
                let direct = hits_written(format, with_event, false);
                let text = String::from_utf8(direct.clone()).unwrap();
                assert!(text.contains("12") && text.contains("13"), "{text}");
                assert_eq!(
                    String::from_utf8(hits_written(format, with_event, true)).unwrap(),
                    text,
                    "{format:?}, event {with_event}"
                );
            }
        }
    }

    /// Lines of every layout, with what makes the raw reader of a view
    /// step aside for the parsed line: escaped keys, an `EventData` string,
    /// `#text` wrappers, duplicate keys, invalid UTF-8, the ECS host and
    /// record id fallbacks.
    const VIEWED_LINES: [&[u8]; 13] = [
        br##"{"Event":{"System":{"Computer":"H1","Channel":"Security","EventID":4688,"EventRecordID":7,"TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:00Z"}}},"EventData":{"CommandLine":"whoami /all"}}}"##,
        br#"{"@timestamp":"2024-05-01T10:00:01Z","winlog":{"channel":"Security","event_id":4688,"record_id":77,"computer_name":"c1"},"process":{"command_line":"whoami"}}"#,
        br#"{"@timestamp":"2024-05-01T10:00:02Z","winlog":{"channel":"Security","event_id":"4688"},"host":{"hostname":"h2"},"process":{"command_line":"whoami"}}"#,
        br#"{"CommandLine":"whoami","host":{"hostname":"not ECS"},"winlog":{"record_id":"12"},"UtcTime":"2024-05-01 10:00:03.123"}"#,
        br#"{"Comm\u0061ndLine":"whoami","EventID":1,"Computer":"esc"}"#,
        br#"{"Computer":"az","EventData":"{\"CommandLine\":\"whoami\"}","TimeGenerated":"2024-05-01T10:00:04Z"}"#,
        br##"{"Event":{"System":{"Computer":{"#text":"wrapped"},"EventRecordID":{"#text":"5"},"EventID":{"#text":"1","#attributes":{"Qualifiers":""}}},"EventData":{"CommandLine":{"#text":"whoami"}}}}"##,
        br#"{"CommandLine":"x","CommandLine":"whoami","Computer":"first","Computer":"last"}"#,
        b"{\"CommandLine\":\"whoami \xff\xfe\",\"Computer\":\"bad \xc3\"}",
        br#"{"Computer":5,"EventRecordID":[1],"CommandLine":"whoami","winlog":{"record_id":3}}"#,
        br#"{"winlog":{"record_id":{"a":1}},"host":{"hostname":""},"CommandLine":"no hit here"}"#,
        br#"{"System":{"EventID":1,"Channel":"x"},"EventData":{"CommandLine":"whoami"},"Computer":"velo"}"#,
        br#"{"Event":{"System":{"Channel":"Security","EventID":1},"EventData":{"CommandLine":"whoami"}},"winlog":{"record_id":99}}"#,
    ];

    /// Every record of `VIEWED_LINES` for two rules (a field and a keyword
    /// search), read through a view as `JsonlSink` and the workers do, or
    /// from the parsed line.
    fn viewed_records(
        format: Format,
        field_map: &FieldMap,
        time_field: Option<&str>,
        through_view: bool,
    ) -> Vec<u8> {
        let mut set = RuleSet::default();
        set.load_text(
            std::path::Path::new("r.yml"),
            "title: field\nid: r1\nlogsource: {product: windows}\n\
             detection:\n  sel: {CommandLine|contains: whoami}\n  condition: sel\n\
             ---\ntitle: keyword\nid: r2\nlogsource: {product: windows}\n\
             detection:\n  kw: [whoami]\n  condition: kw\n",
        );
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        assert_eq!(plan.rules.len(), 2);
        let input = Input {
            name: "a.ndjson".into(),
            source: crate::scan::Source::Stdin,
        };
        let records = Records {
            format,
            with_event: false,
            enricher: Enricher::new(&plan, field_map, time_field),
            schema: Vec::new(),
        };
        let mut fields = records.enricher.fields();
        let mut out = Vec::new();
        for text in VIEWED_LINES {
            fields.reset();
            let decoded = String::from_utf8_lossy(text);
            let view = records.enricher.view(&decoded, &fields);
            let parsed = ParsedEvent::parse(text).expect("a JSON object");
            for (k, rule) in plan.rules.iter().enumerate() {
                let hit = Hit {
                    line: 0,
                    offset: 0,
                    rule,
                    rule_index: k,
                    text,
                    record_id: None,
                    event: None,
                    prepared: None,
                };
                let event = match through_view {
                    true => EventRef::Line(&view),
                    false => EventRef::Parsed(&parsed),
                };
                records.write(&input, &hit, Some(event), &mut out);
            }
        }
        out
    }

    #[test]
    fn a_record_read_through_a_view_says_what_the_parsed_line_says() {
        let mut mapped = FieldMap::new();
        mapped.insert("Computer".into(), vec!["host.hostname".into()]);
        mapped.insert("CommandLine".into(), vec!["process.command_line".into()]);
        for (map, time) in [
            (FieldMap::new(), None),
            (mapped, Some("UtcTime")),
            (FieldMap::new(), Some("winlog.record_id")),
        ] {
            for format in [Format::Jsonl, Format::Csv] {
                let parsed = viewed_records(format, &map, time, false);
                let text = String::from_utf8(parsed.clone()).unwrap();
                for needle in ["H1", "c1", "h2", "az", "wrapped", "last", "esc", "77", "99"] {
                    assert!(text.contains(needle), "{needle} missing: {text}");
                }
                assert_eq!(
                    String::from_utf8(viewed_records(format, &map, time, true)).unwrap(),
                    text,
                    "{format:?}, {map:?}, {time:?}"
                );
            }
        }
    }

    #[test]
    fn table_cells_are_one_line_without_terminal_controls() {
        assert_eq!(one_line("a\r\nb\tc", 20), "a\\r\\nb\\tc");
        assert_eq!(one_line("x\u{1b}[2Jy", 20), "x\\u{1b}[2Jy");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }

    #[test]
    fn csv_quotes_per_rfc_4180_and_defuses_formulas() {
        let mut b = Vec::new();
        csv_row(
            &mut b,
            &["a", "b,c", "say \"hi\"", "=cmd|' /C calc'!A0", "-5", "x\ny"],
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"'=cmd|' /C calc'!A0\",-5,\"x\ny\"\r\n"
        );
    }
}
