//! Logsource gates: which Windows event-log events a Sigma rule may look at.
//!
//! A Sigma rule's `logsource` (`product`, `category`, `service`) names the kind of
//! event its detection was written for; the detection itself usually does not
//! repeat it. A *gate* is the event-log form of that restriction: the `Channel`
//! an event must come from and, for categories, the `EventID`s it must carry.
//! [`windows_gate`] turns one logsource into a [`Gate`]; the verifier applies
//! it to a candidate line before (or after) evaluating the condition. This
//! module is pure data plus a lookup: no IO, no knowledge of JSON layouts or of
//! how the caller reads `Channel` and `EventID` from an event.
//!
//! # Why Channel *and* EventID
//!
//! Event IDs are only unique within one provider: EventID 1 is Sysmon's process
//! creation, but many other providers log an EventID 1 too. Peers that gate on
//! the EventID alone report false positives
//! (Chainsaw issues #122 and #107; `../shared/SIGMA.md` §4 recommends Channel
//! plus EventID). So every [`GateClause`] names its channel, and a category
//! clause also lists its EventIDs.
//!
//! # Where the tables come from
//!
//! - Categories → Sysmon EventIDs: the Sigma taxonomy appendix
//!   (SigmaHQ/sigma-specification `specification/sigma-appendix-taxonomy.md`,
//!   v2.1.0, 35 Windows categories) and pySigma-pipeline-sysmon
//!   (`sigma/pipelines/sysmon/sysmon.py`). Where they differ the wider set is
//!   used: `file_delete` is Sysmon 23 *and* 26, as pySigma-pipeline-sysmon and
//!   Hayabusa map it (the appendix lists 23 only).
//! - `ps_*` categories: the appendix and pySigma-pipeline-windows
//!   (`windows.py`, `windows_generic_category_channel_mapping`).
//! - Built-in (non-Sysmon) alternatives and their field renames: exactly the
//!   ones `../shared/SIGMA.md` §4 lists, from sigma-to-hayabusa-converter
//!   `builtin-category-mapping.yaml` and pySigma-pipeline-windows
//!   `windows_audit_pipeline`: Security 4688 for `process_creation`, Security
//!   4657 for `registry_set`/`registry_event`/`registry_add`, Security 5156 for
//!   `network_connection`, WMI-Activity 5861 for `wmi_event`, and the Windows
//!   Defender events for `antivirus`.
//! - Services → Channels: the appendix (46 Windows services), pySigma
//!   `sigma/pipelines/common.py` (`windows_logsource_mapping`) and SigmaHQ's
//!   `tests/thor.yml` (copied to `../shared/sigma/reference/thor.yml`), which
//!   adds `smbclient-connectivity` and `smbserver-connectivity`. Two aliases
//!   used by rules or pySigma are accepted: `microsoft-servicebus-client`
//!   (= `servicebus-client`) and `ldap_debug` (= `ldap`).
//! - The taxonomy spells the DNS server audit and analytic channels
//!   `Microsoft-Windows-DNS-Server/…`, but Windows writes
//!   `Microsoft-Windows-DNSServer/…` (a real 541 event in
//!   `../shared/events/` carries `Microsoft-Windows-DNSServer/Audit`), so both
//!   spellings are accepted.
//!
//! Every category and service used by a `product: windows` rule in SigmaHQ/sigma
//! 8eaafff (`rules*` folders) resolves to a gate here, except `file_access` and
//! `file_rename`, which come from an ETW provider and have no event-log channel
//! at all: those yield [`Gate::Unknown`] with that reason.
#![deny(unsafe_code)]

