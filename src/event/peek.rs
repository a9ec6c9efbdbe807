//! Reading an event's Channel and EventID straight from the raw line.
//!
//! Logsource routing (`scan::route`) needs each candidate line's channel and
//! event id *before* deciding which rules' literals to look for, and a full
//! parse costs more than the whole routed scan. [`gate_key`] walks just the
//! objects on the way to the two values (the top level, `Event.System` or
//! `winlog`), skipping every other value at memchr speed, and returns what
//! `compile::gate_inputs` would compute from the parsed event.
//!
//! # Exact or nothing
//!
//! A wrong answer would route a line to the wrong rules, and a line the
//! routed literals then pass over is never parsed: the miss would be silent.
//! So the walker answers only where it is certain and says `None` (the
//! caller then takes the unrouted path) whenever the parsed event could see
//! something else:
//! - any walked key holding a backslash (`"Chann\u0065l"` is `Channel`);
//! - a key that decides the answer appearing twice in its object (serde_json
//!   keeps the last; the walker would have to agree on which);
//! - the first layout path of either field missing (later candidate paths,
//!   such as `Event.EventData.Channel`, are the resolver's business);
//! - a channel that is not a plain string without escapes, an event id that
//!   is not a plain unsigned integer or a string, or a `#text` wrapper that
//!   does not hold one;
//! - structure it does not understand: unbalanced brackets, an unterminated
//!   string, nesting deeper than serde_json accepts, text after the object.
//!
//! It mirrors `event::Layout::detect` and the first path of `Resolver`'s
//! gate lists ([`super::GATE_CHANNEL`], [`super::GATE_EVENT_ID`]: the header
//! only, never the payload) in each layout, and assumes no `--field-map`
//! override of either (the scanner does not route then). The `peek_agrees`
//! tests and the event_line fuzz target check it against the parser.

use super::raw::{Span, member_spans, members, skip_ws};

/// The raw gate inputs of one line: the channel as written (not folded) and
/// the event id as `compile::gate_inputs` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateKey<'a> {
    /// The channel, unescaped (it held no escapes) and not yet folded.
    pub channel: &'a str,
    /// The event id (`None` when the value is a string that is not an
    /// integer, as the gate reads it).
    pub event_id: Option<i64>,
}

/// The channel and event id of `line` (one NDJSON line without its newline,
/// BOM or trailing `\r`), or `None` when the walker is not certain.
pub fn gate_key(line: &[u8]) -> Option<GateKey<'_>> {
    gate_key_with_root(line, &mut Vec::new())
}

/// [`gate_key`], also appending the top-level members it walked to `root`
/// as (key, value) spans, keys without their quotes: the member list of the
/// line's object (`raw::RawIndex::adopt_root`), so that the line is not
/// walked again to read its fields. What it appends is meaningful only when
/// it answers `Some`.
pub fn gate_key_with_root<'a>(line: &'a [u8], root: &mut Vec<(Span, Span)>) -> Option<GateKey<'a>> {
    let start = skip_ws(line, 0);
    if line.get(start) != Some(&b'{') {
        return None;
    }
    let first = root.len();
    let end = member_spans(line, start, &mut |k, v| root.push((k, v)))?;
    if skip_ws(line, end) != line.len() {
        return None;
    }
    gate_key_of_root(line, &root[first..])
}

