//! Prefilter throughput on a synthetic PowerShell script-block log.
//!
//! The haystack is a fixed, deterministic ~16 MiB buffer of JSON-ish event
//! lines (4104 script-block events). One line in about a thousand carries one
//! of the 38 `ScriptBlockText|contains` literals of the Sigma seed rule
//! 9f22ccd5 ("WinAPI Function Calls Via PowerShell Scripts"), in varying
//! ASCII case; every other line is built from a vocabulary checked to hold
//! none of them. That is the common case the prefilter exists for: rare
//! literals, nearly every byte scanned and rejected.
//!
//! Groups (all `Throughput::Bytes` of the whole buffer):
//! - `prefilter/rust`, `prefilter/hyperscan` (feature `hyperscan`; plus
//!   `hyperscan_regex`, the same literals compiled as `\xHH` regexes):
//!   `for_each_candidate_line` over the buffer, counting candidate lines.
//!   Each first asserts the count equals the number of planted lines, so a
//!   fast wrong answer fails instead of being timed. `prefilter/fingerprint`
//!   ([`FingerprintFinder`], where the CPU runs AVX-512 VBMI): the searcher
//!   of a gate-first search's second stage, on the same literals.
//! - `line_finder/*`: the lines holding one of four of those literals
//!   (ASCII-caseless) or a fallback marker, the first stage of a gate-first
//!   search: `line_finder` ([`LineFinder`], where the CPU runs AVX2),
//!   `hyperscan` (`HsScanner::line_finder`) and `rust` (the pure-Rust
//!   engine's scanner pair), each first checked against a naive count.
//! - `prefilter/lowercase`: `ascii_lowercase_into` alone, the pass the Rust
//!   engine makes before searching.
//! - `prefilter/memchr_absent`: `memchr` for a byte the buffer lacks: the
//!   raw memory-scan speed, the ceiling for any engine.
//!
//! `compile/*` times scanner construction from the 38 literals, apart from
//! scanning.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sigscan::prefilter::aho::{AhoScanner, ascii_lowercase_into};
use sigscan::prefilter::fingerprint::FingerprintFinder;
#[cfg(feature = "hyperscan")]
use sigscan::prefilter::hyperscan::{HsScanner, HsSyntax};
use sigscan::prefilter::line_finder::LineFinder;
use sigscan::prefilter::{EngineKind, LiteralScanner, Prefilter, for_each_candidate_line};

/// `ScriptBlockText|contains` of Sigma rule 9f22ccd5-a435-453b-af96-bf99cbb594d4,
/// shared with the corpus generator.
const LITERALS: [&str; 38] = sigscan_gen::SEED_NEEDLES;

/// Filler words. Every word is emitted between non-alphanumeric bytes, and
/// every literal is alphanumeric, so a literal can only occur inside one
/// word; `haystack` checks that none does.
const WORDS: &[&str] = &[
    "Get",
    "ChildItem",
    "Path",
    "Where",
    "Object",
    "Length",
    "Select",
    "String",
    "Pattern",
    "Invoke",
    "WebRequest",
    "Uri",
    "Out",
    "File",
    "Write",
    "Host",
    "Import",
    "Module",
    "Set",
    "Location",
    "Test",
    "Connection",
    "ForEach",
    "Start",
    "Sleep",
    "Format",
    "Table",
    "New",
    "Item",
    "Remove",
    "Copy",
    "Registry",
    "Service",
    "Status",
    "Running",
    "Stopped",
    "Name",
    "Value",
    "Filter",
    "Export",
    "Csv",
    "Json",
    "ConvertTo",
    "Measure",
    "Sort",
    "Unique",
    "Property",
    "Verbose",
    "Force",
    "Recurse",
    "Include",
    "Exclude",
    "Compress",
    "Archive",
    "Destination",
    "Session",
    "Scheduled",
    "Task",
    "Trigger",
    "Action",
    "Principal",
    "Event",
    "Log",
    "Entry",
    "Source",
    "Message",
    "Hash",
    "Algorithm",
    "Sha256",
    "Content",
    "Encoding",
    "Utf8",
    "Append",
    "param",
    "function",
    "return",
    "if",
    "else",
    "foreach",
    "in",
    "try",
    "catch",
    "finally",
    "true",
    "false",
    "null",
    "PSCustomObject",
    "Environment",
    "Temp",
    "Users",
    "Windows",
    "System32",
    "ProgramData",
    "Microsoft",
    "PowerShell",
    "Scripts",
    "Config",
    "Backup",
    "Report",
    "Daily",
    "Cleanup",
    "Inventory",
    "Update",
    "Install",
    "Package",
    "Version",
    "Count",
    "Total",
    "Result",
    "Output",
    "Error",
    "Warning",
    "Debug",
];

