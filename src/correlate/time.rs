//! Event timestamps: RFC 3339 / ISO 8601 text or epoch numbers → nanoseconds
//! since 1970-01-01T00:00:00Z, and back to RFC 3339 text.
//!
//! Correlation windows need an ordered, exact time per hit, nothing more:
//! no time zones database, no calendars beyond the proleptic Gregorian one,
//! so a few dozen lines of std beat a date-time dependency. Nanoseconds in
//! an `i64` cover the years 1678–2262, and Windows stamps carry 100 ns
//! (seven fraction digits), so no precision is lost.

/// Nanoseconds since the Unix epoch, UTC.
pub type Nanos = i64;

const NS_PER_S: i64 = 1_000_000_000;

/// Days from 1970-01-01 to the given proleptic Gregorian date (the classic
/// era-based conversion: 400-year eras of 146,097 days, years starting in
/// March so the leap day is the last day of the year).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (m as i64 + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let d = self.s.get(self.i..self.i + n)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(d.iter().fold(0, |a, &b| a * 10 + u32::from(b - b'0')))
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
}

/// Parses `YYYY-MM-DD[T ]hh:mm:ss[.fraction][zone]`, where zone is `Z`,
/// `±hh:mm`, `±hhmm`, `±hh`, ` UTC` or absent (UTC: Sysmon's `UtcTime` has
/// none). Fractions beyond nanoseconds are truncated. A leap second (`:60`)
/// is read as the next second.
pub fn parse_rfc3339(text: &str) -> Option<Nanos> {
    let mut c = Cursor {
        s: text.trim().as_bytes(),
        i: 0,
    };
    let year = c.digits(4)? as i64;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let hour = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let second = c.digits(2)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut nanos: i64 = 0;
    if c.eat(b'.') || c.eat(b',') {
        let start = c.i;
        let mut scale = 100_000_000;
        while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
            nanos += i64::from(b - b'0') * scale;
            scale /= 10;
            c.i += 1;
        }
        if c.i == start {
            return None;
        }
    }
    let offset_s: i64 = match c.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            c.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let h = c.digits(2)? as i64;
            let colon = c.eat(b':');
            let m = match c.digits(2) {
                Some(m) => m as i64,
                None if !colon => 0,
                None => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 3600 + m * 60;
            if sign == b'+' { o } else { -o }
        }
        Some(b' ') if &c.s[c.i..] == b" UTC" => {
            c.i = c.s.len();
            0
        }
        Some(_) => return None,
    };
    if c.i != c.s.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
        - offset_s;
    secs.checked_mul(NS_PER_S)?.checked_add(nanos)
}

/// Nanoseconds per unit for an epoch number of this magnitude: below 10^11
/// seconds (until the year 5138), below 10^14 milliseconds, below 10^17
/// microseconds, else nanoseconds.
fn epoch_scale(abs: f64) -> i64 {
    match abs {
        a if a < 1e11 => 1_000_000_000,
        a if a < 1e14 => 1_000_000,
        a if a < 1e17 => 1_000,
        _ => 1,
    }
}

/// An epoch number (unit by magnitude, see `epoch_scale`), fractions kept
/// to the nanosecond.
pub fn from_epoch(n: f64) -> Option<Nanos> {
    if !n.is_finite() {
        return None;
    }
    if n.abs() >= 9.2e18 {
        return None;
    }
    // Whole and fractional parts apart: `n * 1e9` as one f64 would round
    // away the nanoseconds of a present-day time.
    let scale = epoch_scale(n.abs());
    let whole = n.trunc() as i64;
    let frac = ((n - n.trunc()) * scale as f64).round() as i64;
    whole.checked_mul(scale)?.checked_add(frac)
}

/// An integer epoch number, exactly (an `f64` loses nanoseconds near 2^53).
pub fn from_epoch_int(n: i64) -> Option<Nanos> {
    n.checked_mul(epoch_scale(n.unsigned_abs() as f64))
}

/// Reads an event's time field: an RFC 3339 string, an epoch number, or a
/// string of digits holding one.
pub fn from_json(v: &serde_json::Value) -> Option<Nanos> {
    match v {
        serde_json::Value::String(s) => {
            let t = s.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                match t.parse::<i64>() {
                    Ok(i) => from_epoch_int(i),
                    Err(_) => from_epoch(t.parse().ok()?),
                }
            } else {
                parse_rfc3339(t)
            }
        }
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => from_epoch_int(i),
            None => from_epoch(n.as_f64()?),
        },
        _ => None,
    }
}

