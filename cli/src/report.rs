//! The JSON the commands print: objects keep the order they were built in (SPEC.md's order of
//! fields, then the checks), so the output is stable and reads top to bottom. (serde_json
//! sorts keys unless its `preserve_order` feature is on, and that feature would reach the
//! vector generator's output through feature unification; so this small writer instead.)

use mailseal::Error;

/// A JSON value with ordered objects.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(u64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// An empty object.
    pub fn obj() -> J {
        J::Obj(Vec::new())
    }

    /// Appends `key: value` to an object (a no-op on anything else).
    pub fn with(mut self, key: &str, value: impl Into<J>) -> J {
        self.push(key, value);
        self
    }

    /// Appends `key: value` to an object (a no-op on anything else).
    pub fn push(&mut self, key: &str, value: impl Into<J>) {
        if let J::Obj(fields) = self {
            fields.push((key.to_string(), value.into()));
        }
    }

    /// `self` with the fields of the object `other` appended.
    pub fn merge(mut self, other: J) -> J {
        if let J::Obj(fields) = other {
            fields.into_iter().for_each(|(k, v)| self.push(&k, v));
        }
        self
    }

    /// Pretty text: two-space indent, one field per line, a final newline.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, indent: usize) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(&n.to_string()),
            J::Str(s) => out.push_str(&quote(s)),
            J::Arr(items) if items.is_empty() => out.push_str("[]"),
            J::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    separator(out, i, indent + 1);
                    item.write(out, indent + 1);
                }
                newline(out, indent);
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    separator(out, i, indent + 1);
                    out.push_str(&quote(key));
                    out.push_str(": ");
                    value.write(out, indent + 1);
                }
                newline(out, indent);
                out.push('}');
            }
        }
    }
}

fn separator(out: &mut String, index: usize, indent: usize) {
    if index > 0 {
        out.push(',');
    }
    newline(out, indent);
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    out.push_str(&"  ".repeat(indent));
}

/// A JSON string literal (serde_json's escaping).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::Str(s.to_string())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::Str(s)
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::Bool(b)
    }
}

impl From<u64> for J {
    fn from(n: u64) -> J {
        J::Num(n)
    }
}
impl From<usize> for J {
    fn from(n: usize) -> J {
        J::Num(n as u64)
    }
}

impl<T: Into<J>> From<Option<T>> for J {
    fn from(v: Option<T>) -> J {
        v.map_or(J::Null, Into::into)
    }
}
impl<T: Into<J>> From<Vec<T>> for J {
    fn from(v: Vec<T>) -> J {
        J::Arr(v.into_iter().map(Into::into).collect())
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> J {
    J::Str(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A failed check as the library names it: its stable class and its sentence.
pub fn failure(e: &Error) -> J {
    J::obj()
        .with("class", e.class())
        .with("error", e.to_string())
}
