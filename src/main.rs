//! The `sigscan` command line: clap flags → `sigscan::cli` → exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use sigscan::cli::{self, ExitStatus};

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
    /// Scan NDJSON inputs with Sigma rules; hits go to stdout (a table on a
    /// terminal, else JSON Lines; see --format).
    Scan(Box<cli::scan::ScanArgs>),
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(hide = true)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(hide = true)]
    Man,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Load and compile rules; one line per rule document with its status.
    Check(cli::rules::CheckArgs),
    /// One rule's stages and predicates, indicators, logsource and what it
    /// compiles to (gate, prefilter literals, always evaluated or not, why).
    Explain(cli::rules::ExplainArgs),
    /// Indicators (field, operator, value) with corpus counts: per rule with
    /// --rule, else the most shared ones of the set.
    Indicators(cli::rules::IndicatorsArgs),
    /// ATT&CK tactics and techniques (from tags) and the logsources,
    /// channels and EventIDs the set needs, with rule counts.
    Coverage(cli::rules::CoverageArgs),
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let status = if e.use_stderr() {
                ExitStatus::Fatal
            } else {
                ExitStatus::Ok
            };
            let _ = e.print();
            return ExitCode::from(status.code());
        }
    };
    let status = match cli.command {
        Command::Scan(a) => cli::scan::run(*a),
        Command::Memscan { files, threads } => {
            let t = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            println!("{}", sigscan::scan::memscan(&files, t));
            ExitStatus::Ok
        }
        Command::Gen(a) => cli::generate::run(
            &sigscan::r#gen::GenConfig {
                size: a.size,
                seed: a.seed,
                hit_rate: a.hit_rate,
            },
            a.output.as_deref(),
        ),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "sigscan", &mut std::io::stdout());
            ExitStatus::Ok
        }
        Command::Man => {
            // The page of the whole command; `sigscan SUBCOMMAND --help` has
            // the rest.
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitStatus::Ok,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Ok,
                Err(e) => {
                    eprintln!("sigscan: writing the man page: {e}");
                    ExitStatus::Fatal
                }
            }
        }
        Command::Rules { command } => match command {
            RulesCommand::Check(a) => cli::rules::check(a),
            RulesCommand::Explain(a) => cli::rules::explain(a),
            RulesCommand::Indicators(a) => cli::rules::indicators(a),
            RulesCommand::Coverage(a) => cli::rules::coverage(a),
        },
    };
    ExitCode::from(status.code())
}
