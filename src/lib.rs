//! sigscan: runs Sigma detection rules over newline-delimited JSON event dumps.
#![deny(missing_docs)]

pub mod prefilter;
