//! Every value that crosses to JavaScript, as serde types: errors with all their fields, the
//! verify result with its cache window, decisions and the pending signature of a two-pass
//! check (the manifest is `super::manifest`). Documents cross as JSON text: `JSON.parse` is
//! faster than building objects across the boundary, and JSON is what they are.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{apigw::Shape, policy::Decision, Verified};

/// The parts of an outcome that its refusal as a replay keeps (the rest of the outcome's
/// text is skipped unread).
#[derive(Debug, Deserialize)]
pub(crate) struct Replayed {
    pub shape: Shape,
    pub route: Option<String>,
}

/// JSON text of a value made here (maps with string keys, numbers, strings: it always
/// serializes).
pub(super) fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `[alg, header, payload, window]` as one JSON text: one string to decode and one
/// `JSON.parse` instead of several. The header and payload are the JSON texts exactly as
/// verified (strictly parsed objects), so splicing them in keeps the text valid. `window` is
/// `{ from, until }` (whole seconds in which the result stays valid) or `null`.
pub(super) fn verified_json(verified: &Verified) -> String {
    let alg = verified.alg.name();
    let window = verified
        .window
        .map_or_else(|| "null".to_owned(), |window| json(&window));
    let mut text = String::with_capacity(
        alg.len() + verified.header_json().len() + verified.payload_json.len() + window.len() + 9,
    );
    for piece in [
        "[\"",
        alg,
        "\",",
        verified.header_json(),
        ",",
        &verified.payload_json,
        ",",
        &window,
        "]",
    ] {
        text.push_str(piece);
    }
    text
}

/// What `Policy.decide` answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub(super) struct Decided {
    pub decision: Decision,
    pub principal_id: Option<String>,
    #[cfg_attr(test, ts(type = "AuthorizerContext"))]
    pub context: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_replayed_refusal_reads_its_shape_and_route_from_the_outcome() {
        let outcome = r#"{"status":200,"shape":"restRequest","route":"GET /x","replay":{"key":"k","ttlMs":1000}}"#;
        let Replayed { shape, route } = serde_json::from_str(outcome).unwrap();
        assert_eq!(
            (shape, route.as_deref()),
            (Shape::RestRequest, Some("GET /x"))
        );
    }

    use super::*;
    use crate::{Alg, KeySet, VerifyOptions};

    #[test]
    fn a_verified_result_is_one_json_text_with_its_window() {
        let secret = b"a-string-secret-at-least-256-bits-long".to_vec();
        let keys = KeySet::from_secret(secret, Alg::Hs256, None).unwrap();
        let verifier = crate::Verifier::new(VerifyOptions::default()).unwrap();
        // {"alg":"HS256"} . {"sub":"a","exp":2000000000}
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjoyMDAwMDAwMDAwfQ.isxQe8G5JDnthkslYNk2Uo_gQzRzMEJUwFYCmJPUyXo";
        let result = verifier.verify(&keys, token, 1_700_000_000).unwrap();
        let parsed: Value = serde_json::from_str(&verified_json(&result)).unwrap();
        assert_eq!(parsed[0], "HS256");
        assert_eq!(parsed[2]["sub"], "a");
        assert_eq!(parsed[3]["until"], 1_999_999_999);
    }
}
