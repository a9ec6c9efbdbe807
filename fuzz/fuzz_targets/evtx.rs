//! EVTX inputs: arbitrary bytes behind the EVTX magic go through the whole
//! scan (the reader's chunk layout, chunk decoding on the workers, the line
//! pipeline, the emitter). Nothing may panic; every input's accounting holds
//! (`lines = events + invalid_lines + empty_lines`); hits are in line order,
//! carry a record id and an offset inside the file; and one worker and two
//! give the same hits and counts, the two with every hit prepared on its
//! worker (`HitPrep`), which must see each hit and its line as the emitter
//! does.
//!
//! Seeds (`corpora/fuzz/evtx/`) are synthetic: a bare file header, a header
//! with a chunk cut short, a chunk with a record header and no valid BinXml.
#![no_main]

use std::io::{self, Write};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigscan::compile::{CompileOptions, Plan};
use sigscan::event::view::EventRef;
use sigscan::event::{FieldMap, ParsedEvent};
use sigscan::prefilter::EngineKind;
use sigscan::scan::{
    Hit, HitPrep, HitSink, Input, InputSummary, ReadOptions, ScanOptions, Scanner, Source,
};
use sigscan::sigma::RuleSet;

/// Every event matches (no literal: every line is evaluated).
const RULE: &str = "title: every event
id: 00000000-0000-4000-8000-0000000000f1
logsource:
    product: windows
detection:
    nothing:
        EventID: -12345
    condition: not nothing
";

/// Header block plus three chunks: enough for ordering and wrap-around.
const MAX_LEN: usize = 4096 + 3 * 65536;

fn scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| {
        let mut set = RuleSet::default();
        set.load_text(std::path::Path::new("every.yml"), RULE);
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        Scanner::new(plan, EngineKind::Rust, &FieldMap::new()).expect("scanner")
    })
}

#[derive(Default)]
struct Collect {
    hits: Vec<(u64, u64, Option<u64>)>,
    summaries: Vec<InputSummary>,
}

/// Writes a hit's offset and record id as its worker sees them.
struct Stamp;

fn stamp(hit: &Hit<'_>) -> String {
    format!("{}:{:?}", hit.offset, hit.record_id)
}

impl HitPrep for Stamp {
    fn prepare(
        &self,
        _: &Input,
        hit: &Hit<'_>,
        event: Option<EventRef<'_>>,
        out: &mut Vec<u8>,
    ) -> usize {
        let parsed = ParsedEvent::parse(hit.text);
        let root = parsed.as_ref().map(|e| &e.root);
        match event {
            Some(EventRef::Parsed(e)) => assert_eq!(Some(&e.root), root),
            // A view of the very line, reading what its parse holds.
            Some(EventRef::Line(view)) => {
                assert_eq!(view.document(), root);
                let keys = ["Event", "System", "EventRecordID"];
                let want = root.and_then(|r| keys.iter().try_fold(r, |v, k| v.get(k)));
                assert_eq!(view.at(&keys).as_ref(), want);
            }
            None => assert_eq!(root, None),
        }
        let start = out.len();
        write!(out, "{}", stamp(hit)).expect("Vec write");
        out.len() - start
    }
    /// The events of every other record travel with their hits; the rest
    /// are read through views.
    fn keeps_event(&self, hit: &Hit<'_>) -> bool {
        hit.record_id.is_some_and(|id| id % 2 == 0)
    }
    fn every_hit(&self) -> bool {
        true
    }
}

impl HitSink for Collect {
    fn hit(&mut self, _: &Input, hit: &Hit<'_>) -> io::Result<()> {
        if let Some((head, tail)) = hit.prepared {
            assert_eq!(head, stamp(hit).as_bytes());
            assert!(tail.is_empty());
            if let Some(e) = hit.event {
                assert_eq!(
                    Some(&e.root),
                    ParsedEvent::parse(hit.text).as_ref().map(|e| &e.root)
                );
            }
        }
        self.hits.push((hit.line, hit.offset, hit.record_id));
        Ok(())
    }
    fn invalid_line(&mut self, _: &Input, _: u64, _: &str) {}
    fn input_done(&mut self, _: &Input, summary: &InputSummary) {
        self.summaries.push(summary.clone());
    }
}

fn scan(path: &std::path::Path, threads: usize, prep: Option<&dyn HitPrep>) -> Collect {
    let input = Input {
        name: "fuzz.evtx".into(),
        source: Source::File(path.to_path_buf()),
    };
    let opts = ScanOptions {
        threads,
        pin: false,
        read: ReadOptions {
            chunk_size: 1 << 20,
            mmap: true,
        },
    };
    let mut sink = Collect::default();
    scanner().scan_prepared(std::slice::from_ref(&input), opts, prep, &mut sink);
    sink
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    let mut bytes = Vec::with_capacity(data.len() + 8);
    if !data.starts_with(b"ElfFile\0") {
        bytes.extend_from_slice(b"ElfFile\0");
    }
    bytes.extend_from_slice(data);
    let path = std::env::temp_dir().join(format!("sigscan-fuzz-evtx-{}", std::process::id()));
    std::fs::write(&path, &bytes).expect("write the fuzz input");
    let one = scan(&path, 1, None);
    let two = scan(&path, 2, Some(&Stamp));
    assert_eq!(one.summaries.len(), 1);
    let s = &one.summaries[0];
    let c = &s.counts;
    assert_eq!(c.lines, c.events + c.invalid_lines + c.empty_lines, "{c:?}");
    assert_eq!(c.hits, one.hits.len() as u64);
    assert_eq!(s.compression, Some("evtx"));
    let mut last = 0;
    for &(line, offset, id) in &one.hits {
        assert!(line > last && line <= c.lines, "line {line} after {last}");
        last = line;
        assert!(offset < bytes.len() as u64, "offset {offset}");
        assert!(id.is_some());
    }
    assert_eq!(one.hits, two.hits);
    assert_eq!(one.summaries[0].counts, two.summaries[0].counts);
    assert_eq!(one.summaries[0].damage, two.summaries[0].damage);
});
