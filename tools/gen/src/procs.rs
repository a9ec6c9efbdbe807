//! The programs Sysmon 1 events start (image, command line, version info, parent,
//! weight) and the network and registry tables of Sysmon 3 and 13 events.

pub(crate) const WIN_PRODUCT: &str = "Microsoft® Windows® Operating System";
pub(crate) const MS: &str = "Microsoft Corporation";
pub(crate) const WINVER: &str = "10.0.19041.3636 (WinBuild.160101.0800)";
pub(crate) const PS_EXE: &str = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";

/// A program that Sysmon 1 events start.
pub(crate) struct Proc {
    pub(crate) image: &'static str,
    pub(crate) cmd: &'static str,
    pub(crate) ver: &'static str,
    pub(crate) desc: &'static str,
    pub(crate) product: &'static str,
    pub(crate) company: &'static str,
    pub(crate) ofn: &'static str,
    pub(crate) parent: usize,
    pub(crate) weight: u32,
    pub(crate) system: bool,
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
pub(crate) const PROC_PS: usize = 9;

pub(crate) const PROCS: &[Proc] = &[
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
pub(crate) const NET_IMAGES: &[&str] = &[
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
pub(crate) const NET_EXT: &[(&str, &str, u64, &str)] = &[
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
pub(crate) const NET_DC: &[(u64, &str, &str)] = &[
    (389, "ldap", "tcp"),
    (88, "kerberos", "tcp"),
    (445, "microsoft-ds", "tcp"),
    (135, "epmap", "tcp"),
    (53, "domain", "udp"),
    (5985, "", "tcp"),
    (3268, "msft-gc", "tcp"),
];

pub(crate) const RUN_KEY_RULE: &str =
    "technique_id=T1547.001,technique_name=Registry Run Keys / Start Folder";
