//! PowerShell text templates: the snippets ordinary 4104 scripts are made of, the hit
//! snippets that name a seed string, one-line commands, 4103 payloads and 800 details.

// ---------------------------------------------------------------------------------------
// Templates. `§X` is a slot, filled by `fill`; multi-line templates get `\r\n` line ends.
// Non-hit script templates must hold none of the seed strings and every slot in them
// must sit between non-alphanumeric characters (both are unit-tested).
// ---------------------------------------------------------------------------------------

/// Building blocks of ordinary (non-hit) 4104 scripts; at most 64 (a script tracks
/// which it used in a `u64`), and together much longer than a script (8 KiB).
pub(crate) const SNIPPETS: &[&str] = &[
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
pub(crate) const HIT_SNIPPETS: &[&str] = &[
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
pub(crate) const HIT_SNIPPETS_MANAGED: &[&str] = &[
    r#"[System.Runtime.InteropServices.Marshal]::§Z($§V, 0)"#,
    r#"$raw = $SafeHandle.§Z()
Write-Debug ("handle 0x{0:x}" -f $raw.ToInt64())"#,
];

/// Hit snippets that only fit native functions (a `DllImport` of `§L`).
pub(crate) const HIT_SNIPPETS_NATIVE: &[&str] = &[
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
pub(crate) const ONE_LINERS: &[&str] = &[
    "Get-Service -Name '§S' | Select-Object Status, Name",
    "Get-ChildItem -Path '§D' -Recurse | Measure-Object -Property Length -Sum",
    "Test-NetConnection -ComputerName §H -Port 445",
    "Import-Module '§P'",
    "Get-WinEvent -LogName Security -MaxEvents §N",
    "Get-Process | Sort-Object CPU -Descending | Select-Object -First §n",
    "Restart-Service -Name '§S' -Force",
];

/// One-line PowerShell commands that name `§Z` (distractors outside 4104).
pub(crate) const ONE_LINERS_Z: &[&str] = &[
    "$k=Add-Type -MemberDefinition '[DllImport(''§L'')]public static extern IntPtr §Z(uint a,bool b,uint c);' -Name K -PassThru;$k::§Z(0x1F0FFF,$false,§N)",
    "[Win32.Native]::§Z([IntPtr]::Zero, §N)",
    "$m=[Ref].Assembly.GetType('System.Management.Automation.Utils').GetMethod('§Z');$m.Invoke($null,@())",
];

pub(crate) const PAYLOADS_4103: &[&str] = &[
    "CommandInvocation(§C): \"§C\"\nParameterBinding(§C): name=\"Path\"; value=\"§P\"\n",
    "CommandInvocation(Out-Default): \"Out-Default\"\nParameterBinding(Out-Default): name=\"InputObject\"; value=\"§W\"\n",
    "CommandInvocation(Get-Service): \"Get-Service\"\nParameterBinding(Get-Service): name=\"Name\"; value=\"§S\"\n",
    "CommandInvocation(Test-Connection): \"Test-Connection\"\nParameterBinding(Test-Connection): name=\"ComputerName\"; value=\"§H\"\nParameterBinding(Test-Connection): name=\"Count\"; value=\"1\"\n",
];

pub(crate) const PAYLOADS_4103_Z: &[&str] = &[
    "CommandInvocation(Add-Type): \"Add-Type\"\nParameterBinding(Add-Type): name=\"MemberDefinition\"; value=\"[DllImport(\"§L\")] public static extern IntPtr §Z(IntPtr h, uint n);\"\nParameterBinding(Add-Type): name=\"Name\"; value=\"Win32\"\nParameterBinding(Add-Type): name=\"PassThru\"; value=\"True\"\n",
    "CommandInvocation(Invoke-Expression): \"Invoke-Expression\"\nParameterBinding(Invoke-Expression): name=\"Command\"; value=\"$p = [Win32]::§Z($h, 0)\"\n",
];

pub(crate) const CONTEXT_4103: &str = "        Severity = Informational
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

pub(crate) const DETAILS_800: &str = "\tDetailSequence=1
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
