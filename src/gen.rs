//! Synthetic Windows event-log corpus (`sigscan gen`).
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

use std::io::{self, Write};

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

// ---------------------------------------------------------------------------------------
// Pseudo-random numbers
// ---------------------------------------------------------------------------------------

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut x = seed;
        Rng([
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ])
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let r = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        r
    }

    /// Uniform in `0..n`, `n` below 2^32.
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`, span below 2^32.
    #[inline]
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below((hi - lo + 1) as usize) as u64
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    #[inline]
    fn word(&mut self, s: &[&'static str]) -> &'static str {
        s[self.below(s.len())]
    }

    #[inline]
    fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.below(s.len())]
    }
}

// ---------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------

const HEX_L: &[u8; 16] = b"0123456789abcdef";
const HEX_U: &[u8; 16] = b"0123456789ABCDEF";

fn push_u64(o: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &c in &buf[i..] {
        o.push(c as char);
    }
}

/// `v` in decimal, zero-padded to `width` digits.
fn push_pad(o: &mut String, v: u64, width: u32) {
    let mut d = 10u64.pow(width - 1);
    while d > 0 {
        o.push((b'0' + (v / d % 10) as u8) as char);
        d /= 10;
    }
}

/// The low `digits` hex digits of `v`.
fn push_hex(o: &mut String, v: u64, digits: u32, upper: bool) {
    let tab = if upper { HEX_U } else { HEX_L };
    for k in (0..digits).rev() {
        o.push(tab[((v >> (4 * k)) & 15) as usize] as char);
    }
}

/// `n` random hex digits.
fn push_rand_hex(o: &mut String, rng: &mut Rng, n: u32, upper: bool) {
    let mut left = n;
    while left > 0 {
        let k = left.min(16);
        push_hex(o, rng.next_u64(), k, upper);
        left -= k;
    }
}

/// A random lower-case GUID, `8-4-4-4-12`.
fn push_guid(o: &mut String, rng: &mut Rng, braces: bool) {
    let a = rng.next_u64();
    let b = rng.next_u64();
    if braces {
        o.push('{');
    }
    push_hex(o, a >> 32, 8, false);
    o.push('-');
    push_hex(o, a >> 16, 4, false);
    o.push('-');
    push_hex(o, 0x4000 | (a & 0x0fff), 4, false);
    o.push('-');
    push_hex(o, 0x8000 | (b >> 48 & 0x3fff), 4, false);
    o.push('-');
    push_hex(o, b, 12, false);
    if braces {
        o.push('}');
    }
}

/// `s` as the inside of a JSON string, escaped the way `serde_json` does it.
fn push_esc(o: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        o.push_str(&s[start..i]);
        match c {
            b'"' => o.push_str("\\\""),
            b'\\' => o.push_str("\\\\"),
            b'\n' => o.push_str("\\n"),
            b'\r' => o.push_str("\\r"),
            b'\t' => o.push_str("\\t"),
            _ => {
                o.push_str("\\u00");
                o.push(HEX_L[(c >> 4) as usize] as char);
                o.push(HEX_L[(c & 15) as usize] as char);
            }
        }
        start = i + 1;
    }
    o.push_str(&s[start..]);
}

/// `"k":"v",` with `v` escaped.
fn kv(o: &mut String, k: &str, v: &str) {
    o.push('"');
    o.push_str(k);
    o.push_str("\":\"");
    push_esc(o, v);
    o.push_str("\",");
}

/// `"k":n,`.
fn kn(o: &mut String, k: &str, n: u64) {
    o.push('"');
    o.push_str(k);
    o.push_str("\":");
    push_u64(o, n);
    o.push(',');
}

/// `"k":"` (the caller writes the escaped value and the closing `",`).
fn kopen(o: &mut String, k: &str) {
    o.push('"');
    o.push_str(k);
    o.push_str("\":\"");
}

/// Ends an event: drops the trailing comma of the last field, closes
/// `EventData`, `Event` and the line.
fn close_event(o: &mut String) {
    if o.ends_with(',') {
        o.pop();
    }
    o.push_str("}}}\n");
}

/// 100 ns ticks since the Unix epoch of 2024-01-01T00:00:00Z.
const TICKS_2024: u64 = 19_723 * 86_400 * 10_000_000;

/// `ticks` (100 ns since the Unix epoch) as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (`iso`) or as
/// Sysmon's `YYYY-MM-DD HH:MM:SS.fff`.
fn push_time(o: &mut String, ticks: u64, iso: bool) {
    let secs = ticks / 10_000_000;
    let frac = ticks % 10_000_000;
    let days = (secs / 86_400) as i64;
    let sod = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    push_pad(o, y as u64, 4);
    o.push('-');
    push_pad(o, m as u64, 2);
    o.push('-');
    push_pad(o, d as u64, 2);
    o.push(if iso { 'T' } else { ' ' });
    push_pad(o, sod / 3600, 2);
    o.push(':');
    push_pad(o, sod / 60 % 60, 2);
    o.push(':');
    push_pad(o, sod % 60, 2);
    o.push('.');
    if iso {
        push_pad(o, frac, 7);
        o.push('Z');
    } else {
        push_pad(o, frac / 10_000, 3);
    }
}

/// Turns the `\n` line ends of a template into `\r\n`, as Windows scripts have them.
fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

// ---------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------

/// The 38 strings of the seed rule, with a DLL that exports a function of that name
/// (`mscorlib.dll` for .NET methods).
const NEEDLES: [(&str, &str); 38] = [
    ("AddSecurityPackage", "secur32.dll"),
    ("AdjustTokenPrivileges", "advapi32.dll"),
    ("CloseHandle", "kernel32.dll"),
    ("CreateProcessWithToken", "advapi32.dll"),
    ("CreateRemoteThread", "kernel32.dll"),
    ("CreateThread", "kernel32.dll"),
    ("CreateUserThread", "ntdll.dll"),
    ("DangerousGetHandle", "mscorlib.dll"),
    ("DuplicateTokenEx", "advapi32.dll"),
    ("EnumerateSecurityPackages", "secur32.dll"),
    ("FreeLibrary", "kernel32.dll"),
    ("GetDelegateForFunctionPointer", "mscorlib.dll"),
    ("GetLogonSessionData", "secur32.dll"),
    ("GetModuleHandle", "kernel32.dll"),
    ("GetProcAddress", "kernel32.dll"),
    ("GetProcessHandle", "kernel32.dll"),
    ("GetTokenInformation", "advapi32.dll"),
    ("ImpersonateLoggedOnUser", "advapi32.dll"),
    ("LoadLibrary", "kernel32.dll"),
    ("memcpy", "msvcrt.dll"),
    ("MiniDumpWriteDump", "dbghelp.dll"),
    ("OpenDesktop", "user32.dll"),
    ("OpenProcess", "kernel32.dll"),
    ("OpenProcessToken", "advapi32.dll"),
    ("OpenThreadToken", "advapi32.dll"),
    ("OpenWindowStation", "user32.dll"),
    ("QueueUserApc", "kernel32.dll"),
    ("ReadProcessMemory", "kernel32.dll"),
    ("RevertToSelf", "advapi32.dll"),
    ("RtlCreateUserThread", "ntdll.dll"),
    ("SetThreadToken", "advapi32.dll"),
    ("VirtualAlloc", "kernel32.dll"),
    ("VirtualFree", "kernel32.dll"),
    ("VirtualProtect", "kernel32.dll"),
    ("WaitForSingleObject", "kernel32.dll"),
    ("WriteInt32", "mscorlib.dll"),
    ("WriteProcessMemory", "kernel32.dll"),
    ("ZeroFreeGlobalAllocUnicode", "mscorlib.dll"),
];

const DOMAINS: [(&str, &str); 4] = [
    ("CONTOSO", "corp.contoso.com"),
    ("FABRIKAM", "ad.fabrikam.net"),
    ("NORTHWIND", "northwind.local"),
    ("WOODGROVE", "woodgrovebank.lan"),
];

const USERS: &[&str] = &[
    "j.smith",
    "a.kowalski",
    "m.garcia",
    "l.chen",
    "p.novak",
    "s.okafor",
    "r.patel",
    "e.muller",
    "k.tanaka",
    "d.oconnor",
    "f.rossi",
    "t.nguyen",
    "b.andersen",
    "c.dubois",
    "h.silva",
    "n.ivanova",
    "o.haddad",
    "v.lindqvist",
    "g.kim",
    "i.moreau",
    "adm-jsmith",
    "adm-lchen",
    "svc_backup",
    "svc_sql",
    "svc_deploy",
    "Administrator",
];
/// `USERS[ADMINS..]` are the admin and service accounts.
const ADMINS: usize = 20;

const VARS: &[&str] = &[
    "result", "items", "svc", "cfg", "data", "logPath", "session", "response", "entries", "target",
    "procs", "list", "output", "counter", "server", "user", "file", "tempPath", "json", "payload",
    "report", "rows", "share", "job", "settings", "acl", "csv", "batch",
];

const VERBS: &[&str] = &[
    "Get", "Set", "New", "Remove", "Invoke", "Test", "Update", "Export", "Import", "Sync", "Start",
    "Stop", "Repair", "Send",
];

const NOUNS: &[&str] = &[
    "InventoryReport",
    "StaleAccount",
    "DiskUsage",
    "ServiceState",
    "LogArchive",
    "BackupJob",
    "CertificateExpiry",
    "PatchLevel",
    "UserProfile",
    "ShareAccess",
    "PrinterQueue",
    "LicenseUsage",
    "MailboxSize",
    "GroupMembership",
];

const CMDLETS: &[&str] = &[
    "Get-ChildItem",
    "Out-Default",
    "Get-Service",
    "Test-Path",
    "Get-Item",
    "Set-Content",
    "Import-Module",
    "Get-Process",
    "Invoke-WebRequest",
    "Get-CimInstance",
    "Join-Path",
    "Write-Host",
    "Select-Object",
    "Where-Object",
    "Get-ItemProperty",
];

const WORDS: &[&str] = &[
    "inventory",
    "backup",
    "report",
    "Payroll",
    "Q3-Forecast",
    "deploy",
    "config",
    "audit",
    "users",
    "export",
    "archive",
    "Invoice",
    "migration",
    "patches",
    "certs",
    "SharePoint",
    "Finance",
    "HR",
    "budget",
    "notes",
    "handover",
    "Onboarding",
    "printers",
    "licenses",
    "Quarterly",
    "contracts",
    "telemetry",
    "vpn",
];

const EXTS: &[&str] = &[
    "log", "csv", "txt", "json", "ps1", "xml", "zip", "docx", "xlsx", "pdf", "psm1", "ini",
];

const VENDORS: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Veeam",
    "Citrix",
    "VMware",
    "Splunk",
    "SolarWinds",
    "Tanium",
];

const PRODUCTS: &[&str] = &[
    "Agent",
    "Backup",
    "Tools",
    "Monitor",
    "Updater",
    "Collector",
];

const SERVICES: &[&str] = &[
    "Spooler",
    "wuauserv",
    "BITS",
    "W32Time",
    "WinRM",
    "MSSQLSERVER",
    "W3SVC",
    "Dnscache",
    "LanmanServer",
    "TermService",
    "Schedule",
    "EventLog",
    "CcmExec",
    "WinDefend",
    "DHCPServer",
    "NTDS",
];

const SVCHOST_GROUPS: &[&str] = &[
    "-k netsvcs -p -s Schedule",
    "-k LocalServiceNetworkRestricted -p -s lmhosts",
    "-k DcomLaunch -p",
    "-k UnistackSvcGroup",
    "-k wusvcs -p -s WaaSMedicSvc",
    "-k NetworkService -p -s Dnscache",
    "-k utcsvc -p",
    "-k LocalSystemNetworkRestricted -p -s SysMain",
    "-k appmodel -p -s StateRepository",
    "-k netsvcs -p -s BITS",
];

const REG_KEYS: &[&str] = &[
    r"HKCU:\Software\Microsoft\Windows\CurrentVersion\Run",
    r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU",
    r"HKCU:\Software\Microsoft\Office\16.0\Outlook\Preferences",
    r"HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server",
    r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
    r"HKCU:\Control Panel\Desktop",
];

const URL_HOSTS: &[&str] = &[
    "raw.githubusercontent.com",
    "download.microsoft.com",
    "graph.microsoft.com",
    "api.contoso-cloud.com",
    "packages.fabrikam.io",
    "monitoring.northwind.example",
];

const CASE_PREFIXES: &[&str] = &["", "Nt", "Zw", "Invoke", "Win32", "_", "p"];
const CASE_SUFFIXES: &[&str] = &["", "Ex", "A", "W", "Stub", "Delegate", "Internal", "_t"];

const LOGON_NAMES_4625: &[&str] = &[
    "administrator",
    "admin",
    "user",
    "test",
    "guest",
    "scanner",
    "backup",
    "sql",
    "ADMIN",
    "support",
    "helpdesk",
];

const WORKSTATIONS_4625: &[&str] = &[
    "-",
    "kali",
    "WIN-3NJQPT8B4C1",
    "DESKTOP-7Q1L2KD",
    "RDP-CLIENT",
];

// ---------------------------------------------------------------------------------------
// Templates. `§X` is a slot, filled by `fill`; multi-line templates get `\r\n` line ends.
// Non-hit script templates must hold none of the seed strings and every slot in them
// must sit between non-alphanumeric characters (both are unit-tested).
// ---------------------------------------------------------------------------------------

/// Building blocks of ordinary (non-hit) 4104 scripts; at most 64 (a script tracks
/// which it used in a `u64`), and together much longer than a script (8 KiB).
const SNIPPETS: &[&str] = &[
    r#"function §F {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [string]$Path,
        [int]$Days = §n
    )
    $cutoff = (Get-Date).AddDays(-$Days)
    Get-ChildItem -Path $Path -Recurse -File -ErrorAction SilentlyContinue |
        Where-Object { $_.LastWriteTime -lt $cutoff } |
        Sort-Object LastWriteTime |
        Select-Object FullName, Length, LastWriteTime
}"#,
    r#"$§V = Get-Service -Name '§S' -ErrorAction SilentlyContinue
if ($null -eq $§V) {
    Write-Warning "Service §S not found on $env:COMPUTERNAME"
} elseif ($§V.Status -ne 'Running') {
    Start-Service -Name '§S'
    Write-Output "Started §S"
}"#,
    r#"$logDir = '§D'
if (-not (Test-Path -Path $logDir)) {
    New-Item -ItemType Directory -Path $logDir -Force | Out-Null
}
$logFile = Join-Path $logDir ("§W_{0:yyyyMMdd}.log" -f (Get-Date))
Add-Content -Path $logFile -Value ("{0:u} started by {1}" -f (Get-Date), $env:USERNAME)"#,
    r#"$events = Get-WinEvent -FilterHashtable @{ LogName = 'System'; Id = 7036; StartTime = (Get-Date).AddHours(-§n) } -MaxEvents §N
$events | Group-Object -Property Id | Sort-Object Count -Descending | Format-Table Count, Name -AutoSize"#,
    r#"$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
[pscustomobject]@{
    ComputerName = $env:COMPUTERNAME
    OS           = $os.Caption
    Build        = $os.BuildNumber
    LastBoot     = $os.LastBootUpTime
    MemoryGB     = [math]::Round($cs.TotalPhysicalMemory / 1GB, 2)
    Domain       = $cs.Domain
} | Export-Csv -Path '§P' -NoTypeInformation -Append"#,
    r#"try {
    $response = Invoke-RestMethod -Uri '§X' -Method Get -UseBasicParsing -TimeoutSec 30
    $response.items | ForEach-Object { "{0}`t{1}" -f $_.id, $_.name }
} catch {
    Write-Error "Request to §X failed: $($_.Exception.Message)"
}"#,
    r#"$regPath = '§R'
