//! The policy's `context` mapping: which claims reach the backend, typed, within a budget.
//!
//! API Gateway takes only strings, numbers and booleans in an authorizer context, and REST and
//! WebSocket APIs hand even those to the backend as strings. So each entry has a type, and the
//! same type encodes the value for API Gateway ([`Policy::context`]) and decodes what the
//! backend receives ([`Policy::read_context`]): one rule for both ends.
//!
//! The budget: API Gateway refuses a WebSocket authorizer answer over 8 KiB
//! ([`crate::apigw::iam::report::MAX_WEBSOCKET_ANSWER_BYTES`]), principal and IAM policy
//! included, and integrations often forward context values as headers. The mapping's shape
//! (count, names) is checked at load; the values only exist per request, so each is checked
//! when the context is built, and a context over budget refuses the request (fail closed: a
//! dropped entry would look to the backend like an absent claim, e.g. no `deny-groups`).

use serde_json::{Map, Value};

use super::{claim_path::ClaimPath, Policy};
use crate::error::Error;

/// Mappings with more entries are refused at load.
pub const MAX_CONTEXT_ENTRIES: usize = 32;
/// Context names longer than this (in bytes) are refused at load.
pub const MAX_CONTEXT_NAME_BYTES: usize = 64;
/// A value longer than this once encoded (JSON text, or a number's digits) refuses the request.
pub const MAX_CONTEXT_VALUE_BYTES: usize = 1024;
/// A context whose names and encoded values add up to more bytes refuses the request: half the
/// WebSocket answer cap, the other half left to the principal and the IAM policy.
pub const MAX_CONTEXT_BYTES: usize = 4096;

/// Names API Gateway itself puts beside an authorizer's context in `requestContext.authorizer`
/// (REST: `principalId`, `integrationLatency`, `usageIdentifierKey`; JWT and Cognito
/// authorizers: `claims`, `scopes`; HTTP APIs: `jwt`, `lambda`, `iam`): an entry so named
/// would be shadowed or misread.
pub const RESERVED_CONTEXT_NAMES: [&str; 8] = [
    "principalId",
    "integrationLatency",
    "usageIdentifierKey",
    "claims",
    "scopes",
    "jwt",
    "lambda",
    "iam",
];

/// What an entry of the mapping holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContextType {
    /// The plain form (`"userId": "sub"`): scalars as they are, anything else JSON-encoded;
    /// read back as API Gateway hands it over.
    Auto,
    String,
    Number,
    Boolean,
    /// An array of strings (a lone string counts as one), sent as JSON text.
    Strings,
    /// Any JSON value, sent as JSON text.
    Json,
}

