//! The small YAML maps the command line takes besides rules: `expand`
//! placeholder values (`--placeholders`) and field maps (`--field-map`),
//! both `name: value` or `name: [values…]`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::yaml::{self, NodeKind};

/// Name → values.
pub type StringMap = HashMap<String, Vec<String>>;

/// Why a map file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not a map of strings or string lists.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads a YAML map of name → string or list of strings.
pub fn read_string_map(path: &Path) -> Result<StringMap, MapError> {
    let text = std::fs::read_to_string(path).map_err(|source| MapError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let syntax = |line: usize, message: String| MapError::Syntax {
        path: path.to_path_buf(),
        line,
        message,
    };
    let docs = yaml::parse_documents(&text).map_err(|e| syntax(e.line, e.message))?;
    let mut out = HashMap::new();
    for doc in &docs {
        let Some(entries) = doc.as_map() else {
            return Err(syntax(doc.line, "expected a mapping".into()));
        };
        for (k, v) in entries {
            let values = match &v.kind {
                NodeKind::Scalar { text, .. } => vec![text.clone()],
                NodeKind::Seq(items) => items
                    .iter()
                    .map(|n| {
                        n.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| syntax(n.line, format!("`{k}`: values must be strings")))
                    })
                    .collect::<Result<_, _>>()?,
                NodeKind::Map(_) => {
                    return Err(syntax(
                        v.line,
                        format!("`{k}`: expected a string or a list"),
                    ));
                }
            };
            out.insert(k.clone(), values);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<StringMap, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.yml");
        std::fs::write(&p, text).unwrap();
        read_string_map(&p).map_err(|e| e.to_string().replace(&p.display().to_string(), "M"))
    }

    #[test]
    fn values_and_errors_with_lines() {
        let m = read("a: x\nb: [y, z]\n").unwrap();
        assert_eq!(m["a"], ["x"]);
        assert_eq!(m["b"], ["y", "z"]);
        assert_eq!(read("- x\n").unwrap_err(), "M:1: expected a mapping");
        assert_eq!(
            read("a: x\nb:\n  c: d\n").unwrap_err(),
            "M:3: `b`: expected a string or a list"
        );
        assert_eq!(
            read("a:\n  - x\n  - {y: z}\n").unwrap_err(),
            "M:3: `a`: values must be strings"
        );
        let missing = read_string_map(Path::new("/nonexistent/m.yml")).unwrap_err();
        assert!(matches!(missing, MapError::Read { .. }), "{missing}");
    }
}