/// One way an event can satisfy a gate: its Channel equals `channel`
/// (compared case-insensitively by the caller) and, when `event_ids` is
/// non-empty, its EventID is one of them.
///
/// A clause restricts Channel and EventID only. Where a mapping source adds a
/// further precondition (Security 4657 for `registry_set` also requires
/// `OperationType` "Existing registry value modified", for `registry_add` "New
/// registry value created"), that precondition is not expressed here, so such
/// a clause admits a few more events than its source; the detection still has
/// to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateClause {
    /// The event-log channel, spelled as Windows writes it in
    /// `Event.System.Channel` (e.g. `Microsoft-Windows-Sysmon/Operational`).
    pub channel: &'static str,
    /// The EventIDs the event must carry; empty means any EventID of the
    /// channel. Sorted ascending, no duplicates.
    pub event_ids: &'static [u32],
    /// `(sigma_field, event_field)` pairs: where this clause's events store a
    /// field under another name than the Sigma taxonomy (which follows
    /// Sysmon), the detection must read `event_field` instead of
    /// `sigma_field`. Empty for Sysmon clauses and for services.
    ///
    /// The lookup is a single, non-transitive step: Security 4688 maps
    /// `ParentProcessId` to `ProcessId` *and* `ProcessId` to `NewProcessId`;
    /// a rule's `ParentProcessId` reads the event's `ProcessId` and stops
    /// there. Only names are mapped, never values: 4688 writes `NewProcessId`
    /// in hex and `MandatoryLabel` as a SID, 5156 writes `Direction` as
    /// `%%14592`/`%%14593`, 4657 writes `OperationType` as text (or `%%1904`/
    /// `%%1905`), so a condition on those fields may not match on a built-in
    /// clause even when the Sysmon event would.
    pub renames: &'static [(&'static str, &'static str)],
}

/// The result for one logsource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Not a Windows logsource, or a Windows one with neither category nor
    /// service: no event-log gate applies (match on the detection alone).
    None,
    /// The event must satisfy at least one clause.
    AnyOf(Vec<GateClause>),
    /// A Windows category/service this table does not know, or one that has
    /// no event-log source (e.g. file_access from ETW): the reason, for a
    /// warning.
    Unknown(String),
}

/// Maps a rule's logsource to the gate its events must pass.
///
/// - `product` is compared ASCII-case-insensitively (surrounding whitespace
///   ignored); anything but `windows`, or no product, gives [`Gate::None`].
///   So a rule with only `category: antivirus` and no product is not gated.
/// - `category` and `service` are matched the same way; `None` and an empty
///   string both mean "absent". Windows with neither gives [`Gate::None`].
/// - A category alone gives its clauses (the Sysmon clause first, then any
///   built-in alternative); a service alone gives one clause per channel with
///   no EventID restriction.
/// - Both: the event must satisfy both, so the result is the category's
///   clauses whose channel is one of the service's channels. `ps_script` with
///   `powershell` keeps 4104 in both PowerShell channels; `process_creation`
///   with `security` keeps only Security 4688. If no clause survives, the rule
///   can never match an event log, which is reported as [`Gate::Unknown`].
/// - An unknown category or service, or one whose events never reach an event
///   log (`file_access`, `file_rename`: ETW only), gives [`Gate::Unknown`]
///   with the reason, even when the other half is known: dropping half of the
///   logsource would silently widen the rule.
#[must_use]
pub fn windows_gate(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Gate {
    match present(product) {
        Some(p) if p.eq_ignore_ascii_case("windows") => {}
        _ => return Gate::None,
    }
    let category = match present(category) {
        None => None,
        Some(name) => match category_clauses(name) {
            Ok(clauses) => Some((name, clauses)),
            Err(reason) => return Gate::Unknown(reason),
        },
    };
    let service = match present(service) {
        None => None,
        Some(name) => match service_channels(name) {
            Ok(channels) => Some((name, channels)),
            Err(reason) => return Gate::Unknown(reason),
        },
    };
    match (category, service) {
        (None, None) => Gate::None,
        (Some((_, clauses)), None) => Gate::AnyOf(clauses.to_vec()),
        (None, Some((_, channels))) => Gate::AnyOf(channels.iter().map(|&c| any_id(c)).collect()),
        (Some((cat, clauses)), Some((svc, channels))) => {
            let kept: Vec<GateClause> = clauses
                .iter()
                .filter(|clause| {
                    channels
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(clause.channel))
                })
                .cloned()
                .collect();
            if kept.is_empty() {
                Gate::Unknown(format!(
                    "Windows category `{cat}` and service `{svc}` share no event-log channel, \
                     so no event can satisfy both"
                ))
            } else {
                Gate::AnyOf(kept)
            }
        }
    }
}

