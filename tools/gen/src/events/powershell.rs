//! PowerShell events: 4104 script blocks (the seed rule's target), 4103 module
//! logging, 800 pipeline details, and the two trap kinds.

use super::Gen;
use crate::scripts::*;
use crate::text::*;
use crate::vocab::*;
use crate::world::*;

impl Gen {
    /// Builds a 4104 script into `self.script` (unescaped); with `hit`, it names a seed
    /// string.
    pub(crate) fn build_script(&mut self, cx: &Cx, hit: bool) {
        let mut s = std::mem::take(&mut self.script);
        s.clear();
        // Length target, roughly log-uniform in 200 B .. 8000 B (integer arithmetic
        // only, so the output is the same on every platform): one of six octaves
        // 200 << i, uniform inside it; the last one stops at 8000.
        let octave = self.rng.below(6);
        let base = 200usize << octave;
        let width = if octave == 5 { 1600 } else { base };
        let target = base + self.rng.below(width);
        let cap = if hit { 7600 } else { 8192 };
        let mut hit_at = if hit {
            self.rng.below(target)
        } else {
            usize::MAX
        };
        // Snippets already in this script (no block appears twice).
        let mut used = 0u64;
        while s.len() < target {
            if s.len() >= hit_at {
                self.push_hit(cx, &mut s);
                hit_at = usize::MAX;
                continue;
            }
            let prev = s.len();
            if prev > 0 {
                s.push_str(if self.rng.chance(0.3) {
                    "\r\n\r\n"
                } else {
                    "\r\n"
                });
            }
            if used.count_ones() as usize == self.w.snippets.len() {
                break;
            }
            let mut k = self.rng.below(self.w.snippets.len());
            while used & (1 << k) != 0 {
                k = self.rng.below(self.w.snippets.len());
            }
            used |= 1 << k;
            self.w
                .expand(&mut self.rng, &self.w.snippets[k], cx, &mut s);
            if s.len() > cap && prev >= 200 {
                s.truncate(prev);
                break;
            }
        }
        if hit_at != usize::MAX {
            self.push_hit(cx, &mut s);
        }
        self.script = s;
    }

    /// Appends a snippet naming a seed string (on a new line unless `s` is empty).
    pub(crate) fn push_hit(&mut self, cx: &Cx, s: &mut String) {
        if !s.is_empty() {
            s.push_str("\r\n");
        }
        let dll = self.pick_needle();
        let z = std::mem::take(&mut self.z);
        let special = if dll == "mscorlib.dll" {
            &self.w.hits_managed
        } else {
            &self.w.hits_native
        };
        let n_any = self.w.hits.len();
        let k = self.rng.below(n_any + special.len());
        let t = if k < n_any {
            &self.w.hits[k]
        } else {
            &special[k - n_any]
        };
        let hcx = Cx { z: &z, dll, ..*cx };
        self.w.expand(&mut self.rng, t, &hcx, s);
        self.z = z;
    }

