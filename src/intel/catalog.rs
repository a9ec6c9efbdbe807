//! What every report shares: a [`Catalog`], the compiled rule set with each
//! compiled rule paired with the Sigma rule it came from, and the lookup of
//! rules by id, name or file.

use std::collections::HashMap;
use std::path::Path;

use crate::compile::{CompiledRule, Plan};
use crate::sigma::{Rule, RuleSet};

/// A compiled rule set with, for every compiled rule, the Sigma rule it was
/// compiled from.
pub struct Catalog<'a> {
    /// The parsed rules (and filters).
    pub set: &'a RuleSet,
    /// The compiled plan.
    pub plan: &'a Plan,
    /// `sources[i]` is the Sigma rule of `plan.rules[i]`.
    pub sources: Vec<&'a Rule>,
}

impl<'a> Catalog<'a> {
    /// Pairs each compiled rule with its source. A rule document is named by
    /// its file and first line, which `Plan::from_rules` keeps in the meta.
    pub fn new(set: &'a RuleSet, plan: &'a Plan) -> Catalog<'a> {
        let by_doc: HashMap<(&Path, usize), &Rule> = set
            .rules
            .iter()
            .map(|r| ((r.file.as_path(), r.line), r))
            .collect();
        let sources = plan
            .rules
            .iter()
            .map(|c| {
                *by_doc
                    .get(&(c.meta.file.as_path(), c.meta.line))
                    .expect("BUG: a compiled rule comes from a loaded rule document")
            })
            .collect();
        Catalog { set, plan, sources }
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.plan.rules.len()
    }

    /// Whether no rule compiled.
    pub fn is_empty(&self) -> bool {
        self.plan.rules.is_empty()
    }

    /// The compiled rule `i` and its source.
    pub fn rule(&self, i: usize) -> (&'a CompiledRule, &'a Rule) {
        (&self.plan.rules[i], self.sources[i])
    }

    /// The rules `query` names, in load order: those whose id, `name` or
    /// reported id equals it; else those loaded from the file it names; else
    /// those whose id starts with it (case-insensitive, 4 characters at least,
    /// so a short id prefix copied from a hit works).
    pub fn find(&self, query: &str) -> Vec<usize> {
        let q = query.trim();
        let exact: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let (c, r) = self.rule(i);
                c.meta.id == q || r.id.as_deref() == Some(q) || r.name.as_deref() == Some(q)
            })
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        let path = Path::new(q);
        let canon = std::fs::canonicalize(path).ok();
        let by_file: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let f = &self.plan.rules[i].meta.file;
                f == path
                    || canon
                        .as_ref()
                        .is_some_and(|c| std::fs::canonicalize(f).is_ok_and(|g| &g == c))
            })
            .collect();
        if !by_file.is_empty() || q.chars().count() < 4 {
            return by_file;
        }
        let lower = q.to_lowercase();
        (0..self.len())
            .filter(|&i| {
                self.plan.rules[i]
                    .meta
                    .id
                    .to_lowercase()
                    .starts_with(&lower)
            })
            .collect()
    }
}