if (Test-Path $regPath) {
    $props = Get-ItemProperty -Path $regPath
    $props.PSObject.Properties | Where-Object { $_.Name -notlike 'PS*' } | ForEach-Object {
        Write-Output ("{0} = {1}" -f $_.Name, $_.Value)
    }
}"#,
    r#"# Localized	§W.psd1

ConvertFrom-StringData @'
###PSLOC
StatusMessage=Das Element wurde erfolgreich aktualisiert.
ErrorUnknown=Ein unbekannter Fehler ist aufgetreten (Code §N).
ConfirmPrompt=Möchten Sie fortfahren?
###PSLOC
'@"#,
    r#"$computers = @('§H', '§H', '§H')
foreach ($computer in $computers) {
    if (Test-Connection -ComputerName $computer -Count 1 -Quiet) {
        $disk = Get-CimInstance -ComputerName $computer -ClassName Win32_LogicalDisk -Filter "DeviceID='C:'"
        '{0}: {1:N1} GB free' -f $computer, ($disk.FreeSpace / 1GB)
    } else {
        Write-Warning "$computer is unreachable"
    }
}"#,
    r#"$params = @{
    Path        = '§P'
    Destination = '\\§H\backup$\§h'
    Force       = $true
    ErrorAction = 'Stop'
}
Copy-Item @params
Write-Host "Backup of $($params.Path) finished" -ForegroundColor Green"#,
    r#"$action  = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-NoProfile -File "§P"'
$trigger = New-ScheduledTaskTrigger -Daily -At 3am
Register-ScheduledTask -TaskName '§W Maintenance' -Action $action -Trigger $trigger -User 'SYSTEM' -RunLevel Highest -Force"#,
    r#"Get-Process | Where-Object { $_.WorkingSet64 -gt (§N * 1MB) } | Sort-Object WorkingSet64 -Descending |
    Select-Object -First §n -Property Id, ProcessName, @{ Name = 'WS(MB)'; Expression = { [math]::Round($_.WorkingSet64 / 1MB) } }"#,
    r#"$bytes = [System.Text.Encoding]::Unicode.GetBytes($§V)
$ptr = [System.Runtime.InteropServices.Marshal]::AllocHGlobal($bytes.Length)
try {
    [System.Runtime.InteropServices.Marshal]::Copy($bytes, 0, $ptr, $bytes.Length)
    $first = [System.Runtime.InteropServices.Marshal]::ReadInt32($ptr)
    [System.Runtime.InteropServices.Marshal]::WriteInt64($ptr, 0)
} finally {
    [System.Runtime.InteropServices.Marshal]::FreeHGlobal($ptr)
}"#,
    r#"$fn = 'Virtual' + 'Alloc'
$pn = ('Open', 'Process') -join ''
Write-Verbose "Resolved names: $fn, $pn""#,
    r#"Import-Module ActiveDirectory
$users = Get-ADUser -Filter { Enabled -eq $true } -Properties LastLogonDate, Department |
    Where-Object { $_.LastLogonDate -lt (Get-Date).AddDays(-90) }
$users | Select-Object SamAccountName, Department, LastLogonDate | Export-Csv '§P' -NoTypeInformation -Encoding UTF8
Write-Output "Stale accounts: $($users.Count)""#,
    r#"{ Set-StrictMode -Version 1; $_.PSMessageDetails }"#,
    r#"function prompt {
    "PS $($executionContext.SessionState.Path.CurrentLocation)$('>' * ($nestedPromptLevel + 1)) "
}"#,
    r#"$status = Get-MpComputerStatus
if (-not $status.RealTimeProtectionEnabled) {
    Write-Warning 'Real-time protection is disabled'
}
Update-MpSignature -UpdateSource MicrosoftUpdateServer
Start-MpScan -ScanType QuickScan"#,
    r#"$source = '§D'
$archive = Join-Path '§D' ("logs_{0}.zip" -f (Get-Date -Format 'yyyyMMdd_HHmmss'))
Compress-Archive -Path (Join-Path $source '*.log') -DestinationPath $archive -CompressionLevel Optimal
Get-ChildItem $source -Filter *.log | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-§n) } | Remove-Item -Force"#,
    r#"class InventoryItem {
    [string]$Name
    [string]$Owner
    [datetime]$Updated

    InventoryItem([string]$name, [string]$owner) {
        $this.Name = $name
        $this.Owner = $owner
        $this.Updated = Get-Date
    }

    [string] ToString() {
        return '{0} ({1})' -f $this.Name, $this.Owner
    }
}
$item = [InventoryItem]::new('§W', '§U')"#,
    r#"<#
.SYNOPSIS
    Synchronises the §W share with the branch office — runs nightly.
.NOTES
    Author : §U
    Änderung: Pfad für Zürich angepasst (ticket §N), café-Drucker entfernt.
#>"#,
    r#"Get-NetTCPConnection -State Established |
    Where-Object { $_.RemoteAddress -notmatch '^(127\.|::1)' } |
    Select-Object LocalAddress, LocalPort, RemoteAddress, RemotePort, OwningProcess |
    Sort-Object RemoteAddress | Format-Table -AutoSize
New-NetFirewallRule -DisplayName 'Allow §W' -Direction Inbound -Protocol TCP -LocalPort §N -Action Allow"#,
    r#"$cred = Get-Credential -UserName '§O\§U' -Message 'Enter credentials for §H'
$session = New-PSSession -ComputerName §H -Credential $cred
Invoke-Command -Session $session -ScriptBlock {
    Get-ChildItem -Path 'C:\inetpub\logs\LogFiles' -Recurse | Measure-Object -Property Length -Sum
}
Remove-PSSession $session"#,
    r#"Get-ChildItem Cert:\LocalMachine\My | Where-Object { $_.NotAfter -lt (Get-Date).AddDays(30) } |
    ForEach-Object { Write-Output ("{0} expires {1:d} ({2})" -f $_.Subject, $_.NotAfter, $_.Thumbprint) }
$thumb = '§T'"#,
    r#"switch -Regex ($§V) {
    '^(?i)error'   { $level = 'Error'; break }
    '^(?i)warn'    { $level = 'Warning'; break }
    default        { $level = 'Information' }
}
Write-EventLog -LogName Application -Source '§W' -EventId §N -EntryType $level -Message $§V"#,
    r#"$wc = New-Object System.Net.WebClient
$wc.Headers.Add('User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)')
$wc.DownloadFile('§X', '§P')
$wc.Dispose()"#,
    r#"$reader = [System.IO.StreamReader]::new('§P')
try {
    while ($null -ne ($line = $reader.ReadLine())) {
        if ($line -match 'ERROR|FATAL') { $failures++ }
    }
} finally {
    $reader.Close()
}"#,
    r#"@{
    RootModule        = '§W.psm1'
    ModuleVersion     = '§n.0.§N'
    GUID              = '§G'
    Author            = '§U'
    CompanyName       = '§O'
    FunctionsToExport = @('§F', '§F')
    PowerShellVersion = '5.1'
}"#,
    r#"$report = Get-ChildItem -Path '§D' -Recurse -File |
    Group-Object Extension |
    ForEach-Object {
        [pscustomobject]@{ Extension = $_.Name; Count = $_.Count; SizeMB = [math]::Round(($_.Group | Measure-Object Length -Sum).Sum / 1MB, 1) }
    }
$report | ConvertTo-Json -Depth 3 | Set-Content -Path '§P' -Encoding UTF8"#,
    r#"Get-ChildItem -Path '§D' -Filter *.ps1 | Select-Object -ExpandProperty FullName"#,
    r#"Set-Location -Path '§D'"#,
    r#"$env:PSModulePath -split ';' | Where-Object { Test-Path $_ }"#,
    r#"Add-Type -TypeDefinition @"
using System;
using System.Runtime.InteropServices;
public static class UserIdle {
    [DllImport("user32.dll")]
    public static extern bool GetLastInputInfo(ref LASTINPUTINFO plii);
    [DllImport("kernel32.dll")]
    public static extern ulong GetTickCount64();
    [StructLayout(LayoutKind.Sequential)]
    public struct LASTINPUTINFO { public uint cbSize; public uint dwTime; }
}
"@
$info = New-Object UserIdle+LASTINPUTINFO
$info.cbSize = [System.Runtime.InteropServices.Marshal]::SizeOf($info)
[void][UserIdle]::GetLastInputInfo([ref]$info)"#,
    r#"$acl = Get-Acl -Path '§D'
$rule = New-Object System.Security.AccessControl.FileSystemAccessRule('§O\§U', 'Modify', 'ContainerInherit,ObjectInherit', 'None', 'Allow')
$acl.SetAccessRule($rule)
Set-Acl -Path '§D' -AclObject $acl"#,
    r#"$§V = Import-Csv -Path '§P' -Delimiter ';'
$§V | Where-Object { $_.Status -eq 'Active' } | ForEach-Object {
    $mail = '{0}@§O.example' -f $_.SamAccountName
    Send-MailMessage -To $mail -From 'it-noreply@§O.example' -Subject 'Password expiry' -Body "Hello $($_.GivenName)," -SmtpServer §H
}"#,
    r#"# Requires -RunAsAdministrator
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSDefaultParameterValues['Out-File:Encoding'] = 'utf8'"#,
    r#"$job = Start-ThreadJob -ScriptBlock { param($p) Get-FileHash -Path $p -Algorithm SHA256 } -ArgumentList '§P'
$hash = Receive-Job -Job $job -Wait -AutoRemoveJob
"{0}  {1}" -f $hash.Hash, $hash.Path | Out-File -FilePath '§P' -Append"#,
    r#"$query = "SELECT name, state_desc FROM sys.databases WHERE name LIKE '%§W%'"
$rows = Invoke-Sqlcmd -ServerInstance '§H\SQLEXPRESS' -Database master -Query $query -TrustServerCertificate
$rows | Format-Table -AutoSize | Out-String -Width 200"#,
    r#"function Get-LocalAdminReport {
    <#
    .SYNOPSIS
        Lists members of the local Administrators group on each computer.
    .PARAMETER ComputerName
        One or more computers; defaults to the local one.
    #>
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline = $true)]
        [string[]]$ComputerName = $env:COMPUTERNAME,
        [string]$OutFile = '§P'
    )
    begin {
        $rows = [System.Collections.Generic.List[object]]::new()
    }
    process {
        foreach ($c in $ComputerName) {
            try {
                $members = Invoke-Command -ComputerName $c -ErrorAction Stop -ScriptBlock {
                    Get-LocalGroupMember -Group 'Administrators' | Select-Object Name, ObjectClass, PrincipalSource
                }
                foreach ($m in $members) {
                    $rows.Add([pscustomobject]@{ Computer = $c; Member = $m.Name; Type = $m.ObjectClass; Source = $m.PrincipalSource })
                }
            } catch {
                Write-Warning ("{0}: {1}" -f $c, $_.Exception.Message)
            }
        }
    }
    end {
        $rows | Export-Csv -Path $OutFile -NoTypeInformation -Encoding UTF8
        Write-Verbose "Wrote $($rows.Count) rows to $OutFile"
    }
}"#,
    r#"function Write-Log {
    param(
        [Parameter(Mandatory)][string]$Message,
        [ValidateSet('INFO', 'WARN', 'ERROR')][string]$Level = 'INFO'
    )
    $stamp = Get-Date -Format 'yyyy-MM-dd HH:mm:ss.fff'
    $line = "[$stamp] [$Level] [$PID] $Message"
    Add-Content -Path $script:LogFile -Value $line -Encoding UTF8
    switch ($Level) {
        'WARN'  { Write-Warning $Message }
        'ERROR' { Write-Error $Message -ErrorAction Continue }
        default { Write-Verbose $Message }
    }
}
$script:LogFile = '§P'
Write-Log -Message "Starting §W run on $env:COMPUTERNAME as $env:USERDOMAIN\$env:USERNAME"
Write-Log -Message 'Configuration loaded' -Level INFO"#,
    r#"$threshold = 5 * §n
$volumes = Get-Volume | Where-Object { $_.DriveType -eq 'Fixed' -and $_.DriveLetter }
foreach ($v in $volumes) {
    $pctFree = [math]::Round(($v.SizeRemaining / $v.Size) * 100, 1)
    if ($pctFree -lt $threshold) {
        $body = @"
Low disk space on $env:COMPUTERNAME
Drive      : $($v.DriveLetter):
Free       : $([math]::Round($v.SizeRemaining / 1GB, 2)) GB ($pctFree %)
Checked at : $(Get-Date -Format u)
"@
        Send-MailMessage -SmtpServer '§H' -From 'monitoring@§O.example' -To 'it-ops@§O.example' -Subject "Disk alert: $env:COMPUTERNAME $($v.DriveLetter):" -Body $body
    }
}"#,
    r#"$ProgressPreference = 'SilentlyContinue'