impl ContextType {
    /// Every type a mapping may name, by its name in the document.
    pub(crate) const NAMED: [(&'static str, ContextType); 5] = [
        ("string", ContextType::String),
        ("number", ContextType::Number),
        ("boolean", ContextType::Boolean),
        ("string[]", ContextType::Strings),
        ("json", ContextType::Json),
    ];

    fn name(self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("any", |(name, _)| name)
    }

    /// The claim's value as API Gateway takes it, or `None` when it is not of this type.
    fn encode(self, value: &Value) -> Option<Value> {
        let json = |v: &Value| Value::String(serde_json::to_string(v).unwrap_or_default());
        match (self, value) {
            (Self::Auto, Value::String(_) | Value::Number(_) | Value::Bool(_))
            | (Self::String, Value::String(_))
            | (Self::Number, Value::Number(_))
            | (Self::Boolean, Value::Bool(_)) => Some(value.clone()),
            (Self::Strings, Value::String(_)) => Some(json(&Value::Array(vec![value.clone()]))),
            (Self::Strings, Value::Array(items)) if items.iter().all(Value::is_string) => {
                Some(json(value))
            }
            (Self::Auto | Self::Json, _) => Some(json(value)),
            // A number's or boolean's text is taken for it, as the backend reads it back:
            // issuers (and API Gateway's HTTP APIs) write some claims as strings.
            (Self::Number | Self::Boolean, Value::String(_)) => self.decode(value),
            _ => None,
        }
    }

    /// The value the backend got back in this type: REST and WebSocket APIs stringify numbers
    /// and booleans, HTTP APIs keep them. `None` when it is not of this type.
    fn decode(self, value: &Value) -> Option<Value> {
        let parsed = |text: &str| crate::json::parse_document(text).ok();
        match (self, value) {
            (Self::Auto, _)
            | (Self::String, Value::String(_))
            | (Self::Number, Value::Number(_))
            | (Self::Boolean, Value::Bool(_)) => Some(value.clone()),
            (Self::Number, Value::String(text)) => parsed(text).filter(Value::is_number),
            (Self::Boolean, Value::String(text)) => match text.as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            (Self::Strings, Value::String(text)) => parsed(text).filter(|v| {
                v.as_array()
                    .is_some_and(|items| items.iter().all(Value::is_string))
            }),
            (Self::Json, Value::String(text)) => parsed(text),
            _ => None,
        }
    }
}

/// One entry of the mapping: a context name, the claim it takes, its type.
#[derive(Debug, Clone)]
pub(crate) struct ContextEntry {
    pub name: String,
    pub claim: ClaimPath,
    pub kind: ContextType,
}

/// Why a context name cannot be used, if it cannot.
pub(crate) fn name_fault(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > MAX_CONTEXT_NAME_BYTES {
        Some(format!(
            "context names have 1 to {MAX_CONTEXT_NAME_BYTES} bytes"
        ))
    } else if RESERVED_CONTEXT_NAMES.contains(&name) {
        Some(format!(
            "`{name}` is API Gateway's own member of requestContext.authorizer"
        ))
    } else {
        None
    }
}

fn context_error(name: &str, message: String) -> Error {
    Error::ContextInvalid {
        name: name.to_owned(),
        message,
    }
}

/// The bytes a value takes in the context.
fn encoded_len(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        other => serde_json::to_string(other).map_or(usize::MAX, |text| text.len()),
    }
}

impl Policy {
    /// The authorizer context: each mapped claim that is present, encoded in its type for API
    /// Gateway (strings, numbers, booleans; arrays and objects as JSON text).
    ///
    /// # Errors
    /// `ERR_JWTGATE_CONTEXT_INVALID` (its `field` the entry) when a claim is not of its
    /// entry's type, or the context is over budget ([`MAX_CONTEXT_VALUE_BYTES`],
    /// [`MAX_CONTEXT_BYTES`]): the request is then refused, not passed on with less.
    // Called by the authorizer, the backend and the bindings: kept out of line, or each caller
    // gets its own copy in the wasm.
    #[inline(never)]
    pub fn context(&self, claims: &Map<String, Value>) -> Result<Map<String, Value>, Error> {
        // Inserted one by one: collecting into a map sorts first, and that sort costs kilobytes
        // of wasm for no gain on a handful of entries.
        let mut context = Map::new();
        let mut total = 0;
        for entry in &self.context {
            let Some(claim) = entry.claim.lookup(claims).filter(|v| !v.is_null()) else {
                continue;
            };
            let value = entry.kind.encode(claim).ok_or_else(|| {
                let what = format!("the claim `{}` is not a {}", entry.claim, entry.kind.name());
                context_error(&entry.name, what)
            })?;
            let len = encoded_len(&value);
            if len > MAX_CONTEXT_VALUE_BYTES {
                let what =
                    format!("{len} bytes; a context value has at most {MAX_CONTEXT_VALUE_BYTES}");
                return Err(context_error(&entry.name, what));
            }
            total += entry.name.len() + len;
            if total > MAX_CONTEXT_BYTES {
                let what = format!("the context is over its {MAX_CONTEXT_BYTES} bytes here");
                return Err(context_error(&entry.name, what));
            }
            context.insert(entry.name.clone(), value);
        }
        Ok(context)
    }

