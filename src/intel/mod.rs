//! Rule intelligence: what a loaded rule set looks for, and what a scan found.
//!
//! Analysts read a rule as its ATT&CK coverage, the events it needs, its
//! condition broken into stages and predicates, and its indicators (field,
//! operator, value) with a *corpus count*: how many rules of the catalog look
//! for the same combination. After compiling a rule set sigscan knows all of
//! this, so these modules expose it:
//!
//! - [`explain`]: one rule's stages and predicates, logsource, and what it
//!   compiles to (gate, prefilter literals, whether it is always evaluated
//!   and why), read from the compiled [`Plan`](crate::compile::Plan) rather than recomputed.
//! - [`indicators`]: (field, operator, value) rows with corpus counts over
//!   the loaded set; the most shared indicators of the whole set.
//! - [`coverage`]: ATT&CK tactics and techniques (from tags) and event
//!   coverage (logsources, channels, EventIDs) with rule counts.
//! - [`describe`]: the prose for a compiled rule's gate and prefilter guard
//!   (`rules check`, `rules explain`).
//!
//! Everything here is fed from a [`Catalog`]: the parsed
//! [`RuleSet`](crate::sigma::RuleSet) and its [`Plan`](crate::compile::Plan),
//! each compiled rule paired with the Sigma rule it came from.
//!
//! Invariant: pure reports. Nothing here reads files, prints, or affects what
//! a scan matches; the command line (`cli::rules`) loads rules and writes
//! the reports. A scan's hit summary is an output sink
//! ([`crate::output::summary`]).

mod catalog;
pub mod coverage;
pub mod describe;
pub mod explain;
pub mod indicators;

pub use catalog::Catalog;
