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
mod tests {
    use super::*;

    fn win(category: Option<&str>, service: Option<&str>) -> Gate {
        windows_gate(Some("windows"), category, service)
    }

    /// `(channel, event_ids)` of each clause, for compact comparisons.
    fn shape(gate: &Gate) -> Vec<(&'static str, &'static [u32])> {
        match gate {
            Gate::AnyOf(clauses) => clauses.iter().map(|c| (c.channel, c.event_ids)).collect(),
            other => panic!("expected AnyOf, got {other:?}"),
        }
    }

    fn clauses(gate: Gate) -> Vec<GateClause> {
        match gate {
            Gate::AnyOf(clauses) => clauses,
            other => panic!("expected AnyOf, got {other:?}"),
        }
    }

    fn reason(gate: Gate) -> String {
        match gate {
            Gate::Unknown(reason) => reason,
            other => panic!("expected Unknown, got {other:?}"),
        }
    }

    const SYS: &str = "Microsoft-Windows-Sysmon/Operational";
    const PS: &str = "Microsoft-Windows-PowerShell/Operational";
    const PS7: &str = "PowerShellCore/Operational";

    /// Every category row, restated from the taxonomy appendix and SIGMA.md §4.
    #[test]
    fn every_category_row() {
        let sysmon_only: &[(&str, &[u32])] = &[
            ("file_change", &[2]),
            ("sysmon_status", &[4, 16]),
            ("process_termination", &[5]),
            ("driver_load", &[6]),
            ("image_load", &[7]),
            ("create_remote_thread", &[8]),
            ("raw_access_thread", &[9]),
            ("process_access", &[10]),
            ("file_event", &[11]),
            ("registry_delete", &[12]),
            ("registry_rename", &[14]),
            ("create_stream_hash", &[15]),
            ("pipe_created", &[17, 18]),
            ("dns_query", &[22]),
            ("file_delete", &[23, 26]),
            ("clipboard_capture", &[24]),
            ("clipboard_change", &[24]),
            ("process_tampering", &[25]),
            ("file_delete_detected", &[26]),
            ("file_block_executable", &[27]),
            ("file_block_shredding", &[28]),
            ("file_executable_detected", &[29]),
            ("sysmon_error", &[255]),
        ];
        for &(category, ids) in sysmon_only {
            let got = clauses(win(Some(category), None));
            assert_eq!(
                got,
                vec![GateClause {
                    channel: SYS,
                    event_ids: ids,
                    renames: &[]
                }],
                "{category}"
            );
        }

        let with_builtin: &[(&str, &[u32], &str, u32)] = &[
            ("process_creation", &[1], "Security", 4688),
            ("network_connection", &[3], "Security", 5156),
            ("registry_event", &[12, 13, 14], "Security", 4657),
            ("registry_add", &[12], "Security", 4657),
            ("registry_set", &[13], "Security", 4657),
            (
                "wmi_event",
                &[19, 20, 21],
                "Microsoft-Windows-WMI-Activity/Operational",
                5861,
            ),
        ];
        for &(category, ids, channel, builtin_id) in with_builtin {
            let got = clauses(win(Some(category), None));
            assert_eq!(got.len(), 2, "{category}");
            assert_eq!(
                got[0],
                GateClause {
                    channel: SYS,
                    event_ids: ids,
                    renames: &[]
                },
                "{category}"
            );
            assert_eq!(
                (got[1].channel, got[1].event_ids),
                (channel, &[builtin_id][..]),
                "{category}"
            );
        }

        let powershell: &[(&str, &[&str], &[u32])] = &[
            ("ps_module", &[PS, PS7], &[4103]),
            ("ps_script", &[PS, PS7], &[4104]),
            ("ps_classic_start", &["Windows PowerShell"], &[400]),
            ("ps_classic_provider_start", &["Windows PowerShell"], &[600]),
            ("ps_classic_script", &["Windows PowerShell"], &[800]),
        ];
        for &(category, channels, ids) in powershell {
            let want: Vec<GateClause> = channels
                .iter()
                .map(|&channel| GateClause {
                    channel,
                    event_ids: ids,
                    renames: &[],
                })
                .collect();
            assert_eq!(clauses(win(Some(category), None)), want, "{category}");
        }

        assert_eq!(
            clauses(win(Some("antivirus"), None)),
            vec![GateClause {
                channel: "Microsoft-Windows-Windows Defender/Operational",
                event_ids: &[
                    1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116
                ],
                renames: &[("Signature", "ThreatName"), ("Filename", "Path")],
            }]
        );

        // Every row of the table was checked above.
        let checked = sysmon_only.len() + with_builtin.len() + powershell.len() + 1;
        assert_eq!(checked, CATEGORIES.len());
    }

