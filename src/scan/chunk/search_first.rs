//! Whether a worker searches a chunk before routing its lines, chosen
//! from what the worker's last chunks showed.

/// Gate routing: whether a worker searches each chunk with the whole plan's
/// prefilter first and routes only the lines it finds, or routes every line.
///
/// PERF: both are sound (a line without any of the plan's literals is a
/// candidate for no rule). Searching first skips the lines without literals
/// at the automaton's speed, and pays when most lines have none (the seed
/// rule: 2.6% of the generated corpus); routing every line needs no
/// whole-plan automaton at all, and pays when nearly every line has one
/// (all SigmaHQ Windows rules over Mordor: 93%, and 0.2 s of compile for
/// its 11k literals). A worker starts searching first when that automaton
/// is small, and switches by what its last chunks showed: to searching
/// first after [`SearchFirst::SPARSE_RUN`] chunks in a row where most lines
/// were no candidate (Mordor has three such chunks among 371, of large
/// events that all hold a literal: switching on each built the whole-plan
/// automaton for nothing), back when the search found nearly every line.
pub(super) struct SearchFirst {
    /// Search first in the next chunk.
    pub(super) first: bool,
    /// Lines the search found in the last chunk searched first.
    pub(super) found: u64,
    /// Chunks in a row, routed line by line, where most lines were no
    /// candidate.
    sparse: u32,
    /// Chunks to route every line before trying to search first again, and
    /// how many the last wait was (doubled after each try that did not pay).
    wait: u32,
    backoff: u32,
    /// Search first through the gate stage (`Scanner::with_gate_first`),
    /// when the scanner has one.
    pub(super) gate: bool,
    /// Bytes of the lines the gate stage found in this chunk (`None`: it
    /// did not run).
    pub(super) gate_found: Option<u64>,
    /// Chunks to search without the gate stage before trying it again, and
    /// how many the last wait was.
    gate_wait: u32,
    gate_backoff: u32,
}

impl SearchFirst {
    /// Plans of up to this many literals compile their whole-plan automaton
    /// in milliseconds: search first from the start.
    const SMALL_PLAN: usize = 1024;
    /// Sparse chunks in a row before searching first.
    const SPARSE_RUN: u32 = 4;

    pub(super) fn new(literals: usize) -> SearchFirst {
        SearchFirst {
            first: literals <= Self::SMALL_PLAN,
            found: 0,
            sparse: 0,
            wait: 0,
            backoff: 0,
            gate: true,
            gate_found: None,
            gate_wait: 0,
            gate_backoff: 0,
        }
    }

    /// Chooses the next chunk's way from this one's: `lines` lines in
    /// `bytes` bytes, of which `cands` were candidates.
    pub(super) fn after_chunk(&mut self, lines: u64, cands: u64, bytes: u64) {
        // PERF: the gate stage pays while the lines it finds are a minority
        // of the bytes: it costs about 0.2 s per GB and core, and it saves
        // the detection literals' search (about 0.5 s per GB and core for
        // the seed rule's 38) over the bytes it skips. Where a channel
        // literal is on every line (`security` names an element of every
        // evtx_dump `System`), it is dropped for a while. Not where its
        // second stage is a fingerprint search (`collect_candidates` then
        // reports nothing): that pays whatever the stage finds.
        match self.gate_found.take() {
            Some(found) if found * 2 > bytes => {
                self.gate = false;
                self.gate_backoff = (self.gate_backoff * 2).clamp(1, 64);
                self.gate_wait = self.gate_backoff;
            }
            Some(_) => {}
            None if !self.gate && self.gate_wait > 0 => self.gate_wait -= 1,
            None => self.gate = true,
        }
        if self.first {
            // Nearly every line held a literal: searching bought nothing.
            if self.found * 4 > lines * 3 {
                self.first = false;
                self.backoff = (self.backoff * 2).clamp(1, 64);
                self.wait = self.backoff;
            }
        } else if self.wait > 0 {
            self.wait -= 1;
        } else {
            self.sparse = if cands * 4 < lines {
                self.sparse + 1
            } else {
                0
            };
            if self.sparse >= Self::SPARSE_RUN {
                // Most lines were no candidate: try searching first.
                self.first = true;
                self.sparse = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_first_follows_what_the_chunks_show() {
        assert!(SearchFirst::new(38).first, "a small plan searches first");
        let mut s = SearchFirst::new(11_000);
        assert!(!s.first, "a large plan routes every line");
        // One sparse chunk among dense ones is no evidence.
        s.after_chunk(1000, 10, 1 << 20);
        s.after_chunk(1000, 900, 1 << 20);
        for _ in 1..SearchFirst::SPARSE_RUN {
            s.after_chunk(1000, 10, 1 << 20);
        }
        assert!(!s.first);
        s.after_chunk(1000, 10, 1 << 20);
        assert!(s.first, "a run of sparse chunks: search first");
        // The search found nearly every line: back, and wait longer after
        // each try that did not pay.
        for backoff in [1, 2, 4] {
            s.found = 900;
            s.after_chunk(1000, 10, 1 << 20);
            assert!(!s.first);
            for _ in 0..backoff + SearchFirst::SPARSE_RUN - 1 {
                s.after_chunk(1000, 10, 1 << 20);
                assert!(!s.first, "waits {backoff} chunks");
            }
            s.after_chunk(1000, 10, 1 << 20);
            assert!(s.first);
        }
        // A search that skips most lines stays.
        s.found = 100;
        s.after_chunk(1000, 10, 1 << 20);
        assert!(s.first);
    }

    #[test]
    fn the_gate_stage_stays_while_it_skips_most_bytes() {
        let mut s = SearchFirst::new(38);
        assert!(s.gate, "tried from the start");
        s.gate_found = Some(400);
        s.after_chunk(1000, 10, 1000);
        assert!(s.gate, "it found 40% of the bytes");
        // It found most of the bytes: dropped, and tried again after a
        // wait that doubles after each try that did not pay.
        for backoff in [1, 2, 4] {
            s.gate_found = Some(600);
            s.after_chunk(1000, 10, 1000);
            assert!(!s.gate);
            for _ in 0..backoff {
                s.after_chunk(1000, 10, 1000);
                assert!(!s.gate, "waits {backoff} chunks");
            }
            s.after_chunk(1000, 10, 1000);
            assert!(s.gate);
        }
        // A chunk it did not run on says nothing.
        s.after_chunk(1000, 10, 1000);
        assert!(s.gate);
    }
}
