//! The text form of an [`Explanation`] (`rules explain` without `--json`).

use super::*;

/// A search or a negated search: the condition text says it all.
pub(super) fn trivial(n: &CondNode) -> bool {
    match n {
        CondNode::Search { .. } => true,
        CondNode::Not { arg } => trivial(arg),
        _ => false,
    }
}

pub(super) fn has_not(n: &CondNode) -> bool {
    match n {
        CondNode::Not { .. } => true,
        CondNode::And { args } | CondNode::Or { args } => args.iter().any(has_not),
        _ => false,
    }
}

/// Wraps words into lines of at most `width` characters.
pub(super) fn wrap(words: &[String], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in words {
        if !cur.is_empty() && cur.chars().count() + 2 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push_str("  ");
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn tree_lines(n: &CondNode, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match n {
        CondNode::Search { name } => out.push_str(&format!("{pad}{name}\n")),
        CondNode::And { args } | CondNode::Or { args } => {
            let word = if matches!(n, CondNode::And { .. }) {
                "all of"
            } else {
                "any of"
            };
            out.push_str(&format!("{pad}{word}:\n"));
            for a in args {
                tree_lines(a, depth + 1, out);
            }
        }
        CondNode::Not { arg } => {
            out.push_str(&format!("{pad}not:\n"));
            tree_lines(arg, depth + 1, out);
        }
        CondNode::OneOf { pattern, searches } | CondNode::AllOf { pattern, searches } => {
            let word = if matches!(n, CondNode::AllOf { .. }) {
                "all of"
            } else {
                "1 of"
            };
            out.push_str(&format!("{pad}{word} {pattern}: {}\n", searches.join(", ")));
        }
    }
}

fn predicate_lines(p: &Predicate, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let field = crate::intel::indicators::field_text(&p.field);
    let op = if p.all {
        format!("{}|all", p.operator)
    } else {
        p.operator.clone()
    };
    let values: Vec<String> = p
        .values
        .iter()
        .map(crate::intel::indicators::value_text)
        .collect();
    if let [v] = values.as_slice() {
        out.push_str(&format!("{pad}{field} {op} {v}\n"));
        return;
    }
    let how = if p.all { "all" } else { "any" };
    out.push_str(&format!(
        "{pad}{field} {op}, {how} of {} values:\n",
        values.len()
    ));
    for v in values {
        out.push_str(&format!("{pad}    {v}\n"));
    }
}

pub(super) fn stages_text(stages: &[Stage], out: &mut String) {
    for st in stages {
        match st {
            Stage::Condition {
                stage,
                conditions,
                tree,
            } => {
                out.push_str(&format!("Stage {stage}: condition\n"));
                for (text, node) in conditions.iter().zip(tree) {
                    out.push_str(&format!("  {text}\n"));
                    // `selection` or `not filter` needs no tree.
                    if !trivial(node) {
                        tree_lines(node, 2, out);
                    }
                }
                out.push('\n');
            }
            Stage::Search {
                stage,
                name,
                literals,
                alternatives,
                ..
            } => {
                out.push_str(&format!("Stage {stage}: {name}\n"));
                let several = alternatives.len() > 1;
                if several {
                    out.push_str(&format!("  any of {} alternatives:\n", alternatives.len()));
                }
                for (k, alt) in alternatives.iter().enumerate() {
                    let mut depth = 1;
                    if several {
                        out.push_str(&format!("    alternative {}:\n", k + 1));
                        depth = 3;
                    }
                    if alt.len() > 1 {
                        out.push_str(&format!("{}all of:\n", "  ".repeat(depth)));
                        depth += 1;
                    }
                    for p in alt {
                        predicate_lines(p, depth, out);
                    }
                }
                let quoted = |l: &[String]| {
                    l.iter()
                        .map(|x| format!("\"{x}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match literals.as_deref() {
                    Some([one]) => {
                        out.push_str(&format!("  prefilter: every match holds \"{one}\"\n"))
                    }
                    Some(l) if l.len() <= 6 => out.push_str(&format!(
                        "  prefilter: every match holds one of {}\n",
                        quoted(l)
                    )),
                    Some(l) => out.push_str(&format!(
                        "  prefilter: every match holds one of {} literals\n",
                        l.len()
                    )),
                    None => out.push_str("  prefilter: a match needs no fixed text\n"),
                }
                out.push('\n');
            }
        }
    }
}

impl Explanation {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n\n", self.title);
        let mut head = Table::new(&["", ""]);
        head.row(vec!["id".into(), self.id.clone()]);
        head.row(vec!["file".into(), format!("{}:{}", self.file, self.line)]);
        if let Some(st) = &self.status {
            head.row(vec!["status".into(), st.clone()]);
        }
        if let Some(l) = &self.level {
            head.row(vec!["level".into(), l.clone()]);
        }
        if !self.tags.is_empty() {
            head.row(vec!["tags".into(), self.tags.join(", ")]);
        }
        head.render(&mut s, 2);

        s.push_str("\nMITRE ATT&CK coverage\n");
        if self.attack.tactics.is_empty() && self.attack.techniques.is_empty() {
            s.push_str("  (no ATT&CK tags)\n");
        } else {
            let mut t = Table::new(&["", ""]);
            if !self.attack.tactics.is_empty() {
                t.row(vec!["tactics".into(), self.attack.tactics.join(", ")]);
            }
            if !self.attack.techniques.is_empty() {
                t.row(vec!["techniques".into(), self.attack.techniques.join(", ")]);
            }
            t.render(&mut s, 2);
        }

        s.push_str("\nEvent coverage\n");
        let ls = &self.logsource;
        let parts: Vec<String> = [
            ("product", &ls.product),
            ("category", &ls.category),
            ("service", &ls.service),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
        s.push_str(&format!(
            "  logsource  {}\n",
            if parts.is_empty() {
                "(none)".to_string()
            } else {
                parts.join(", ")
            }
        ));
        let g = &self.compiled.gate;
        match g.kind {
            "channels" => {
                // The renames column only when some clause renames fields.
                let renaming = g.clauses.iter().any(|c| !c.renames.is_empty());
                let mut t = if renaming {
                    Table::new(&["channel", "EventID", "field renames"])
                } else {
                    Table::new(&["channel", "EventID"])
                };
                for c in &g.clauses {
                    let ids = if c.event_ids.is_empty() {
                        "any".to_string()
                    } else {
                        c.event_ids
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let renames = c
                        .renames
                        .iter()
                        .map(|[a, b]| format!("{a}→{b}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let mut row = vec![c.channel.clone(), ids];
                    if renaming {
                        row.push(renames);
                    }
                    t.row(row);
                }
                s.push('\n');
                t.render(&mut s, 2);
            }
            _ => s.push_str(&format!("  events     {}\n", g.text)),
        }

        s.push_str("\nStages and predicates\n\n");
        stages_text(&self.stages, &mut s);
        for f in &self.filters {
            s.push_str(&format!(
                "Filter: {} ({}:{}), must also hold\n\n",
                f.title, f.file, f.line
            ));
            stages_text(&f.stages, &mut s);
        }

        s.push_str(
            "Indicators (corpus: how many loaded rules look for the same field, operator and \
             value, this one included)\n",
        );
        crate::intel::indicators::render_rows(&self.indicators, &mut s, 2);

        s.push_str("\nCompiled\n");
        let mut t = Table::new(&["", ""]);
        if g.kind == "channels" {
            // One line per clause, channels as Windows spells them.
            for (k, c) in g.clauses.iter().enumerate() {
                let mut line = format!("Channel {}", c.channel);
                if !c.event_ids.is_empty() {
                    let ids: Vec<String> = c.event_ids.iter().map(i64::to_string).collect();
                    line.push_str(&format!(" and EventID {}", ids.join("/")));
                }
                if k + 1 < g.clauses.len() {
                    line.push_str(", or");
                }
                let key = if k == 0 { "gate" } else { "" };
                t.row(vec![key.into(), line]);
            }
            t.row(vec![
                String::new(),
                "(Channel compared case-insensitively; checked before the detection)".into(),
            ]);
        } else {
            t.row(vec!["gate".into(), g.text.clone()]);
        }
        let p = &self.compiled.prefilter;
        let what = match p.by {
            "detection" => format!(
                "{} detection literal(s), searched ASCII-caseless in the raw line:",
                p.literals.len()
            ),
            "channel" => format!(
                "{} channel literal(s), searched ASCII-caseless in the raw line:",
                p.literals.len()
            ),
            _ => "none".to_string(),
        };
        t.row(vec!["prefilter".into(), what]);
        let lines = wrap(&p.literals, 88);
        for l in &lines {
            t.row(vec![String::new(), l.clone()]);
        }
        t.row(vec![
            "always evaluated".into(),
            if self.compiled.always_evaluated {
                "yes".into()
            } else {
                "no".into()
            },
        ]);
        t.row(vec!["why".into(), self.compiled.reason.clone()]);
        for (i, note) in self.compiled.values.iter().enumerate() {
            let key = if i == 0 { "values" } else { "" };
            t.row(vec![key.into(), note.clone()]);
        }
        t.render(&mut s, 2);
        s
    }
}
