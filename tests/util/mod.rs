//! The integration tests' one harness (in the manner of ripgrep's `tests/util.rs`): where
//! the crate and the binary are, running the binary (`sigscan()` → [`Run`]), the
//! `../shared` data (read in place; absent → the test says so and passes), temporary
//! directories, and the configurations every scan is repeated under ([`configs`]).
//!
//! Each test file says `mod util;` and uses the part it needs, so parts unused by one
//! binary are expected: hence the `dead_code` allowance (and `unused_imports` on the
//! re-exports).
#![allow(dead_code)]

pub mod combo;
pub mod run;
pub mod seed;

use std::path::{Path, PathBuf};

// Re-exports for the test files; each uses some of them.
#[allow(unused_imports)]
pub use combo::{Config, configs, configs_of, engines};
#[allow(unused_imports)]
pub use run::{Run, Sigscan, sigscan};

/// The crate root (`CARGO_MANIFEST_DIR`): the binary runs there unless told otherwise, so
/// the checked-in paths (`corpora/...`, `tests/...`) resolve.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `sigscan` binary Cargo built for these tests.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sigscan"))
}

/// `../shared` (the SigmaHQ rules and real events, beside the repository), when every
/// path of `need` exists under it. Otherwise prints a note naming what is absent and
/// returns `None`: the caller returns, and the test passes without that data.
pub fn shared(need: &[&str]) -> Option<PathBuf> {
    let p = root().join("../shared");
    let absent: Vec<&str> = need
        .iter()
        .copied()
        .filter(|n| !p.join(n).exists())
        .collect();
    if absent.is_empty() {
        return Some(p);
    }
    eprintln!("note: ../shared/{{{}}} absent; skipping", absent.join(", "));
    None
}

/// A fresh temporary directory, removed when dropped.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Writes `data` to `dir/name` (parents created); returns the path.
pub fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("create parent directories");
    }
    std::fs::write(&p, data).expect("write fixture");
    p
}

/// `sigscan <args>` in the crate root, run to the end.
pub fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    sigscan().args(args).run()
}
