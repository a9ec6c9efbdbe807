//! The subcommands as library functions: validated settings in, an exit
//! status out. `main.rs` only turns command-line flags into these settings.
//!
//! Exit statuses (a contract): 0 the work completed and all input was read;
//! 1 it completed but some input was unreadable or invalid (or, for `rules
//! check`, some rule failed); 2 fatal (no usable rule, bad arguments).

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::compile::{CompileOptions, Plan};
use crate::correlate::{CorrelateSink, CorrelationPlan};
use crate::event::FieldMap;
use crate::output::{JsonlSink, Stats};
use crate::prefilter::EngineKind;
use crate::scan::{self, ReadOptions, ScanOptions, Scanner};
use crate::sigma::yaml::{self, NodeKind};
use crate::sigma::{Diagnostic, RuleSet};

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: completed, with unreadable or invalid input (or failed rules).
pub const EXIT_PARTIAL: i32 = 1;
/// Exit status: fatal.
pub const EXIT_FATAL: i32 = 2;

/// Settings shared by the commands that load rules.
#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    /// Rule files or directories.
    pub paths: Vec<PathBuf>,
    /// `expand` placeholder file (YAML map: name → value or list).
    pub placeholders: Option<PathBuf>,
    /// Ignore logsources.
    pub no_logsource: bool,
}

/// Settings of `sigscan scan`.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// Rules.
    pub rules: RuleOptions,
    /// Inputs (`-` = stdin).
    pub inputs: Vec<String>,
    /// Only files matching this name glob under directory inputs.
    pub glob: Option<String>,
    /// Prefilter engine.
    pub engine: EngineKind,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Pin workers to cores.
    pub pin: bool,
    /// Memory-map plain files.
    pub mmap: bool,
    /// Route lines by logsource (`scan::route`); off only to measure it.
    pub route: bool,
    /// Chunk size in bytes.
    pub chunk_size: usize,
    /// Leave `event` out of hit records.
    pub no_event: bool,
    /// Print the stats object on stderr.
    pub stats: bool,
    /// Field map file (YAML: Sigma field → path or list of paths).
    pub field_map: Option<PathBuf>,
    /// Any rule error is fatal.
    pub strict: bool,
    /// Write hits here (atomically) instead of stdout.
    pub output: Option<PathBuf>,
    /// No per-line error messages and no progress line.
    pub quiet: bool,
    /// Event time for correlations: a dotted JSON path (else a Sigma field
    /// name); `None` tries the layouts' usual time fields.
    pub time_field: Option<String>,
    /// Print a hit summary on stderr at the end (`--summary`).
    pub summary: bool,
    /// Write the hit summary as JSON to this file (`--summary-json`).
    pub summary_json: Option<PathBuf>,
    /// More inputs, one path per line, from this file (`-` = stdin).
    pub input_list: Option<String>,
    /// Scan only this shard of the (expanded, name-sorted) inputs.
    pub shard: Option<scan::select::Shard>,
    /// Scan only the lines of this byte range of the one input file.
    pub byte_range: Option<scan::range::ByteRange>,
}

fn eprint_diag(kind: &str, d: &Diagnostic) {
    eprintln!("sigscan: {d} ({kind})");
}

