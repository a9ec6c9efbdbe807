//! The event time of a hit: one definition for correlations (window times)
//! and hit records (`@timestamp`, `--from`/`--to`), so both read the same
//! field the same way.
//!
//! Without `--time-field`: evtx_dump's `SystemTime` attribute (with
//! `--separate-json-attributes` too), then the usual top-level names
//! (ECS/Winlogbeat `@timestamp`, flat exports, Sysmon's `UtcTime`, Azure).
//! With it: a dotted path from the root, else a Sigma field name resolved
//! per layout like any rule field.

use serde_json::Value as Json;

use super::time::{self, Nanos};
use crate::event::{FieldMap, Layout, ParsedEvent, Resolver};

/// Time fields tried when `--time-field` is not given, in order.
const DEFAULT_TIME_PATHS: &[&[&str]] = &[
    &[
        "Event",
        "System",
        "TimeCreated",
        "#attributes",
        "SystemTime",
    ],
    &["Event", "System", "TimeCreated_attributes", "SystemTime"],
    &["@timestamp"],
    &["TimeCreated"],
    &["UtcTime"],
    &["TimeGenerated"],
];

/// Follows `keys` from `root`, unwrapping a final `#text`.
fn walk<'a>(root: &'a Json, keys: impl IntoIterator<Item = &'a str>) -> Option<&'a Json> {
    let mut v = root;
    for k in keys {
        v = v.as_object()?.get(k)?;
    }
    Some(match v {
        Json::Object(m) => m.get("#text").unwrap_or(v),
        _ => v,
    })
}

/// Reads event times (see the module docs).
#[derive(Clone, Debug)]
pub struct EventClock {
    /// `--time-field`, when given.
    path: Option<String>,
    /// Resolves `path` as a Sigma field name (id 0).
    resolver: Resolver,
}

impl EventClock {
    /// `time_field` is `--time-field`; `field_map` is `--field-map`.
    pub fn new(time_field: Option<&str>, field_map: &FieldMap) -> EventClock {
        let names: Vec<String> = time_field.map(str::to_string).into_iter().collect();
        EventClock {
            path: time_field.map(str::to_string),
            resolver: Resolver::new(&names, field_map),
        }
    }

    /// The event's time, or why there is none (for the notes on stderr).
    pub fn time_of(&self, root: &Json, layout: Layout) -> Result<Nanos, String> {
        let found = match &self.path {
            Some(path) => walk(root, path.split('.'))
                .or_else(|| self.resolver.lookup(root, layout, 0))
                .map(|v| (path.as_str(), v)),
            None => DEFAULT_TIME_PATHS.iter().find_map(|p| {
                walk(root, p.iter().copied()).map(|v| (*p.last().expect("BUG: non-empty"), v))
            }),
        };
        match found {
            Some((name, v)) => time::from_json(v)
                .ok_or_else(|| format!("event time {name} = {v} is not a timestamp")),
            None => Err(match &self.path {
                Some(path) => format!("no time field `{path}` (--time-field)"),
                None => "no event time (looked for SystemTime, @timestamp, TimeCreated, \
                         UtcTime, TimeGenerated; see --time-field)"
                    .to_string(),
            }),
        }
    }

    /// The time of a parsed event, if it has a readable one.
    pub fn time(&self, event: &ParsedEvent) -> Option<Nanos> {
        self.time_of(&event.root, event.layout).ok()
    }
}
