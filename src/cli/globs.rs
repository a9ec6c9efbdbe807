//! `--glob`: which files found under directory inputs are scanned.
//!
//! Repeatable globs in ripgrep's dialect (the `globset` crate: `*`, `?`,
//! `[..]`, `{a,b}` alternatives, `**`), a leading `!` to exclude, and
//! `--glob-case-insensitive`. A glob without `/` is matched against the file
//! name, one with `/` against the path as found (`dir/2024/05/x.ndjson`).
//! A file is scanned when it matches some positive glob (or there is none)
//! and no negative one. Files named on the command line are always scanned:
//! naming a file is asking for it.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// A bad `--glob`.
#[derive(Debug, thiserror::Error)]
#[error("--glob {pattern:?}: {source}")]
pub struct GlobError {
    /// The pattern as given.
    pattern: String,
    /// Why it does not parse.
    source: globset::Error,
}

/// The compiled `--glob` patterns.
#[derive(Clone, Debug)]
pub struct GlobFilter {
    /// Positive globs on the file name, and on the path.
    include: (GlobSet, GlobSet),
    /// Negative (`!`) globs on the file name, and on the path.
    exclude: (GlobSet, GlobSet),
    /// Whether any positive glob was given.
    any_include: bool,
}

impl GlobFilter {
    /// Compiles the patterns.
    pub fn new(patterns: &[String], case_insensitive: bool) -> Result<GlobFilter, GlobError> {
        let mut inc = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let mut exc = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let mut any_include = false;
        for p in patterns {
            let (negated, body) = match p.strip_prefix('!') {
                Some(b) => (true, b),
                None => (false, p.as_str()),
            };
            let glob: Glob = GlobBuilder::new(body)
                .case_insensitive(case_insensitive)
                // `*` stays within one path component, as in a shell.
                .literal_separator(true)
                .build()
                .map_err(|source| GlobError {
                    pattern: p.clone(),
                    source,
                })?;
            let sets = if negated { &mut exc } else { &mut inc };
            any_include |= !negated;
            if body.contains('/') {
                sets.1.add(glob);
            } else {
                sets.0.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().expect("BUG: globs compiled one by one");
        Ok(GlobFilter {
            include: (build(inc.0), build(inc.1)),
            exclude: (build(exc.0), build(exc.1)),
            any_include,
        })
    }

    /// Whether a file found under a directory, at `path`, is scanned.
    pub fn admits(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        let hit = |sets: &(GlobSet, GlobSet)| sets.0.is_match(name) || sets.1.is_match(path);
        (!self.any_include || hit(&self.include)) && !hit(&self.exclude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(p: &[&str], ci: bool) -> GlobFilter {
        let p: Vec<String> = p.iter().map(|s| s.to_string()).collect();
        GlobFilter::new(&p, ci).expect("valid globs")
    }

    #[test]
    fn braces_and_repetition_are_any_of() {
        let f = filter(&["*.{ndjson,jsonl}", "*.gz"], false);
        assert!(f.admits("d/a.ndjson"));
        assert!(f.admits("d/b.jsonl"));
        assert!(f.admits("d/c.ndjson.gz"));
        assert!(!f.admits("d/readme.txt"));
    }

    #[test]
    fn negation_excludes_and_alone_keeps_the_rest() {
        let f = filter(&["*.ndjson", "!*-old.ndjson"], false);
        assert!(f.admits("d/a.ndjson"));
        assert!(!f.admits("d/a-old.ndjson"));
        let only_neg = filter(&["!*.tmp"], false);
        assert!(only_neg.admits("d/a.ndjson"));
        assert!(!only_neg.admits("d/x.tmp"));
    }

    #[test]
    fn case_insensitive_option() {
        assert!(!filter(&["*.ndjson"], false).admits("d/A.NDJSON"));
        assert!(filter(&["*.ndjson"], true).admits("d/A.NDJSON"));
    }

    #[test]
    fn a_glob_with_a_slash_matches_the_path() {
        let f = filter(&["**/2024/*.ndjson"], false);
        assert!(f.admits("logs/2024/a.ndjson"));
        assert!(!f.admits("logs/2023/a.ndjson"));
        assert!(
            !f.admits("logs/2024/x/a.ndjson"),
            "`*` stays in one component"
        );
    }

    #[test]
    fn a_bad_glob_is_an_error_naming_it() {
        let e = GlobFilter::new(&["*.{a,b".to_string()], false).unwrap_err();
        assert!(e.to_string().starts_with("--glob \"*.{a,b\""), "{e}");
    }
}
