//! Values the built-in Security alternatives write in another form.
//!
//! A `process_creation`, `network_connection` or registry rule is written
//! against Sysmon's fields; its gate also admits the Security events that log
//! the same activity (4688, 5156, 4657), reading renamed fields
//! (`sigma::logsource`, e.g. `IntegrityLevel` → `MandatoryLabel`). Some of
//! those fields hold the same fact in another form: 4688 writes the
//! integrity level as a SID, 5156 the direction as a message id, 4657 the
//! operation as a message id. A rule value in Sysmon's form would never
//! match there.
//!
//! Where the mapping is exact, this module adds the Security form of each
//! plain value as one more alternative of the same item, the way
//! pySigma-pipeline-windows' `windows_audit_pipeline` and the Hayabusa
//! converter rewrite rules for these events:
//!
//! | Sigma field | Security field | values |
//! |---|---|---|
//! | `IntegrityLevel` | 4688 `MandatoryLabel` | Untrusted, Low, Medium, High, System → `S-1-16-0`, `-4096`, `-8192`, `-12288`, `-16384` |
//! | `Initiated` | 5156 `Direction` | `true` → `%%14593` (Outbound), `false` → `%%14592` (Inbound) |
//! | `EventType` | 4657 `OperationType` | `SetValue` → `%%1904` (new value), `%%1905` (existing value modified); `DeleteValue` → `%%1906` |
//!
//! The `%%` ids were checked against the rendered messages of the Mordor
//! 5156 events (2,113 `%%14593` "Outbound", 280 `%%14592` "Inbound").
//! The alternatives are added to the item itself, not per clause, so on the
//! Sysmon clause the Security forms are accepted too; Sysmon never writes a
//! SID or a `%%` id in those fields, and a rule listing both forms (many
//! SigmaHQ rules list `System` and `S-1-16-16384`) means the same thing. The added values are ordinary values, so the prefilter's literals
//! include them and stay sound.
//!
//! Where no exact mapping exists, the value is left alone and a note says
//! the item cannot match on that Security event (`rules explain` shows it):
//! a Sysmon-only registry operation (`CreateKey`, `RenameKey`, …), a program
//! path with a drive letter on 5156 (its `Application` is a device path,
//! `\device\harddiskvolume2\…`; the volume number cannot be known), a typed
//! registry value (`DWORD (0x…)`, 4657 writes the data and its type apart),
//! a `User` with a domain or the `NT AUTHORITY` name (4688's
//! `SubjectUserName` has neither), a quoted process id (4688 writes ids in
//! hex; an unquoted integer already matches the hex text), or a translated
//! field under modifiers.

use std::borrow::Cow;

use crate::sigma::value::Value;
use crate::sigma::{Detection, Item};

/// `(sigma field, Security field, [(Sigma value, Security values)])`.
type Table = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
);

const TABLES: &[Table] = &[
    (
        "IntegrityLevel",
        "MandatoryLabel",
        &[
            ("Untrusted", &["S-1-16-0"]),
            ("Low", &["S-1-16-4096"]),
            ("Medium", &["S-1-16-8192"]),
            ("High", &["S-1-16-12288"]),
            ("System", &["S-1-16-16384"]),
        ],
    ),
    (
        "Initiated",
        "Direction",
        &[("true", &["%%14593"]), ("false", &["%%14592"])],
    ),
    (
        "EventType",
        "OperationType",
        &[
            ("SetValue", &["%%1904", "%%1905"]),
            ("DeleteValue", &["%%1906"]),
        ],
    ),
];

