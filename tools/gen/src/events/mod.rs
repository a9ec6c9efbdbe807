//! The event writer: `Gen` holds the world, the generator and the clock, and picks
//! each event's kind; the kinds are written by `powershell`, `sysmon` and `security`.

use crate::SEED_NEEDLES;
use crate::rng::*;
use crate::text::*;
use crate::vocab::*;
use crate::world::*;

mod powershell;
mod security;
mod sysmon;

/// Appends seed string `needle`, sometimes in other letter case, sometimes inside a
/// longer identifier.
pub(crate) fn push_needle(rng: &mut Rng, needle: &str, o: &mut String) {
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

pub(crate) struct Gen {
    pub(crate) w: World,
    pub(crate) rng: Rng,
    /// 100 ns ticks since the Unix epoch.
    pub(crate) ticks: u64,
    pub(crate) hit_rate: f64,
    /// Next `EventRecordID` per host and channel.
    pub(crate) rec: Vec<[u64; 4]>,
    pub(crate) script: String,
    pub(crate) tmp: String,
    pub(crate) z: String,
    pub(crate) img: String,
}

impl Gen {
    pub(crate) fn new(seed: u64, hit_rate: f64) -> Gen {
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
    pub(crate) fn event(&mut self, b: &mut String) -> bool {
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

    pub(crate) fn pick_user(&mut self, host: usize) -> usize {
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
    pub(crate) fn pick_needle(&mut self) -> &'static str {
        let i = self.rng.below(SEED_NEEDLES.len());
        let (needle, dll) = (SEED_NEEDLES[i], NEEDLE_DLLS[i]);
        self.z.clear();
        push_needle(&mut self.rng, needle, &mut self.z);
        dll
    }

    /// Writes the line start through `"EventData":{`.
    pub(crate) fn header(&mut self, b: &mut String, host: usize, s: &Sys) {
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
}
