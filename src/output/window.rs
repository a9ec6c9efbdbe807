//! `--from`/`--to`: only hits whose event time lies in `[from, to)`.
//!
//! Applied twice, with one reading of the time ([`EventClock`], as for
//! correlations and `@timestamp`):
//!
//! - in the workers, before any rule is evaluated ([`TimeWindow::event_filter`]):
//!   the time is read from the raw line like a rule field, so a candidate
//!   event outside the window costs one field read and no rule evaluation
//!   (counted in the stats' `events_outside_window`);
//! - on the hit stream, in the [`Tap`](super::Tap), before any observer or
//!   the output sees a hit: the exact backstop, which drops a hit outside
//!   the window whatever the workers did (`hits_outside_window`, 0 when both
//!   agree, as the raw reader answers what the parsed line would).
//!
//! A hit outside the window is therefore not written, summarised,
//! correlated or counted in `hits`. An event without a readable time is
//! outside every window: the user asked for a time range and nothing shows
//! that the event is in it.

use crate::correlate::clock::EventClock;
use crate::correlate::time::{self, Nanos};
use crate::event::ParsedEvent;

/// A time window; either end may be open.
#[derive(Clone, Debug)]
pub struct TimeWindow {
    from: Option<Nanos>,
    to: Option<Nanos>,
    clock: EventClock,
}

/// Reads a `--from`/`--to` value: RFC 3339 (`2024-05-01T10:00:00Z`, an
/// offset, or no zone = UTC) or a date alone (`2024-05-01` = its midnight UTC).
pub fn parse_bound(s: &str) -> Result<Nanos, String> {
    let t = s.trim();
    let full = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    };
    time::parse_rfc3339(&full).ok_or_else(|| {
        format!("{s:?} is not an RFC 3339 time (e.g. 2024-05-01T10:00:00Z) or a date (2024-05-01)")
    })
}

impl TimeWindow {
    /// `[from, to)`.
    pub fn new(from: Option<Nanos>, to: Option<Nanos>, clock: EventClock) -> TimeWindow {
        TimeWindow { from, to, clock }
    }

    /// Whether the event (`None`: a line that does not parse) is inside.
    pub fn admits(&self, event: Option<&ParsedEvent>) -> bool {
        event
            .and_then(|e| self.clock.time(e))
            .is_some_and(|t| self.contains(t))
    }

    /// Whether time `t` is inside.
    pub fn contains(&self, t: Nanos) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e)
    }

    /// The same window as a filter for the workers: an event is evaluated
    /// only when its time, read from the raw line, is inside.
    pub fn event_filter(&self) -> crate::scan::EventFilter {
        let w = self.clone();
        crate::scan::EventFilter {
            resolver: self.clock.resolver().clone(),
            keep: Box::new(move |v| EventClock::time_of_value(v).is_some_and(|t| w.contains(t))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::FieldMap;

    fn ev(s: &str) -> ParsedEvent {
        ParsedEvent::parse(s.as_bytes()).expect("JSON")
    }

    #[test]
    fn from_is_inclusive_to_exclusive_and_untimed_is_outside() {
        let w = TimeWindow::new(
            Some(parse_bound("2024-05-01").unwrap()),
            Some(parse_bound("2024-05-01T12:00:00+02:00").unwrap()),
            EventClock::new(None, &FieldMap::new()),
        );
        assert!(w.admits(Some(&ev(r#"{"@timestamp":"2024-05-01T00:00:00Z"}"#))));
        assert!(w.admits(Some(&ev(r#"{"@timestamp":"2024-05-01T09:59:59.9Z"}"#))));
        assert!(!w.admits(Some(&ev(r#"{"@timestamp":"2024-05-01T10:00:00Z"}"#))));
        assert!(!w.admits(Some(&ev(r#"{"@timestamp":"2024-04-30T23:59:59Z"}"#))));
        assert!(!w.admits(Some(&ev(r#"{"x":1}"#))));
        assert!(!w.admits(None));
    }

    #[test]
    fn bad_bounds_say_what_is_expected() {
        let e = parse_bound("yesterday").unwrap_err();
        assert!(e.contains("RFC 3339"), "{e}");
        assert!(parse_bound("2024-13-01").is_err());
    }
}
