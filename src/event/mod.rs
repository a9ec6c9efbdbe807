//! Field access on one event: JSON layouts and field maps.
//!
//! The same Sigma field lives at different JSON paths depending on who wrote
//! the dump (../shared/SIGMA.md §4): evtx_dump (`Event.System.*`,
//! `Event.EventData.*`, `#text`/`#attributes` wrappers), Winlogbeat/ECS
//! (`winlog.*`, `winlog.event_data.*`, a few ECS names) and flat records
//! (every field at the top level, as NXLog, Splunk and the Mordor sets write
//! them), plus Velociraptor's EVTX JSON (`System`, `EventData` at the top
//! level). A [`Resolver`] is built once from the field names the rules use;
//! per event it detects the layout from the top-level keys and walks the
//! precomputed candidate paths for that layout, first hit wins.
//!
//! # Payload before header
//!
//! A detection field means the event's own data: `EventData`, then
//! `UserData.<Element>`, and only then the `System` header (in ECS:
//! `winlog.event_data`, `winlog.user_data`, then `winlog.*` and the ECS
//! names). Event 104 ("log file cleared") is why: its header `Channel` is
//! always `System`, its payload `UserData.LogFileCleared.Channel` is the log
//! that was cleared, and the SigmaHQ rules on 104 (100ef69e, a62b37e0) test
//! the latter. The logsource gate is the exception: it must judge where the
//! event was logged, so it reads the header alone through the reserved names
//! [`GATE_CHANNEL`] and [`GATE_EVENT_ID`]. Names the header synthesises from
//! attributes (`Provider_Name`, `TimeCreated`, …) are read from the header
//! first, as no payload field means them.
//!
//! This module knows nothing about rules: it maps names to values.

pub mod peek;
pub mod raw;
pub mod shape;
mod validate;
pub mod view;

pub use validate::{surely_object, surely_object_with_root, validate_line};

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

/// The JSON layout of one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// evtx_dump / evtx-rs: `{"Event":{"System":…,"EventData":…}}`.
    Evtx,
    /// Winlogbeat / Elastic Common Schema: `{"winlog":{…},"event":{…}}`.
    Ecs,
    /// Velociraptor's EVTX JSON: `{"System":{…,"EventID":{"Value":N}},
    /// "EventData":{…}}`, no `Event` wrapper, no `#attributes`. Detected by
    /// a top-level `System` object holding `EventID` or `Channel`.
    Velociraptor,
    /// Everything at the top level.
    Flat,
}

