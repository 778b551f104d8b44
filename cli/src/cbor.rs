//! A lenient CBOR reader that keeps every item's byte range, for showing fields and finding
//! which field an offset falls in. It is deliberately not the library's strict decoder: it
//! reads non-minimal heads, keys in any order, duplicate keys and trailing bytes, so that a
//! structure that fails the library's checks can still be shown field by field while the
//! library names what is wrong with it. It refuses only what it cannot read: indefinite
//! lengths, reserved heads, lengths past the input, nesting deeper than [`MAX_DEPTH`], more
//! than [`MAX_ITEMS`] items.

/// Deepest nesting read (the library admits 8; hostile input cannot make this recurse
/// further).
pub const MAX_DEPTH: usize = 32;

/// Most items read from one input: far above any structure's (a full segment is 65,537, a
/// full batch about 60,000), and a bound on memory whatever the input (about 64 MiB).
pub const MAX_ITEMS: usize = 1 << 20;

/// One item: where its head starts, where its content starts, where it ends.
#[derive(Clone, Debug)]
pub struct Node {
    pub start: usize,
    pub body: usize,
    pub end: usize,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub enum Value {
    Uint(u64),
    /// A negative integer `-1 - n`.
    Neg(u64),
    /// A byte string: its bytes are `input[body..end]`.
    Bytes,
    Text(String),
    /// A text string that is not UTF-8: its bytes are `input[body..end]`.
    BadText,
    Array(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Tag(u64, Box<Node>),
    Bool(bool),
    Null,
    /// Any other simple value or a float: its head's argument.
    Simple(u64),
}

impl Node {
    /// The bytes of a byte or text string.
    pub fn content<'a>(&self, input: &'a [u8]) -> &'a [u8] {
        input.get(self.body..self.end).unwrap_or_default()
    }

    /// The entry of a map whose key is the text `key`.
    pub fn field(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.value, Value::Text(t) if t == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// An unsigned integer's value.
    pub fn uint(&self) -> Option<u64> {
        match self.value {
            Value::Uint(n) => Some(n),
            _ => None,
        }
    }

    /// A text string's value.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// The first item of `input[from..to]`, and where it ended (bytes may follow it).
pub fn read(input: &[u8], from: usize, to: usize) -> Result<Node, String> {
    let mut reader = Reader {
        input: input.get(..to).unwrap_or(input),
        pos: from,
        items: 0,
    };
    reader.item(0)
}

/// Exactly one item filling `input[from..to]`.
pub fn read_exact(input: &[u8], from: usize, to: usize) -> Result<Node, String> {
    let node = read(input, from, to)?;
    if node.end != to {
        return Err(format!(
            "{} bytes follow the item at offset {}",
            to.saturating_sub(node.end),
            node.end
        ));
    }
    Ok(node)
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    items: usize,
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .input
            .get(self.pos)
            .ok_or_else(|| format!("truncated at offset {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn uint(&mut self, bytes: usize) -> Result<u64, String> {
        (0..bytes).try_fold(0u64, |acc, _| Ok((acc << 8) | u64::from(self.byte()?)))
    }

    /// A length that must fit in what is left of the input.
    fn length(&mut self, declared: u64, per_item: usize) -> Result<usize, String> {
        usize::try_from(declared)
            .ok()
            .filter(|n| n.saturating_mul(per_item) <= self.remaining())
            .ok_or_else(|| format!("length {declared} at offset {} exceeds the input", self.pos))
    }

    fn item(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "nested deeper than {MAX_DEPTH} at offset {}",
                self.pos
            ));
        }
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(format!("more than {MAX_ITEMS} items"));
        }
        let start = self.pos;
        let initial = self.byte()?;
        let (major, info) = (initial >> 5, initial & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => self.uint(1)?,
            25 => self.uint(2)?,
            26 => self.uint(4)?,
            27 => self.uint(8)?,
            31 => return Err(format!("indefinite length at offset {start}")),
            _ => return Err(format!("reserved additional information at offset {start}")),
        };
        let body = self.pos;
        let value = match major {
            0 => Value::Uint(arg),
            1 => Value::Neg(arg),
            2 | 3 => {
                let n = self.length(arg, 1)?;
                self.pos += n;
                let bytes = self.input.get(body..self.pos).unwrap_or_default();
                match (major, std::str::from_utf8(bytes)) {
                    (2, _) => Value::Bytes,
                    (_, Ok(t)) => Value::Text(t.to_string()),
                    (_, Err(_)) => Value::BadText,
                }
            }
            4 => {
                let n = self.length(arg, 1)?;
                let items = (0..n)
                    .map(|_| self.item(depth + 1))
                    .collect::<Result<_, _>>()?;
                Value::Array(items)
            }
            5 => {
                let n = self.length(arg, 2)?;
                let entries = (0..n)
                    .map(|_| Ok((self.item(depth + 1)?, self.item(depth + 1)?)))
                    .collect::<Result<_, String>>()?;
                Value::Map(entries)
            }
            6 => Value::Tag(arg, Box::new(self.item(depth + 1)?)),
            _ => match arg {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                _ => Value::Simple(arg),
            },
        };
        Ok(Node {
            start,
            body,
            end: self.pos,
            value,
        })
    }
}
