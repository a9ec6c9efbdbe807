//! What a hit record says beyond the rule and the line: the event's time,
//! host, channel, EventID and record id, the rule's status, tags and
//! ATT&CK ids, and the fields that matched. Computed once per hit from the
//! parsed line ([`ParsedEvent`], parsed by the worker that found the hit or
//! by the `Tap` for everyone) into a [`HitRecord`] that every output format
//! writes (JSONL, CSV, table).
//!
//! Why in the record and not left to the reader: a SIEM ingests the record
//! as it is, and with `--no-event` the event is not there to reparse.
//! Everything here is read the way the rest of sigscan reads it: fields
//! through the scan's [`Resolver`] (so `--field-map` applies), time through
//! the correlations' [`EventClock`].

use serde_json::Value as Json;

use crate::compile::{EventSource, FieldId, Plan, RuleMeta, gate_event_id, gate_inputs};
use crate::correlate::clock::EventClock;
use crate::correlate::time::Nanos;
use crate::event::view::{EventRef, Fields, View};
use crate::event::{FieldMap, Layout, ParsedEvent, Resolver, any_string};
use crate::scan::{Hit, Input};
use crate::sigma::attack::attack_of;

/// Field ids of [`Enricher::meta`].
const COMPUTER: FieldId = 0;
const RECORD_ID: FieldId = 1;

/// One item of `matched`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The search identifier.
    pub search: String,
    /// The rule's field name (`None` for a keyword).
    pub field: Option<String>,
    /// The event's value (see [`crate::compile::matched::MatchedItem`]).
    pub value: Option<String>,
}

/// Everything a hit record holds, for any format.
pub struct HitRecord<'a> {
    /// The input's name.
    pub file: &'a str,
    /// 1-based line.
    pub line: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// The rule.
    pub rule: &'a RuleMeta,
    /// ATT&CK tactics and technique ids of the rule's tags.
    pub tactics: Vec<String>,
    /// Technique ids (`T1059.001`).
    pub techniques: Vec<String>,
    /// Event time.
    pub time: Option<Nanos>,
    /// `Computer` / `host.name`.
    pub host: Option<String>,
    /// `Channel`.
    pub channel: Option<String>,
    /// `EventID`.
    pub event_id: Option<i64>,
    /// `EventRecordID` / `winlog.record_id`, as the event writes it.
    pub record_id: Option<Json>,
    /// The items that made the rule match.
    pub matched: Vec<Matched>,
    /// The line's bytes.
    pub text: &'a [u8],
}

/// Builds [`HitRecord`]s.
pub struct Enricher<'p> {
    plan: &'p Plan,
    /// The plan's fields (for `matched`).
    fields: Resolver,
    /// `Computer`, `EventRecordID`.
    meta: Resolver,
    clock: EventClock,
}

/// An [`EventSource`] over a parsed event.
struct Parsed<'a> {
    root: &'a Json,
    layout: Layout,
    resolver: &'a Resolver,
}

impl EventSource for Parsed<'_> {
    fn field(&self, id: FieldId) -> Option<&Json> {
        self.resolver.lookup(self.root, self.layout, id)
    }
    fn any_string(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        any_string(self.root, f)
    }
}

