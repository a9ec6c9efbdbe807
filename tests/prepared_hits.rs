//! Hits prepared on the workers (`Scanner::scan_prepared`, `HitPrep`): the
//! sink gets, in input order, each hit's prepared text and parsed line
//! exactly as the worker made them for that hit (from the full parse where
//! the event is kept, else through a view of that very line), and a sink
//! that falls behind makes the workers prepare. Also: a sink or a worker
//! that panics ends the scan with its panic instead of leaving every thread
//! waiting on another.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use sigscan::compile::{CompileOptions, EventSource, FieldId, Plan};
use sigscan::event::view::EventRef;
use sigscan::event::{FieldMap, ParsedEvent};
use sigscan::prefilter::EngineKind;
use sigscan::scan::{
    Hit, HitPrep, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source,
};
use sigscan::sigma::RuleSet;

const RULES: &str = "title: a\nid: rule-a\nlogsource: {product: windows}\n\
    detection:\n  sel: {Image|endswith: '\\cmd.exe'}\n  condition: sel\n---\n\
    title: b\nid: rule-b\nlogsource: {product: windows}\n\
    detection:\n  sel: {CommandLine|contains: whoami}\n  condition: sel\n";

fn scanner() -> Scanner {
    let mut set = RuleSet::default();
    set.load_text(Path::new("rules.yml"), RULES);
    let plan = Plan::from_rules(&set, &CompileOptions::default());
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    Scanner::new(plan, EngineKind::Rust, &FieldMap::new()).unwrap()
}

/// `n` lines: every third hits rule a, every fifth rule b (both on some).
fn input(n: u64) -> (tempfile::NamedTempFile, Input) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for i in 0..n {
        let image = if i % 3 == 0 {
            "C:\\\\Windows\\\\cmd.exe"
        } else {
            "x.exe"
        };
        let cmd = if i % 5 == 0 { "whoami /all" } else { "dir" };
        writeln!(f, r#"{{"Image":"{image}","CommandLine":"{cmd}","N":{i}}}"#).unwrap();
    }
    f.flush().unwrap();
    let input = Input {
        name: "in".into(),
        source: Source::File(f.path().to_path_buf()),
    };
    (f, input)
}

fn options(threads: usize) -> ScanOptions {
    ScanOptions {
        threads,
        pin: false,
        read: ReadOptions {
            chunk_size: 512,
            mmap: true,
        },
    }
}

/// Writes the rule and the line's byte offset before the line number, the
/// line's length and `CommandLine` (as the event given reads it) after it;
/// on every hit when `every_hit`.
struct Tagger {
    every_hit: bool,
    /// `CommandLine`'s field id in the plan.
    command_line: FieldId,
}

fn tagger(scanner: &Scanner, every_hit: bool) -> Tagger {
    Tagger {
        every_hit,
        command_line: scanner.plan().field_id("CommandLine").unwrap(),
    }
}

impl HitPrep for Tagger {
    fn prepare(
        &self,
        _input: &Input,
        hit: &Hit<'_>,
        event: Option<EventRef<'_>>,
        out: &mut Vec<u8>,
    ) -> usize {
        assert_eq!(hit.line, 0, "the line number is not known on a worker");
        let has_a = hit.text.windows(7).any(|w| w == b"cmd.exe");
        // Parsed in full only for a line whose event is kept (rule a's).
        let command_line = match event.expect("a hit line parses") {
            EventRef::Parsed(e) => {
                assert!(has_a, "parsed in full for nothing");
                e.root.get("CommandLine").cloned()
            }
            EventRef::Line(view) => {
                assert!(!has_a, "a kept event read through a view");
                view.field(self.command_line).cloned()
            }
        };
        let start = out.len();
        write!(out, "{}@{}#", hit.rule.meta.id, hit.offset).unwrap();
        let split = out.len() - start;
        write!(out, "/{}/{}", hit.text.len(), command_line.unwrap()).unwrap();
        split
    }

    fn keeps_event(&self, hit: &Hit<'_>) -> bool {
        hit.rule.meta.id == "rule-a"
    }

    fn every_hit(&self) -> bool {
        self.every_hit
    }
}

/// Checks every hit against what the worker must have made of it, slowly
/// at first, so that results queue up and the workers prepare.
#[derive(Default)]
struct Check {
    hits: Vec<(u64, String)>,
    prepared: usize,
    delay: Duration,
}