/// Separators between words (JSON-escaped where JSON needs it).
const SEPS: &[&str] = &[
    " ", " ", " ", "-", " | ", "; ", ".", "\\\\", "\\\"", "(", ") ", " $", "{ ", " }", ", ", " = ",
];

/// Buffer size the generator stops after.
const TARGET_LEN: usize = 16 << 20;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The benchmark input: the buffer and how many lines hold a literal.
struct Haystack {
    buf: Vec<u8>,
    lines: usize,
    planted: usize,
}

fn literals() -> Vec<Vec<u8>> {
    LITERALS.iter().map(|l| l.as_bytes().to_vec()).collect()
}

fn haystack() -> Haystack {
    use std::io::Write;

    for w in WORDS {
        let w = w.to_ascii_lowercase();
        for l in LITERALS {
            assert!(
                !w.contains(&l.to_ascii_lowercase()),
                "filler word {w} holds literal {l}"
            );
        }
    }
    let mut rng = Rng(0x9f22_ccd5_a435_453b);
    let mut buf = Vec::with_capacity(TARGET_LEN + 4096);
    let (mut lines, mut planted) = (0, 0);
    while buf.len() < TARGET_LEN {
        let n = rng.next();
        write!(
            buf,
            "{{\"EventID\":4104,\"TimeCreated\":\"2024-05-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\
             \"Computer\":\"WKS-{:04}.corp.example\",\"UserID\":\"S-1-5-21-{}-{}\",\
             \"ScriptBlockId\":\"{:08x}-{:04x}\",\"MessageNumber\":{},\"MessageTotal\":{},\
             \"ScriptBlockText\":\"",
            1 + n % 28,
            (n >> 8) % 24,
            (n >> 16) % 60,
            (n >> 24) % 60,
            (n >> 32) % 1000,
            (n >> 42) % 2000,
            rng.below(1 << 30),
            rng.below(1 << 20),
            rng.next() as u32,
            rng.next() as u16,
            1 + rng.below(3),
            3,
        )
        .expect("BUG: writing to a Vec");
        let words = 8 + rng.below(40);
        let plant_at = (rng.below(1000) == 0).then(|| rng.below(words));
        for i in 0..words {
            if plant_at == Some(i) {
                let lit = rng.pick(&LITERALS);
                match rng.below(3) {
                    0 => buf.extend_from_slice(lit.as_bytes()),
                    1 => buf.extend_from_slice(lit.to_ascii_lowercase().as_bytes()),
                    _ => buf.extend_from_slice(lit.to_ascii_uppercase().as_bytes()),
                }
            } else if rng.below(8) == 0 {
                write!(buf, "{}", rng.below(100_000)).expect("BUG: writing to a Vec");
            } else {
                buf.extend_from_slice(rng.pick(WORDS).as_bytes());
            }
            buf.extend_from_slice(rng.pick(SEPS).as_bytes());
        }
        writeln!(
            buf,
            "\",\"Path\":\"C:\\\\Scripts\\\\{}.ps1\"}}",
            rng.pick(WORDS)
        )
        .expect("BUG: writing to a Vec");
        lines += 1;
        planted += usize::from(plant_at.is_some());
    }
    Haystack {
        buf,
        lines,
        planted,
    }
}

/// Candidate lines `scanner` finds in `hay` (one reused scratch and id
/// buffer, as a worker thread would).
fn count_lines<S: LiteralScanner>(
    scanner: &S,
    hay: &[u8],
    scratch: &mut S::Scratch,
    ids: &mut Vec<u32>,
) -> usize {
    let mut n = 0;
    for_each_candidate_line(scanner, hay, scratch, ids, |_, _| n += 1);
    n
}

/// Asserts `scanner` finds exactly the planted lines, then times it.
fn bench_scanner<S: LiteralScanner>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    scanner: &S,
    hay: &Haystack,
) {
    let mut scratch = scanner.new_scratch();
    let mut ids = Vec::new();
    let got = count_lines(scanner, &hay.buf, &mut scratch, &mut ids);
    assert_eq!(got, hay.planted, "{name}: wrong candidate line count");
    g.bench_function(name, |b| {
        b.iter(|| count_lines(scanner, black_box(&hay.buf), &mut scratch, &mut ids))
    });
}

