//! The event time of a hit: one definition for correlations (window times),
//! hit records (`@timestamp`) and `--from`/`--to` (in the workers and on the
//! hit stream), so all read the same field the same way.
//!
//! Without `--time-field`: evtx_dump's `SystemTime` attribute (with
//! `--separate-json-attributes` too), Velociraptor's
//! `System.TimeCreated.SystemTime` (epoch seconds), then the usual top-level names
//! (ECS/Winlogbeat `@timestamp`, flat exports, Sysmon's `UtcTime`, Azure);
//! the first present wins. With it: a dotted path from the root, else a
//! Sigma field name resolved per layout like any rule field (a `--field-map`
//! entry for it applies).
//!
//! The time is field 0 of an ordinary [`Resolver`] (the paths above as the
//! field's first candidates), so the workers' raw-line reader, which answers
//! exactly what `Resolver::lookup` answers on the parsed line, reads the
//! same time as the hit stream does.

use serde_json::Value as Json;

use super::time::{self, Nanos};
use crate::event::{FieldMap, Layout, ParsedEvent, Resolver};

/// Time fields tried when `--time-field` is not given, in order.
const DEFAULT_TIME_PATHS: &[&str] = &[
    "Event.System.TimeCreated.#attributes.SystemTime",
    "Event.System.TimeCreated_attributes.SystemTime",
    "System.TimeCreated.SystemTime",
    "@timestamp",
    "TimeCreated",
    "UtcTime",
    "TimeGenerated",
];

/// The name the default time field is interned under: no event has a
/// field of that name, so only [`DEFAULT_TIME_PATHS`] can match.
const DEFAULT_NAME: &str = "\u{0}sigscan-event-time";

/// For messages: the last name of the first default time path present.
fn default_source(root: &Json) -> &'static str {
    DEFAULT_TIME_PATHS
        .iter()
        .find(|p| {
            p.split('.')
                .try_fold(root, |v, k| v.as_object()?.get(k))
                .is_some()
        })
        .and_then(|p| p.rsplit('.').next())
        .unwrap_or("time")
}

/// Reads event times (see the module docs).
#[derive(Clone, Debug)]
pub struct EventClock {
    /// `--time-field`, when given.
    path: Option<String>,
    /// Resolves the time as field 0.
    resolver: Resolver,
}

impl EventClock {
    /// `time_field` is `--time-field`; `field_map` is `--field-map`.
    pub fn new(time_field: Option<&str>, field_map: &FieldMap) -> EventClock {
        let mut map = field_map.clone();
        let name = match time_field {
            // The literal path first, then what the field map says of the
            // name, then the layouts' places for a Sigma field of that name.
            Some(path) => {
                let mut paths = vec![path.to_string()];
                paths.extend(field_map.get(path).into_iter().flatten().cloned());
                map.insert(path.to_string(), paths);
                path
            }
            None => {
                map.insert(
                    DEFAULT_NAME.to_string(),
                    DEFAULT_TIME_PATHS.iter().map(|p| p.to_string()).collect(),
                );
                DEFAULT_NAME
            }
        };
        EventClock {
            path: time_field.map(str::to_string),
            resolver: Resolver::new(&[name.to_string()], &map),
        }
    }

    /// The resolver whose field 0 is the time (for the workers' raw reader).
    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// The time a value of the time field stands for.
    pub fn time_of_value(v: Option<&Json>) -> Option<Nanos> {
        v.and_then(time::from_json)
    }

    /// The event's time, or why there is none (for the notes on stderr).
    pub fn time_of(&self, root: &Json, layout: Layout) -> Result<Nanos, String> {
        match self.resolver.lookup(root, layout, 0) {
            Some(v) => time::from_json(v).ok_or_else(|| {
                let name = match &self.path {
                    Some(p) => p.as_str(),
                    None => default_source(root),
                };
                format!("event time {name} = {v} is not a timestamp")
            }),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn t(clock: &EventClock, line: &str) -> Option<String> {
        clock
            .time(&ParsedEvent::parse(line.as_bytes()).expect("JSON"))
            .map(time::format)
    }

    #[test]
    fn default_sources_in_order_and_time_field_paths() {
        let c = EventClock::new(None, &FieldMap::new());
        let evtx = r##"{"Event":{"System":{"TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:00Z"}}}}}"##;
        assert_eq!(t(&c, evtx).as_deref(), Some("2024-05-01T10:00:00Z"));
        let both = r#"{"@timestamp":"2024-05-01T11:00:00Z","UtcTime":"2024-05-01 09:00:00"}"#;
        assert_eq!(t(&c, both).as_deref(), Some("2024-05-01T11:00:00Z"));
        assert_eq!(t(&c, r#"{"ts":1714557600}"#), None);
        let ts = EventClock::new(Some("ts"), &FieldMap::new());
        assert_eq!(
            t(&ts, r#"{"ts":1714557600}"#).as_deref(),
            Some("2024-05-01T10:00:00Z")
        );
        let sysmon = EventClock::new(Some("UtcTime"), &FieldMap::new());
        let nested = r#"{"Event":{"System":{"Channel":"x"},"EventData":{"UtcTime":"2024-05-01 10:00:00.000"}}}"#;
        assert_eq!(t(&sysmon, nested).as_deref(), Some("2024-05-01T10:00:00Z"));
    }
}
