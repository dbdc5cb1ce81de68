//! Frames: a value as a binding copies it in, in bytes rather than JSON text. A frame is
//! self-describing, like JSON, but its strings are written as they are, length first: the
//! writer need not scan a token for characters to escape, nor this reader scan it again for
//! escapes (in a Lambda that is most of an event's cost). What a binding does not take apart
//! (numbers, `null`, anything unusual) it writes as JSON text inside the frame, and that part is
//! read by `serde_json` exactly as a JSON event would be.
//!
//! Each value starts with a tag byte; lengths and counts are `u32`, little-endian:
//!
//! | tag | value |
//! |---|---|
//! | `s` | a string: its length in bytes, then its UTF-8 bytes |
//! | `a` | an array: its length, then that many values |
//! | `o` | an object: its number of members, then each member's name (length, UTF-8 bytes) and value |
//! | `j` | any JSON value: the length of its JSON text, then the text |
//!

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

const STRING: u8 = b's';
const ARRAY: u8 = b'a';
const OBJECT: u8 = b'o';
const JSON: u8 = b'j';

/// The tag bytes, by kind of value, for the bindings' manifest: the writers read them there.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg(all(feature = "tools", any(target_arch = "wasm32", test)))]
#[non_exhaustive]
pub struct FrameTags {
    /// A string.
    pub string: u8,
    /// An array.
    pub array: u8,
    /// An object.
    pub object: u8,
    /// A JSON text.
    pub json: u8,
}

/// The tags this reader reads.
#[cfg(all(feature = "tools", any(target_arch = "wasm32", test)))]
pub(crate) const TAGS: FrameTags = FrameTags {
    string: STRING,
    array: ARRAY,
    object: OBJECT,
    json: JSON,
};

/// Arrays and objects nested deeper than this are refused. Bindings take apart only the
/// members the core reads (a few levels); deeper values travel as JSON text, which
/// `serde_json` bounds on its own.
const MAX_DEPTH: usize = 16;

/// Why a frame could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct FrameError {
    message: String,
    data: bool,
}

impl FrameError {
    fn malformed(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            data: false,
        }
    }

    /// True when the frame was well formed but held a value of the wrong type or shape (as
    /// `serde_json::Error::is_data`), false when the frame itself was broken.
    #[must_use]
    pub(crate) fn is_data(&self) -> bool {
        self.data
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FrameError {}

impl de::Error for FrameError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            message: msg.to_string(),
            data: true,
        }
    }
}

impl From<serde_json::Error> for FrameError {
    fn from(err: serde_json::Error) -> Self {
        Self {
            message: err.to_string(),
            data: err.is_data(),
        }
    }
}

/// Reads a `T` from a frame, all of whose bytes it must use.
///
/// # Errors
/// A broken frame (truncated, an unknown tag, text that is not UTF-8, trailing bytes, nested
/// too deeply) or a value that is not a `T`.
pub(crate) fn from_bytes<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, FrameError> {
    let mut reader = Reader { bytes, depth: 0 };
    let value = T::deserialize(&mut reader)?;
    if reader.bytes.is_empty() {
        Ok(value)
    } else {
        Err(FrameError::malformed("trailing bytes after the value"))
    }
}

struct Reader<'de> {
    bytes: &'de [u8],
    depth: usize,
}

