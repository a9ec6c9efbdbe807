//! Bad lines through the `sigscan` binary: line endings, BOM, blank lines and a last line
//! without newline; invalid lines (counted, the first few reported with file and line, the scan
//! goes on); invalid UTF-8; NUL bytes; a 100 MB line; nesting 100,000 deep. The `--stats`
//! accounting is checked on every run (`util::seed`).

mod util;

use std::fs;
use std::io::Write;

use serde_json::Value;
use util::seed::*;

/// The seed rule's channel: a line holding a rule's literal is validated
/// only if it can pass the rule's gate.
const PS: &str = "Microsoft-Windows-PowerShell/Operational";

#[test]
fn line_endings_bom_last_line_and_blank_lines() {
    let t = tmp();
    let d = t.path();
    // 1 hit (after a BOM), 2 hit CRLF, 3 empty, 4 spaces and a tab, 5 a lone CR (empty once the
    // CR is stripped), 6 miss CRLF, 7 hit without a final newline.
    let mut data = b"\xEF\xBB\xBF".to_vec();
    for (line, end) in [
        (hit(1), "\n"),
        (hit(2), "\r\n"),
        (String::new(), "\n"),
        (" \t ".into(), "\n"),
        (String::new(), "\r\n"),
        (miss(6), "\r\n"),
        (hit(7), ""),
    ] {
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(end.as_bytes());
    }
    write(d, "mixed.ndjson", &data);
    write(d, "mixed.ndjson.gz", &gzip(&data));
    // Offsets are of the line's first byte in the file: the BOM is skipped, not discounted.
    let off2 = 3 + hit(1).len() as u64 + 1;
    let off7 = (data.len() - hit(7).len()) as u64;
    for (name, extra, stdin) in [
        ("mixed.ndjson", None, None),
        ("mixed.ndjson", Some("--no-mmap"), None),
        ("mixed.ndjson.gz", None, None),
        ("-", None, Some(data.clone())),
    ] {
        let mut args: Vec<&str> = extra.into_iter().collect();
        args.push(name);
        let run = scan_stdin(d, &args, stdin);
        run.expect(0);
        let s = run.input(name);
        assert_eq!(
            (
                u(s, "lines"),
                u(s, "events"),
                u(s, "empty_lines"),
                u(s, "invalid_lines")
            ),
            (7, 4, 3, 0),
            "{name} {extra:?}"
        );
        assert_eq!(
            u(s, "bytes"),
            data.len() as u64 - 3,
            "decoded bytes without the BOM"
        );
        let got: Vec<(u64, u64, u64)> = run
            .records
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["offset"].as_u64().unwrap(),
                    r["event"]["Event"]["System"]["EventRecordID"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [(1, 3, 1), (2, off2, 2), (7, off7, 7)],
            "{name} {extra:?}"
        );
        for r in &run.records {
            assert_eq!(r["rule_id"], RULE_ID);
        }
    }
}