    #[test]
    fn builtin_renames() {
        let process = clauses(win(Some("process_creation"), None));
        assert_eq!(
            process[1].renames,
            &[
                ("Image", "NewProcessName"),
                ("ParentImage", "ParentProcessName"),
                ("ProcessId", "NewProcessId"),
                ("ParentProcessId", "ProcessId"),
                ("User", "SubjectUserName"),
                ("LogonId", "SubjectLogonId"),
                ("IntegrityLevel", "MandatoryLabel"),
            ]
        );
        let network = clauses(win(Some("network_connection"), None));
        assert_eq!(
            network[1].renames,
            &[
                ("Image", "Application"),
                ("SourceIp", "SourceAddress"),
                ("DestinationIp", "DestAddress"),
                ("DestinationPort", "DestPort"),
                ("Initiated", "Direction"),
            ]
        );
        for category in ["registry_event", "registry_add", "registry_set"] {
            let registry = clauses(win(Some(category), None));
            assert_eq!(
                registry[1].renames,
                &[
                    ("TargetObject", "ObjectName"),
                    ("Details", "NewValue"),
                    ("Image", "ProcessName"),
                    ("User", "SubjectUserName"),
                    ("EventType", "OperationType"),
                ],
                "{category}"
            );
        }
        assert!(clauses(win(Some("wmi_event"), None))[1].renames.is_empty());
    }

    /// Every service row, restated from the taxonomy appendix, pySigma and thor.yml.
    #[test]
    fn every_service_row() {
        let servicebus: &[&str] = &[
            "Microsoft-ServiceBus-Client/Operational",
            "Microsoft-ServiceBus-Client/Admin",
        ];
        let want: &[(&str, &[&str])] = &[
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
            ("ldap_debug", &["Microsoft-Windows-LDAP-Client/Debug"]),
            ("lsa-server", &["Microsoft-Windows-LSA/Operational"]),
            ("msexchange-management", &["MSExchange Management"]),
            ("ntfs", &["Microsoft-Windows-Ntfs/Operational"]),
            ("ntlm", &["Microsoft-Windows-NTLM/Operational"]),
            ("openssh", &["OpenSSH/Operational"]),
            ("powershell", &[PS, PS7]),
            ("powershell-classic", &["Windows PowerShell"]),
            (
                "printservice-admin",
                &["Microsoft-Windows-PrintService/Admin"],
            ),
            (
                "printservice-operational",
                &["Microsoft-Windows-PrintService/Operational"],
            ),
            ("security", &["Security"]),
            (
                "security-mitigations",
                &[
                    "Microsoft-Windows-Security-Mitigations/Kernel Mode",
                    "Microsoft-Windows-Security-Mitigations/User Mode",
                ],
            ),
            ("sense", &["Microsoft-Windows-SENSE/Operational"]),
            ("servicebus-client", servicebus),
            ("microsoft-servicebus-client", servicebus),
            ("shell-core", &["Microsoft-Windows-Shell-Core/Operational"]),
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
            ("sysmon", &[SYS]),
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
            (
                "windefend",
                &["Microsoft-Windows-Windows Defender/Operational"],
            ),
            ("wmi", &["Microsoft-Windows-WMI-Activity/Operational"]),
        ];
        for &(service, channels) in want {
            let got = clauses(win(None, Some(service)));
            let want: Vec<GateClause> = channels
                .iter()
                .map(|&channel| GateClause {
                    channel,
                    event_ids: &[],
                    renames: &[],
                })
                .collect();
            assert_eq!(got, want, "{service}");
        }
        assert_eq!(want.len(), SERVICES.len());
    }