    /// What the backend received as the authorizer context (`authorizer`: the members API
    /// Gateway passed, see [`crate::apigw::authorizer_context`]), decoded into each entry's
    /// type. Members the mapping does not name are left out.
    ///
    /// # Errors
    /// `ERR_JWTGATE_CONTEXT_INVALID` when a member is not of its entry's type: the context
    /// did not come from this mapping.
    #[inline(never)]
    pub fn read_context(
        &self,
        authorizer: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Error> {
        let mut context = Map::new();
        for entry in &self.context {
            let Some(value) = authorizer.get(&entry.name).filter(|v| !v.is_null()) else {
                continue;
            };
            let decoded = entry.kind.decode(value).ok_or_else(|| {
                let what = format!("not a {} as this policy maps it", entry.kind.name());
                context_error(&entry.name, what)
            })?;
            context.insert(entry.name.clone(), decoded);
        }
        Ok(context)
    }

    /// The claims the context mapping reads.
    pub(crate) fn context_claims(&self) -> impl Iterator<Item = &ClaimPath> {
        self.context.iter().map(|entry| &entry.claim)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn policy(context: &Value) -> Policy {
        Policy::from_json(&json!({ "rules": [], "context": context }).to_string()).unwrap()
    }

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn typed_entries_encode_for_api_gateway_and_decode_back() {
        let policy = policy(&json!({
            "userId": "sub",
            "groups": { "claim": "cognito:groups", "type": "string[]" },
            "level": { "claim": "level", "type": "number" },
            "admin": { "claim": "admin", "type": "boolean" },
            "address": { "claim": "address", "type": "json" },
        }));
        let claims = map(json!({
            "sub": "alice", "cognito:groups": ["a", "b"], "level": 3, "admin": true,
            "address": { "city": "Paris" },
        }));
        let sent = policy.context(&claims).unwrap();
        assert_eq!(sent["groups"], json!(r#"["a","b"]"#));
        assert_eq!(sent["level"], json!(3));
        // REST and WebSocket APIs stringify numbers and booleans on the way to the backend.
        let rest: Map<String, Value> = sent
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                )
            })
            .collect();
        for received in [&sent, &rest] {
            let read = policy.read_context(received).unwrap();
            assert_eq!(read["groups"], json!(["a", "b"]));
            assert_eq!(read["level"], json!(3));
            assert_eq!(read["admin"], json!(true));
            assert_eq!(read["address"], json!({ "city": "Paris" }));
            assert_eq!(read["userId"], json!("alice"));
        }
        let one = policy
            .context(&map(json!({ "cognito:groups": "solo" })))
            .unwrap();
        assert_eq!(one["groups"], json!(r#"["solo"]"#));
    }

    #[test]
    fn a_claim_of_another_type_or_over_budget_refuses_the_request() {
        let policy =
            policy(&json!({ "level": { "claim": "level", "type": "number" }, "name": "name" }));
        let sent = policy.context(&map(json!({ "level": "3" }))).unwrap();
        assert_eq!(sent["level"], json!(3), "a number's text is the number");
        let err = policy
            .context(&map(json!({ "level": "three" })))
            .unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            ("ERR_JWTGATE_CONTEXT_INVALID", Some("level"))
        );
        let long = "x".repeat(MAX_CONTEXT_VALUE_BYTES + 1);
        let err = policy.context(&map(json!({ "name": long }))).unwrap_err();
        assert_eq!(err.field(), Some("name"));
        assert!(
            !err.to_string().contains("xxx"),
            "no claim value in the message"
        );
        let read = policy.read_context(&map(json!({ "level": "three" })));
        assert_eq!(read.unwrap_err().field(), Some("level"));
    }

    #[test]
    fn the_total_is_bounded() {
        let entries: Map<String, Value> = (0..8)
            .map(|i| (format!("c{i}"), json!(format!("k{i}"))))
            .collect();
        let policy = policy(&Value::Object(entries));
        let claims: Map<String, Value> = (0..8)
            .map(|i| (format!("k{i}"), json!("v".repeat(900))))
            .collect();
        let err = policy.context(&claims).unwrap_err();
        assert!(err.to_string().contains("over its"), "{err}");
    }
}