fn non_empty_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<'p> Enricher<'p> {
    /// `field_map` is `--field-map`, `time_field` `--time-field`.
    pub fn new(plan: &'p Plan, field_map: &FieldMap, time_field: Option<&str>) -> Enricher<'p> {
        Enricher {
            plan,
            fields: Resolver::new(&plan.fields, field_map),
            meta: Resolver::new(
                &["Computer".to_string(), "EventRecordID".to_string()],
                field_map,
            ),
            clock: EventClock::new(time_field, field_map),
        }
    }

    /// The event time (for `--from`/`--to`).
    pub fn time(&self, event: &ParsedEvent) -> Option<Nanos> {
        self.clock.time(event)
    }

    /// Storage for the views of [`Enricher::view`], one line at a time.
    pub fn fields(&self) -> Fields {
        Fields::new(self.plan.fields.len())
    }

    /// A view of a hit's `line` for [`EventRef::Line`]; `fields` must have
    /// been reset since its last line (its values are shared by the hits of
    /// one line).
    pub fn view<'a>(&'a self, line: &'a str, fields: &'a Fields) -> View<'a> {
        View::new(line, &self.fields, fields)
    }

    /// The record of one hit; `event` is its parsed line (`None` when the
    /// line does not parse: then only the rule and location are known).
    pub fn record<'a>(
        &self,
        input: &'a Input,
        hit: &'a Hit<'a>,
        event: Option<EventRef<'_>>,
    ) -> HitRecord<'a> {
        let meta = &hit.rule.meta;
        let (tactics, techniques) = attack_of(&meta.tags);
        let mut rec = HitRecord {
            file: &input.name,
            line: hit.line,
            offset: hit.offset,
            rule: meta,
            tactics,
            techniques: techniques.iter().map(|t| t.to_ascii_uppercase()).collect(),
            time: None,
            host: None,
            channel: None,
            event_id: None,
            // An `.evtx` input's record number, from the record's header.
            record_id: hit.record_id.map(Json::from),
            matched: Vec::new(),
            text: hit.text,
        };
        let parsed;
        let source: &dyn EventSource = match event {
            None => return rec,
            Some(EventRef::Parsed(ev)) => {
                rec.time = self.clock.time(ev);
                rec.host = host_of(&self.meta, COMPUTER, ev);
                rec.record_id = rec.record_id.take().or_else(|| {
                    self.meta
                        .lookup(&ev.root, ev.layout, RECORD_ID)
                        .or_else(|| ev.root.get("winlog")?.get("record_id"))
                        .filter(|v| v.is_number() || v.is_string())
                        .cloned()
                });
                parsed = Parsed {
                    root: &ev.root,
                    layout: ev.layout,
                    resolver: &self.fields,
                };
                &parsed
            }
            // The same reads as above, each from the raw line where the
            // view can, from the parsed line where it cannot.
            Some(EventRef::Line(view)) => {
                rec.time =
                    EventClock::time_of_value(view.lookup(self.clock.resolver(), 0).as_ref());
                rec.host = view
                    .lookup(&self.meta, COMPUTER)
                    .or_else(|| {
                        (view.layout() == Some(Layout::Ecs))
                            .then(|| view.at(&["host", "hostname"]))
                            .flatten()
                    })
                    .as_ref()
                    .and_then(non_empty_text);
                rec.record_id = rec.record_id.take().or_else(|| {
                    view.lookup(&self.meta, RECORD_ID)
                        .or_else(|| view.at(&["winlog", "record_id"]))
                        .filter(|v| v.is_number() || v.is_string())
                });
                view
            }
        };
        rec.channel = source
            .field(crate::compile::CHANNEL)
            .and_then(non_empty_text);
        rec.event_id = source
            .field(crate::compile::EVENT_ID)
            .and_then(gate_event_id);
        let gate = gate_inputs(source);
        rec.matched = hit
            .rule
            .explain_match(source, &gate)
            .into_iter()
            .map(|m| Matched {
                search: m.search,
                field: m
                    .field
                    .and_then(|f| self.plan.fields.get(f as usize).cloned()),
                value: m.value.map(cap_value),
            })
            .collect();
        rec
    }
}

/// The longest `matched` value written, in characters: a 4104 script block
/// can be megabytes, and `event` (or the input) holds it whole.
pub const MAX_MATCHED_VALUE: usize = 1024;

fn cap_value(v: String) -> String {
    match v.char_indices().nth(MAX_MATCHED_VALUE) {
        Some((cut, _)) => {
            let mut v = v;
            v.truncate(cut);
            v.push('…');
            v
        }
        None => v,
    }
}

/// The event's host: `Computer` as the scan resolves fields (evtx_dump
/// `Event.System.Computer`, ECS `host.name`, flat `Computer`/`Hostname`),
/// then ECS `host.hostname`. Shared with the summary's host table.
pub(crate) fn host_of(resolver: &Resolver, id: FieldId, event: &ParsedEvent) -> Option<String> {
    let (root, layout) = (&event.root, event.layout);
    let v = resolver.lookup(root, layout, id).or_else(|| {
        (layout == Layout::Ecs)
            .then(|| root.get("host")?.get("hostname"))
            .flatten()
    })?;
    non_empty_text(v)
}

impl HitRecord<'_> {
    /// `field: value` pairs of `matched`, joined with ` ¦ ` (Hayabusa's
    /// Details separator), for CSV and the table.
    pub fn details(&self) -> String {
        let mut out = String::new();
        for (k, m) in self.matched.iter().enumerate() {
            if k > 0 {
                out.push_str(" ¦ ");
            }
            out.push_str(m.field.as_deref().unwrap_or("keyword"));
            out.push_str(": ");
            out.push_str(m.value.as_deref().unwrap_or("(none)"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_matched_values_are_cut_on_a_character_boundary() {
        let short = "é".repeat(MAX_MATCHED_VALUE);
        assert_eq!(cap_value(short.clone()), short);
        let long = "é".repeat(MAX_MATCHED_VALUE + 1);
        let cut = cap_value(long);
        assert_eq!(cut.chars().count(), MAX_MATCHED_VALUE + 1);
        assert!(cut.ends_with("é…"));
    }
}