impl<'de> Reader<'de> {
    fn take(&mut self, n: usize) -> Result<&'de [u8], FrameError> {
        if n > self.bytes.len() {
            return Err(FrameError::malformed("the frame ends inside a value"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn length(&mut self) -> Result<usize, FrameError> {
        let bytes = self.take(4)?;
        let n = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        usize::try_from(n).map_err(|_| FrameError::malformed("a length past the address space"))
    }

    fn text(&mut self) -> Result<&'de str, FrameError> {
        let n = self.length()?;
        core::str::from_utf8(self.take(n)?)
            .map_err(|_| FrameError::malformed("a string that is not UTF-8"))
    }

    /// Runs `read` one level deeper, refusing frames nested past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, FrameError>,
    ) -> Result<T, FrameError> {
        if self.depth >= MAX_DEPTH {
            return Err(FrameError::malformed(format!(
                "nested more than {MAX_DEPTH} levels deep"
            )));
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }
}

/// Reads the JSON text of one value with `read` on a `serde_json` deserializer.
fn json<'de, T>(
    text: &'de str,
    read: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    ) -> serde_json::Result<T>,
) -> Result<T, FrameError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = read(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

impl<'de> Reader<'de> {
    fn peek(&self) -> Result<u8, FrameError> {
        self.bytes
            .first()
            .copied()
            .ok_or_else(|| FrameError::malformed("the frame ends inside a value"))
    }

    fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, FrameError> {
        visitor.visit_borrowed_str(self.text()?)
    }

    fn seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, FrameError> {
        let left = self.length()?;
        self.nested(|reader| {
            let mut items = Items { reader, left };
            let value = visitor.visit_seq(&mut items)?;
            read_to_end(items.left)?;
            Ok(value)
        })
    }

    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, FrameError> {
        let left = self.length()?;
        self.nested(|reader| {
            let mut members = Members {
                reader,
                left,
                value_next: false,
            };
            let value = visitor.visit_map(&mut members)?;
            read_to_end(members.left + usize::from(members.value_next))?;
            Ok(value)
        })
    }

    /// The error for a value (its tag read) of another kind than `expected`, as `serde_json`
    /// words it.
    fn invalid(&mut self, tag: u8, expected: &dyn de::Expected) -> FrameError {
        let unexpected = match tag {
            STRING => match self.text() {
                Ok(text) => de::Unexpected::Str(text),
                Err(err) => return err,
            },
            ARRAY => de::Unexpected::Seq,
            OBJECT => de::Unexpected::Map,
            other => return FrameError::malformed(format!("unknown tag {other:#04x}")),
        };
        de::Error::invalid_type(unexpected, expected)
    }

    /// Passes over one value.
    fn skip(&mut self) -> Result<(), FrameError> {
        match self.take(1)?[0] {
            STRING | JSON => self.text().map(drop),
            ARRAY => {
                let n = self.length()?;
                self.nested(|reader| (0..n).try_for_each(|_| reader.skip()))
            }
            OBJECT => {
                let n = self.length()?;
                self.nested(|reader| {
                    (0..n).try_for_each(|_| reader.text().and_then(|_| reader.skip()))
                })
            }
            tag => Err(FrameError::malformed(format!("unknown tag {tag:#04x}"))),
        }
    }
}

/// The methods of a visitor that wants one kind of value: that kind is read, and any other is
/// refused without instantiating the visitor's other methods. JSON text (which bindings write
/// for numbers, booleans and `null`) is refused as `serde_json` would refuse it; strings may
/// come as JSON text too (those that cannot be UTF-8), and are read by `serde_json`.
macro_rules! one_kind {
    ($tag:ident => $read:ident: $($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, FrameError> {
            let _ = ($($arg,)*); // what the kind of value says already
            let tag = self.take(1)?[0];
            match tag {
                $tag => self.$read(visitor),
                JSON if $tag == STRING => json(self.text()?, |de| de.deserialize_str(visitor)),
                JSON => Err(json_refused(self.text()?, &visitor)),
                tag => Err(self.invalid(tag, &visitor)),
            }
        }
    )*};
}

/// The error for JSON text where `expected` was wanted, which it cannot be: objects and arrays
/// are framed, never sent as JSON text.
fn json_refused(text: &str, expected: &dyn de::Expected) -> FrameError {
    use serde_json::Value;
    let value = match serde_json::from_str::<Value>(text) {
        Ok(value) => value,
        Err(err) => return err.into(),
    };
    let unexpected = match &value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => de::Unexpected::Unsigned(u),
            (None, Some(i)) => de::Unexpected::Signed(i),
            _ => de::Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) | Value::Object(_) => {
            return FrameError::malformed("an object or array sent as JSON text")
        }
    };
    de::Error::invalid_type(unexpected, expected)
}

