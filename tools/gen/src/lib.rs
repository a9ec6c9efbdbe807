//! Synthetic Windows event-log corpus for sigscan's benchmarks (`sigscan-gen`).
//!
//! Its own crate, outside sigscan's library and binary. Run it with
//!
//! ```text
//! cargo run --release -p sigscan-gen -- --size 1g --seed 1 -o gen-1g.ndjson
//! ```
//!
//! [`generate`] writes newline-delimited JSON in the layout that `evtx_dump -o jsonl`
//! produces (one `{"Event":{"#attributes":..,"System":{..},"EventData":{..}}}` object per
//! line, non-ASCII text as raw UTF-8, `\r\n`, `\\` and `\"` escaped as `serde_json` does).
//!
//! # Why
//!
//! The real dumps in `shared/events` are small (the biggest `evtx_dump` file is 21 MB) and
//! hold a single positive event for the seed rule (9f22ccd5, "`WinAPI` Function Calls Via
//! PowerShell Scripts"). This generator makes corpora of any size for throughput
//! benchmarks, with a known number of seed-rule matches for correctness checks.
//!
//! # What
//!
//! Events, by count (approximate):
//!
//! | share | channel | `EventID` | content |
//! |---|---|---|---|
//! | 15 % | `Microsoft-Windows-PowerShell/Operational` | 4104 | `ScriptBlockText`: multi-line PowerShell, 200 B to about 8 KiB |
//! | 19 % | `Microsoft-Windows-Sysmon/Operational` | 1 | process creation: `Image`, `CommandLine`, `ParentImage`, `User`, `Hashes`, ... |
//! | 15 % | `Microsoft-Windows-Sysmon/Operational` | 3 | network connection, `DestinationPort` etc. as numbers |
//! | 15 % | `Microsoft-Windows-Sysmon/Operational` | 13 | registry value set: `TargetObject`, `Details` |
//! | 18.6 % | `Security` | 4624 | logon, `LogonType` as a number |
//! | 9 % | `Security` | 4625 | failed logon |
//! | 5 % | `Microsoft-Windows-PowerShell/Operational` | 4103 | module logging: `ContextInfo`, `Payload` |
//! | 3 % | `Windows PowerShell` | 800 | pipeline details, `EventData.Data.#text` list, `EventID` with `Qualifiers` |
//! | 0.2 % | `Microsoft-Windows-PowerShell/Operational` | 4103 | trap: a `ScriptBlockText` field with a seed string |
//! | 0.2 % | `Windows PowerShell` | 4104 | trap: a `ScriptBlockText` field with a seed string |
//!
//! The world is seeded too: one AD domain, 24 hosts (domain controllers, servers,
//! workstations) with their users, SIDs and IP addresses. Timestamps start in 2024 and
//! increase strictly (0.1 µs to 250 ms apart); `EventRecordID` counts per host and channel.
//!
//! # Determinism
//!
//! All randomness comes from one xoshiro256++ generator seeded with splitmix64 of
//! [`GenConfig::seed`]: no clock, no addresses, no hash-map order, and no floating point
//! beyond exact conversions and comparisons. The same `(seed, hit_rate)` gives the same
//! byte stream on every platform, and `size` only decides where it stops, so a smaller
//! corpus is a prefix of a larger one.
//!
//! # Seed-rule hits
//!
//! The seed rule matches a 4104 event of the PowerShell/Operational channel whose
//! `ScriptBlockText` contains, ignoring case, one of 38 Windows API names. For each such 4104
//! event the generator draws a uniform number: below [`GenConfig::hit_rate`] the script
//! gets one extra snippet that names one of the 38 strings (sometimes in changed letter
//! case, sometimes inside a longer identifier such as `VirtualAllocEx`), and the event is
//! counted in [`GenSummary::seed_hits`]. Every other 4104 script holds none of the 38
//! strings, by construction: script templates and the values filled into them are
//! free of the strings, each filled-in value is bounded by non-alphanumeric template text,
//! and the strings are alphanumeric, so no string can form across a boundary (the unit
//! tests check the vocabulary, the boundaries, and the count on generated corpora).
//!
//! Distractors, never counted: seed strings in Sysmon `CommandLine`s (1 % of those), in
//! 4103 payloads and 800 events (20 % of those), in the `Path` field of 2 % of non-hit
//! 4104 events, and in the two trap kinds above, which carry a `ScriptBlockText` with a
//! seed string but have the wrong `EventID` or the wrong channel. Distractors do not depend
//! on the hit rate, so a corpus made with `hit_rate` 0 has no seed-rule match but still
//! has raw lines containing the strings. No `PowerShellCore/Operational` events are
//! written (Sigma's `ps_script` covers that channel too, so it would be ambiguous).

