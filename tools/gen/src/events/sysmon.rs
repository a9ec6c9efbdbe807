//! Sysmon events: 1 (process creation), 3 (network connection), 13 (registry value set).

use super::Gen;
use crate::procs::*;
use crate::scripts::*;
use crate::text::*;
use crate::vocab::*;
use crate::world::*;

impl Gen {
    pub(crate) fn sysmon_sys(&self, host: usize, eid: u64, ver: u64) -> Sys {
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
    pub(crate) fn utc_time(&self, b: &mut String) {
        kopen(b, "UtcTime");
        push_time(b, self.ticks.saturating_sub(3_000), false);
        b.push_str("\",");
    }

    pub(crate) fn proc_guid(&mut self, b: &mut String, host: usize, tag: &str) {
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

    pub(crate) fn pick_proc(&mut self) -> usize {
        let total = *self.w.proc_cum.last().unwrap_or(&1);
        let r = self.rng.below(total as usize) as u32;
        self.w.proc_cum.partition_point(|&c| c <= r)
    }

    /// `"User":"DOMAIN\\user",` or SYSTEM.
    pub(crate) fn push_user_field(&self, b: &mut String, key: &str, system: bool, user: usize) {
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

    pub(crate) fn sysmon1(&mut self, b: &mut String, host: usize) {
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

    pub(crate) fn sysmon3(&mut self, b: &mut String, host: usize) {
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

    pub(crate) fn sysmon13(&mut self, b: &mut String, host: usize) {
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
}
