//! Which vectors exercise each check SPEC.md names (issue 12: a second implementation must be
//! able to test every check).
//!
//! SPEC.md names checks in words: in bold (`**malformed: field recipient kind**`,
//! `**limit: wrap size**`, `**not a recipient**`, possibly wrapped across a line), in the
//! table of §3.9 (`| misuse: stream failed | … |`), and as italic reasons after
//! `**malformed: CBOR**` in §4.1 (`*non-minimal*`) and after `**malformed: recovery code**`
//! in §7.4 (`*checksum*`). [`spec_names`] reads them and maps the words to the classes
//! `Error::class()` spells ([`class_of`]); [`table`] is the coverage table of
//! test-vectors/README.md, generated from SPEC.md and the vector files, which
//! `tests/vectors.rs` requires to be up to date and complete.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// What a SPEC name maps to: one class, or a family of classes (`malformed: CBOR`, whose
/// reasons are named one by one).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// Exactly this class.
    Class(String),
    /// Any class starting with this prefix.
    Family(String),
}

impl Target {
    pub fn text(&self) -> String {
        match self {
            Target::Class(c) => c.clone(),
            Target::Family(f) => format!("{f}…"),
        }
    }
    fn matches(&self, class: &str) -> bool {
        match self {
            Target::Class(c) => c == class,
            Target::Family(f) => class.starts_with(f.as_str()),
        }
    }
}

/// A check SPEC.md names: the words of its first mention, every section naming it, and its
/// class.
#[derive(Clone, Debug)]
pub struct SpecName {
    pub words: String,
    pub sections: Vec<String>,
    pub target: Target,
}

/// SPEC names that no vector can reach, each with the reason. Keep this as short as honest.
pub const NOT_REACHABLE: &[(&str, &str)] = &[(
    "misuse: stream failed",
    "a stateful misuse: a stream decryptor or encryptor called again after it failed; a \
     vector holds inputs and one outcome, not a call sequence",
)];

/// Emphasis in the sections read that is not a check's name.
pub const NOT_A_NAME: &[(&str, &str)] = &[
    (
        "limit: ...",
        "§4.1 stage 1 stands for the structure's own limit, named where the structure is",
    ),
    ("nullable", "§4.1 stage 3 marks a field that may be null"),
];

const PREFIXES: [(&str, &str); 7] = [
    ("malformed", "malformed"),
    ("authentication", "authentication"),
    ("unsupported", "unsupported"),
    ("limit", "limit_exceeded"),
    ("misuse", "misuse"),
    ("chain", "chain"),
    ("transparency", "transparency"),
];

/// Words as a class path segment: lower case, spaces to `_`, a hyphen before a digit dropped
/// (`UTF-8` → `utf8`), other hyphens to `_` (`non-minimal` → `non_minimal`).
fn snake(words: &str) -> String {
    let lower = words.trim().to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        match c {
            ' ' => out.push('_'),
            '-' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {}
            '-' => out.push('_'),
            c => out.push(*c),
        }
    }
    out
}

/// A SPEC name's words without a trailing parenthetical (`chunk (i)`, `(n−1)`).
fn bare(words: &str) -> &str {
    match words.rfind(" (") {
        Some(i) if words.ends_with(')') => &words[..i],
        _ => words,
    }
}

/// Whether emphasised words name a check (they start with a class's prefix).
fn is_check(words: &str) -> bool {
    words == "not a recipient"
        || PREFIXES
            .iter()
            .any(|(p, _)| words.strip_prefix(p).is_some_and(|r| r.starts_with(": ")))
}

