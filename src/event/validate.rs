//! Line validation: does a line parse as a JSON object, exactly as
//! serde_json parses it?
//!
//! [`validate_line`] answers with serde_json's own verdict and message: the
//! grammar, its limits (surrogate escapes, number range, nesting depth) and
//! its error text are serde_json's, so what counts as an invalid line never
//! depends on which path decided it.
//!
//! Every candidate line is validated, and on real logs nearly every line is
//! valid, so [`validate_line`] first asks [`surely_object`]: one pass over the
//! bytes that recognises the JSON grammar and says yes only where serde_json
//! certainly accepts. It gives up (answers no) on what it does not model, and
//! serde_json then decides, with its message:
//! - a `\u` escape of a surrogate (serde_json pairs them, and rejects a lone
//!   one);
//! - a number with an exponent, or longer than 300 bytes (serde_json rejects
//!   a float that overflows; without an exponent, 300 digits stay below
//!   `f64::MAX`);
//! - nesting deeper than 100 (serde_json's limit is 128).
//!
//! The only promise is one-sided, `surely_object(l) ⇒ serde_json accepts l
//! as an object`; the unit tests and the `event_line` fuzz target check it.
//!
//! PERF: strings are most of a Windows event's bytes, so they are crossed
//! eight bytes at a time ([`specials`]), then, past two words, 32 at a time
//! where the CPU runs AVX2 (`x86.rs`), stopping only at a quote, a
//! backslash or a control character. On the Mordor dump's candidate lines
//! this replaced serde_json's validation pass (about 11% of a scan's CPU);
//! the AVX2 step took all SigmaHQ Windows rules over it from 3.74 to 3.65 s
//! of CPU.

/// Checks that `line` parses as [`super::parse_line`] would parse it (same
/// grammar, limits and error messages) without building the document: field
/// values are then located with [`super::raw`] and parsed one by one.
pub fn validate_line(line: &str) -> Result<(), super::ParseError> {
    if surely_object(line.as_bytes()) {
        return Ok(());
    }
    serde_json::from_str::<Validate>(line).map_err(|e| super::ParseError::Json(e.to_string()))?;
    if line
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with('{')
    {
        Ok(())
    } else {
        Err(super::ParseError::NotAnObject)
    }
}

use super::raw::{Span, skip_ws};

/// Nesting past this is left to serde_json (its limit is 128).
const MAX_DEPTH: usize = 100;

/// A number longer than this is left to serde_json (see the module docs).
const MAX_NUMBER_LEN: usize = 300;

/// True only when serde_json certainly parses `b` (already valid UTF-8) as
/// one JSON object, with nothing but JSON whitespace around it. False means
/// "invalid, or not sure".
pub fn surely_object(b: &[u8]) -> bool {
    let i = skip_ws(b, 0);
    b.get(i) == Some(&b'{')
        && object_end(b, i, &mut |_, _| {}).is_some_and(|end| skip_ws(b, end) == b.len())
}

/// [`surely_object`] that also appends the object's top-level members to
/// `root`, as `raw::member_spans` walks them: (key, value) spans, keys
/// without their quotes, in line order.
///
/// `None`: not surely valid (`root` then holds an unspecified tail).
/// `Some(true)`: valid, and `root` holds its members. `Some(false)`: valid,
/// but a top-level key holds a backslash, which the raw readers do not
/// follow (`root` holds an unspecified tail).
///
/// PERF: with logsource routing, this is the routing peek's walk of the
/// top level (`peek::gate_key_of_root`) and the line's validation in one
/// pass; they were two full passes over every candidate line.
pub fn surely_object_with_root(b: &[u8], root: &mut Vec<(Span, Span)>) -> Option<bool> {
    let i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut plain_keys = true;
    let end = object_end(b, i, &mut |key, value| {
        plain_keys &= memchr::memchr(b'\\', &b[key.0..key.1]).is_none();
        root.push((key, value));
    })?;
    (skip_ws(b, end) == b.len()).then_some(plain_keys)
}

/// `b[i]` is `{`: the index after the object's closing brace, or `None`
/// when it is invalid or not surely valid. Each member of that object is
/// passed to `member` as (key without its quotes, value) spans.
fn object_end(b: &[u8], mut i: usize, member: &mut dyn FnMut(Span, Span)) -> Option<usize> {
    // Bit d of `objects` is set when the container open at depth d is an
    // object (else an array); `depth` containers are open.
    let mut objects: u128 = 0;
    let mut depth = 0usize;
    // The outer object's current member: its key, and where its value
    // starts.
    let mut key: Span = (0, 0);
    let mut value = 0;
    // Each turn reads one value at `i`, then the separators and closing
    // brackets after it, up to the next value.
    loop {
        i = skip_ws(b, i);
        if depth == 1 {
            value = i;
        }
        match *b.get(i)? {
            open @ (b'{' | b'[') => {
                if depth == MAX_DEPTH {
                    return None;
                }
                let is_object = open == b'{';
                objects = objects & !(1 << depth) | (u128::from(is_object) << depth);
                depth += 1;
                i = skip_ws(b, i + 1);
                let close = if is_object { b'}' } else { b']' };
                if b.get(i) != Some(&close) {
                    if is_object {
                        let k;
                        (k, i) = member_key(b, i)?;
                        if depth == 1 {
                            key = k;
                        }
                    }
                    continue;
                }
                // An empty container: it is the value just read.
                depth -= 1;
                i += 1;
            }
            b'"' => i = string_end(b, i + 1)?,
            b't' => i = word_end(b, i, b"true")?,
            b'f' => i = word_end(b, i, b"false")?,
            b'n' => i = word_end(b, i, b"null")?,
            b'-' | b'0'..=b'9' => i = number_end(b, i)?,
            _ => return None,
        }
        if depth == 1 {
            member(key, (value, i));
        }
        // After a value: `,` and the next value, or closing brackets.
        loop {
            if depth == 0 {
                return Some(i);
            }
            i = skip_ws(b, i);
            let in_object = objects >> (depth - 1) & 1 == 1;
            match (*b.get(i)?, in_object) {
                (b',', true) => {
                    let k;
                    (k, i) = member_key(b, skip_ws(b, i + 1))?;
                    if depth == 1 {
                        key = k;
                    }
                    break;
                }
                (b',', false) => {
                    i += 1;
                    break;
                }
                (b'}', true) | (b']', false) => {
                    depth -= 1;
                    i += 1;
                    if depth == 1 {
                        member(key, (value, i));
                    }
                }
                _ => return None,
            }
        }
    }
}

