//! `mailseal inspect`: what the bytes are, every field by SPEC.md's name, and the outcome of
//! every key-free check the library offers for that structure; `--compare`: where two inputs
//! first differ.
//!
//! Recognition reads the input with the lenient reader of [`crate::cbor`] and compares its
//! keys with SPEC.md's structures ([`crate::schema`]); a structure with a key too many, too
//! few or of another type is still recognised (the library's checks then say what is wrong),
//! as long as most of its keys are SPEC.md's. Bytes that are not one CBOR item and have a
//! length a piece can have are a sealed piece: a piece has no marker, so that is all there is
//! to recognise it by. Text that starts with a public record's prefix is that record's text
//! form (§5.6).

pub mod checks;
pub mod fields;
mod piece;

use mailseal::keys::{DEVICE_TEXT_PREFIX, PUK_TEXT_PREFIX};
use mailseal::piece::plaintext_len;

use crate::cbor::{self, Node, Value};
use crate::report::{J, failure};
use crate::schema::{
    BATCH, BATCH_ITEMS, DEVICE_RECORD, DEVICE_TEXT, Kind, PIECE, PUK_RECORD, PUK_TEXT, SEGMENT,
    SEGMENT_ITEMS, STRUCTURES, Shape,
};
use fields::Place;

/// A structure inspect knows.
#[derive(Clone, Copy)]
pub enum Structure {
    Map(&'static Shape),
    Segment,
    Batch,
    Piece,
    /// The text form of a public record: the record's shape.
    Text(&'static Shape),
}

impl Structure {
    /// Every structure, in the order they are tried.
    fn all() -> impl Iterator<Item = Structure> {
        STRUCTURES
            .iter()
            .copied()
            .map(Structure::Map)
            .chain([Structure::Segment, Structure::Batch, Structure::Piece])
            .chain([&DEVICE_RECORD, &PUK_RECORD].map(Structure::Text))
    }

    pub fn name(self) -> &'static str {
        match self {
            Structure::Map(s) => s.name,
            Structure::Segment => SEGMENT.0,
            Structure::Batch => BATCH.0,
            Structure::Piece => PIECE.0,
            Structure::Text(s) if std::ptr::eq(s, &DEVICE_RECORD) => DEVICE_TEXT.0,
            Structure::Text(_) => PUK_TEXT.0,
        }
    }

    pub fn spec(self) -> &'static str {
        match self {
            Structure::Map(s) => s.spec,
            Structure::Segment => SEGMENT.1,
            Structure::Batch => BATCH.1,
            Structure::Piece => PIECE.1,
            Structure::Text(_) => DEVICE_TEXT.1,
        }
    }

    /// The first step of a field's path: the name in snake case.
    fn root(self) -> String {
        self.name().replace(',', "").replace([' ', '-'], "_")
    }
}

/// A recognised input.
pub struct Reading {
    pub structure: Structure,
    /// The input as the lenient reader read it (not for a piece).
    pub node: Option<Node>,
    /// How its keys differ from SPEC.md's, if they do.
    pub differs: Option<String>,
}

/// Whether `node` has the type a field of `kind` has (`null` fits every nullable field; the
/// library says which are not).
fn fits(kind: &Kind, node: &Node) -> bool {
    matches!(
        (kind, &node.value),
        (_, Value::Null)
            | (Kind::Uint | Kind::Code(_) | Kind::Suite, Value::Uint(_))
            | (Kind::Text, Value::Text(_) | Value::BadText)
            | (Kind::Bytes | Kind::Cbor(_) | Kind::Payload, Value::Bytes)
            | (Kind::Map(_), Value::Map(_))
            | (Kind::List(_), Value::Array(_))
    )
}

/// How far a map's keys are from `shape`'s: a count, and the differences in words.
fn distance(shape: &Shape, node: &Node) -> (usize, String) {
    let Value::Map(entries) = &node.value else {
        return (usize::MAX, String::new());
    };
    let (mut missing, mut other_type) = (Vec::new(), Vec::new());
    for f in shape.fields {
        match node.field(f.key) {
            None => missing.push(f.key.to_string()),
            Some(v) if !fits(&f.kind, v) => other_type.push(f.key.to_string()),
            Some(_) => {}
        }
    }
    let unknown: Vec<String> = entries
        .iter()
        .filter(|(k, _)| k.text().and_then(|t| shape.field(t)).is_none())
        .map(|(k, _)| {
            k.text()
                .map_or_else(|| "(not text)".into(), |t| format!("{t:?}"))
        })
        .collect();
    let words = [
        ("missing", &missing),
        ("unknown", &unknown),
        ("of another type", &other_type),
    ]
    .iter()
    .filter(|(_, keys)| !keys.is_empty())
    .map(|(what, keys)| format!("{what}: {}", keys.join(", ")))
    .collect::<Vec<_>>()
    .join("; ");
    (missing.len() + unknown.len() + other_type.len(), words)
}