/// True for the JSON text of `null`.
fn is_null(text: &str) -> bool {
    text.trim_matches([' ', '\t', '\n', '\r']) == "null"
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = FrameError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FrameError> {
        match self.take(1)?[0] {
            STRING => self.string(visitor),
            ARRAY => self.seq(visitor),
            OBJECT => self.map(visitor),
            JSON => json(self.text()?, |de| de.deserialize_any(visitor)),
            tag => Err(FrameError::malformed(format!("unknown tag {tag:#04x}"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FrameError> {
        if self.peek()? == JSON {
            let mut ahead = Reader {
                bytes: &self.bytes[1..],
                depth: self.depth,
            };
            if is_null(ahead.text()?) {
                self.bytes = ahead.bytes;
                return visitor.visit_none();
            }
        }
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FrameError> {
        self.skip()?;
        visitor.visit_unit()
    }

    one_kind! { STRING => string: deserialize_str(); deserialize_string(); deserialize_identifier(); }
    one_kind! { ARRAY => seq: deserialize_seq(); }
    one_kind! {
        OBJECT => map: deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct enum
    }
}

/// Refuses a container whose visitor left some of it unread: the bytes after it would
/// otherwise be read as the next value.
fn read_to_end(left: usize) -> Result<(), FrameError> {
    if left == 0 {
        Ok(())
    } else {
        Err(FrameError::malformed("a container was not read to its end"))
    }
}

struct Items<'r, 'de> {
    reader: &'r mut Reader<'de>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = FrameError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, FrameError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct Members<'r, 'de> {
    reader: &'r mut Reader<'de>,
    left: usize,
    /// A name was read and its value not yet.
    value_next: bool,
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = FrameError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FrameError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        self.value_next = true;
        let name = self.reader.text()?;
        seed.deserialize(de::value::BorrowedStrDeserializer::new(name))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, FrameError> {
        self.value_next = false;
        seed.deserialize(&mut *self.reader)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// Appends the frame of `value`, as bindings write one: strings, arrays and objects taken
/// apart down to half of [`MAX_DEPTH`], the rest as JSON text. For JSON documents read into
/// values first (events given as text), so that one reader reads every event.
pub(crate) fn encode(value: &serde_json::Value, depth: usize, out: &mut Vec<u8>) {
    use serde_json::Value;
    // Lengths of a document within the core's size limit: far below 2^32.
    let length = |n: usize, out: &mut Vec<u8>| {
        out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    };
    let text = |s: &str, out: &mut Vec<u8>| {
        length(s.len(), out);
        out.extend_from_slice(s.as_bytes());
    };
    match value {
        Value::String(s) => {
            out.push(STRING);
            text(s, out);
        }
        Value::Array(items) if depth < MAX_DEPTH / 2 => {
            out.push(ARRAY);
            length(items.len(), out);
            for item in items {
                encode(item, depth + 1, out);
            }
        }
        Value::Object(members) if depth < MAX_DEPTH / 2 => {
            out.push(OBJECT);
            length(members.len(), out);
            for (name, member) in members {
                text(name, out);
                encode(member, depth + 1, out);
            }
        }
        other => {
            out.push(JSON);
            text(&other.to_string(), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn framed(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, 0, &mut out);
        out
    }

    #[test]
    fn reads_what_json_reads() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Picked<'a> {
            #[serde(borrow)]
            r#type: &'a str,
            none: Option<String>,
            n: Option<u8>,
        }
        let value = json!({
            "type": "REQUEST", "n": 3, "f": 1.5, "none": null, "yes": true,
            "headers": { "Authorization": "Bearer a.b.c", "x": ["1", 2, null] },
            "odd": "tab\t \"quoted\" \\ é \u{2028}", "empty": {}, "list": []
        });
        assert_eq!(from_bytes::<Value>(&framed(&value)).unwrap(), value);
        let bytes = framed(&value);
        let read: Picked<'_> = from_bytes(&bytes).unwrap();
        assert_eq!(
            read,
            Picked {
                r#type: "REQUEST",
                none: None,
                n: Some(3)
            }
        );
    }

    #[test]
    fn type_errors_are_data_errors_worded_as_serde_json_words_them() {
        let err = from_bytes::<Vec<String>>(&framed(&json!(["a", 5]))).unwrap_err();
        assert!(err.is_data());
        assert!(
            err.to_string()
                .starts_with("invalid type: integer `5`, expected a string"),
            "{err}"
        );
        let err = from_bytes::<String>(&framed(&json!({ "a": 1 }))).unwrap_err();
        assert!(
            err.is_data() && err.to_string().contains("expected a string"),
            "{err}"
        );
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        let bytes = framed(&json!({ "a": ["x", 1, { "b": "y" }], "c": "d" }));
        for cut in 0..bytes.len() {
            assert!(from_bytes::<Value>(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            for byte in [0, 0xff, b'j', b'o', b'a', b's'] {
                let mut bad = bytes.clone();
                bad[at] = byte;
                let _ = from_bytes::<Value>(&bad);
            }
        }
        let mut trailing = bytes.clone();
        trailing.push(b's');
        assert!(!from_bytes::<Value>(&trailing).unwrap_err().is_data());
        assert!(
            from_bytes::<Value>(&[b's', 2, 0, 0, 0, 0xc3, 0x28]).is_err(),
            "not UTF-8"
        );
        assert!(
            from_bytes::<Value>(&[b'a', 0xff, 0xff, 0xff, 0xff]).is_err(),
            "a huge count, nothing after it"
        );
    }

    #[test]
    fn encoding_sends_deep_values_as_json_text() {
        let mut value = json!("leaf");
        for _ in 0..50 {
            value = json!({ "a": [value] });
        }
        assert_eq!(from_bytes::<Value>(&framed(&value)).unwrap(), value);
    }

    #[test]
    fn nesting_is_bounded() {
        // Arrays in arrays, `levels` deep, around an empty string.
        let nested = |levels: usize| {
            let mut bytes = [ARRAY, 1, 0, 0, 0].repeat(levels);
            bytes.extend_from_slice(&[STRING, 0, 0, 0, 0]);
            bytes
        };
        assert!(from_bytes::<Value>(&nested(MAX_DEPTH)).is_ok());
        let err = from_bytes::<Value>(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert!(err.to_string().contains("nested more than"), "{err}");
        let err = from_bytes::<serde::de::IgnoredAny>(&nested(100_000)).unwrap_err();
        assert!(
            err.to_string().contains("nested more than"),
            "skipped too: {err}"
        );
    }

    #[test]
    fn a_container_left_half_read_is_refused() {
        assert!(from_bytes::<(String,)>(&framed(&json!(["a"]))).is_ok());
        let err = from_bytes::<(String,)>(&framed(&json!(["a", "b"]))).unwrap_err();
        assert!(err.to_string().contains("not read to its end"), "{err}");
    }
}