impl Layout {
    /// Detects the layout from the top-level keys.
    pub fn detect(root: &Json) -> Layout {
        match root {
            Json::Object(m) if m.get("Event").is_some_and(Json::is_object) => Layout::Evtx,
            Json::Object(m) if m.get("winlog").is_some_and(Json::is_object) => Layout::Ecs,
            // A top-level `System` that holds an event header; any other
            // `System` object is just a field of a flat record.
            Json::Object(m)
                if m.get("System")
                    .and_then(Json::as_object)
                    .is_some_and(|s| s.contains_key("EventID") || s.contains_key("Channel")) =>
            {
                Layout::Velociraptor
            }
            _ => Layout::Flat,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    /// Any child of an object (for `Event.UserData.<Element>.<Name>`).
    AnyChild,
    /// A key equal to this name once its spaces are removed: Windows
    /// Defender writes `Threat Name`, Sigma rules say `ThreatName`.
    KeyNoSpaces(String),
}

type Path = Vec<Seg>;

fn path(dotted: &str) -> Path {
    dotted
        .split('.')
        .map(|s| {
            if s == "*" {
                Seg::AnyChild
            } else {
                Seg::Key(s.to_string())
            }
        })
        .collect()
}

/// Per-field candidate paths for each layout.
#[derive(Clone, Debug, Default)]
struct FieldPaths {
    evtx: Vec<Path>,
    ecs: Vec<Path>,
    velociraptor: Vec<Path>,
    flat: Vec<Path>,
}

/// The field name under which the logsource gate reads the channel. It holds
/// a `|`, which no Sigma field name can (the `|` starts the modifiers), so a
/// rule's own `Channel` is a different field: the payload's first.
pub const GATE_CHANNEL: &str = "|gate|Channel";
/// The field name under which the logsource gate reads the event id (see
/// [`GATE_CHANNEL`]).
pub const GATE_EVENT_ID: &str = "|gate|EventID";

impl FieldPaths {
    fn layouts(&mut self) -> [&mut Vec<Path>; 4] {
        [
            &mut self.evtx,
            &mut self.ecs,
            &mut self.velociraptor,
            &mut self.flat,
        ]
    }

    /// `--field-map` paths, tried first in every layout.
    fn push_all(&mut self, dotted: &[String]) {
        for l in self.layouts() {
            l.extend(dotted.iter().map(|s| path(s)));
        }
    }
}

/// Extra or overriding mappings: Sigma field → JSON paths (dotted).
pub type FieldMap = HashMap<String, Vec<String>>;

/// Resolves field ids to values. Build once, share between threads.
#[derive(Clone, Debug)]
pub struct Resolver {
    fields: Vec<FieldPaths>,
}

/// `Event.System` fields that sit under `#attributes` of a child element,
/// named `<Element>_<Attribute>` as evtx_dump users (and Sigma pipelines)
/// spell them.
const SYSTEM_SPECIAL: &[(&str, &str)] = &[
    ("Provider_Name", "Event.System.Provider.#attributes.Name"),
    ("Provider_Guid", "Event.System.Provider.#attributes.Guid"),
    ("ProviderName", "Event.System.Provider.#attributes.Name"),
    (
        "EventSourceName",
        "Event.System.Provider.#attributes.EventSourceName",
    ),
    (
        "TimeCreated",
        "Event.System.TimeCreated.#attributes.SystemTime",
    ),
    (
        "SystemTime",
        "Event.System.TimeCreated.#attributes.SystemTime",
    ),
    ("ProcessID", "Event.System.Execution.#attributes.ProcessID"),
    ("ThreadID", "Event.System.Execution.#attributes.ThreadID"),
    ("UserID", "Event.System.Security.#attributes.UserID"),
];

/// Winlogbeat/ECS names for Sigma fields (pySigma `ecs_windows`).
const ECS: &[(&str, &[&str])] = &[
    ("EventID", &["winlog.event_id", "event.code"]),
    ("Channel", &["winlog.channel"]),
    ("Provider_Name", &["winlog.provider_name", "event.provider"]),
    ("Computer", &["winlog.computer_name", "host.name"]),
    ("EventRecordID", &["winlog.record_id"]),
    ("ScriptBlockText", &["powershell.file.script_block_text"]),
    ("Image", &["process.executable"]),
    ("CommandLine", &["process.command_line"]),
    ("ParentImage", &["process.parent.executable"]),
    ("ParentCommandLine", &["process.parent.command_line"]),
    ("ProcessId", &["process.pid"]),
    ("User", &["user.name"]),
];

/// Flat-layout aliases (Mordor/NXLog, Azure Log Analytics).
const FLAT_ALIASES: &[(&str, &[&str])] = &[
    (
        "Provider_Name",
        &["SourceName", "ProviderName", "Provider", "EventSourceName"],
    ),
    ("Computer", &["Hostname", "Computer"]),
];

impl Resolver {
    /// Builds the candidate paths for `names` (index = field id), with
    /// `overrides` taking precedence over the built-in layouts.
    pub fn new(names: &[String], overrides: &FieldMap) -> Resolver {
        let fields = names
            .iter()
            .map(|n| Self::paths_for(n, overrides))
            .collect();
        Resolver { fields }
    }

    fn paths_for(name: &str, overrides: &FieldMap) -> FieldPaths {
        if name == GATE_CHANNEL || name == GATE_EVENT_ID {
            return Self::gate_paths(name == GATE_CHANNEL, overrides);
        }
        let mut p = FieldPaths::default();
        if let Some(custom) = overrides.get(name) {
            p.push_all(custom);
        }
        let key = || Seg::Key(name.to_string());
        let under = |prefix: &str| [path(prefix), vec![key()]].concat();
        // evtx_dump: header-synthesised names, then payload before header.
        if let Some((_, special)) = SYSTEM_SPECIAL.iter().find(|(n, _)| *n == name) {
            p.evtx.push(path(special));
            // `evtx_dump --separate-json-attributes` writes `Provider_attributes`
            // next to `Provider` instead of `Provider.#attributes`.
            p.evtx
                .push(path(&special.replacen(".#attributes.", "_attributes.", 1)));
            // Velociraptor writes the attributes as plain members.
            let plain = special.replacen(".#attributes.", ".", 1);
            p.velociraptor
                .push(path(plain.strip_prefix("Event.").unwrap_or(&plain)));
        }
        p.evtx.extend([
            under("Event.EventData"),
            under("Event.UserData.*"),
            // One level deeper (`RmRestartEvent.Applications.Application`).
            under("Event.UserData.*.*"),
            under("Event.System"),
        ]);
        // Velociraptor: the same without the `Event` wrapper; its EventID is
        // `{"Value":N}` (plus `Qualifiers` where the event has them).
        p.velociraptor.extend([
            under("EventData"),
            under("UserData.*"),
            under("UserData.*.*"),
        ]);
        if name == "EventID" {
            p.velociraptor.push(path("System.EventID.Value"));
        }
        p.velociraptor.push(under("System"));
        // Winlogbeat / ECS: payload, then the header and ECS names.
        p.ecs.push(under("winlog.event_data"));
        p.ecs.push(under("winlog.user_data"));
        if let Some((_, ecs)) = ECS.iter().find(|(n, _)| *n == name) {
            p.ecs.extend(ecs.iter().map(|s| path(s)));
        }
        // Flat
        p.flat.push(vec![key()]);
        if let Some((_, alias)) = FLAT_ALIASES.iter().find(|(n, _)| *n == name) {
            p.flat.extend(alias.iter().map(|s| path(s)));
        }
        p.flat.push(vec![Seg::Key("EventData".into()), key()]);
        // Payload keys written with spaces (`Threat Name` for `ThreatName`).
        if !name.contains(' ') && !name.contains('.') {
            let spaced =
                |prefix: &str| [path(prefix), vec![Seg::KeyNoSpaces(name.to_string())]].concat();
            p.evtx.push(spaced("Event.EventData"));
            p.ecs.push(spaced("winlog.event_data"));
            p.velociraptor.push(spaced("EventData"));
            p.flat.push(vec![Seg::KeyNoSpaces(name.to_string())]);
        }
        // A dotted name is also a literal path in every layout.
        if name.contains('.') {
            for l in p.layouts() {
                l.push(path(name));
            }
        }
        p
    }

    /// Where the gate reads the channel (`channel`) or the event id: the
    /// header only, so an event is judged by the log it was written to. A
    /// `--field-map` entry for `Channel`/`EventID` still comes first: a
    /// custom layout names its header there.
    fn gate_paths(channel: bool, overrides: &FieldMap) -> FieldPaths {
        let name = if channel { "Channel" } else { "EventID" };
        let mut p = FieldPaths::default();
        if let Some(custom) = overrides.get(name) {
            p.push_all(custom);
        }
        if channel {
            p.evtx.push(path("Event.System.Channel"));
            p.ecs.push(path("winlog.channel"));
            p.velociraptor.push(path("System.Channel"));
        } else {
            p.evtx.push(path("Event.System.EventID"));
            p.ecs.extend([path("winlog.event_id"), path("event.code")]);
            p.velociraptor
                .extend([path("System.EventID.Value"), path("System.EventID")]);
        }
        // A flat record has no header apart from its payload: the top-level
        // key, as for any field.
        p.flat.push(path(name));
        p
    }

    /// The candidate paths of field `id` in `layout`, in the order tried.
    fn paths(&self, layout: Layout, id: u32) -> &[Path] {
        self.fields.get(id as usize).map_or(&[], |fp| match layout {
            Layout::Evtx => &fp.evtx,
            Layout::Ecs => &fp.ecs,
            Layout::Velociraptor => &fp.velociraptor,
            Layout::Flat => &fp.flat,
        })
    }

    /// Where field `id` is in the raw `line` of layout `layout` (see
    /// [`raw`]): the same answer as [`Resolver::lookup`] on the parsed line,
    /// or [`raw::Lookup::Unsure`].
    pub fn locate(
        &self,
        index: &mut raw::RawIndex,
        line: &[u8],
        layout: Layout,
        id: u32,
    ) -> raw::Lookup {
        index.lookup(line, self.paths(layout, id))
    }

    /// The value of field `id` in `root` (a parsed event of layout `layout`).
    /// `#text` wrappers are unwrapped.
    pub fn lookup<'a>(&self, root: &'a Json, layout: Layout, id: u32) -> Option<&'a Json> {
        self.paths(layout, id)
            .iter()
            .find_map(|p| walk(root, p))
            .map(unwrap_text)
    }
}