/// Reads a YAML map of name → string or list of strings.
pub fn read_string_map(path: &Path) -> Result<HashMap<String, Vec<String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let docs = yaml::parse_documents(&text)
        .map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))?;
    let mut out = HashMap::new();
    for doc in &docs {
        let Some(entries) = doc.as_map() else {
            return Err(format!(
                "{}:{}: expected a mapping",
                path.display(),
                doc.line
            ));
        };
        for (k, v) in entries {
            let values = match &v.kind {
                NodeKind::Scalar { text, .. } => vec![text.clone()],
                NodeKind::Seq(items) => items
                    .iter()
                    .map(|n| {
                        n.as_str().map(str::to_string).ok_or_else(|| {
                            format!(
                                "{}:{}: `{k}`: values must be strings",
                                path.display(),
                                n.line
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                NodeKind::Map(_) => {
                    return Err(format!(
                        "{}:{}: `{k}`: expected a string or a list",
                        path.display(),
                        v.line
                    ));
                }
            };
            out.insert(k.clone(), values);
        }
    }
    Ok(out)
}

/// Loads and compiles rules. Errors in individual rules are diagnostics in
/// the returned set and plan; an unreadable placeholder file is fatal.
pub fn load_plan(opts: &RuleOptions) -> Result<(RuleSet, Plan), String> {
    let placeholders = match &opts.placeholders {
        Some(p) => read_string_map(p)?,
        None => HashMap::new(),
    };
    let set = RuleSet::load(&opts.paths);
    let copts = CompileOptions {
        placeholders,
        no_logsource: opts.no_logsource,
    };
    let plan = Plan::from_rules(&set, &copts);
    Ok((set, plan))
}

/// Runs `sigscan scan`. Returns the exit status.
pub fn scan(cfg: &ScanConfig) -> i32 {
    let started = Instant::now();
    // PERF: the hash reads and parses the rule files a second time (about
    // 0.2 s for SigmaHQ's 2,407 Windows rules, measured); on its own thread
    // it overlaps with compiling them.
    let ruleset_hash = {
        let rules = cfg.rules.clone();
        std::thread::spawn(move || {
            let placeholders = match &rules.placeholders {
                Some(p) => read_string_map(p).unwrap_or_default(),
                None => HashMap::new(),
            };
            crate::sigma::digest::ruleset_hash(&rules.paths, rules.no_logsource, &placeholders)
        })
    };
    let (set, plan) = match load_plan(&cfg.rules) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("sigscan: {e}");
            return EXIT_FATAL;
        }
    };
    let correlations = CorrelationPlan::build(&set, &plan, cfg.time_field.as_deref());
    for d in set
        .errors
        .iter()
        .chain(&plan.errors)
        .chain(&correlations.errors)
    {
        eprint_diag("rule skipped", d);
    }
    for d in &plan.warnings {
        eprint_diag("warning", d);
    }
    let rules_skipped = (set.errors.len() + plan.errors.len() + correlations.errors.len()) as u64;
    if cfg.strict && rules_skipped > 0 {
        eprintln!("sigscan: {rules_skipped} rule errors and --strict: stopping");
        return EXIT_FATAL;
    }
    if plan.rules.is_empty() {
        eprintln!("sigscan: no usable rule");
        return EXIT_FATAL;
    }
    let field_map: FieldMap = match &cfg.field_map {
        Some(p) => match read_string_map(p) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("sigscan: field map: {e}");
                return EXIT_FATAL;
            }
        },
        None => FieldMap::new(),
    };
    let rules_loaded = plan.rules.len() as u64;
    let always = plan.always.len() as u64;
    let literals = (plan.literals.len() + plan.exact_literals.len()) as u64;
    let scanner = match Scanner::new(plan, cfg.engine, &field_map) {
        Ok(s) if !cfg.route => s.without_routing(),
        Ok(s) => s,
        Err(e) => {
            eprintln!("sigscan: {e}");
            return EXIT_FATAL;
        }
    };
    let (inputs, input_errors) = match select_inputs(cfg) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("sigscan: {e}");
            return EXIT_FATAL;
        }
    };
    for (name, e) in &input_errors {
        eprintln!("sigscan: {name}: {e}");
    }
    let ruleset_hash = ruleset_hash
        .join()
        .expect("BUG: the rule-set hash panicked");
    let mut opts = ScanOptions::default();
    if let Some(t) = cfg.threads {
        opts.threads = t.max(1);
    }
    opts.pin = cfg.pin;
    opts.read = ReadOptions {
        chunk_size: cfg.chunk_size.max(1),
        mmap: cfg.mmap,
    };

    let writer = match Output::open(cfg.output.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("sigscan: {e}");
            return EXIT_FATAL;
        }
    };
    if let Some(p) = &cfg.summary_json
        && let Err(e) = crate::intel::summary::check_json_path(p)
    {
        eprintln!("sigscan: --summary-json {e}");
        return EXIT_FATAL;
    }
    let mut summary = (cfg.summary || cfg.summary_json.is_some())
        .then(|| crate::intel::summary::Collector::new(&field_map));
    let out_name = writer.name();
    let sink = JsonlSink::new(io::BufWriter::with_capacity(1 << 16, writer), !cfg.no_event)
        .quiet_errors(cfg.quiet)
        .ruleset_hash(&ruleset_hash);
    let sink = CorrelateSink::new(
        sink,
        &correlations,
        &scanner.plan().rules,
        &field_map,
        cfg.quiet,
    );
    let (totals, sink) = if !cfg.quiet && io::stderr().is_terminal() {
        let total: u64 = inputs
            .iter()
            .filter_map(|i| match &i.source {
                scan::Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                scan::Source::FileRange(p, r) => std::fs::metadata(p).ok().map(|m| {
                    r.end
                        .unwrap_or(m.len())
                        .min(m.len())
                        .saturating_sub(r.start)
                }),
                scan::Source::Stdin => None,
            })
            .sum();
        let mut progress = crate::output::ProgressSink::new(sink, total);
        let totals = crate::intel::summary::scan_with(
            &scanner,
            &inputs,
            opts,
            &mut progress,
            summary.as_mut(),
        );
        (totals, progress.finish())
    } else {
        let mut sink = sink;
        let totals =
            crate::intel::summary::scan_with(&scanner, &inputs, opts, &mut sink, summary.as_mut());
        (totals, sink)
    };
    // Correlation records follow every hit.
    let (mut sink, correlated) = sink.finish();
    for rec in &correlated.records {
        if sink.correlation(rec).is_err() {
            break; // kept for `finish` below
        }
    }
    let read_errors = sink.read_errors;
    let damaged_inputs = sink.damaged_inputs;
    let dirty_inputs = sink.dirty_inputs;
    let summaries = std::mem::take(&mut sink.inputs);
    if cfg.strict && damaged_inputs + dirty_inputs > 0 {
        // Before the output is committed: with --output nothing is written.
        eprintln!(
            "sigscan: {damaged_inputs} damaged and {dirty_inputs} dirty .evtx inputs and \
             --strict: failing"
        );
        return EXIT_FATAL;
    }
    let written = sink
        .finish()
        .and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(Output::commit);
    let pipe_closed = match written {
        Ok(()) => false,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            eprintln!("sigscan: writing output to {out_name}: {e}");
            return EXIT_FATAL;
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(c) = summary {
        let s = c.finish();
        if cfg.summary {
            eprint!("{}", s.to_text());
        }
        if let Some(p) = &cfg.summary_json
            && let Err(e) = s.write_json(p)
        {
            eprintln!("sigscan: writing the summary: {e}");
            return EXIT_FATAL;
        }
    }
    if cfg.stats {
        let stats = Stats {
            files: summaries.len() as u64,
            bytes: totals.bytes,
            lines: totals.lines,
            events: totals.events,
            invalid_lines: totals.invalid_lines,
            empty_lines: totals.empty_lines,
            unreadable_inputs: read_errors + input_errors.len() as u64,
            damaged_inputs,
            dirty_inputs,
            rules_loaded,
            rules_skipped,
            hits: totals.hits,
            elapsed_s: elapsed,
            engine: scanner.engine().name(),
            threads: opts.threads,
            candidate_lines: totals.candidate_lines,
            always_eval_rules: always,
            literals,
            routes: scanner.routes_built() as u64,
            gb_per_s: crate::output::gb_per_s(&totals, elapsed),
            schema_version: crate::output::SCHEMA_VERSION,
            ruleset_hash: &ruleset_hash,
            inputs: Stats::inputs_from(&summaries),
            correlations: (!correlations.is_empty()).then(|| correlated.stats.clone()),
        };
        let mut err = io::stderr().lock();
        let _ = serde_json::to_writer(&mut err, &stats);
        let _ = writeln!(err);
    }
    if pipe_closed {
        return EXIT_OK;
    }
    if read_errors > 0 || !input_errors.is_empty() || totals.invalid_lines > 0 || damaged_inputs > 0
    {
        EXIT_PARTIAL
    } else {
        EXIT_OK
    }
}

