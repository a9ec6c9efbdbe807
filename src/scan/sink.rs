//! The contract between the scan loop and whatever consumes its results.
//!
//! The scanner pushes results into a [`HitSink`] on the calling thread, in
//! input order (input, then line, then rule id), whatever the thread count:
//! the sink never sees workers, chunks or prefilter state. A sink that
//! returns an error from [`HitSink::hit`] stops the scan (a closed pipe).
//! Every line is accounted for in [`Counts`]: `lines = events +
//! invalid_lines + empty_lines`, per input and in total.

use std::io;

use super::Input;
use crate::compile::CompiledRule;
use crate::event::ParsedEvent;
use crate::event::view::EventRef;

/// Line accounting for one input or a whole scan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Decoded bytes scanned.
    pub bytes: u64,
    /// Lines (a last line without `\n` counts).
    pub lines: u64,
    /// Lines holding an event (not empty, not invalid).
    pub events: u64,
    /// Lines that are not a JSON object.
    pub invalid_lines: u64,
    /// Empty or whitespace-only lines.
    pub empty_lines: u64,
    /// Lines the prefilter passed (or all lines without one) that were parsed.
    pub candidate_lines: u64,
    /// (event, rule) hits.
    pub hits: u64,
    /// Candidate events the scan's event filter (`--from`/`--to`) kept from
    /// rule evaluation.
    pub filtered_events: u64,
}

impl Counts {
    /// Adds `o` to these counts.
    pub fn add(&mut self, o: &Counts) {
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.events += o.events;
        self.invalid_lines += o.invalid_lines;
        self.empty_lines += o.empty_lines;
        self.candidate_lines += o.candidate_lines;
        self.hits += o.hits;
        self.filtered_events += o.filtered_events;
    }
}

/// What is known about one input when it is finished.
#[derive(Clone, Debug, Default)]
pub struct InputSummary {
    /// Line accounting.
    pub counts: Counts,
    /// Bytes read from disk (compressed size for compressed inputs).
    pub raw_bytes: u64,
    /// `gzip`/`zstd` when compressed; `evtx` for an EVTX input (its
    /// `bytes` count the decoded JSON, `raw_bytes` the file).
    pub compression: Option<&'static str>,
    /// Why reading stopped early, if it did.
    pub error: Option<String>,
    /// Damage found in a container input (EVTX) that did not stop the scan.
    pub damage: super::evtx::Damage,
}

/// One hit as the sink sees it.
pub struct Hit<'a> {
    /// 1-based line number in the input.
    pub line: u64,
    /// Byte offset of the line's start in the (decoded) input.
    pub offset: u64,
    /// The rule.
    pub rule: &'a CompiledRule,
    /// The rule's index in the plan the scanner runs (`Plan::rules`).
    pub rule_index: usize,
    /// The line's bytes (without the newline or a trailing `\r`).
    pub text: &'a [u8],
    /// For `.evtx` inputs, the record number in the record's header (see
    /// [`super::evtx`]); `None` otherwise.
    pub record_id: Option<u64>,
    /// The line as parsed by the worker that found the hit, when the scan's
    /// [`HitPrep`] keeps it for the sink; `None` otherwise (a sink that
    /// needs it then parses the line itself).
    pub event: Option<&'a ParsedEvent>,
    /// What the scan's [`HitPrep`] wrote for this hit on its worker. `None`
    /// without a `HitPrep`, or when the sink's thread had time for the hit.
    pub prepared: Option<PreparedText<'a>>,
}

/// A hit's text written by the scan's [`HitPrep`]: before the hit's line
/// number, and after it.
pub type PreparedText<'a> = (&'a [u8], &'a [u8]);

