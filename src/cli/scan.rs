//! `sigscan scan`: arguments → one validated [`ScanJob`] → the sinks →
//! [`Scanner::scan`] → correlation records, summary, stats, exit status.
//!
//! Everything that can fail before the scan (rules, field map, inputs, the
//! output and summary files) fails in [`ScanJob::prepare`], so a long scan
//! never ends in a bad argument.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::atomic::{self, Output};
use super::globs::GlobFilter;
use super::{ExitStatus, Fatal, RuleFlags, fail, load_rules, print_diag};
use crate::compile::Plan;
use crate::correlate::clock::EventClock;
use crate::correlate::{CorrelationPlan, Correlator};
use crate::event::FieldMap;
use crate::event::view::EventRef;
use crate::output::jsonl::Records;
use crate::output::progress::Expected;
use crate::output::record::Enricher;
use crate::output::summary::Collector;
use crate::output::window::{TimeWindow, parse_bound};
use crate::output::{Format, InputTally, JsonlSink, Messages, Progress, Stats, Tap};
use crate::prefilter::EngineKind;
use crate::scan::{
    self, Counts, Hit, HitObserver, HitPrep, Input, ReadOptions, ScanOptions, Scanner,
};
use crate::sigma::maps::read_string_map;
use indicatif::{ProgressBar, ProgressDrawTarget};

/// Prefilter engine, as the command line names it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Engine {
    /// Hyperscan when compiled in, else the pure-Rust engine.
    Auto,
    /// Hyperscan (the `hyperscan` build).
    Hyperscan,
    /// The pure-Rust engine.
    Rust,
    /// No prefilter: every rule on every line (the reference).
    None,
}

impl From<Engine> for EngineKind {
    fn from(e: Engine) -> EngineKind {
        match e {
            Engine::Auto => EngineKind::Auto,
            Engine::Hyperscan => EngineKind::Hyperscan,
            Engine::Rust => EngineKind::Rust,
            Engine::None => EngineKind::None,
        }
    }
}

/// The flags of `sigscan scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// A rule file or directory (repeatable).
    #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// NDJSON inputs: files, directories, `-` for stdin; .gz/.zst decoded.
    #[arg(required_unless_present = "input_list", value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// More inputs, one path per line, from FILE (`-` = stdin).
    #[arg(long, value_name = "FILE")]
    pub input_list: Option<String>,
    /// Scan only shard K of N (0 <= K < N) of the inputs sorted by name.
    #[arg(long, value_name = "K/N", conflicts_with = "byte_range")]
    pub shard: Option<scan::select::Shard>,
    /// Scan only the lines that start in bytes [START, END) of the one input
    /// file (plain files; a compressed file belongs whole to the range of byte 0).
    #[arg(long, value_name = "START:END")]
    pub byte_range: Option<scan::range::ByteRange>,
    /// Under directory inputs, only files matching this glob (repeatable;
    /// `{a,b}`, `**`; a leading `!` excludes; without `/` it matches the
    /// file name, with `/` the path).
    #[arg(long, value_name = "PATTERN")]
    pub glob: Vec<String>,
    /// Match --glob patterns case-insensitively.
    #[arg(long)]
    pub glob_case_insensitive: bool,
    /// Prefilter engine.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: Engine,
    /// Worker threads (default: one per core); also the most threads the
    /// rules are parsed and compiled on.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Pin worker i to core i (off by default: two sigscan processes, shards
    /// or pods on one host would all pin to the same first cores).
    #[arg(long)]
    pub pin: bool,
    /// Accepted for compatibility: not pinning is now the default.
    #[arg(long, hide = true, conflicts_with = "pin")]
    pub no_pin: bool,
    /// Read files instead of memory-mapping them (safe for files that change).
    #[arg(long)]
    pub no_mmap: bool,
    /// Chunk size in bytes.
    #[arg(long, default_value_t = scan::DEFAULT_CHUNK, hide = true)]
    pub chunk_size: usize,
    /// Do not route lines by logsource (for benchmarks: what routing buys).
    #[arg(long, hide = true)]
    pub no_route: bool,
    /// Every hit's record written by its worker, not only while the thread
    /// that writes them is behind (for tests: that path whatever the timing).
    #[arg(long, hide = true)]
    pub prepare_hits: bool,
    /// Search for the rules' channel names before their literals: on, off,
    /// or on with the prefilter engine's own line finder (for benchmarks;
    /// by default on where the CPU runs AVX2, else with Hyperscan only).
    #[arg(long, hide = true, value_name = "on|off|engine", value_parser = ["on", "off", "engine"])]
    pub gate_first: Option<String>,
    /// Leave `event` out of hit records.
    #[arg(long)]
    pub no_event: bool,
    /// Only hits whose event time is at or after this (RFC 3339, or a date).
    #[arg(long, value_name = "TIME", value_parser = parse_bound)]
    pub from: Option<i64>,
    /// Only hits whose event time is before this (RFC 3339, or a date).
    #[arg(long, value_name = "TIME", value_parser = parse_bound)]
    pub to: Option<i64>,
    /// Output format (default: table when stdout is a terminal, else jsonl).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Print a JSON stats object on stderr at the end.
    #[arg(long)]
    pub stats: bool,
    /// YAML map: Sigma field → JSON path or list of paths (dotted).
    #[arg(long, value_name = "FILE")]
    pub field_map: Option<PathBuf>,
    /// Any rule error or duplicate rule id is fatal (exit 2), and so is a
    /// damaged or dirty .evtx input (checked after the scan; with --output
    /// nothing is written).
    #[arg(long)]
    pub strict: bool,
    /// Write hits to FILE (atomically: temporary file, then rename); `-` is stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No per-line error messages and no progress line on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Event time for correlation rules: a dotted JSON path (else a Sigma field name).
    #[arg(long, value_name = "PATH")]
    pub time_field: Option<String>,
    /// Rule loading.
    #[command(flatten)]
    pub rule_flags: RuleFlags,
    /// Print a summary on stderr at the end: hits per rule, level, ATT&CK
    /// tactic and technique, host.
    #[arg(long)]
    pub summary: bool,
    /// Write the same summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Write the summary as a one-page, self-contained HTML report to FILE
    /// (with a timeline of hits per hour).
    #[arg(long, value_name = "FILE")]
    pub summary_html: Option<PathBuf>,
}