$packages = @(
    @{ Name = '7zip.install'; Version = '23.1.0' },
    @{ Name = 'notepadplusplus'; Version = '8.6.2' },
    @{ Name = 'git'; Version = '2.43.0' },
    @{ Name = 'vscode'; Version = '1.85.2' }
)
foreach ($pkg in $packages) {
    $installed = choco list --local-only --exact $pkg.Name --limit-output | ConvertFrom-Csv -Delimiter '|' -Header Name, Version
    if (-not $installed -or [version]$installed.Version -lt [version]$pkg.Version) {
        Write-Host "Installing $($pkg.Name) $($pkg.Version)" -ForegroundColor Cyan
        choco upgrade $pkg.Name --version $pkg.Version -y --no-progress | Out-Null
        if ($LASTEXITCODE -ne 0) { Write-Warning "choco exited with $LASTEXITCODE for $($pkg.Name)" }
    }
}"#,
    r#"$gpoReport = Join-Path $env:TEMP 'gpresult.html'
gpresult.exe /H $gpoReport /F | Out-Null
$xml = [xml](Get-Content -Path '§P' -Raw)
$nodes = $xml.SelectNodes('//Setting[@Enabled="true"]')
$summary = foreach ($n in $nodes) {
    [pscustomobject]@{
        Name  = $n.Name
        Value = $n.Value
        Scope = $n.ParentNode.Name
    }
}
$summary | Sort-Object Scope, Name | Format-Table -AutoSize -Wrap"#,
    r#"function Test-PendingReboot {
    $keys = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending',
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
    )
    foreach ($k in $keys) {
        if (Test-Path $k) { return $true }
    }
    $pfro = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
    return [bool]$pfro
}
if (Test-PendingReboot) {
    Write-Output "$env:COMPUTERNAME needs a reboot"
    shutdown.exe /r /t 3600 /c "Planned restart for updates (ticket §N)" /d p:2:17
}"#,
    r#"$iisLogs = 'C:\inetpub\logs\LogFiles\W3SVC1'
$since = (Get-Date).AddHours(-§n)
Get-ChildItem -Path $iisLogs -Filter 'u_ex*.log' |
    Where-Object { $_.LastWriteTime -ge $since } |
    ForEach-Object {
        Get-Content -Path $_.FullName |
            Where-Object { $_ -notmatch '^#' } |
            ForEach-Object {
                $f = $_ -split ' '
                [pscustomobject]@{ Time = "$($f[0]) $($f[1])"; Method = $f[3]; Uri = $f[4]; Status = [int]$f[11]; Client = $f[8] }
            }
    } |
    Where-Object { $_.Status -ge 500 } |
    Group-Object Uri | Sort-Object Count -Descending | Select-Object -First 10 Count, Name"#,
    r#"$bitlocker = Get-BitLockerVolume -MountPoint 'C:'
if ($bitlocker.ProtectionStatus -ne 'On') {
    Write-Warning 'BitLocker protection is off on C:'
    $recovery = $bitlocker.KeyProtector | Where-Object { $_.KeyProtectorType -eq 'RecoveryPassword' }
    if ($recovery) {
        Backup-BitLockerKeyProtector -MountPoint 'C:' -KeyProtectorId $recovery.KeyProtectorId
    }
}
[pscustomobject]@{
    Computer   = $env:COMPUTERNAME
    Encryption = $bitlocker.EncryptionPercentage
    Method     = $bitlocker.EncryptionMethod
    Status     = $bitlocker.VolumeStatus
} | ConvertTo-Json -Compress"#,
    r#"$ErrorActionPreference = 'Continue'
$profiles = Get-CimInstance -ClassName Win32_UserProfile -Filter "Special = false"
$old = $profiles | Where-Object { $_.LastUseTime -and $_.LastUseTime -lt (Get-Date).AddDays(-180) }
foreach ($p in $old) {
    $sizeMB = (Get-ChildItem -Path $p.LocalPath -Recurse -Force -ErrorAction SilentlyContinue | Measure-Object -Property Length -Sum).Sum / 1MB
    Write-Output ("Removing {0} ({1:N0} MB, last used {2:d})" -f $p.LocalPath, $sizeMB, $p.LastUseTime)
    if (-not $WhatIfPreference) {
        $p | Remove-CimInstance
    }
}"#,
    r#"$hosts = Get-Content -Path '§P' | Where-Object { $_ -and -not $_.StartsWith('#') }
$results = $hosts | ForEach-Object -Parallel {
    $r = Test-NetConnection -ComputerName $_ -Port 5985 -WarningAction SilentlyContinue
    [pscustomobject]@{ Host = $_; WinRM = $r.TcpTestSucceeded; Address = $r.RemoteAddress; Latency = $r.PingReplyDetails.RoundtripTime }
} -ThrottleLimit 16
$results | Sort-Object WinRM, Host | Format-Table -AutoSize
$results | Where-Object { -not $_.WinRM } | Export-Csv -Path '§P' -NoTypeInformation"#,
    r#"$vpn = Get-VpnConnection -Name '§O VPN' -ErrorAction SilentlyContinue
if (-not $vpn) {
    Add-VpnConnection -Name '§O VPN' -ServerAddress 'vpn.§O.example' -TunnelType Ikev2 -EncryptionLevel Required -AuthenticationMethod MachineCertificate -SplitTunneling -RememberCredential
    Add-VpnConnectionRoute -ConnectionName '§O VPN' -DestinationPrefix '10.0.0.0/8' -PassThru | Out-Null
} elseif ($vpn.ConnectionStatus -ne 'Connected') {
    rasdial.exe "$($vpn.Name)" | Out-Null
}
Get-VpnConnection | Select-Object Name, ServerAddress, TunnelType, ConnectionStatus | Format-List"#,
    r#"$printers = Get-Printer -ComputerName '§H' | Where-Object { $_.Shared }
foreach ($printer in $printers) {
    $jobs = Get-PrintJob -ComputerName '§H' -PrinterName $printer.Name
    $stuck = $jobs | Where-Object { $_.JobStatus -match 'Error|Paused' -or $_.SubmittedTime -lt (Get-Date).AddHours(-2) }
    if ($stuck) {
        Write-Output ("{0}: removing {1} stuck job(s)" -f $printer.Name, @($stuck).Count)
        $stuck | Remove-PrintJob
    }
}
Restart-Service -Name Spooler -Force -ErrorAction SilentlyContinue"#,
];

/// Snippets that put `§Z` (a seed string, maybe altered) into a script.
const HIT_SNIPPETS: &[&str] = &[
    r#"$§V = [Win32.Native]::§Z($hProcess, [IntPtr]::Zero, §N, 0x3000, 0x40)"#,
    r#"$Method = $UnsafeNativeMethods.GetMethod('§Z', [Type[]] @([IntPtr], [String]))
$Address = $Method.Invoke($null, @($hModule, '§Z'))"#,
    r#"# Resolve §Z before calling it
$§V = Get-ProcAddress -Module '§L' -Procedure '§Z'"#,
    r#"Write-Verbose "[*] Calling §Z for PID $($§V.Id)""#,
    r#"$ret = $Win32::§Z([IntPtr]::Zero, 0)
if ($ret -eq [IntPtr]::Zero) { throw "§Z failed: $([ComponentModel.Win32Exception]::new().Message)" }"#,
    r#"function Invoke-Native {
    param([IntPtr]$Handle)
    $result = [Native.Methods]::§Z($Handle)
    return $result
}"#,
];

/// Hit snippets for the .NET methods among the seed strings.
const HIT_SNIPPETS_MANAGED: &[&str] = &[
    r#"[System.Runtime.InteropServices.Marshal]::§Z($§V, 0)"#,
    r#"$raw = $SafeHandle.§Z()
Write-Debug ("handle 0x{0:x}" -f $raw.ToInt64())"#,
];

/// Hit snippets that only fit native functions (a `DllImport` of `§L`).
const HIT_SNIPPETS_NATIVE: &[&str] = &[
    r#"$Signature = @"
[DllImport("§L", SetLastError = true)]
public static extern IntPtr §Z(IntPtr hProcess, IntPtr lpAddress, uint dwSize, uint flAllocationType, uint flProtect);
"@
$Native = Add-Type -MemberDefinition $Signature -Name 'Native§n' -Namespace 'Win32' -PassThru"#,
    r#"Add-Type @"
using System;
using System.Runtime.InteropServices;
public static class K32 {
    [DllImport("§L", SetLastError = true)]
    public static extern bool §Z(IntPtr handle, uint access, out IntPtr result);
}
"@"#,
];

/// One-line PowerShell commands (800 events, Sysmon command lines).
const ONE_LINERS: &[&str] = &[
    "Get-Service -Name '§S' | Select-Object Status, Name",
    "Get-ChildItem -Path '§D' -Recurse | Measure-Object -Property Length -Sum",
    "Test-NetConnection -ComputerName §H -Port 445",
    "Import-Module '§P'",
    "Get-WinEvent -LogName Security -MaxEvents §N",
    "Get-Process | Sort-Object CPU -Descending | Select-Object -First §n",
    "Restart-Service -Name '§S' -Force",
];

/// One-line PowerShell commands that name `§Z` (distractors outside 4104).
const ONE_LINERS_Z: &[&str] = &[
    "$k=Add-Type -MemberDefinition '[DllImport(''§L'')]public static extern IntPtr §Z(uint a,bool b,uint c);' -Name K -PassThru;$k::§Z(0x1F0FFF,$false,§N)",
    "[Win32.Native]::§Z([IntPtr]::Zero, §N)",
    "$m=[Ref].Assembly.GetType('System.Management.Automation.Utils').GetMethod('§Z');$m.Invoke($null,@())",
];

const PAYLOADS_4103: &[&str] = &[
    "CommandInvocation(§C): \"§C\"\nParameterBinding(§C): name=\"Path\"; value=\"§P\"\n",
    "CommandInvocation(Out-Default): \"Out-Default\"\nParameterBinding(Out-Default): name=\"InputObject\"; value=\"§W\"\n",
    "CommandInvocation(Get-Service): \"Get-Service\"\nParameterBinding(Get-Service): name=\"Name\"; value=\"§S\"\n",
    "CommandInvocation(Test-Connection): \"Test-Connection\"\nParameterBinding(Test-Connection): name=\"ComputerName\"; value=\"§H\"\nParameterBinding(Test-Connection): name=\"Count\"; value=\"1\"\n",
];

const PAYLOADS_4103_Z: &[&str] = &[
    "CommandInvocation(Add-Type): \"Add-Type\"\nParameterBinding(Add-Type): name=\"MemberDefinition\"; value=\"[DllImport(\"§L\")] public static extern IntPtr §Z(IntPtr h, uint n);\"\nParameterBinding(Add-Type): name=\"Name\"; value=\"Win32\"\nParameterBinding(Add-Type): name=\"PassThru\"; value=\"True\"\n",
    "CommandInvocation(Invoke-Expression): \"Invoke-Expression\"\nParameterBinding(Invoke-Expression): name=\"Command\"; value=\"$p = [Win32]::§Z($h, 0)\"\n",
];

const CONTEXT_4103: &str = "        Severity = Informational
        Host Name = ConsoleHost
        Host Version = 5.1.19041.3803
        Host ID = §G
        Host Application = C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe
        Engine Version = 5.1.19041.3803
        Runspace ID = §G
        Pipeline ID = §n
        Command Name = §C
        Command Type = Cmdlet
        Script Name = 
        Command Path = 
        Sequence Number = §N
        User = §O\\§U
        Connected User = 
        Shell ID = Microsoft.PowerShell
";

const DETAILS_800: &str = "\tDetailSequence=1
\tDetailTotal=1

\tSequenceNumber=§N

\tUserId=§O\\§U
\tHostName=ConsoleHost
\tHostVersion=5.1.19041.3803
\tHostId=§G
\tHostApplication=C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe
\tEngineVersion=5.1.19041.3803
\tRunspaceId=§G
\tPipelineId=§n
\tScriptName=
\tCommandLine=";

const WIN_PRODUCT: &str = "Microsoft® Windows® Operating System";
const MS: &str = "Microsoft Corporation";
const WINVER: &str = "10.0.19041.3636 (WinBuild.160101.0800)";
const PS_EXE: &str = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";

/// A program that Sysmon 1 events start.
struct Proc {
    image: &'static str,
    cmd: &'static str,
    ver: &'static str,
    desc: &'static str,
    product: &'static str,
    company: &'static str,
    ofn: &'static str,
    parent: usize,
    weight: u32,
    system: bool,
}

macro_rules! proc_ {
    ($image:expr, $cmd:expr, $ver:expr, $desc:expr, $product:expr, $company:expr, $ofn:expr,
     $parent:expr, $weight:expr, $system:expr) => {
        Proc {
            image: $image,
            cmd: $cmd,
            ver: $ver,
            desc: $desc,
            product: $product,
            company: $company,
            ofn: $ofn,
            parent: $parent,
            weight: $weight,
            system: $system,
        }
    };
}

/// Index of powershell.exe (started by explorer) in `PROCS`.
const PROC_PS: usize = 9;

