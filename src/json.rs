//! Bounded, strict JSON: documents have a size cap, nesting is capped by `serde_json`'s
//! recursion limit (128), and objects with duplicate member names are rejected
//! (RFC 7515 §5.2 step 4 and RFC 8725 §3.12 leave parsers free to pick either value,
//! so the only safe answer is to refuse).

use core::fmt;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Key sets, JWKs and options larger than this are refused before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Parses a configuration document (JWKS, JWK, options) with the size cap.
pub(crate) fn parse_document(text: &str) -> Result<Value, String> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "document is {} bytes; at most {MAX_DOCUMENT_BYTES} are accepted",
            text.len()
        ));
    }
    parse(text.as_bytes()).map_err(|err| err.to_string())
}

/// Parses JSON, rejecting duplicate member names at any depth.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Strict>(bytes).map(|s| s.0)
}

struct Strict(Value);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert!(parse(br#"{"a":1,"a":2}"#).is_err());
        assert!(parse(br#"{"x":[{"b":1,"b":1}]}"#).is_err());
        assert!(parse(br#"{"a":1,"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn huge_numbers_are_refused() {
        assert!(parse(b"{\"exp\":1e400}").is_err());
    }

    #[test]
    fn oversized_documents_are_refused() {
        let big = format!("\"{}\"", "a".repeat(MAX_DOCUMENT_BYTES));
        assert!(parse_document(&big).unwrap_err().contains("at most"));
    }
}