fn prefilter(c: &mut Criterion) {
    let hay = haystack();
    // About one line in a thousand, and enough of them to mean something.
    assert!(
        hay.planted * 2000 > hay.lines && hay.planted * 500 < hay.lines,
        "{} planted lines out of {}",
        hay.planted,
        hay.lines
    );
    let lits = literals();
    let mut g = c.benchmark_group("prefilter");
    g.throughput(Throughput::Bytes(hay.buf.len() as u64));

    bench_scanner(
        &mut g,
        "rust",
        &AhoScanner::new(&lits).expect("aho build"),
        &hay,
    );
    // Placed by the rule's spellings, as the scan places them.
    let spellings: Vec<Vec<u8>> = LITERALS.iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(f) = FingerprintFinder::new(&lits, &spellings, &[]) {
        bench_scanner(&mut g, "fingerprint", &f, &hay);
    }
    #[cfg(feature = "hyperscan")]
    {
        let hs = HsScanner::new(&lits).expect("hyperscan build");
        assert_eq!(hs.syntax(), HsSyntax::Literal);
        bench_scanner(&mut g, "hyperscan", &hs, &hay);
        let hs = HsScanner::with_syntax(&lits, HsSyntax::Regex).expect("hyperscan build");
        bench_scanner(&mut g, "hyperscan_regex", &hs, &hay);
    }

    let mut lower = Vec::new();
    ascii_lowercase_into(&hay.buf, &mut lower);
    assert_eq!(
        lower,
        hay.buf.to_ascii_lowercase(),
        "lowercase: wrong output"
    );
    g.bench_function("lowercase", |b| {
        b.iter(|| {
            ascii_lowercase_into(black_box(&hay.buf), &mut lower);
            lower.len()
        })
    });

    // The generator writes ASCII only, so 0xFF never occurs: memchr must
    // read the whole buffer.
    assert_eq!(
        memchr::memchr(0xFF, &hay.buf),
        None,
        "memchr_absent: byte present"
    );
    g.bench_function("memchr_absent", |b| {
        b.iter(|| memchr::memchr(0xFF, black_box(&hay.buf)))
    });
    g.finish();
}

/// The first stage of a gate-first search, each way: see the module doc.
fn line_finder(c: &mut Criterion) {
    let hay = haystack();
    // The four literals planted most often (a stand-in for channel names).
    let lower = hay.buf.to_ascii_lowercase();
    let mut caseless = literals();
    caseless.sort_by_key(|l| {
        let l = l.to_ascii_lowercase();
        std::cmp::Reverse(
            lower
                .windows(l.len())
                .filter(|w| *w == l.as_slice())
                .count(),
        )
    });
    caseless.truncate(4);
    let exact = sigscan::compile::literals::fallback_literals();
    let holds = |line: &[u8]| {
        let lower = line.to_ascii_lowercase();
        let has = |l: &[u8], h: &[u8]| h.windows(l.len()).any(|w| w == l);
        caseless
            .iter()
            .any(|l| has(&l.to_ascii_lowercase(), &lower))
            || exact.iter().any(|l| has(l, line))
    };
    let want = hay.buf.split(|&b| b == b'\n').filter(|l| holds(l)).count();
    assert!(want > 0, "no line to find");
    let mut g = c.benchmark_group("line_finder");
    g.throughput(Throughput::Bytes(hay.buf.len() as u64));
    let mut bench = |name: &str, finder: &Prefilter| {
        let mut scratch = finder.new_scratch();
        let mut ids = Vec::new();
        let count = |scratch: &mut _, ids: &mut _| {
            let mut n = 0;
            finder.candidate_lines(black_box(&hay.buf), scratch, ids, |_, _| {
                n += 1;
                true
            });
            n
        };
        assert_eq!(
            count(&mut scratch, &mut ids),
            want,
            "{name}: wrong line count"
        );
        g.bench_function(name, |b| b.iter(|| count(&mut scratch, &mut ids)));
    };
    if let Some(finder) = LineFinder::new(&caseless, &exact) {
        bench("line_finder", &Prefilter::Lines(finder));
    }
    #[cfg(feature = "hyperscan")]
    bench(
        "hyperscan",
        &Prefilter::build_engine_line_finder(EngineKind::Hyperscan, &caseless, &exact)
            .expect("hyperscan build"),
    );
    bench(
        "rust",
        &Prefilter::build_engine_line_finder(EngineKind::Rust, &caseless, &exact)
            .expect("rust build"),
    );
    g.finish();
}

fn compile(c: &mut Criterion) {
    let lits = literals();
    let mut g = c.benchmark_group("compile");
    g.bench_function("rust", |b| {
        b.iter(|| AhoScanner::new(black_box(&lits)).expect("aho build"))
    });
    #[cfg(feature = "hyperscan")]
    {
        g.bench_function("hyperscan", |b| {
            b.iter(|| HsScanner::new(black_box(&lits)).expect("hyperscan build"))
        });
        g.bench_function("hyperscan_regex", |b| {
            b.iter(|| {
                HsScanner::with_syntax(black_box(&lits), HsSyntax::Regex).expect("hyperscan build")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, prefilter, line_finder, compile);
criterion_main!(benches);
