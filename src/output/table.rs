//! Aligned text tables for the human-readable reports.
//!
//! Columns are padded to their widest cell, counted in characters (host
//! names and rule values may be non-ASCII), with two spaces between columns;
//! numeric columns are right-aligned. The last column is never padded, so no
//! line ends in spaces.

/// A table: a header row and data rows, rendered with an indent.
#[derive(Clone, Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers; a header starting with `>` marks a
    /// right-aligned column (the `>` is not shown). When every header is
    /// empty no header line is drawn (a key/value list).
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| h.strip_prefix('>').unwrap_or(h).to_string())
                .collect(),
            right: headers.iter().map(|h| h.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (as many cells as headers).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len(), "BUG: table row width");
        self.rows.push(cells);
    }

    /// Whether the table has no data row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends the rendered table to `out`, each line indented by `indent`
    /// spaces and ended by `\n`.
    pub fn render(&self, out: &mut String, indent: usize) {
        let n = self.headers.len();
        let mut width = vec![0usize; n];
        for r in std::iter::once(&self.headers).chain(&self.rows) {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let headless = self.headers.iter().all(String::is_empty);
        let header = (!headless).then_some(&self.headers);
        for r in header.into_iter().chain(&self.rows) {
            let mut line = " ".repeat(indent);
            for (k, c) in r.iter().enumerate() {
                if k > 0 {
                    line.push_str("  ");
                }
                let pad = width[k] - c.chars().count();
                if self.right[k] {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(c);
                } else {
                    line.push_str(c);
                    if k + 1 < n {
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_characters_and_right_aligns_numbers() {
        let mut t = Table::new(&["host", ">hits"]);
        t.row(vec!["WS-MÜNCHEN".into(), "7".into()]);
        t.row(vec!["a".into(), "12".into()]);
        let mut s = String::new();
        t.render(&mut s, 2);
        assert_eq!(
            s,
            "  host        hits\n  WS-MÜNCHEN     7\n  a             12\n"
        );
    }

    #[test]
    fn last_column_is_not_padded() {
        let mut t = Table::new(&["n", "value"]);
        t.row(vec!["1".into(), "long value".into()]);
        t.row(vec!["2".into(), "x".into()]);
        let mut s = String::new();
        t.render(&mut s, 0);
        assert_eq!(s, "n  value\n1  long value\n2  x\n");
        let mut kv = Table::new(&["", ""]);
        kv.row(vec!["id".into(), "x".into()]);
        kv.row(vec!["level".into(), "high".into()]);
        let mut s = String::new();
        kv.render(&mut s, 1);
        assert_eq!(s, " id     x\n level  high\n");
    }
}
