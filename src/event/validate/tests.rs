use proptest::prelude::*;

use super::*;

/// serde_json's verdict alone: the reference `surely_object` is held to.
fn serde_accepts(line: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v.is_object())
}

/// `surely_object` says `fast`, and never yes where serde_json says no.
fn check(line: &str, fast: bool) {
    let surely = surely_object(line.as_bytes());
    assert_eq!(surely, fast, "surely_object({line:?})");
    if surely {
        assert!(serde_accepts(line), "surely_object accepted {line:?}");
    }
    assert_eq!(
        validate_line(line).is_ok(),
        serde_accepts(line),
        "validate_line({line:?}) differs from serde_json"
    );
}

#[test]
fn events_in_each_layout_are_recognised() {
    for line in [
        r#"{"Event":{"System":{"EventID":4688,"Channel":"Security"},"EventData":{"CommandLine":"cmd.exe /c \"whoami\"\r\n\t"}}}"#,
        r#"{"winlog":{"event_id":1,"event_data":{"Image":"C:\\Windows\\x.exe"}},"@timestamp":"2020-01-01T00:00:00Z"}"#,
        r#"  {"EventID":-12,"x":0.5,"y":[1,2,[],{}],"z":{},"n":null,"t":true,"f":false,"s":"\u00e9\/\b\f"}  "#,
        "{\"a\":\"caf\u{e9} \u{200e}\u{ae}\",\"\":\"\"}\r\n",
        r#"{"a":"\"\\"}"#,
        r#"{"a" : [ 1 , "x" ] , "b" : { "c" : -0 }}"#,
        "{}",
        "{\"a\":\"\u{7f}\"}",
    ] {
        check(line, true);
    }
}

#[test]
fn invalid_lines_are_left_to_serde() {
    for line in [
        "",
        "   ",
        "[]",
        "\"x\"",
        "{",
        "{\"a\":1",
        "{\"a\":1}}",
        "{\"a\":1} x",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":-}",
        "{\"a\":.5}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{\"a\":[1,]}",
        "{\"a\":[1}",
        "{\"a\":{]}",
        "{\"a\":\"\t\"}",
        "{\"a\":\"x\u{1}y\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"abc",
        "{\"a\":\"abcdefghijklmnop\\",
        "{\"a\":1}\u{b}",
        "\u{feff}{}",
    ] {
        check(line, false);
    }
}

#[test]
fn what_serde_limits_is_left_to_serde() {
    // Valid or not, serde_json decides: surrogates, exponents, depth.
    for line in [
        r#"{"a":"\ud83d\ude00"}"#,
        r#"{"a":"\ud83d"}"#,
        r#"{"a":"\uDC00x"}"#,
        r#"{"a":1e3}"#,
        r#"{"a":1E400}"#,
        r#"{"a":2.5e-3}"#,
    ] {
        check(line, false);
    }
    let long = format!("{{\"a\":{}}}", "9".repeat(MAX_NUMBER_LEN + 1));
    check(&long, false);
    let fits = format!("{{\"a\":{}}}", "9".repeat(MAX_NUMBER_LEN));
    check(&fits, true);
    let nest = |d: usize| format!("{{\"a\":{}1{}}}", "[".repeat(d), "]".repeat(d));
    check(&nest(MAX_DEPTH - 1), true);
    check(&nest(MAX_DEPTH), false);
    check(&nest(200), false);
}

#[test]
fn specials_finds_the_first_quote_backslash_or_control_byte() {
    // Naive reference over every position of each special byte, with
    // bytes around it that borrow (0x00, 0x01) or have the high bit set.
    for special in [b'"', b'\\', 0x00, 0x01, 0x1f] {
        for pos in 0..8 {
            for filler in [b'a', 0x20, 0x80, 0xff, b'!', b'#', b'[', b']'] {
                let mut w = [filler; 8];
                w[pos] = special;
                // A second special byte above must not hide the first.
                if pos < 7 {
                    w[7] = 0;
                }
                let m = specials(u64::from_le_bytes(w));
                assert_eq!(m.trailing_zeros() / 8, pos as u32, "{w:?}");
            }
        }
    }
    for filler in [b'a', 0x20, 0x7f, 0x80, 0xff, b'!', b'#', b']'] {
        assert_eq!(specials(u64::from_le_bytes([filler; 8])), 0);
    }
}