    /// The 35 Windows categories and 46 Windows services of the taxonomy
    /// appendix (v2.1.0) all resolve; only the two ETW categories are Unknown.
    #[test]
    fn taxonomy_appendix_is_covered() {
        let categories = [
            "process_creation",
            "file_change",
            "network_connection",
            "sysmon_status",
            "process_termination",
            "driver_load",
            "image_load",
            "create_remote_thread",
            "raw_access_thread",
            "process_access",
            "file_event",
            "registry_event",
            "registry_add",
            "registry_delete",
            "registry_set",
            "registry_rename",
            "create_stream_hash",
            "pipe_created",
            "wmi_event",
            "dns_query",
            "file_delete",
            "clipboard_capture",
            "process_tampering",
            "file_delete_detected",
            "file_block_executable",
            "file_block_shredding",
            "file_executable_detected",
            "sysmon_error",
            "file_access",
            "ps_classic_start",
            "ps_classic_provider_start",
            "ps_classic_script",
            "ps_module",
            "ps_script",
            "file_rename",
        ];
        assert_eq!(categories.len(), 35);
        for category in categories {
            match win(Some(category), None) {
                Gate::AnyOf(c) => assert!(!c.is_empty(), "{category}"),
                Gate::Unknown(why) => {
                    assert!(
                        matches!(category, "file_access" | "file_rename"),
                        "{category}: {why}"
                    );
                    assert!(why.contains("ETW"), "{why}");
                }
                Gate::None => panic!("{category}"),
            }
        }
        let services = [
            "application",
            "application-experience",
            "applocker",
            "appmodel-runtime",
            "appxdeployment-server",
            "appxpackaging-om",
            "bitlocker",
            "bits-client",
            "capi2",
            "certificateservicesclient-lifecycle-system",
            "codeintegrity-operational",
            "dhcp",
            "diagnosis-scripted",
            "dns-client",
            "dns-server",
            "dns-server-analytic",
            "dns-server-audit",
            "driver-framework",
            "firewall-as",
            "hyper-v-worker",
            "iis-configuration",
            "kernel-event-tracing",
            "kernel-shimengine",
            "ldap",
            "lsa-server",
            "msexchange-management",
            "ntfs",
            "ntlm",
            "openssh",
            "powershell",
            "powershell-classic",
            "printservice-admin",
            "printservice-operational",
            "security",
            "security-mitigations",
            "sense",
            "servicebus-client",
            "shell-core",
            "smbclient-security",
            "sysmon",
            "system",
            "taskscheduler",
            "terminalservices-localsessionmanager",
            "vhdmp",
            "windefend",
            "wmi",
        ];
        assert_eq!(services.len(), 46);
        for service in services {
            assert!(
                matches!(win(None, Some(service)), Gate::AnyOf(c) if !c.is_empty()),
                "{service}"
            );
        }
    }