/// [`gate_key`] of a line whose top-level object is whole (nothing but
/// whitespace around it), has no key written with an escape, and has the
/// members `root` (as [`gate_key_with_root`] appends them; the line's
/// validation can walk them instead, `event::surely_object_with_root`).
pub fn gate_key_of_root<'a>(line: &'a [u8], root: &[(Span, Span)]) -> Option<GateKey<'a>> {
    let mut top = Wanted::new(&[b"Event", b"winlog", b"System", b"Channel", b"EventID"]);
    for &(k, v) in root {
        top.see(&line[k.0..k.1], v);
    }
    if top.duplicate {
        return None;
    }
    let is_object = |v: Option<Span>| v.is_some_and(|(s, _)| line[s] == b'{');
    let (channel, event_id) = if is_object(top.get(b"Event")) {
        // evtx_dump: Event.System.{Channel,EventID}.
        let (s, _) = top.get(b"Event")?;
        let mut event = Wanted::new(&[b"System"]);
        members(line, s, &mut |k, v| event.see(k, v))?;
        let (sys, _) = event.unique(b"System")?;
        if line[sys] != b'{' {
            return None;
        }
        let mut system = Wanted::new(&[b"Channel", b"EventID"]);
        members(line, sys, &mut |k, v| system.see(k, v))?;
        (system.unique(b"Channel")?, system.unique(b"EventID")?)
    } else if is_object(top.get(b"winlog")) {
        // Winlogbeat: winlog.channel, winlog.event_id.
        let (s, _) = top.get(b"winlog")?;
        let mut winlog = Wanted::new(&[b"channel", b"event_id"]);
        members(line, s, &mut |k, v| winlog.see(k, v))?;
        (winlog.unique(b"channel")?, winlog.unique(b"event_id")?)
    } else if let Some(system) = velociraptor_header(line, top.get(b"System"))? {
        // Velociraptor: System.Channel, System.EventID.Value.
        let id = system.unique(b"EventID")?;
        let id = if line[id.0] == b'{' {
            let mut value = Wanted::new(&[b"Value"]);
            members(line, id.0, &mut |k, v| value.see(k, v))?;
            value.unique(b"Value")?
        } else {
            id
        };
        (system.unique(b"Channel")?, id)
    } else {
        (top.get(b"Channel")?, top.get(b"EventID")?)
    };
    Some(GateKey {
        channel: channel_value(line, unwrap_text(line, channel)?)?,
        event_id: event_id_value(line, unwrap_text(line, event_id)?)?,
    })
}

/// A top-level `System` member as `Layout::detect` judges it: the header's
/// `Channel`/`EventID` members when it is an object holding either (the line
/// is Velociraptor's), `Some(None)` when it is not (a flat record's field),
/// `None` when the walk cannot tell (an escaped key).
fn velociraptor_header(line: &[u8], system: Option<Span>) -> Option<Option<Wanted<'static>>> {
    let Some((sys, _)) = system.filter(|&(s, _)| line[s] == b'{') else {
        return Some(None);
    };
    let mut w = Wanted::new(&[b"Channel", b"EventID"]);
    members(line, sys, &mut |k, v| w.see(k, v))?;
    Some((w.get(b"Channel").is_some() || w.get(b"EventID").is_some()).then_some(w))
}

/// The values of a few keys of one object, with a note of any repeat.
struct Wanted<'k> {
    keys: &'k [&'k [u8]],
    found: [Option<Span>; 5],
    duplicate: bool,
}

impl<'k> Wanted<'k> {
    fn new(keys: &'k [&'k [u8]]) -> Self {
        debug_assert!(keys.len() <= 5);
        Wanted {
            keys,
            found: [None; 5],
            duplicate: false,
        }
    }

    fn see(&mut self, key: &[u8], value: Span) {
        if let Some(i) = self.keys.iter().position(|k| *k == key) {
            self.duplicate |= self.found[i].is_some();
            self.found[i] = Some(value);
        }
    }

    fn get(&self, key: &[u8]) -> Option<Span> {
        let i = self.keys.iter().position(|k| *k == key)?;
        self.found[i]
    }

    /// The value of `key`, unless some wanted key was repeated.
    fn unique(&self, key: &[u8]) -> Option<Span> {
        if self.duplicate {
            return None;
        }
        self.get(key)
    }
}

/// `Resolver::lookup` unwraps an object to its `#text` member; the walker
/// does the same, and gives up on an object without one.
fn unwrap_text(line: &[u8], v: Span) -> Option<Span> {
    if line[v.0] != b'{' {
        return Some(v);
    }
    let mut w = Wanted::new(&[b"#text"]);
    members(line, v.0, &mut |k, val| w.see(k, val))?;
    let inner = w.unique(b"#text")?;
    (line[inner.0] != b'{').then_some(inner)
}