fn walk<'a>(v: &'a Json, p: &[Seg]) -> Option<&'a Json> {
    let Some((first, rest)) = p.split_first() else {
        return Some(v);
    };
    let obj = v.as_object()?;
    match first {
        Seg::Key(k) => walk(obj.get(k.as_str())?, rest),
        Seg::AnyChild => in_key_order(obj).find_map(|(_, c)| walk(c, rest)),
        Seg::KeyNoSpaces(name) => in_key_order(obj)
            .find(|(k, _)| k.contains(' ') && k.bytes().filter(|&b| b != b' ').eq(name.bytes()))
            .and_then(|(_, c)| walk(c, rest)),
    }
}

/// The members of `obj` in key order, the order the raw walker (`raw.rs`)
/// answers in. serde_json keeps maps sorted unless its `preserve_order`
/// feature is on, and the `evtx` dependency turns it on for the whole build,
/// so the order is imposed here rather than assumed.
fn in_key_order(obj: &serde_json::Map<String, Json>) -> impl Iterator<Item = (&String, &Json)> {
    let mut members: Vec<_> = obj.iter().collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    members.into_iter()
}

fn unwrap_text(v: &Json) -> &Json {
    match v {
        Json::Object(m) => m.get("#text").unwrap_or(v),
        _ => v,
    }
}

