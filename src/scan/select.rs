//! Which inputs one task scans, for rescans spread over many processes:
//! `--input-list FILE` (the inputs, one path per line) and `--shard K/N`
//! (a deterministic subset, so N copies of sigscan can split a list with no
//! driver at all: a Kubernetes Indexed Job, a Slurm array).
//!
//! A shard is chosen from the expanded inputs (directories already walked)
//! sorted by name: input `i` of the sorted list belongs to shard `i mod N`.
//! Every input belongs to exactly one shard, whatever order the list was
//! given in, so the union of the N shards' hits is one run's hits. Striping
//! rather than cutting the sorted list into N blocks spreads the files of
//! one directory (often one host or one day, of similar sizes) over all
//! shards.

use std::fmt;
use std::io;
use std::str::FromStr;

use thiserror::Error;

use super::range::ByteRange;
use super::{Input, Source};

/// Why the inputs of a run cannot be selected as asked (fatal: exit 2).
#[derive(Debug, Error)]
pub enum SelectError {
    /// `--shard` with stdin among the inputs.
    #[error("--shard cannot split stdin (`-`); list files")]
    ShardStdin,
    /// `--byte-range` with other than one input.
    #[error("--byte-range needs exactly one input file, got {0}")]
    RangeInputs(usize),
    /// `--byte-range` on something that is not a file.
    #[error("--byte-range needs a file, not {0}")]
    RangeNotFile(String),
    /// The input list could not be read.
    #[error("--input-list: {name}: {source}")]
    ListRead {
        /// The list (`stdin` for `-`).
        name: String,
        /// Why.
        source: io::Error,
    },
    /// A line of the input list is not UTF-8.
    #[error("--input-list: {name}:{line}: not UTF-8")]
    ListNotUtf8 {
        /// The list.
        name: String,
        /// 1-based line.
        line: usize,
    },
}

/// `--shard K/N`: shard `index` (0-based, as Kubernetes' completion index)
/// of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0 <= index < count`.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("not a shard K/N (0 <= K < N): {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's inputs, in name order. Stdin cannot be sharded: it is an
    /// error to pass it.
    pub fn select(&self, mut inputs: Vec<Input>) -> Result<Vec<Input>, SelectError> {
        if inputs.iter().any(|i| i.source == Source::Stdin) {
            return Err(SelectError::ShardStdin);
        }
        inputs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(inputs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i as u64 % self.count == self.index)
            .map(|(_, input)| input)
            .collect())
    }
}

/// Restricts a scan to byte range `r` of its one input, which must be a
/// file (`--byte-range`; see [`super::range`]).
pub fn with_byte_range(inputs: Vec<Input>, r: ByteRange) -> Result<Vec<Input>, SelectError> {
    let [input] = <[Input; 1]>::try_from(inputs).map_err(|v| SelectError::RangeInputs(v.len()))?;
    match input.source {
        Source::File(p) => Ok(vec![Input {
            name: input.name,
            source: Source::FileRange(p, r),
        }]),
        _ => Err(SelectError::RangeNotFile(input.name)),
    }
}

/// Reads an input list: one path per line (a trailing `\r` is dropped;
/// empty lines are skipped; nothing else is special, so names may hold
/// spaces or `#`). `-` reads standard input.
pub fn read_input_list(name: &str) -> Result<Vec<String>, SelectError> {
    let read_error = |name: &str| {
        let name = name.to_string();
        move |source| SelectError::ListRead { name, source }
    };
    let text = if name == "-" {
        let mut v = Vec::new();
        io::Read::read_to_end(&mut io::stdin().lock(), &mut v).map_err(read_error("stdin"))?;
        v
    } else {
        std::fs::read(name).map_err(read_error(name))?
    };
    parse_input_list(&text, name)
}

fn parse_input_list(text: &[u8], name: &str) -> Result<Vec<String>, SelectError> {
    let mut out = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let path = std::str::from_utf8(line).map_err(|_| SelectError::ListNotUtf8 {
            name: name.to_string(),
            line: n + 1,
        })?;
        out.push(path.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn inputs(names: &[&str]) -> Vec<Input> {
        names
            .iter()
            .map(|n| Input {
                name: n.to_string(),
                source: Source::File(PathBuf::from(n)),
            })
            .collect()
    }

    #[test]
    fn shards_partition_the_sorted_inputs() {
        let names = ["d", "a", "c", "e", "b", "f", "g"];
        for n in 1..=9u64 {
            let mut seen: Vec<String> = Vec::new();
            for k in 0..n {
                let got = Shard { index: k, count: n }.select(inputs(&names)).unwrap();
                let got: Vec<String> = got.into_iter().map(|i| i.name).collect();
                let mut sorted = got.clone();
                sorted.sort();
                assert_eq!(got, sorted, "a shard keeps name order");
                seen.extend(got);
            }
            seen.sort();
            assert_eq!(seen, ["a", "b", "c", "d", "e", "f", "g"], "N = {n}");
        }
        // The given order does not matter.
        let a = Shard { index: 1, count: 3 }.select(inputs(&names)).unwrap();
        let mut rev = names;
        rev.reverse();
        let b = Shard { index: 1, count: 3 }.select(inputs(&rev)).unwrap();
        let names_of = |v: Vec<Input>| v.into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(names_of(a), ["b", "e"]);
        assert_eq!(names_of(b), ["b", "e"]);
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/5".parse(), Ok(Shard { index: 2, count: 5 }));
        for bad in ["5/5", "0/0", "1", "a/b", "-1/3", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad:?}");
        }
        let stdin = vec![Input {
            name: "-".into(),
            source: Source::Stdin,
        }];
        assert!(Shard { index: 0, count: 1 }.select(stdin.clone()).is_err());
        let r = ByteRange {
            start: 1,
            end: None,
        };
        assert!(with_byte_range(stdin, r).is_err());
        assert!(matches!(
            with_byte_range(inputs(&["a", "b"]), r),
            Err(SelectError::RangeInputs(2))
        ));
        assert!(matches!(
            with_byte_range(Vec::new(), r),
            Err(SelectError::RangeInputs(0))
        ));
        let one = with_byte_range(inputs(&["a"]), r).unwrap();
        assert_eq!(one[0].source, Source::FileRange(PathBuf::from("a"), r));
    }

    #[test]
    fn input_lists() {
        let got = parse_input_list(b"a.ndjson\r\n\nb c.gz\n#d\ne", "l").unwrap();
        assert_eq!(got, ["a.ndjson", "b c.gz", "#d", "e"]);
        let err = parse_input_list(b"ok\n\xff\n", "l").unwrap_err();
        assert_eq!(err.to_string(), "--input-list: l:2: not UTF-8");
    }
}