fn channel_value(line: &[u8], (s, e): Span) -> Option<&str> {
    let raw = line[s..e].strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if raw.contains(&b'\\') {
        return None;
    }
    std::str::from_utf8(raw).ok()
}

/// `Some(id)` as `compile::gate_inputs` reads it (a string is trimmed and
/// parsed; `Some(None)` when that fails), `None` when unsure.
fn event_id_value(line: &[u8], (s, e): Span) -> Option<Option<i64>> {
    let raw = &line[s..e];
    if let Some(inner) = raw.strip_prefix(b"\"") {
        let inner = inner.strip_suffix(b"\"")?;
        if inner.contains(&b'\\') {
            return None;
        }
        return Some(std::str::from_utf8(inner).ok()?.trim().parse().ok());
    }
    // A JSON integer: no sign, no leading zero, no fraction or exponent
    // (those parse as floats, which the gate does not read as ids).
    let plain = raw.iter().all(u8::is_ascii_digit) && !(raw.len() > 1 && raw[0] == b'0');
    if !plain {
        return None;
    }
    std::str::from_utf8(raw).ok()?.parse().ok().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{self, EventSource, FieldId};
    use crate::event::{FieldMap, GATE_CHANNEL, GATE_EVENT_ID, Layout, Resolver, parse_line};
    use serde_json::Value as Json;

    struct Ev<'a>(&'a Json, Layout, &'a Resolver);
    impl EventSource for Ev<'_> {
        fn field(&self, id: FieldId) -> Option<&Json> {
            self.2.lookup(self.0, self.1, id)
        }
        fn any_string(&self, _: &mut dyn FnMut(&str) -> bool) -> bool {
            false
        }
    }

    /// What the parser-based gate sees, channel unfolded.
    fn parsed(line: &[u8]) -> Option<(Option<String>, Option<i64>)> {
        let r = Resolver::new(
            &[GATE_CHANNEL.into(), GATE_EVENT_ID.into()],
            &FieldMap::new(),
        );
        let v = parse_line(line).ok()?;
        let ev = Ev(&v, Layout::detect(&v), &r);
        let (_, id) = compile::gate_inputs(&ev);
        let ch = ev.field(0).and_then(Json::as_str).map(str::to_string);
        Some((ch, id))
    }

    /// Asserts the walker either declines or agrees with the parser.
    fn agrees(line: &str) -> Option<GateKey<'_>> {
        let got = gate_key(line.as_bytes());
        if let Some(k) = got {
            assert_eq!(
                parsed(line.as_bytes()),
                Some((Some(k.channel.to_string()), k.event_id)),
                "{line}"
            );
        }
        got
    }

    fn key(channel: &str, id: Option<i64>) -> Option<GateKey<'_>> {
        Some(GateKey {
            channel,
            event_id: id,
        })
    }

    #[test]
    fn the_three_layouts() {
        assert_eq!(
            agrees(
                r##"{"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":0},"#text":4104},"Channel":"Microsoft-Windows-PowerShell/Operational"},"EventData":{"ScriptBlockText":"a \"b\" {c"}}}"##
            ),
            key("Microsoft-Windows-PowerShell/Operational", Some(4104))
        );
        assert_eq!(
            agrees(r##"{"winlog":{"channel":"Security","event_id":"4624"},"event":{"code":"1"}}"##),
            key("Security", Some(4624))
        );
        assert_eq!(
            agrees(r##" {"Channel" : "Security", "EventID": 4688, "Message":"x\\y [}"} "##),
            key("Security", Some(4688))
        );
        assert_eq!(
            agrees(r##"{"Channel":"System","EventID":" 7045 "}"##),
            key("System", Some(7045))
        );
        assert_eq!(
            agrees(r##"{"Channel":"System","EventID":"x"}"##),
            key("System", None)
        );
        // Velociraptor; the payload's `Channel` (event 104) is not the gate's.
        assert_eq!(
            agrees(
                r##"{"System":{"EventID":{"Value":104},"Channel":"System"},"UserData":{"LogFileCleared":{"Channel":"Security"}}}"##
            ),
            key("System", Some(104))
        );
        assert_eq!(
            agrees(r##"{"System":{"EventID":4688,"Channel":"Security"},"EventData":{}}"##),
            key("Security", Some(4688))
        );
        assert_eq!(
            agrees(
                r##"{"Event":{"System":{"EventID":104,"Channel":"System"},"UserData":{"L":{"Channel":"Security"}}}}"##
            ),
            key("System", Some(104))
        );
    }

    #[test]
    fn declines_when_unsure() {
        for line in [
            r##"{"Channel":"Security"}"##,
            r##"{"EventID":1}"##,
            r##"{"Channel":"Sec\u0075rity","EventID":1}"##,
            r##"{"Chann\u0065l":"Security","EventID":1}"##,
            r##"{"Channel":"Security","EventID":1,"Channel":"System"}"##,
            r##"{"Channel":"Security","EventID":1.0}"##,
            r##"{"Channel":"Security","EventID":-1}"##,
            r##"{"Channel":"Security","EventID":01}"##,
            r##"{"Channel":"Security","EventID":null}"##,
            r##"{"Channel":{"a":"Security"},"EventID":1}"##,
            r##"{"Channel":"Security","EventID":1"##,
            r##"{"Channel":"Security","EventID":1} x"##,
            r##"{"Channel":"Security","EventID":1,"x":[}"##,
            r##"{"Channel":"Security","EventID":1,"x":"}"##,
            r##"{"Event":{"System":{"Channel":"Security"},"EventData":{"EventID":1}}}"##,
            r##"{"Event":{"System":{"Channel":"S","EventID":1},"System":{}}}"##,
            r##"{"winlog":{"channel":"Security"},"event":{"code":"4624"}}"##,
            r##"{"Event":{},"Event":{"System":{"Channel":"S","EventID":1}}}"##,
            r##"{"System":{"Channel":"S","EventID":{"Qualifiers":0}}}"##,
            r##"{"System":{"Channel":"S","EventID":{"Value":1,"Value":2}}}"##,
            r##"{"System":{"Channel":"S"},"EventID":1}"##,
            r##"{"System":{"Chann\u0065l":"S"},"Channel":"S","EventID":1}"##,
            "[1]",
            "",
        ] {
            assert_eq!(agrees(line), None, "{line}");
        }
        let deep = format!(
            r##"{{"Channel":"S","EventID":1,"x":{}{}}}"##,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(agrees(&deep), None);
    }

    #[test]
    fn layout_follows_the_parser() {
        // `Event` that is not an object: the line is flat.
        assert_eq!(
            agrees(r##"{"Event":"x","Channel":"Security","EventID":4624}"##),
            key("Security", Some(4624))
        );
        // Both `Event` and `winlog`: evtx wins, as in `Layout::detect`.
        assert_eq!(
            agrees(
                r##"{"winlog":{"channel":"A","event_id":1},"Event":{"System":{"Channel":"B","EventID":2}}}"##
            ),
            key("B", Some(2))
        );
        // A `System` without a header is a flat record's field.
        assert_eq!(
            agrees(r##"{"System":{"Name":"x"},"Channel":"Security","EventID":4624}"##),
            key("Security", Some(4624))
        );
        // A repeat of a key nobody reads is fine.
        assert_eq!(
            agrees(r##"{"x":1,"x":2,"Channel":"Security","EventID":4624}"##),
            key("Security", Some(4624))
        );
    }

    #[test]
    fn peek_agrees_on_bundled_events() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/events");
        let mut routed = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ndjson") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                routed += usize::from(agrees(line).is_some());
            }
        }
        assert!(routed > 40, "the sample events should mostly be routed");
    }
}
