//! Byte ranges of plain files: which lines a `--byte-range START:END` run
//! scans, so that a driver can cut one large file into tasks whose results
//! stitch back into exactly the whole-file run.
//!
//! The rule: a line belongs to the range that holds its first byte. A line
//! starts at byte 0 or one past a `\n`. So the range `[START, END)` scans
//! the bytes `[boundary(START), boundary(END))`, where `boundary(x)` is the
//! first line start at or after `x`:
//!
//! - `boundary(0) = 0`;
//! - for `x > 0`, one past the first `\n` at or after `x - 1` (the end of
//!   the file when there is none). Looking at `x - 1` makes a range that
//!   starts exactly on a line start keep that line: a start in the middle of
//!   a line skips to the next line start, and a line that starts before
//!   `END` is read to its end, even past `END`.
//!
//! `boundary` is monotonic and depends only on the bytes from `x - 1` to the
//! next newline, so ranges `0:a`, `a:b`, `b:EOF` partition the lines exactly,
//! for every split point, and a task needs to read no byte before `START - 1`.
//! A UTF-8 BOM at byte 0 belongs to the first line (the reader skips it as in
//! a whole-file run); CRLF needs no special case, since only `\n` ends a line.
//!
//! [`span`] applies the rule to a slice (a memory-mapped file);
//! [`RangeReader`] to a seekable stream (`--no-mmap`, files that cannot be
//! mapped). Both must agree; the tests check them against each other on
//! every split point of small inputs.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::str::FromStr;

/// A requested byte range `[start, end)`; `end: None` = to the end of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte (a line starting here belongs to the range).
    pub start: u64,
    /// One past the last byte, or the end of the file.
    pub end: Option<u64>,
}

impl ByteRange {
    /// The end, with "to the end of the file" as `u64::MAX`.
    fn end_or_max(&self) -> u64 {
        self.end.unwrap_or(u64::MAX)
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(e) => write!(f, "{}:{e}", self.start),
            None => write!(f, "{}:", self.start),
        }
    }
}

impl FromStr for ByteRange {
    type Err = String;

    /// `START:END` or `START:` (to the end), decimal byte offsets, END >= START.
    fn from_str(s: &str) -> Result<ByteRange, String> {
        let bad = || format!("not a byte range START:END (or START:): {s:?}");
        let (a, b) = s.split_once(':').ok_or_else(bad)?;
        let start: u64 = a.trim().parse().map_err(|_| bad())?;
        let end = match b.trim() {
            "" => None,
            e => Some(e.parse::<u64>().map_err(|_| bad())?),
        };
        if end.is_some_and(|e| e < start) {
            return Err(format!("byte range {s:?}: END is before START"));
        }
        Ok(ByteRange { start, end })
    }
}

/// The first line start at or after `x` in `data` (see the module docs).
pub fn boundary(data: &[u8], x: u64) -> usize {
    if x == 0 {
        return 0;
    }
    let from = usize::try_from(x - 1).unwrap_or(usize::MAX);
    if from >= data.len() {
        return data.len();
    }
    memchr::memchr(b'\n', &data[from..]).map_or(data.len(), |i| from + i + 1)
}

/// The bytes of `data` holding exactly the lines of `range`.
pub fn span(data: &[u8], range: ByteRange) -> Range<usize> {
    let start = boundary(data, range.start);
    let end = boundary(data, range.end_or_max()).max(start);
    start..end
}

/// Reads the lines of a byte range from a seekable stream: [`RangeReader::new`]
/// seeks to `START - 1` and skips to the first line start; reads then end
/// one past the first `\n` at or after `END - 1` (or at the end of the file).
#[derive(Debug)]
pub struct RangeReader<R> {
    inner: R,
    /// Absolute position of the next byte read.
    pos: u64,
    /// The first `\n` at or after this position ends the range.
    last_from: u64,
    done: bool,
}

impl<R: Read + Seek> RangeReader<R> {
    /// Positions `inner` at the range's first line start. Returns the reader
    /// and that line start's absolute offset.
    pub fn new(mut inner: R, range: ByteRange) -> io::Result<(RangeReader<R>, u64)> {
        let mut pos = 0;
        if range.start > 0 {
            pos = inner.seek(SeekFrom::Start(range.start - 1))?;
            // Skip to one past the first newline (or the end of the file).
            let mut buf = [0u8; 8192];
            loop {
                let n = match inner.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
                    pos += i as u64 + 1;
                    inner.seek(SeekFrom::Start(pos))?;
                    break;
                }
                pos += n as u64;
            }
        }
        let end = range.end_or_max();
        // A first line start at or past END means the range holds no line
        // (its END boundary is that same line start).
        let done = pos >= end;
        let reader = RangeReader {
            inner,
            pos,
            last_from: end.saturating_sub(1),
            done,
        };
        Ok((reader, pos))
    }
}

