//! The `sigscan` command line: flags → settings → library call → exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sigscan::commands::{self, RuleOptions, ScanConfig};
use sigscan::prefilter::EngineKind;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "sigscan", version = version(), about = "Runs Sigma rules over NDJSON event logs at memory speed")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn version() -> &'static str {
    if cfg!(feature = "hyperscan") {
        concat!(env!("CARGO_PKG_VERSION"), " (+hyperscan)")
    } else {
        concat!(env!("CARGO_PKG_VERSION"), " (-hyperscan)")
    }
}

#[derive(Subcommand)]
enum Command {
    /// Scan NDJSON inputs with Sigma rules; hits go to stdout as JSON Lines.
    Scan(Box<ScanArgs>),
    /// Write a synthetic NDJSON corpus (evtx_dump layout) to stdout or a file.
    Gen(GenArgs),
    /// Benchmark reference: read every byte of the files once (mmap, all threads).
    #[command(hide = true)]
    Memscan {
        files: Vec<PathBuf>,
        #[arg(long, short = 'j')]
        threads: Option<usize>,
    },
    /// Work with rule sets without scanning.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Load and compile rules; one line per rule document with its status.
    Check {
        /// Rule files or directories (searched recursively for *.yml, *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// One JSON object per document.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        rules: RuleFlags,
    },
    /// One rule's stages and predicates, indicators, logsource and what it
    /// compiles to (gate, prefilter literals, always evaluated or not, why).
    Explain {
        /// A rule file or directory (repeatable): the loaded set.
        #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
        rules: Vec<PathBuf>,
        /// The rule: its id (or a prefix of 4+ characters), name, or file.
        #[arg(value_name = "ID_OR_FILE")]
        rule: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        flags: RuleFlags,
    },
    /// Indicators (field, operator, value) with corpus counts: per rule with
    /// --rule, else the most shared ones of the set.
    Indicators {
        /// A rule file or directory (repeatable): the corpus.
        #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
        rules: Vec<PathBuf>,
        /// Show this rule's indicators (id, id prefix, name or file; repeatable).
        #[arg(long = "rule", value_name = "ID_OR_FILE")]
        rule: Vec<String>,
        /// Without --rule: how many of the most shared indicators to show.
        #[arg(long, default_value_t = 25)]
        top: usize,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        flags: RuleFlags,
    },
    /// ATT&CK tactics and techniques (from tags) and the logsources,
    /// channels and EventIDs the set needs, with rule counts.
    Coverage {
        /// A rule file or directory (repeatable).
        #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
        rules: Vec<PathBuf>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        flags: RuleFlags,
    },
}

