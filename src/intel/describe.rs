//! A compiled rule's gate and prefilter guard in one line of words each,
//! as `rules check` prints them. (`rules explain` gives the longer form.)

use crate::compile::{CompiledRule, GateView, Guard};

/// The logsource gate in words: `none`, the non-Windows gate, `never
/// (why)`, or the clauses as `channel/ids` joined by ` | ` (channels in the
/// case-folded form the gate compares).
pub fn gate(rule: &CompiledRule) -> String {
    match rule.gate_view() {
        GateView::Any => "none".into(),
        GateView::NonWindows => "records that are not Windows event-log records".into(),
        GateView::Never(why) => format!("never ({why})"),
        GateView::Clauses(clauses) => clauses
            .iter()
            .map(|c| {
                let channel = c.channel.to_lowercase();
                if c.event_ids.is_empty() {
                    channel
                } else {
                    let ids: Vec<String> = c.event_ids.iter().map(i64::to_string).collect();
                    format!("{channel}/{}", ids.join(","))
                }
            })
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// How the prefilter selects the rule, in words.
pub fn guard(rule: &CompiledRule) -> String {
    match &rule.guard {
        Guard::Detection(l) => format!("{} detection literal(s)", l.len()),
        Guard::Gate(l) => format!("{} channel literal(s)", l.len()),
        Guard::Always => "always evaluated (no literal)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{CompileOptions, Plan};
    use crate::sigma::RuleSet;

    fn compiled(logsource: &str, detection: &str) -> CompiledRule {
        let mut set = RuleSet::default();
        set.load_text(
            std::path::Path::new("t.yml"),
            &format!("title: t\nlogsource: {logsource}\ndetection: {detection}\n"),
        );
        let mut plan = Plan::from_rules(&set, &CompileOptions::default());
        assert_eq!(plan.rules.len(), 1, "{:?}", plan.errors);
        plan.rules.remove(0)
    }

    #[test]
    fn gates_and_guards_in_words() {
        let r = compiled(
            "{product: windows, category: ps_script}",
            "{sel: {ScriptBlockText|contains: VirtualAlloc}, condition: sel}",
        );
        assert_eq!(
            gate(&r),
            "microsoft-windows-powershell/operational/4104 | powershellcore/operational/4104"
        );
        assert_eq!(guard(&r), "1 detection literal(s)");
        let r = compiled("{product: linux}", "{sel: {X: 1}, condition: not sel}");
        assert_eq!(gate(&r), "records that are not Windows event-log records");
        assert_eq!(guard(&r), "always evaluated (no literal)");
        let r = compiled("{product: windows}", "{sel: {X: 1}, condition: sel}");
        assert_eq!(gate(&r), "none");
    }
}
