//! Bad input, reported as it is met: invalid lines (the first
//! [`INVALID_REPORT_LIMIT`] per input, then a total) and inputs that could
//! not be read to the end, each naming the file and line.

use std::io::Write;

use crate::event::ParsedEvent;
use crate::scan::{Hit, HitObserver, Input, InputSummary};

/// How many invalid lines are reported with their reason, per input.
pub const INVALID_REPORT_LIMIT: u64 = 5;

/// Writes the messages about bad input to `W` (the command line passes
/// stderr).
pub struct Messages<W: Write> {
    out: W,
    /// No per-line reports (read errors are still reported).
    quiet: bool,
    /// Invalid lines reported for the current input.
    reported: u64,
}

impl<W: Write> Messages<W> {
    /// Messages to `out`; `quiet` silences the per-line reports.
    pub fn new(out: W, quiet: bool) -> Self {
        Messages {
            out,
            quiet,
            reported: 0,
        }
    }
}

impl<W: Write> HitObserver for Messages<W> {
    fn hit(&mut self, _input: &Input, _hit: &Hit<'_>, _event: Option<&ParsedEvent>) {}

    fn invalid_line(&mut self, input: &Input, line: u64, reason: &str) {
        self.reported += 1;
        if !self.quiet && self.reported <= INVALID_REPORT_LIMIT {
            let _ = writeln!(
                self.out,
                "sigscan: {}:{line}: invalid line: {reason}",
                input.name
            );
        }
    }

    fn input_done(&mut self, input: &Input, summary: &InputSummary) {
        if let Some(e) = &summary.error {
            let _ = if summary.raw_bytes == 0 && summary.counts.lines == 0 {
                writeln!(self.out, "sigscan: {}: {e}", input.name)
            } else {
                writeln!(
                    self.out,
                    "sigscan: {}: {e} (scanned {} lines before it)",
                    input.name, summary.counts.lines
                )
            };
        }
        // Damage in an EVTX file did not stop the scan; always said, as
        // read errors are.
        let damage = &summary.damage;
        for note in &damage.notes {
            let _ = writeln!(self.out, "sigscan: {}: {note}", input.name);
        }
        let unshown =
            (damage.count + u64::from(damage.dirty)).saturating_sub(damage.notes.len() as u64);
        if unshown > 0 {
            let _ = writeln!(
                self.out,
                "sigscan: {}: {} problems in all ({} shown)",
                input.name,
                damage.count,
                damage.notes.len()
            );
        }
        if !self.quiet && summary.counts.invalid_lines > INVALID_REPORT_LIMIT {
            let _ = writeln!(
                self.out,
                "sigscan: {}: {} invalid lines in all ({} shown)",
                input.name, summary.counts.invalid_lines, INVALID_REPORT_LIMIT
            );
        }
        self.reported = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Counts;

    #[test]
    fn limits_per_input_and_names_file_and_line() {
        let input = Input {
            name: "a.ndjson".into(),
            source: crate::scan::Source::Stdin,
        };
        let mut m = Messages::new(Vec::new(), false);
        for line in 1..=7 {
            m.invalid_line(&input, line, "bad");
        }
        let summary = InputSummary {
            counts: Counts {
                lines: 7,
                invalid_lines: 7,
                ..Counts::default()
            },
            raw_bytes: 10,
            error: Some("truncated".into()),
            ..InputSummary::default()
        };
        m.input_done(&input, &summary);
        // The count restarts with the next input.
        m.invalid_line(&input, 1, "bad");
        let text = String::from_utf8(m.out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5 + 2 + 1, "{text}");
        assert_eq!(lines[0], "sigscan: a.ndjson:1: invalid line: bad");
        assert_eq!(lines[4], "sigscan: a.ndjson:5: invalid line: bad");
        assert_eq!(
            lines[5],
            "sigscan: a.ndjson: truncated (scanned 7 lines before it)"
        );
        assert_eq!(
            lines[6],
            "sigscan: a.ndjson: 7 invalid lines in all (5 shown)"
        );
        let quiet = {
            let mut q = Messages::new(Vec::new(), true);
            q.invalid_line(&input, 1, "bad");
            q.input_done(&input, &summary);
            String::from_utf8(q.out).unwrap()
        };
        assert_eq!(
            quiet,
            "sigscan: a.ndjson: truncated (scanned 7 lines before it)\n"
        );
    }
}