    pub(crate) fn ps4104(&mut self, b: &mut String, host: usize) -> bool {
        let user = self.pick_user(host);
        let hit = self.rng.chance(self.hit_rate);
        // Script block logging flags suspicious blocks as warnings (level 3); about
        // 15 % of real 4104 events are warnings, the rest verbose (level 5).
        let warn = self.rng.chance(if hit { 0.85 } else { 0.15 });
        let level = if warn { 3 } else { 5 };
        let sys = Sys {
            prov: PS_PROV,
            guid: PS_GUID,
            eid: 4104,
            ver: 1,
            level,
            task: 2,
            opcode: 15,
            kw: "0x0",
            ch: CH_PS_OP,
            corr: true,
            pid: self.rng.range(1000, 20_000) & !3,
            sec: Sec::User(user),
        };
        self.header(b, host, &sys);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        self.build_script(&cx, hit);
        b.push_str(r#""MessageNumber":1,"MessageTotal":1,"#);
        kv(b, "ScriptBlockText", &self.script);
        kopen(b, "ScriptBlockId");
        push_guid(b, &mut self.rng, false);
        b.push_str("\",");
        kopen(b, "Path");
        let r = self.rng.below(100);
        if r < 2 {
            // Distractor: a seed string in the path, not in the script text.
            let mut tmp = std::mem::take(&mut self.tmp);
            tmp.clear();
            self.w.push_dir(&mut self.rng, user, &mut tmp);
            tmp.push('\\');
            self.pick_needle();
            tmp.push_str(&self.z);
            tmp.push_str(".ps1");
            push_esc(b, &tmp);
            self.tmp = tmp;
        } else if r < 55 {
            let mut tmp = std::mem::take(&mut self.tmp);
            tmp.clear();
            self.w.push_dir(&mut self.rng, user, &mut tmp);
            tmp.push('\\');
            tmp.push_str(self.rng.word(VERBS));
            tmp.push('-');
            tmp.push_str(self.rng.word(NOUNS));
            tmp.push_str(".ps1");
            push_esc(b, &tmp);
            self.tmp = tmp;
        }
        b.push('"');
        close_event(b);
        hit
    }

    /// Trap events: a `ScriptBlockText` with a seed string in a 4103 event of the
    /// PowerShell/Operational channel (`wrong_channel` false), or in a 4104 event of the
    /// `Windows PowerShell` channel (`wrong_channel` true). Neither is a seed-rule hit.
    pub(crate) fn trap(&mut self, b: &mut String, host: usize, wrong_channel: bool) {
        let user = self.pick_user(host);
        let sys = Sys {
            prov: if wrong_channel { "PowerShell" } else { PS_PROV },
            guid: if wrong_channel { "" } else { PS_GUID },
            eid: if wrong_channel { 4104 } else { 4103 },
            ver: 1,
            level: 3,
            task: 2,
            opcode: 15,
            kw: "0x0",
            ch: if wrong_channel { CH_WIN_PS } else { CH_PS_OP },
            corr: true,
            pid: self.rng.range(1000, 20_000) & !3,
            sec: Sec::User(user),
        };
        self.header(b, host, &sys);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        self.build_script(&cx, true);
        b.push_str(r#""MessageNumber":1,"MessageTotal":1,"#);
        kv(b, "ScriptBlockText", &self.script);
        kopen(b, "ScriptBlockId");
        push_guid(b, &mut self.rng, false);
        b.push_str("\",\"Path\":\"\"");
        close_event(b);
    }

    pub(crate) fn ps4103(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        let sys = Sys {
            prov: PS_PROV,
            guid: PS_GUID,
            eid: 4103,
            ver: 1,
            level: 4,
            task: 106,
            opcode: 20,
            kw: "0x0",
            ch: CH_PS_OP,
            corr: true,
            pid: self.rng.range(1000, 20_000) & !3,
            sec: Sec::User(user),
        };
        self.header(b, host, &sys);
        let mut tmp = std::mem::take(&mut self.tmp);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        kopen(b, "ContextInfo");
        self.w
            .expand_esc(&mut self.rng, &self.w.context_4103, &cx, &mut tmp, b);
        b.push_str("\",\"UserData\":\"\",");
        kopen(b, "Payload");
        if self.rng.chance(0.2) {
            let dll = self.pick_needle();
            let z = std::mem::take(&mut self.z);
            let zcx = Cx { z: &z, dll, ..cx };
            let t = self.rng.pick(&self.w.payloads_z);
            self.w.expand_esc(&mut self.rng, t, &zcx, &mut tmp, b);
            self.z = z;
        } else {
            let t = self.rng.pick(&self.w.payloads);
            self.w.expand_esc(&mut self.rng, t, &cx, &mut tmp, b);
        }
        b.push('"');
        close_event(b);
        self.tmp = tmp;
    }

    /// Classic `Windows PowerShell` 800 event (pipeline execution details).
    pub(crate) fn ps800(&mut self, b: &mut String, host: usize) {
        let user = self.pick_user(host);
        b.push_str(r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"PowerShell"}},"EventID":{"#attributes":{"Qualifiers":0},"#text":800},"Level":4,"Task":8,"Keywords":"0x80000000000000","TimeCreated":{"#attributes":{"SystemTime":""##);
        push_time(b, self.ticks, true);
        b.push_str(r#""}},"EventRecordID":"#);
        let rec = &mut self.rec[host][CH_WIN_PS];
        push_u64(b, *rec);
        *rec += 1;
        b.push_str(r#","Channel":"Windows PowerShell","Computer":""#);
        b.push_str(&self.w.hosts[host].fqdn);
        b.push_str(r##"","Security":null},"EventData":{"Data":{"#text":[""##);
        let cx = Cx {
            host,
            user,
            image: "",
            z: "",
            dll: "",
        };
        let mut cmd = std::mem::take(&mut self.img);
        let mut tmp = std::mem::take(&mut self.tmp);
        cmd.clear();
        let distract = self.rng.chance(0.2);
        let dll = if distract { self.pick_needle() } else { "" };
        let z = std::mem::take(&mut self.z);
        let zcx = Cx { z: &z, dll, ..cx };
        if distract {
            let t = self.rng.pick(ONE_LINERS_Z);
            self.w.expand(&mut self.rng, t, &zcx, &mut cmd);
        } else {
            let t = self.rng.pick(ONE_LINERS);
            self.w.expand(&mut self.rng, t, &cx, &mut cmd);
        }
        push_esc(b, &cmd);
        b.push_str(r#"",""#);
        self.w
            .expand_esc(&mut self.rng, &self.w.details_800, &cx, &mut tmp, b);
        push_esc(b, &cmd);
        b.push_str(r#"\r\n",""#);
        let payload = if distract {
            self.rng.pick(&self.w.payloads_z)
        } else {
            self.rng.pick(&self.w.payloads)
        };
        self.w.expand_esc(&mut self.rng, payload, &zcx, &mut tmp, b);
        b.push_str("\"]}}}}\n");
        self.z = z;
        self.img = cmd;
        self.tmp = tmp;
    }
}