/// Inputs that could not be listed: (name, reason), reported and counted.
type ListErrors = Vec<(String, String)>;

/// The inputs of a scan: the arguments and the `--input-list`, expanded,
/// then cut to the `--shard` or `--byte-range`. Errors are fatal.
fn select_inputs(cfg: &ScanConfig) -> Result<(Vec<scan::Input>, ListErrors), String> {
    let mut args = cfg.inputs.clone();
    if let Some(list) = &cfg.input_list {
        if list == "-" && args.iter().any(|a| a == "-") {
            return Err("--input-list - reads stdin, so `-` cannot be an input too".into());
        }
        args.extend(scan::select::read_input_list(list)?);
    }
    let (mut inputs, errors) = scan::input::expand(&args, cfg.glob.as_deref());
    if let Some(shard) = cfg.shard {
        inputs = shard.select(inputs)?;
    }
    if let Some(r) = cfg.byte_range {
        inputs = scan::select::with_byte_range(inputs, r)?;
    }
    Ok((inputs, errors))
}

/// Where hits go: stdout, or a temporary file renamed into place at the end
/// (so a reader never sees a half-written file, and a retried run
/// overwrites cleanly).
enum Output {
    Stdout(io::Stdout),
    /// A regular file (or a name not taken yet), written atomically.
    File(TempFile),
    /// Something else that already exists (`/dev/null`, a FIFO, a
    /// terminal): written in place. Renaming a temporary file over it would
    /// replace the device node with a plain file.
    Direct {
        file: std::fs::File,
        path: PathBuf,
    },
}

