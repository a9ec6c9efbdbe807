//! Vocabulary of the synthetic world: the DLL of each seed string, domains, users,
//! PowerShell words, vendors, services, registry keys, hosts of URLs.

/// The DLL that exports a function named like [`SEED_NEEDLES`](crate::SEED_NEEDLES)`[i]` (`mscorlib.dll` for
/// the .NET methods), at the same index.
pub(crate) const NEEDLE_DLLS: [&str; 38] = [
    "secur32.dll",  // AddSecurityPackage
    "advapi32.dll", // AdjustTokenPrivileges
    "kernel32.dll", // CloseHandle
    "advapi32.dll", // CreateProcessWithToken
    "kernel32.dll", // CreateRemoteThread
    "kernel32.dll", // CreateThread
    "ntdll.dll",    // CreateUserThread
    "mscorlib.dll", // DangerousGetHandle
    "advapi32.dll", // DuplicateTokenEx
    "secur32.dll",  // EnumerateSecurityPackages
    "kernel32.dll", // FreeLibrary
    "mscorlib.dll", // GetDelegateForFunctionPointer
    "secur32.dll",  // GetLogonSessionData
    "kernel32.dll", // GetModuleHandle
    "kernel32.dll", // GetProcAddress
    "kernel32.dll", // GetProcessHandle
    "advapi32.dll", // GetTokenInformation
    "advapi32.dll", // ImpersonateLoggedOnUser
    "kernel32.dll", // LoadLibrary
    "msvcrt.dll",   // memcpy
    "dbghelp.dll",  // MiniDumpWriteDump
    "user32.dll",   // OpenDesktop
    "kernel32.dll", // OpenProcess
    "advapi32.dll", // OpenProcessToken
    "advapi32.dll", // OpenThreadToken
    "user32.dll",   // OpenWindowStation
    "kernel32.dll", // QueueUserApc
    "kernel32.dll", // ReadProcessMemory
    "advapi32.dll", // RevertToSelf
    "ntdll.dll",    // RtlCreateUserThread
    "advapi32.dll", // SetThreadToken
    "kernel32.dll", // VirtualAlloc
    "kernel32.dll", // VirtualFree
    "kernel32.dll", // VirtualProtect
    "kernel32.dll", // WaitForSingleObject
    "mscorlib.dll", // WriteInt32
    "kernel32.dll", // WriteProcessMemory
    "mscorlib.dll", // ZeroFreeGlobalAllocUnicode
];

pub(crate) const DOMAINS: [(&str, &str); 4] = [
    ("CONTOSO", "corp.contoso.com"),
    ("FABRIKAM", "ad.fabrikam.net"),
    ("NORTHWIND", "northwind.local"),
    ("WOODGROVE", "woodgrovebank.lan"),
];

pub(crate) const USERS: &[&str] = &[
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
pub(crate) const ADMINS: usize = 20;

pub(crate) const VARS: &[&str] = &[
    "result", "items", "svc", "cfg", "data", "logPath", "session", "response", "entries", "target",
    "procs", "list", "output", "counter", "server", "user", "file", "tempPath", "json", "payload",
    "report", "rows", "share", "job", "settings", "acl", "csv", "batch",
];

pub(crate) const VERBS: &[&str] = &[
    "Get", "Set", "New", "Remove", "Invoke", "Test", "Update", "Export", "Import", "Sync", "Start",
    "Stop", "Repair", "Send",
];

pub(crate) const NOUNS: &[&str] = &[
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

pub(crate) const CMDLETS: &[&str] = &[
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

pub(crate) const WORDS: &[&str] = &[
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

pub(crate) const EXTS: &[&str] = &[
    "log", "csv", "txt", "json", "ps1", "xml", "zip", "docx", "xlsx", "pdf", "psm1", "ini",
];

pub(crate) const VENDORS: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Veeam",
    "Citrix",
    "VMware",
    "Splunk",
    "SolarWinds",
    "Tanium",
];

pub(crate) const PRODUCTS: &[&str] = &[
    "Agent",
    "Backup",
    "Tools",
    "Monitor",
    "Updater",
    "Collector",
];

pub(crate) const SERVICES: &[&str] = &[
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

pub(crate) const SVCHOST_GROUPS: &[&str] = &[
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

pub(crate) const REG_KEYS: &[&str] = &[
    r"HKCU:\Software\Microsoft\Windows\CurrentVersion\Run",
    r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU",
    r"HKCU:\Software\Microsoft\Office\16.0\Outlook\Preferences",
    r"HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server",
    r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
    r"HKCU:\Control Panel\Desktop",
];

pub(crate) const URL_HOSTS: &[&str] = &[
    "raw.githubusercontent.com",
    "download.microsoft.com",
    "graph.microsoft.com",
    "api.contoso-cloud.com",
    "packages.fabrikam.io",
    "monitoring.northwind.example",
];

pub(crate) const CASE_PREFIXES: &[&str] = &["", "Nt", "Zw", "Invoke", "Win32", "_", "p"];
pub(crate) const CASE_SUFFIXES: &[&str] =
    &["", "Ex", "A", "W", "Stub", "Delegate", "Internal", "_t"];

pub(crate) const LOGON_NAMES_4625: &[&str] = &[
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

pub(crate) const WORKSTATIONS_4625: &[&str] = &[
    "-",
    "kali",
    "WIN-3NJQPT8B4C1",
    "DESKTOP-7Q1L2KD",
    "RDP-CLIENT",
];
