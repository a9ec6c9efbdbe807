//! Security events: 4624 (logon) and 4625 (failed logon).

use super::Gen;
use crate::text::*;
use crate::vocab::*;
use crate::world::*;

impl Gen {
    pub(crate) fn sec_sys(&self, host: usize, eid: u64) -> Sys {
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

    pub(crate) fn logon_id(&mut self, b: &mut String, key: &str) {
        kopen(b, key);
        b.push_str("0x");
        push_hex(b, self.rng.range(0x10000, 0xfffffff), 7, false);
        b.push_str("\",");
    }

    pub(crate) fn sec4624(&mut self, b: &mut String, host: usize) {
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

    pub(crate) fn sec4625(&mut self, b: &mut String, host: usize) {
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