/// The class SPEC words name: `limit: wrap size` → `limit_exceeded/wrap_size`,
/// `malformed: field recipient kind` → `malformed/field/recipient_kind`, `not a recipient` →
/// `not_a_recipient`; `malformed: CBOR` and `malformed: recovery code` are families.
pub fn class_of(words: &str) -> Option<Target> {
    let words = bare(words);
    if words == "not a recipient" {
        return Some(Target::Class("not_a_recipient".into()));
    }
    let (kind, rest) = words.split_once(": ")?;
    let (_, path) = PREFIXES.iter().find(|(p, _)| *p == kind)?;
    let rest = rest.trim();
    Some(match (*path, rest) {
        ("malformed", "CBOR") => Target::Family("malformed/cbor/".into()),
        ("malformed", "recovery code") => Target::Family("malformed/recovery_code/".into()),
        ("malformed", r) if r.starts_with("field ") => {
            Target::Class(format!("malformed/field/{}", snake(&r[6..])))
        }
        (p, r) => Target::Class(format!("{p}/{}", snake(r))),
    })
}

/// Emphasised spans of `text`: bold (`**…**`) when `bold`, else italic (`*…*` not part of a
/// bold marker), with whitespace (line breaks included) collapsed.
fn spans(text: &str, bold: bool) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'*' {
            i += 1;
            continue;
        }
        let double = b.get(i + 1) == Some(&b'*');
        if bold && double {
            if let Some(end) = text[i + 2..].find("**") {
                let inner = &text[i + 2..i + 2 + end];
                out.push((i, inner.split_whitespace().collect::<Vec<_>>().join(" ")));
                i += end + 4;
                continue;
            }
            break;
        }
        if double {
            // Skip a whole bold span when reading italics.
            match text[i + 2..].find("**") {
                Some(end) => i += end + 4,
                None => break,
            }
            continue;
        }
        // An italic span may wrap across one line break, like a bold one.
        if !bold
            && b.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace())
            && let Some(end) = text[i + 1..].find('*')
        {
            let inner = &text[i + 1..i + 1 + end];
            if inner.matches('\n').count() <= 1 {
                out.push((i, inner.split_whitespace().collect::<Vec<_>>().join(" ")));
            }
            i += end + 2;
            continue;
        }
        i += 1;
    }
    out
}

/// The sections of SPEC.md before appendix A: `(number, text)`.
fn sections(spec: &str) -> Vec<(String, String)> {
    let body = spec.split("\n## Appendix").next().unwrap_or(spec);
    let mut out: Vec<(String, String)> = vec![(String::new(), String::new())];
    for line in body.lines() {
        let heading = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "));
        if let Some(h) = heading {
            let number = h.split_whitespace().next().unwrap_or("");
            out.push((number.trim_end_matches('.').to_string(), String::new()));
            continue;
        }
        if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

/// Every check SPEC.md names, in order of first mention, one entry per class.
pub fn spec_names(spec: &str) -> Vec<SpecName> {
    let mut names: Vec<SpecName> = Vec::new();
    let mut add = |words: &str, section: &str, target: Target| match names
        .iter_mut()
        .find(|n| n.target == target)
    {
        Some(n) => {
            if !n.sections.iter().any(|s| s == section) {
                n.sections.push(section.to_string());
            }
        }
        None => names.push(SpecName {
            words: words.to_string(),
            sections: vec![section.to_string()],
            target,
        }),
    };
    for (section, text) in sections(spec) {
        for (_, words) in spans(&text, true) {
            if is_check(&words)
                && !NOT_A_NAME.iter().any(|(n, _)| *n == words)
                && let Some(t) = class_of(&words)
            {
                add(&words, &section, t);
            }
        }
        if section == "3.9" {
            for line in text.lines() {
                let cell = line.trim_start_matches('|').split('|').next().unwrap_or("");
                let words = cell.trim();
                if line.starts_with('|')
                    && is_check(words)
                    && let Some(t) = class_of(words)
                {
                    add(words, &section, t);
                }
            }
        }
        let family = match section.as_str() {
            "4.1" => Some("malformed/cbor/"),
            "7.4" => Some("malformed/recovery_code/"),
            _ => None,
        };
        if let Some(prefix) = family {
            for (_, words) in spans(&text, false) {
                if NOT_A_NAME.iter().any(|(n, _)| *n == words) {
                    continue;
                }
                let t = Target::Class(format!("{prefix}{}", snake(&words)));
                add(&format!("*{words}*"), &section, t);
            }
        }
    }
    names
}

/// Emphasised words in the checked places that look like names but map to no class (for
/// the test: a SPEC typo is reported, never silently skipped).
pub fn unmapped(spec: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, text) in sections(spec) {
        for (_, words) in spans(&text, true) {
            if is_check(&words) && class_of(&words).is_none() {
                out.push(words);
            }
        }
    }
    out
}

/// Every negative case's class, with the cases by operation: class → operation → names.
pub type Expected = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

pub fn expected_errors(docs: &[Value]) -> Expected {
    let mut out = Expected::new();
    for doc in docs {
        let op = doc["operation"].as_str().unwrap_or("?").to_string();
        for case in doc["cases"].as_array().into_iter().flatten() {
            if let (Some(class), Some(name)) =
                (case["expected_error"].as_str(), case["name"].as_str())
            {
                out.entry(class.to_string())
                    .or_default()
                    .entry(op.clone())
                    .or_default()
                    .insert(name.to_string());
            }
        }
    }
    out
}

/// The vectors of a target: operation → names.
fn vectors_of(target: &Target, expected: &Expected) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (class, by_op) in expected {
        if target.matches(class) {
            for (op, names) in by_op {
                out.entry(op.clone())
                    .or_default()
                    .extend(names.iter().cloned());
            }
        }
    }
    out
}