/// Calls `f` on every string leaf of `v`, and on every number leaf as its
/// decimal text (what `compile::EventSource::any_string` promises keyword
/// searches), until it returns true.
pub fn any_string(v: &Json, f: &mut dyn FnMut(&str) -> bool) -> bool {
    // Iterative, so hostile nesting cannot overflow the stack.
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        let hit = match v {
            Json::String(s) => f(s),
            Json::Number(n) => f(&n.to_string()),
            Json::Array(a) => {
                stack.extend(a.iter().rev());
                false
            }
            Json::Object(m) => {
                stack.extend(m.values().rev());
                false
            }
            Json::Bool(_) | Json::Null => false,
        };
        if hit {
            return true;
        }
    }
    false
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON (the parser's own message: syntax, a lone surrogate, a
    /// number out of range, nesting past its limit, …).
    #[error("{0}")]
    Json(String),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotAnObject,
}

/// Parses one line into an event. Invalid UTF-8 is decoded lossily (U+FFFD)
/// rather than rejected; the line must be a JSON object.
pub fn parse_line(line: &[u8]) -> Result<Json, ParseError> {
    let parsed = match std::str::from_utf8(line) {
        Ok(s) => serde_json::from_str::<Json>(s),
        Err(_) => serde_json::from_str::<Json>(&String::from_utf8_lossy(line)),
    };
    let mut v = parsed.map_err(|e| ParseError::Json(e.to_string()))?;
    if !v.is_object() {
        return Err(ParseError::NotAnObject);
    }
    expand_embedded_event_data(&mut v);
    Ok(v)
}

