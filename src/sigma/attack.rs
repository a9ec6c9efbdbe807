//! MITRE ATT&CK tags of a rule (`attack.execution`, `attack.t1059.001`),
//! classified into tactics and techniques: what summaries, coverage reports
//! and hit records group by.

/// One ATT&CK tag, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttackTag {
    /// `attack.<tactic-name>`, e.g. `execution`, `defense-evasion`.
    Tactic(String),
    /// `attack.tNNNN[.NNN]`, written `TNNNN[.NNN]`.
    Technique(String),
}

/// Classifies a rule tag: `attack.execution` is a tactic, `attack.t1059.001`
/// a technique; group (`attack.g0046`), software (`attack.s0002`) and other
/// ATT&CK ids, and tags of other namespaces (`detection.threat-hunting`,
/// `cve.…`), are neither. Case-insensitive; tactics come back lowercase.
pub fn attack_tag(tag: &str) -> Option<AttackTag> {
    let lower = tag.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("attack.")?;
    if is_technique(rest) {
        return Some(AttackTag::Technique(rest.to_ascii_uppercase()));
    }
    // An ATT&CK object id is a letter or two and digits (g0046, s0002,
    // ta0002, m1042, ds0009, c0024): not a tactic name.
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let is_object_id = (1..=2).contains(&letters)
        && rest.len() > letters
        && rest.bytes().skip(letters).all(|b| b.is_ascii_digit());
    let is_name = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        && !rest.starts_with('-');
    (is_name && !is_object_id).then(|| AttackTag::Tactic(rest.replace('_', "-")))
}

fn is_technique(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b't' && digits(&b[1..]),
        9 => b[0] == b't' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

/// The tactics and techniques of a tag list, each once, in tag order.
pub fn attack_of(tags: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut tactics, mut techniques) = (Vec::new(), Vec::new());
    for t in tags {
        match attack_tag(t) {
            Some(AttackTag::Tactic(n)) if !tactics.contains(&n) => tactics.push(n),
            Some(AttackTag::Technique(n)) if !techniques.contains(&n) => techniques.push(n),
            _ => {}
        }
    }
    (tactics, techniques)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_tags() {
        let t = |s: &str| attack_tag(s);
        assert_eq!(
            t("attack.execution"),
            Some(AttackTag::Tactic("execution".into()))
        );
        assert_eq!(
            t("attack.Defense-Evasion"),
            Some(AttackTag::Tactic("defense-evasion".into()))
        );
        assert_eq!(
            t("attack.t1059.001"),
            Some(AttackTag::Technique("T1059.001".into()))
        );
        assert_eq!(
            t("attack.T1106"),
            Some(AttackTag::Technique("T1106".into()))
        );
        for other in [
            "attack.g0046",
            "attack.s0002",
            "attack.ta0002",
            "attack.t1059.01",
            "attack.t10590",
            "attack.",
            "detection.threat-hunting",
            "cve.2021-44228",
            "execution",
        ] {
            assert_eq!(t(other), None, "{other}");
        }
    }

    #[test]
    fn attack_of_dedups_in_tag_order() {
        let tags: Vec<String> = [
            "attack.t1106",
            "attack.execution",
            "attack.t1059.001",
            "attack.execution",
            "attack.T1106",
            "detection.threat-hunting",
        ]
        .map(String::from)
        .to_vec();
        let (tactics, techniques) = attack_of(&tags);
        assert_eq!(tactics, ["execution"]);
        assert_eq!(techniques, ["T1106", "T1059.001"]);
    }
}