/// Whether some negative case expects `target`.
pub fn covered(target: &Target, docs: &[Value]) -> bool {
    !vectors_of(target, &expected_errors(docs)).is_empty()
}

/// SPEC names with no vector that `NOT_REACHABLE` does not excuse.
pub fn missing(spec: &str, docs: &[Value]) -> Vec<String> {
    let expected = expected_errors(docs);
    spec_names(spec)
        .into_iter()
        .filter(|n| vectors_of(&n.target, &expected).is_empty())
        .filter(|n| !NOT_REACHABLE.iter().any(|(w, _)| *w == n.words))
        .map(|n| {
            format!(
                "{} ({}, §{})",
                n.words,
                n.target.text(),
                n.sections.join(", §")
            )
        })
        .collect()
}

fn cell(by_op: &BTreeMap<String, BTreeSet<String>>) -> String {
    by_op
        .iter()
        .map(|(op, names)| {
            format!(
                "`{op}`: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The coverage table of test-vectors/README.md: every check SPEC.md names, its class and
/// the negative cases that expect it (by operation, each name once whatever the suite);
/// then the classes the vectors expect that SPEC.md names nowhere in bold.
pub fn table(spec: &str, docs: &[Value]) -> String {
    let expected = expected_errors(docs);
    let names = spec_names(spec);
    let mut out = String::from("| § | SPEC.md | class | negative vectors |\n|---|---|---|---|\n");
    for n in &names {
        let by_op = vectors_of(&n.target, &expected);
        let vectors = if by_op.is_empty() {
            NOT_REACHABLE
                .iter()
                .find(|(w, _)| *w == n.words)
                .map_or_else(|| "**none**".to_string(), |(_, why)| format!("none: {why}"))
        } else {
            cell(&by_op)
        };
        out.push_str(&format!(
            "| {} | {} | `{}` | {} |\n",
            n.sections.join(", "),
            n.words,
            n.target.text(),
            vectors
        ));
    }
    let unnamed: Vec<(&String, &BTreeMap<String, BTreeSet<String>>)> = expected
        .iter()
        .filter(|(class, _)| !names.iter().any(|n| n.target.matches(class)))
        .collect();
    if !unnamed.is_empty() {
        out.push_str(
            "\nClasses the vectors expect that SPEC.md does not name in bold:\n\n\
             | class | negative vectors |\n|---|---|\n",
        );
        for (class, by_op) in unnamed {
            out.push_str(&format!("| `{class}` | {} |\n", cell(by_op)));
        }
    }
    out
}