const PROCS: &[Proc] = &[
    proc_!(
        r"C:\Windows\System32\wininit.exe",
        "wininit.exe",
        WINVER,
        "Windows Start-Up Application",
        WIN_PRODUCT,
        MS,
        "WinInit.exe",
        0,
        0,
        true
    ),
    proc_!(
        r"C:\Windows\System32\services.exe",
        r"C:\Windows\system32\services.exe",
        WINVER,
        "Services and Controller app",
        WIN_PRODUCT,
        MS,
        "services.exe",
        0,
        0,
        true
    ),
    proc_!(
        r"C:\Windows\System32\winlogon.exe",
        "winlogon.exe",
        WINVER,
        "Windows Logon Application",
        WIN_PRODUCT,
        MS,
        "WINLOGON.EXE",
        0,
        0,
        true
    ),
    proc_!(
        r"C:\Windows\System32\userinit.exe",
        r"C:\Windows\system32\userinit.exe",
        WINVER,
        "Userinit Logon Application",
        WIN_PRODUCT,
        MS,
        "USERINIT.EXE",
        2,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\explorer.exe",
        r"C:\Windows\Explorer.EXE",
        WINVER,
        "Windows Explorer",
        WIN_PRODUCT,
        MS,
        "EXPLORER.EXE",
        3,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\svchost.exe",
        r"C:\Windows\system32\svchost.exe §K",
        WINVER,
        "Host Process for Windows Services",
        WIN_PRODUCT,
        MS,
        "svchost.exe",
        1,
        12,
        true
    ),
    proc_!(
        r"C:\Windows\System32\cmd.exe",
        r#""C:\Windows\system32\cmd.exe" "#,
        WINVER,
        "Windows Command Processor",
        WIN_PRODUCT,
        MS,
        "Cmd.Exe",
        4,
        3,
        false
    ),
    proc_!(
        r"C:\Windows\System32\cmd.exe",
        r#"C:\Windows\system32\cmd.exe /c "§P""#,
        WINVER,
        "Windows Command Processor",
        WIN_PRODUCT,
        MS,
        "Cmd.Exe",
        5,
        3,
        false
    ),
    proc_!(
        PS_EXE,
        r#""C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -ExecutionPolicy Bypass -File "§P""#,
        WINVER,
        "Windows PowerShell",
        WIN_PRODUCT,
        MS,
        "PowerShell.EXE",
        5,
        4,
        false
    ),
    proc_!(
        PS_EXE,
        r#""C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" "#,
        WINVER,
        "Windows PowerShell",
        WIN_PRODUCT,
        MS,
        "PowerShell.EXE",
        4,
        2,
        false
    ),
    proc_!(
        PS_EXE,
        "powershell.exe -NoP -NonI -W Hidden -EncodedCommand §B",
        WINVER,
        "Windows PowerShell",
        WIN_PRODUCT,
        MS,
        "PowerShell.EXE",
        32,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\conhost.exe",
        r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1",
        WINVER,
        "Console Window Host",
        WIN_PRODUCT,
        MS,
        "CONHOST.EXE",
        6,
        6,
        false
    ),
    proc_!(
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        r#""C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=§N --launch-time-ticks=§N --mojo-platform-channel-handle=§N --field-trial-handle=1936,i,§N,§N,262144 /prefetch:1"#,
        "120.0.6099.217",
        "Google Chrome",
        "Google Chrome",
        "Google LLC",
        "chrome.exe",
        4,
        8,
        false
    ),
    proc_!(
        r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
        r#""C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=§N --field-trial-handle=2012,i,§N,§N,262144 /prefetch:3"#,
        "121.0.2277.83",
        "Microsoft Edge",
        "Microsoft Edge",
        MS,
        "msedge.exe",
        4,
        6,
        false
    ),
    proc_!(
        r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
        r#""C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" "#,
        "16.0.17126.20132",
        "Microsoft Outlook",
        "Microsoft Outlook",
        MS,
        "Outlook.exe",
        4,
        2,
        false
    ),
    proc_!(
        r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
        r#""C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "§P" /o """#,
        "16.0.17126.20132",
        "Microsoft Word",
        "Microsoft Office",
        MS,
        "WinWord.exe",
        4,
        2,
        false
    ),
    proc_!(
        r"C:\Windows\System32\rundll32.exe",
        r"C:\Windows\system32\rundll32.exe C:\Windows\system32\shell32.dll,SHCreateLocalServerRunDll {§G} -Embedding",
        WINVER,
        "Windows host process (Rundll32)",
        WIN_PRODUCT,
        MS,
        "RUNDLL32.EXE",
        5,
        2,
        false
    ),
    proc_!(
        r"C:\Windows\System32\schtasks.exe",
        r#"schtasks.exe /Create /SC DAILY /TN "§W" /TR "§P" /ST 03:00 /F"#,
        WINVER,
        "Task Scheduler Configuration Tool",
        WIN_PRODUCT,
        MS,
        "schtasks.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\net.exe",
        r"net use Z: \\§H\§W /persistent:no",
        WINVER,
        "Net Command",
        WIN_PRODUCT,
        MS,
        "net.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\whoami.exe",
        "whoami /all",
        WINVER,
        "whoami - displays logged on user information",
        WIN_PRODUCT,
        MS,
        "whoami.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\ipconfig.exe",
        "ipconfig /all",
        WINVER,
        "IP Configuration Utility",
        WIN_PRODUCT,
        MS,
        "ipconfig.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\reg.exe",
        r#"reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v ProductName"#,
        WINVER,
        "Registry Console Tool",
        WIN_PRODUCT,
        MS,
        "reg.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\msiexec.exe",
        r"C:\Windows\system32\msiexec.exe /V",
        "5.0.19041.3636 (WinBuild.160101.0800)",
        "Windows® installer",
        "Windows Installer - Unicode",
        MS,
        "msiexec.exe",
        1,
        1,
        true
    ),
    proc_!(
        r"C:\Program Files\Git\cmd\git.exe",
        r#""C:\Program Files\Git\cmd\git.exe" fetch --prune origin"#,
        "2.43.0.windows.1",
        "Git for Windows",
        "Git",
        "The Git Development Community",
        "git.exe",
        PROC_PS,
        1,
        false
    ),
    proc_!(
        r"C:\Users\§U\AppData\Local\Programs\Microsoft VS Code\Code.exe",
        r#""§M" "§P""#,
        "1.85.2",
        "Visual Studio Code",
        "Visual Studio Code",
        MS,
        "electron.exe",
        4,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\notepad.exe",
        r#""C:\Windows\system32\NOTEPAD.EXE" §P"#,
        WINVER,
        "Notepad",
        WIN_PRODUCT,
        MS,
        "NOTEPAD.EXE",
        4,
        1,
        false
    ),
    proc_!(
        r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.23110.3-0\MpCmdRun.exe",
        r#""C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.23110.3-0\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges -Reinvoke"#,
        "4.18.23110.3 (WinBuild.160101.0800)",
        "Microsoft Malware Protection Command Line Utility",
        WIN_PRODUCT,
        MS,
        "MpCmdRun.exe",
        5,
        1,
        true
    ),
    proc_!(
        r"C:\Windows\System32\sc.exe",
        "sc.exe query §S",
        WINVER,
        "Service Control Manager Configuration Tool",
        WIN_PRODUCT,
        MS,
        "sc.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\certutil.exe",
        r#"certutil.exe -hashfile "§P" SHA256"#,
        WINVER,
        "CertUtil.exe",
        WIN_PRODUCT,
        MS,
        "CertUtil.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Program Files\Python312\python.exe",
        r#""C:\Program Files\Python312\python.exe" -m pip list --outdated"#,
        "3.12.1",
        "Python",
        "Python",
        "Python Software Foundation",
        "python.exe",
        PROC_PS,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\dllhost.exe",
        r"C:\Windows\system32\DllHost.exe /Processid:{§G}",
        WINVER,
        "COM Surrogate",
        WIN_PRODUCT,
        MS,
        "dllhost.exe",
        5,
        3,
        false
    ),
    proc_!(
        r"C:\Windows\System32\taskhostw.exe",
        "taskhostw.exe KEYROAMING",
        WINVER,
        "Host Process for Windows Tasks",
        WIN_PRODUCT,
        MS,
        "taskhostw.exe",
        5,
        2,
        false
    ),
    proc_!(
        r"C:\Windows\System32\wbem\WmiPrvSE.exe",
        r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",
        WINVER,
        "WMI Provider Host",
        WIN_PRODUCT,
        MS,
        "Wmiprvse.exe",
        5,
        2,
        true
    ),
    proc_!(
        r"C:\Users\§U\AppData\Local\Microsoft\OneDrive\OneDrive.exe",
        r#""§M" /background"#,
        "23.246.1127.0002",
        "Microsoft OneDrive",
        "Microsoft OneDrive",
        MS,
        "OneDrive.exe",
        4,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\gpupdate.exe",
        "gpupdate /target:computer /force",
        WINVER,
        "Microsoft® Windows Group Policy Update Utility",
        WIN_PRODUCT,
        MS,
        "gpupdate.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\tasklist.exe",
        "tasklist /v /fo csv",
        WINVER,
        "Lists the current running tasks.",
        WIN_PRODUCT,
        MS,
        "tasklist.exe",
        6,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\Robocopy.exe",
        r#"robocopy "§D" "\\§H\backup$\§W" /MIR /R:2 /W:5 /LOG+:"§P""#,
        WINVER,
        "Microsoft® Robust File Copy",
        WIN_PRODUCT,
        MS,
        "robocopy.exe",
        7,
        1,
        false
    ),
    proc_!(
        r"C:\Windows\System32\SearchProtocolHost.exe",
        r#""C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe§n_ Global\UsGthrCtrlFltPipeMssGthrPipe§n 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 6.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon" "#,
        WINVER,
        "Microsoft Windows Search Protocol Host",
        WIN_PRODUCT,
        MS,
        "SearchProtocolHost.exe",
        5,
        3,
        true
    ),
];

/// Programs that make network connections (Sysmon 3).
const NET_IMAGES: &[&str] = &[
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Windows\System32\svchost.exe",
    PS_EXE,
    r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
    r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.23110.3-0\MsMpEng.exe",
    r"C:\Users\§U\AppData\Local\Microsoft\OneDrive\OneDrive.exe",
    r"C:\Program Files\Git\mingw64\bin\git-remote-https.exe",
];

/// External destinations: host name, IP address, port, port name.
const NET_EXT: &[(&str, &str, u64, &str)] = &[
    ("login.microsoftonline.com", "20.190.159.2", 443, "https"),
    ("outlook.office365.com", "52.97.146.162", 443, "https"),
    ("www.google.com", "142.250.185.68", 443, "https"),
    ("ctldl.windowsupdate.com", "93.184.221.240", 80, "http"),
    (
        "settings-win.data.microsoft.com",
        "20.42.73.29",
        443,
        "https",
    ),
    ("github.com", "140.82.121.4", 443, "https"),
    ("wdcp.microsoft.com", "20.54.232.160", 443, "https"),
    ("-", "185.199.108.133", 443, "https"),
];

/// Services on the domain controllers: port, port name, protocol.
const NET_DC: &[(u64, &str, &str)] = &[
    (389, "ldap", "tcp"),
    (88, "kerberos", "tcp"),
    (445, "microsoft-ds", "tcp"),
    (135, "epmap", "tcp"),
    (53, "domain", "udp"),
    (5985, "", "tcp"),
    (3268, "msft-gc", "tcp"),
];

const RUN_KEY_RULE: &str = "technique_id=T1547.001,technique_name=Registry Run Keys / Start Folder";

// ---------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------

/// A machine of the synthetic domain.
struct Host {
    fqdn: String,
    short: String,
    ip: [u8; 4],
    user: usize,
    server: bool,
    sysmon_pid: u64,
    lsass_pid: u64,
    guid_pfx: u64,
}

/// Seeded, read-only data.
struct World {
    netbios: &'static str,
    dns: &'static str,
    dom_sid: String,
    hosts: Vec<Host>,
    dcs: usize,
    /// `Hashes` value per entry of `PROCS`.
    hashes: Vec<String>,
    /// Cumulative weights of `PROCS`.
    proc_cum: Vec<u32>,
    snippets: Vec<String>,
    hits: Vec<String>,
    hits_native: Vec<String>,
    hits_managed: Vec<String>,
    payloads: Vec<String>,
    payloads_z: Vec<String>,
    context_4103: String,
    details_800: String,
}

/// Per-event context for slot filling.
#[derive(Clone, Copy)]
struct Cx<'a> {
    host: usize,
    user: usize,
    image: &'a str,
    z: &'a str,
    dll: &'a str,
}

/// Trailing part of the System element.
enum Sec {
    Null,
    System,
    User(usize),
}

/// System element fields.
struct Sys {
    prov: &'static str,
    guid: &'static str,
    eid: u64,
    ver: u64,
    level: u64,
    task: u64,
    opcode: u64,
    kw: &'static str,
    ch: usize,
    corr: bool,
    pid: u64,
    sec: Sec,
}

const CH_SYSMON: usize = 0;
const CH_SECURITY: usize = 1;
const CH_PS_OP: usize = 2;
const CH_WIN_PS: usize = 3;
const CHANNELS: [&str; 4] = [
    "Microsoft-Windows-Sysmon/Operational",
    "Security",
    "Microsoft-Windows-PowerShell/Operational",
    "Windows PowerShell",
];

const SYSMON: &str = "Microsoft-Windows-Sysmon";
const SYSMON_GUID: &str = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}";
const PS_PROV: &str = "Microsoft-Windows-PowerShell";
const PS_GUID: &str = "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}";
const SEC_PROV: &str = "Microsoft-Windows-Security-Auditing";
const SEC_GUID: &str = "{54849625-5478-4994-a5ba-3e3b0328c30d}";