/// Work on each hit that the worker that found it does, before the hits are
/// put back in input order: parsing the hit's line and writing its record,
/// on every core instead of on the one thread that feeds the sink. A worker
/// does it only while that thread is behind (a result waits for it);
/// otherwise the sink gets the hit unprepared and does the work itself, on
/// a core the workers leave idle.
///
/// PERF: a scan hitting 98,814 of Mordor's lines (every Security event)
/// took 0.73 s on one worker and on two alike: the sink's thread parsed and
/// wrote every record, 7 µs a hit, while the workers waited for it. Two
/// workers now take 0.63 s; one still 0.69 s, since its sink's thread keeps
/// up and runs beside it.
pub trait HitPrep: Sync {
    /// Writes what the sink needs of `hit` to `out` and returns how many of
    /// the bytes written go before the hit's line number, which is not known
    /// yet (`hit.line` is 0): only the ordered stream knows how many lines
    /// came before the chunk. `event` is the hit's line: parsed in full
    /// where [`HitPrep::keeps_event`] asks for that anyway, else a view of
    /// it over the plan's fields; `None` if it is not a JSON object.
    fn prepare(
        &self,
        input: &Input,
        hit: &Hit<'_>,
        event: Option<EventRef<'_>>,
        out: &mut Vec<u8>,
    ) -> usize;
    /// Whether the sink reads `hit`'s parsed event too: it then travels with
    /// the hit ([`Hit::event`]) instead of being parsed again.
    fn keeps_event(&self, hit: &Hit<'_>) -> bool;
    /// Whether the workers prepare every hit, not only while the sink's
    /// thread is behind: for tests and benchmarks, which then take the
    /// prepared path on every chunk whatever the timing.
    fn every_hit(&self) -> bool {
        false
    }
}

/// Receives results in input order.
pub trait HitSink {
    /// One (event, rule) hit. An error stops the scan (a closed pipe, say).
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()>;
    /// A line that is not a JSON object.
    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str);
    /// An input is finished.
    fn input_done(&mut self, input: &Input, summary: &InputSummary);
    /// A chunk of `bytes` (decoded) was scanned; for progress reporting.
    fn chunk_done(&mut self, _bytes: u64) {}
}

/// A consumer of hits that watches the stream beside the output: progress,
/// messages, statistics, summaries, correlations. One pass-through adapter
/// (`output::Tap`) drives any number of them in front of the output sink,
/// so none has to forward the [`HitSink`] calls of the others, and a hit
/// line is parsed once for all observers that read its fields.
pub trait HitObserver {
    /// Whether this observer reads `hit`'s event (then it is parsed, once
    /// for all observers, and given to [`HitObserver::hit`]).
    fn needs_event(&self, _hit: &Hit<'_>) -> bool {
        false
    }
    /// One hit, before the output sees it. `event` is the parsed line when
    /// any observer asked for it (`None` too if the line does not parse).
    fn hit(&mut self, input: &Input, hit: &Hit<'_>, event: Option<&ParsedEvent>);
    /// Whether `hit` goes on to the output (correlations withhold the hits
    /// of rules that `generate: false` keeps quiet).
    fn passes(&self, _hit: &Hit<'_>) -> bool {
        true
    }
    /// A line that is not a JSON object.
    fn invalid_line(&mut self, _input: &Input, _line: u64, _reason: &str) {}
    /// An input is finished.
    fn input_done(&mut self, _input: &Input, _summary: &InputSummary) {}
    /// A chunk of `bytes` (decoded) was scanned.
    fn chunk_done(&mut self, _bytes: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_every_field() {
        let one = Counts {
            bytes: 1,
            lines: 2,
            events: 3,
            invalid_lines: 4,
            empty_lines: 5,
            candidate_lines: 6,
            hits: 7,
            filtered_events: 8,
        };
        let mut sum = one;
        sum.add(&one);
        assert_eq!(
            sum,
            Counts {
                bytes: 2,
                lines: 4,
                events: 6,
                invalid_lines: 8,
                empty_lines: 10,
                candidate_lines: 12,
                hits: 14,
                filtered_events: 16,
            }
        );
    }
}