/// One line parsed into a document, with its layout: what the consumers of
/// hits (summary, correlations) read fields from. Parsed once per hit line
/// however many of them need it.
#[derive(Clone, Debug)]
pub struct ParsedEvent {
    /// The document.
    pub root: Json,
    /// Its layout.
    pub layout: Layout,
}

impl ParsedEvent {
    /// Parses `line` (surrounding whitespace ignored), or `None` when it is
    /// not a JSON object.
    pub fn parse(line: &[u8]) -> Option<ParsedEvent> {
        let root = parse_line(line.trim_ascii()).ok()?;
        let layout = Layout::detect(&root);
        Some(ParsedEvent { root, layout })
    }
}

/// Azure Log Analytics stores `EventData` as a string holding JSON or XML
/// (`<Data Name="X">v</Data>`). Replace it with an object so fields resolve.
fn expand_embedded_event_data(root: &mut Json) {
    let Some(Json::String(s)) = root.get("EventData") else {
        return;
    };
    let t = s.trim_start();
    let replacement = if t.starts_with('{') {
        serde_json::from_str::<Json>(t).ok().filter(Json::is_object)
    } else if t.starts_with('<') {
        Some(Json::Object(xml_data_fields(t)))
    } else {
        None
    };
    if let Some(r) = replacement {
        root["EventData"] = r;
    }
}

fn xml_data_fields(xml: &str) -> Map<String, Json> {
    let mut out = Map::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<Data Name=\"") {
        rest = &rest[i + 12..];
        let Some(q) = rest.find('"') else { break };
        let name = xml_unescape(&rest[..q]);
        rest = &rest[q + 1..];
        let Some(gt) = rest.find('>') else { break };
        if rest[..gt].ends_with('/') {
            out.insert(name, Json::String(String::new()));
            rest = &rest[gt + 1..];
            continue;
        }
        rest = &rest[gt + 1..];
        let Some(end) = rest.find("</Data>") else {
            break;
        };
        out.insert(name, Json::String(xml_unescape(&rest[..end])));
        rest = &rest[end + 7..];
    }
    out
}