#[derive(Args)]
struct GenArgs {
    /// Bytes to write (at least; the last line is completed). Suffixes k, m, g (powers of 1024).
    #[arg(long, value_parser = parse_size)]
    size: u64,
    /// PRNG seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fraction of PowerShell 4104 events that contain a seed-rule string.
    #[arg(long, default_value_t = 0.01)]
    hit_rate: f64,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mul) = match s.as_bytes().last().map(u8::to_ascii_lowercase) {
        Some(b'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some(b'm') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| format!("not a size: {s:?}"))
}

#[derive(Args)]
struct RuleFlags {
    /// YAML map of `expand` placeholder values (name: value or list).
    #[arg(long, value_name = "FILE")]
    placeholders: Option<PathBuf>,
    /// Match detections only, ignoring each rule's logsource.
    #[arg(long)]
    no_logsource: bool,
}

impl RuleFlags {
    fn options(self, paths: Vec<PathBuf>) -> RuleOptions {
        RuleOptions {
            paths,
            placeholders: self.placeholders,
            no_logsource: self.no_logsource,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Engine {
    Auto,
    Hyperscan,
    Rust,
    None,
}

#[derive(Args)]
struct ScanArgs {
    /// A rule file or directory (repeatable).
    #[arg(long = "rules", short = 'r', required = true, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// NDJSON inputs: files, directories, `-` for stdin; .gz/.zst decoded.
    #[arg(required_unless_present = "input_list", value_name = "INPUT")]
    inputs: Vec<String>,
    /// More inputs, one path per line, from FILE (`-` = stdin).
    #[arg(long, value_name = "FILE")]
    input_list: Option<String>,
    /// Scan only shard K of N (0 <= K < N) of the inputs sorted by name.
    #[arg(long, value_name = "K/N", conflicts_with = "byte_range")]
    shard: Option<sigscan::scan::select::Shard>,
    /// Scan only the lines that start in bytes [START, END) of the one input
    /// file (plain files; a compressed file belongs whole to the range of byte 0).
    #[arg(long, value_name = "START:END")]
    byte_range: Option<sigscan::scan::range::ByteRange>,
    /// Only files whose name matches this glob, under directory inputs.
    #[arg(long, value_name = "PATTERN")]
    glob: Option<String>,
    /// Prefilter engine.
    #[arg(long, value_enum, default_value = "auto")]
    engine: Engine,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Do not pin workers to cores.
    #[arg(long)]
    no_pin: bool,
    /// Read files instead of memory-mapping them (safe for files that change).
    #[arg(long)]
    no_mmap: bool,
    /// Chunk size in bytes.
    #[arg(long, default_value_t = sigscan::scan::DEFAULT_CHUNK, hide = true)]
    chunk_size: usize,
    /// Do not route lines by logsource (for benchmarks: what routing buys).
    #[arg(long, hide = true)]
    no_route: bool,
    /// Leave `event` out of hit records.
    #[arg(long)]
    no_event: bool,
    /// Print a JSON stats object on stderr at the end.
    #[arg(long)]
    stats: bool,
    /// YAML map: Sigma field → JSON path or list of paths (dotted).
    #[arg(long, value_name = "FILE")]
    field_map: Option<PathBuf>,
    /// Any rule error is fatal (exit 2), and so is a damaged .evtx input
    /// (checked after the scan; with --output nothing is written).
    #[arg(long)]
    strict: bool,
    /// Write hits to FILE (atomically: temporary file, then rename).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// No per-line error messages and no progress line on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Event time for correlation rules: a dotted JSON path (else a Sigma field name).
    #[arg(long, value_name = "PATH")]
    time_field: Option<String>,
    #[command(flatten)]
    rule_flags: RuleFlags,
    /// Print a summary on stderr at the end: hits per rule, level, ATT&CK
    /// tactic and technique, host.
    #[arg(long)]
    summary: bool,
    /// Write the same summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                commands::EXIT_FATAL
            } else {
                commands::EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let status = match cli.command {
        Command::Scan(a) => commands::scan(&ScanConfig {
            rules: RuleOptions {
                paths: a.rules,
                placeholders: a.rule_flags.placeholders,
                no_logsource: a.rule_flags.no_logsource,
            },
            inputs: a.inputs,
            glob: a.glob,
            engine: match a.engine {
                Engine::Auto => EngineKind::Auto,
                Engine::Hyperscan => EngineKind::Hyperscan,
                Engine::Rust => EngineKind::Rust,
                Engine::None => EngineKind::None,
            },
            threads: a.threads,
            pin: !a.no_pin,
            mmap: !a.no_mmap,
            route: !a.no_route,
            chunk_size: a.chunk_size,
            no_event: a.no_event,
            stats: a.stats,
            field_map: a.field_map,
            strict: a.strict,
            output: a.output,
            quiet: a.quiet,
            time_field: a.time_field,
            summary: a.summary,
            summary_json: a.summary_json,
            input_list: a.input_list,
            shard: a.shard,
            byte_range: a.byte_range,
        }),
        Command::Memscan { files, threads } => {
            let t = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let bytes = sigscan::scan::memscan(&files, t);
            println!("{bytes}");
            commands::EXIT_OK
        }
        Command::Gen(a) => commands::generate(
            &sigscan::r#gen::GenConfig {
                size: a.size,
                seed: a.seed,
                hit_rate: a.hit_rate,
            },
            a.output.as_deref(),
        ),
        Command::Rules {
            command: RulesCommand::Check { paths, json, rules },
        } => commands::rules_check(
            &RuleOptions {
                paths,
                placeholders: rules.placeholders,
                no_logsource: rules.no_logsource,
            },
            json,
        ),
        Command::Rules {
            command:
                RulesCommand::Explain {
                    rules,
                    rule,
                    json,
                    flags,
                },
        } => sigscan::intel::explain_command(&flags.options(rules), &rule, json),
        Command::Rules {
            command:
                RulesCommand::Indicators {
                    rules,
                    rule,
                    top,
                    json,
                    flags,
                },
        } => sigscan::intel::indicators_command(&flags.options(rules), &rule, top, json),
        Command::Rules {
            command: RulesCommand::Coverage { rules, json, flags },
        } => sigscan::intel::coverage_command(&flags.options(rules), json),
    };
    ExitCode::from(status as u8)
}
