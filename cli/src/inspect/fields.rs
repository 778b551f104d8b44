//! Fields as SPEC.md names them: a [`Node`] read by [`crate::cbor`] shown through a
//! [`Kind`] of [`crate::schema`], and the field an offset falls in.

use mailseal::Suite;

use crate::cbor::{self, Node, Value};
use crate::report::{J, hex};
use crate::schema::{self, Kind, Shape};

/// `node` shown as `kind` says; anything of another type than SPEC.md's is shown as read.
pub fn render(input: &[u8], node: &Node, kind: &Kind, parent: Option<&Node>) -> J {
    match (kind, &node.value) {
        (_, Value::Null) => J::Null,
        (Kind::Uint, Value::Uint(n)) => J::Num(*n),
        (Kind::Text, Value::Text(t)) => J::Str(t.clone()),
        (Kind::Bytes, Value::Bytes) => hex(node.content(input)),
        (Kind::Code(table), Value::Uint(n)) => J::obj()
            .with("code", *n)
            .with("name", schema::code_name(table, *n)),
        (Kind::Suite, Value::Uint(n)) => {
            let name = u16::try_from(*n)
                .ok()
                .and_then(|id| Suite::from_id(id).ok())
                .map_or("unknown", Suite::name);
            J::obj().with("code", *n).with("name", name)
        }
        (Kind::Map(shape), Value::Map(_)) => render_map(input, node, shape),
        (Kind::List(item), Value::Array(items)) => J::Arr(
            items
                .iter()
                .map(|i| render(input, i, item, Some(node)))
                .collect(),
        ),
        (Kind::Cbor(shape), Value::Bytes) => nested(input, node, shape),
        (Kind::Payload, Value::Bytes) => match payload_shape(parent) {
            Some(shape) => nested(input, node, shape),
            None => hex(node.content(input)),
        },
        _ => generic(input, node),
    }
}

/// A map of `shape`, in the order its keys come on the wire. Keys SPEC.md does not list are
/// shown as `unknown key "…"`; a key that comes twice is shown twice.
pub fn render_map(input: &[u8], node: &Node, shape: &Shape) -> J {
    let Value::Map(entries) = &node.value else {
        return generic(input, node);
    };
    let mut out: Vec<(String, J)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let (mut name, shown) = match key.text().and_then(|k| shape.field(k)) {
            Some(field) => (
                field.name.to_string(),
                render(input, value, &field.kind, Some(node)),
            ),
            None => (
                format!("unknown key {}", key_text(input, key)),
                generic(input, value),
            ),
        };
        while out.iter().any(|(n, _)| *n == name) {
            name.push_str(" (again)");
        }
        out.push((name, shown));
    }
    J::Obj(out)
}

/// A byte string that holds canonical CBOR of `shape`.
fn nested(input: &[u8], node: &Node, shape: &Shape) -> J {
    match cbor::read_exact(input, node.body, node.end) {
        Ok(inner) if matches!(inner.value, Value::Map(_)) => render_map(input, &inner, shape),
        Ok(_) => J::obj()
            .with("hex", hex(node.content(input)))
            .with("note", format!("not a {} (a CBOR map)", shape.name)),
        Err(why) => J::obj()
            .with("hex", hex(node.content(input)))
            .with("note", format!("not CBOR: {why}")),
    }
}

/// The payload shape a link body names with its link type `k`.
fn payload_shape(body: Option<&Node>) -> Option<&'static Shape> {
    schema::payload(body?.field("k")?.uint()?)
}

/// Any item, shown without a schema.
pub fn generic(input: &[u8], node: &Node) -> J {
    match &node.value {
        Value::Uint(n) => J::Num(*n),
        Value::Neg(n) => J::Str(format!("-{}", u128::from(*n) + 1)),
        Value::Bytes => hex(node.content(input)),
        Value::Text(t) => J::Str(t.clone()),
        Value::BadText => J::obj().with("invalid_utf8", hex(node.content(input))),
        Value::Array(items) => J::Arr(items.iter().map(|i| generic(input, i)).collect()),
        Value::Map(entries) => J::Obj(
            entries
                .iter()
                .map(|(k, v)| (key_text(input, k), generic(input, v)))
                .collect(),
        ),
        Value::Tag(tag, inner) => J::obj()
            .with("tag", *tag)
            .with("value", generic(input, inner)),
        Value::Bool(b) => J::Bool(*b),
        Value::Null => J::Null,
        Value::Simple(v) => J::Str(format!("simple value or float {v:#x}")),
    }
}

/// A map key as text: a text key quoted, anything else as read.
fn key_text(input: &[u8], key: &Node) -> String {
    match key.text() {
        Some(t) => format!("{t:?}"),
        None => generic(input, key).pretty().trim_end().to_string(),
    }
}

/// Where an offset falls: the field's path, the section defining it, the field's first byte.
pub struct Place {
    pub path: String,
    pub spec: &'static str,
    pub start: usize,
}

/// The innermost field of `node` (shown as `kind`, in section `spec`) that holds `offset`.
pub fn locate(
    input: &[u8],
    node: &Node,
    kind: &Kind,
    spec: &'static str,
    offset: usize,
    path: String,
    parent: Option<&Node>,
) -> Place {
    let here = |path: String, start| Place { path, spec, start };
    if offset < node.body {
        let what = match node.value {
            Value::Array(_) | Value::Map(_) | Value::Bytes | Value::Text(_) | Value::BadText => {
                " (length)"
            }
            _ => "",
        };
        return here(format!("{path}{what}"), node.start);
    }
    let inner = |kind: &Kind, shape: &Shape| match cbor::read_exact(input, node.body, node.end) {
        Ok(inner) => locate(input, &inner, kind, shape.spec, offset, path.clone(), None),
        Err(_) => here(path.clone(), node.body),
    };
    match (kind, &node.value) {
        (Kind::Map(shape), Value::Map(entries)) => {
            for (key, value) in entries {
                let name = key
                    .text()
                    .and_then(|k| shape.field(k))
                    .map_or_else(|| key_text(input, key), |f| f.name.to_string());
                if (key.start..key.end).contains(&offset) {
                    return Place {
                        path: format!("{path}.{name} (key)"),
                        spec: shape.spec,
                        start: key.start,
                    };
                }
                if (value.start..value.end).contains(&offset) {
                    let kind = key.text().and_then(|k| shape.field(k)).map(|f| &f.kind);
                    let path = format!("{path}.{name}");
                    return match kind {
                        Some(kind) => {
                            locate(input, value, kind, shape.spec, offset, path, Some(node))
                        }
                        None => Place {
                            path,
                            spec: shape.spec,
                            start: value.start,
                        },
                    };
                }
            }
            here(path, node.start)
        }
        (Kind::List(item), Value::Array(items)) => items
            .iter()
            .enumerate()
            .find(|(_, i)| (i.start..i.end).contains(&offset))
            .map_or_else(
                || here(path.clone(), node.start),
                |(n, i)| {
                    locate(
                        input,
                        i,
                        item,
                        spec,
                        offset,
                        format!("{path}[{n}]"),
                        Some(node),
                    )
                },
            ),
        (Kind::Cbor(shape), Value::Bytes) => inner(&Kind::Map(shape), shape),
        (Kind::Payload, Value::Bytes) => match payload_shape(parent) {
            Some(shape) => inner(&Kind::Map(shape), shape),
            None => here(path, node.body),
        },
        _ => here(path, node.body),
    }
}
