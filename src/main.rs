//! The `sigscan` command line: clap flags → `sigscan::cli` → exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use sigscan::cli::{self, ExitStatus};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process (Linux).
///
/// PERF: mimalloc asks the kernel for huge pages, and a scan's heap churns
/// (per-line buffers freed, purged and taken again), so the kernel zeroed a
/// fresh 2 MB page on each new touch: 7% of the samples of all SigmaHQ
/// rules over Mordor on one thread were `clear_page`. Off, eight runs in
/// turns: one thread 3.43 -> 3.20 s, max RSS 149 -> 113 MB; two threads
/// 1.76 s either way. The kernel checks the flag at each fault, so memory
/// taken before `main` follows it too.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE reads no memory of ours; it sets a flag on
    // this process's address space.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

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

fn main() -> ExitCode {
    no_huge_pages();
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