/// A scan ready to run: every argument checked, every file opened.
pub struct ScanJob {
    args: ScanArgs,
    scanner: Scanner,
    correlations: CorrelationPlan,
    field_map: FieldMap,
    inputs: Vec<Input>,
    /// Inputs that could not be listed: (name, reason).
    list_errors: Vec<(String, String)>,
    /// Taken when the scan starts.
    output: Option<Output>,
    ruleset_hash: String,
    format: Format,
    /// `--from`/`--to`.
    window: Option<TimeWindow>,
    rules_skipped: u64,
    rules_unselected: u64,
    opts: ScanOptions,
}

impl ScanJob {
    /// Loads and compiles the rules, reads the maps, lists the inputs and
    /// opens the output. Rule errors are reported here (fatal with
    /// `--strict`).
    pub fn prepare(args: ScanArgs) -> Result<ScanJob, Fatal> {
        let loaded = load_rules(&args.rules, &args.rule_flags, args.threads)?;
        let ruleset_hash = loaded.ruleset_hash(args.rule_flags.no_logsource);
        let rules_unselected = loaded.unselected.documents as u64;
        let (set, plan) = (loaded.set, loaded.plan);
        let correlations = CorrelationPlan::build(&set, &plan, args.time_field.as_deref());
        for d in set
            .errors
            .iter()
            .chain(&plan.errors)
            .chain(&correlations.errors)
        {
            print_diag("rule skipped", d);
        }
        for d in set.duplicates.iter().chain(&plan.warnings) {
            print_diag("warning", d);
        }
        let rules_skipped =
            (set.errors.len() + plan.errors.len() + correlations.errors.len()) as u64;
        if args.strict && rules_skipped > 0 {
            return Err(Fatal(format!(
                "{rules_skipped} rule errors and --strict: stopping"
            )));
        }
        if args.strict && !set.duplicates.is_empty() {
            return Err(Fatal(format!(
                "{} duplicate rule ids and --strict: stopping",
                set.duplicates.len()
            )));
        }
        if plan.rules.is_empty() {
            return Err(Fatal("no usable rule".into()));
        }
        let field_map: FieldMap = match &args.field_map {
            Some(p) => read_string_map(p).map_err(|e| Fatal(format!("field map: {e}")))?,
            None => FieldMap::new(),
        };
        let scanner = Scanner::new(plan, args.engine.into(), &field_map)?;
        let scanner = if args.no_route {
            scanner.without_routing()
        } else {
            scanner
        };
        let scanner = match args.gate_first.as_deref() {
            Some("engine") => scanner.with_engine_gate_first(),
            Some(on) => scanner.with_gate_first(on == "on"),
            None => scanner,
        };
        // `--from`/`--to` in the workers, before rule evaluation; the Tap
        // applies the same window to the hit stream (see output::window).
        let window = (args.from.is_some() || args.to.is_some()).then(|| {
            TimeWindow::new(
                args.from,
                args.to,
                EventClock::new(args.time_field.as_deref(), &field_map),
            )
        });
        let scanner = scanner.with_event_filter(window.as_ref().map(TimeWindow::event_filter));
        let (inputs, list_errors) = select_inputs(&args)?;
        for (name, e) in &list_errors {
            eprintln!("sigscan: {name}: {e}");
        }
        // `-o -` is stdout, as for the inputs.
        let output = Output::open(args.output.as_deref().filter(|p| p.as_os_str() != "-"))?;
        // As ripgrep decides colour: a person reads a terminal, a program
        // reads a pipe or a file.
        if let (Some(f), Some(t)) = (args.from, args.to)
            && f >= t
        {
            return Err(Fatal("--from must be before --to".into()));
        }
        let format = args.format.unwrap_or(match &output {
            Output::Stdout(s) if s.is_terminal() => Format::Table,
            _ => Format::Jsonl,
        });
        if let Some(p) = &args.summary_json {
            atomic::check_writable(p).map_err(|e| Fatal(format!("--summary-json {e}")))?;
        }
        if let Some(p) = &args.summary_html {
            atomic::check_writable(p).map_err(|e| Fatal(format!("--summary-html {e}")))?;
        }
        let mut opts = ScanOptions::default();
        if let Some(t) = args.threads {
            opts.threads = t.max(1);
        }
        opts.pin = args.pin;
        opts.read = ReadOptions {
            chunk_size: args.chunk_size.max(1),
            mmap: !args.no_mmap,
        };
        Ok(ScanJob {
            args,
            scanner,
            correlations,
            field_map,
            inputs,
            list_errors,
            output: Some(output),
            ruleset_hash,
            format,
            window,
            rules_skipped,
            rules_unselected,
            opts,
        })
    }