    /// Every (category, service) pair of a `product: windows` rule in
    /// SigmaHQ/sigma 8eaafff (`rules`, `rules-threat-hunting`,
    /// `rules-emerging-threats`, `rules-compliance`, `rules-placeholder`;
    /// `rules-dfir` has none), with its rule count.
    #[test]
    fn sigmahq_8eaafff_windows_logsources() {
        let gated: &[(Option<&str>, Option<&str>, u32)] = &[
            (Some("process_creation"), None, 1416),
            (Some("registry_set"), None, 224),
            (Some("file_event"), None, 220),
            (Some("ps_script"), None, 178),
            (None, Some("security"), 177),
            (Some("image_load"), None, 125),
            (None, Some("system"), 74),
            (Some("network_connection"), None, 63),
            (Some("registry_event"), None, 41),
            (Some("ps_module"), None, 34),
            (None, Some("application"), 32),
            (Some("process_access"), None, 29),
            (Some("dns_query"), None, 29),
            (Some("pipe_created"), None, 20),
            (None, Some("windefend"), 17),
            (Some("create_remote_thread"), None, 15),
            (Some("file_delete"), None, 14),
            (Some("ps_classic_start"), None, 11),
            (None, Some("appxdeployment-server"), 10),
            (None, Some("codeintegrity-operational"), 10),
            (Some("driver_load"), None, 10),
            (Some("registry_delete"), None, 10),
            (Some("create_stream_hash"), None, 9),
            (None, Some("firewall-as"), 9),
            (None, Some("msexchange-management"), 8),
            (None, Some("bits-client"), 7),
            (None, Some("dns-client"), 6),
            (None, Some("sysmon"), 4),
            (None, Some("iis-configuration"), 4),
            (None, Some("taskscheduler"), 4),
            (None, Some("ntlm"), 3),
            (Some("registry_add"), None, 3),
            (None, Some("powershell-classic"), 3),
            (Some("wmi_event"), None, 3),
            (Some("file_change"), None, 2),
            (None, Some("security-mitigations"), 2),
            (None, Some("wmi"), 2),
            (None, Some("applocker"), 2),
            (None, Some("dns-server"), 2),
            (Some("file_executable_detected"), None, 1),
            (Some("sysmon_error"), None, 1),
            (Some("sysmon_status"), None, 1),
            (Some("process_tampering"), None, 1),
            (Some("raw_access_thread"), None, 1),
            (None, Some("appxpackaging-om"), 1),
            (None, Some("microsoft-servicebus-client"), 1),
            (None, Some("terminalservices-localsessionmanager"), 1),
            (None, Some("shell-core"), 1),
            (None, Some("certificateservicesclient-lifecycle-system"), 1),
            (None, Some("driver-framework"), 1),
            (None, Some("ldap"), 1),
            (None, Some("appmodel-runtime"), 1),
            (None, Some("smbclient-security"), 1),
            (None, Some("smbserver-connectivity"), 1),
            (None, Some("diagnosis-scripted"), 1),
            (None, Some("lsa-server"), 1),
            (None, Some("openssh"), 1),
            (None, Some("capi2"), 1),
            (Some("ps_classic_provider_start"), None, 1),
            (None, Some("smbclient-connectivity"), 1),
            (None, Some("dns-server-analytic"), 1),
            (None, Some("printservice-admin"), 1),
            (None, Some("printservice-operational"), 1),
        ];
        for &(category, service, _) in gated {
            assert!(
                matches!(win(category, service), Gate::AnyOf(c) if !c.is_empty()),
                "{category:?} {service:?}"
            );
        }
        // 13 + 2 rules: ETW only.
        for category in ["file_access", "file_rename"] {
            assert!(reason(win(Some(category), None)).contains("Microsoft-Windows-Kernel-File"));
        }
        // 1 rule: product windows and nothing else.
        assert_eq!(win(None, None), Gate::None);
    }

    #[test]
    fn product_is_case_insensitive() {
        let want = win(Some("ps_script"), None);
        for product in ["Windows", "WINDOWS", "wInDoWs", " windows "] {
            assert_eq!(
                windows_gate(Some(product), Some("ps_script"), None),
                want,
                "{product}"
            );
        }
        assert_eq!(shape(&want), vec![(PS, &[4104][..]), (PS7, &[4104][..])]);
    }

    #[test]
    fn category_and_service_names_are_case_insensitive() {
        assert_eq!(win(Some("PS_Script"), None), win(Some("ps_script"), None));
        assert_eq!(win(None, Some("Security")), win(None, Some("security")));
    }

    #[test]
    fn non_windows_products_are_not_gated() {
        for product in [
            Some("linux"),
            Some("macos"),
            Some("azure"),
            Some("windows10"),
            Some(""),
            None,
        ] {
            assert_eq!(
                windows_gate(product, Some("process_creation"), None),
                Gate::None,
                "{product:?}"
            );
            assert_eq!(
                windows_gate(product, None, Some("security")),
                Gate::None,
                "{product:?}"
            );
            assert_eq!(
                windows_gate(product, Some("no_such_thing"), None),
                Gate::None,
                "{product:?}"
            );
        }
        // Corpus antivirus rules carry no product.
        assert_eq!(windows_gate(None, Some("antivirus"), None), Gate::None);
    }

    #[test]
    fn windows_without_category_or_service() {
        assert_eq!(win(None, None), Gate::None);
        assert_eq!(win(Some(""), Some("  ")), Gate::None);
    }

    #[test]
    fn unknown_category_and_service() {
        let why = reason(win(Some("process_creaton"), None));
        assert!(
            why.contains("unknown") && why.contains("`process_creaton`"),
            "{why}"
        );
        let why = reason(win(None, Some("no-such-service")));
        assert!(
            why.contains("unknown") && why.contains("`no-such-service`"),
            "{why}"
        );
        // Categories of other products are unknown under windows.
        assert!(reason(win(Some("webserver"), None)).contains("unknown"));
        let why = reason(win(Some("file_access"), None));
        assert!(why.contains("ETW") && !why.contains("unknown"), "{why}");
        let why = reason(win(None, Some("iis")));
        assert!(why.contains("W3C"), "{why}");
    }

