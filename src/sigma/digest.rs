//! The rule-set hash carried by every hit record (`ruleset_hash`): it names
//! the rules a hit was found with, identically on every machine that loads
//! the same rules, so a driver can check that all of a distributed scan's
//! tasks ran one rule set and a reader can tell results of different rule
//! sets apart. It identifies; it does not secure (FNV-1a is no MAC).
//!
//! What it covers, and what it deliberately does not:
//!
//! - Each YAML document of each rule file, as a parsed tree: mapping keys in
//!   order, sequences, scalars with their text and whether they were quoted
//!   (`4104` and `'4104'` mean different things to Sigma). Not covered:
//!   the file's path or name, comments, indentation, line endings, quoting
//!   style beyond quoted/plain, the order of files and of documents (the
//!   document digests are sorted). A file that is not valid YAML counts as
//!   its raw bytes; an unreadable file as the marker "unreadable". Files
//!   are found as the loader finds them (dot-directories skipped, a file
//!   reached twice counted once), and a document whose `id` an earlier one
//!   has is left out, as the loader leaves it out.
//! - The options that change what the rules compile to: `--no-logsource` and
//!   the `--placeholders` values (sorted by name). Not the field map and not
//!   the sigscan version.
//!
//! Encoding (so another tool can recompute it): a document is
//! `S|Q <len> <text>` for a plain|quoted scalar, `L <n> items…`, `M <n>
//! (<len> <key> value)…`, lengths and counts as u64 little-endian; its digest
//! is FNV-1a 64 of that. The set's hash is FNV-1a 64 over `sigscan-ruleset-1`,
//! the document count and the sorted digests (u64 LE), a `0`/`1` byte for
//! `--no-logsource`, then the placeholder count and each name with its
//! values, length-prefixed. It is written as 16 lowercase hex digits.

use std::collections::HashMap;
use std::path::PathBuf;

use super::yaml::{self, Node, NodeKind};

/// FNV-1a, 64 bits.
#[derive(Clone, Copy, Debug)]
struct Fnv(u64);

impl Fnv {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Fnv {
        Fnv(Self::OFFSET)
    }

    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn u64(&mut self, n: u64) {
        self.bytes(&n.to_le_bytes());
    }

    fn text(&mut self, s: &[u8]) {
        self.u64(s.len() as u64);
        self.bytes(s);
    }
}

fn node(h: &mut Fnv, n: &Node) {
    match &n.kind {
        NodeKind::Scalar { text, plain } => {
            h.bytes(if *plain { b"S" } else { b"Q" });
            h.text(text.as_bytes());
        }
        NodeKind::Seq(items) => {
            h.bytes(b"L");
            h.u64(items.len() as u64);
            items.iter().for_each(|i| node(h, i));
        }
        NodeKind::Map(entries) => {
            h.bytes(b"M");
            h.u64(entries.len() as u64);
            for (k, v) in entries {
                h.text(k.as_bytes());
                node(h, v);
            }
        }
    }
}

/// The digest of one parsed document.
pub fn document_digest(doc: &Node) -> u64 {
    let mut h = Fnv::new();
    node(&mut h, doc);
    h.0
}

/// The digests of every document of one rule file's bytes.
pub fn file_digests(bytes: &[u8], out: &mut Vec<u64>) {
    file_digests_skipping(bytes, &mut std::collections::HashSet::new(), out);
}

/// [`file_digests`], leaving out a document whose `id` is in `seen_ids` (a
/// duplicate that [`super::RuleSet::load`] does not load either); adds the
/// ids it keeps.
pub fn file_digests_skipping(
    bytes: &[u8],
    seen_ids: &mut std::collections::HashSet<String>,
    out: &mut Vec<u64>,
) {
    let text = String::from_utf8_lossy(bytes);
    match yaml::parse_documents(&text) {
        Ok(docs) => {
            for doc in &docs {
                if let Some(id) = doc.get("id").and_then(|n| n.as_str())
                    && !seen_ids.insert(id.to_string())
                {
                    continue;
                }
                out.push(document_digest(doc));
            }
        }
        Err(_) => {
            let mut h = Fnv::new();
            h.bytes(b"X");
            h.text(bytes);
            out.push(h.0);
        }
    }
}

