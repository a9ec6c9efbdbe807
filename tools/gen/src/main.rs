//! `sigscan-gen`: writes the synthetic corpus and prints its summary
//! (`{"bytes","events","seed_hits"}`) on stderr; `--needles` prints the seed
//! rule's 38 strings instead.
//!
//! ```text
//! cargo run --release -p sigscan-gen -- --size 1g --seed 1 -o gen-1g.ndjson
//! ```
//!
//! Exit status: 0 on success (a closed pipe included), 2 on any error.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use sigscan_gen::{GenConfig, GenSummary, SEED_NEEDLES, generate};

/// Writes a deterministic synthetic Windows event-log corpus (evtx_dump NDJSON).
#[derive(Parser)]
#[command(name = "sigscan-gen", version)]
struct Args {
    /// Bytes to write (at least; the last line is completed). Suffixes k, m, g (powers of 1024).
    #[arg(long, value_parser = parse_size, required_unless_present = "needles")]
    size: Option<u64>,
    /// PRNG seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fraction of PowerShell 4104 events that contain a seed-rule string.
    #[arg(long, default_value_t = 0.01)]
    hit_rate: f64,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the seed rule's 38 strings, one per line, and write no corpus.
    #[arg(long, conflicts_with_all = ["size", "output"])]
    needles: bool,
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
    let a = Args::parse();
    let Some(size) = a.size else {
        for n in SEED_NEEDLES {
            println!("{n}");
        }
        return ExitCode::SUCCESS;
    };
    let cfg = GenConfig {
        size,
        seed: a.seed,
        hit_rate: a.hit_rate,
    };
    let written = match a.output.as_deref() {
        None => generate(&cfg, &mut io::stdout().lock()),
        Some(path) => to_file(&cfg, path),
    };
    match written {
        Ok(s) => {
            eprintln!(
                "{{\"bytes\":{},\"events\":{},\"seed_hits\":{}}}",
                s.bytes, s.events, s.seed_hits
            );
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sigscan-gen: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes the corpus to `path`: a regular file (or a new name) through a
/// temporary file beside it, renamed over it at the end, so a failed run
/// leaves `path` as it was; anything else that exists (`/dev/null`, a FIFO)
/// in place.
fn to_file(cfg: &GenConfig, path: &Path) -> io::Result<GenSummary> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    // Through a symbolic link to the file it names, so the rename replaces
    // that file and not the link.
    let dest = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    match std::fs::metadata(&dest) {
        Ok(m) if m.is_dir() => {
            return Err(io::Error::other(format!(
                "{}: is a directory",
                path.display()
            )));
        }
        Ok(m) if !m.is_file() => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&dest)
                .map_err(named)?;
            return generate(cfg, &mut f).map_err(named);
        }
        _ => {}
    }
    let name = dest
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{}: not a file name", path.display())))?;
    let tmp = dest.with_file_name(format!(
        ".{}.sigscan-gen-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = File::create(&tmp).and_then(|mut f| {
        let s = generate(cfg, &mut f)?;
        f.flush()?;
        drop(f);
        std::fs::rename(&tmp, &dest)?;
        Ok(s)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(named)
}