/// A temporary file beside `dest`; renamed over it by [`Output::commit`],
/// removed when dropped uncommitted (a failed or abandoned run leaves no
/// temporary file behind and `dest` as it was).
struct TempFile {
    file: Option<std::fs::File>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl Output {
    fn open(path: Option<&Path>) -> Result<Output, String> {
        let Some(given) = path else {
            return Ok(Output::Stdout(io::stdout()));
        };
        // Through a symbolic link to the file it names, so the rename
        // replaces that file and not the link.
        let dest = match std::fs::symlink_metadata(given) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::canonicalize(given).unwrap_or_else(|_| given.to_path_buf())
            }
            _ => given.to_path_buf(),
        };
        match std::fs::metadata(&dest) {
            Ok(m) if m.is_dir() => {
                return Err(format!("{}: is a directory", given.display()));
            }
            Ok(m) if !m.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&dest)
                    .map_err(|e| format!("{}: {e}", given.display()))?;
                return Ok(Output::Direct {
                    file,
                    path: given.to_path_buf(),
                });
            }
            _ => {}
        }
        let name = dest
            .file_name()
            .ok_or_else(|| format!("{}: not a file name", given.display()))?;
        let tmp = dest.with_file_name(format!(
            ".{}.sigscan-tmp-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        Ok(Output::File(TempFile {
            file: Some(file),
            tmp,
            dest,
        }))
    }

    /// What to call the output in messages.
    fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "stdout".into(),
            Output::File(t) => t.dest.display().to_string(),
            Output::Direct { path, .. } => path.display().to_string(),
        }
    }

    fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut s) => s.flush(),
            Output::Direct { mut file, .. } => file.flush(),
            Output::File(mut t) => {
                let file = t.file.take().expect("BUG: committed twice");
                let res = file.sync_all().and_then(|()| {
                    drop(file);
                    std::fs::rename(&t.tmp, &t.dest)
                });
                if res.is_err() {
                    let _ = std::fs::remove_file(&t.tmp);
                }
                res
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(s) => s.write(buf),
            Output::Direct { file, .. } => file.write(buf),
            Output::File(t) => t.file.as_mut().expect("BUG: write after commit").write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(s) => s.flush(),
            Output::Direct { file, .. } => file.flush(),
            Output::File(t) => t.file.as_mut().expect("BUG: flush after commit").flush(),
        }
    }
}

