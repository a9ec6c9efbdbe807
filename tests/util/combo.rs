//! The configurations a scan is repeated under, as aho-corasick's `testcombo!` and
//! ripgrep's `rgtest!` repeat a test per backend: every engine built (no prefilter,
//! the Rust engine, Hyperscan when the feature is on) × 1 and 2 worker threads × tiny
//! chunks (1 byte, mapped and streamed) and default chunks. Every configuration must
//! give the same answer; [`Config`]'s `Display` names the one that did not.

use std::fmt;

use sigscan::prefilter::EngineKind;
use sigscan::scan::{DEFAULT_CHUNK, ReadOptions, ScanOptions};

/// The tiny chunk size: every line straddles chunk edges.
pub const TINY_CHUNK: usize = 1;

/// One engine × threads × chunking combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The prefilter engine.
    pub engine: EngineKind,
    /// Worker threads.
    pub threads: usize,
    /// Chunk size in bytes.
    pub chunk_size: usize,
    /// Map files (true) or stream them (false).
    pub mmap: bool,
}

impl Config {
    /// The library's scan options for this configuration (workers unpinned).
    pub fn scan_options(self) -> ScanOptions {
        ScanOptions {
            threads: self.threads,
            pin: false,
            read: ReadOptions {
                chunk_size: self.chunk_size,
                mmap: self.mmap,
            },
        }
    }
}

impl fmt::Display for Config {
    /// `engine/threads=N/chunk=1B|default[/stream]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/threads={}/chunk={}{}",
            self.engine.name(),
            self.threads,
            if self.chunk_size == TINY_CHUNK {
                "1B".to_string()
            } else if self.chunk_size == DEFAULT_CHUNK {
                "default".to_string()
            } else {
                self.chunk_size.to_string()
            },
            if self.mmap { "" } else { "/stream" }
        )
    }
}

/// Every engine built into this test binary: none, rust, and hyperscan with the feature.
pub fn engines() -> Vec<EngineKind> {
    let mut v = vec![EngineKind::None, EngineKind::Rust];
    if EngineKind::hyperscan_available() {
        v.push(EngineKind::Hyperscan);
    }
    v
}

/// The threads × chunking combinations of one engine, in a fixed order.
pub fn configs_of(engine: EngineKind) -> impl Iterator<Item = Config> {
    [1, 2].into_iter().flat_map(move |threads| {
        [
            (TINY_CHUNK, true),
            (TINY_CHUNK, false),
            (DEFAULT_CHUNK, true),
        ]
        .into_iter()
        .map(move |(chunk_size, mmap)| Config {
            engine,
            threads,
            chunk_size,
            mmap,
        })
    })
}

/// Every configuration: [`engines`] × [`configs_of`], engine by engine.
pub fn configs() -> impl Iterator<Item = Config> {
    engines().into_iter().flat_map(configs_of)
}
