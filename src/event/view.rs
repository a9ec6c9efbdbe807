//! One candidate event as the compiled rules see it: fields located in the
//! raw line and parsed one at a time, on first use.
//!
//! A full serde_json document per candidate line (every key a `String` in a
//! `BTreeMap`, every value allocated) cost more than a quarter of a full
//! SigmaHQ scan, and a rule reads a handful of fields. So a [`View`] keeps
//! the line's text, validated up front by `event::validate_line` (exactly the
//! full parser's verdict), locates a field with `event::raw` when a rule asks
//! for it, parses just that value, and keeps it in a per-worker slot for the
//! other rules of the line. Where the raw walk is unsure (an escaped key, an
//! embedded `EventData` string), and for keyword searches, which read every
//! value, the line is parsed in full once and the answer taken from there.
//!
//! The slots are a `OnceCell` per interned field id, owned by the worker and
//! reset after each line ([`Fields::reset`]), so values live exactly as long
//! as the line's evaluation and nothing is allocated for fields never asked.
//!
//! Hit records read their events through a view too (`output::record`):
//! the time, host and record id with resolvers of their own
//! ([`View::lookup`]), the rule's fields through the slots. PERF: parsing
//! each hit line in full for its record cost about as much as the rest of
//! the record (SigmaHQ's Windows rules over Mordor: 76 of 177 samples of
//! the workers' record writing).

use std::cell::{OnceCell, RefCell};

use serde_json::Value as Json;

use crate::compile::{EventSource, FieldId};
use crate::event::raw::{Lookup, RawIndex, Span};
use crate::event::{self, Layout, ParsedEvent, Resolver};

/// Per-worker storage behind the views of its lines.
pub struct Fields {
    slots: Vec<OnceCell<Option<Json>>>,
    touched: RefCell<Vec<FieldId>>,
    index: RefCell<RawIndex>,
    document: OnceCell<Option<Json>>,
}

impl Fields {
    /// Storage for `fields` interned field ids.
    pub fn new(fields: usize) -> Fields {
        Fields {
            slots: (0..fields).map(|_| OnceCell::new()).collect(),
            touched: RefCell::new(Vec::new()),
            index: RefCell::new(RawIndex::default()),
            document: OnceCell::new(),
        }
    }

    /// Takes the line's top-level members, walked already (see
    /// `RawIndex::adopt_root`). Call right after [`Fields::reset`].
    pub(crate) fn adopt_root(&mut self, line: &[u8], members: &[(Span, Span)]) {
        self.index.get_mut().adopt_root(line, members);
    }

    /// Forgets the last line's values.
    pub fn reset(&mut self) {
        for id in self.touched.get_mut().drain(..) {
            self.slots[id as usize].take();
        }
        self.index.get_mut().clear();
        self.document.take();
    }
}

/// One validated line, its fields resolved lazily.
pub struct View<'a> {
    line: &'a str,
    resolver: &'a Resolver,
    /// `None`: the raw walk cannot tell the layout; every field comes from
    /// the parsed document.
    layout: Option<Layout>,
    fields: &'a Fields,
}

impl<'a> View<'a> {
    /// A view of `line`, which `event::validate_line` accepted. `fields`
    /// must have been reset since its last line.
    pub fn new(line: &'a str, resolver: &'a Resolver, fields: &'a Fields) -> View<'a> {
        let layout = fields.index.borrow_mut().layout(line.as_bytes());
        View {
            line,
            resolver,
            layout,
            fields,
        }
    }

    /// The event's layout (from the document where the raw walk cannot
    /// tell), `None` if the line does not parse.
    pub fn layout(&self) -> Option<Layout> {
        self.layout.or_else(|| self.document().map(Layout::detect))
    }

    /// The line parsed in full (once per line), for what no resolver
    /// names; `None` if it does not parse.
    pub fn document(&self) -> Option<&'a Json> {
        self.fields
            .document
            .get_or_init(|| event::parse_line(self.line.as_bytes()).ok())
            .as_ref()
    }

    /// The value at exactly `keys` from the root (`["winlog",
    /// "record_id"]`), as `root.get(k0)?.get(k1)…` reads the parsed line;
    /// not kept.
    pub fn at(&self, keys: &[&str]) -> Option<Json> {
        let found = self
            .fields
            .index
            .borrow_mut()
            .at_keys(self.line.as_bytes(), keys);
        self.raw_answer(found).unwrap_or_else(|| {
            let mut v = self.document()?;
            for k in keys {
                v = v.get(k)?;
            }
            Some(v.clone())
        })
    }

