//! The seeded, read-only world (domain, hosts, users, hashes, the templates turned into
//! text) and the slot filling of templates (`§X` slots, see `fill`).

use crate::procs::*;
use crate::rng::*;
use crate::scripts::*;
use crate::text::*;
use crate::vocab::*;

/// A machine of the synthetic domain.
pub(crate) struct Host {
    pub(crate) fqdn: String,
    pub(crate) short: String,
    pub(crate) ip: [u8; 4],
    pub(crate) user: usize,
    pub(crate) server: bool,
    pub(crate) sysmon_pid: u64,
    pub(crate) lsass_pid: u64,
    pub(crate) guid_pfx: u64,
}

/// Seeded, read-only data.
pub(crate) struct World {
    pub(crate) netbios: &'static str,
    pub(crate) dns: &'static str,
    pub(crate) dom_sid: String,
    pub(crate) hosts: Vec<Host>,
    pub(crate) dcs: usize,
    /// `Hashes` value per entry of `PROCS`.
    pub(crate) hashes: Vec<String>,
    /// Cumulative weights of `PROCS`.
    pub(crate) proc_cum: Vec<u32>,
    pub(crate) snippets: Vec<String>,
    pub(crate) hits: Vec<String>,
    pub(crate) hits_native: Vec<String>,
    pub(crate) hits_managed: Vec<String>,
    pub(crate) payloads: Vec<String>,
    pub(crate) payloads_z: Vec<String>,
    pub(crate) context_4103: String,
    pub(crate) details_800: String,
}

/// Per-event context for slot filling.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'a> {
    pub(crate) host: usize,
    pub(crate) user: usize,
    pub(crate) image: &'a str,
    pub(crate) z: &'a str,
    pub(crate) dll: &'a str,
}

/// Trailing part of the System element.
pub(crate) enum Sec {
    Null,
    System,
    User(usize),
}

/// System element fields.
pub(crate) struct Sys {
    pub(crate) prov: &'static str,
    pub(crate) guid: &'static str,
    pub(crate) eid: u64,
    pub(crate) ver: u64,
    pub(crate) level: u64,
    pub(crate) task: u64,
    pub(crate) opcode: u64,
    pub(crate) kw: &'static str,
    pub(crate) ch: usize,
    pub(crate) corr: bool,
    pub(crate) pid: u64,
    pub(crate) sec: Sec,
}

pub(crate) const CH_SYSMON: usize = 0;
pub(crate) const CH_SECURITY: usize = 1;
pub(crate) const CH_PS_OP: usize = 2;
pub(crate) const CH_WIN_PS: usize = 3;
pub(crate) const CHANNELS: [&str; 4] = [
    "Microsoft-Windows-Sysmon/Operational",
    "Security",
    "Microsoft-Windows-PowerShell/Operational",
    "Windows PowerShell",
];

pub(crate) const SYSMON: &str = "Microsoft-Windows-Sysmon";
pub(crate) const SYSMON_GUID: &str = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}";
pub(crate) const PS_PROV: &str = "Microsoft-Windows-PowerShell";
pub(crate) const PS_GUID: &str = "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}";
pub(crate) const SEC_PROV: &str = "Microsoft-Windows-Security-Auditing";
pub(crate) const SEC_GUID: &str = "{54849625-5478-4994-a5ba-3e3b0328c30d}";

impl World {
    pub(crate) fn new(rng: &mut Rng) -> World {
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

    pub(crate) fn push_sid(&self, o: &mut String, user: usize) {
        if USERS[user] == "Administrator" {
            o.push_str(&self.dom_sid);
            o.push_str("-500");
        } else {
            o.push_str(&self.dom_sid);
            o.push('-');
            push_u64(o, 1104 + user as u64);
        }
    }

    pub(crate) fn push_dir(&self, rng: &mut Rng, user: usize, o: &mut String) {
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

    pub(crate) fn push_file(rng: &mut Rng, o: &mut String) {
        o.push_str(rng.word(WORDS));
        if rng.chance(0.5) {
            o.push('_');
            push_u64(o, rng.range(1, 2024));
        }
        o.push('.');
        o.push_str(rng.word(EXTS));
    }

    pub(crate) fn push_ip(&self, rng: &mut Rng, o: &mut String) {
        let h = &self.hosts[rng.below(self.hosts.len())];
        push_ip4(o, h.ip);
    }

    /// Fills slot `c`.
    pub(crate) fn fill(&self, rng: &mut Rng, c: u8, cx: &Cx, o: &mut String) {
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
    pub(crate) fn expand(&self, rng: &mut Rng, t: &str, cx: &Cx, o: &mut String) {
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
    pub(crate) fn expand_esc(
        &self,
        rng: &mut Rng,
        t: &str,
        cx: &Cx,
        tmp: &mut String,
        o: &mut String,
    ) {
        tmp.clear();
        self.expand(rng, t, cx, tmp);
        push_esc(o, tmp);
    }
}

pub(crate) fn push_ip4(o: &mut String, ip: [u8; 4]) {
    for (i, b) in ip.iter().enumerate() {
        if i > 0 {
            o.push('.');
        }
        push_u64(o, u64::from(*b));
    }
}
