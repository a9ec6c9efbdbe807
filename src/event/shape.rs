//! A line's shape: its keys, without its values.
//!
//! Where the rules have no logsource to route by (`--no-logsource`), lines
//! are routed by which fields they have (`scan::route`): a rule whose
//! detection needs `CommandLine` cannot match an event without one. Which
//! fields the resolver finds depends only on the keys of the line's objects
//! and on which values are objects, so [`shape`] writes exactly that, as a
//! JSON document: every object with its keys in byte order (exporters write
//! the same fields in many orders), every other value (string, number,
//! array, literal) as `0`. Routes are cached per shape; a log has a few
//! hundred (one per exporter, provider and event id, roughly).
//!
//! # Exact or nothing
//!
//! The resolver must find a field in the shape exactly when it finds it in
//! the parsed line, so [`shape`] declines (the line takes the unrouted path)
//! where parsing could see other keys than the raw bytes show:
//! - a key written with an escape (`"Im\u0061ge"` is `Image`);
//! - a top-level `EventData` string, which parsing replaces with the object
//!   it holds (`event::parse_line`);
//! - structure it does not follow (unbalanced, unterminated, deeper than
//!   serde_json accepts, text after the object).
//!
//! Key order changes no field's presence (only which of several `*` or
//! space-insensitive matches answers first). Repeated keys stay in their
//! order (a stable sort): parsing the shape keeps the last, as parsing the
//! line does. Arrays are leaves because no field path enters an array. The `shape_agrees` tests check this against the parser.

use super::raw::{Span, member_spans, skip_ws};

/// serde_json's recursion limit.
const MAX_DEPTH: usize = 128;

/// Writes the shape of `line` (one NDJSON line without its newline) into
/// `out` (cleared first). False when the line's shape cannot be told from
/// its bytes.
pub fn shape(line: &[u8], out: &mut Vec<u8>) -> bool {
    shape_with_root(line, out, &mut Vec::new())
}

/// [`shape`], also appending the top-level members it walked to `root` as
/// (key, value) spans, as `peek::gate_key_with_root` does (meaningful only
/// when it answers true).
pub fn shape_with_root(line: &[u8], out: &mut Vec<u8>, root: &mut Vec<(Span, Span)>) -> bool {
    out.clear();
    let start = skip_ws(line, 0);
    if line.get(start) != Some(&b'{') {
        return false;
    }
    match object(line, start, 1, Some(root), out) {
        Some(end) => skip_ws(line, end) == line.len(),
        None => false,
    }
}

/// Writes the shape of the object at `b[i]`; returns the index after it.
/// `root`: the top-level object's member list, to be filled (`None` below
/// the top).
fn object(
    b: &[u8],
    i: usize,
    depth: usize,
    mut root: Option<&mut Vec<(Span, Span)>>,
    out: &mut Vec<u8>,
) -> Option<usize> {
    let top = root.is_some();
    if depth > MAX_DEPTH {
        return None;
    }
    let open = out.len();
    out.push(b'{');
    let mut ok = true;
    // Each member's text in `out`: (key start, key end, member end).
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let end = member_spans(b, i, &mut |(ks, ke), (vs, ve)| {
        if !ok {
            return;
        }
        if let Some(root) = root.as_deref_mut() {
            root.push(((ks, ke), (vs, ve)));
        }
        let key = &b[ks..ke];
        out.push(b'"');
        let k = out.len();
        out.extend_from_slice(key);
        let ke = out.len();
        out.extend_from_slice(b"\":");
        match b[vs] {
            b'{' => ok = object(b, vs, depth + 1, None, out).is_some(),
            b'"' if top && key == b"EventData" => ok = false,
            _ => out.push(b'0'),
        }
        spans.push((k, ke, out.len()));
    })?;
    if !ok {
        return None;
    }
    sort_members(out, open + 1, &spans);
    out.push(b'}');
    Some(end)
}