/// The rule-set hash of the rule files under `paths` (walked like
/// [`super::RuleSet::load`]) with the given compile options.
pub fn ruleset_hash(
    paths: &[PathBuf],
    no_logsource: bool,
    placeholders: &HashMap<String, Vec<String>>,
) -> String {
    let mut errors = Vec::new();
    let files = super::rule_files(paths, &mut errors);
    let mut digests = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    for f in &files {
        match std::fs::read(f) {
            Ok(bytes) => file_digests_skipping(&bytes, &mut seen_ids, &mut digests),
            Err(_) => {
                let mut h = Fnv::new();
                h.bytes(b"unreadable");
                digests.push(h.0);
            }
        }
    }
    hash_of(digests, no_logsource, placeholders)
}

fn hash_of(
    mut digests: Vec<u64>,
    no_logsource: bool,
    placeholders: &HashMap<String, Vec<String>>,
) -> String {
    digests.sort_unstable();
    let mut h = Fnv::new();
    h.bytes(b"sigscan-ruleset-1");
    h.u64(digests.len() as u64);
    digests.iter().for_each(|&d| h.u64(d));
    h.bytes(if no_logsource { b"1" } else { b"0" });
    let mut names: Vec<&String> = placeholders.keys().collect();
    names.sort();
    h.u64(names.len() as u64);
    for name in names {
        h.text(name.as_bytes());
        let values = &placeholders[name];
        h.u64(values.len() as u64);
        values.iter().for_each(|v| h.text(v.as_bytes()));
    }
    format!("{:016x}", h.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_texts(files: &[&str]) -> String {
        let mut d = Vec::new();
        for f in files {
            file_digests(f.as_bytes(), &mut d);
        }
        hash_of(d, false, &HashMap::new())
    }

    #[test]
    fn fnv1a_reference_values() {
        // Published FNV-1a 64 test vectors.
        let mut h = Fnv::new();
        h.bytes(b"");
        assert_eq!(h.0, 0xcbf29ce484222325);
        let mut h = Fnv::new();
        h.bytes(b"a");
        assert_eq!(h.0, 0xaf63dc4c8601ec8c);
        let mut h = Fnv::new();
        h.bytes(b"foobar");
        assert_eq!(h.0, 0x85944171f73967e8);
    }

    #[test]
    fn formatting_and_order_do_not_matter_content_does() {
        let a = "title: A\ndetection:\n  s:\n    F: x\n  condition: s\n";
        let b = "title: B\ndetection:\n  s:\n    F: y\n  condition: s\n";
        let base = hash_texts(&[a, b]);
        assert_eq!(base.len(), 16);
        // Other file order, one file with two documents, comments, CRLF, flow style.
        assert_eq!(hash_texts(&[b, a]), base);
        assert_eq!(hash_texts(&[&format!("{b}---\n{a}")]), base);
        let a2 = "# comment\r\ntitle: A\r\ndetection: {s: {F: x}, condition: s}\r\n";
        assert_eq!(hash_texts(&[a2, b]), base);
        // A changed value, a quoted number, a key order change, a missing document.
        assert_ne!(hash_texts(&[&a.replace("x", "z"), b]), base);
        assert_ne!(
            hash_texts(&["id: 4104\n"]),
            hash_texts(&["id: '4104'\n"]),
            "quoting changes Sigma's typing"
        );
        assert_ne!(hash_texts(&["a: 1\nb: 2\n"]), hash_texts(&["b: 2\na: 1\n"]));
        assert_ne!(hash_texts(&[a]), base);
        // Options.
        let mut d = Vec::new();
        file_digests(a.as_bytes(), &mut d);
        let plain = hash_of(d.clone(), false, &HashMap::new());
        assert_ne!(hash_of(d.clone(), true, &HashMap::new()), plain);
        let ph: HashMap<String, Vec<String>> = [("admins".to_string(), vec!["root".to_string()])]
            .into_iter()
            .collect();
        assert_ne!(hash_of(d, false, &ph), plain);
        // Not YAML: hashed as bytes, still deterministic.
        assert_eq!(hash_texts(&["a: [\n"]), hash_texts(&["a: [\n"]));
        assert_ne!(hash_texts(&["a: [\n"]), hash_texts(&["a: {\n"]));
    }
}