/// Decodes the five predefined XML entities and character references
/// (`&#65;`, `&#x41;`) in one pass; anything else is kept as written.
fn xml_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                _ => {
                    let code = if let Some(h) = name.strip_prefix("#x").or(name.strip_prefix("#X"))
                    {
                        u32::from_str_radix(h, 16).ok()
                    } else if let Some(d) = name.strip_prefix('#') {
                        d.parse().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolver(names: &[&str]) -> Resolver {
        Resolver::new(
            &names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &FieldMap::new(),
        )
    }

    #[test]
    fn evtx_layout() {
        let ev = json!({"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},
            "Channel":"System","Provider":{"#attributes":{"Name":"Service Control Manager"}}},
            "EventData":{"ImagePath":"C:\\x.exe","Threat Name":"eicar"},
            "UserData":{"LogFileCleared":{"SubjectUserName":"bob"}}}});
        let r = resolver(&[
            "EventID",
            "Channel",
            "Provider_Name",
            "ImagePath",
            "SubjectUserName",
            "Nope",
            "ThreatName",
        ]);
        let l = Layout::detect(&ev);
        assert_eq!(l, Layout::Evtx);
        assert_eq!(r.lookup(&ev, l, 0), Some(&json!(7045)));
        assert_eq!(r.lookup(&ev, l, 1), Some(&json!("System")));
        assert_eq!(r.lookup(&ev, l, 2), Some(&json!("Service Control Manager")));
        assert_eq!(r.lookup(&ev, l, 3), Some(&json!("C:\\x.exe")));
        assert_eq!(r.lookup(&ev, l, 4), Some(&json!("bob")));
        assert_eq!(r.lookup(&ev, l, 5), None);
        assert_eq!(r.lookup(&ev, l, 6), Some(&json!("eicar")));
    }

    #[test]
    fn payload_before_header() {
        // Event 104: the header says where it was logged (System), the
        // payload which log was cleared. Rules mean the payload; the gate
        // reads the header.
        let ev = json!({"Event":{"System":{"EventID":104,"Channel":"System",
            "Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog"}}},
            "UserData":{"LogFileCleared":{"Channel":"Security","SubjectUserName":"bob"}}}});
        let r = resolver(&["Channel", GATE_CHANNEL, "EventID", GATE_EVENT_ID]);
        let l = Layout::detect(&ev);
        assert_eq!(r.lookup(&ev, l, 0), Some(&json!("Security")));
        assert_eq!(r.lookup(&ev, l, 1), Some(&json!("System")));
        assert_eq!(r.lookup(&ev, l, 2), Some(&json!(104)));
        assert_eq!(r.lookup(&ev, l, 3), Some(&json!(104)));
        // Nested one level deeper in UserData, after the direct members.
        let ev = json!({"Event":{"System":{"EventID":10001,"Channel":"Application"},
            "UserData":{"RmRestartEvent":{"RmSessionId":0,
                "Applications":{"Application":"explorer.exe","Application_1":"x.exe"}}}}});
        let r = resolver(&["Application", "RmSessionId"]);
        assert_eq!(r.lookup(&ev, Layout::Evtx, 0), Some(&json!("explorer.exe")));
        assert_eq!(r.lookup(&ev, Layout::Evtx, 1), Some(&json!(0)));
        // EventData comes before UserData, and both before System.
        let ev = json!({"Event":{"System":{"Level":4,"Channel":"System"},
            "EventData":{"Level":"x"},"UserData":{"A":{"Level":"y","Channel":"u"}}}});
        let r = resolver(&["Level", "Channel", GATE_CHANNEL]);
        assert_eq!(r.lookup(&ev, Layout::Evtx, 0), Some(&json!("x")));
        assert_eq!(r.lookup(&ev, Layout::Evtx, 1), Some(&json!("u")));
        assert_eq!(r.lookup(&ev, Layout::Evtx, 2), Some(&json!("System")));
        // The gate never reads the payload, even when the header lacks it.
        let ev = json!({"Event":{"System":{"EventID":6},"EventData":{"Channel":"c","EventID":7}}});
        let r = resolver(&[GATE_CHANNEL, GATE_EVENT_ID, "EventID"]);
        assert_eq!(r.lookup(&ev, Layout::Evtx, 0), None);
        assert_eq!(r.lookup(&ev, Layout::Evtx, 1), Some(&json!(6)));
        assert_eq!(r.lookup(&ev, Layout::Evtx, 2), Some(&json!(7)));
        // ECS: winlog.event_data, then winlog.user_data, then the header.
        let ecs = json!({"winlog":{"channel":"System","event_id":104,
            "user_data":{"Channel":"Security"}}});
        let r = resolver(&["Channel", GATE_CHANNEL, GATE_EVENT_ID]);
        assert_eq!(r.lookup(&ecs, Layout::Ecs, 0), Some(&json!("Security")));
        assert_eq!(r.lookup(&ecs, Layout::Ecs, 1), Some(&json!("System")));
        assert_eq!(r.lookup(&ecs, Layout::Ecs, 2), Some(&json!(104)));
        // A field map for `Channel` moves the gate too (a custom layout).
        let mut m = FieldMap::new();
        m.insert("Channel".into(), vec!["log.name".into()]);
        let r = Resolver::new(&[GATE_CHANNEL.to_string()], &m);
        let ev = json!({"log":{"name":"Security"},"Channel":"x"});
        assert_eq!(r.lookup(&ev, Layout::Flat, 0), Some(&json!("Security")));
    }

    #[test]
    fn velociraptor_layout() {
        let ev = json!({"System":{"Provider":{"Name":"Microsoft-Windows-Eventlog","Guid":"{fc65}"},
            "EventID":{"Value":104},"Channel":"System","Computer":"host1",
            "TimeCreated":{"SystemTime":1700000000.5},"Execution":{"ProcessID":4,"ThreadID":8}},
            "UserData":{"LogFileCleared":{"Channel":"Security","SubjectUserName":"bob"}},
            "Message":"The Security log file was cleared."});
        assert_eq!(Layout::detect(&ev), Layout::Velociraptor);
        let r = resolver(&[
            "EventID",
            GATE_EVENT_ID,
            "Channel",
            GATE_CHANNEL,
            "Provider_Name",
            "Computer",
            "SubjectUserName",
            "TimeCreated",
            "ProcessID",
            "Message",
        ]);
        let l = Layout::Velociraptor;
        assert_eq!(r.lookup(&ev, l, 0), Some(&json!(104)));
        assert_eq!(r.lookup(&ev, l, 1), Some(&json!(104)));
        assert_eq!(r.lookup(&ev, l, 2), Some(&json!("Security")));
        assert_eq!(r.lookup(&ev, l, 3), Some(&json!("System")));
        assert_eq!(
            r.lookup(&ev, l, 4),
            Some(&json!("Microsoft-Windows-Eventlog"))
        );
        assert_eq!(r.lookup(&ev, l, 5), Some(&json!("host1")));
        assert_eq!(r.lookup(&ev, l, 6), Some(&json!("bob")));
        assert_eq!(r.lookup(&ev, l, 7), Some(&json!(1700000000.5)));
        assert_eq!(r.lookup(&ev, l, 8), Some(&json!(4)));
        // Not a Windows field: top-level keys are not searched.
        assert_eq!(r.lookup(&ev, l, 9), None);
        // An EventID without `Value` (or a plain number) is read as written.
        let ev = json!({"System":{"EventID":4688,"Channel":"Security"},
            "EventData":{"NewProcessName":"C:\\x.exe"}});
        assert_eq!(Layout::detect(&ev), Layout::Velociraptor);
        assert_eq!(r.lookup(&ev, l, 1), Some(&json!(4688)));
        // `Event` and `winlog` win over a top-level `System`, as before.
        let ev = json!({"System":{"Channel":"a"},"winlog":{"channel":"b"}});
        assert_eq!(Layout::detect(&ev), Layout::Ecs);
        // A `System` without a header in it is a flat record's field.
        let ev = json!({"System":{"Name":"x"},"Channel":"Security","EventID":4624});
        assert_eq!(Layout::detect(&ev), Layout::Flat);
    }

    #[test]
    fn evtx_separate_json_attributes() {
        let ev = json!({"Event":{"System":{"Provider":null,
            "Provider_attributes":{"Name":"Service Control Manager"},
            "TimeCreated_attributes":{"SystemTime":"2024-01-01T00:00:00Z"},
            "EventID":7045,"EventID_attributes":{"Qualifiers":16384}}}});
        let r = resolver(&["Provider_Name", "TimeCreated", "EventID"]);
        let l = Layout::detect(&ev);
        assert_eq!(r.lookup(&ev, l, 0), Some(&json!("Service Control Manager")));
        assert_eq!(r.lookup(&ev, l, 1), Some(&json!("2024-01-01T00:00:00Z")));
        assert_eq!(r.lookup(&ev, l, 2), Some(&json!(7045)));
    }

    #[test]
    fn ecs_and_flat_layouts() {
        let r = resolver(&[
            "EventID",
            "ScriptBlockText",
            "Provider_Name",
            "winlog.channel",
        ]);
        let ecs =
            json!({"winlog":{"event_id":4104,"channel":"c","event_data":{"ScriptBlockText":"a"}}});
        assert_eq!(r.lookup(&ecs, Layout::Ecs, 0), Some(&json!(4104)));
        assert_eq!(r.lookup(&ecs, Layout::Ecs, 1), Some(&json!("a")));
        assert_eq!(r.lookup(&ecs, Layout::Ecs, 3), Some(&json!("c")));
        let ecs2 = json!({"winlog":{"channel":"c"},"event":{"code":"4104"},
            "powershell":{"file":{"script_block_text":"b"}}});
        assert_eq!(r.lookup(&ecs2, Layout::Ecs, 0), Some(&json!("4104")));
        assert_eq!(r.lookup(&ecs2, Layout::Ecs, 1), Some(&json!("b")));
        let flat = json!({"EventID":4104,"SourceName":"Microsoft-Windows-PowerShell","ScriptBlockText":"c"});
        assert_eq!(
            r.lookup(&flat, Layout::Flat, 2),
            Some(&json!("Microsoft-Windows-PowerShell"))
        );
        assert_eq!(r.lookup(&flat, Layout::Flat, 1), Some(&json!("c")));
    }

    #[test]
    fn field_map_overrides() {
        let mut m = FieldMap::new();
        m.insert("Image".into(), vec!["proc.path".into()]);
        let r = Resolver::new(&["Image".to_string()], &m);
        let ev = json!({"proc":{"path":"x"},"Image":"y"});
        assert_eq!(r.lookup(&ev, Layout::Flat, 0), Some(&json!("x")));
    }

    #[test]
    fn embedded_event_data() {
        let line = br#"{"EventID":1,"EventData":"{\"Image\":\"C:\\\\a.exe\"}"}"#;
        let v = parse_line(line).unwrap();
        assert_eq!(v["EventData"]["Image"], json!("C:\\a.exe"));
        let xml = br#"{"EventData":"<EventData><Data Name=\"A\">x &amp; y</Data><Data Name=\"B\"/></EventData>"}"#;
        let v = parse_line(xml).unwrap();
        assert_eq!(v["EventData"]["A"], json!("x & y"));
        assert_eq!(v["EventData"]["B"], json!(""));
        let r = resolver(&["Image"]);
        let v = parse_line(line).unwrap();
        assert_eq!(r.lookup(&v, Layout::Flat, 0), Some(&json!("C:\\a.exe")));
    }

    #[test]
    fn xml_character_references() {
        assert_eq!(xml_unescape("Virtual&#65;lloc"), "VirtualAlloc");
        assert_eq!(xml_unescape("&#x56;&#X76;a&#xD;&#xA;"), "Vva\r\n");
        assert_eq!(xml_unescape("x &amp;amp; &lt;y&gt;"), "x &amp; <y>");
        assert_eq!(xml_unescape("&amp;#65;"), "&#65;");
        assert_eq!(
            xml_unescape("a & b &nope; &#xZZ; &#1114112; &"),
            "a & b &nope; &#xZZ; &#1114112; &"
        );
    }

    #[test]
    fn bad_lines() {
        assert!(parse_line(b"[1,2]").is_err());
        assert!(parse_line(b"{\"a\":").is_err());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_line(deep.as_bytes()).is_err());
        let v = parse_line(b"{\"a\":\"\xff\xfe\"}").unwrap();
        assert_eq!(v["a"], json!("\u{FFFD}\u{FFFD}"));
    }

    #[test]
    fn any_string_visits_leaves() {
        let v = json!({"a":[1,"x",{"b":"y"}],"c":"z","d":[true,null,-2.5]});
        let mut seen = Vec::new();
        any_string(&v, &mut |s| {
            seen.push(s.to_string());
            false
        });
        seen.sort();
        assert_eq!(seen, vec!["-2.5", "1", "x", "y", "z"]);
    }
}