/// `Some(trimmed)` unless the value is absent or blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn category_clauses(name: &str) -> Result<&'static [GateClause], String> {
    if let Some(&(_, clauses)) = CATEGORIES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return Ok(clauses);
    }
    if let Some(&(_, why)) = CATEGORIES_WITHOUT_EVENT_LOG
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return Err(format!(
            "Windows category `{name}` has no event-log source: {why}"
        ));
    }
    Err(format!(
        "unknown Windows logsource category `{name}` (not in the Sigma taxonomy table)"
    ))
}

fn service_channels(name: &str) -> Result<&'static [&'static str], String> {
    if let Some(&(_, channels)) = SERVICES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Ok(channels);
    }
    if let Some(&(_, why)) = SERVICES_WITHOUT_EVENT_LOG
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return Err(format!(
            "Windows service `{name}` has no event-log source: {why}"
        ));
    }
    Err(format!(
        "unknown Windows logsource service `{name}` (not in the Sigma taxonomy table)"
    ))
}

/// A clause for `channel` with no EventID restriction and no renames.
const fn any_id(channel: &'static str) -> GateClause {
    GateClause {
        channel,
        event_ids: &[],
        renames: &[],
    }
}

/// A Sysmon clause: Sysmon fields are the Sigma taxonomy's names, so no renames.
const fn sysmon(event_ids: &'static [u32]) -> GateClause {
    GateClause {
        channel: SYSMON,
        event_ids,
        renames: &[],
    }
}

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
const SECURITY: &str = "Security";
const POWERSHELL: &str = "Microsoft-Windows-PowerShell/Operational";
const POWERSHELL_CORE: &str = "PowerShellCore/Operational";
const POWERSHELL_CLASSIC: &str = "Windows PowerShell";
const DEFENDER: &str = "Microsoft-Windows-Windows Defender/Operational";
const WMI_ACTIVITY: &str = "Microsoft-Windows-WMI-Activity/Operational";

/// Sysmon 1 → Security 4688 (SIGMA.md §4; Hayabusa converter
/// `fieldmappings_process`). `CommandLine` has the same name in both.
const RENAMES_4688: &[(&str, &str)] = &[
    ("Image", "NewProcessName"),
    ("ParentImage", "ParentProcessName"),
    ("ProcessId", "NewProcessId"),
    ("ParentProcessId", "ProcessId"),
    ("User", "SubjectUserName"),
    ("LogonId", "SubjectLogonId"),
    ("IntegrityLevel", "MandatoryLabel"),
];

/// Sysmon 12/13/14 → Security 4657 (SIGMA.md §4; Hayabusa converter
/// `fieldmappings_registry`).
const RENAMES_4657: &[(&str, &str)] = &[
    ("TargetObject", "ObjectName"),
    ("Details", "NewValue"),
    ("Image", "ProcessName"),
    ("User", "SubjectUserName"),
    ("EventType", "OperationType"),
];

/// Sysmon 3 → Security 5156 (SIGMA.md §4; Hayabusa converter
/// `fieldmappings_network`). `SourcePort` and `Protocol` keep their names.
const RENAMES_5156: &[(&str, &str)] = &[
    ("Image", "Application"),
    ("SourceIp", "SourceAddress"),
    ("DestinationIp", "DestAddress"),
    ("DestinationPort", "DestPort"),
    ("Initiated", "Direction"),
];