/// Rewrites the members written back to back from `out[from..]` in byte
/// order of their keys, comma-separated. The sort is stable: of repeated keys the last
/// stays last, as parsing keeps it.
fn sort_members(out: &mut Vec<u8>, from: usize, spans: &[(usize, usize, usize)]) {
    let key = |&(k, ke, _): &(usize, usize, usize)| k..ke;
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by(|&x, &y| out[key(&spans[x])].cmp(&out[key(&spans[y])]));
    let text = out.split_off(from);
    for (n, &m) in order.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        // A member's text runs from its quote, one before its key.
        out.extend_from_slice(&text[spans[m].0 - 1 - from..spans[m].2 - from]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{FieldMap, Layout, Resolver, parse_line};

    fn shape_of(line: &str) -> Option<String> {
        let mut out = Vec::new();
        shape(line.as_bytes(), &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn keys_stay_values_go() {
        assert_eq!(
            shape_of(r##"{"Event":{"System":{"EventID":{"#text":1}},"EventData":{"N":[1,{"x":2}],"Image":"a\"}"}},"t":null}"##).as_deref(),
            Some(r##"{"Event":{"EventData":{"Image":0,"N":0},"System":{"EventID":{"#text":0}}},"t":0}"##)
        );
        assert_eq!(shape_of(r#" {} "#).as_deref(), Some("{}"));
        // Sorted, stable: of repeated keys the last stays last.
        assert_eq!(
            shape_of(r#"{"b":{"z":1,"y":2},"a":1,"a":{"c":2},"A":3}"#).as_deref(),
            Some(r#"{"A":0,"a":0,"a":{"c":0},"b":{"y":0,"z":0}}"#)
        );
    }

    #[test]
    fn declines_where_parsing_could_see_other_keys() {
        assert_eq!(shape_of(r#"{"Im\u0061ge":"a"}"#), None);
        assert_eq!(shape_of(r#"{"x":{"Im\u0061ge":"a"}}"#), None);
        assert_eq!(shape_of(r#"{"EventData":"{\"Image\":\"a\"}"}"#), None);
        assert_eq!(shape_of(r#"{"a":1} x"#), None);
        assert_eq!(shape_of(r#"{"a":{"b":1}"#), None);
        assert_eq!(shape_of(r#"[1]"#), None);
        let deep = format!("{}{}", r#"{"a":"#.repeat(200), "1}".repeat(200));
        assert_eq!(shape_of(&deep), None);
        // A nested `EventData` string is just a value.
        assert_eq!(
            shape_of(r#"{"x":{"EventData":"s"}}"#).as_deref(),
            Some(r#"{"x":{"EventData":0}}"#)
        );
    }

    /// The naive reference: the resolver finds each field in the shape
    /// exactly when it finds it in the parsed line.
    #[test]
    fn shape_agrees_with_the_parsed_line() {
        let names: Vec<String> = [
            "Image",
            "EventID",
            "Channel",
            "User",
            "ThreatName",
            "Data",
            "Provider_Name",
            "TargetUserName",
            "Nope",
            "winlog.event_data",
            crate::event::GATE_CHANNEL,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = Resolver::new(&names, &FieldMap::new());
        let lines = [
            r##"{"Event":{"System":{"EventID":{"#attributes":{"Q":1},"#text":4104},"Channel":"C","Provider":{"#attributes":{"Name":"P"}}},"EventData":{"Image":"x","Threat Name":"e","Data":{"#text":["a","b"]}},"UserData":{"B":{"User":"b"}}}}"##,
            r#"{"winlog":{"event_id":4624,"channel":"Security","event_data":{"TargetUserName":"bob"}},"event":{"code":"1"}}"#,
            r#"{"System":{"EventID":{"Value":104},"Channel":"System"},"UserData":{"L":{"Channel":"Security"}}}"#,
            r#"{"SourceName":"S","Channel":"Security","EventID":4624,"Image":null,"EventData":{"User":"u"},"Message":"m"}"#,
            r##"{"Image":"a","Image":{"#text":"b"},"User":[1,2],"Threat  Name":"z"}"##,
            r#"{"Event":"x","EventData":[1],"EventID":"7"}"#,
        ];
        for line in lines {
            let doc = parse_line(line.as_bytes()).unwrap();
            let mut out = Vec::new();
            assert!(shape(line.as_bytes(), &mut out), "{line}");
            let shaped = parse_line(&out).unwrap();
            assert_eq!(Layout::detect(&doc), Layout::detect(&shaped), "{line}");
            for id in 0..names.len() as u32 {
                let want = r.lookup(&doc, Layout::detect(&doc), id).is_some();
                let got = r.lookup(&shaped, Layout::detect(&shaped), id).is_some();
                assert_eq!(got, want, "{line}: {}", names[id as usize]);
            }
        }
    }
}
