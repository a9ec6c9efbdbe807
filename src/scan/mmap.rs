//! The one place that memory-maps input files.
//!
//! Mapping is the fastest way to hand a multi-gigabyte file to the prefilter
//! (no copy, no read syscalls), and the one `unsafe` decision of the scan
//! layer. The risk, written down as ripgrep does: if another process
//! truncates the file while it is mapped, touching the vanished pages raises
//! SIGBUS. Archived logs are not written to while a rescan runs; a user who
//! scans live files can pass `--no-mmap`, which reads through `read()`.

#![allow(unsafe_code)]

use std::fs::File;

use memmap2::{Mmap, MmapOptions};

/// Maps `file` read-only. `None` when the OS refuses (the caller then reads
/// the file instead) or the file is empty.
pub fn map(file: &File, len: u64) -> Option<Mmap> {
    if len == 0 || usize::try_from(len).is_err() {
        return None;
    }
    // SAFETY: the map is read-only and private to this process. Its contents
    // may change if another process writes the file, which can only change
    // what we read (never memory safety of our own data structures); a
    // truncation raises SIGBUS, the documented risk above.
    let map = unsafe { MmapOptions::new().len(len as usize).map(file) }.ok()?;
    #[cfg(unix)]
    {
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    Some(map)
}
