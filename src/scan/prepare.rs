//! Per-hit work done where the hit was found ([`HitPrep`]): the worker that
//! scanned a chunk parses each of its hit lines once and lets the scan's
//! `HitPrep` write each hit's record, so that the thread putting results
//! back in order only copies them out.
//!
//! Why here and not in the sink: the sink runs on one thread for the whole
//! scan, so whatever it does per hit bounds the scan's speed however many
//! workers there are (see [`HitPrep`] for what that cost). What the workers
//! cannot know is each hit's line number (the lines of the chunks before),
//! so a prepared record comes in two parts, before and after it.

use std::ops::Range;

use super::chunk::ChunkOut;
use super::sink::PreparedText;
use super::{Hit, HitPrep, Input};
use crate::compile::Plan;
use crate::event::view::{EventRef, Fields, View, line_text};
use crate::event::{ParsedEvent, Resolver};

/// The prepared hits of one chunk, in the order of `ChunkOut::hits`.
#[derive(Default)]
pub(super) struct Prepared {
    /// Every hit's prepared text, one after another.
    text: Vec<u8>,
    hits: Vec<PreparedHit>,
    /// The parsed lines the sink reads too ([`HitPrep::keeps_event`]).
    events: Vec<ParsedEvent>,
}

struct PreparedHit {
    /// The text before the line number, and after it, in `text`.
    head: Range<usize>,
    tail: Range<usize>,
    /// Its line, parsed, in `events`.
    event: Option<usize>,
}

impl Prepared {
    /// Prepares every hit of `out` (a chunk of `input`) with `prep`;
    /// `resolver` resolves the plan's fields (the scan's own), `fields` is
    /// the worker's storage for its views.
    pub(super) fn of(
        out: &ChunkOut,
        input: &Input,
        plan: &Plan,
        prep: &dyn HitPrep,
        resolver: &Resolver,
        fields: &mut Fields,
    ) -> Prepared {
        let mut p = Prepared::default();
        let mut k = 0;
        while k < out.hits.len() {
            // The hits of one line are next to each other: it is read once,
            // in full only if the sink reads its parsed event too.
            let rel = out.hits[k].0;
            let end = k + out.hits[k..].iter().take_while(|h| h.0 == rel).count();
            let line = out.hit(k, 0, plan).text;
            let keep = (k..end).any(|j| prep.keeps_event(&out.hit(j, 0, plan)));
            let event = keep.then(|| ParsedEvent::parse(line)).flatten();
            let mut lossy = String::new();
            let view;
            let read = if keep {
                event.as_ref().map(EventRef::Parsed)
            } else {
                // The worker validated the line as this text, as a view
                // requires.
                fields.reset();
                view = View::new(line_text(line, &mut lossy), resolver, fields);
                Some(EventRef::Line(&view))
            };
            for j in k..end {
                let hit = out.hit(j, 0, plan);
                let start = p.text.len();
                let split = prep
                    .prepare(input, &hit, read, &mut p.text)
                    .min(p.text.len() - start);
                p.hits.push(PreparedHit {
                    head: start..start + split,
                    tail: start + split..p.text.len(),
                    event: None,
                });
            }
            if let Some(e) = event {
                p.events.push(e);
                let i = p.events.len() - 1;
                for h in &mut p.hits[k..end] {
                    h.event = Some(i);
                }
            }
            k = end;
        }
        p
    }

    /// Hit `k`'s parsed line (when kept) and prepared text, if prepared.
    pub(super) fn get(&self, k: usize) -> (Option<&ParsedEvent>, Option<PreparedText<'_>>) {
        match self.hits.get(k) {
            Some(h) => (
                h.event.map(|i| &self.events[i]),
                Some((&self.text[h.head.clone()], &self.text[h.tail.clone()])),
            ),
            None => (None, None),
        }
    }
}

impl ChunkOut {
    /// Hit `k` of this chunk, at `line` (its line number in the input).
    pub(super) fn hit<'a>(&'a self, k: usize, line: u64, plan: &'a Plan) -> Hit<'a> {
        let (rel, start, end, rule) = self.hits[k];
        // An EVTX line reports its record's place in the file.
        let record = self.records.get(rel as usize - 1);
        let (event, prepared) = self.prepared.get(k);
        Hit {
            line,
            offset: record.map_or(self.offset + start as u64, |r| r.offset),
            rule: &plan.rules[rule as usize],
            rule_index: rule as usize,
            text: &self.data.bytes()[start..end],
            record_id: record.map(|r| r.id),
            event,
            prepared,
        }
    }
}
