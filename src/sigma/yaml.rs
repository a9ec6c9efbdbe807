//! A small YAML document tree with line numbers, built from yaml-rust2's
//! event parser.
//!
//! Sigma needs three things from YAML that a serde mapping does not give:
//! the line of every key (diagnostics name file *and* line), whether a scalar
//! was quoted (`4104` is a number, `'4104'` a string) and the key order of a
//! detection map. Scalars keep their source text; typing is left to the Sigma
//! layer. Aliases are expanded with a node budget, so a "billion laughs"
//! document is an error, not an out-of-memory.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One YAML node and the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub kind: NodeKind,
    /// 1-based source line.
    pub line: usize,
}

/// The shape of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar with its text; `plain` is false when it was quoted or a block scalar.
    Scalar {
        /// The scalar's text after YAML unquoting.
        text: String,
        /// True for an unquoted scalar (which may be a number, bool or null).
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order. Non-scalar keys are rendered as text.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The entries of a mapping node.
    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key` in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for a plain `null`/`~`/empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true } if is_null_text(text))
    }
}

/// Whether a plain scalar's text means YAML null.
pub fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A parse failure with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

/// Upper bound on nodes produced by one stream, aliases included.
const MAX_NODES: usize = 1_000_000;
/// Upper bound on nesting depth.
const MAX_DEPTH: usize = 256;

enum Frame {
    Seq(Vec<Node>, usize, usize),
    Map(Vec<(String, Node)>, Option<String>, usize, usize),
}

struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    nodes: usize,
    error: Option<YamlError>,
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if self.error.is_some() {
            return;
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.error = Some(YamlError {
                line: node.line,
                message: "document too large".into(),
            });
            return;
        }
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(items, _, _)) => items.push(node),
            Some(Frame::Map(entries, key, _, _)) => match key.take() {
                None => *key = Some(key_text(&node)),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn count_nodes(node: &Node) -> usize {
        match &node.kind {
            NodeKind::Scalar { .. } => 1,
            NodeKind::Seq(v) => 1 + v.iter().map(Self::count_nodes).sum::<usize>(),
            NodeKind::Map(v) => 1 + v.iter().map(|(_, n)| Self::count_nodes(n)).sum::<usize>(),
        }
    }
}

fn key_text(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar { text, .. } => text.clone(),
        _ => format!("{:?}", node.kind),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line();
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                self.push(
                    Node {
                        kind: NodeKind::Scalar { text, plain },
                        line,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error = Some(YamlError {
                        line,
                        message: "nesting too deep".into(),
                    });
                    return;
                }
                self.stack.push(match ev {
                    Event::SequenceStart(..) => Frame::Seq(Vec::new(), anchor, line),
                    _ => Frame::Map(Vec::new(), None, anchor, line),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(items, anchor, line)) => (
                        Node {
                            kind: NodeKind::Seq(items),
                            line,
                        },
                        anchor,
                    ),
                    Some(Frame::Map(entries, _, anchor, line)) => (
                        Node {
                            kind: NodeKind::Map(entries),
                            line,
                        },
                        anchor,
                    ),
                    None => return,
                };
                self.push(node, anchor);
            }
            Event::Alias(id) => {
                let Some(node) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n)
                else {
                    self.error = Some(YamlError {
                        line,
                        message: "unknown alias".into(),
                    });
                    return;
                };
                let node = node.clone();
                self.nodes += Self::count_nodes(&node);
                self.push(node, 0);
            }
            Event::DocumentEnd => {}
            Event::DocumentStart | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
}

/// Parses every document of a YAML stream. Each document's root node is
/// returned with its line. An empty document (`---` alone) yields no node.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder {
        docs: Vec::new(),
        stack: Vec::new(),
        anchors: Vec::new(),
        nodes: 0,
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        return Err(YamlError {
            line: e.marker().line(),
            message: e.info().to_string(),
        });
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_quoting_and_order() {
        let docs = parse_documents("a: 1\nb:\n  - 'x'\n  - y\n---\nc: {d: e}\n").unwrap();
        assert_eq!(docs.len(), 2);
        let m = docs[0].as_map().unwrap();
        assert_eq!(m[0].0, "a");
        assert_eq!(m[1].0, "b");
        assert_eq!(m[1].1.line, 3);
        let NodeKind::Seq(items) = &m[1].1.kind else {
            panic!()
        };
        assert_eq!(
            items[0].kind,
            NodeKind::Scalar {
                text: "x".into(),
                plain: false
            }
        );
        assert_eq!(
            items[1].kind,
            NodeKind::Scalar {
                text: "y".into(),
                plain: true
            }
        );
        assert_eq!(
            docs[1].get("c").unwrap().get("d").unwrap().as_str(),
            Some("e")
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let e = parse_documents("a: 1\nb: [\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            y.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse_documents(&y).is_err());
    }
}
