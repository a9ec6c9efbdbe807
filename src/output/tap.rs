//! The one pass-through adapter: drives any number of [`HitObserver`]s in
//! front of the output ([`HitWriter`]).
//!
//! Every call of the scan reaches each observer in the order given, then the
//! output. A hit line is parsed once, and only when some observer or the
//! output asks for its event and the worker that found the hit did not
//! parse it already ([`Hit::event`]); a hit reaches the output only if
//! every observer lets it pass.

use std::io;

use super::jsonl::HitWriter;
use super::window::TimeWindow;
use crate::event::ParsedEvent;
use crate::scan::{Hit, HitObserver, HitSink, Input, InputSummary};

/// A [`HitSink`] made of observers and an output.
pub struct Tap<'a, S: HitWriter> {
    output: S,
    observers: Vec<&'a mut dyn HitObserver>,
    /// The last line parsed, by (input address, line): a line hitting
    /// several rules is parsed once.
    parsed: Option<((usize, u64), Option<ParsedEvent>)>,
    /// `--from`/`--to`: hits outside are dropped before anyone sees them.
    window: Option<TimeWindow>,
    /// Hits the window dropped.
    outside_window: u64,
}

impl<'a, S: HitWriter> Tap<'a, S> {
    /// `observers` see every call first, in this order; then `output`.
    pub fn new(output: S, observers: Vec<&'a mut dyn HitObserver>) -> Self {
        Tap {
            output,
            observers,
            parsed: None,
            window: None,
            outside_window: 0,
        }
    }

    /// Drops hits whose event time is outside `window`, before the
    /// observers and the output.
    pub fn with_window(mut self, window: Option<TimeWindow>) -> Self {
        self.window = window;
        self
    }

    /// How many hits the window dropped.
    pub fn outside_window(&self) -> u64 {
        self.outside_window
    }

    /// Returns the output sink.
    pub fn into_output(self) -> S {
        self.output
    }
}

impl<S: HitWriter> HitSink for Tap<'_, S> {
    fn hit(&mut self, input: &Input, hit: &Hit<'_>) -> io::Result<()> {
        // Parsed by the worker that found the hit, or here if anyone asks.
        let wanted = || {
            self.window.is_some()
                || self.output.needs_event(hit)
                || self.observers.iter().any(|o| o.needs_event(hit))
        };
        let event = if hit.event.is_some() {
            hit.event
        } else if wanted() {
            let key = (input as *const Input as usize, hit.line);
            if self.parsed.as_ref().is_none_or(|(k, _)| *k != key) {
                self.parsed = Some((key, ParsedEvent::parse(hit.text)));
            }
            self.parsed.as_ref().and_then(|(_, e)| e.as_ref())
        } else {
            None
        };
        if let Some(w) = &self.window
            && !w.admits(event)
        {
            self.outside_window += 1;
            return Ok(());
        }
        let mut passes = true;
        for o in self.observers.iter_mut() {
            o.hit(input, hit, event);
            passes &= o.passes(hit);
        }
        if passes {
            self.output.write_hit(input, hit, event)
        } else {
            Ok(())
        }
    }

    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        for o in self.observers.iter_mut() {
            o.invalid_line(input, line, reason);
        }
    }

    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        for o in self.observers.iter_mut() {
            o.input_done(input, summary);
        }
    }

    fn chunk_done(&mut self, bytes: u64) {
        for o in self.observers.iter_mut() {
            o.chunk_done(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{CompileOptions, Plan};
    use crate::scan::Source;
    use crate::sigma::RuleSet;

    /// Records what it saw; asks for events of rule 0 only; withholds rule 1.
    #[derive(Default)]
    struct Probe {
        seen: Vec<(u64, usize, bool)>,
        invalid: u64,
    }

    impl HitObserver for Probe {
        fn needs_event(&self, hit: &Hit<'_>) -> bool {
            hit.rule_index == 0
        }
        fn hit(&mut self, _input: &Input, hit: &Hit<'_>, event: Option<&ParsedEvent>) {
            self.seen.push((hit.line, hit.rule_index, event.is_some()));
        }
        fn passes(&self, hit: &Hit<'_>) -> bool {
            hit.rule_index != 1
        }
        fn invalid_line(&mut self, _input: &Input, _line: u64, _reason: &str) {
            self.invalid += 1;
        }
    }

    #[derive(Default)]
    struct Out(Vec<(u64, usize)>);

    impl HitWriter for Out {
        fn write_hit(
            &mut self,
            _input: &Input,
            hit: &Hit<'_>,
            _event: Option<&ParsedEvent>,
        ) -> io::Result<()> {
            self.0.push((hit.line, hit.rule_index));
            Ok(())
        }
    }

    #[test]
    fn observers_see_every_hit_output_only_what_passes() {
        let mut set = RuleSet::default();
        set.load_text(
            std::path::Path::new("t.yml"),
            "title: a\ndetection: {s: {X: 1}, condition: s}\n---\n\
             title: b\ndetection: {s: {X: 1}, condition: s}\n",
        );
        let plan = Plan::from_rules(&set, &CompileOptions::default());
        let input = Input {
            name: "in".into(),
            source: Source::Stdin,
        };
        let (mut p1, mut p2) = (Probe::default(), Probe::default());
        let mut tap = Tap::new(Out::default(), vec![&mut p1, &mut p2]);
        for (line, rule, text) in [
            (1u64, 0usize, &b"{\"X\":1}"[..]),
            (1, 1, b"{\"X\":1}"),
            (2, 1, b"{\"X\":1}"),
            (3, 0, b"not json"),
        ] {
            let hit = Hit {
                line,
                offset: 0,
                rule: &plan.rules[rule],
                rule_index: rule,
                text,
                record_id: None,
                event: None,
                prepared: None,
            };
            tap.hit(&input, &hit).unwrap();
        }
        tap.invalid_line(&input, 4, "bad");
        let out = tap.into_output();
        assert_eq!(out.0, [(1, 0), (3, 0)], "rule 1 is withheld");
        for p in [&p1, &p2] {
            // Events only where asked for and parseable.
            assert_eq!(
                p.seen,
                [(1, 0, true), (1, 1, false), (2, 1, false), (3, 0, false)]
            );
            assert_eq!(p.invalid, 1);
        }
    }
}