/// A renamed field whose values cannot be translated, and why a value of it
/// may not match.
fn untranslatable(from: &str, to: &str, value: &str) -> Option<&'static str> {
    match (from, to) {
        ("Details", "NewValue") => {
            let v = value.trim_start();
            let typed = ["DWORD (", "QWORD (", "Binary Data"]
                .iter()
                .any(|p| v.len() >= p.len() && v[..p.len()].eq_ignore_ascii_case(p));
            typed.then_some(
                "4657 writes the value's data and its type apart (NewValue, NewValueType), \
                 not Sysmon's typed form",
            )
        }
        ("User", "SubjectUserName") => {
            let upper = value.to_ascii_uppercase();
            (value.contains('\\') || upper.contains("AUTHORI") || upper.contains("AUTORI"))
                .then_some("4688's SubjectUserName holds the account name without its domain")
        }
        ("Image", "Application") => {
            // `C:\…` or `?:\…` (any drive): 5156 names the program by its
            // device path, `\device\harddiskvolume2\windows\…`.
            let b = value.as_bytes();
            let drive = b.len() >= 3
                && (b[0].is_ascii_alphabetic() || b[0] == b'?' || b[0] == b'*')
                && b[1] == b':'
                && b[2] == b'\\';
            drive.then_some(
                "5156 names the program by its device path (\\device\\harddiskvolumeN\\…), \
                 not by drive letter",
            )
        }
        ("ProcessId", "NewProcessId") | ("ParentProcessId", "ProcessId") => Some(
            "4688 writes process ids in hex (`0x1a2c`); only an unquoted integer is compared by value",
        ),
        _ => None,
    }
}

/// Translates `det` for the renames of the rule's gate clauses,
/// `(clause name, [(sigma field, event field)])`: the detection with the
/// Security forms added (borrowed when nothing changed). A note per value
/// that cannot match on such an event goes to `notes`.
pub(super) fn translate<'a>(
    det: &'a Detection,
    clauses: &[(String, Vec<(String, String)>)],
    notes: &mut Vec<String>,
) -> Cow<'a, Detection> {
    let mut out: Option<Detection> = None;
    for (si, search) in det.searches.iter().enumerate() {
        for (ai, alt) in search.alternatives.iter().enumerate() {
            for (ii, item) in alt.iter().enumerate() {
                let Some(field) = item.field.as_deref() else {
                    continue;
                };
                for (clause, renames) in clauses {
                    let Some((_, to)) = renames.iter().find(|(from, _)| from == field) else {
                        continue;
                    };
                    if let Some(extra) = item_values(item, field, to, clause, notes)
                        && !extra.is_empty()
                    {
                        let d = out.get_or_insert_with(|| det.clone());
                        d.searches[si].alternatives[ai][ii].values.extend(extra);
                    }
                }
            }
        }
    }
    out.map_or(Cow::Borrowed(det), Cow::Owned)
}