#![deny(missing_docs)]
#![deny(unsafe_code)]

use std::io::{self, Write};

mod events;
mod procs;
mod rng;
mod scripts;
mod text;
mod vocab;
mod world;

#[cfg(test)]
mod tests;

use events::Gen;

/// The 38 strings of the seed rule (`ScriptBlockText|contains` of Sigma rule
/// 9f22ccd5-a435-453b-af96-bf99cbb594d4, "`WinAPI` Function Calls Via PowerShell
/// Scripts", `corpora/rules/posh_win_api_functions.yml`), in the rule's order.
///
/// The one copy the generator and the benches share; the tests keep their own,
/// typed again from the rule, on purpose.
pub const SEED_NEEDLES: [&str; 38] = [
    "AddSecurityPackage",
    "AdjustTokenPrivileges",
    "CloseHandle",
    "CreateProcessWithToken",
    "CreateRemoteThread",
    "CreateThread",
    "CreateUserThread",
    "DangerousGetHandle",
    "DuplicateTokenEx",
    "EnumerateSecurityPackages",
    "FreeLibrary",
    "GetDelegateForFunctionPointer",
    "GetLogonSessionData",
    "GetModuleHandle",
    "GetProcAddress",
    "GetProcessHandle",
    "GetTokenInformation",
    "ImpersonateLoggedOnUser",
    "LoadLibrary",
    "memcpy",
    "MiniDumpWriteDump",
    "OpenDesktop",
    "OpenProcess",
    "OpenProcessToken",
    "OpenThreadToken",
    "OpenWindowStation",
    "QueueUserApc",
    "ReadProcessMemory",
    "RevertToSelf",
    "RtlCreateUserThread",
    "SetThreadToken",
    "VirtualAlloc",
    "VirtualFree",
    "VirtualProtect",
    "WaitForSingleObject",
    "WriteInt32",
    "WriteProcessMemory",
    "ZeroFreeGlobalAllocUnicode",
];

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenConfig {
    /// Minimum number of bytes to write: lines are written until the total reaches it,
    /// and the line that reaches it is the last one (so at most one line more).
    pub size: u64,
    /// Seed of the pseudo-random generator; the output depends only on it, `hit_rate`
    /// and `size`.
    pub seed: u64,
    /// Probability, in `0.0..=1.0`, that a PowerShell/Operational 4104 event carries a
    /// seed-rule string in its `ScriptBlockText`.
    pub hit_rate: f64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenSummary {
    /// Bytes written, newlines included.
    pub bytes: u64,
    /// Lines (events) written.
    pub events: u64,
    /// Events the seed rule matches: PowerShell/Operational 4104 events whose
    /// `ScriptBlockText` contains one of the rule's strings, ignoring case.
    pub seed_hits: u64,
}

/// Output is handed to the writer in pieces of about this many bytes (whole lines).
const CHUNK: usize = 256 << 10;

/// Writes a synthetic NDJSON corpus of at least `cfg.size` bytes to `out`.
///
/// Lines are whole (each ends in `\n`) and are passed to `out` in chunks of about
/// 256 KiB, so `out` needs no extra buffering; `out` is flushed at the end.
///
/// # Errors
///
/// `InvalidInput` when `cfg.hit_rate` is not within `0.0..=1.0` (NaN included), and any
/// error of `out`.
pub fn generate(cfg: &GenConfig, out: &mut dyn Write) -> io::Result<GenSummary> {
    if !(0.0..=1.0).contains(&cfg.hit_rate) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("hit rate must be within 0..=1, got {}", cfg.hit_rate),
        ));
    }
    let mut g = Gen::new(cfg.seed, cfg.hit_rate);
    let mut buf = String::with_capacity(CHUNK + (64 << 10));
    let mut sum = GenSummary::default();
    while sum.bytes < cfg.size {
        let start = buf.len();
        sum.seed_hits += u64::from(g.event(&mut buf));
        sum.bytes += (buf.len() - start) as u64;
        sum.events += 1;
        if buf.len() >= CHUNK {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        out.write_all(buf.as_bytes())?;
    }
    out.flush()?;
    Ok(sum)
}