/// RFC 3339 in UTC with `Z`, and a fraction only when there is one: three,
/// six or nine digits, whichever is exact.
pub fn format(t: Nanos) -> String {
    let secs = t.div_euclid(NS_PER_S);
    let ns = t.rem_euclid(NS_PER_S);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    let frac = if ns == 0 {
        String::new()
    } else if ns % 1_000_000 == 0 {
        format!(".{:03}", ns / 1_000_000)
    } else if ns % 1_000 == 0 {
        format!(".{:06}", ns / 1_000)
    } else {
        format!(".{ns:09}")
    };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn layouts_seen_in_windows_exports() {
        let base = parse_rfc3339("2019-04-27T15:57:25Z").unwrap();
        assert_eq!(base, 1_556_380_645 * NS_PER_S);
        // evtx_dump SystemTime: 100 ns ticks.
        assert_eq!(
            parse_rfc3339("2019-04-27T15:57:25.8688632Z"),
            Some(base + 868_863_200)
        );
        // Sysmon UtcTime: space, milliseconds, no zone.
        assert_eq!(
            parse_rfc3339("2019-04-27 15:57:25.868"),
            Some(base + 868_000_000)
        );
        assert_eq!(parse_rfc3339("2019-04-27T17:57:25+02:00"), Some(base));
        assert_eq!(parse_rfc3339("2019-04-27T10:57:25-0500"), Some(base));
        assert_eq!(parse_rfc3339("2019-04-27T17:57:25+02"), Some(base));
        assert_eq!(parse_rfc3339("2019-04-27 15:57:25 UTC"), Some(base));
        assert_eq!(
            parse_rfc3339("2019-04-27T15:57:25.1234567891Z"),
            Some(base + 123_456_789)
        );
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2019-04-27",
            "2019-13-01T00:00:00Z",
            "2019-02-29T00:00:00Z",
            "2019-04-31T00:00:00Z",
            "2019-04-27T24:00:00Z",
            "2019-04-27T15:57:25.Z",
            "2019-04-27T15:57:25Zjunk",
            "2019-04-27T15:57:25+2:00",
            "2019-04-27T15:57:25+02:",
            "19-04-27T15:57:25Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_rfc3339("2020-02-29T00:00:00Z"),
            Some(days_from_civil(2020, 2, 29) * 86_400 * NS_PER_S)
        );
    }

    #[test]
    fn epoch_numbers_by_magnitude() {
        let t = 1_556_380_645 * NS_PER_S;
        assert_eq!(from_json(&json!(1_556_380_645)), Some(t));
        assert_eq!(
            from_json(&json!(1_556_380_645_500i64)),
            Some(t + 500_000_000)
        );
        assert_eq!(from_json(&json!(1_556_380_645_000_001i64)), Some(t + 1_000));
        assert_eq!(from_json(&json!(1_556_380_645_000_000_007i64)), Some(t + 7));
        assert_eq!(from_json(&json!("1556380645")), Some(t));
        assert_eq!(from_json(&json!(1_556_380_645.25)), Some(t + 250_000_000));
        assert_eq!(from_json(&json!(null)), None);
        assert_eq!(from_json(&json!({"a": 1})), None);
        assert_eq!(from_json(&json!("1.2.3")), None);
    }

    #[test]
    fn formats_exactly() {
        let t = parse_rfc3339("2019-04-27T15:57:25Z").unwrap();
        assert_eq!(format(t), "2019-04-27T15:57:25Z");
        assert_eq!(format(t + 868_000_000), "2019-04-27T15:57:25.868Z");
        assert_eq!(format(t + 868_863_000), "2019-04-27T15:57:25.868863Z");
        assert_eq!(format(t + 868_863_200), "2019-04-27T15:57:25.868863200Z");
        assert_eq!(format(-1), "1969-12-31T23:59:59.999999999Z");
        for s in ["2000-02-29T12:00:00Z", "1999-12-31T23:59:59.5Z"] {
            let t = parse_rfc3339(s).unwrap();
            assert_eq!(parse_rfc3339(&format(t)), Some(t));
        }
    }
}