#[test]
fn invalid_lines_are_counted_the_first_few_reported_and_the_scan_goes_on() {
    let t = tmp();
    let d = t.path();
    let ls: Vec<String> = vec![
        hit(1),                                                     // 1 hit
        "not json at all".into(),                                   // 2 invalid: shape
        "[1,2,3]".into(),                                           // 3 invalid: shape (an array)
        r#""VirtualAlloc""#.into(), // 4 invalid: candidate, valid JSON, not an object
        format!(r#"{{"Event": VirtualAlloc, "Channel": "{PS}"}}"#), // 5 invalid: candidate, does not parse
        r#"[{"ScriptBlockText":"VirtualAlloc"}]"#.into(), // 6 invalid: candidate, an array
        r#"{"a": }"#.into(), // 7 event: not a candidate, so only shape-checked (design choice)
        "42".into(),         // 8 invalid: shape
        hit(9),              // 9 hit
        format!(r#"{{"VirtualAlloc":1,"Channel":"{PS}"}}}}"#), // 10 invalid: candidate, trailing characters
        // 11 event: holds the rule's literal but not its channel (nor an escape), so it can
        // pass no gate and is only shape-checked, like line 7 (design choice).
        r#"{"a": VirtualAlloc}"#.into(),
    ];
    write(d, "bad.ndjson", &lines(&ls));
    for chunk in ["4194304", "40"] {
        let run = scan(d, &["--chunk-size", chunk, "bad.ndjson"]);
        run.expect(1)
            .stderr_has("sigscan: bad.ndjson:2: invalid line: not a JSON object")
            .stderr_has("sigscan: bad.ndjson:3: invalid line: not a JSON object")
            .stderr_has("sigscan: bad.ndjson:4: invalid line: not a JSON object")
            .stderr_has("sigscan: bad.ndjson:5: invalid line: expected value at line 1 column 11")
            .stderr_has("sigscan: bad.ndjson:6: invalid line: not a JSON object")
            // Only the first five are shown, then the total.
            .stderr_lacks("bad.ndjson:8:")
            .stderr_lacks("bad.ndjson:10:")
            .stderr_has("sigscan: bad.ndjson: 7 invalid lines in all (5 shown)")
            .stderr_lacks("bad.ndjson:7:")
            .stderr_lacks("bad.ndjson:11:");
        assert_eq!(run.hit_lines("bad.ndjson"), [1, 9], "chunk {chunk}");
        let s = run.input("bad.ndjson");
        assert_eq!(
            (
                u(s, "lines"),
                u(s, "events"),
                u(s, "invalid_lines"),
                u(s, "empty_lines")
            ),
            (11, 4, 7, 0),
            "chunk {chunk}"
        );
    }
    // --quiet drops the per-line messages, not the accounting or the status.
    let run = scan(d, &["-q", "bad.ndjson"]);
    run.expect(1).stderr_lacks("invalid line");
    assert_eq!(u(run.input("bad.ndjson"), "invalid_lines"), 7);
}

#[test]
fn invalid_utf8_is_matched_on_a_lossy_decoding() {
    let t = tmp();
    let d = t.path();
    let mut data = Vec::new();
    // 1: a hit with invalid UTF-8 inside the script text: matched, the event re-serialised
    // with U+FFFD.
    data.extend_from_slice(&hit(1).replace("# 1", "# \u{1}").into_bytes());
    let at = data.iter().position(|&b| b == 1).unwrap();
    data.splice(at..at + 1, *b"\xff\xfe");
    data.push(b'\n');
    // 2: invalid UTF-8 splitting the literal: not a candidate, counted as an event.
    data.extend_from_slice(
        &hit(2)
            .replace("VirtualAlloc", "Virtual\u{1}Alloc")
            .into_bytes(),
    );
    let at = data.iter().rposition(|&b| b == 1).unwrap();
    data[at] = 0xff;
    data.push(b'\n');
    // 3: a Latin-1 byte in a non-candidate line.
    data.extend_from_slice(&miss(3).replace("Temp", "T\u{1}mp").into_bytes());
    let at = data.iter().rposition(|&b| b == 1).unwrap();
    data[at] = 0xe9;
    data.push(b'\n');
    write(d, "latin.ndjson", &data);
    let run = scan(d, &["latin.ndjson"]);
    run.expect(0);
    assert_eq!(run.hit_lines("latin.ndjson"), [1]);
    let text = run.records[0]["event"]["Event"]["EventData"]["ScriptBlockText"]
        .as_str()
        .unwrap();
    assert!(text.ends_with("# \u{FFFD}\u{FFFD}"), "{text:?}");
    let s = run.input("latin.ndjson");
    assert_eq!((u(s, "lines"), u(s, "events")), (3, 3));
}

#[test]
fn nul_bytes_give_a_defined_result() {
    let t = tmp();
    let d = t.path();
    let raw_nul = hit(1).replace("# 1", "# \u{0}");
    let escaped_nul = hit(2).replace("# 2", "# \\u0000");
    let ls: Vec<String> = vec![
        raw_nul,                     // 1 invalid: a raw control character in a JSON string
        escaped_nul,                 // 2 hit: an escaped NUL is valid JSON
        "\u{0}\u{0}\u{0}".into(),    // 3 invalid: shape
        "{\"a\":\"b\u{0}\"}".into(), // 4 event: not a candidate, only shape-checked
        hit(5),                      // 5 hit
    ];
    write(d, "nul.ndjson", &lines(&ls));
    let run = scan(d, &["nul.ndjson"]);
    run.expect(1)
        .stderr_has("sigscan: nul.ndjson:1: invalid line: control character")
        .stderr_has("sigscan: nul.ndjson:3: invalid line: not a JSON object");
    assert_eq!(run.hit_lines("nul.ndjson"), [2, 5]);
    let s = run.input("nul.ndjson");
    assert_eq!(
        (u(s, "lines"), u(s, "events"), u(s, "invalid_lines")),
        (5, 3, 2)
    );
}

#[test]
fn a_100_mb_line_is_scanned_whole() {
    let t = tmp();
    let d = t.path();
    let p = d.join("huge.ndjson");
    {
        let mut f = std::io::BufWriter::new(fs::File::create(&p).unwrap());
        let h = hit(1);
        let (head, tail) = h.split_at(h.find("# 1").unwrap());
        f.write_all(head.as_bytes()).unwrap();
        let pad = vec![b'A'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&pad).unwrap();
        }
        f.write_all(tail.as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
        f.write_all(hit(2).as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
    }
    let size = fs::metadata(&p).unwrap().len();
    assert!(size > 100 << 20);
    for extra in [None, Some("--no-mmap")] {
        let mut args = vec!["--no-event", "huge.ndjson"];
        args.extend(extra);
        let run = scan(d, &args);
        run.expect(0);
        assert_eq!(run.hit_lines("huge.ndjson"), [1, 2], "{extra:?}");
        let s = run.input("huge.ndjson");
        assert_eq!((u(s, "lines"), u(s, "events"), u(s, "bytes")), (2, 2, size));
    }
}

#[test]
fn nesting_100000_deep_neither_overflows_nor_panics() {
    let t = tmp();
    let d = t.path();
    const N: usize = 100_000;
    let arrays = format!("{}{}", "[".repeat(N), "]".repeat(N));
    let objects = format!("{}1{}", "{\"a\":".repeat(N), "}".repeat(N));
    let ls: Vec<String> = vec![
        // 1 invalid: a candidate, so parsed; the parser's depth limit turns it away.
        format!(r#"{{"ScriptBlockText":"VirtualAlloc","Channel":"{PS}","a":{arrays}}}"#),
        // 2 event: not a candidate, so only shape-checked (design choice).
        objects.clone(),
        // 3 invalid: shape.
        arrays,
        // 4 event: a candidate whose embedded (Azure-style) EventData string nests too deep;
        // the string is left as it is.
        format!(
            r#"{{"x":"VirtualAlloc","Channel":"{PS}","EventData":{}}}"#,
            Value::from(objects)
        ),
        hit(5),
    ];
    write(d, "deep.ndjson", &lines(&ls));
    let run = scan(d, &["--no-event", "deep.ndjson"]);
    run.expect(1)
        .stderr_has("sigscan: deep.ndjson:1: invalid line: recursion limit exceeded")
        .stderr_has("sigscan: deep.ndjson:3: invalid line: not a JSON object");
    assert_eq!(run.hit_lines("deep.ndjson"), [5]);
    let s = run.input("deep.ndjson");
    assert_eq!(
        (u(s, "lines"), u(s, "events"), u(s, "invalid_lines")),
        (5, 3, 2)
    );
}
