//! Raw JSON walking: the few structural steps that field access needs,
//! without building a document.
//!
//! A candidate line is validated first (`super::validate_line`: serde_json's
//! verdict, the same grammar, limits and messages as a full parse), and then
//! only the values that rules ask for are located here and parsed on their
//! own. Locating is cheap: a walk skips every value it is not looking for at
//! memchr speed (strings jump from quote to quote), and each object's member
//! list is read once per line and kept in a [`RawIndex`].
//!
//! The walker mirrors what `Resolver::lookup` sees in the parsed document,
//! including serde_json's rules for repeated keys (the last one wins) and
//! its sorted map order (for `*` and space-insensitive keys). Where it cannot
//! be sure, a key written with an escape, or the top-level `EventData`
//! string that parsing replaces with the object it holds, it answers
//! [`Lookup::Unsure`] and the caller falls back to the parsed document.

use super::{Layout, Path, Seg};

/// A value's bytes: `line[start..end]`.
pub type Span = (usize, usize);

/// serde_json's recursion limit: deeper lines do not parse.
const MAX_DEPTH: usize = 128;

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\r' | b'\n') = b.get(i) {
        i += 1;
    }
    i
}

/// `b[i]` is `"`: the index after the closing quote.
///
/// PERF: jumps from quote to quote with `memchr` and looks back over the
/// backslashes before each (an odd run escapes it). Stopping at every
/// backslash instead made this a byte loop over Windows `Message` texts,
/// which escape `\r\n\t` every few bytes (a fifth of a full SigmaHQ scan).
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let q = j + memchr::memchr(b'"', b.get(j..)?)?;
        let run = b[i + 1..q]
            .iter()
            .rev()
            .take_while(|&&c| c == b'\\')
            .count();
        if run % 2 == 0 {
            return Some(q + 1);
        }
        j = q + 1;
    }
}

/// The end of the value starting at `b[i]`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => skip_nested(b, i),
        _ => {
            let len = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'))
                .unwrap_or(b.len() - i);
            (len > 0).then_some(i + len)
        }
    }
}