/// The text of a public record's text form (a final line break aside), and its shape.
pub fn text_form(input: &[u8]) -> Option<(&str, &'static Shape)> {
    let text = std::str::from_utf8(input)
        .ok()?
        .trim_end_matches(['\n', '\r']);
    if text.starts_with(DEVICE_TEXT_PREFIX) {
        Some((text, &DEVICE_RECORD))
    } else if text.starts_with(PUK_TEXT_PREFIX) {
        Some((text, &PUK_RECORD))
    } else {
        None
    }
}

/// What the input is, if inspect knows it; else what it looks like.
pub fn recognise(input: &[u8]) -> Result<Reading, String> {
    if let Some((_, shape)) = text_form(input) {
        return Ok(Reading {
            structure: Structure::Text(shape),
            node: None,
            differs: None,
        });
    }
    let read = cbor::read(input, 0, input.len());
    if let Ok(node) = &read
        && let Some((structure, differs)) = shape_of(node)
    {
        return Ok(Reading {
            structure,
            node: read.ok(),
            differs,
        });
    }
    let whole_cbor = matches!(&read, Ok(n) if n.end == input.len());
    if !whole_cbor && plaintext_len(input.len() as u64).is_ok() {
        return Ok(Reading {
            structure: Structure::Piece,
            node: None,
            differs: None,
        });
    }
    Err(match read {
        Ok(n) if n.end == input.len() => format!("CBOR: {}", describe(&n)),
        Ok(n) => format!(
            "CBOR: {}, then {} more bytes",
            describe(&n),
            input.len() - n.end
        ),
        Err(why) => format!("not CBOR: {why}"),
    })
}

/// The structure a map or array has, and how its keys differ from SPEC.md's.
fn shape_of(node: &Node) -> Option<(Structure, Option<String>)> {
    match &node.value {
        Value::Map(_) => {
            let (shape, (d, words)) = STRUCTURES
                .iter()
                .map(|s| (*s, distance(s, node)))
                .min_by_key(|(_, (d, _))| *d)?;
            // Most of the keys must be the structure's.
            (d <= (shape.fields.len() / 4).max(1))
                .then(|| (Structure::Map(shape), (d > 0).then_some(words)))
        }
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) if items.iter().all(|i| matches!(i.value, Value::Bytes)) => {
            Some((Structure::Segment, None))
        }
        Value::Array(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => {
            Some((Structure::Batch, None))
        }
        _ => None,
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Map(entries) => {
            let keys: Vec<String> = entries
                .iter()
                .map(|(k, _)| {
                    k.text()
                        .map_or_else(|| "(not text)".into(), |t| format!("{t:?}"))
                })
                .collect();
            format!("a map with keys {}", keys.join(", "))
        }
        Value::Array(items) if items.is_empty() => {
            "an empty array (a segment or a batch with nothing in it)".into()
        }
        Value::Array(items) => format!("an array of {} items of mixed types", items.len()),
        _ => "a single value, not a map or an array".into(),
    }
}

fn fields_of(r: &Reading, input: &[u8]) -> J {
    match (r.structure, &r.node) {
        (Structure::Piece, _) => piece::fields(input),
        (Structure::Map(shape), Some(n)) => fields::render_map(input, n, shape),
        (Structure::Segment, Some(n)) => fields::render(input, n, &SEGMENT_ITEMS, None),
        (Structure::Batch, Some(n)) => fields::render(input, n, &BATCH_ITEMS, None),
        (Structure::Text(shape), _) => checks::text_fields(input, shape),
        _ => J::Null,
    }
}

