//! sigscan runs Sigma detection rules over newline-delimited JSON event dumps
//! at close to memory speed.
//!
//! The pipeline, each stage built from the previous one's output:
//!
//! 1. [`sigma`]: YAML rule files → rule model ([`sigma::RuleSet`]), with
//!    diagnostics instead of failures.
//! 2. [`compile`]: rule model → [`compile::Plan`]: exact matchers, logsource
//!    gates, and the literals every match must contain.
//! 3. [`prefilter`]: one multi-literal automaton over all rules (Hyperscan or
//!    pure Rust) that finds candidate lines in whole chunks.
//! 4. [`event`]: field access on one JSON line across layouts.
//! 5. [`scan`]: inputs, chunks, workers, exact evaluation of candidates, hits
//!    in input order into a [`scan::HitSink`].
//! 6. [`correlate`]: Sigma correlation rules, an observer of the hit stream.
//! 7. [`output`]: every consumer of hits (JSON Lines records, messages,
//!    stats, summary, progress) behind one adapter, [`output::Tap`].
//!
//! Beside the pipeline, [`intel`] reports what a compiled rule set looks
//! for (stages, indicators with corpus counts, ATT&CK and event coverage),
//! and [`cli`] turns command-line arguments into these calls and their
//! outcome into an exit status.
//!
//! # Example
//!
//! ```
//! use sigscan::compile::{CompileOptions, Plan};
//! use sigscan::sigma::RuleSet;
//!
//! let mut set = RuleSet::default();
//! set.load_text(std::path::Path::new("inline.yml"), "
//! title: Example
//! logsource: {product: windows, category: ps_script}
//! detection:
//!   selection:
//!     ScriptBlockText|contains: VirtualAlloc
//!   condition: selection
//! ");
//! let plan = Plan::from_rules(&set, &CompileOptions::default());
//! assert_eq!(plan.rules.len(), 1);
//! assert!(plan.literals.contains(&b"virtualalloc".to_vec()));
//! ```
//!
//! # Crate features
//!
//! - `hyperscan` (off by default): the Hyperscan prefilter engine, linked
//!   against the system's libhyperscan (`apt-get install libhyperscan-dev`).
//!   The pure-Rust engine is always built.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod cli;
pub mod compile;
pub mod correlate;
pub mod event;
pub mod intel;
pub mod output;
mod par;
pub mod prefilter;
pub mod scan;
pub mod sigma;
