//! Unit tests: determinism, sizes, exact hit counts checked by an independent JSON
//! reader, and the vocabulary rules the hit count relies on.

use super::*;
use crate::procs::*;
use crate::rng::*;
use crate::scripts::*;
use crate::text::*;
use crate::vocab::*;
use crate::world::*;

/// The seed rule's strings, typed again from the rule (not taken from [`SEED_NEEDLES`]).
const SEED_STRINGS: [&str; 38] = [
    "AddSecurityPackage",
    "AdjustTokenPrivileges",
    "CloseHandle",
    "CreateProcessWithToken",
    "CreateRemoteThread",
    "CreateThread",
    "CreateUserThread",
    "DangerousGetHandle",
    "DuplicateTokenEx",
    "EnumerateSecurityPackages",
    "FreeLibrary",
    "GetDelegateForFunctionPointer",
    "GetLogonSessionData",
    "GetModuleHandle",
    "GetProcAddress",
    "GetProcessHandle",
    "GetTokenInformation",
    "ImpersonateLoggedOnUser",
    "LoadLibrary",
    "memcpy",
    "MiniDumpWriteDump",
    "OpenDesktop",
    "OpenProcess",
    "OpenProcessToken",
    "OpenThreadToken",
    "OpenWindowStation",
    "QueueUserApc",
    "ReadProcessMemory",
    "RevertToSelf",
    "RtlCreateUserThread",
    "SetThreadToken",
    "VirtualAlloc",
    "VirtualFree",
    "VirtualProtect",
    "WaitForSingleObject",
    "WriteInt32",
    "WriteProcessMemory",
    "ZeroFreeGlobalAllocUnicode",
];

fn has_seed_string(s: &str) -> bool {
    let l = s.to_lowercase();
    SEED_STRINGS.iter().any(|n| l.contains(&n.to_lowercase()))
}

// ---- a minimal JSON parser, for validation and field access ----

#[derive(Debug, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn get(&self, k: &str) -> Option<&J> {
        match self {
            J::Obj(v) => v.iter().find(|(n, _)| n == k).map(|(_, j)| j),
            _ => None,
        }
    }
    fn path(&self, ks: &[&str]) -> Option<&J> {
        ks.iter().try_fold(self, |j, k| j.get(k))
    }
    fn str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at {}", c as char, self.i))
        }
    }
    fn lit(&mut self, w: &str, j: J) -> Result<J, String> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(j)
        } else {
            Err(format!("bad literal at {}", self.i))
        }
    }
    fn value(&mut self) -> Result<J, String> {
        self.ws();
        match self.peek().ok_or("unexpected end")? {
            b'{' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(J::Obj(v));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    let x = self.value()?;
                    if v.iter().any(|(n, _)| *n == k) {
                        return Err(format!("duplicate key {k}"));
                    }
                    v.push((k, x));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(J::Obj(v));
                        }
                        _ => return Err(format!("bad object at {}", self.i)),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(J::Arr(v));
                }
                loop {
                    v.push(self.value()?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(J::Arr(v));
                        }
                        _ => return Err(format!("bad array at {}", self.i)),
                    }
                }
            }
            b'"' => Ok(J::Str(self.string()?)),
            b't' => self.lit("true", J::Bool(true)),
            b'f' => self.lit("false", J::Bool(false)),
            b'n' => self.lit("null", J::Null),
            _ => self.number(),
        }
    }
    fn digits(&mut self) -> usize {
        let st = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - st
    }
    fn number(&mut self) -> Result<J, String> {
        let st = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let first = self.peek();
        let n = self.digits();
        if n == 0 || (first == Some(b'0') && n > 1) {
            return Err(format!("bad number at {st}"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(format!("bad fraction at {st}"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(format!("bad exponent at {st}"));
            }
        }
        Ok(J::Num(
            String::from_utf8(self.s[st..self.i].to_vec()).unwrap(),
        ))
    }
    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or("short \\u")?;
        let v =
            u32::from_str_radix(std::str::from_utf8(h).unwrap(), 16).map_err(|e| e.to_string())?;
        self.i += 4;
        Ok(v)
    }
    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let e = self.peek().ok_or("bad escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut v = self.hex4()?;
                            if (0xd800..0xdc00).contains(&v) {
                                self.eat(b'\\')?;
                                self.eat(b'u')?;
                                let lo = self.hex4()?;
                                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                            }
                            char::from_u32(v).ok_or("bad \\u")?
                        }
                        _ => return Err(format!("bad escape at {}", self.i)),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..0x20 => return Err(format!("raw control char at {}", self.i)),
                _ => out.push(c),
            }
        }
    }
}

