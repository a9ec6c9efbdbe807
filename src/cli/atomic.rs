//! Where results go: stdout, or a file written atomically (a temporary file
//! beside it, renamed into place at the end), so a reader never sees a
//! half-written file and a retried run overwrites cleanly. The temporary
//! file comes from `tempfile` (`O_EXCL`, a random name): a name made of the
//! pid collides across containers, where every process may be pid 1.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where hits go: stdout, or a temporary file renamed into place at the end
/// (so a reader never sees a half-written file, and a retried run
/// overwrites cleanly).
pub enum Output {
    /// Standard output.
    Stdout(io::Stdout),
    /// A regular file (or a name not taken yet), written atomically.
    File(TempFile),
    /// Something else that already exists (`/dev/null`, a FIFO, a
    /// terminal): written in place. Renaming a temporary file over it would
    /// replace the device node with a plain file.
    Direct {
        /// The open file.
        file: std::fs::File,
        /// Its name as given.
        path: PathBuf,
    },
}

/// A temporary file beside `dest`; renamed over it by [`Output::commit`],
/// removed when dropped uncommitted (a failed or abandoned run leaves no
/// temporary file behind and `dest` as it was). Created by `tempfile` with
/// `O_EXCL` and a random name, so two writers of the same destination (two
/// containers sharing a volume may have the same pid) never share one.
pub struct TempFile {
    file: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl Output {
    /// Opens `path` (`None`: stdout).
    pub fn open(path: Option<&Path>) -> Result<Output, String> {
        let Some(given) = path else {
            return Ok(Output::Stdout(io::stdout()));
        };
        // Through a symbolic link to the file it names, so the rename
        // replaces that file and not the link.
        let dest = match std::fs::symlink_metadata(given) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::canonicalize(given).unwrap_or_else(|_| given.to_path_buf())
            }
            _ => given.to_path_buf(),
        };
        match std::fs::metadata(&dest) {
            Ok(m) if m.is_dir() => {
                return Err(format!("{}: is a directory", given.display()));
            }
            Ok(m) if !m.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&dest)
                    .map_err(|e| format!("{}: {e}", given.display()))?;
                return Ok(Output::Direct {
                    file,
                    path: given.to_path_buf(),
                });
            }
            _ => {}
        }
        let name = dest
            .file_name()
            .ok_or_else(|| format!("{}: not a file name", given.display()))?;
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".sigscan-tmp");
        // The mode a plain create would give (0666 less the umask), not
        // tempfile's private 0600: the output is for others to read.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let file = builder
            .tempfile_in(dir)
            .map_err(|e| format!("{}: cannot create its temporary file: {e}", given.display()))?;
        Ok(Output::File(TempFile { file, dest }))
    }

    /// What to call the output in messages.
    pub fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "stdout".into(),
            Output::File(t) => t.dest.display().to_string(),
            Output::Direct { path, .. } => path.display().to_string(),
        }
    }

    /// Flushes, and renames a temporary file into place.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut s) => s.flush(),
            Output::Direct { mut file, .. } => file.flush(),
            Output::File(t) => {
                t.file.as_file().sync_all()?;
                // On failure the temporary file is dropped, which removes it.
                t.file.persist(&t.dest).map(drop).map_err(|e| e.error)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(s) => s.write(buf),
            Output::Direct { file, .. } => file.write(buf),
            Output::File(t) => t.file.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(s) => s.flush(),
            Output::Direct { file, .. } => file.flush(),
            Output::File(t) => t.file.flush(),
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut out = Output::open(Some(path))?;
    out.write_all(bytes)
        .and_then(|()| out.commit())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Checks early that `path` can take a file (its directory exists, it is
/// not a directory), so a long scan does not end in an unwritable file.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{}: is a directory", path.display()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!("{}: no such directory", dir.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_file_appears_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, "old").unwrap();
        let mut out = Output::open(Some(&p)).unwrap();
        out.write_all(b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old", "not before commit");
        out.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        // Dropped uncommitted: the file stays as it was, no temporary left.
        drop(Output::open(Some(&p)).unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(check_writable(dir.path()).is_err());
        assert!(check_writable(&dir.path().join("no/such/f")).is_err());
        assert!(check_writable(&p).is_ok());
    }

    #[test]
    fn two_writers_of_one_destination_get_distinct_temporaries() {
        // Two containers sharing a volume can have the same pid; the
        // temporary names must not collide all the same.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        let mut a = Output::open(Some(&p)).unwrap();
        let mut b = Output::open(Some(&p)).unwrap();
        a.write_all(b"a").unwrap();
        b.write_all(b"b").unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        a.commit().unwrap();
        b.commit().unwrap();
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"b",
            "the last commit wins whole"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_output_is_readable_by_others_like_a_plain_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        let out = Output::open(Some(&p)).unwrap();
        out.commit().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&plain));
    }
}
