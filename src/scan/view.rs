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

use std::cell::{OnceCell, RefCell};

use serde_json::Value as Json;

use crate::compile::{EventSource, FieldId};
use crate::event::raw::{Lookup, RawIndex, Span};
use crate::event::{self, Layout, Resolver};

/// Per-worker storage behind the views of its lines.
pub(super) struct Fields {
    slots: Vec<OnceCell<Option<Json>>>,
    touched: RefCell<Vec<FieldId>>,
    index: RefCell<RawIndex>,
    document: OnceCell<Option<Json>>,
}

impl Fields {
    /// Storage for `fields` interned field ids.
    pub(super) fn new(fields: usize) -> Fields {
        Fields {
            slots: (0..fields).map(|_| OnceCell::new()).collect(),
            touched: RefCell::new(Vec::new()),
            index: RefCell::new(RawIndex::default()),
            document: OnceCell::new(),
        }
    }

    /// Takes the line's top-level members, walked already (see
    /// `RawIndex::adopt_root`). Call right after [`Fields::reset`].
    pub(super) fn adopt_root(&mut self, line: &[u8], members: &[(Span, Span)]) {
        self.index.get_mut().adopt_root(line, members);
    }

    /// Forgets the last line's values.
    pub(super) fn reset(&mut self) {
        for id in self.touched.get_mut().drain(..) {
            self.slots[id as usize].take();
        }
        self.index.get_mut().clear();
        self.document.take();
    }
}

/// One validated line, its fields resolved lazily.
pub(super) struct View<'a> {
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
    pub(super) fn new(line: &'a str, resolver: &'a Resolver, fields: &'a Fields) -> View<'a> {
        let layout = fields.index.borrow_mut().layout(line.as_bytes());
        View {
            line,
            resolver,
            layout,
            fields,
        }
    }

    fn document(&self) -> Option<&'a Json> {
        self.fields
            .document
            .get_or_init(|| event::parse_line(self.line.as_bytes()).ok())
            .as_ref()
    }

    fn resolve(&self, id: FieldId) -> Option<Json> {
        if let Some(layout) = self.layout {
            let mut index = self.fields.index.borrow_mut();
            match self
                .resolver
                .locate(&mut index, self.line.as_bytes(), layout, id)
            {
                Lookup::Missing => return None,
                // A span the walker found is a whole JSON value of a line
                // that parsed, so this parse succeeds; if it ever did not,
                // the document decides.
                Lookup::Found((s, e)) => {
                    if let Ok(v) = serde_json::from_str(&self.line[s..e]) {
                        return Some(v);
                    }
                }
                Lookup::Unsure => {}
            }
        }
        let root = self.document()?;
        self.resolver
            .lookup(root, Layout::detect(root), id)
            .cloned()
    }
}

impl EventSource for View<'_> {
    fn field(&self, id: FieldId) -> Option<&Json> {
        let slot = self.fields.slots.get(id as usize)?;
        if let Some(v) = slot.get() {
            return v.as_ref();
        }
        let v = self.resolve(id);
        self.fields.touched.borrow_mut().push(id);
        slot.get_or_init(|| v).as_ref()
    }

    fn any_string(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.document()
            .is_some_and(|root| event::any_string(root, f))
    }
}