impl World {
    fn new(rng: &mut Rng) -> World {
        let (netbios, dns) = *rng.pick(&DOMAINS);
        let mut dom_sid = String::from("S-1-5-21");
        for _ in 0..3 {
            dom_sid.push('-');
            push_u64(&mut dom_sid, rng.range(1_000_000_000, 4_294_967_295));
        }
        let net2 = rng.range(1, 250) as u8;
        let mut hosts = Vec::new();
        let dcs = 2;
        let servers = [
            "FS01", "SQL01", "APP01", "WEB01", "EXCH01", "PRINT01", "SCCM01",
        ];
        for i in 0..24usize {
            let (short, server) = if i < dcs {
                (format!("DC{:02}", i + 1), true)
            } else if i < dcs + servers.len() {
                (servers[i - dcs].to_string(), true)
            } else if i % 3 == 0 {
                (format!("LT-{:04}", rng.range(1000, 9999)), false)
            } else {
                (format!("WS-{:04}", rng.range(1000, 9999)), false)
            };
            let user = if server {
                ADMINS + rng.below(USERS.len() - ADMINS)
            } else {
                rng.below(ADMINS)
            };
            hosts.push(Host {
                fqdn: format!("{short}.{dns}"),
                short,
                ip: [
                    10,
                    net2,
                    if server { 10 } else { 20 + (i as u8 % 4) },
                    10 + i as u8,
                ],
                user,
                server,
                sysmon_pid: rng.range(1000, 4000) & !3,
                lsass_pid: rng.range(560, 800) & !3,
                guid_pfx: rng.next_u64() & 0xffff_ffff,
            });
        }
        let hashes = PROCS
            .iter()
            .map(|_| {
                let mut h = String::with_capacity(200);
                h.push_str("SHA1=");
                push_rand_hex(&mut h, rng, 40, true);
                h.push_str(",MD5=");
                push_rand_hex(&mut h, rng, 32, true);
                h.push_str(",SHA256=");
                push_rand_hex(&mut h, rng, 64, true);
                h.push_str(",IMPHASH=");
                push_rand_hex(&mut h, rng, 32, true);
                h
            })
            .collect();
        let mut acc = 0;
        let proc_cum = PROCS
            .iter()
            .map(|p| {
                acc += p.weight;
                acc
            })
            .collect();
        World {
            netbios,
            dns,
            dom_sid,
            hosts,
            dcs,
            hashes,
            proc_cum,
            snippets: SNIPPETS.iter().map(|s| crlf(s)).collect(),
            hits: HIT_SNIPPETS.iter().map(|s| crlf(s)).collect(),
            hits_native: HIT_SNIPPETS_NATIVE.iter().map(|s| crlf(s)).collect(),
            hits_managed: HIT_SNIPPETS_MANAGED.iter().map(|s| crlf(s)).collect(),
            payloads: PAYLOADS_4103.iter().map(|s| crlf(s)).collect(),
            payloads_z: PAYLOADS_4103_Z.iter().map(|s| crlf(s)).collect(),
            context_4103: crlf(CONTEXT_4103),
            details_800: crlf(DETAILS_800),
        }
    }

    fn push_sid(&self, o: &mut String, user: usize) {
        if USERS[user] == "Administrator" {
            o.push_str(&self.dom_sid);
            o.push_str("-500");
        } else {
            o.push_str(&self.dom_sid);
            o.push('-');
            push_u64(o, 1104 + user as u64);
        }
    }

