//! The manifest, from which the package learns the core's names, codes and limits instead of
//! copying them. Only the `tools` build exports it: `scripts/build.sh` writes its text into the
//! package (`pkg/dist/manifest.mjs`) at build time, from the same sources as the runtime wasm,
//! which then carries neither the manifest's code (16 KB, 8 KB gzipped) nor its first call's
//! compilation at every cold start.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{
    apigw::{
        event_plan, iam::MAX_CACHED_GRANTS, proxy_plan, AuthorizerOptions, Detail, EventPlan,
        ProxyPlan,
    },
    frame::FrameTags,
    json::field_names,
    policy::{DOCUMENT_MEMBERS, RULE_MEMBERS},
    Alg, AlgInfo, VerifyOptions, DEFAULT_MAX_TOKEN_LENGTH, MAX_DOCUMENT_BYTES,
};

/// What the package reads from the core (written into it when it is built).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::wire::json;

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
}
