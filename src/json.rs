//! Bounded, strict JSON: documents have a size cap, nesting is capped by `serde_json`'s
//! recursion limit (128), and objects with duplicate member names are rejected
//! (RFC 7515 §5.2 step 4 and RFC 8725 §3.12 leave parsers free to pick either value,
//! so the only safe answer is to refuse).

use core::fmt;
use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Key sets, JWKs and options larger than this are refused before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Parses a configuration document (JWKS, JWK, options) with the size cap.
pub(crate) fn parse_document(text: &str) -> Result<Value, String> {
    parse_located(text).map_err(|(message, _)| message)
}

/// [`parse_document`] with the place of a syntax error, `(line, column)` from 1, when the
/// parser knows it (not for a document over the size cap).
pub(crate) fn parse_located(text: &str) -> Result<Value, (String, Option<(usize, usize)>)> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err((
            format!(
                "document is {} bytes; at most {MAX_DOCUMENT_BYTES} are accepted",
                text.len()
            ),
            None,
        ));
    }
    parse(text).map_err(|err| {
        let place = (err.line() > 0).then(|| (err.line(), err.column()));
        (err.to_string(), place)
    })
}

/// Parses JSON, rejecting duplicate member names at any depth. From text (decode UTF-8 first):
/// every other parse reads text too, and a second, byte-slice reader would be a second copy of
/// `serde_json`'s parser in the wasm.
pub(crate) fn parse(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

/// A JSON value parsed as strictly as [`parse`] does.
pub(crate) struct Strict(pub(crate) Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.insert(key, value).is_some() {
                return Err(A::Error::custom("duplicate member name"));
            }
        }
        Ok(Value::Object(object))
    }
}

/// A JSON value checked as strictly as [`parse`] does (no duplicate member names at any depth)
/// and then dropped: for members nobody reads, so they cost no allocation but still cannot
/// smuggle a second meaning past another parser.
pub(crate) struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(CheckedVisitor)
            .map(|()| Checked)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        check_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        check_map(map)
    }
}

/// Checks every element of an array (see [`Checked`]).
pub(crate) fn check_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Checked>()?.is_some() {}
    Ok(())
}

/// Checks an object's members (see [`Checked`]).
pub(crate) fn check_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    let mut names = Vec::new();
    while let Some(Text(name)) = map.next_key()? {
        map.next_value::<Checked>()?;
        names.push(name);
    }
    refuse_duplicates(&mut names)
}

/// A JSON string (a member name or a value), borrowed from the JSON text unless it has escapes.
/// (serde borrows a `Cow<str>` only as a bare field, never inside an `Option` or a `Vec`.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Text<'de>(pub(crate) Cow<'de, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

impl core::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// A derived struct read from a JSON object only: derived deserializers also take arrays, read
/// by position, which no document of ours is.
pub(crate) struct ObjectOnly<T>(pub(crate) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(core::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(ObjectVisitor(core::marker::PhantomData))
            .map(ObjectOnly)
    }
}

/// For `#[serde(deserialize_with)]`: an optional member that must be an object when present.
pub(crate) fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<ObjectOnly<T>>::deserialize(deserializer).map(|object| object.map(|o| o.0))
}

/// The message of a value of the wrong type, worded as serde's, e.g. ``invalid type: integer
/// `3`, expected a string``.
pub(crate) fn expected(value: &Value, what: &str) -> String {
    let found = match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    };
    format!("invalid type: {found}, expected {what}")
}

/// Fails if a name occurs twice in `names` (as [`parse`] does); may reorder them. A few names (a
/// claims set, a header) are compared pairwise, which is quicker than sorting them (most pairs
/// differ in length); more are sorted, so that an object with thousands of members costs
/// n log n comparisons, not n².
pub(crate) fn refuse_duplicates<E: serde::de::Error>(names: &mut [Cow<'_, str>]) -> Result<(), E> {
    const PAIRWISE: usize = 24;
    let twice = if names.len() <= PAIRWISE {
        names
            .iter()
            .enumerate()
            .any(|(i, name)| names[..i].contains(name))
    } else {
        names.sort_unstable();
        names.windows(2).any(|pair| pair[0] == pair[1])
    };
    if twice {
        return Err(E::custom("duplicate member name"));
    }
    Ok(())
}

/// A string value; the message says what the value is instead.
pub(crate) fn string(value: Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(expected(&other, "a string")),
    }
}

/// An array value's items; the message says what the value is instead.
pub(crate) fn items(value: Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(expected(&other, "a sequence")),
    }
}

/// The member names a derived `Deserialize` of the struct `T` reads (after `rename_all`),
/// as serde hands them to the deserializer: so that a list of them is never written twice.
#[must_use]
pub(crate) fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut names = None;
    // The derived impl hands over its names first and then fails on this deserializer: the
    // error is the expected outcome.
    let _ = T::deserialize(FieldNames(&mut names));
    names.unwrap_or_default()
}

/// A deserializer that only records the member names of the struct asked for.
struct FieldNames<'n>(&'n mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(Self::Error::custom("only member names are read"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_at_any_depth() {
        let checked = |text: &str| serde_json::from_str::<Checked>(text).is_ok();
        for (text, ok) in [
            (r#"{"a":1,"a":2}"#, false),
            (r#"{"x":[{"b":1,"b":1}]}"#, false),
            (r#"{"a":1,"\u0061":2}"#, false),
            (r#"{"a":1,"b":{"a":2}}"#, true),
            (r#"[1,"s",null,true,{"k":[{}]}]"#, true),
            ("[\"\\ud800\"]", false),
        ] {
            assert_eq!(parse(text).is_ok(), ok, "{text}");
            assert_eq!(checked(text), ok, "{text}");
        }
    }

    #[test]
    fn duplicates_are_found_in_small_and_large_objects() {
        // 24 names and fewer are compared pairwise, more are sorted: both ways, a repeat of the
        // first name at the end, of the last at the start, or of one in the middle is found.
        for n in [2, 3, 23, 24, 25, 26, 200] {
            let names: Vec<String> = (0..n).map(|i| format!("claim{i}")).collect();
            let object = |names: &[String]| {
                let members: Vec<String> = names.iter().map(|m| format!("{m:?}:0")).collect();
                format!("{{{}}}", members.join(","))
            };
            assert!(parse(&object(&names)).is_ok(), "{n}");
            for (from, to) in [(0, n - 1), (n - 1, 0), (n / 2, n / 2 + 1)] {
                let mut repeated = names.clone();
                if to < n {
                    repeated[to].clone_from(&names[from]);
                    assert!(parse(&object(&repeated)).is_err(), "{n}: {from} at {to}");
                    assert!(serde_json::from_str::<Checked>(&object(&repeated)).is_err());
                }
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn huge_numbers_are_refused() {
        assert!(parse("{\"exp\":1e400}").is_err());
    }

    #[test]
    fn oversized_documents_are_refused() {
        let big = format!("\"{}\"", "a".repeat(MAX_DOCUMENT_BYTES));
        assert!(parse_document(&big).unwrap_err().contains("at most"));
    }
}
