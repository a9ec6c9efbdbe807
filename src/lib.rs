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
//!    in input order.
//! 6. [`correlate`]: Sigma correlation rules over the hits, after the scan.
//! 7. [`output`]: JSON Lines hit and correlation records, and stats.
//!
//! Beside the pipeline, [`intel`] reads a compiled rule set the way an
//! analyst does (stages, indicators with corpus counts, ATT&CK and event
//! coverage) and summarises a scan's hits.
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

pub mod commands;
pub mod compile;
pub mod correlate;
pub mod event;
pub mod intel;
pub mod output;
pub mod prefilter;
pub mod scan;
pub mod sigma;
