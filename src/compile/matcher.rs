//! Value matchers: one compiled test of one field value, and how each kind
//! treats the JSON types an event field can have.
//!
//! Type rules (SIGMA.md §1, "Recommendation for number/string comparisons"):
//! an unquoted integer matches a numeric field by value and a string field
//! that parses to the same integer; strings compare against a number's
//! decimal text; booleans against `true`/`false`; `null` matches a missing
//! field or JSON null. An array field matches when any element does.

use std::net::IpAddr;

use serde_json::Value as Json;

use super::pattern::StrMatcher;

/// A numeric comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// Equality (time parts without a comparison modifier).
    Eq,
}

impl CmpOp {
    fn test(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Lte => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Gte => a >= b,
            CmpOp::Eq => a == b,
        }
    }
}

/// A part of a date for the time-part modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePart {
    /// `minute`
    Minute,
    /// `hour`
    Hour,
    /// `day` (of month)
    Day,
    /// `week` (ISO week number)
    Week,
    /// `month`
    Month,
    /// `year`
    Year,
}

/// An IP network for `cidr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `v6::/n` (a bare address means a full prefix).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim().parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    /// Whether `ip` lies in the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) against a v4 network.
            (IpAddr::V4(_), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|v4| self.contains(IpAddr::V4(v4))),
            // An IPv4 address against an IPv4-mapped IPv6 network.
            (IpAddr::V6(_), IpAddr::V4(a)) => self.contains(IpAddr::V6(a.to_ipv6_mapped())),
        }
    }
}

/// One compiled test of a field value.
#[derive(Clone, Debug)]
pub enum ValueMatcher {
    /// A wildcard string pattern.
    Str(StrMatcher),
    /// An unquoted integer.
    Int(i64),
    /// An unquoted float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Field missing or null.
    Null,
    /// A regular expression (substring search), compiled on first use.
    Re(super::lazy_regex::LazyRegex),
    /// An IP network.
    Cidr(Cidr),
    /// `lt`/`lte`/`gt`/`gte`.
    Cmp(CmpOp, f64),
    /// A date part compared with a number.
    Time(TimePart, CmpOp, f64),
}

impl ValueMatcher {
    /// Whether this matcher is satisfied by a missing field.
    pub fn matches_missing(&self) -> bool {
        matches!(self, ValueMatcher::Null)
    }

    /// Tests one field value (arrays: any element; null: only `Null`).
    pub fn matches(&self, v: &Json) -> bool {
        match v {
            Json::Array(items) => items.iter().any(|i| self.matches(i)),
            Json::Null => matches!(self, ValueMatcher::Null),
            Json::Object(_) => false,
            Json::String(s) => self.matches_str(s),
            Json::Number(n) => self.matches_number(n),
            Json::Bool(b) => match self {
                ValueMatcher::Bool(x) => x == b,
                // Strings and regexes see `true`/`false`.
                ValueMatcher::Str(_) | ValueMatcher::Re(_) => {
                    self.matches_str(if *b { "true" } else { "false" })
                }
                _ => false,
            },
        }
    }

    /// Tests a string value whose case fold the caller already computed
    /// (`folded` = `fold(s)`): one fold per field value instead of one per
    /// matcher.
    pub fn matches_str_folded(&self, s: &str, folded: &std::cell::OnceCell<String>) -> bool {
        match self {
            ValueMatcher::Str(m) => m.matches_prefolded(s, folded),
            _ => self.matches_str(s),
        }
    }

    /// Tests a string value.
    pub fn matches_str(&self, s: &str) -> bool {
        match self {
            ValueMatcher::Str(m) => m.matches(s),
            ValueMatcher::Int(i) => parse_int(s) == Some(*i),
            ValueMatcher::Float(f) => s.trim().parse::<f64>().ok() == Some(*f),
            ValueMatcher::Bool(b) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            ValueMatcher::Null => false,
            ValueMatcher::Re(r) => r.is_match(s),
            ValueMatcher::Cidr(c) => s.trim().parse::<IpAddr>().is_ok_and(|ip| c.contains(ip)),
            ValueMatcher::Cmp(op, x) => parse_num(s).is_some_and(|v| op.test(v, *x)),
            ValueMatcher::Time(part, op, x) => {
                time_part(s, *part).is_some_and(|v| op.test(v as f64, *x))
            }
        }
    }

    fn matches_number(&self, n: &serde_json::Number) -> bool {
        match self {
            ValueMatcher::Int(i) => {
                n.as_i64() == Some(*i) || n.as_f64().is_some_and(|f| f == *i as f64)
            }
            ValueMatcher::Float(f) => n.as_f64() == Some(*f),
            ValueMatcher::Cmp(op, x) => n.as_f64().is_some_and(|v| op.test(v, *x)),
            ValueMatcher::Bool(_) | ValueMatcher::Null | ValueMatcher::Cidr(_) => false,
            ValueMatcher::Time(..) => false,
            // Strings and regexes see the number's decimal text.
            _ => self.matches_str(&n.to_string()),
        }
    }
}