impl<R: Read> Read for RangeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let mut n = self.inner.read(buf)?;
        if n == 0 {
            self.done = true;
            return Ok(0);
        }
        // Bytes at or after `last_from` are searched for the final newline.
        let from = usize::try_from(self.last_from.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        if from < n
            && let Some(i) = memchr::memchr(b'\n', &buf[from..n])
        {
            n = from + i + 1;
            self.done = true;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small inputs with every awkward shape: CRLF, a last line without a
    /// newline, empty lines, a BOM at 0, a lone newline, no newline at all.
    const INPUTS: &[&[u8]] = &[
        b"",
        b"\n",
        b"\n\n\n",
        b"a",
        b"ab\ncd\n",
        b"ab\ncd",
        b"{\"a\":1}\r\n{\"b\":2}\r\n\r\n{\"c\":3}",
        b"\xEF\xBB\xBF{\"a\":1}\n\n{\"b\":22}\n",
        b"\xEF\xBB\xBF",
        b"x\n\ny\r\n\r\nzz\n\xEF\xBB\xBFw\n",
    ];

    /// Line starts of `data`: 0 (if not empty) and one past every `\n` before the end.
    fn line_starts(data: &[u8]) -> Vec<usize> {
        let mut v = Vec::new();
        if !data.is_empty() {
            v.push(0);
        }
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' && i + 1 < data.len() {
                v.push(i + 1);
            }
        }
        v
    }

    fn via_reader(data: &[u8], r: ByteRange) -> (u64, Vec<u8>) {
        let (mut rd, start) = RangeReader::new(io::Cursor::new(data), r).unwrap();
        let mut out = Vec::new();
        // Small reads, so the end search crosses read boundaries.
        let mut buf = [0u8; 3];
        loop {
            let n = rd.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (start, out)
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(
            "10:20".parse::<ByteRange>(),
            Ok(ByteRange {
                start: 10,
                end: Some(20)
            })
        );
        assert_eq!(
            "7:".parse::<ByteRange>(),
            Ok(ByteRange {
                start: 7,
                end: None
            })
        );
        assert!("5:4".parse::<ByteRange>().unwrap_err().contains("before"));
        for bad in ["", "5", ":5", "a:b", "-1:3", "1:2:3"] {
            assert!(bad.parse::<ByteRange>().is_err(), "{bad:?}");
        }
        assert_eq!("3:9".parse::<ByteRange>().unwrap().to_string(), "3:9");
        assert_eq!("3:".parse::<ByteRange>().unwrap().to_string(), "3:");
    }

    #[test]
    fn a_line_belongs_to_the_range_holding_its_first_byte() {
        for data in INPUTS {
            let starts = line_starts(data);
            for s in 0..=data.len() as u64 + 1 {
                for e in s..=data.len() as u64 + 1 {
                    let r = ByteRange {
                        start: s,
                        end: Some(e),
                    };
                    let got = span(data, r);
                    let want: Vec<usize> = starts
                        .iter()
                        .copied()
                        .filter(|&l| (l as u64) >= s && (l as u64) < e)
                        .collect();
                    let first = want.first().copied().unwrap_or(got.start);
                    assert_eq!(got.start, first, "{data:?} {r}");
                    // The span ends where the next range's first line starts.
                    let next = starts
                        .iter()
                        .copied()
                        .find(|&l| l as u64 >= e)
                        .unwrap_or(data.len());
                    if !want.is_empty() {
                        assert_eq!(got.end, next, "{data:?} {r}");
                    } else {
                        assert!(got.is_empty(), "{data:?} {r}: {got:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn three_ranges_partition_every_input_at_every_split() {
        for data in INPUTS {
            let len = data.len() as u64;
            for a in 0..=len + 1 {
                for b in a..=len + 1 {
                    let parts = [
                        ByteRange {
                            start: 0,
                            end: Some(a),
                        },
                        ByteRange {
                            start: a,
                            end: Some(b),
                        },
                        ByteRange {
                            start: b,
                            end: None,
                        },
                    ];
                    let mut joined = Vec::new();
                    let mut at = 0;
                    for r in parts {
                        let sp = span(data, r);
                        if !sp.is_empty() {
                            assert_eq!(sp.start, at, "{data:?} {a} {b}: gap or overlap at {r}");
                            at = sp.end;
                        }
                        joined.extend_from_slice(&data[sp.clone()]);
                        // The stream reader agrees with the slice rule.
                        let (start, bytes) = via_reader(data, r);
                        assert_eq!(&bytes[..], &data[sp.clone()], "{data:?} {r}");
                        if !sp.is_empty() {
                            assert_eq!(start, sp.start as u64, "{data:?} {r}");
                        }
                    }
                    assert_eq!(&joined[..], *data, "{a} {b}");
                }
            }
        }
    }

    #[test]
    fn a_bom_at_zero_stays_with_the_first_range() {
        let data = b"\xEF\xBB\xBF{}\n{}\n";
        assert_eq!(span(data, "0:1".parse().unwrap()), 0..6);
        assert_eq!(span(data, "1:6".parse().unwrap()), 6..6);
        assert_eq!(span(data, "1:7".parse().unwrap()), 6..9);
    }
}