/// The Security forms to add to `item` (a `field` read as `to` on
/// `clause`), or `None` when `field` has no table; notes for values that
/// cannot match there.
fn item_values(
    item: &Item,
    field: &str,
    to: &str,
    clause: &str,
    notes: &mut Vec<String>,
) -> Option<Vec<Value>> {
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::Str { raw, .. } => Some(raw.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(_) | Value::Null => None,
        }
    };
    let note = |value: &str, why: &str| {
        format!(
            "line {}: `{field}` reads `{to}` on {clause}: value `{value}` cannot match there ({why})",
            item.line
        )
    };
    let Some((_, _, table)) = TABLES.iter().find(|(f, t, _)| *f == field && *t == to) else {
        for v in &item.values {
            let quoted_id = matches!(v, Value::Str { .. });
            let Some(t) = text(v) else { continue };
            if let Some(why) = untranslatable(field, to, &t) {
                let is_pid = field.ends_with("ProcessId");
                if !is_pid || quoted_id {
                    notes.push(note(&t, why));
                }
            }
        }
        return None;
    };
    if !item.modifiers.is_empty() {
        notes.push(format!(
            "line {}: `{field}` reads `{to}` on {clause}: values under modifiers are not \
             translated to its form",
            item.line
        ));
        return Some(Vec::new());
    }
    let mut extra = Vec::new();
    for v in &item.values {
        let Some(t) = text(v) else { continue };
        match table.iter().find(|(k, _)| k.eq_ignore_ascii_case(t.trim())) {
            Some((_, forms)) => {
                extra.extend(forms.iter().map(|f| Value::from_scalar(f, false)));
            }
            // Already in the Security form (rules often list both).
            None if table
                .iter()
                .any(|(_, forms)| forms.iter().any(|f| f.eq_ignore_ascii_case(t.trim()))) => {}
            None => notes.push(note(&t, "no known form in that field")),
        }
    }
    Some(extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::RuleSet;
    use std::path::Path;

    fn detection(yaml: &str) -> Detection {
        let mut set = RuleSet::default();
        set.load_text(Path::new("t.yml"), yaml);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        set.rules.remove(0).detection
    }

    fn values(d: &Detection, search: usize, item: usize) -> Vec<String> {
        d.searches[search].alternatives[0][item]
            .values
            .iter()
            .map(|v| match v {
                Value::Str { raw, .. } => raw.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn clauses_4688() -> Vec<(String, Vec<(String, String)>)> {
        vec![(
            "Security 4688".to_string(),
            [
                ("IntegrityLevel", "MandatoryLabel"),
                ("User", "SubjectUserName"),
                ("ProcessId", "NewProcessId"),
            ]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        )]
    }

    #[test]
    fn integrity_levels_gain_their_sid() {
        let d = detection(
            "title: t\nlogsource: {product: windows, category: process_creation}\n\
             detection:\n  sel:\n    IntegrityLevel:\n      - High\n      - 'S-1-16-12288'\n      - system\n\
             \x20 other:\n    IntegrityLevel: Bogus\n  condition: sel or other\n",
        );
        let mut notes = Vec::new();
        let t = translate(&d, &clauses_4688(), &mut notes);
        assert_eq!(
            values(&t, 0, 0),
            [
                "High",
                "S-1-16-12288",
                "system",
                "S-1-16-12288",
                "S-1-16-16384"
            ]
        );
        assert_eq!(values(&t, 1, 0), ["Bogus"]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("`Bogus` cannot match"), "{notes:?}");
        // The source detection is untouched.
        assert_eq!(values(&d, 0, 0), ["High", "S-1-16-12288", "system"]);
    }

    #[test]
    fn initiated_and_event_type() {
        let d = detection(
            "title: t\nlogsource: {product: windows, category: network_connection}\n\
             detection:\n  sel:\n    Initiated: 'true'\n  reg:\n    EventType:\n      - SetValue\n      - CreateKey\n\
             \x20 condition: sel or reg\n",
        );
        let clauses = vec![
            (
                "Security 5156".to_string(),
                vec![("Initiated".to_string(), "Direction".to_string())],
            ),
            (
                "Security 4657".to_string(),
                vec![("EventType".to_string(), "OperationType".to_string())],
            ),
        ];
        let mut notes = Vec::new();
        let t = translate(&d, &clauses, &mut notes);
        assert_eq!(values(&t, 0, 0), ["true", "%%14593"]);
        assert_eq!(
            values(&t, 1, 0),
            ["SetValue", "CreateKey", "%%1904", "%%1905"]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("`CreateKey`"), "{notes:?}");
    }

    #[test]
    fn drive_letter_paths_on_5156_are_noted() {
        let d = detection(
            "title: t\nlogsource: {product: windows, category: network_connection}\n\
             detection:\n  sel:\n    Image|endswith: '\\lsass.exe'\n  f:\n    Image: 'C:\\Windows\\System32\\lsass.exe'\n\
             \x20 condition: sel and not f\n",
        );
        let clauses = vec![(
            "Security 5156".to_string(),
            vec![("Image".to_string(), "Application".to_string())],
        )];
        let mut notes = Vec::new();
        let t = translate(&d, &clauses, &mut notes);
        assert!(matches!(t, Cow::Borrowed(_)));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("device path"), "{notes:?}");
    }

    #[test]
    fn untranslatable_values_are_noted() {
        let d = detection(
            "title: t\nlogsource: {product: windows, category: process_creation}\n\
             detection:\n  sel:\n    User|contains: 'AUTHORI'\n    ProcessId: 4242\n  q:\n    ProcessId: '4242'\n\
             \x20 lvl:\n    IntegrityLevel|contains: High\n  condition: sel or q or lvl\n",
        );
        let mut notes = Vec::new();
        let t = translate(&d, &clauses_4688(), &mut notes);
        assert!(matches!(t, Cow::Borrowed(_)));
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("SubjectUserName"), "{notes:?}");
        assert!(
            notes[1].contains("`4242`") && notes[1].contains("hex"),
            "{notes:?}"
        );
        assert!(notes[2].contains("modifiers"), "{notes:?}");
    }
}
