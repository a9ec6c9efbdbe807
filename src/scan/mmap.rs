//! The one place that memory-maps input files, and the guard that keeps a
//! file truncated while mapped from killing the process.
//!
//! Mapping is the fastest way to hand a multi-gigabyte file to the prefilter
//! (no copy, no read syscalls), and the one `unsafe` decision of the scan
//! layer. Its known risk: if another process truncates the file while it is
//! mapped, touching the vanished pages raises SIGBUS, which by default ends
//! the process and loses the whole batch.
//!
//! The guard: every live map registers its address range in a fixed table
//! ([`SLOTS`]). A SIGBUS handler looks the faulting address up; when it lies
//! in a registered map, it maps a page of zeros over the faulting page, flags
//! the map, and returns, so the read that faulted sees NUL bytes and the scan
//! goes on. The reader reports the input as damaged ([`GuardedMap::truncated`])
//! once its chunks are done. A fault outside any registered map goes to the
//! handler that was installed before ours (Rust's own, or the default).
//! `--no-mmap` avoids the question altogether by reading with `read()`.

#![allow(unsafe_code)]

use std::fs::File;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use memmap2::{Mmap, MmapOptions};

/// One registered mapping. `len == 0` means free.
struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    truncated: AtomicBool,
}

/// How many files may be mapped at once; beyond that files are read with
/// `read()` instead. The scan keeps at most `threads * 4` chunks in flight.
const MAX_MAPS: usize = 1024;

static SLOTS: [Slot; MAX_MAPS] = [const {
    Slot {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        truncated: AtomicBool::new(false),
    }
}; MAX_MAPS];
static INSTALL: Once = Once::new();
static mut PREVIOUS: Option<libc::sigaction> = None;

/// A read-only file mapping registered with the SIGBUS guard.
pub struct GuardedMap {
    map: Mmap,
    slot: usize,
}

impl GuardedMap {
    /// Whether part of the file vanished while it was mapped (those bytes
    /// were read as NUL).
    pub fn truncated(&self) -> bool {
        SLOTS[self.slot].truncated.load(Ordering::Acquire)
    }
}

impl GuardedMap {
    /// Tells the kernel the whole pages inside `range` (offsets into the
    /// map) will not be read again, so their page-table entries go now
    /// rather than when the map is dropped. Reading them again stays valid:
    /// a dropped entry of a shared file map is faulted in again from the
    /// page cache, with the same bytes.
    ///
    /// PERF: a worker scans its chunks in parallel with the other's, while
    /// the drop of a whole 1 GB map unmapped it in one call at the end of
    /// the scan, on one core (4-5% of the seed rule's samples).
    pub fn release(&self, range: std::ops::Range<usize>) {
        let page = page_size();
        let start = range.start.next_multiple_of(page);
        let end = range.end.min(self.map.len()) / page * page;
        if start < end {
            // SAFETY: the range lies inside the map, is page-aligned (the
            // map's start is), and MADV_DONTNEED on a read-only shared file
            // map changes no byte that a later read sees.
            unsafe {
                libc::madvise(
                    self.map.as_ptr().add(start) as *mut libc::c_void,
                    end - start,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }
}

/// The system's page size.
fn page_size() -> usize {
    // SAFETY: `sysconf` has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page).unwrap_or(4096).max(4096)
}

impl std::ops::Deref for GuardedMap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        // Unregister before the map goes away, so a later fault at a reused
        // address is never mistaken for ours.
        SLOTS[self.slot].len.store(0, Ordering::Release);
        SLOTS[self.slot].start.store(0, Ordering::Release);
    }
}

/// Maps `file` read-only and registers it with the guard. `None` when the
/// OS refuses, the file is empty, or every slot is taken (the caller then
/// reads the file instead).
pub fn map(file: &File, len: u64) -> Option<GuardedMap> {
    if len == 0 || usize::try_from(len).is_err() {
        return None;
    }
    INSTALL.call_once(install_handler);
    let slot = SLOTS.iter().position(|s| {
        s.len.load(Ordering::Acquire) == 0
            && s.start
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    })?;
    // SAFETY: the map is read-only and private to this process. Another
    // process writing the file can only change what we read; truncating it
    // raises SIGBUS on the vanished pages, which the guard below turns into
    // zero pages for registered maps.
    let map = match unsafe { MmapOptions::new().len(len as usize).map(file) } {
        Ok(m) => m,
        Err(_) => {
            SLOTS[slot].start.store(0, Ordering::Release);
            return None;
        }
    };
    #[cfg(unix)]
    {
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    let s = &SLOTS[slot];
    s.truncated.store(false, Ordering::Relaxed);
    s.start.store(map.as_ptr() as usize, Ordering::Relaxed);
    s.len.store(map.len(), Ordering::Release);
    Some(GuardedMap { map, slot })
}

fn install_handler() {
    // SAFETY: a zeroed `sigaction` is a valid value to fill in; the handler
    // has the SA_SIGINFO signature. PREVIOUS is written once, here, before
    // the handler can run (inside `Once`), and only read by the handler.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0 {
            PREVIOUS = Some(previous);
        }
    }
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers. Only
    // async-signal-safe work follows: atomics, mmap, sigaction.
    unsafe {
        let addr = (*info).si_addr() as usize;
        for s in &SLOTS {
            let len = s.len.load(Ordering::Acquire);
            let start = s.start.load(Ordering::Acquire);
            if len != 0 && addr >= start && addr < start + len {
                let page = libc::sysconf(libc::_SC_PAGESIZE).max(4096) as usize;
                let base = addr & !(page - 1);
                let p = libc::mmap(
                    base as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                );
                if p != libc::MAP_FAILED {
                    s.truncated.store(true, Ordering::Release);
                    return;
                }
            }
        }
        // Not one of ours: hand it to the previous handler (or the default).
        #[allow(static_mut_refs)]
        match PREVIOUS {
            Some(prev) if prev.sa_flags & libc::SA_SIGINFO != 0 && prev.sa_sigaction > 1 => {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(prev.sa_sigaction);
                f(sig, info, ctx);
            }
            _ => {
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &dfl, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn released_pages_read_the_same_bytes_again() {
        let mut f = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..3 << 16).map(|i| (i * 7 % 251) as u8).collect();
        f.write_all(&data).unwrap();
        let map = map(&f, data.len() as u64).expect("mapped");
        assert_eq!(&map[..], &data[..]);
        // Unaligned ends, the whole map, and an empty range.
        map.release(100..(2 << 16) + 5);
        assert_eq!(&map[..], &data[..]);
        map.release(0..data.len());
        map.release(7..7);
        assert_eq!(&map[..], &data[..]);
    }

    #[test]
    fn a_file_truncated_while_mapped_reads_as_nul_and_is_flagged() {
        let mut f = tempfile::tempfile().unwrap();
        let data = vec![b'x'; 1 << 20];
        f.write_all(&data).unwrap();
        let map = map(&f, data.len() as u64).expect("mapped");
        assert_eq!(map[100], b'x');
        assert!(!map.truncated());
        f.set_len(4096).unwrap();
        // Without the guard this read raises SIGBUS and ends the test binary.
        let tail_sum: u64 = map[(1 << 19)..].iter().map(|&b| u64::from(b)).sum();
        assert_eq!(tail_sum, 0);
        assert_eq!(map[0], b'x');
        assert!(map.truncated());
        drop(map);
        // The slot is free again and a new map is not flagged.
        let again = super::map(&f, 4096).expect("mapped");
        assert!(!again.truncated());
    }
}