/// Small JSON-ish texts: valid documents, cut or with a byte changed.
fn jsonish() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("1".to_string()),
        Just("-0.25".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        "\"[a-z\\\\\"\\t/\u{e9}u0-9]{0,12}\"",
        "\"\\\\u[0-9a-fA-F]{4}\"",
    ];
    let value = leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(|m| {
                let members: Vec<String> =
                    m.iter().map(|(k, v)| format!("\"{k}\" : {v}")).collect();
                format!("{{ {} }}", members.join(","))
            }),
        ]
    });
    (value, any::<usize>(), any::<u8>(), 0..3u8).prop_map(|(v, at, byte, how)| {
        let doc = format!("{{\"v\":{v}}}");
        let at = at % (doc.len() + 1);
        let mut b = doc.into_bytes();
        match how {
            0 => {}
            1 => b.truncate(at),
            _ => {
                if at < b.len() {
                    b[at] = byte & 0x7f;
                }
            }
        }
        // A cut through `é` is decoded as the scanner decodes it.
        String::from_utf8_lossy(&b).into_owned()
    })
}

proptest! {
    #[test]
    fn surely_object_never_accepts_what_serde_rejects(line in jsonish()) {
        if surely_object(line.as_bytes()) {
            prop_assert!(serde_accepts(&line), "{line:?}");
        }
        prop_assert_eq!(validate_line(&line).is_ok(), serde_accepts(&line));
    }
}

/// `string_end` by bytes, as the grammar reads it.
fn naive_string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i = escape_end(b, i)?,
            0..0x20 => return None,
            _ => i += 1,
        }
    }
}

#[test]
fn string_end_agrees_with_a_byte_loop_at_every_offset() {
    // Each special sequence at each offset of strings up to 100 bytes, so
    // every case of the two-word, 32-byte (AVX2), one-word and byte steps
    // is met, in every lane.
    for special in [
        &b"\""[..],
        b"\\n\"",
        b"\\u00e9\"",
        b"\\x\"",
        b"\x01\"",
        b"\\",
    ] {
        // Plain bytes on both sides of 0x80, which a signed comparison
        // would take for control bytes.
        for filler in [b'a', 0xe9] {
            for len in 0..100 {
                for at in 0..=len {
                    let mut s = vec![filler; len];
                    s.splice(at..at, special.iter().copied());
                    s.extend_from_slice(b"\"tail");
                    assert_eq!(
                        string_end(&s, 0),
                        naive_string_end(&s, 0),
                        "{:?}",
                        String::from_utf8_lossy(&s)
                    );
                }
            }
        }
    }
}

#[test]
fn plain_end_stops_at_the_first_special_byte_or_the_tail() {
    let special = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
    for filler in [b'a', 0x7f, 0x80, 0xe9, 0xff] {
        for len in 0..100 {
            for at in 0..=len {
                let mut s = vec![filler; len];
                for c in [b'"', b'\\', 0x00, 0x1f] {
                    if at < len {
                        s[at] = c;
                    }
                    let j = plain_end(&s, 0);
                    assert!(!s[..j].iter().any(|&c| special(c)), "{s:?} {j}");
                    assert!(j < len && special(s[j]) || len - j < 8, "{s:?} {j}");
                }
            }
        }
    }
}

/// The top-level members as the raw walk (`raw::member_spans`) lists them,
/// for a line it can follow whole.
fn walked_root(line: &[u8]) -> Option<Vec<(Span, Span)>> {
    let start = skip_ws(line, 0);
    let mut root = Vec::new();
    let end = super::super::raw::member_spans(line, start, &mut |k, v| root.push((k, v)))?;
    (skip_ws(line, end) == line.len()).then_some(root)
}

/// `surely_object_with_root` answers as `surely_object`, and its members
/// are the raw walk's wherever no key is escaped.
fn check_root(line: &str) {
    let mut root = Vec::new();
    let got = surely_object_with_root(line.as_bytes(), &mut root);
    assert_eq!(got.is_some(), surely_object(line.as_bytes()), "{line:?}");
    if got == Some(true) {
        assert_eq!(Some(root), walked_root(line.as_bytes()), "{line:?}");
    }
    if got == Some(false) {
        assert_eq!(walked_root(line.as_bytes()), None, "{line:?}");
    }
}

#[test]
fn the_validation_walks_the_top_level_as_the_raw_walk() {
    for line in [
        r#"{"Channel":"Security","EventID":4688,"a":{"b":[1,{"c":"}"}]},"e":[],"f":{},"g":null}"#,
        r#" { "x" : "y" , "z" : [ [ ] , { } ] } "#,
        r#"{}"#,
        r#"{"Event":{"System":{"Channel":"System","EventID":104}},"k\"ey":1}"#,
        r#"{"a\u0041":1,"b":2}"#,
        r#"{"a":1,"a":2}"#,
    ] {
        check_root(line);
    }
}

proptest! {
    #[test]
    fn the_validation_walk_agrees_on_generated_documents(line in jsonish()) {
        check_root(&line);
    }
}
