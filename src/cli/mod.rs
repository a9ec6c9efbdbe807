//! The command layer: the only place that knows exit statuses, stdout and
//! stderr, and the files a command writes. `main.rs` parses flags with clap
//! into the argument structs defined here and calls [`scan::run`] or
//! [`rules`]; each command validates its arguments once, calls the library
//! (sigma → compile → scan → output, or intel) and turns the outcome into an
//! [`ExitStatus`].

pub mod atomic;
pub mod globs;
pub mod rules;
pub mod scan;
pub mod select;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::compile::{CompileOptions, Plan};
use crate::sigma::maps::read_string_map;
use crate::sigma::{Diagnostic, RuleSet};

/// How a command ended (a contract for scripts and drivers; see the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the work completed and all input was read.
    Ok,
    /// 1: it completed, but some input was unreadable or invalid (for `rules
    /// check`: some rule failed).
    Partial,
    /// 2: fatal: no usable rule, bad arguments, an unwritable output.
    Fatal,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Partial => 1,
            ExitStatus::Fatal => 2,
        }
    }
}

/// A fatal error of a command: printed as `sigscan: MESSAGE`, exit 2.
#[derive(Debug)]
pub struct Fatal(pub String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Fatal {
        Fatal(e.to_string())
    }
}

/// Prints a fatal error and gives its status.
pub(crate) fn fail(e: Fatal) -> ExitStatus {
    eprintln!("sigscan: {}", e.0);
    ExitStatus::Fatal
}

/// Settings shared by the commands that load rules.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RuleFlags {
    /// YAML map of `expand` placeholder values (name: value or list).
    #[arg(long, value_name = "FILE")]
    pub placeholders: Option<PathBuf>,
    /// Match detections only, ignoring each rule's logsource.
    #[arg(long)]
    pub no_logsource: bool,
    /// Rule selection (level, status, tags, names).
    #[command(flatten)]
    pub select: select::SelectFlags,
}

/// Rules loaded and compiled, with what loading them needed.
pub struct LoadedRules {
    /// The parsed rules.
    pub set: RuleSet,
    /// The compiled plan.
    pub plan: Plan,
    /// The placeholder values (part of the rule-set hash).
    pub placeholders: HashMap<String, Vec<String>>,
    /// The selection applied (part of the rule-set hash).
    pub selection: select::RuleSelection,
    /// What the selection left out.
    pub unselected: select::Unselected,
}

impl LoadedRules {
    /// The rule-set hash of what was loaded and selected.
    pub fn ruleset_hash(&self, no_logsource: bool) -> String {
        let h = crate::sigma::digest::ruleset_hash(&self.set, no_logsource, &self.placeholders);
        self.selection.mix_into_hash(h)
    }
}

/// Loads the rules under `paths`, keeps those the selection flags select,
/// and compiles them. Errors in individual rules are diagnostics in the set
/// and plan; an unreadable placeholder file or rule list is fatal. Rule
/// names of `--exclude-rule`/`--rule-list` that match no rule are noted on
/// stderr (a typo should not pass silently, nor stop a scan). Parses and
/// compiles on at most `threads` threads (`None`: one per core).
pub fn load_rules(
    paths: &[PathBuf],
    flags: &RuleFlags,
    threads: Option<usize>,
) -> Result<LoadedRules, Fatal> {
    let placeholders = match &flags.placeholders {
        Some(p) => read_string_map(p)?,
        None => HashMap::new(),
    };
    let selection = select::RuleSelection::from_flags(&flags.select)?;
    let mut unselected = select::Unselected::default();
    let mut set = selection.load(paths, threads, &mut unselected);
    selection.apply(&mut set, &mut unselected);
    for n in &unselected.unmatched_names {
        eprintln!("sigscan: note: rule {n:?} (--exclude-rule/--rule-list) matches no loaded rule");
    }
    let copts = CompileOptions {
        placeholders,
        no_logsource: flags.no_logsource,
        threads,
    };
    let plan = Plan::from_rules(&set, &copts);
    Ok(LoadedRules {
        set,
        plan,
        placeholders: copts.placeholders,
        selection,
        unselected,
    })
}

/// Prints a rule diagnostic as `sigscan: FILE:LINE: … (what)`.
fn print_diag(what: &str, d: &Diagnostic) {
    eprintln!("sigscan: {d} ({what})");
}