    /// What the progress bar expects of each input, in scan order: its
    /// size on disk (of the range, with `--byte-range`) and whether it is
    /// compressed; `None` for stdin.
    fn expected_inputs(&self) -> Vec<Option<Expected>> {
        self.inputs
            .iter()
            .map(|i| match &i.source {
                scan::Source::File(p) => std::fs::metadata(p).ok().map(|m| Expected {
                    size: m.len(),
                    compressed: scan::input::is_compressed(p),
                }),
                scan::Source::FileRange(p, r) => std::fs::metadata(p).ok().map(|m| {
                    let compressed = scan::input::is_compressed(p);
                    Expected {
                        // A compressed file belongs whole to the range of byte 0.
                        size: if compressed {
                            if r.start == 0 { m.len() } else { 0 }
                        } else {
                            r.end
                                .unwrap_or(m.len())
                                .min(m.len())
                                .saturating_sub(r.start)
                        },
                        compressed,
                    }
                }),
                scan::Source::Stdin => None,
            })
            .collect()
    }
}

/// Runs `sigscan scan`.
pub fn run(args: ScanArgs) -> ExitStatus {
    let started = Instant::now();
    match ScanJob::prepare(args) {
        Ok(mut job) => {
            let status = execute(&mut job, started);
            // PERF: the process ends next, and freeing the plan, its routes
            // and their automata one allocation at a time took 15 ms after
            // the last hit, on one core; the OS takes the memory back whole.
            // The job holds nothing else to release: its output is
            // committed by now.
            std::mem::forget(job);
            status
        }
        Err(e) => fail(e),
    }
}

