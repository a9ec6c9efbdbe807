//! `sigscan gen`: writes the synthetic benchmark corpus.

use std::io;
use std::path::Path;

use super::ExitStatus;
use super::atomic::Output;

/// Runs `sigscan gen`: writes the corpus and prints its summary on stderr.
pub fn run(cfg: &crate::r#gen::GenConfig, output: Option<&Path>) -> ExitStatus {
    let mut out = match Output::open(output) {
        Ok(o) => o,
        Err(e) => return super::fail(super::Fatal(e)),
    };
    match crate::r#gen::generate(cfg, &mut out).and_then(|s| out.commit().map(|()| s)) {
        Ok(s) => {
            eprintln!(
                "{{\"bytes\":{},\"events\":{},\"seed_hits\":{}}}",
                s.bytes, s.events, s.seed_hits
            );
            ExitStatus::Ok
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Ok,
        Err(e) => super::fail(super::Fatal(format!("gen: {e}"))),
    }
}