    /// The value `resolver` (not the view's own) resolves `id` to, as
    /// `resolver.lookup` would read it from the parsed line; not kept.
    pub fn lookup(&self, resolver: &Resolver, id: FieldId) -> Option<Json> {
        if let Some(layout) = self.layout {
            let found = resolver.locate(
                &mut self.fields.index.borrow_mut(),
                self.line.as_bytes(),
                layout,
                id,
            );
            if let Some(answer) = self.raw_answer(found) {
                return answer;
            }
        }
        let root = self.document()?;
        resolver.lookup(root, Layout::detect(root), id).cloned()
    }

    /// What the raw walk's `found` answers, or `None` where only the
    /// document can tell. A span the walker found is a whole JSON value of
    /// a line that parsed, so its parse succeeds; if it ever did not, the
    /// document decides.
    fn raw_answer(&self, found: Lookup) -> Option<Option<Json>> {
        match found {
            Lookup::Missing => Some(None),
            Lookup::Found((s, e)) => serde_json::from_str(&self.line[s..e]).ok().map(Some),
            Lookup::Unsure => None,
        }
    }
}

impl EventSource for View<'_> {
    fn field(&self, id: FieldId) -> Option<&Json> {
        let slot = self.fields.slots.get(id as usize)?;
        if let Some(v) = slot.get() {
            return v.as_ref();
        }
        let v = self.lookup(self.resolver, id);
        self.fields.touched.borrow_mut().push(id);
        slot.get_or_init(|| v).as_ref()
    }

    fn any_string(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.document()
            .is_some_and(|root| event::any_string(root, f))
    }
}

/// A line as views read it (and the rules did): itself, or where it is not
/// UTF-8, decoded lossily into `lossy`, as the parser decodes it.
pub fn line_text<'a>(line: &'a [u8], lossy: &'a mut String) -> &'a str {
    match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(_) => {
            *lossy = String::from_utf8_lossy(line).into_owned();
            lossy
        }
    }
}

/// A hit's event as the consumers of the hit (its record) read it.
#[derive(Clone, Copy)]
pub enum EventRef<'a> {
    /// Parsed in full, because an observer or the time window reads it too.
    Parsed(&'a ParsedEvent),
    /// The hit's line through a view over the plan's fields: only what is
    /// read is parsed.
    Line(&'a View<'a>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::FieldMap;

    /// Each read of a view against the same read of the parsed line, on
    /// lines where the raw walk must step aside (escaped keys, an
    /// `EventData` string, which parsing expands) or must not (duplicate
    /// keys, `#text` wrappers, values that are not objects).
    #[test]
    fn a_view_reads_what_the_parsed_line_holds() {
        let lines = [
            r#"{"winlog":{"record_id":7,"record_id":8},"host":{"hostname":"h"}}"#,
            r#" {"win\u006cog":{"record_id":7},"host":{"host\u006eame":"h"}} "#,
            r##"{"winlog":{"record_id":{"#text":"5"}},"host":"flat"}"##,
            r#"{"winlog":[{"record_id":1}],"host":{"hostname":null}}"#,
            r#"{"EventData":"{\"CommandLine\":\"whoami\"}","Computer":"az"}"#,
            r##"{"EventData":{"CommandLine":"x"},"Computer":{"#text":"t"}}"##,
            r##"{"Event":{"System":{"Computer":"H1","EventRecordID":"9","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:00Z"}}},"EventData":{"CommandLine":"w"}}}"##,
            r#"{}"#,
        ];
        let keys: [&[&str]; 6] = [
            &["winlog", "record_id"],
            &["host", "hostname"],
            &["host"],
            &["EventData", "CommandLine"],
            &["Computer"],
            &["Event", "System", "Computer"],
        ];
        let names = ["Computer", "EventRecordID", "CommandLine", "SystemTime"].map(String::from);
        let resolver = Resolver::new(&names, &FieldMap::new());
        let other = Resolver::new(&names[1..], &FieldMap::new());
        let mut fields = Fields::new(names.len());
        for line in lines {
            let doc = event::parse_line(line.as_bytes()).unwrap();
            let layout = Layout::detect(&doc);
            fields.reset();
            let view = View::new(line, &resolver, &fields);
            assert_eq!(view.layout(), Some(layout), "{line}");
            for k in keys {
                let want = k.iter().try_fold(&doc, |v, k| v.get(k)).cloned();
                assert_eq!(view.at(k), want, "{line} at {k:?}");
            }
            for id in 0..names.len() as FieldId {
                let want = resolver.lookup(&doc, layout, id);
                assert_eq!(view.field(id), want, "{line}: {}", names[id as usize]);
                assert_eq!(view.lookup(&resolver, id).as_ref(), want, "{line}");
            }
            for id in 0..names.len() as FieldId - 1 {
                let want = other.lookup(&doc, layout, id).cloned();
                assert_eq!(view.lookup(&other, id), want, "{line}: other {id}");
            }
        }
    }
}