/// The scan's [`HitPrep`]: each hit's record written by the worker that
/// found it.
struct RecordPrep<'p> {
    records: Arc<Records<'p>>,
    /// Whether the observers (summary, correlations) or the time window
    /// read the parsed events.
    keep_events: bool,
    /// `--prepare-hits`.
    every_hit: bool,
}

impl HitPrep for RecordPrep<'_> {
    fn prepare(
        &self,
        input: &Input,
        hit: &Hit<'_>,
        event: Option<EventRef<'_>>,
        out: &mut Vec<u8>,
    ) -> usize {
        self.records.write(input, hit, event, out)
    }

    fn keeps_event(&self, _hit: &Hit<'_>) -> bool {
        self.keep_events
    }

    fn every_hit(&self) -> bool {
        self.every_hit
    }
}

/// Scans, then writes what follows the hits.
fn execute(job: &mut ScanJob, started: Instant) -> ExitStatus {
    let output = job.output.take().expect("BUG: a job runs once");
    let args = &job.args;
    let out_name = output.name();
    let enricher = Enricher::new(
        job.scanner.plan(),
        &job.field_map,
        args.time_field.as_deref(),
    );
    let jsonl = JsonlSink::new(
        io::BufWriter::with_capacity(1 << 16, output),
        job.format,
        !args.no_event,
        enricher,
    )
    .ruleset_hash(&job.ruleset_hash);

    // The observers, in the order they see each call: the progress bar
    // first, the summary (it counts hits before correlations withhold any),
    // then correlations, messages and the per-input tally. Messages and
    // correlation notes write through the bar's suspending writer, so the
    // bar is hidden while they print.
    let mut progress = (!args.quiet && io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Progress::new(bar, job.expected_inputs())
    });
    // Messages hide the bar while they are written.
    let stderr = || -> Box<dyn Write> {
        match &progress {
            Some(p) => Box::new(p.writer(io::stderr())),
            None => Box::new(io::stderr()),
        }
    };
    let summary_on = args.summary || args.summary_json.is_some() || args.summary_html.is_some();
    let mut summary = summary_on.then(|| {
        Collector::new(&job.field_map).time_field(args.time_field.as_deref(), &job.field_map)
    });
    let notes: Option<Box<dyn Write>> = (!args.quiet).then(stderr);
    let mut correlator = Correlator::new(&job.correlations, &job.field_map, notes);
    let mut messages = Messages::new(stderr(), args.quiet);
    let mut tally = InputTally::default();
    let mut observers: Vec<&mut dyn HitObserver> = Vec::new();
    if let Some(p) = progress.as_mut() {
        observers.push(p);
    }
    if let Some(s) = summary.as_mut() {
        observers.push(s);
    }
    if !job.correlations.is_empty() {
        observers.push(&mut correlator);
    }
    observers.push(&mut messages);
    observers.push(&mut tally);
    // The records are written by the workers; the parsed lines travel on
    // to the sink's thread only for the observers that read them.
    let prep = RecordPrep {
        records: jsonl.records(),
        keep_events: job.window.is_some() || summary_on || !job.correlations.is_empty(),
        every_hit: args.prepare_hits,
    };
    let mut tap = Tap::new(jsonl, observers).with_window(job.window.clone());
    let mut totals = job
        .scanner
        .scan_prepared(&job.inputs, job.opts, Some(&prep), &mut tap);
    let outside_window = tap.outside_window();
    // `hits` counts what was reported; the window's drops are counted apart.
    totals.hits = totals.hits.saturating_sub(outside_window);
    let mut jsonl = tap.into_output();
    if let Some(p) = progress.as_mut() {
        p.clear();
    }

    // Correlation records follow every hit.
    let report = correlator.finish();
    for rec in &report.records {
        if jsonl.correlation(rec).is_err() {
            break; // kept for `finish` below
        }
    }
    if args.strict && tally.damaged_inputs + tally.dirty_inputs > 0 {
        // Before the output is committed: with --output nothing is written.
        return fail(Fatal(format!(
            "{} damaged and {} dirty .evtx inputs and --strict: failing",
            tally.damaged_inputs, tally.dirty_inputs
        )));
    }
    let written = jsonl
        .finish()
        .and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(Output::commit);
    let pipe_closed = match written {
        Ok(()) => false,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => true,
        Err(e) => return fail(Fatal(format!("writing output to {out_name}: {e}"))),
    };
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(c) = summary {
        let s = c.finish();
        if args.summary {
            eprint!("{}", s.to_text());
        }
        if let Some(p) = &args.summary_json
            && let Err(e) = atomic::write_file(p, s.to_json().as_bytes())
        {
            return fail(Fatal(format!("writing the summary: {e}")));
        }
        if let Some(p) = &args.summary_html {
            let page = crate::output::html::render(&s, &job.ruleset_hash);
            if let Err(e) = atomic::write_file(p, page.as_bytes()) {
                return fail(Fatal(format!("writing the HTML report: {e}")));
            }
        }
    }
    if args.stats {
        print_stats(job, &totals, outside_window, &tally, &report.stats, elapsed);
    }
    let unreadable =
        tally.read_errors > 0 || !job.list_errors.is_empty() || tally.damaged_inputs > 0;
    if pipe_closed {
        ExitStatus::Ok
    } else if unreadable || totals.invalid_lines > 0 {
        ExitStatus::Partial
    } else {
        ExitStatus::Ok
    }
}

