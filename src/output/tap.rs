//! The one pass-through adapter: drives any number of [`HitObserver`]s in
//! front of the output sink.
//!
//! Every call of the scan reaches each observer in the order given, then the
//! output. A hit line is parsed once, and only when some observer asks for
//! its event; a hit reaches the output only if every observer lets it pass.

use std::io;

use crate::event::ParsedEvent;
use crate::scan::{Hit, HitObserver, HitSink, Input, InputSummary};

/// A [`HitSink`] made of observers and an output.
pub struct Tap<'a, S: HitSink> {
    output: S,
    observers: Vec<&'a mut dyn HitObserver>,
    /// The last line parsed, by (input address, line): a line hitting
    /// several rules is parsed once.
    parsed: Option<((usize, u64), Option<ParsedEvent>)>,
}

impl<'a, S: HitSink> Tap<'a, S> {
    /// `observers` see every call first, in this order; then `output`.
    pub fn new(output: S, observers: Vec<&'a mut dyn HitObserver>) -> Self {
        Tap {
            output,
            observers,
            parsed: None,
        }
    }

    /// Returns the output sink.
    pub fn into_output(self) -> S {
        self.output
    }
}

impl<S: HitSink> HitSink for Tap<'_, S> {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        let event = if self.observers.iter().any(|o| o.needs_event(hit)) {
            let key = (input as *const Input as usize, hit.line);
            if self.parsed.as_ref().is_none_or(|(k, _)| *k != key) {
                self.parsed = Some((key, ParsedEvent::parse(hit.text)));
            }
            self.parsed.as_ref().and_then(|(_, e)| e.as_ref())
        } else {
            None
        };
        let mut passes = true;
        for o in self.observers.iter_mut() {
            o.hit(input, hit, event);
            passes &= o.passes(hit);
        }
        if passes {
            self.output.hit(input, hit)
        } else {
            Ok(())
        }
    }

    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        for o in self.observers.iter_mut() {
            o.invalid_line(input, line, reason);
        }
        self.output.invalid_line(input, line, reason);
    }

    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        for o in self.observers.iter_mut() {
            o.input_done(input, summary);
        }
        self.output.input_done(input, summary);
    }

    fn chunk_done(&mut self, bytes: u64) {
        for o in self.observers.iter_mut() {
            o.chunk_done(bytes);
        }
        self.output.chunk_done(bytes);
    }
}
