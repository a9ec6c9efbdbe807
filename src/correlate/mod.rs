//! Correlation rules (Sigma 2, ../shared/SIGMA.md §3), evaluated on the hit
//! stream after the scan.
//!
//! Base-rule hits are a tiny fraction of the input, so correlations never
//! look at the raw events again: [`Correlator`] watches the hit stream (a
//! [`HitObserver`](crate::scan::HitObserver)), and for each hit of a rule
//! some correlation refers to, reads that one line (parsed once for all
//! observers) and keeps a small tuple (event time, the
//! group-by values, the aggregated value, a (file, line) reference). When
//! the scan ends the tuples are sorted per group by time (input order across
//! files and threads is not time order) and the windows are searched
//! (`window.rs` documents the sliding-window policy; `collect.rs` holds the
//! stream side, `plan.rs` the resolution). Memory is therefore
//! bounded by the hits of referenced rules, not by the input.
//!
//! [`CorrelationPlan::build`] resolves what a single document cannot check
//! (`sigma::correlation` parses the documents): rule references by `id` or
//! `name` (unknown, ambiguous, or a rule that did not load), aliases naming
//! rules the correlation does not list, loops in correlation chains, and
//! group-by fields an inner correlation's hits do not carry. A failed
//! correlation is a [`Diagnostic`](crate::sigma::Diagnostic) like a failed rule, and so is any
//! correlation that depends on it.
//!
//! # `generate`
//!
//! A rule or correlation that some loaded correlation refers to reports on
//! its own only if at least one of the correlations referring to it says
//! `generate: true`. So with the default (`generate: false`) the plain hits
//! of the base rules are not written (they are still counted in `hits`, and
//! in `suppressed_hits` of the stats), and neither are the records of inner
//! correlations of a chain. An explicit `true` wins over the default
//! because it is a request for those hits; pySigma, converting queries,
//! disables a rule as soon as any correlation says `false`.
//!
//! # Correlations of correlations
//!
//! A hit of an inner correlation enters the outer one at the moment its
//! condition first held (`fired_at` of its record), carrying its group-by
//! values as its fields: the outer correlation's group-by fields (and
//! `field`), after aliases, must be among the inner one's group-by names.
//! The contributing events of an outer record are the base events of its
//! inner hits.

pub mod clock;
mod collect;
mod plan;
pub mod time;
pub mod window;

use std::sync::Arc;

use serde::Serialize;

pub use collect::Correlator;
pub use plan::{CompiledCorrelation, CorrelationPlan};
use time::Nanos;

/// One contributing event of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordEvent {
    /// The input, as named in hit records.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u64,
    /// The base rule that matched it.
    pub rule_id: Arc<str>,
}

/// One correlation hit, as written (see `output::correlation_record`).
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationRecord {
    /// The correlation's id (else name, else title).
    pub rule_id: Arc<str>,
    /// Its title.
    pub title: Arc<str>,
    /// Its level (empty when unset).
    pub level: Arc<str>,
    /// `event_count`, `value_count`, ...
    pub correlation_type: &'static str,
    /// Group-by name → value (`None`: the field was missing or null).
    pub group: Vec<(Arc<str>, Option<String>)>,
    /// Time of the first hit of the window (an inner correlation's hit is
    /// at its `fired_at`).
    pub window_start: Nanos,
    /// Time of the last hit of the window.
    pub window_end: Nanos,
    /// Time of the event at which the condition first held.
    pub fired_at: Nanos,
    /// The aggregate over the window.
    pub value: f64,
    /// Contributing events, by time then input order.
    pub events: Vec<RecordEvent>,
}

/// Counters for `--stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CorrelationStats {
    /// Correlations loaded.
    pub correlations: u64,
    /// Hits of referenced rules kept for correlation (one per correlation fed).
    pub buffered_hits: u64,
    /// Hits of referenced rules whose event had no parseable time.
    pub untimed_hits: u64,
    /// Hits left out of a value_* correlation for lack of a (numeric) value.
    pub hits_without_value: u64,
    /// Plain hits not written because of `generate: false`.
    pub suppressed_hits: u64,
    /// Correlation records written.
    pub records: u64,
}

/// What the correlations found.
#[derive(Debug, Default)]
pub struct CorrelationReport {
    /// Records to write, ordered by window start, window end, rule id, group.
    pub records: Vec<CorrelationRecord>,
    /// Counters.
    pub stats: CorrelationStats,
}