fn print_stats(
    job: &ScanJob,
    totals: &Counts,
    outside_window: u64,
    tally: &InputTally,
    correlations: &crate::correlate::CorrelationStats,
    elapsed: f64,
) {
    let plan: &Plan = job.scanner.plan();
    let stats = Stats {
        files: tally.inputs.len() as u64,
        bytes: totals.bytes,
        lines: totals.lines,
        events: totals.events,
        invalid_lines: totals.invalid_lines,
        empty_lines: totals.empty_lines,
        unreadable_inputs: tally.read_errors + job.list_errors.len() as u64,
        damaged_inputs: tally.damaged_inputs,
        dirty_inputs: tally.dirty_inputs,
        rules_loaded: plan.rules.len() as u64,
        rules_skipped: job.rules_skipped,
        rules_unselected: job.rules_unselected,
        hits: totals.hits,
        hits_outside_window: outside_window,
        events_outside_window: totals.filtered_events,
        elapsed_s: elapsed,
        engine: job.scanner.engine().name(),
        threads: job.opts.threads,
        candidate_lines: totals.candidate_lines,
        always_eval_rules: plan.always.len() as u64,
        literals: (plan.literals.len() + plan.exact_literals.len()) as u64,
        routes: job.scanner.routes_built() as u64,
        gb_per_s: crate::output::gb_per_s(totals, elapsed),
        schema_version: crate::output::SCHEMA_VERSION,
        ruleset_hash: &job.ruleset_hash,
        inputs: Stats::inputs_from(&tally.inputs),
        correlations: (!job.correlations.is_empty()).then(|| correlations.clone()),
    };
    let mut err = io::stderr().lock();
    let _ = serde_json::to_writer(&mut err, &stats);
    let _ = writeln!(err);
}

/// The inputs of a scan: the arguments and the `--input-list`, expanded,
/// then cut to the `--shard` or `--byte-range`. Errors are fatal; inputs
/// that could not be listed are returned beside them.
type ListErrors = Vec<(String, String)>;

fn select_inputs(args: &ScanArgs) -> Result<(Vec<Input>, ListErrors), Fatal> {
    let mut names = args.inputs.clone();
    if let Some(list) = &args.input_list {
        if list == "-" && names.iter().any(|a| a == "-") {
            return Err(Fatal(
                "--input-list - reads stdin, so `-` cannot be an input too".into(),
            ));
        }
        names.extend(scan::select::read_input_list(list)?);
    }
    let globs = GlobFilter::new(&args.glob, args.glob_case_insensitive)?;
    let (mut inputs, mut errors) = scan::input::expand(&names, None);
    if !args.glob.is_empty() {
        // The globs choose among the files found under directories; a file
        // named on the command line (or in the list) is always scanned.
        let named = |n: &str| names.iter().any(|a| a == n);
        inputs.retain(|i| named(&i.name) || globs.admits(&i.name));
        errors.retain(|(n, _)| named(n) || globs.admits(n));
    }
    if let Some(shard) = args.shard {
        inputs = shard.select(inputs)?;
    }
    if let Some(r) = args.byte_range {
        inputs = scan::select::with_byte_range(inputs, r)?;
    }
    Ok((inputs, errors))
}