/// Parses an integer in decimal (or `0x` hex) text.
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok();
    }
    s.parse::<i64>().ok()
}

fn parse_num(s: &str) -> Option<f64> {
    parse_int(s)
        .map(|i| i as f64)
        .or_else(|| s.trim().parse::<f64>().ok())
}

/// Extracts a date part from `YYYY-MM-DD[T ]HH:MM[:SS…]` text (no timezone
/// handling, as the specification says).
pub fn time_part(s: &str, part: TimePart) -> Option<i64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = b.get(r)?;
        if t.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(t).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let hm = || -> Option<(i64, i64)> {
        if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
            return None;
        }
        Some((num(11..13)?, num(14..16)?))
    };
    Some(match part {
        TimePart::Year => y,
        TimePart::Month => mo,
        TimePart::Day => d,
        TimePart::Hour => hm()?.0,
        TimePart::Minute => hm()?.1,
        TimePart::Week => iso_week(y, mo, d),
    })
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn iso_week(y: i64, m: i64, d: i64) -> i64 {
    let days = days_from_civil(y, m, d);
    let weekday = (days + 3).rem_euclid(7) + 1; // 1 = Monday (1970-01-01 was a Thursday)
    let ordinal = days - days_from_civil(y, 1, 1) + 1;
    let week = (ordinal - weekday + 10) / 7;
    let weeks_in = |yy: i64| {
        let jan1 = (days_from_civil(yy, 1, 1) + 3).rem_euclid(7) + 1;
        let leap = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0;
        if jan1 == 4 || (leap && jan1 == 3) {
            53
        } else {
            52
        }
    };
    if week < 1 {
        weeks_in(y - 1)
    } else if week > weeks_in(y) {
        1
    } else {
        week
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_match_numbers_and_strings() {
        let m = ValueMatcher::Int(4104);
        assert!(m.matches(&json!(4104)));
        assert!(m.matches(&json!("4104")));
        assert!(m.matches(&json!([1, 4104])));
        assert!(!m.matches(&json!("41040")));
        assert!(!m.matches(&json!(null)));
    }

    #[test]
    fn cidr_v4_v6() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.1.2.3".parse().unwrap()));
        assert!(!c.contains("11.1.2.3".parse().unwrap()));
        assert!(c.contains("::ffff:10.0.0.1".parse().unwrap()));
        let c6 = Cidr::parse("fe80::/10").unwrap();
        assert!(c6.contains("fe80::1".parse().unwrap()));
        assert!(!c6.contains("fec0::1".parse().unwrap()));
        assert!(
            Cidr::parse("::1/128")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }

    #[test]
    fn cidr_v4_mapped_network_holds_v4_addresses() {
        let m = Cidr::parse("::ffff:192.168.0.0/112").unwrap();
        assert!(m.contains("192.168.10.20".parse().unwrap()));
        assert!(m.contains("::ffff:192.168.10.20".parse().unwrap()));
        assert!(!m.contains("10.0.0.1".parse().unwrap()));
        assert!(
            !Cidr::parse("fe80::/10")
                .unwrap()
                .contains("10.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn regex_and_strings_see_booleans_as_text() {
        let flags = super::super::regex_literals::Flags::default();
        let hir = super::super::lazy_regex::parse("^tru", flags).unwrap();
        let re = ValueMatcher::Re(
            super::super::lazy_regex::LazyRegex::new("^tru", flags, &hir).unwrap(),
        );
        assert!(re.matches(&json!(true)));
        assert!(!re.matches(&json!(false)));
    }

    #[test]
    fn time_parts() {
        let t = "2024-12-30T23:59:01.123Z";
        assert_eq!(time_part(t, TimePart::Year), Some(2024));
        assert_eq!(time_part(t, TimePart::Month), Some(12));
        assert_eq!(time_part(t, TimePart::Day), Some(30));
        assert_eq!(time_part(t, TimePart::Hour), Some(23));
        assert_eq!(time_part(t, TimePart::Minute), Some(59));
        // 2024-12-30 is a Monday in ISO week 1 of 2025.
        assert_eq!(time_part(t, TimePart::Week), Some(1));
        assert_eq!(time_part("2021-01-03 10:00:00", TimePart::Week), Some(53));
        assert_eq!(time_part("2024-06-15", TimePart::Week), Some(24));
        assert_eq!(time_part("not a date", TimePart::Year), None);
    }

    #[test]
    fn comparisons() {
        let m = ValueMatcher::Cmp(CmpOp::Gt, 5.0);
        assert!(m.matches(&json!(6)));
        assert!(m.matches(&json!("7")));
        assert!(!m.matches(&json!("5")));
        assert!(!m.matches(&json!("abc")));
    }
}