/// The report of `mailseal inspect`, and whether the input was recognised and passed every
/// check.
pub fn inspect(name: &str, input: &[u8]) -> (J, bool) {
    let mut out = J::obj().with("input", name).with("bytes", input.len());
    let reading = match recognise(input) {
        Ok(r) => r,
        Err(what) => {
            out.push("structure", "unrecognised");
            out.push("read_as", what);
            out.push("tried", tried(input));
            out.push("result", "unrecognised");
            return (out, false);
        }
    };
    let s = reading.structure;
    out.push("structure", s.name());
    out.push("spec", s.spec());
    if let Some(differs) = &reading.differs {
        out.push("keys_differ_from_spec", differs.as_str());
    }
    if let Some(n) = &reading.node.as_ref().filter(|n| n.end < input.len()) {
        out.push("trailing_bytes", input.len() - n.end);
    }
    out.push("fields", fields_of(&reading, input));
    let checks = checks::run(s, input, reading.node.as_ref());
    let ok = checks.failure().is_none();
    out.push("checks", checks.to_json());
    out.push("result", if ok { "ok" } else { "failed" });
    (out, ok)
}

/// For input nothing recognised: why each structure's checks refuse it.
fn tried(input: &[u8]) -> J {
    let node = cbor::read(input, 0, input.len()).ok();
    J::Arr(
        Structure::all()
            .map(|s| {
                let checks = checks::run(s, input, node.as_ref());
                let why = match (checks.failure(), s) {
                    (Some(e), _) => failure(e),
                    (None, Structure::Piece) => J::from(
                        "a length a piece can have, but the bytes are one whole CBOR item: taken as CBOR",
                    ),
                    (None, _) => J::from("its checks pass, but its keys are not SPEC.md's"),
                };
                J::obj()
                    .with("structure", s.name())
                    .with("spec", s.spec())
                    .with("why_not", why)
            })
            .collect(),
    )
}

/// The field of a recognised input that holds `offset`.
fn locate(r: &Reading, input: &[u8], offset: usize) -> Place {
    let (s, root) = (r.structure, r.structure.root());
    let whole = |start| Place {
        path: root.clone(),
        spec: s.spec(),
        start,
    };
    match (s, &r.node) {
        (Structure::Piece, _) => piece::locate(input, offset),
        (Structure::Text(_), _) => Place {
            path: format!("{root}.text"),
            spec: s.spec(),
            start: 0,
        },
        (_, Some(n)) if offset >= n.end => Place {
            path: format!("{root} (trailing bytes)"),
            spec: "§4.1",
            start: n.end,
        },
        (Structure::Map(shape), Some(n)) => {
            fields::locate(input, n, &Kind::Map(shape), shape.spec, offset, root, None)
        }
        (Structure::Segment, Some(n)) => {
            fields::locate(input, n, &SEGMENT_ITEMS, s.spec(), offset, root, None)
        }
        (Structure::Batch, Some(n)) => {
            fields::locate(input, n, &BATCH_ITEMS, s.spec(), offset, root, None)
        }
        _ => whole(0),
    }
}

/// One side of a comparison.
fn side(name: &str, input: &[u8], offset: usize) -> J {
    let mut j = J::obj().with("input", name).with("bytes", input.len());
    let Some(byte) = input.get(offset) else {
        j.push("field", "past the end");
        return j;
    };
    j.push("byte", format!("{byte:02x}"));
    match recognise(input) {
        Ok(r) => {
            let place = locate(&r, input, offset);
            j.push("structure", r.structure.name());
            j.push("field", place.path);
            j.push("spec", place.spec);
            j.push("offset_in_field", offset.saturating_sub(place.start));
        }
        Err(what) => {
            j.push("structure", "unrecognised");
            j.push("read_as", what);
        }
    }
    j
}

/// The report of `mailseal inspect --compare`, and whether the inputs are identical.
pub fn compare(a: (&str, &[u8]), b: (&str, &[u8])) -> (J, bool) {
    let first =
        a.1.iter()
            .zip(b.1)
            .position(|(x, y)| x != y)
            .or_else(|| (a.1.len() != b.1.len()).then(|| a.1.len().min(b.1.len())));
    match first {
        None => (
            J::obj().with("identical", true).with("bytes", a.1.len()),
            true,
        ),
        Some(offset) => (
            J::obj()
                .with("identical", false)
                .with("first_difference", offset)
                .with("a", side(a.0, a.1, offset))
                .with("b", side(b.0, b.1, offset)),
            false,
        ),
    }
}
