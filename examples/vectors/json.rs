//! Small JSON helpers: hex fields, typed getters that fail with a message instead of
//! panicking, and a stable pretty-printer (keys in insertion order, two-space indent).

use serde_json::Value;

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses lowercase or uppercase hex.
pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("odd-length hex ({} digits)", s.len()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(s.get(i..i + 2).unwrap_or("zz"), 16)
                .map_err(|_| format!("bad hex at {i}"))
        })
        .collect()
}

/// Field `key` of an object.
pub fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("missing field `{key}`"))
}

/// A string field.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    field(v, key)?
        .as_str()
        .ok_or_else(|| format!("field `{key}` is not a string"))
}

/// A hex field as bytes.
pub fn bytes_of(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    unhex(str_of(v, key)?).map_err(|e| format!("field `{key}`: {e}"))
}

/// A hex field of exactly `N` bytes.
pub fn array_of<const N: usize>(v: &Value, key: &str) -> Result<[u8; N], String> {
    let b = bytes_of(v, key)?;
    b.as_slice()
        .try_into()
        .map_err(|_| format!("field `{key}`: {} bytes, expected {N}", b.len()))
}

/// An unsigned integer field.
pub fn u64_of(v: &Value, key: &str) -> Result<u64, String> {
    field(v, key)?
        .as_u64()
        .ok_or_else(|| format!("field `{key}` is not an unsigned integer"))
}

/// An array field.
pub fn list_of<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    field(v, key)?
        .as_array()
        .ok_or_else(|| format!("field `{key}` is not an array"))
}

/// Compares an expected hex field with actual bytes.
pub fn check_hex(expected: &Value, key: &str, actual: &[u8]) -> Result<(), String> {
    let want = bytes_of(expected, key)?;
    if want == actual {
        Ok(())
    } else {
        Err(format!(
            "`{key}` differs: expected {} bytes {}…, got {} bytes {}…",
            want.len(),
            short(&want),
            actual.len(),
            short(actual)
        ))
    }
}

/// Compares an expected string field with an actual string.
pub fn check_str(expected: &Value, key: &str, actual: &str) -> Result<(), String> {
    let want = str_of(expected, key)?;
    if want == actual {
        Ok(())
    } else {
        Err(format!(
            "`{key}` differs: expected {want:?}, got {actual:?}"
        ))
    }
}

fn short(b: &[u8]) -> String {
    hex(&b[..b.len().min(12)])
}

/// Pretty JSON with a trailing newline. serde_json's maps are sorted by key, so the output is
/// the same whatever order the generator built them in.
pub fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