/// Generic antivirus fields → Windows Defender (Hayabusa converter
/// `fieldmappings_antivirus`; `thor.yml` `windows-defender-antivirus-mapping`).
const RENAMES_DEFENDER: &[(&str, &str)] = &[("Signature", "ThreatName"), ("Filename", "Path")];

/// Security 4657 "A registry value was modified", shared by the registry
/// categories that have a built-in alternative.
const SECURITY_4657: GateClause = GateClause {
    channel: SECURITY,
    event_ids: &[4657],
    renames: RENAMES_4657,
};

/// Windows categories with an event-log source, lowercase. Order inside a row:
/// the Sysmon (or primary) clause first, then built-in alternatives.
static CATEGORIES: &[(&str, &[GateClause])] = &[
    // Sysmon, in EventID order (taxonomy appendix; pySigma-pipeline-sysmon).
    (
        "process_creation",
        &[
            sysmon(&[1]),
            GateClause {
                channel: SECURITY,
                event_ids: &[4688],
                renames: RENAMES_4688,
            },
        ],
    ),
    ("file_change", &[sysmon(&[2])]),
    (
        "network_connection",
        &[
            sysmon(&[3]),
            GateClause {
                channel: SECURITY,
                event_ids: &[5156],
                renames: RENAMES_5156,
            },
        ],
    ),
    ("sysmon_status", &[sysmon(&[4, 16])]),
    ("process_termination", &[sysmon(&[5])]),
    ("driver_load", &[sysmon(&[6])]),
    ("image_load", &[sysmon(&[7])]),
    ("create_remote_thread", &[sysmon(&[8])]),
    ("raw_access_thread", &[sysmon(&[9])]),
    ("process_access", &[sysmon(&[10])]),
    ("file_event", &[sysmon(&[11])]),
    ("registry_event", &[sysmon(&[12, 13, 14]), SECURITY_4657]),
    ("registry_add", &[sysmon(&[12]), SECURITY_4657]),
    ("registry_delete", &[sysmon(&[12])]),
    ("registry_set", &[sysmon(&[13]), SECURITY_4657]),
    ("registry_rename", &[sysmon(&[14])]),
    ("create_stream_hash", &[sysmon(&[15])]),
    ("pipe_created", &[sysmon(&[17, 18])]),
    (
        "wmi_event",
        &[
            sysmon(&[19, 20, 21]),
            // SIGMA.md lists this Hayabusa alternative; no field mapping is
            // known (5861 has `Namespace`, `ESS`, `CONSUMER`, `PossibleCause`).
            GateClause {
                channel: WMI_ACTIVITY,
                event_ids: &[5861],
                renames: &[],
            },
        ],
    ),
    ("dns_query", &[sysmon(&[22])]),
    // 26 (FileDeleteDetected) logs the same deletions when Sysmon does not
    // archive the file (pySigma-pipeline-sysmon, Hayabusa); the appendix says 23.
    ("file_delete", &[sysmon(&[23, 26])]),
    ("clipboard_capture", &[sysmon(&[24])]),
    // thor.yml's name for the same event.
    ("clipboard_change", &[sysmon(&[24])]),
    ("process_tampering", &[sysmon(&[25])]),
    ("file_delete_detected", &[sysmon(&[26])]),
    ("file_block_executable", &[sysmon(&[27])]),
    ("file_block_shredding", &[sysmon(&[28])]),
    ("file_executable_detected", &[sysmon(&[29])]),
    ("sysmon_error", &[sysmon(&[255])]),
    // PowerShell (appendix; pySigma-pipeline-windows).
    (
        "ps_module",
        &[
            GateClause {
                channel: POWERSHELL,
                event_ids: &[4103],
                renames: &[],
            },
            GateClause {
                channel: POWERSHELL_CORE,
                event_ids: &[4103],
                renames: &[],
            },
        ],
    ),
    (
        "ps_script",
        &[
            GateClause {
                channel: POWERSHELL,
                event_ids: &[4104],
                renames: &[],
            },
            GateClause {
                channel: POWERSHELL_CORE,
                event_ids: &[4104],
                renames: &[],
            },
        ],
    ),
    (
        "ps_classic_start",
        &[GateClause {
            channel: POWERSHELL_CLASSIC,
            event_ids: &[400],
            renames: &[],
        }],
    ),
    (
        "ps_classic_provider_start",
        &[GateClause {
            channel: POWERSHELL_CLASSIC,
            event_ids: &[600],
            renames: &[],
        }],
    ),
    (
        "ps_classic_script",
        &[GateClause {
            channel: POWERSHELL_CLASSIC,
            event_ids: &[800],
            renames: &[],
        }],
    ),
    // Defender detections with a threat name or path (SIGMA.md §4, Hayabusa
    // converter, thor.yml). Only gated when the rule says `product: windows`.
    (
        "antivirus",
        &[GateClause {
            channel: DEFENDER,
            event_ids: &[
                1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116,
            ],
            renames: RENAMES_DEFENDER,
        }],
    ),
];

