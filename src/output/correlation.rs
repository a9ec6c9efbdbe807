//! The correlation record: one JSON object per correlation hit, written to
//! the hit stream after every plain hit.
//!
//! # Format
//!
//! ```text
//! {"kind":"correlation","correlation_type":"event_count","rule_id":"…","title":"…","level":"…",
//!  "group":{"IpAddress":"10.0.0.5"},
//!  "window_start":"2024-05-01T10:00:00Z","window_end":"2024-05-01T10:04:10.5Z",
//!  "fired_at":"2024-05-01T10:02:00Z","value":12,
//!  "events":[{"file":"a.ndjson","line":3,"rule_id":"…"},…]}
//! ```
//!
//! - `kind` is `"correlation"` (hit records say `"hit"`): how a reader tells
//!   them apart. `correlation_type` (only on correlation records) is the
//!   correlation's type.
//! - `group`: the correlation's `group-by` names (aliases as written) in
//!   order, each with the group's value as text (numbers as JSON writes
//!   them), or `null` when the events lacked the field; `{}` without
//!   `group-by`.
//! - `window_start`/`window_end`: times of the first and last hits of the
//!   window (RFC 3339, UTC; for an inner correlation's hit in a chain, its
//!   `fired_at`); `fired_at`: the hit at which the condition first held.
//! - `value`: the aggregate over the window: the event count, distinct
//!   value count, number of referenced rules seen (temporal) or matched in
//!   order (temporal_ordered), sum, average or percentile. Integral values
//!   are written without a fraction.
//! - `events`: every contributing event as `(file, line)` plus the base rule
//!   that matched it, by time then input order; for a correlation of
//!   correlations, the base events of its inner hits.
//!
//! Records are ordered by `window_start`, `window_end`, `rule_id`, then
//! group values.

use std::io::Write;

use super::write_json_str;
use crate::correlate::{CorrelationRecord, time};

/// Appends the record (with its newline) to `b`. `schema` is the
/// `,"schema_version":N,"ruleset_hash":"…"` members every record carries
/// (empty for none).
pub fn correlation_record(b: &mut Vec<u8>, rec: &CorrelationRecord, schema: &[u8]) {
    b.extend_from_slice(b"{\"kind\":\"correlation\",\"correlation_type\":");
    write_json_str(b, rec.correlation_type);
    b.extend_from_slice(b",\"rule_id\":");
    write_json_str(b, &rec.rule_id);
    b.extend_from_slice(b",\"title\":");
    write_json_str(b, &rec.title);
    b.extend_from_slice(b",\"level\":");
    write_json_str(b, &rec.level);
    b.extend_from_slice(schema);
    b.extend_from_slice(b",\"group\":{");
    for (k, (name, value)) in rec.group.iter().enumerate() {
        if k > 0 {
            b.push(b',');
        }
        write_json_str(b, name);
        b.push(b':');
        match value {
            Some(v) => write_json_str(b, v),
            None => b.extend_from_slice(b"null"),
        }
    }
    b.extend_from_slice(b"},\"window_start\":");
    write_json_str(b, &time::format(rec.window_start));
    b.extend_from_slice(b",\"window_end\":");
    write_json_str(b, &time::format(rec.window_end));
    b.extend_from_slice(b",\"fired_at\":");
    write_json_str(b, &time::format(rec.fired_at));
    b.extend_from_slice(b",\"value\":");
    let v = rec.value;
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
        write!(b, "{}", v as i64).expect("BUG: Vec write");
    } else if v.is_finite() {
        serde_json::to_writer(&mut *b, &v).expect("BUG: Vec write");
    } else {
        b.extend_from_slice(b"null");
    }
    b.extend_from_slice(b",\"events\":[");
    for (k, e) in rec.events.iter().enumerate() {
        if k > 0 {
            b.push(b',');
        }
        b.extend_from_slice(b"{\"file\":");
        write_json_str(b, &e.file);
        write!(b, ",\"line\":{},\"rule_id\":", e.line).expect("BUG: Vec write");
        write_json_str(b, &e.rule_id);
        b.push(b'}');
    }
    b.extend_from_slice(b"]}\n");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::correlate::RecordEvent;

    #[test]
    fn record_is_one_json_object_with_the_documented_keys() {
        let t = time::parse_rfc3339("2024-05-01T10:00:00Z").unwrap();
        let mut rec = CorrelationRecord {
            rule_id: Arc::from("c1"),
            title: Arc::from("Burst \"quoted\""),
            level: Arc::from("high"),
            correlation_type: "event_count",
            group: vec![
                (Arc::from("IpAddress"), Some("10.0.0.5".into())),
                (Arc::from("User"), None),
            ],
            window_start: t,
            window_end: t + 250_500_000_000,
            fired_at: t + 1_000_000_000,
            value: 12.0,
            events: vec![RecordEvent {
                file: Arc::from("a.ndjson"),
                line: 3,
                rule_id: Arc::from("r1"),
            }],
        };
        let mut b = Vec::new();
        correlation_record(&mut b, &rec, b"");
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "{\"kind\":\"correlation\",\"correlation_type\":\"event_count\",\"rule_id\":\"c1\",\"title\":\"Burst \\\"quoted\\\"\",\
             \"level\":\"high\",\"group\":{\"IpAddress\":\"10.0.0.5\",\"User\":null},\
             \"window_start\":\"2024-05-01T10:00:00Z\",\"window_end\":\"2024-05-01T10:04:10.500Z\",\
             \"fired_at\":\"2024-05-01T10:00:01Z\",\"value\":12,\
             \"events\":[{\"file\":\"a.ndjson\",\"line\":3,\"rule_id\":\"r1\"}]}\n"
        );
        rec.value = 2.5;
        rec.group.clear();
        let mut b = Vec::new();
        correlation_record(&mut b, &rec, b"");
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["value"], serde_json::json!(2.5));
        assert_eq!(v["group"], serde_json::json!({}));
    }
}