fn parse(line: &str) -> Result<J, String> {
    let mut p = P {
        s: line.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != line.len() {
        return Err(format!("trailing data at {}", p.i));
    }
    Ok(v)
}

fn gen_bytes(size: u64, seed: u64, hit_rate: f64) -> (Vec<u8>, GenSummary) {
    let mut out = Vec::new();
    let sum = generate(
        &GenConfig {
            size,
            seed,
            hit_rate,
        },
        &mut out,
    )
    .unwrap();
    (out, sum)
}

/// Independent scan of a corpus.
#[derive(Default, Debug)]
struct Scan {
    events: u64,
    hits: u64,
    ps4104: u64,
    distractors: u64,
    max_line: usize,
    script_min: usize,
    script_max: usize,
}

fn scan(out: &[u8]) -> Scan {
    let text = std::str::from_utf8(out).expect("UTF-8");
    assert!(text.is_empty() || text.ends_with('\n'));
    let mut s = Scan {
        script_min: usize::MAX,
        ..Scan::default()
    };
    let mut last_time = String::new();
    for line in text.split_terminator('\n') {
        s.events += 1;
        s.max_line = s.max_line.max(line.len() + 1);
        assert!(line.starts_with("{\"Event\":{") && line.ends_with('}'));
        let ev = parse(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let sys = ev.path(&["Event", "System"]).expect("System");
        let t = sys
            .path(&["TimeCreated", "#attributes", "SystemTime"])
            .and_then(J::str)
            .expect("SystemTime");
        assert_eq!(t.len(), 28, "{t}");
        assert!(t > last_time.as_str(), "time not increasing: {t}");
        last_time = t.to_string();
        assert!(sys.get("Computer").and_then(J::str).is_some());
        assert!(matches!(sys.get("EventRecordID"), Some(J::Num(_))));
        let chan = sys.get("Channel").and_then(J::str).expect("Channel");
        let eid = match sys.get("EventID").expect("EventID") {
            J::Num(n) => n.clone(),
            j => match j.get("#text") {
                Some(J::Num(n)) => n.clone(),
                _ => panic!("bad EventID {j:?}"),
            },
        };
        let sbt = ev
            .path(&["Event", "EventData", "ScriptBlockText"])
            .and_then(J::str);
        let genuine = eid == "4104" && chan == "Microsoft-Windows-PowerShell/Operational";
        if genuine {
            s.ps4104 += 1;
            let sbt = sbt.expect("4104 without ScriptBlockText");
            s.script_min = s.script_min.min(sbt.len());
            s.script_max = s.script_max.max(sbt.len());
        }
        if genuine && sbt.is_some_and(has_seed_string) {
            s.hits += 1;
        } else if has_seed_string(line) {
            s.distractors += 1;
        }
    }
    s
}

#[test]
fn same_seed_same_bytes() {
    let (a, sa) = gen_bytes(1 << 20, 42, 0.1);
    let (b, sb) = gen_bytes(1 << 20, 42, 0.1);
    assert_eq!(sa, sb);
    assert!(a == b);
}

#[test]
fn different_seeds_differ() {
    let (a, _) = gen_bytes(200_000, 1, 0.1);
    let (b, _) = gen_bytes(200_000, 2, 0.1);
    assert!(a != b);
    let (c, _) = gen_bytes(200_000, 1, 0.5);
    assert!(a != c);
}

#[test]
fn smaller_size_is_a_prefix() {
    let (a, _) = gen_bytes(300_000, 9, 0.2);
    let (b, _) = gen_bytes(1_000_000, 9, 0.2);
    assert!(b.starts_with(&a));
}

#[test]
fn size_is_respected() {
    for &size in &[0u64, 1, 1000, 123_457, 3_000_001] {
        let (out, sum) = gen_bytes(size, 7, 0.05);
        assert_eq!(sum.bytes, out.len() as u64);
        assert!(out.len() as u64 >= size);
        if size == 0 {
            assert!(out.is_empty());
            assert_eq!(sum.events, 0);
            continue;
        }
        assert_eq!(*out.last().unwrap(), b'\n');
        // Everything before the last line stays below `size`.
        let before_last = out[..out.len() - 1]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        assert!((before_last as u64) < size);
        assert_eq!(
            sum.events,
            out.iter().filter(|&&c| c == b'\n').count() as u64
        );
    }
}

#[test]
fn lines_are_valid_json_and_hits_are_exact() {
    for (seed, rate) in [(1u64, 0.0), (2, 0.05), (3, 0.5), (4, 1.0)] {
        let (out, sum) = gen_bytes(2_500_000, seed, rate);
        let s = scan(&out);
        assert_eq!(s.events, sum.events);
        assert_eq!(s.hits, sum.seed_hits, "seed {seed} rate {rate}: {s:?}");
        assert!(s.max_line < 64 << 10, "{s:?}");
        assert!(s.script_min >= 200 && s.script_max <= 9000, "{s:?}");
        assert!(s.distractors > 0, "{s:?}");
        if rate == 0.0 {
            assert_eq!(sum.seed_hits, 0);
        }
        if rate == 1.0 {
            assert_eq!(sum.seed_hits, s.ps4104);
        }
        if rate == 0.05 {
            let frac = sum.seed_hits as f64 / s.ps4104 as f64;
            assert!((0.01..0.12).contains(&frac), "{frac}");
        }
        // 4104 share by count: about 15 %.
        let share = s.ps4104 as f64 / s.events as f64;
        assert!((0.11..0.19).contains(&share), "{share}");
    }
}

#[test]
fn script_text_has_escapes_and_unicode() {
    let (out, _) = gen_bytes(1 << 20, 5, 0.1);
    let text = std::str::from_utf8(&out).unwrap();
    let mut crlf = false;
    let mut backslash = false;
    let mut quote = false;
    let mut unicode = false;
    for line in text.lines().filter(|l| l.contains("\"EventID\":4104,")) {
        let ev = parse(line).unwrap();
        let sbt = ev
            .path(&["Event", "EventData", "ScriptBlockText"])
            .and_then(J::str)
            .unwrap();
        crlf |= sbt.contains("\r\n");
        backslash |= sbt.contains('\\');
        quote |= sbt.contains('"');
        unicode |= !sbt.is_ascii();
    }
    assert!(crlf && backslash && quote && unicode);
}

#[test]
fn bad_hit_rate_is_rejected() {
    for r in [-0.1, 1.5, f64::NAN] {
        let mut out = Vec::new();
        let e = generate(
            &GenConfig {
                size: 10,
                seed: 0,
                hit_rate: r,
            },
            &mut out,
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
    }
}

#[test]
fn needle_table_matches_rule() {
    assert_eq!(SEED_NEEDLES, SEED_STRINGS);
}

/// The shared copy equals the rule file's `ScriptBlockText|contains` list, in order.
#[test]
fn needle_table_matches_rule_file() {
    let rule = include_str!("../../../corpora/rules/posh_win_api_functions.yml");
    let start = rule
        .find("ScriptBlockText|contains:")
        .expect("the rule's list");
    let listed: Vec<&str> = rule[start..]
        .lines()
        .skip(1)
        .map_while(|l| l.trim().strip_prefix("- '")?.strip_suffix('\''))
        .collect();
    assert_eq!(listed, SEED_NEEDLES);
}

/// Splits a template into its literal parts and slot letters.
fn split_template(t: &str) -> (Vec<&str>, Vec<u8>) {
    let mut lits = Vec::new();
    let mut slots = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('§') {
        lits.push(&rest[..i]);
        slots.push(rest.as_bytes()[i + 2]);
        rest = &rest[i + 3..];
    }
    lits.push(rest);
    (lits, slots)
}

/// The construction argument of the module doc: ordinary 4104 scripts hold no seed
/// string because no template text and no slot value holds one, and every slot
/// sits between non-alphanumeric characters.
#[test]
fn script_vocabulary_is_free_of_seed_strings() {
    const SLOTS: &[u8] = b"VFCPDEUOHhNnSKRWIGXTB";
    for t in SNIPPETS {
        let (lits, slots) = split_template(t);
        for l in &lits {
            assert!(!has_seed_string(l), "{l}");
        }
        for (k, &s) in slots.iter().enumerate() {
            assert!(SLOTS.contains(&s), "slot {} in {t}", s as char);
            let before = lits[k].as_bytes().last();
            let after = lits[k + 1].as_bytes().first();
            assert!(
                !before.is_some_and(u8::is_ascii_alphanumeric)
                    && !after.is_some_and(u8::is_ascii_alphanumeric),
                "slot {} not bounded in {t}",
                s as char
            );
        }
    }
    let lists: &[&[&str]] = &[
        VARS,
        VERBS,
        NOUNS,
        CMDLETS,
        USERS,
        WORDS,
        EXTS,
        VENDORS,
        PRODUCTS,
        SERVICES,
        SVCHOST_GROUPS,
        REG_KEYS,
        URL_HOSTS,
    ];
    for l in lists {
        for v in *l {
            assert!(!has_seed_string(v), "{v}");
        }
    }
    for (n, d) in DOMAINS {
        assert!(!has_seed_string(n) && !has_seed_string(d));
    }
    // Fixed parts of generated values.
    for p in [
        r"C:\Users\",
        r"\Documents",
        r"\Desktop",
        r"\AppData\Local\Temp",
        r"C:\ProgramData\",
        r"C:\Program Files\",
        r"D:\Data\",
        r"C:\Windows\Temp",
        r"C:\Scripts",
        r"\share\",
        r"\OneDrive - ",
        "https://",
        "intranet.",
        "/api/v",
        "?page=",
        r"HKLM:\SOFTWARE\",
        "DC",
        "LT-",
        "WS-",
        "FS01",
        "SQL01",
        "APP01",
        "WEB01",
        "EXCH01",
        "PRINT01",
        "SCCM01",
    ] {
        assert!(!has_seed_string(p), "{p}");
    }
    // Every slot of every template is known to `fill`.
    let mut rng = Rng::new(1);
    let w = World::new(&mut rng);
    let cx = Cx {
        host: 0,
        user: 0,
        image: "x",
        z: "z",
        dll: "d",
    };
    let mut o = String::new();
    let all = SNIPPETS
        .iter()
        .chain(HIT_SNIPPETS)
        .chain(HIT_SNIPPETS_NATIVE)
        .chain(HIT_SNIPPETS_MANAGED)
        .chain(ONE_LINERS)
        .chain(ONE_LINERS_Z)
        .chain(PAYLOADS_4103)
        .chain(PAYLOADS_4103_Z)
        .chain([CONTEXT_4103, DETAILS_800].iter())
        .chain(PROCS.iter().flat_map(|p| [&p.image, &p.cmd]))
        .chain(NET_IMAGES);
    for t in all {
        w.expand(&mut rng, t, &cx, &mut o);
    }
    // Hit snippets always carry the seed string.
    assert!(SNIPPETS.len() <= 64);
    assert!(SNIPPETS.iter().map(|t| t.len()).sum::<usize>() > 2 * 8192);
    for t in HIT_SNIPPETS
        .iter()
        .chain(HIT_SNIPPETS_NATIVE)
        .chain(HIT_SNIPPETS_MANAGED)
    {
        assert!(t.contains("§Z"), "{t}");
    }
}

#[test]
fn time_format() {
    let mut o = String::new();
    push_time(
        &mut o,
        TICKS_2024 + 59 * 86_400 * 10_000_000 + 1234567,
        true,
    );
    assert_eq!(o, "2024-02-29T00:00:00.1234567Z");
    o.clear();
    push_time(
        &mut o,
        TICKS_2024 + 366 * 86_400 * 10_000_000 - 10_000,
        false,
    );
    assert_eq!(o, "2024-12-31 23:59:59.999");
}

#[test]
fn escaping() {
    let mut o = String::new();
    push_esc(&mut o, "a\"b\\c\r\nd\te\u{1}ü");
    assert_eq!(o, r#"a\"b\\c\r\nd\te\u0001ü"#);
}