/// Windows categories that the taxonomy defines but no event log records.
static CATEGORIES_WITHOUT_EVENT_LOG: &[(&str, &str)] = &[
    (
        "file_access",
        "it comes from the ETW provider Microsoft-Windows-Kernel-File, not an event-log channel",
    ),
    (
        "file_rename",
        "it comes from the ETW provider Microsoft-Windows-Kernel-File, not an event-log channel",
    ),
];

/// Windows services → channels, lowercase names. The 46 services of the
/// taxonomy appendix, the two `thor.yml` adds, and two aliases.
static SERVICES: &[(&str, &[&str])] = &[
    ("application", &["Application"]),
    (
        "application-experience",
        &[
            "Microsoft-Windows-Application-Experience/Program-Telemetry",
            "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant",
        ],
    ),
    (
        "applocker",
        &[
            "Microsoft-Windows-AppLocker/MSI and Script",
            "Microsoft-Windows-AppLocker/EXE and DLL",
            "Microsoft-Windows-AppLocker/Packaged app-Deployment",
            "Microsoft-Windows-AppLocker/Packaged app-Execution",
        ],
    ),
    (
        "appmodel-runtime",
        &["Microsoft-Windows-AppModel-Runtime/Admin"],
    ),
    (
        "appxdeployment-server",
        &["Microsoft-Windows-AppXDeploymentServer/Operational"],
    ),
    (
        "appxpackaging-om",
        &["Microsoft-Windows-AppxPackaging/Operational"],
    ),
    (
        "bitlocker",
        &["Microsoft-Windows-BitLocker/BitLocker Management"],
    ),
    (
        "bits-client",
        &["Microsoft-Windows-Bits-Client/Operational"],
    ),
    ("capi2", &["Microsoft-Windows-CAPI2/Operational"]),
    (
        "certificateservicesclient-lifecycle-system",
        &["Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"],
    ),
    (
        "codeintegrity-operational",
        &["Microsoft-Windows-CodeIntegrity/Operational"],
    ),
    ("dhcp", &["Microsoft-Windows-DHCP-Server/Operational"]),
    (
        "diagnosis-scripted",
        &["Microsoft-Windows-Diagnosis-Scripted/Operational"],
    ),
    (
        "dns-client",
        &["Microsoft-Windows-DNS Client Events/Operational"],
    ),
    ("dns-server", &["DNS Server"]),
    // Taxonomy spelling first, then the one Windows writes (see module docs).
    (
        "dns-server-analytic",
        &[
            "Microsoft-Windows-DNS-Server/Analytical",
            "Microsoft-Windows-DNSServer/Analytical",
        ],
    ),
    (
        "dns-server-audit",
        &[
            "Microsoft-Windows-DNS-Server/Audit",
            "Microsoft-Windows-DNSServer/Audit",
        ],
    ),
    (
        "driver-framework",
        &["Microsoft-Windows-DriverFrameworks-UserMode/Operational"],
    ),
    (
        "firewall-as",
        &["Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"],
    ),
    ("hyper-v-worker", &["Microsoft-Windows-Hyper-V-Worker"]),
    (
        "iis-configuration",
        &["Microsoft-IIS-Configuration/Operational"],
    ),
    (
        "kernel-event-tracing",
        &["Microsoft-Windows-Kernel-EventTracing"],
    ),
    (
        "kernel-shimengine",
        &[
            "Microsoft-Windows-Kernel-ShimEngine/Operational",
            "Microsoft-Windows-Kernel-ShimEngine/Diagnostic",
        ],
    ),
    ("ldap", &["Microsoft-Windows-LDAP-Client/Debug"]),
    // pySigma's name for `ldap`.
    ("ldap_debug", &["Microsoft-Windows-LDAP-Client/Debug"]),
    ("lsa-server", &["Microsoft-Windows-LSA/Operational"]),
    ("msexchange-management", &["MSExchange Management"]),
    ("ntfs", &["Microsoft-Windows-Ntfs/Operational"]),
    ("ntlm", &["Microsoft-Windows-NTLM/Operational"]),
    ("openssh", &["OpenSSH/Operational"]),
    // The appendix lists only the first; SIGMA.md, pySigma and thor.yml add
    // PowerShell 7's channel.
    ("powershell", &[POWERSHELL, POWERSHELL_CORE]),
    ("powershell-classic", &[POWERSHELL_CLASSIC]),
    (
        "printservice-admin",
        &["Microsoft-Windows-PrintService/Admin"],
    ),
    (
        "printservice-operational",
        &["Microsoft-Windows-PrintService/Operational"],
    ),
    ("security", &[SECURITY]),
    (
        "security-mitigations",
        &[
            "Microsoft-Windows-Security-Mitigations/Kernel Mode",
            "Microsoft-Windows-Security-Mitigations/User Mode",
        ],
    ),
    ("sense", &["Microsoft-Windows-SENSE/Operational"]),
    (
        "servicebus-client",
        &[
            "Microsoft-ServiceBus-Client/Operational",
            "Microsoft-ServiceBus-Client/Admin",
        ],
    ),
    // The name rules use today ("change to servicebus-client once validators
    // are up to date"); pySigma maps it to a bare `Microsoft-ServiceBus-Client`.
    (
        "microsoft-servicebus-client",
        &[
            "Microsoft-ServiceBus-Client/Operational",
            "Microsoft-ServiceBus-Client/Admin",
        ],
    ),
    ("shell-core", &["Microsoft-Windows-Shell-Core/Operational"]),
    // thor.yml adds the two Connectivity channels.
    (
        "smbclient-connectivity",
        &["Microsoft-Windows-SmbClient/Connectivity"],
    ),
    (
        "smbclient-security",
        &["Microsoft-Windows-SmbClient/Security"],
    ),
    (
        "smbserver-connectivity",
        &["Microsoft-Windows-SMBServer/Connectivity"],
    ),
    ("sysmon", &[SYSMON]),
    ("system", &["System"]),
    (
        "taskscheduler",
        &["Microsoft-Windows-TaskScheduler/Operational"],
    ),
    (
        "terminalservices-localsessionmanager",
        &["Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"],
    ),
    ("vhdmp", &["Microsoft-Windows-VHDMP/Operational"]),
    ("windefend", &[DEFENDER]),
    ("wmi", &[WMI_ACTIVITY]),
];

/// Windows services that SigmaHQ's linter knows (`tests/logsource.json`) but
/// that are not event logs.
static SERVICES_WITHOUT_EVENT_LOG: &[(&str, &str)] = &[(
    "iis",
    "IIS access logs are W3C text files (fields `cs-uri-stem`, `sc-status`, …), not an event-log channel",
)];

#[cfg(test)]
mod tests;