/// The end of the object or array at `b[i]`, with brackets matched by kind.
fn skip_nested(b: &[u8], i: usize) -> Option<usize> {
    // Bit d of `kinds` is set when the bracket open at depth d is `{`.
    let mut kinds: u128 = 0;
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'"' => {
                j = string_end(b, j)?;
                continue;
            }
            c @ (b'{' | b'[') => {
                if depth == MAX_DEPTH {
                    return None;
                }
                if c == b'{' {
                    kinds |= 1 << depth;
                } else {
                    kinds &= !(1 << depth);
                }
                depth += 1;
            }
            c @ (b'}' | b']') => {
                depth = depth.checked_sub(1)?;
                if (kinds >> depth & 1 == 1) != (c == b'}') {
                    return None;
                }
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// Calls `f(key, value)` for each member of the object at `b[i]`; returns
/// the index after its `}`. `None` on a key with an escape or on structure
/// it cannot follow.
pub(crate) fn members(b: &[u8], i: usize, f: &mut dyn FnMut(&[u8], Span)) -> Option<usize> {
    member_spans(b, i, &mut |k, v| f(&b[k.0..k.1], v))
}

/// [`members`] with each key as its span in `b` (without the quotes).
pub(crate) fn member_spans(b: &[u8], i: usize, f: &mut dyn FnMut(Span, Span)) -> Option<usize> {
    let mut escaped_any = false;
    let end = members_raw(b, i, &mut |k, escaped, v| {
        escaped_any |= escaped;
        if !escaped_any {
            f(k, v);
        }
    })?;
    (!escaped_any).then_some(end)
}

/// Where a field's value is, as far as the raw walk can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The value's bytes (unwrapped from a `#text` wrapper).
    Found(Span),
    /// No candidate path holds a value.
    Missing,
    /// Only the parsed document can tell.
    Unsure,
}

/// The member lists of the objects walked so far in one line. Reused from
/// line to line ([`RawIndex::clear`]) so a worker allocates nothing per line.
#[derive(Default, Debug)]
pub struct RawIndex {
    objects: Vec<Object>,
    /// (key, value) of every indexed object, each object's run contiguous;
    /// keys exclude their quotes.
    members: Vec<(Span, Span)>,
}

#[derive(Debug)]
struct Object {
    start: usize,
    first: usize,
    len: usize,
    /// Some key holds an escape: it may decode to any name.
    escaped_key: bool,
    /// Some key holds a space (only such keys answer a `KeyNoSpaces` step).
    spaced_key: bool,
}

impl RawIndex {
    /// Forgets the previous line.
    pub fn clear(&mut self) {
        self.objects.clear();
        self.members.clear();
    }

    /// Takes `members` (from `peek::gate_key_with_root`: every member of the
    /// line's top-level object, none with an escaped key) as that object's
    /// member list, so that it is not walked again. The index must be empty
    /// (just cleared).
    pub fn adopt_root(&mut self, line: &[u8], members: &[(Span, Span)]) {
        debug_assert!(self.objects.is_empty(), "adopt_root on a used index");
        let first = self.members.len();
        self.members.extend_from_slice(members);
        let spaced_key = members
            .iter()
            .any(|&(k, _)| memchr::memchr(b' ', &line[k.0..k.1]).is_some());
        self.objects.push(Object {
            start: skip_ws(line, 0),
            first,
            len: members.len(),
            escaped_key: false,
            spaced_key,
        });
    }

    /// The index of the object at `line[start]` (which is `{`), reading its
    /// members on first use. `None` if the walk cannot follow it.
    fn object(&mut self, line: &[u8], start: usize) -> Option<usize> {
        if let Some(i) = self.objects.iter().position(|o| o.start == start) {
            return Some(i);
        }
        let first = self.members.len();
        let mut escaped_key = false;
        let mut spaced_key = false;
        let members = &mut self.members;
        let ok = members_raw(line, start, &mut |key, escaped, value| {
            escaped_key |= escaped;
            spaced_key |= memchr::memchr(b' ', &line[key.0..key.1]).is_some();
            members.push((key, value));
        });
        if ok.is_none() {
            self.members.truncate(first);
            return None;
        }
        self.objects.push(Object {
            start,
            first,
            len: self.members.len() - first,
            escaped_key,
            spaced_key,
        });
        Some(self.objects.len() - 1)
    }

    /// The value of `key` in object `obj` as serde_json keeps it (the last
    /// of repeated keys).
    fn get(&self, line: &[u8], obj: usize, key: &[u8]) -> Option<Span> {
        let o = &self.objects[obj];
        self.members[o.first..o.first + o.len]
            .iter()
            .rev()
            .find(|(k, _)| &line[k.0..k.1] == key)
            .map(|&(_, v)| v)
    }

    /// The members of object `obj` as serde_json's map iterates them: one
    /// per key (the last), in byte order of the keys.
    fn sorted(&self, line: &[u8], obj: usize) -> Vec<(Span, Span)> {
        let o = &self.objects[obj];
        let mut v: Vec<(Span, Span)> = Vec::with_capacity(o.len);
        for &(k, val) in self.members[o.first..o.first + o.len].iter().rev() {
            if !v.iter().any(|(k2, _)| line[k2.0..k2.1] == line[k.0..k.1]) {
                v.push((k, val));
            }
        }
        v.sort_by(|a, b| line[a.0.0..a.0.1].cmp(&line[b.0.0..b.0.1]));
        v
    }

    /// The top-level object, or `None` when the line is not one the walk
    /// can follow.
    fn root(&mut self, line: &[u8]) -> Option<usize> {
        let start = skip_ws(line, 0);
        (line.get(start) == Some(&b'{'))
            .then(|| self.object(line, start))
            .flatten()
    }

    /// The line's layout as `Layout::detect` decides it on the parsed line,
    /// or `None` when unsure.
    pub fn layout(&mut self, line: &[u8]) -> Option<Layout> {
        let root = self.root(line)?;
        if self.objects[root].escaped_key {
            return None;
        }
        let is_object = |v: Option<Span>| v.is_some_and(|(s, _)| line[s] == b'{');
        Some(if is_object(self.get(line, root, b"Event")) {
            Layout::Evtx
        } else if is_object(self.get(line, root, b"winlog")) {
            Layout::Ecs
        } else if let Some((sys, _)) = self
            .get(line, root, b"System")
            .filter(|&(s, _)| line[s] == b'{')
        {
            // Velociraptor only when `System` holds a header (as `detect`).
            let sys = self.object(line, sys)?;
            if self.objects[sys].escaped_key {
                return None;
            }
            if self.get(line, sys, b"EventID").is_some()
                || self.get(line, sys, b"Channel").is_some()
            {
                Layout::Velociraptor
            } else {
                Layout::Flat
            }
        } else {
            Layout::Flat
        })
    }

    /// Mirrors `Resolver::lookup` over `paths` (one field's candidate paths
    /// for the line's layout): the first path that reaches a value wins.
    pub(super) fn lookup(&mut self, line: &[u8], paths: &[Path]) -> Lookup {
        let Some(root) = self.root(line) else {
            return Lookup::Unsure;
        };
        for p in paths {
            match self.walk(line, root, true, p) {
                Lookup::Missing => continue,
                Lookup::Found(v) => return self.unwrap_text(line, v),
                Lookup::Unsure => return Lookup::Unsure,
            }
        }
        Lookup::Missing
    }

    /// The value at exactly `keys` from the root, not unwrapped: the same
    /// answer as `root.get(k0)?.get(k1)…` on the parsed line.
    pub(super) fn at_keys(&mut self, line: &[u8], keys: &[&str]) -> Lookup {
        let Some(root) = self.root(line) else {
            return Lookup::Unsure;
        };
        let path: Path = keys.iter().map(|k| Seg::Key(k.to_string())).collect();
        self.walk(line, root, true, &path)
    }

    fn walk(&mut self, line: &[u8], obj: usize, top: bool, p: &[Seg]) -> Lookup {
        let Some((first, rest)) = p.split_first() else {
            return Lookup::Unsure; // paths are never empty
        };
        if self.objects[obj].escaped_key {
            return Lookup::Unsure;
        }
        // Parsing replaces a top-level `EventData` string with the object
        // it holds: only the document knows what is under it.
        if top {
            let data = self.get(line, obj, b"EventData");
            let names_data = match first {
                Seg::Key(k) => k == "EventData",
                Seg::AnyChild => true,
                Seg::KeyNoSpaces(_) => false,
            };
            if names_data && data.is_some_and(|(s, _)| line[s] == b'"') {
                return Lookup::Unsure;
            }
        }
        let step = |this: &mut Self, v: Span| -> Lookup {
            if rest.is_empty() {
                return Lookup::Found(v);
            }
            if line[v.0] != b'{' {
                return Lookup::Missing;
            }
            match this.object(line, v.0) {
                Some(child) => this.walk(line, child, false, rest),
                None => Lookup::Unsure,
            }
        };
        match first {
            Seg::Key(k) => match self.get(line, obj, k.as_bytes()) {
                Some(v) => step(self, v),
                None => Lookup::Missing,
            },
            Seg::AnyChild => {
                for (_, v) in self.sorted(line, obj) {
                    match step(self, v) {
                        Lookup::Missing => continue,
                        found_or_unsure => return found_or_unsure,
                    }
                }
                Lookup::Missing
            }
            // PERF: every field a flat record lacks ends in this step; without
            // a spaced key (nearly always) there is nothing to sort.
            Seg::KeyNoSpaces(_) if !self.objects[obj].spaced_key => Lookup::Missing,
            Seg::KeyNoSpaces(name) => {
                let hit = self.sorted(line, obj).into_iter().find(|(k, _)| {
                    let k = &line[k.0..k.1];
                    k.contains(&b' ') && k.iter().filter(|&&b| b != b' ').eq(name.as_bytes())
                });
                match hit {
                    Some((_, v)) => step(self, v),
                    None => Lookup::Missing,
                }
            }
        }
    }

    /// `Resolver::lookup` unwraps an object to its `#text` member.
    fn unwrap_text(&mut self, line: &[u8], v: Span) -> Lookup {
        if line[v.0] != b'{' {
            return Lookup::Found(v);
        }
        let Some(obj) = self.object(line, v.0) else {
            return Lookup::Unsure;
        };
        if self.objects[obj].escaped_key {
            return Lookup::Unsure;
        }
        Lookup::Found(self.get(line, obj, b"#text").unwrap_or(v))
    }
}

/// Like [`members`], but reports keys with escapes (with their raw bytes)
/// instead of refusing them.
fn members_raw(b: &[u8], i: usize, f: &mut dyn FnMut(Span, bool, Span)) -> Option<usize> {
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b'}') {
        return Some(j + 1);
    }
    loop {
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, j)?;
        let key = (j + 1, key_end - 1);
        let escaped = memchr::memchr(b'\\', &b[key.0..key.1]).is_some();
        j = skip_ws(b, key_end);
        if b.get(j) != Some(&b':') {
            return None;
        }
        let vs = skip_ws(b, j + 1);
        let ve = skip_value(b, vs)?;
        f(key, escaped, (vs, ve));
        j = skip_ws(b, ve);
        match b.get(j) {
            Some(b',') => j = skip_ws(b, j + 1),
            Some(b'}') => return Some(j + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{FieldMap, Resolver, parse_line};

    /// For every name, the raw answer agrees with the parsed document (or is
    /// `Unsure`); returns the answers as text for spot checks.
    fn check(line: &str, names: &[&str]) -> Vec<String> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let r = Resolver::new(&names, &FieldMap::new());
        let doc = parse_line(line.as_bytes()).expect("test lines parse");
        let mut index = RawIndex::default();
        let layout = index.layout(line.as_bytes());
        let mut out = Vec::new();
        for id in 0..names.len() as u32 {
            let want = r.lookup(&doc, Layout::detect(&doc), id);
            let Some(layout) = layout else {
                out.push("unsure".into());
                continue;
            };
            assert_eq!(layout, Layout::detect(&doc), "{line}");
            match r.locate(&mut index, line.as_bytes(), layout, id) {
                Lookup::Found((s, e)) => {
                    let got: serde_json::Value = serde_json::from_str(&line[s..e]).unwrap();
                    assert_eq!(Some(&got), want, "{line} {}", names[id as usize]);
                    out.push(got.to_string());
                }
                Lookup::Missing => {
                    assert_eq!(want, None, "{line} {}", names[id as usize]);
                    out.push("missing".into());
                }
                Lookup::Unsure => out.push("unsure".into()),
            }
        }
        out
    }

    #[test]
    fn agrees_with_the_document() {
        let evtx = r##"{"Event":{"System":{"EventID":{"#attributes":{"Q":1},"#text":4104},"Channel":"C"},"EventData":{"Image":"C:\\x.exe","Threat Name":"eicar","N":[1,{"a":"}"}]},"UserData":{"B":{"User":"b"},"A":{"User":"a"}}}}"##;
        assert_eq!(
            check(
                evtx,
                &[
                    "EventID",
                    "Channel",
                    "Image",
                    "ThreatName",
                    "User",
                    "Nope",
                    "N"
                ]
            ),
            [
                "4104",
                "\"C\"",
                "\"C:\\\\x.exe\"",
                "\"eicar\"",
                "\"a\"",
                "missing",
                "[1,{\"a\":\"}\"}]"
            ]
        );
        // Repeated keys: the last wins, as in serde_json's map.
        assert_eq!(
            check(r#"{"Image":"a","Image":"b","EventID":1}"#, &["Image"]),
            ["\"b\""]
        );
        // Space-insensitive keys in byte order (`Threat  Name` sorts first);
        // `#text` unwrapping.
        assert_eq!(
            check(
                r##"{"Threat  Name":"z","Threat Name":"y","CommandLine":{"#text":"c"}}"##,
                &["ThreatName", "CommandLine"]
            ),
            ["\"z\"", "\"c\""]
        );
        // Two levels of `*` under UserData, each in map order.
        assert_eq!(
            check(
                r#"{"Event":{"System":{"EventID":1},"UserData":{"B":{"X":{"Deep":"b"}},"A":{"Z":{"Deep":"z"},"Y":{"Deep":"a"}}}}}"#,
                &["Deep"]
            ),
            ["\"a\""]
        );
        // A `System` without a header is a flat record's field.
        assert_eq!(
            check(
                r#"{"System":{"Name":"x"},"Channel":"C","EventID":1}"#,
                &["Channel", "Name"]
            ),
            ["\"C\"", "missing"]
        );
        // Velociraptor: payload before the header, `EventID.Value`.
        assert_eq!(
            check(
                r#"{"System":{"EventID":{"Value":104},"Channel":"System","Provider":{"Name":"P"}},"UserData":{"L":{"Channel":"Security"}}}"#,
                &[
                    "EventID",
                    "Channel",
                    "Provider_Name",
                    crate::event::GATE_CHANNEL
                ]
            ),
            ["104", "\"Security\"", "\"P\"", "\"System\""]
        );
        assert_eq!(
            check(
                r#"{"winlog":{"event_id":4624,"event_data":{"TargetUserName":"bob"}},"event":{"code":"1"}}"#,
                &["EventID", "TargetUserName", "winlog.event_data"]
            ),
            ["4624", "\"bob\"", "{\"TargetUserName\":\"bob\"}"]
        );
    }

    /// An index that adopted the routing peek's (or the shape's) walk of
    /// the top level answers every lookup as one that walked it itself.
    #[test]
    fn adopted_root_answers_as_a_walked_one() {
        let names: Vec<String> = [
            "EventID",
            "Channel",
            "Image",
            "ThreatName",
            "User",
            "Deep",
            "Nope",
            "N",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = Resolver::new(&names, &FieldMap::new());
        let lines = [
            r##"{"Event":{"System":{"EventID":4104,"Channel":"C"},"EventData":{"Image":"x","Threat Name":"e"},"UserData":{"A":{"User":"a"}}}}"##,
            r#"{"Channel":"Security","EventID":4624,"Threat Name":"t","Image":"a","Image":"b","N":[1]}"#,
            r#"{"winlog":{"channel":"Security","event_id":1,"event_data":{"User":"u"}}}"#,
            r#" {"System":{"EventID":{"Value":104},"Channel":"System"},"UserData":{"L":{"Deep":"d"}}} "#,
        ];
        let mut adopted_any = 0;
        for line in lines {
            let b = line.as_bytes();
            let layout = {
                let mut walked = RawIndex::default();
                walked.layout(b)
            };
            for via in ["peek", "shape"] {
                let mut root = Vec::new();
                let ok = match via {
                    "peek" => crate::event::peek::gate_key_with_root(b, &mut root).is_some(),
                    _ => crate::event::shape::shape_with_root(b, &mut Vec::new(), &mut root),
                };
                if !ok {
                    continue;
                }
                adopted_any += 1;
                let mut adopted = RawIndex::default();
                adopted.adopt_root(b, &root);
                let mut walked = RawIndex::default();
                assert_eq!(adopted.layout(b), layout, "{via}: {line}");
                let layout = walked.layout(b).expect("a layout");
                for id in 0..names.len() as u32 {
                    assert_eq!(
                        r.locate(&mut adopted, b, layout, id),
                        r.locate(&mut walked, b, layout, id),
                        "{via}: {line}: {}",
                        names[id as usize]
                    );
                }
            }
        }
        assert!(adopted_any >= 7, "{adopted_any}");
    }

    #[test]
    fn unsure_where_parsing_could_differ() {
        // An escaped key may be any name.
        assert_eq!(
            check(r#"{"Im\u0061ge":"a","EventID":1}"#, &["Image"]),
            ["unsure"]
        );
        // `EventData` as a string holding JSON is expanded by the parser.
        assert_eq!(
            check(
                r#"{"EventData":"{\"Image\":\"a\"}","EventID":1}"#,
                &["Image", "EventID"]
            ),
            ["unsure", "1"]
        );
        // Non-objects on the way are simply missing.
        assert_eq!(
            check(r#"{"Event":"x","EventData":[1],"EventID":1}"#, &["Image"]),
            ["missing"]
        );
    }

    #[test]
    fn string_ends() {
        let s = br#""abc\"def\\" x"#;
        assert_eq!(string_end(s, 0), Some(12));
        let long = format!("\"{}\"", "a".repeat(40));
        assert_eq!(string_end(long.as_bytes(), 0), Some(42));
        assert_eq!(string_end(br#""\\\"\\" x"#, 0), Some(8));
        assert_eq!(string_end(b"\"abc", 0), None);
        assert_eq!(string_end(b"\"abc\\", 0), None);
        let unterminated = format!("\"{}", "a".repeat(40));
        assert_eq!(string_end(unterminated.as_bytes(), 0), None);
    }
}
