//! Everything that consumes the scan's results, each a [`HitSink`] or a
//! [`HitObserver`](crate::scan::HitObserver) driven by the one pass-through
//! adapter [`Tap`]:
//!
//! - [`jsonl`]: the hit records (the output, a [`HitWriter`] in JSONL, CSV
//!   or table form) and, after them, the correlation records
//!   ([`correlation`]); [`record`] computes what a hit record says about
//!   the event (time, host, matched fields);
//! - [`messages`]: invalid lines and unreadable inputs, as they are met;
//! - [`stats`]: the per-input tally and the `--stats` object;
//! - [`summary`]: hits per rule, level, ATT&CK tactic/technique, host and
//!   hour, rendered as text, JSON or a one-page HTML report ([`html`]);
//! - [`progress`]: the progress line on a terminal;
//! - [`table`]: aligned text tables for the reports.
//!
//! Invariant: nothing here knows how hits were found, and nothing here
//! opens a file or names stdout/stderr: writers are handed in by the
//! command line (`cli`).
//!
//! [`HitSink`]: crate::scan::HitSink

pub mod correlation;
pub mod html;
pub mod jsonl;
pub mod messages;
pub mod progress;
pub mod record;
pub mod stats;
pub mod summary;
pub mod table;
pub mod tap;
pub mod window;

pub use jsonl::{Format, HitWriter, JsonlSink};
pub use messages::Messages;
pub use progress::Progress;
pub use stats::{InputTally, Stats, gb_per_s};
pub use table::Table;
pub use tap::Tap;

/// Version of the hit record format (the `schema_version` of every record).
pub const SCHEMA_VERSION: u32 = 2;

fn write_json_str(buf: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *buf, s).expect("BUG: writing to a Vec cannot fail");
}
