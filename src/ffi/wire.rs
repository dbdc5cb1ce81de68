//! Every value that crosses to JavaScript, as serde types: errors with all their fields, the
//! verify result with its cache window, decisions, the pending signature of a two-pass check,
//! and the manifest from which the package learns the core's names, codes and limits instead
//! of copying them. Documents cross as JSON text: `JSON.parse` is faster than building objects
//! across the boundary, and JSON is what they are.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    apigw::{
        event_plan, iam::MAX_CACHED_GRANTS, proxy_plan, AuthorizerOptions, Detail, EventPlan,
        ProxyPlan, Shape,
    },
    frame::FrameTags,
    json::field_names,
    policy::{Decision, DOCUMENT_MEMBERS, RULE_MEMBERS},
    Alg, AlgInfo, Verified, VerifyOptions, DEFAULT_MAX_TOKEN_LENGTH, MAX_DOCUMENT_BYTES,
};

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

/// What the package reads from the core once, at load.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub(super) struct Manifest {
    /// Every algorithm, with its code for the native backend and what `WebCrypto` needs.
    algorithms: Vec<AlgInfo>,
    /// The verifier's option names.
    verifier_options: Vec<&'static str>,
    /// The authorizer's own option names (beside the verifier's).
    authorizer_options: &'static [&'static str],
    limits: Limits,
    /// Each outcome detail level's number, by name.
    detail: Map<String, Value>,
    /// The members of an event the decision reads.
    event: EventPlan,
    /// The members of a policy document and of its rules.
    policy: PolicyMembers,
    /// The members of a backend's proxy event read for its claims, route and context.
    proxy_event: ProxyPlan,
    /// The tag bytes of frames, in which events are copied in.
    frame_tags: FrameTags,
}

/// The members a policy document may have.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(super) struct PolicyMembers {
    document: [&'static str; 5],
    rule: [&'static str; 7],
}

/// The core's limits that the package applies before copying input in.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub(super) struct Limits {
    /// The largest document or event, in bytes.
    max_document_bytes: usize,
    /// How many cached IAM answers the authorizer keeps (and so how many documents by id).
    max_cached_grants: usize,
    /// The longest token by default.
    default_max_token_length: usize,
}

impl Manifest {
    pub(super) fn new() -> Self {
        let detail = Detail::ALL
            .iter()
            .enumerate()
            .map(|(code, level)| (format!("{level:?}").to_ascii_lowercase(), code.into()))
            .collect();
        Self {
            algorithms: Alg::ALL.iter().map(|alg| alg.describe()).collect(),
            verifier_options: VerifyOptions::names().collect(),
            authorizer_options: field_names::<AuthorizerOptions>(),
            limits: Limits {
                max_document_bytes: MAX_DOCUMENT_BYTES,
                max_cached_grants: MAX_CACHED_GRANTS,
                default_max_token_length: DEFAULT_MAX_TOKEN_LENGTH,
            },
            detail,
            event: event_plan(),
            proxy_event: proxy_plan(),
            frame_tags: crate::frame::TAGS,
            policy: PolicyMembers {
                document: DOCUMENT_MEMBERS,
                rule: RULE_MEMBERS,
            },
        }
    }
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
    use crate::{KeySet, VerifyOptions};

    #[test]
    fn the_manifest_names_what_the_core_owns() {
        let manifest: Value = serde_json::from_str(&json(&Manifest::new())).unwrap();
        assert_eq!(
            manifest["algorithms"].as_array().map(Vec::len),
            Some(Alg::ALL.len())
        );
        assert_eq!(manifest["algorithms"][9]["name"], "ES256");
        assert!(manifest["verifierOptions"]
            .as_array()
            .unwrap()
            .contains(&"clockTolerance".into()));
        assert!(manifest["authorizerOptions"]
            .as_array()
            .unwrap()
            .contains(&"tokenCookie".into()));
        assert_eq!(
            manifest["detail"],
            serde_json::json!({ "answer": 0, "brief": 1, "full": 2 })
        );
        assert_eq!(manifest["limits"]["maxCachedGrants"], MAX_CACHED_GRANTS);
    }

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
