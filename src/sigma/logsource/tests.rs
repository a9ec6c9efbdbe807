//! The logsource tables against SIGMA.md §4 and pySigma's pipelines.

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
