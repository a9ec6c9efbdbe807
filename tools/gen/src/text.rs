//! Text helpers: numbers, hex, GUIDs, JSON string escaping as `serde_json` writes it,
//! `"key":value` pairs and timestamps, all appended to a caller's `String`.

use crate::rng::*;

pub(crate) const HEX_L: &[u8; 16] = b"0123456789abcdef";
pub(crate) const HEX_U: &[u8; 16] = b"0123456789ABCDEF";

pub(crate) fn push_u64(o: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &c in &buf[i..] {
        o.push(c as char);
    }
}

/// `v` in decimal, zero-padded to `width` digits.
pub(crate) fn push_pad(o: &mut String, v: u64, width: u32) {
    let mut d = 10u64.pow(width - 1);
    while d > 0 {
        o.push((b'0' + (v / d % 10) as u8) as char);
        d /= 10;
    }
}

/// The low `digits` hex digits of `v`.
pub(crate) fn push_hex(o: &mut String, v: u64, digits: u32, upper: bool) {
    let tab = if upper { HEX_U } else { HEX_L };
    for k in (0..digits).rev() {
        o.push(tab[((v >> (4 * k)) & 15) as usize] as char);
    }
}

/// `n` random hex digits.
pub(crate) fn push_rand_hex(o: &mut String, rng: &mut Rng, n: u32, upper: bool) {
    let mut left = n;
    while left > 0 {
        let k = left.min(16);
        push_hex(o, rng.next_u64(), k, upper);
        left -= k;
    }
}

/// A random lower-case GUID, `8-4-4-4-12`.
pub(crate) fn push_guid(o: &mut String, rng: &mut Rng, braces: bool) {
    let a = rng.next_u64();
    let b = rng.next_u64();
    if braces {
        o.push('{');
    }
    push_hex(o, a >> 32, 8, false);
    o.push('-');
    push_hex(o, a >> 16, 4, false);
    o.push('-');
    push_hex(o, 0x4000 | (a & 0x0fff), 4, false);
    o.push('-');
    push_hex(o, 0x8000 | (b >> 48 & 0x3fff), 4, false);
    o.push('-');
    push_hex(o, b, 12, false);
    if braces {
        o.push('}');
    }
}

/// `s` as the inside of a JSON string, escaped the way `serde_json` does it.
pub(crate) fn push_esc(o: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        o.push_str(&s[start..i]);
        match c {
            b'"' => o.push_str("\\\""),
            b'\\' => o.push_str("\\\\"),
            b'\n' => o.push_str("\\n"),
            b'\r' => o.push_str("\\r"),
            b'\t' => o.push_str("\\t"),
            _ => {
                o.push_str("\\u00");
                o.push(HEX_L[(c >> 4) as usize] as char);
                o.push(HEX_L[(c & 15) as usize] as char);
            }
        }
        start = i + 1;
    }
    o.push_str(&s[start..]);
}

/// `"k":"v",` with `v` escaped.
pub(crate) fn kv(o: &mut String, k: &str, v: &str) {
    o.push('"');
    o.push_str(k);
    o.push_str("\":\"");
    push_esc(o, v);
    o.push_str("\",");
}

/// `"k":n,`.
pub(crate) fn kn(o: &mut String, k: &str, n: u64) {
    o.push('"');
    o.push_str(k);
    o.push_str("\":");
    push_u64(o, n);
    o.push(',');
}

/// `"k":"` (the caller writes the escaped value and the closing `",`).
pub(crate) fn kopen(o: &mut String, k: &str) {
    o.push('"');
    o.push_str(k);
    o.push_str("\":\"");
}

/// Ends an event: drops the trailing comma of the last field, closes
/// `EventData`, `Event` and the line.
pub(crate) fn close_event(o: &mut String) {
    if o.ends_with(',') {
        o.pop();
    }
    o.push_str("}}}\n");
}

/// 100 ns ticks since the Unix epoch of 2024-01-01T00:00:00Z.
pub(crate) const TICKS_2024: u64 = 19_723 * 86_400 * 10_000_000;

/// `ticks` (100 ns since the Unix epoch) as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (`iso`) or as
/// Sysmon's `YYYY-MM-DD HH:MM:SS.fff`.
pub(crate) fn push_time(o: &mut String, ticks: u64, iso: bool) {
    let secs = ticks / 10_000_000;
    let frac = ticks % 10_000_000;
    let days = (secs / 86_400) as i64;
    let sod = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    push_pad(o, y as u64, 4);
    o.push('-');
    push_pad(o, m as u64, 2);
    o.push('-');
    push_pad(o, d as u64, 2);
    o.push(if iso { 'T' } else { ' ' });
    push_pad(o, sod / 3600, 2);
    o.push(':');
    push_pad(o, sod / 60 % 60, 2);
    o.push(':');
    push_pad(o, sod % 60, 2);
    o.push('.');
    if iso {
        push_pad(o, frac, 7);
        o.push('Z');
    } else {
        push_pad(o, frac / 10_000, 3);
    }
}

/// Turns the `\n` line ends of a template into `\r\n`, as Windows scripts have them.
pub(crate) fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}
