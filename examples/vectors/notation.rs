//! Byte strings in vector files: lowercase hex, or a compact form for the few inputs too large
//! to write out (test-vectors/README.md, "Large inputs"):
//!
//! - `{"fill": "<hex>", "len": N}`: `N` bytes repeating the hex pattern (cut at `N`);
//! - `{"concat": [part, ...]}`: the parts one after the other, each a hex string or a form.
//!
//! The runner reads every byte string of every file through [`bytes_value`], so the forms are
//! accepted wherever bytes are. Expansion stops at [`MAX_EXPANDED`] bytes per document: a
//! hostile file fails, it does not exhaust memory.

use serde_json::{Value, json};

use crate::json::{field, hex, unhex};

/// The most bytes the fills of one document may expand to (the largest shipped input is a
/// little over 16 MiB; a file's fills add up to less than 20 MiB).
pub const MAX_EXPANDED: usize = 64 * 1024 * 1024;

thread_local! {
    /// Bytes the fills of the current document expanded to so far.
    static EXPANDED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Starts a document: its fills may expand to [`MAX_EXPANDED`] bytes in all, so a hostile
/// file cannot make the runner allocate more than that however many cases it has.
pub fn new_document() {
    EXPANDED.with(|e| e.set(0));
}

/// The bytes a JSON value stands for: hex, `{"fill", "len"}` or `{"concat"}`.
pub fn bytes_value(v: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    append(v, &mut out, 0)?;
    Ok(out)
}

fn append(v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    if depth > 8 {
        return Err("byte notation nested too deeply".into());
    }
    match v {
        Value::String(s) => {
            let b = unhex(s)?;
            room(out.len(), b.len())?;
            out.extend(b);
            Ok(())
        }
        Value::Object(o) if o.contains_key("fill") => {
            let pattern = unhex(
                o.get("fill")
                    .and_then(Value::as_str)
                    .ok_or("`fill` is not a hex string")?,
            )?;
            let len = o
                .get("len")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or("`fill` without a `len`")?;
            if pattern.is_empty() && len > 0 {
                return Err("`fill` with an empty pattern".into());
            }
            room(out.len(), len)?;
            EXPANDED.with(|e| {
                let total = e.get().saturating_add(len);
                if total > MAX_EXPANDED {
                    return Err(format!(
                        "the document's fills expand past {MAX_EXPANDED} bytes"
                    ));
                }
                e.set(total);
                Ok(())
            })?;
            let start = out.len();
            match pattern.as_slice() {
                [byte] => out.resize(start + len, *byte),
                _ => {
                    out.resize(start + len, 0);
                    for chunk in out[start..].chunks_mut(pattern.len()) {
                        chunk.copy_from_slice(&pattern[..chunk.len()]);
                    }
                }
            }
            Ok(())
        }
        Value::Object(o) if o.contains_key("concat") => {
            for part in o
                .get("concat")
                .and_then(Value::as_array)
                .ok_or("`concat` is not a list")?
            {
                append(part, out, depth + 1)?;
            }
            Ok(())
        }
        _ => Err("not a byte string (hex, fill or concat)".into()),
    }
}

fn room(have: usize, more: usize) -> Result<(), String> {
    if have.saturating_add(more) > MAX_EXPANDED {
        Err(format!("byte notation expands past {MAX_EXPANDED} bytes"))
    } else {
        Ok(())
    }
}

/// Field `key` as bytes.
pub fn bytes_of(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    bytes_value(field(v, key)?).map_err(|e| format!("field `{key}`: {e}"))
}

/// Field `key` as exactly `N` bytes.
pub fn array_of<const N: usize>(v: &Value, key: &str) -> Result<[u8; N], String> {
    let b = bytes_of(v, key)?;
    b.as_slice()
        .try_into()
        .map_err(|_| format!("field `{key}`: {} bytes, expected {N}", b.len()))
}

/// Field `key` as text: a JSON string, or a byte notation whose bytes are UTF-8.
pub fn text_of(v: &Value, key: &str) -> Result<String, String> {
    match field(v, key)? {
        Value::String(s) => Ok(s.clone()),
        other => String::from_utf8(bytes_value(other).map_err(|e| format!("field `{key}`: {e}"))?)
            .map_err(|_| format!("field `{key}` is not UTF-8")),
    }
}

/// `{"fill": pattern, "len": len}`.
pub fn fill(pattern: &[u8], len: usize) -> Value {
    json!({ "fill": hex(pattern), "len": len })
}

/// `{"concat": parts}`.
pub fn concat(parts: Vec<Value>) -> Value {
    json!({ "concat": parts })
}