    #[test]
    fn category_and_service_intersect() {
        // Both halves name the same channels: nothing dropped.
        let both = win(Some("ps_script"), Some("powershell"));
        assert_eq!(both, win(Some("ps_script"), None));
        assert_eq!(shape(&both), vec![(PS, &[4104][..]), (PS7, &[4104][..])]);
        assert_eq!(
            shape(&win(Some("ps_classic_start"), Some("powershell-classic"))),
            vec![("Windows PowerShell", &[400][..])]
        );

        // The service picks one of the category's clauses.
        assert_eq!(
            shape(&win(Some("process_creation"), Some("sysmon"))),
            vec![(SYS, &[1][..])]
        );
        let security = clauses(win(Some("process_creation"), Some("security")));
        assert_eq!(security.len(), 1);
        assert_eq!(
            (security[0].channel, security[0].event_ids),
            ("Security", &[4688][..])
        );
        assert_eq!(security[0].renames[0], ("Image", "NewProcessName"));
        assert_eq!(
            shape(&win(Some("registry_set"), Some("security"))),
            vec![("Security", &[4657][..])]
        );
        assert_eq!(
            shape(&win(Some("wmi_event"), Some("wmi"))),
            vec![("Microsoft-Windows-WMI-Activity/Operational", &[5861][..])]
        );
        assert_eq!(
            shape(&win(Some("antivirus"), Some("windefend"))),
            shape(&win(Some("antivirus"), None))
        );

        // Disjoint: no event can satisfy both.
        let why = reason(win(Some("ps_script"), Some("sysmon")));
        assert!(
            why.contains("`ps_script`") && why.contains("`sysmon`"),
            "{why}"
        );
        assert!(matches!(
            win(Some("image_load"), Some("security")),
            Gate::Unknown(_)
        ));

        // One half unknown: Unknown, not the other half alone.
        assert!(reason(win(Some("ps_script"), Some("nope"))).contains("`nope`"));
        assert!(reason(win(Some("nope"), Some("powershell"))).contains("`nope`"));
        assert!(reason(win(Some("file_access"), Some("sysmon"))).contains("ETW"));
    }

    #[test]
    fn table_invariants() {
        let mut names: Vec<&str> = CATEGORIES.iter().map(|(n, _)| *n).collect();
        names.extend(CATEGORIES_WITHOUT_EVENT_LOG.iter().map(|(n, _)| *n));
        let mut services: Vec<&str> = SERVICES.iter().map(|(n, _)| *n).collect();
        services.extend(SERVICES_WITHOUT_EVENT_LOG.iter().map(|(n, _)| *n));
        for list in [&mut names, &mut services] {
            assert!(
                list.iter()
                    .all(|n| *n == n.to_ascii_lowercase() && !n.trim().is_empty())
            );
            let len = list.len();
            list.sort_unstable();
            list.dedup();
            assert_eq!(list.len(), len, "duplicate name");
        }
        for (name, clauses) in CATEGORIES {
            assert!(!clauses.is_empty(), "{name}");
            for clause in *clauses {
                assert!(
                    !clause.event_ids.is_empty(),
                    "{name}: category clauses name EventIDs"
                );
                assert!(
                    clause.event_ids.windows(2).all(|w| w[0] < w[1]),
                    "{name}: sorted, unique"
                );
                let mut fields: Vec<&str> = clause.renames.iter().map(|(from, _)| *from).collect();
                fields.sort_unstable();
                fields.dedup();
                assert_eq!(
                    fields.len(),
                    clause.renames.len(),
                    "{name}: one rename per field"
                );
                if clause.channel == SYS {
                    assert!(clause.renames.is_empty(), "{name}: Sysmon needs no renames");
                }
            }
        }
        for (name, channels) in SERVICES {
            assert!(!channels.is_empty(), "{name}");
            assert!(
                channels
                    .iter()
                    .all(|c| !c.is_empty() && c.trim() == *c && !c.starts_with("WinEventLog:")),
                "{name}"
            );
        }
        // Every channel a category clause uses belongs to some service, so the
        // intersection can always select it.
        for (name, clauses) in CATEGORIES {
            for clause in *clauses {
                assert!(
                    SERVICES
                        .iter()
                        .any(|(_, chans)| chans.contains(&clause.channel)),
                    "{name}: {}",
                    clause.channel
                );
            }
        }
    }
}