impl HitSink for Check {
    fn hit(&mut self, _input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        std::thread::sleep(self.delay);
        self.hits.push((hit.line, hit.rule.meta.id.clone()));
        if let Some((head, tail)) = hit.prepared {
            self.prepared += 1;
            let want = format!("{}@{}#", hit.rule.meta.id, hit.offset);
            assert_eq!(head, want.as_bytes(), "line {}", hit.line);
            let parsed = ParsedEvent::parse(hit.text).unwrap();
            let tail_want = format!("/{}/{}", hit.text.len(), parsed.root["CommandLine"]);
            assert_eq!(tail, tail_want.as_bytes(), "line {}", hit.line);
            let kept = hit.event.map(|e| e.root.clone());
            if hit.rule.meta.id == "rule-a" {
                assert_eq!(kept, ParsedEvent::parse(hit.text).map(|e| e.root));
            } else {
                // Kept for rule a on the same line only.
                assert!(kept.is_none() || hit.text.windows(7).any(|w| w == b"cmd.exe"));
            }
        } else {
            assert!(hit.event.is_none(), "an event without its preparation");
        }
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, line: u64, reason: &str) {
        panic!("line {line}: {reason}");
    }
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

fn expected() -> Vec<(u64, String)> {
    let mut want = Vec::new();
    for i in 0..3000u64 {
        if i % 3 == 0 {
            want.push((i + 1, "rule-a".to_string()));
        }
        if i % 5 == 0 {
            want.push((i + 1, "rule-b".to_string()));
        }
    }
    want
}

#[test]
fn a_sink_that_falls_behind_gets_hits_prepared_by_the_workers() {
    let scanner = scanner();
    let (_f, input) = input(3000);
    for threads in [1, 2, 4] {
        let mut sink = Check {
            delay: Duration::from_micros(300),
            ..Check::default()
        };
        let counts = scanner.scan_prepared(
            std::slice::from_ref(&input),
            options(threads),
            Some(&tagger(&scanner, false)),
            &mut sink,
        );
        assert_eq!(sink.hits, expected(), "{threads} threads");
        assert_eq!(counts.hits, sink.hits.len() as u64);
        assert!(
            sink.prepared > 0,
            "{threads} threads: the workers never prepared"
        );
    }
}

#[test]
fn a_prep_for_every_hit_gets_every_hit_prepared() {
    let scanner = scanner();
    let (_f, input) = input(3000);
    for threads in [1, 2] {
        let mut sink = Check::default();
        scanner.scan_prepared(
            std::slice::from_ref(&input),
            options(threads),
            Some(&tagger(&scanner, true)),
            &mut sink,
        );
        assert_eq!(sink.hits, expected(), "{threads} threads");
        assert_eq!(sink.prepared, sink.hits.len(), "{threads} threads");
    }
}

#[test]
fn without_a_prep_no_hit_is_prepared() {
    let scanner = scanner();
    let (_f, input) = input(3000);
    let mut sink = Check::default();
    scanner.scan(std::slice::from_ref(&input), options(2), &mut sink);
    assert_eq!(sink.hits, expected());
    assert_eq!(sink.prepared, 0);
}

struct Panics;

impl HitSink for Panics {
    fn hit(&mut self, _: &Input, _: &Hit<'_>) -> io::Result<()> {
        panic!("the sink gives up");
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

/// Takes every hit as it comes.
struct Takes;

impl HitSink for Takes {
    fn hit(&mut self, _: &Input, _: &Hit<'_>) -> io::Result<()> {
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, _: &InputSummary) {}
}

/// Panics once, on the worker that prepares the first hit past the middle
/// of the input; the other workers go on.
#[derive(Default)]
struct PanicsOnAWorker(AtomicBool);

impl HitPrep for PanicsOnAWorker {
    fn prepare(&self, _: &Input, hit: &Hit<'_>, _: Option<EventRef<'_>>, _: &mut Vec<u8>) -> usize {
        if hit.offset > 500_000 && !self.0.swap(true, Ordering::Relaxed) {
            panic!("a worker gives up");
        }
        0
    }
    fn keeps_event(&self, _: &Hit<'_>) -> bool {
        false
    }
    fn every_hit(&self) -> bool {
        true
    }
}

/// Whether `scan` panicked (the panic reaching its caller), within a
/// minute; a scan that hangs fails the test.
fn ends_with_a_panic(what: &str, scan: impl FnOnce(&Scanner, &Input) + Send + 'static) {
    // More batches than the scan keeps in flight: the reader waits for the
    // emitter to hand a slot back.
    let (f, input) = input(20_000);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _f = f;
        let scanner = scanner();
        let ended =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scan(&scanner, &input)));
        let _ = tx.send(ended.is_err());
    });
    // Before the fixes, every thread waited on another for ever.
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(panicked) => assert!(panicked, "the panic in {what} reaches the caller"),
        Err(_) => panic!("the scan hung after a panic in {what}"),
    }
}

#[test]
fn a_panic_in_the_sink_ends_the_scan() {
    ends_with_a_panic("the sink", |scanner, input| {
        scanner.scan(std::slice::from_ref(input), options(2), &mut Panics);
    });
}

#[test]
fn a_panic_on_a_worker_ends_the_scan() {
    for threads in [1, 2, 4] {
        ends_with_a_panic("a worker", move |scanner, input| {
            scanner.scan_prepared(
                std::slice::from_ref(input),
                options(threads),
                Some(&PanicsOnAWorker::default()),
                &mut Takes,
            );
        });
    }
}