/// One line of `rules check`.
#[derive(serde::Serialize)]
pub struct CheckRecord {
    /// Rule file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Rule id (or name/title), when known.
    pub id: Option<String>,
    /// Title, when known.
    pub title: Option<String>,
    /// `ok` or `error`.
    pub status: &'static str,
    /// Why, for errors.
    pub reason: Option<String>,
    /// The logsource gate, for compiled rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// How the prefilter selects the rule, for compiled rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefilter: Option<String>,
    /// The correlation type, for correlation documents that loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation: Option<&'static str>,
}

/// Runs `sigscan rules check`. Returns the exit status.
pub fn rules_check(opts: &RuleOptions, json: bool) -> i32 {
    let (set, plan) = match load_plan(opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("sigscan: {e}");
            return EXIT_FATAL;
        }
    };
    let mut records: Vec<CheckRecord> = Vec::new();
    let failed: std::collections::HashSet<(PathBuf, usize)> = plan
        .errors
        .iter()
        .map(|d| (d.file.clone(), d.line))
        .collect();
    let _ = failed;
    let correlations = CorrelationPlan::build(&set, &plan, None);
    let errors: Vec<&Diagnostic> = set
        .errors
        .iter()
        .chain(&plan.errors)
        .chain(&correlations.errors)
        .collect();
    for r in &plan.rules {
        records.push(CheckRecord {
            file: r.meta.file.display().to_string(),
            line: r.meta.line,
            id: Some(r.meta.id.clone()),
            title: Some(r.meta.title.clone()),
            status: "ok",
            reason: None,
            gate: Some(r.gate_description()),
            prefilter: Some(r.guard_description()),
            correlation: None,
        });
    }
    for c in &correlations.correlations {
        records.push(CheckRecord {
            file: c.file.display().to_string(),
            line: c.line,
            id: Some(c.id.to_string()),
            title: Some(c.title.to_string()),
            status: "ok",
            reason: None,
            gate: None,
            prefilter: None,
            correlation: Some(c.kind.name()),
        });
    }
    for d in &errors {
        records.push(CheckRecord {
            file: d.file.display().to_string(),
            line: d.line,
            id: d.rule_id.clone(),
            title: d.title.clone(),
            status: "error",
            reason: Some(d.message.clone()),
            gate: None,
            prefilter: None,
            correlation: None,
        });
    }
    records.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut out = io::BufWriter::new(io::stdout().lock());
    for r in &records {
        let res = if json {
            serde_json::to_writer(&mut out, r)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(out))
        } else if r.status == "ok" {
            writeln!(
                out,
                "ok     {}  {}  {}",
                r.file,
                r.id.as_deref().unwrap_or("-"),
                r.title.as_deref().unwrap_or("")
            )
        } else {
            writeln!(
                out,
                "error  {}:{}  {}  {}",
                r.file,
                r.line,
                r.id.as_deref().unwrap_or("-"),
                r.reason.as_deref().unwrap_or("")
            )
        };
        if res.is_err() {
            return EXIT_OK; // closed pipe
        }
    }
    let _ = out.flush();
    let total = records.len();
    eprintln!(
        "sigscan: {} documents: {} ok, {} errors",
        total,
        total - errors.len(),
        errors.len()
    );
    if errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    }
}

/// Runs `sigscan gen`: writes the corpus and prints its summary on stderr.
pub fn generate(cfg: &crate::r#gen::GenConfig, output: Option<&Path>) -> i32 {
    let mut out = match Output::open(output) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("sigscan: {e}");
            return EXIT_FATAL;
        }
    };
    match crate::r#gen::generate(cfg, &mut out).and_then(|s| out.commit().map(|()| s)) {
        Ok(s) => {
            eprintln!(
                "{{\"bytes\":{},\"events\":{},\"seed_hits\":{}}}",
                s.bytes, s.events, s.seed_hits
            );
            EXIT_OK
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("sigscan: gen: {e}");
            EXIT_FATAL
        }
    }
}