/// `b[i]` should start a member: `"key"` and `:`. The key without its
/// quotes, and the index after the colon.
fn member_key(b: &[u8], i: usize) -> Option<(Span, usize)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let end = string_end(b, i + 1)?;
    let colon = skip_ws(b, end);
    (b.get(colon) == Some(&b':')).then_some(((i + 1, end - 1), colon + 1))
}

fn word_end(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b[i..].starts_with(word).then_some(i + word.len())
}

/// `b[i]` starts a number: its end, if it is an integer or a decimal
/// fraction without an exponent (see the module docs).
fn number_end(b: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = start + usize::from(b[start] == b'-');
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i + 1),
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        let frac = digits(i + 1);
        if frac == i + 1 {
            return None;
        }
        i = frac;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) || i - start > MAX_NUMBER_LEN {
        return None;
    }
    Some(i)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is `"`, `\` or below 0x20, among
/// possibly false ones above the first: the lowest set bit is exact.
///
/// `(v - ONES) & !v & HIGHS` flags the zero bytes of `v` (and `(x - n·ONES)
/// & !x` the bytes below `n`, for `n <= 0x80`); a borrow can only flag a
/// byte above a flagged one, never below, so the lowest flag of the union
/// is a true one.
#[inline]
fn specials(x: u64) -> u64 {
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    (zero(quote) | zero(backslash) | control) & HIGHS
}

/// `b[i]` is just after an opening quote: the index after the closing one.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = plain_end(b, i);
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i = escape_end(b, i)?,
            0..0x20 => return None,
            _ => i += 1,
        }
    }
}

/// The first index at or after `i` whose byte is `"`, `\` or below 0x20,
/// or, where there is none, one from which fewer than 8 bytes are left.
///
/// PERF: two words first, as most runs between special bytes are short
/// (keys, numbers as text, Windows `Message` texts that escape `\r\n\t`
/// every few words); a run past them goes on 32 bytes at a time where the
/// CPU runs AVX2 (on the Mordor dump, 28% of the bytes between special
/// bytes are in runs of 128 or more).
#[inline]
fn plain_end(b: &[u8], i: usize) -> usize {
    let i = match words_plain_end(b, i, 2) {
        Ok(special) => return special,
        Err(i) => i,
    };
    #[cfg(target_arch = "x86_64")]
    let i = x86::plain_end(b, i);
    words_plain_end(b, i, usize::MAX).unwrap_or_else(|i| i)
}

/// [`plain_end`] over at most `words` words of eight bytes: `Ok` the index
/// of the first special byte, or `Err` where it stopped.
#[inline]
fn words_plain_end(b: &[u8], mut i: usize, words: usize) -> Result<usize, usize> {
    for _ in 0..words {
        let Some(word) = b.get(i..i + 8) else {
            break;
        };
        let m = specials(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        if m != 0 {
            return Ok(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    Err(i)
}

/// `b[i]` is a backslash in a string: the index after its escape.
fn escape_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 2),
        b'u' => {
            let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            let unit = u16::from_str_radix(hex, 16).ok()?;
            (!(0xD800..0xE000).contains(&unit)).then_some(i + 6)
        }
        _ => None,
    }
}

/// A JSON value read the way `serde_json::Value` reads it (through
/// `deserialize_any`, so surrogate escapes, number ranges and the recursion
/// limit are checked alike) and thrown away.
struct Validate;

impl<'de> serde::Deserialize<'de> for Validate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValidateVisitor)
    }
}

struct ValidateVisitor;

impl<'de> serde::de::Visitor<'de> for ValidateVisitor {
    type Value = Validate;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Validate, E> {
        Ok(Validate)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Validate, E> {
        Ok(Validate)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Validate, E> {
        Ok(Validate)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Validate, E> {
        Ok(Validate)
    }
    fn visit_str<E>(self, _: &str) -> Result<Validate, E> {
        Ok(Validate)
    }
    fn visit_unit<E>(self) -> Result<Validate, E> {
        Ok(Validate)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Validate, A::Error> {
        while a.next_element::<Validate>()?.is_some() {}
        Ok(Validate)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Validate, A::Error> {
        while a.next_key::<Validate>()?.is_some() {
            a.next_value::<Validate>()?;
        }
        Ok(Validate)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(test)]
mod tests;
