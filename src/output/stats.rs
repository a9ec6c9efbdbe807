//! The `--stats` object, and the per-input tally it is made from.

use serde::Serialize;

use crate::event::ParsedEvent;
use crate::scan::{Counts, Hit, HitObserver, Input, InputSummary};

/// Keeps every input's summary as it finishes, in input order.
#[derive(Debug, Default)]
pub struct InputTally {
    /// (input name, summary), in order.
    pub inputs: Vec<(String, InputSummary)>,
    /// Inputs that ended with a read error.
    pub read_errors: u64,
    /// Inputs read to the end with damage on the way (EVTX).
    pub damaged_inputs: u64,
    /// `.evtx` inputs whose log was not closed cleanly.
    pub dirty_inputs: u64,
}

impl HitObserver for InputTally {
    fn hit(&mut self, _input: &Input, _hit: &Hit<'_>, _event: Option<&ParsedEvent>) {}

    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        if summary.error.is_some() {
            self.read_errors += 1;
        }
        if summary.damage.count > 0 {
            self.damaged_inputs += 1;
        }
        if summary.damage.dirty {
            self.dirty_inputs += 1;
        }
        self.inputs.push((input.name.clone(), summary.clone()));
    }
}

/// Per-input entry of the stats object.
#[derive(Serialize)]
pub struct InputStats<'a> {
    /// Input name.
    pub file: &'a str,
    /// Decoded bytes.
    pub bytes: u64,
    /// Bytes read from disk.
    pub raw_bytes: u64,
    /// Compression, if any.
    pub compression: Option<&'a str>,
    /// Lines.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Invalid lines.
    pub invalid_lines: u64,
    /// Empty lines.
    pub empty_lines: u64,
    /// Hits.
    pub hits: u64,
    /// Read error, if any.
    pub error: Option<&'a str>,
    /// Damage that did not stop the scan (EVTX): problems found.
    #[serde(skip_serializing_if = "is_zero")]
    pub damage: u64,
    /// EVTX: the log was not closed cleanly (every record was still read).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
    /// The first damage notes (and the dirty flag's), each naming the chunk.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub damage_notes: &'a [String],
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The `--stats` object.
#[derive(Serialize)]
pub struct Stats<'a> {
    /// Inputs scanned.
    pub files: u64,
    /// Decoded bytes.
    pub bytes: u64,
    /// Lines.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Invalid lines.
    pub invalid_lines: u64,
    /// Empty lines.
    pub empty_lines: u64,
    /// Inputs that could not be read completely.
    pub unreadable_inputs: u64,
    /// Inputs read to the end, with damage on the way (EVTX: damaged
    /// chunks or records, truncation, no records).
    pub damaged_inputs: u64,
    /// `.evtx` inputs whose log was not closed cleanly (every record read).
    pub dirty_inputs: u64,
    /// Rules compiled.
    pub rules_loaded: u64,
    /// Rule documents that failed to load or compile.
    pub rules_skipped: u64,
    /// Rules and correlations the selection flags left out (documents in
    /// skipped `deprecated`/`unsupported` folders are not counted: they are
    /// never read).
    pub rules_unselected: u64,
    /// Hits reported (after `--from`/`--to`).
    pub hits: u64,
    /// Hits left out by `--from`/`--to` on the hit stream (not in `hits`;
    /// the per-input `hits` count them). 0 unless the workers could not
    /// read an event's time where the hit stream could.
    pub hits_outside_window: u64,
    /// Candidate events `--from`/`--to` kept from rule evaluation in the
    /// workers.
    pub events_outside_window: u64,
    /// Wall time.
    pub elapsed_s: f64,
    /// Prefilter engine.
    pub engine: &'a str,
    /// Worker threads.
    pub threads: usize,
    /// Lines parsed and evaluated.
    pub candidate_lines: u64,
    /// Rules with no literal (evaluated on every line).
    pub always_eval_rules: u64,
    /// Prefilter literals.
    pub literals: u64,
    /// Logsource routes built (distinct rule sets admitted by the
    /// channel/EventID keys met; 0 when routing is off).
    pub routes: u64,
    /// Decoded gigabytes (10^9) per second.
    pub gb_per_s: f64,
    /// The hit record format version.
    pub schema_version: u32,
    /// The rule-set hash written into every hit record.
    pub ruleset_hash: &'a str,
    /// Per input.
    pub inputs: Vec<InputStats<'a>>,
    /// Correlation counters, when any correlation loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlations: Option<crate::correlate::CorrelationStats>,
}

impl<'a> Stats<'a> {
    /// Per-input stats from the tally's summaries.
    pub fn inputs_from(list: &'a [(String, InputSummary)]) -> Vec<InputStats<'a>> {
        list.iter()
            .map(|(name, s)| InputStats {
                file: name,
                bytes: s.counts.bytes,
                raw_bytes: s.raw_bytes,
                compression: s.compression,
                lines: s.counts.lines,
                events: s.counts.events,
                invalid_lines: s.counts.invalid_lines,
                empty_lines: s.counts.empty_lines,
                hits: s.counts.hits,
                error: s.error.as_deref(),
                damage: s.damage.count,
                dirty: s.damage.dirty,
                damage_notes: &s.damage.notes,
            })
            .collect()
    }
}

/// Decoded gigabytes (10^9) per second.
pub fn gb_per_s(c: &Counts, secs: f64) -> f64 {
    if secs > 0.0 {
        c.bytes as f64 / 1e9 / secs
    } else {
        0.0
    }
}