    fn push_dir(&self, rng: &mut Rng, user: usize, o: &mut String) {
        let u = USERS[user];
        match rng.below(10) {
            0 => {
                o.push_str(r"C:\Users\");
                o.push_str(u);
                o.push_str(r"\Documents");
            }
            1 => {
                o.push_str(r"C:\Users\");
                o.push_str(u);
                o.push_str(r"\Desktop");
            }
            2 => {
                o.push_str(r"C:\Users\");
                o.push_str(u);
                o.push_str(r"\AppData\Local\Temp");
            }
            3 => {
                o.push_str(r"C:\ProgramData\");
                o.push_str(rng.word(VENDORS));
                o.push('\\');
                o.push_str(rng.word(PRODUCTS));
            }
            4 => {
                o.push_str(r"C:\Program Files\");
                o.push_str(rng.word(VENDORS));
                o.push('\\');
                o.push_str(rng.word(PRODUCTS));
            }
            5 => {
                o.push_str(r"D:\Data\");
                o.push_str(rng.word(WORDS));
            }
            6 => o.push_str(r"C:\Windows\Temp"),
            7 => o.push_str(r"C:\Scripts"),
            8 => {
                o.push_str(r"\\");
                o.push_str(&self.hosts[rng.below(self.hosts.len())].short);
                o.push_str(r"\share\");
                o.push_str(rng.word(WORDS));
            }
            _ => {
                o.push_str(r"C:\Users\");
                o.push_str(u);
                o.push_str(r"\OneDrive - ");
                o.push_str(self.netbios);
                o.push('\\');
                o.push_str(rng.word(WORDS));
            }
        }
    }

    fn push_file(rng: &mut Rng, o: &mut String) {
        o.push_str(rng.word(WORDS));
        if rng.chance(0.5) {
            o.push('_');
            push_u64(o, rng.range(1, 2024));
        }
        o.push('.');
        o.push_str(rng.word(EXTS));
    }

    fn push_ip(&self, rng: &mut Rng, o: &mut String) {
        let h = &self.hosts[rng.below(self.hosts.len())];
        push_ip4(o, h.ip);
    }

    /// Fills slot `c`.
    fn fill(&self, rng: &mut Rng, c: u8, cx: &Cx, o: &mut String) {
        match c {
            b'V' => o.push_str(rng.word(VARS)),
            b'F' => {
                o.push_str(rng.word(VERBS));
                o.push('-');
                o.push_str(rng.word(NOUNS));
            }
            b'C' => o.push_str(rng.word(CMDLETS)),
            b'P' => {
                self.push_dir(rng, cx.user, o);
                o.push('\\');
                World::push_file(rng, o);
            }
            b'D' => self.push_dir(rng, cx.user, o),
            b'E' => World::push_file(rng, o),
            b'U' => o.push_str(USERS[cx.user]),
            b'O' => o.push_str(self.netbios),
            b'H' => o.push_str(&self.hosts[rng.below(self.hosts.len())].short),
            b'h' => o.push_str(&self.hosts[cx.host].short),
            b'N' => push_u64(o, rng.range(2, 65_000)),
            b'n' => push_u64(o, rng.range(1, 9)),
            b'S' => o.push_str(rng.word(SERVICES)),
            b'K' => o.push_str(rng.word(SVCHOST_GROUPS)),
            b'R' => {
                if rng.chance(0.4) {
                    o.push_str(r"HKLM:\SOFTWARE\");
                    o.push_str(rng.word(VENDORS));
                    o.push('\\');
                    o.push_str(rng.word(PRODUCTS));
                } else {
                    o.push_str(rng.word(REG_KEYS));
                }
            }
            b'W' => o.push_str(rng.word(WORDS)),
            b'I' => self.push_ip(rng, o),
            b'G' => push_guid(o, rng, false),
            b'X' => {
                o.push_str("https://");
                if rng.chance(0.3) {
                    o.push_str("intranet.");
                    o.push_str(self.dns);
                } else {
                    o.push_str(rng.word(URL_HOSTS));
                }
                o.push_str("/api/v");
                push_u64(o, rng.range(1, 3));
                o.push('/');
                o.push_str(rng.word(WORDS));
                o.push_str("?page=");
                push_u64(o, rng.range(1, 40));
            }
            b'T' => push_rand_hex(o, rng, 40, true),
            b'B' => {
                const B64: &[u8; 64] =
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                let n = rng.range(10, 120) * 4;
                for _ in 0..n {
                    o.push(B64[rng.below(64)] as char);
                }
            }
            b'M' => o.push_str(cx.image),
            b'Z' => o.push_str(cx.z),
            b'L' => o.push_str(cx.dll),
            _ => unreachable!("unknown template slot {}", c as char),
        }
    }

    /// Appends template `t` with its slots filled.
    fn expand(&self, rng: &mut Rng, t: &str, cx: &Cx, o: &mut String) {
        let mut rest = t;
        while let Some(i) = rest.find('§') {
            o.push_str(&rest[..i]);
            // '§' is two bytes; the slot letter follows.
            self.fill(rng, rest.as_bytes()[i + 2], cx, o);
            rest = &rest[i + 3..];
        }
        o.push_str(rest);
    }

    /// Appends template `t`, JSON-escaped, with its slots filled.
    fn expand_esc(&self, rng: &mut Rng, t: &str, cx: &Cx, tmp: &mut String, o: &mut String) {
        tmp.clear();
        self.expand(rng, t, cx, tmp);
        push_esc(o, tmp);
    }
}

fn push_ip4(o: &mut String, ip: [u8; 4]) {
    for (i, b) in ip.iter().enumerate() {
        if i > 0 {
            o.push('.');
        }
        push_u64(o, u64::from(*b));
    }
}

/// Appends seed string `needle`, sometimes in other letter case, sometimes inside a
/// longer identifier.
fn push_needle(rng: &mut Rng, needle: &str, o: &mut String) {
    let wrap = rng.chance(0.3);
    let (pre, suf) = if wrap {
        let p = *rng.pick(CASE_PREFIXES);
        let s = *rng.pick(CASE_SUFFIXES);
        if p.is_empty() && s.is_empty() {
            ("", "Ex")
        } else {
            (p, s)
        }
    } else {
        ("", "")
    };
    o.push_str(pre);
    match rng.below(10) {
        0 => needle.chars().for_each(|c| o.push(c.to_ascii_lowercase())),
        1 => needle.chars().for_each(|c| o.push(c.to_ascii_uppercase())),
        2 => {
            for c in needle.chars() {
                o.push(if rng.chance(0.5) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                });
            }
        }
        _ => o.push_str(needle),
    }
    o.push_str(suf);
}

struct Gen {
    w: World,
    rng: Rng,
    /// 100 ns ticks since the Unix epoch.
    ticks: u64,
    hit_rate: f64,
    /// Next `EventRecordID` per host and channel.
    rec: Vec<[u64; 4]>,
    script: String,
    tmp: String,
    z: String,
    img: String,
}

impl Gen {
    fn new(seed: u64, hit_rate: f64) -> Gen {
        let mut rng = Rng::new(seed);
        let w = World::new(&mut rng);
        let rec = (0..w.hosts.len())
            .map(|_| {
                [
                    rng.range(1000, 4_000_000),
                    rng.range(1000, 4_000_000),
                    rng.range(100, 90_000),
                    rng.range(100, 20_000),
                ]
            })
            .collect();
        let ticks = TICKS_2024 + rng.range(0, 300 * 86_400) * 10_000_000;
        Gen {
            w,
            rng,
            ticks,
            hit_rate,
            rec,
            script: String::with_capacity(16 << 10),
            tmp: String::with_capacity(4 << 10),
            z: String::with_capacity(64),
            img: String::with_capacity(256),
        }
    }

    /// Appends one event line; true when it is a seed-rule hit.
    fn event(&mut self, b: &mut String) -> bool {
        self.ticks += 1 + self.rng.below(2_500_000) as u64;
        let host = self.rng.below(self.w.hosts.len());
        match self.rng.below(1000) {
            0..150 => return self.ps4104(b, host),
            150..340 => self.sysmon1(b, host),
            340..490 => self.sysmon3(b, host),
            490..640 => self.sysmon13(b, host),
            640..826 => self.sec4624(b, host),
            826..916 => self.sec4625(b, host),
            916..966 => self.ps4103(b, host),
            966..996 => self.ps800(b, host),
            996..998 => self.trap(b, host, false),
            _ => self.trap(b, host, true),
        }
        false
    }

    fn pick_user(&mut self, host: usize) -> usize {
        let h = &self.w.hosts[host];
        if h.server {
            ADMINS + self.rng.below(USERS.len() - ADMINS)
        } else if self.rng.chance(0.85) {
            h.user
        } else {
            self.rng.below(USERS.len())
        }
    }

    /// Picks a seed string into `self.z`; returns its DLL.
    fn pick_needle(&mut self) -> &'static str {
        let (needle, dll) = NEEDLES[self.rng.below(NEEDLES.len())];
        self.z.clear();
        push_needle(&mut self.rng, needle, &mut self.z);
        dll
    }

    /// Writes the line start through `"EventData":{`.
    fn header(&mut self, b: &mut String, host: usize, s: &Sys) {
        b.push_str(r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":""##);
        b.push_str(s.prov);
        if !s.guid.is_empty() {
            b.push_str(r#"","Guid":""#);
            b.push_str(s.guid);
        }
        b.push_str(r#""}},"EventID":"#);
        push_u64(b, s.eid);
        b.push_str(r#","Version":"#);
        push_u64(b, s.ver);
        b.push_str(r#","Level":"#);
        push_u64(b, s.level);
        b.push_str(r#","Task":"#);
        push_u64(b, s.task);
        b.push_str(r#","Opcode":"#);
        push_u64(b, s.opcode);
        b.push_str(r#","Keywords":""#);
        b.push_str(s.kw);
        b.push_str(r##"","TimeCreated":{"#attributes":{"SystemTime":""##);
        push_time(b, self.ticks, true);
        b.push_str(r#""}},"EventRecordID":"#);
        let rec = &mut self.rec[host][s.ch];
        push_u64(b, *rec);
        *rec += 1;
        if s.corr {
            b.push_str(r##","Correlation":{"#attributes":{"ActivityID":""##);
            push_guid(b, &mut self.rng, true);
            b.push_str(r#""}}"#);
        } else {
            b.push_str(r#","Correlation":null"#);
        }
        b.push_str(r##","Execution":{"#attributes":{"ProcessID":"##);
        push_u64(b, s.pid);
        b.push_str(r#","ThreadID":"#);
        push_u64(b, self.rng.range(100, 12_000) & !3);
        b.push_str(r#"}},"Channel":""#);
        b.push_str(CHANNELS[s.ch]);
        b.push_str(r#"","Computer":""#);
        b.push_str(&self.w.hosts[host].fqdn);
        match s.sec {
            Sec::Null => b.push_str(r#"","Security":null},"EventData":{"#),
            Sec::System => {
                b.push_str(r##"","Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":{"##)
            }
            Sec::User(u) => {
                b.push_str(r##"","Security":{"#attributes":{"UserID":""##);
                self.w.push_sid(b, u);
                b.push_str(r#""}}},"EventData":{"#);
            }
        }
    }

    /// Builds a 4104 script into `self.script` (unescaped); with `hit`, it names a seed
    /// string.
    fn build_script(&mut self, cx: &Cx, hit: bool) {
        let mut s = std::mem::take(&mut self.script);
        s.clear();
        // Length target, roughly log-uniform in 200 B .. 8000 B (integer arithmetic
        // only, so the output is the same on every platform): one of six octaves
        // 200 << i, uniform inside it; the last one stops at 8000.
        let octave = self.rng.below(6);
        let base = 200usize << octave;
        let width = if octave == 5 { 1600 } else { base };
        let target = base + self.rng.below(width);
        let cap = if hit { 7600 } else { 8192 };
        let mut hit_at = if hit {
            self.rng.below(target)
        } else {
            usize::MAX
        };
        // Snippets already in this script (no block appears twice).
        let mut used = 0u64;
        while s.len() < target {
            if s.len() >= hit_at {
                self.push_hit(cx, &mut s);
                hit_at = usize::MAX;
                continue;
            }
            let prev = s.len();
            if prev > 0 {
                s.push_str(if self.rng.chance(0.3) {
                    "\r\n\r\n"
                } else {
                    "\r\n"
                });
            }
            if used.count_ones() as usize == self.w.snippets.len() {
                break;
            }
            let mut k = self.rng.below(self.w.snippets.len());
            while used & (1 << k) != 0 {
                k = self.rng.below(self.w.snippets.len());
            }
            used |= 1 << k;
            self.w
                .expand(&mut self.rng, &self.w.snippets[k], cx, &mut s);
            if s.len() > cap && prev >= 200 {
                s.truncate(prev);
                break;
            }
        }
        if hit_at != usize::MAX {
            self.push_hit(cx, &mut s);
        }
        self.script = s;
    }

    /// Appends a snippet naming a seed string (on a new line unless `s` is empty).
    fn push_hit(&mut self, cx: &Cx, s: &mut String) {
        if !s.is_empty() {
            s.push_str("\r\n");
        }
        let dll = self.pick_needle();
        let z = std::mem::take(&mut self.z);
        let special = if dll == "mscorlib.dll" {
            &self.w.hits_managed
        } else {
            &self.w.hits_native
        };
        let n_any = self.w.hits.len();
        let k = self.rng.below(n_any + special.len());
        let t = if k < n_any {
            &self.w.hits[k]
        } else {
            &special[k - n_any]
        };
        let hcx = Cx { z: &z, dll, ..*cx };
        self.w.expand(&mut self.rng, t, &hcx, s);
        self.z = z;
    }

    fn ps4104(&mut self, b: &mut String, host: usize) -> bool {
        let user = self.pick_user(host);
        let hit = self.rng.chance(self.hit_rate);
        // Script block logging flags suspicious blocks as warnings (level 3); about
        // 15 % of real 4104 events are warnings, the rest verbose (level 5).
        let warn = self.rng.chance(if hit { 0.85 } else { 0.15 });
        let level = if warn { 3 } else { 5 };
        let sys = Sys {
            prov: PS_PROV,
            guid: PS_GUID,
            eid: 4104,
            ver: 1,
            level,
            task: 2,
            opcode: 15,
            kw: "0x0",
            ch: CH_PS_OP,
            corr: true,
            pid: self.rng.range(1000, 20_000) & !3,
            sec: Sec::User(user),
        };
        self.header(b, host, &sys);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        self.build_script(&cx, hit);
        b.push_str(r#""MessageNumber":1,"MessageTotal":1,"#);
        kv(b, "ScriptBlockText", &self.script);
        kopen(b, "ScriptBlockId");
        push_guid(b, &mut self.rng, false);
        b.push_str("\",");
        kopen(b, "Path");
        let r = self.rng.below(100);
        if r < 2 {
            // Distractor: a seed string in the path, not in the script text.
            let mut tmp = std::mem::take(&mut self.tmp);
            tmp.clear();
            self.w.push_dir(&mut self.rng, user, &mut tmp);
            tmp.push('\\');
            self.pick_needle();
            tmp.push_str(&self.z);
            tmp.push_str(".ps1");
            push_esc(b, &tmp);
            self.tmp = tmp;
        } else if r < 55 {
            let mut tmp = std::mem::take(&mut self.tmp);
            tmp.clear();
            self.w.push_dir(&mut self.rng, user, &mut tmp);
            tmp.push('\\');
            tmp.push_str(self.rng.word(VERBS));
            tmp.push('-');
            tmp.push_str(self.rng.word(NOUNS));
            tmp.push_str(".ps1");
            push_esc(b, &tmp);
            self.tmp = tmp;
        }
        b.push('"');
        close_event(b);
        hit
    }

    /// Trap events: a `ScriptBlockText` with a seed string in a 4103 event of the
    /// PowerShell/Operational channel (`wrong_channel` false), or in a 4104 event of the
    /// `Windows PowerShell` channel (`wrong_channel` true). Neither is a seed-rule hit.
    fn trap(&mut self, b: &mut String, host: usize, wrong_channel: bool) {
        let user = self.pick_user(host);
        let sys = Sys {
            prov: if wrong_channel { "PowerShell" } else { PS_PROV },
            guid: if wrong_channel { "" } else { PS_GUID },
            eid: if wrong_channel { 4104 } else { 4103 },
            ver: 1,
            level: 3,
            task: 2,
            opcode: 15,
            kw: "0x0",
            ch: if wrong_channel { CH_WIN_PS } else { CH_PS_OP },
            corr: true,
            pid: self.rng.range(1000, 20_000) & !3,
            sec: Sec::User(user),
        };
        self.header(b, host, &sys);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        self.build_script(&cx, true);
        b.push_str(r#""MessageNumber":1,"MessageTotal":1,"#);
        kv(b, "ScriptBlockText", &self.script);
        kopen(b, "ScriptBlockId");
        push_guid(b, &mut self.rng, false);
        b.push_str("\",\"Path\":\"\"");
        close_event(b);
    }

    fn ps4103(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        let sys = Sys {
            prov: PS_PROV,
            guid: PS_GUID,
            eid: 4103,
            ver: 1,
            level: 4,
            task: 106,
            opcode: 20,
            kw: "0x0",
            ch: CH_PS_OP,
            corr: true,
            pid: self.rng.range(1000, 20_000) & !3,
            sec: Sec::User(user),
        };
        self.header(b, host, &sys);
        let mut tmp = std::mem::take(&mut self.tmp);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        kopen(b, "ContextInfo");
        self.w
            .expand_esc(&mut self.rng, &self.w.context_4103, &cx, &mut tmp, b);
        b.push_str("\",\"UserData\":\"\",");
        kopen(b, "Payload");
        if self.rng.chance(0.2) {
            let dll = self.pick_needle();
            let z = std::mem::take(&mut self.z);
            let zcx = Cx { z: &z, dll, ..cx };
            let t = self.rng.pick(&self.w.payloads_z);
            self.w.expand_esc(&mut self.rng, t, &zcx, &mut tmp, b);
            self.z = z;
        } else {
            let t = self.rng.pick(&self.w.payloads);
            self.w.expand_esc(&mut self.rng, t, &cx, &mut tmp, b);
        }
        b.push('"');
        close_event(b);
        self.tmp = tmp;
    }

    /// Classic `Windows PowerShell` 800 event (pipeline execution details).
    fn ps800(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        b.push_str(r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"PowerShell"}},"EventID":{"#attributes":{"Qualifiers":0},"#text":800},"Level":4,"Task":8,"Keywords":"0x80000000000000","TimeCreated":{"#attributes":{"SystemTime":""##);
        push_time(b, self.ticks, true);
        b.push_str(r#""}},"EventRecordID":"#);
        let rec = &mut self.rec[host][CH_WIN_PS];
        push_u64(b, *rec);
        *rec += 1;
        b.push_str(r#","Channel":"Windows PowerShell","Computer":""#);
        b.push_str(&self.w.hosts[host].fqdn);
        b.push_str(r##"","Security":null},"EventData":{"Data":{"#text":[""##);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        let mut cmd = std::mem::take(&mut self.img);
        let mut tmp = std::mem::take(&mut self.tmp);
        cmd.clear();
        let distract = self.rng.chance(0.2);
        let dll = if distract { self.pick_needle() } else { "" };
        let z = std::mem::take(&mut self.z);
        let zcx = Cx { z: &z, dll, ..cx };
        if distract {
            let t = self.rng.pick(ONE_LINERS_Z);
            self.w.expand(&mut self.rng, t, &zcx, &mut cmd);
        } else {
            let t = self.rng.pick(ONE_LINERS);
            self.w.expand(&mut self.rng, t, &cx, &mut cmd);
        }
        push_esc(b, &cmd);
        b.push_str(r#"",""#);
        self.w
            .expand_esc(&mut self.rng, &self.w.details_800, &cx, &mut tmp, b);
        push_esc(b, &cmd);
        b.push_str(r#"\r\n",""#);
        let payload = if distract {
            self.rng.pick(&self.w.payloads_z)
        } else {
            self.rng.pick(&self.w.payloads)
        };
        self.w.expand_esc(&mut self.rng, payload, &zcx, &mut tmp, b);
        b.push_str("\"]}}}}\n");
        self.z = z;
        self.img = cmd;
        self.tmp = tmp;
    }

    fn sysmon_sys(&self, host: usize, eid: u64, ver: u64) -> Sys {
        Sys {
            prov: SYSMON,
            guid: SYSMON_GUID,
            eid,
            ver,
            level: 4,
            task: eid,
            opcode: 0,
            kw: "0x8000000000000000",
            ch: CH_SYSMON,
            corr: false,
            pid: self.w.hosts[host].sysmon_pid,
            sec: Sec::System,
        }
    }

    /// `"UtcTime":"..",` of Sysmon events.
    fn utc_time(&self, b: &mut String) {
        kopen(b, "UtcTime");
        push_time(b, self.ticks.saturating_sub(3_000), false);
        b.push_str("\",");
    }

    fn proc_guid(&mut self, b: &mut String, host: usize, tag: &str) {
        b.push('{');
        push_hex(b, self.w.hosts[host].guid_pfx, 8, false);
        b.push('-');
        push_rand_hex(b, &mut self.rng, 4, false);
        b.push('-');
        push_rand_hex(b, &mut self.rng, 4, false);
        b.push_str("-0000-");
        b.push_str(tag);
        push_rand_hex(b, &mut self.rng, 8, false);
        b.push('}');
    }

    fn pick_proc(&mut self) -> usize {
        let total = *self.w.proc_cum.last().unwrap_or(&1);
        let r = self.rng.below(total as usize) as u32;
        self.w.proc_cum.partition_point(|&c| c <= r)
    }

    /// `"User":"DOMAIN\\user",` or SYSTEM.
    fn push_user_field(&self, b: &mut String, key: &str, system: bool, user: usize) {
        kopen(b, key);
        if system {
            b.push_str(r"NT AUTHORITY\\SYSTEM");
        } else {
            b.push_str(self.w.netbios);
            b.push_str(r"\\");
            push_esc(b, USERS[user]);
        }
        b.push_str("\",");
    }

    fn sysmon1(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        let sys = self.sysmon_sys(host, 1, 5);
        self.header(b, host, &sys);
        let mut pi = self.pick_proc();
        let distract = self.rng.chance(0.01);
        if distract {
            pi = PROC_PS;
        }
        let p = &PROCS[pi];
        let parent = &PROCS[p.parent];
        kv(b, "RuleName", "-");
        self.utc_time(b);
        kopen(b, "ProcessGuid");
        self.proc_guid(b, host, "0010");
        b.push_str("\",");
        kn(b, "ProcessId", self.rng.range(600, 24_000) & !3);
        let mut img = std::mem::take(&mut self.img);
        let mut tmp = std::mem::take(&mut self.tmp);
        img.clear();
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        self.w.expand(&mut self.rng, p.image, &cx, &mut img);
        kv(b, "Image", &img);
        kv(b, "FileVersion", p.ver);
        kv(b, "Description", p.desc);
        kv(b, "Product", p.product);
        kv(b, "Company", p.company);
        kv(b, "OriginalFileName", p.ofn);
        kopen(b, "CommandLine");
        let icx = Cx { image: &img, ..cx };
        if distract {
            let dll = self.pick_needle();
            let z = std::mem::take(&mut self.z);
            let zcx = Cx { z: &z, dll, ..icx };
            tmp.clear();
            tmp.push_str(PS_EXE);
            tmp.push_str(" -NoP -NonI -C \"");
            let t = self.rng.pick(ONE_LINERS_Z);
            self.w.expand(&mut self.rng, t, &zcx, &mut tmp);
            tmp.push('"');
            push_esc(b, &tmp);
            self.z = z;
        } else {
            self.w.expand_esc(&mut self.rng, p.cmd, &icx, &mut tmp, b);
        }
        b.push_str("\",");
        kopen(b, "CurrentDirectory");
        if p.system {
            b.push_str(r"C:\\Windows\\system32\\");
        } else {
            tmp.clear();
            self.w.push_dir(&mut self.rng, user, &mut tmp);
            push_esc(b, &tmp);
            b.push_str(r"\\");
        }
        b.push_str("\",");
        self.push_user_field(b, "User", p.system, user);
        kopen(b, "LogonGuid");
        self.proc_guid(b, host, "0020");
        b.push_str("\",");
        kopen(b, "LogonId");
        if p.system {
            b.push_str("0x3e7");
        } else {
            b.push_str("0x");
            push_hex(b, self.rng.range(0x10000, 0xffffff), 6, false);
        }
        b.push_str("\",");
        kn(
            b,
            "TerminalSessionId",
            if p.system {
                0
            } else {
                1 + self.rng.below(2) as u64
            },
        );
        kv(
            b,
            "IntegrityLevel",
            if p.system {
                "System"
            } else if user >= ADMINS {
                "High"
            } else {
                "Medium"
            },
        );
        kv(b, "Hashes", &self.w.hashes[pi]);
        kopen(b, "ParentProcessGuid");
        self.proc_guid(b, host, "0010");
        b.push_str("\",");
        kn(b, "ParentProcessId", self.rng.range(400, 24_000) & !3);
        img.clear();
        self.w.expand(&mut self.rng, parent.image, &cx, &mut img);
        kv(b, "ParentImage", &img);
        let pcx = Cx { image: &img, ..cx };
        kopen(b, "ParentCommandLine");
        self.w
            .expand_esc(&mut self.rng, parent.cmd, &pcx, &mut tmp, b);
        b.push_str("\",");
        self.push_user_field(b, "ParentUser", parent.system, user);
        close_event(b);
        self.img = img;
        self.tmp = tmp;
    }

    fn sysmon3(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        let sys = self.sysmon_sys(host, 3, 5);
        self.header(b, host, &sys);
        let image = *self.rng.pick(NET_IMAGES);
        let system = image.contains("svchost") || image.contains("MsMpEng");
        let mut tmp = std::mem::take(&mut self.tmp);
        kv(b, "RuleName", "-");
        self.utc_time(b);
        kopen(b, "ProcessGuid");
        self.proc_guid(b, host, "0010");
        b.push_str("\",");
        kn(b, "ProcessId", self.rng.range(600, 24_000) & !3);
        kopen(b, "Image");
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        self.w.expand_esc(&mut self.rng, image, &cx, &mut tmp, b);
        b.push_str("\",");
        self.push_user_field(b, "User", system, user);
        let h = &self.w.hosts[host];
        let internal = self.rng.chance(0.45) || h.server;
        let dc = self.rng.below(self.w.dcs);
        let ext = *self.rng.pick(NET_EXT);
        let (dport, dname, proto) = if internal {
            *self.rng.pick(NET_DC)
        } else {
            (ext.2, ext.3, "tcp")
        };
        kv(b, "Protocol", proto);
        b.push_str(r#""Initiated":true,"SourceIsIpv6":false,"SourceIp":""#);
        push_ip4(b, h.ip);
        b.push_str("\",");
        kopen(b, "SourceHostname");
        b.push_str(&h.fqdn);
        b.push_str("\",");
        kn(b, "SourcePort", self.rng.range(49_152, 65_535));
        b.push_str(r#""SourcePortName":"","DestinationIsIpv6":false,"DestinationIp":""#);
        if internal {
            push_ip4(b, self.w.hosts[dc].ip);
            b.push_str("\",");
            kv(b, "DestinationHostname", &self.w.hosts[dc].fqdn);
        } else {
            b.push_str(ext.1);
            b.push_str("\",");
            kv(b, "DestinationHostname", ext.0);
        }
        kn(b, "DestinationPort", dport);
        kv(b, "DestinationPortName", dname);
        close_event(b);
        self.tmp = tmp;
    }

    fn sysmon13(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        let sys = self.sysmon_sys(host, 13, 2);
        self.header(b, host, &sys);
        let kind = self.rng.below(7);
        kv(b, "RuleName", if kind == 4 { RUN_KEY_RULE } else { "-" });
        kv(b, "EventType", "SetValue");
        self.utc_time(b);
        kopen(b, "ProcessGuid");
        self.proc_guid(b, host, "0010");
        b.push_str("\",");
        kn(b, "ProcessId", self.rng.range(600, 24_000) & !3);
        let mut tmp = std::mem::take(&mut self.tmp);
        let u = USERS[user];
        let (image, system) = match kind {
            0 | 3 | 5 => (r"C:\Windows\system32\svchost.exe", true),
            1 => (r"C:\Windows\Explorer.EXE", false),
            2 => (
                r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.23110.3-0\MsMpEng.exe",
                true,
            ),
            4 => ("", false),
            _ => (
                r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
                false,
            ),
        };
        kopen(b, "Image");
        if kind == 4 {
            tmp.clear();
            tmp.push_str(r"C:\Users\");
            tmp.push_str(u);
            tmp.push_str(r"\AppData\Local\Microsoft\OneDrive\OneDrive.exe");
            push_esc(b, &tmp);
        } else {
            push_esc(b, image);
        }
        b.push_str("\",");
        kopen(b, "TargetObject");
        tmp.clear();
        let details: &str;
        let mut dword = None;
        match kind {
            0 => {
                tmp.push_str(r"HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\");
                self.w.push_sid(&mut tmp, user);
                tmp.push_str(r"\\Device\HarddiskVolume3\Windows\System32\");
                tmp.push_str(PROCS[self.rng.range(5, 21) as usize].ofn);
                details = "Binary Data";
            }
            1 => {
                tmp.push_str(r"HKU\");
                self.w.push_sid(&mut tmp, user);
                tmp.push_str(r"\Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count\HRZR_PGYFRFFVBA");
                details = "Binary Data";
            }
            2 => {
                tmp.push_str(r"HKLM\SOFTWARE\Microsoft\Windows Defender\Signature Updates\SignaturesLastUpdated");
                details = "";
            }
            3 => {
                tmp.push_str(r"HKLM\System\CurrentControlSet\Services\");
                tmp.push_str(self.rng.word(SERVICES));
                tmp.push_str(r"\Start");
                dword = Some(2 + self.rng.below(3) as u64);
                details = "";
            }
            4 => {
                tmp.push_str(r"HKU\");
                self.w.push_sid(&mut tmp, user);
                tmp.push_str(r"\Software\Microsoft\Windows\CurrentVersion\Run\OneDrive");
                details = "";
            }
            5 => {
                tmp.push_str(
                    r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache\Tree\",
                );
                tmp.push_str(self.rng.word(WORDS));
                tmp.push_str(r" Maintenance\Index");
                dword = Some(3);
                details = "";
            }
            _ => {
                tmp.push_str(r"HKU\");
                self.w.push_sid(&mut tmp, user);
                tmp.push_str(r"\Software\Microsoft\Office\16.0\Outlook\Profiles\Outlook\");
                push_rand_hex(&mut tmp, &mut self.rng, 32, false);
                tmp.push_str(r"\001f3001");
                details = "Binary Data";
            }
        }
        push_esc(b, &tmp);
        b.push_str("\",");
        kopen(b, "Details");
        if let Some(d) = dword {
            b.push_str("DWORD (0x");
            push_hex(b, d, 8, false);
            b.push(')');
        } else if kind == 2 {
            b.push_str("QWORD (0x01da");
            push_rand_hex(b, &mut self.rng, 4, false);
            b.push_str("-0x");
            push_rand_hex(b, &mut self.rng, 8, false);
            b.push(')');
        } else if kind == 4 {
            tmp.clear();
            tmp.push('"');
            tmp.push_str(r"C:\Users\");
            tmp.push_str(u);
            tmp.push_str(r#"\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background"#);
            push_esc(b, &tmp);
        } else {
            b.push_str(details);
        }
        b.push_str("\",");
        self.push_user_field(b, "User", system, user);
        close_event(b);
        self.tmp = tmp;
    }

    fn sec_sys(&self, host: usize, eid: u64) -> Sys {
        Sys {
            prov: SEC_PROV,
            guid: SEC_GUID,
            eid,
            ver: if eid == 4624 { 2 } else { 0 },
            level: 0,
            task: 12544,
            opcode: 0,
            kw: if eid == 4624 {
                "0x8020000000000000"
            } else {
                "0x8010000000000000"
            },
            ch: CH_SECURITY,
            corr: true,
            pid: self.w.hosts[host].lsass_pid,
            sec: Sec::Null,
        }
    }

    fn logon_id(&mut self, b: &mut String, key: &str) {
        kopen(b, key);
        b.push_str("0x");
        push_hex(b, self.rng.range(0x10000, 0xfffffff), 7, false);
        b.push_str("\",");
    }

    fn sec4624(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        let sys = self.sec_sys(host, 4624);
        self.header(b, host, &sys);
        let logon_type = *self.rng.pick(&[3u64, 3, 3, 3, 5, 5, 2, 7, 10, 11]);
        let service = logon_type == 5;
        let network = logon_type == 3;
        // Subject.
        if network {
            b.push_str(r#""SubjectUserSid":"S-1-0-0","SubjectUserName":"-","SubjectDomainName":"-","SubjectLogonId":"0x0","#);
        } else {
            b.push_str(r#""SubjectUserSid":"S-1-5-18","SubjectUserName":""#);
            b.push_str(&self.w.hosts[host].short);
            b.push_str(r#"$","SubjectDomainName":""#);
            b.push_str(self.w.netbios);
            b.push_str(r#"","SubjectLogonId":"0x3e7","#);
        }
        // Target.
        if service {
            b.push_str(r#""TargetUserSid":"S-1-5-18","TargetUserName":"SYSTEM","TargetDomainName":"NT AUTHORITY","TargetLogonId":"0x3e7","#);
        } else {
            kopen(b, "TargetUserSid");
            self.w.push_sid(b, user);
            b.push_str("\",");
            kv(b, "TargetUserName", USERS[user]);
            kv(b, "TargetDomainName", self.w.netbios);
            self.logon_id(b, "TargetLogonId");
        }
        kn(b, "LogonType", logon_type);
        let kerberos = network && self.rng.chance(0.6);
        let (proc_name, auth) = match logon_type {
            3 if kerberos => ("Kerberos", "Kerberos"),
            3 => ("NtLmSsp ", "NTLM"),
            5 => ("Advapi  ", "Negotiate"),
            _ => ("User32 ", "Negotiate"),
        };
        kv(b, "LogonProcessName", proc_name);
        kv(b, "AuthenticationPackageName", auth);
        let peer = self.rng.below(self.w.hosts.len());
        kopen(b, "WorkstationName");
        if network && !kerberos {
            b.push_str(&self.w.hosts[peer].short);
        } else if network || service {
            b.push('-');
        } else {
            b.push_str(&self.w.hosts[host].short);
        }
        b.push_str("\",");
        kopen(b, "LogonGuid");
        if kerberos {
            push_guid(b, &mut self.rng, true);
        } else {
            b.push_str("{00000000-0000-0000-0000-000000000000}");
        }
        b.push_str("\",");
        kv(b, "TransmittedServices", "-");
        kv(
            b,
            "LmPackageName",
            if network && !kerberos { "NTLM V2" } else { "-" },
        );
        kn(b, "KeyLength", if network && !kerberos { 128 } else { 0 });
        let (pid, pname) = match logon_type {
            3 => (0, "-"),
            5 => (0x2a8, r"C:\Windows\System32\services.exe"),
            _ => (
                0x1f4 + 4 * self.rng.range(0, 40),
                r"C:\Windows\System32\winlogon.exe",
            ),
        };
        kopen(b, "ProcessId");
        b.push_str("0x");
        push_hex(b, pid, if pid == 0 { 1 } else { 3 }, false);
        b.push_str("\",");
        kv(b, "ProcessName", pname);
        kopen(b, "IpAddress");
        match logon_type {
            3 | 10 => push_ip4(b, self.w.hosts[peer].ip),
            5 => b.push('-'),
            _ => b.push_str("127.0.0.1"),
        }
        b.push_str("\",");
        kopen(b, "IpPort");
        match logon_type {
            3 | 10 => push_u64(b, self.rng.range(49_152, 65_535)),
            5 => b.push('-'),
            _ => b.push('0'),
        }
        b.push_str("\",");
        b.push_str(r#""ImpersonationLevel":"%%1833","RestrictedAdminMode":"-","TargetOutboundUserName":"-","TargetOutboundDomainName":"-","VirtualAccount":"%%1843","TargetLinkedLogonId":"0x0","ElevatedToken":""#);
        b.push_str(if service || user >= ADMINS {
            "%%1842"
        } else {
            "%%1843"
        });
        b.push('"');
        close_event(b);
    }

    fn sec4625(&mut self, b: &mut String, host: usize) {
        let sys = self.sec_sys(host, 4625);
        self.header(b, host, &sys);
        let known = self.rng.chance(0.3);
        let user = self.pick_user(host);
        b.push_str(r#""SubjectUserSid":"S-1-0-0","SubjectUserName":"-","SubjectDomainName":"-","SubjectLogonId":"0x0","TargetUserSid":"S-1-0-0","TargetUserName":""#);
        let name = if known {
            USERS[user]
        } else {
            self.rng.pick(LOGON_NAMES_4625)
        };
        push_esc(b, name);
        b.push_str(r#"","TargetDomainName":""#);
        b.push_str(if known { self.w.netbios } else { "." });
        b.push_str(r#"","Status":"0xc000006d","FailureReason":"%%2313","SubStatus":""#);
        b.push_str(if known { "0xc000006a" } else { "0xc0000064" });
        b.push_str("\",");
        let rdp = self.rng.chance(0.2);
        kn(b, "LogonType", if rdp { 10 } else { 3 });
        b.push_str(r#""LogonProcessName":"NtLmSsp ","AuthenticationPackageName":"NTLM","WorkstationName":""#);
        b.push_str(self.rng.word(WORKSTATIONS_4625));
        b.push_str(r#"","TransmittedServices":"-","LmPackageName":"-","KeyLength":0,"ProcessId":"0x0","ProcessName":"-","IpAddress":""#);
        if known {
            self.w.push_ip(&mut self.rng, b);
        } else {
            let first = *self.rng.pick(&[45u8, 91, 103, 185, 193, 212]);
            let ip = [
                first,
                self.rng.range(1, 254) as u8,
                self.rng.range(0, 255) as u8,
                self.rng.range(1, 254) as u8,
            ];
            push_ip4(b, ip);
        }
        b.push_str(r#"","IpPort":""#);
        push_u64(b, self.rng.range(1024, 65_535));
        b.push('"');
        close_event(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed rule's strings, typed again from the rule (not taken from `NEEDLES`).
    const SEED_STRINGS: [&str; 38] = [
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

    fn has_seed_string(s: &str) -> bool {
        let l = s.to_lowercase();
        SEED_STRINGS.iter().any(|n| l.contains(&n.to_lowercase()))
    }

    // ---- a minimal JSON parser, for validation and field access ----

    #[derive(Debug, PartialEq)]
    enum J {
        Null,
        Bool(bool),
        Num(String),
        Str(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    impl J {
        fn get(&self, k: &str) -> Option<&J> {
            match self {
                J::Obj(v) => v.iter().find(|(n, _)| n == k).map(|(_, j)| j),
                _ => None,
            }
        }
        fn path(&self, ks: &[&str]) -> Option<&J> {
            ks.iter().try_fold(self, |j, k| j.get(k))
        }
        fn str(&self) -> Option<&str> {
            match self {
                J::Str(s) => Some(s),
                _ => None,
            }
        }
    }

    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> Result<(), String> {
            if self.peek() == Some(c) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!("expected {:?} at {}", c as char, self.i))
            }
        }
        fn lit(&mut self, w: &str, j: J) -> Result<J, String> {
            if self.s[self.i..].starts_with(w.as_bytes()) {
                self.i += w.len();
                Ok(j)
            } else {
                Err(format!("bad literal at {}", self.i))
            }
        }
        fn value(&mut self) -> Result<J, String> {
            self.ws();
            match self.peek().ok_or("unexpected end")? {
                b'{' => {
                    self.i += 1;
                    let mut v = Vec::new();
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        return Ok(J::Obj(v));
                    }
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        let x = self.value()?;
                        if v.iter().any(|(n, _)| *n == k) {
                            return Err(format!("duplicate key {k}"));
                        }
                        v.push((k, x));
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                return Ok(J::Obj(v));
                            }
                            _ => return Err(format!("bad object at {}", self.i)),
                        }
                    }
                }
                b'[' => {
                    self.i += 1;
                    let mut v = Vec::new();
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        return Ok(J::Arr(v));
                    }
                    loop {
                        v.push(self.value()?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                return Ok(J::Arr(v));
                            }
                            _ => return Err(format!("bad array at {}", self.i)),
                        }
                    }
                }
                b'"' => Ok(J::Str(self.string()?)),
                b't' => self.lit("true", J::Bool(true)),
                b'f' => self.lit("false", J::Bool(false)),
                b'n' => self.lit("null", J::Null),
                _ => self.number(),
            }
        }
        fn digits(&mut self) -> usize {
            let st = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            self.i - st
        }
        fn number(&mut self) -> Result<J, String> {
            let st = self.i;
            if self.peek() == Some(b'-') {
                self.i += 1;
            }
            let first = self.peek();
            let n = self.digits();
            if n == 0 || (first == Some(b'0') && n > 1) {
                return Err(format!("bad number at {st}"));
            }
            if self.peek() == Some(b'.') {
                self.i += 1;
                if self.digits() == 0 {
                    return Err(format!("bad fraction at {st}"));
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.i += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.i += 1;
                }
                if self.digits() == 0 {
                    return Err(format!("bad exponent at {st}"));
                }
            }
            Ok(J::Num(
                String::from_utf8(self.s[st..self.i].to_vec()).unwrap(),
            ))
        }
        fn hex4(&mut self) -> Result<u32, String> {
            let h = self.s.get(self.i..self.i + 4).ok_or("short \\u")?;
            let v = u32::from_str_radix(std::str::from_utf8(h).unwrap(), 16)
                .map_err(|e| e.to_string())?;
            self.i += 4;
            Ok(v)
        }
        fn string(&mut self) -> Result<String, String> {
            self.eat(b'"')?;
            let mut out = Vec::new();
            loop {
                let c = self.peek().ok_or("unterminated string")?;
                self.i += 1;
                match c {
                    b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                    b'\\' => {
                        let e = self.peek().ok_or("bad escape")?;
                        self.i += 1;
                        let ch = match e {
                            b'"' => '"',
                            b'\\' => '\\',
                            b'/' => '/',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'n' => '\n',
                            b'r' => '\r',
                            b't' => '\t',
                            b'u' => {
                                let mut v = self.hex4()?;
                                if (0xd800..0xdc00).contains(&v) {
                                    self.eat(b'\\')?;
                                    self.eat(b'u')?;
                                    let lo = self.hex4()?;
                                    v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                                }
                                char::from_u32(v).ok_or("bad \\u")?
                            }
                            _ => return Err(format!("bad escape at {}", self.i)),
                        };
                        let mut buf = [0; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    0..0x20 => return Err(format!("raw control char at {}", self.i)),
                    _ => out.push(c),
                }
            }
        }
    }

    fn parse(line: &str) -> Result<J, String> {
        let mut p = P {
            s: line.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != line.len() {
            return Err(format!("trailing data at {}", p.i));
        }
        Ok(v)
    }

    fn gen_bytes(size: u64, seed: u64, hit_rate: f64) -> (Vec<u8>, GenSummary) {
        let mut out = Vec::new();
        let sum = generate(
            &GenConfig {
                size,
                seed,
                hit_rate,
            },
            &mut out,
        )
        .unwrap();
        (out, sum)
    }

    /// Independent scan of a corpus.
    #[derive(Default, Debug)]
    struct Scan {
        events: u64,
        hits: u64,
        ps4104: u64,
        distractors: u64,
        max_line: usize,
        script_min: usize,
        script_max: usize,
    }

    fn scan(out: &[u8]) -> Scan {
        let text = std::str::from_utf8(out).expect("UTF-8");
        assert!(text.is_empty() || text.ends_with('\n'));
        let mut s = Scan {
            script_min: usize::MAX,
            ..Scan::default()
        };
        let mut last_time = String::new();
        for line in text.split_terminator('\n') {
            s.events += 1;
            s.max_line = s.max_line.max(line.len() + 1);
            assert!(line.starts_with("{\"Event\":{") && line.ends_with('}'));
            let ev = parse(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let sys = ev.path(&["Event", "System"]).expect("System");
            let t = sys
                .path(&["TimeCreated", "#attributes", "SystemTime"])
                .and_then(J::str)
                .expect("SystemTime");
            assert_eq!(t.len(), 28, "{t}");
            assert!(t > last_time.as_str(), "time not increasing: {t}");
            last_time = t.to_string();
            assert!(sys.get("Computer").and_then(J::str).is_some());
            assert!(matches!(sys.get("EventRecordID"), Some(J::Num(_))));
            let chan = sys.get("Channel").and_then(J::str).expect("Channel");
            let eid = match sys.get("EventID").expect("EventID") {
                J::Num(n) => n.clone(),
                j => match j.get("#text") {
                    Some(J::Num(n)) => n.clone(),
                    _ => panic!("bad EventID {j:?}"),
                },
            };
            let sbt = ev
                .path(&["Event", "EventData", "ScriptBlockText"])
                .and_then(J::str);
            let genuine = eid == "4104" && chan == "Microsoft-Windows-PowerShell/Operational";
            if genuine {
                s.ps4104 += 1;
                let sbt = sbt.expect("4104 without ScriptBlockText");
                s.script_min = s.script_min.min(sbt.len());
                s.script_max = s.script_max.max(sbt.len());
            }
            if genuine && sbt.is_some_and(has_seed_string) {
                s.hits += 1;
            } else if has_seed_string(line) {
                s.distractors += 1;
            }
        }
        s
    }

    #[test]
    fn same_seed_same_bytes() {
        let (a, sa) = gen_bytes(1 << 20, 42, 0.1);
        let (b, sb) = gen_bytes(1 << 20, 42, 0.1);
        assert_eq!(sa, sb);
        assert!(a == b);
    }

    #[test]
    fn different_seeds_differ() {
        let (a, _) = gen_bytes(200_000, 1, 0.1);
        let (b, _) = gen_bytes(200_000, 2, 0.1);
        assert!(a != b);
        let (c, _) = gen_bytes(200_000, 1, 0.5);
        assert!(a != c);
    }

    #[test]
    fn smaller_size_is_a_prefix() {
        let (a, _) = gen_bytes(300_000, 9, 0.2);
        let (b, _) = gen_bytes(1_000_000, 9, 0.2);
        assert!(b.starts_with(&a));
    }

    #[test]
    fn size_is_respected() {
        for &size in &[0u64, 1, 1000, 123_457, 3_000_001] {
            let (out, sum) = gen_bytes(size, 7, 0.05);
            assert_eq!(sum.bytes, out.len() as u64);
            assert!(out.len() as u64 >= size);
            if size == 0 {
                assert!(out.is_empty());
                assert_eq!(sum.events, 0);
                continue;
            }
            assert_eq!(*out.last().unwrap(), b'\n');
            // Everything before the last line stays below `size`.
            let before_last = out[..out.len() - 1]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
            assert!((before_last as u64) < size);
            assert_eq!(
                sum.events,
                out.iter().filter(|&&c| c == b'\n').count() as u64
            );
        }
    }

    #[test]
    fn lines_are_valid_json_and_hits_are_exact() {
        for (seed, rate) in [(1u64, 0.0), (2, 0.05), (3, 0.5), (4, 1.0)] {
            let (out, sum) = gen_bytes(2_500_000, seed, rate);
            let s = scan(&out);
            assert_eq!(s.events, sum.events);
            assert_eq!(s.hits, sum.seed_hits, "seed {seed} rate {rate}: {s:?}");
            assert!(s.max_line < 64 << 10, "{s:?}");
            assert!(s.script_min >= 200 && s.script_max <= 9000, "{s:?}");
            assert!(s.distractors > 0, "{s:?}");
            if rate == 0.0 {
                assert_eq!(sum.seed_hits, 0);
            }
            if rate == 1.0 {
                assert_eq!(sum.seed_hits, s.ps4104);
            }
            if rate == 0.05 {
                let frac = sum.seed_hits as f64 / s.ps4104 as f64;
                assert!((0.01..0.12).contains(&frac), "{frac}");
            }
            // 4104 share by count: about 15 %.
            let share = s.ps4104 as f64 / s.events as f64;
            assert!((0.11..0.19).contains(&share), "{share}");
        }
    }

    #[test]
    fn script_text_has_escapes_and_unicode() {
        let (out, _) = gen_bytes(1 << 20, 5, 0.1);
        let text = std::str::from_utf8(&out).unwrap();
        let mut crlf = false;
        let mut backslash = false;
        let mut quote = false;
        let mut unicode = false;
        for line in text.lines().filter(|l| l.contains("\"EventID\":4104,")) {
            let ev = parse(line).unwrap();
            let sbt = ev
                .path(&["Event", "EventData", "ScriptBlockText"])
                .and_then(J::str)
                .unwrap();
            crlf |= sbt.contains("\r\n");
            backslash |= sbt.contains('\\');
            quote |= sbt.contains('"');
            unicode |= !sbt.is_ascii();
        }
        assert!(crlf && backslash && quote && unicode);
    }

    #[test]
    fn bad_hit_rate_is_rejected() {
        for r in [-0.1, 1.5, f64::NAN] {
            let mut out = Vec::new();
            let e = generate(
                &GenConfig {
                    size: 10,
                    seed: 0,
                    hit_rate: r,
                },
                &mut out,
            )
            .unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert!(out.is_empty());
        }
    }

    #[test]
    fn needle_table_matches_rule() {
        let names: Vec<&str> = NEEDLES.iter().map(|n| n.0).collect();
        assert_eq!(names, SEED_STRINGS);
    }

    /// Splits a template into its literal parts and slot letters.
    fn split_template(t: &str) -> (Vec<&str>, Vec<u8>) {
        let mut lits = Vec::new();
        let mut slots = Vec::new();
        let mut rest = t;
        while let Some(i) = rest.find('§') {
            lits.push(&rest[..i]);
            slots.push(rest.as_bytes()[i + 2]);
            rest = &rest[i + 3..];
        }
        lits.push(rest);
        (lits, slots)
    }

    /// The construction argument of the module doc: ordinary 4104 scripts hold no seed
    /// string because no template text and no slot value holds one, and every slot
    /// sits between non-alphanumeric characters.
    #[test]
    fn script_vocabulary_is_free_of_seed_strings() {
        const SLOTS: &[u8] = b"VFCPDEUOHhNnSKRWIGXTB";
        for t in SNIPPETS {
            let (lits, slots) = split_template(t);
            for l in &lits {
                assert!(!has_seed_string(l), "{l}");
            }
            for (k, &s) in slots.iter().enumerate() {
                assert!(SLOTS.contains(&s), "slot {} in {t}", s as char);
                let before = lits[k].as_bytes().last();
                let after = lits[k + 1].as_bytes().first();
                assert!(
                    !before.is_some_and(u8::is_ascii_alphanumeric)
                        && !after.is_some_and(u8::is_ascii_alphanumeric),
                    "slot {} not bounded in {t}",
                    s as char
                );
            }
        }
        let lists: &[&[&str]] = &[
            VARS,
            VERBS,
            NOUNS,
            CMDLETS,
            USERS,
            WORDS,
            EXTS,
            VENDORS,
            PRODUCTS,
            SERVICES,
            SVCHOST_GROUPS,
            REG_KEYS,
            URL_HOSTS,
        ];
        for l in lists {
            for v in *l {
                assert!(!has_seed_string(v), "{v}");
            }
        }
        for (n, d) in DOMAINS {
            assert!(!has_seed_string(n) && !has_seed_string(d));
        }
        // Fixed parts of generated values.
        for p in [
            r"C:\Users\",
            r"\Documents",
            r"\Desktop",
            r"\AppData\Local\Temp",
            r"C:\ProgramData\",
            r"C:\Program Files\",
            r"D:\Data\",
            r"C:\Windows\Temp",
            r"C:\Scripts",
            r"\share\",
            r"\OneDrive - ",
            "https://",
            "intranet.",
            "/api/v",
            "?page=",
            r"HKLM:\SOFTWARE\",
            "DC",
            "LT-",
            "WS-",
            "FS01",
            "SQL01",
            "APP01",
            "WEB01",
            "EXCH01",
            "PRINT01",
            "SCCM01",
        ] {
            assert!(!has_seed_string(p), "{p}");
        }
        // Every slot of every template is known to `fill`.
        let mut rng = Rng::new(1);
        let w = World::new(&mut rng);
        let cx = Cx {
            host: 0,
            user: 0,
            image: "x",
            z: "z",
            dll: "d",
        };
        let mut o = String::new();
        let all = SNIPPETS
            .iter()
            .chain(HIT_SNIPPETS)
            .chain(HIT_SNIPPETS_NATIVE)
            .chain(HIT_SNIPPETS_MANAGED)
            .chain(ONE_LINERS)
            .chain(ONE_LINERS_Z)
            .chain(PAYLOADS_4103)
            .chain(PAYLOADS_4103_Z)
            .chain([CONTEXT_4103, DETAILS_800].iter())
            .chain(PROCS.iter().flat_map(|p| [&p.image, &p.cmd]))
            .chain(NET_IMAGES);
        for t in all {
            w.expand(&mut rng, t, &cx, &mut o);
        }
        // Hit snippets always carry the seed string.
        assert!(SNIPPETS.len() <= 64);
        assert!(SNIPPETS.iter().map(|t| t.len()).sum::<usize>() > 2 * 8192);
        for t in HIT_SNIPPETS
            .iter()
            .chain(HIT_SNIPPETS_NATIVE)
            .chain(HIT_SNIPPETS_MANAGED)
        {
            assert!(t.contains("§Z"), "{t}");
        }
    }

    #[test]
    fn time_format() {
        let mut o = String::new();
        push_time(
            &mut o,
            TICKS_2024 + 59 * 86_400 * 10_000_000 + 1234567,
            true,
        );
        assert_eq!(o, "2024-02-29T00:00:00.1234567Z");
        o.clear();
        push_time(
            &mut o,
            TICKS_2024 + 366 * 86_400 * 10_000_000 - 10_000,
            false,
        );
        assert_eq!(o, "2024-12-31 23:59:59.999");
    }

    #[test]
    fn escaping() {
        let mut o = String::new();
        push_esc(&mut o, "a\"b\\c\r\nd\te\u{1}ü");
        assert_eq!(o, r#"a\"b\\c\r\nd\te\u0001ü"#);
    }
}
