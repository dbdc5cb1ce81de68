//! What API Gateway expects back: an IAM policy (REST, WebSocket, HTTP API without simple
//! responses) or a simple response (HTTP API 2.0). The IAM policy itself is built, proved and
//! cached by [`super::iam`].

use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{value::RawValue, Map, Value};

use super::iam::Grants;

/// What API Gateway gets back from the authorizer, serialized straight from the grants (no
/// intermediate JSON value).
#[derive(Debug, Clone)]
#[cfg_attr(test, derive(ts_rs::TS), ts(type = "IamResponse | SimpleResponse"))]
#[non_exhaustive]
pub enum Response {
    /// An IAM policy: REST and WebSocket APIs, and HTTP APIs without simple responses.
    Iam(IamPolicy),
    /// `{ isAuthorized, context }`: HTTP API 2.0 with simple responses.
    Simple {
        /// Whether the request is allowed.
        is_authorized: bool,
        /// The authorizer context.
        context: Map<String, Value>,
    },
}

/// The IAM policy answer: `{ principalId, policyDocument, context, usageIdentifierKey? }`.
#[derive(Debug, Clone)]
pub struct IamPolicy {
    principal_id: String,
    grants: Arc<Grants>,
    context: Map<String, Value>,
    usage_identifier_key: Option<String>,
    /// `policyDocument` is written as the document's id ([`IamPolicy::refer_to_document`]).
    by_id: bool,
}

impl IamPolicy {
    /// For bindings that keep policy documents by id: from now on `policyDocument` is written
    /// as the document's id (a number) when the answer is a cached one, which many principals
    /// share, and the answer that names it is returned, to look the document up once. A
    /// response of a few hundred bytes is then mostly the document: the other side parses it
    /// once instead of on every decision. `None` (and no change) for an answer of its own.
    #[cfg(any(test, target_arch = "wasm32"))]
    pub(crate) fn refer_to_document(&mut self) -> Option<Arc<Grants>> {
        self.by_id = self.grants.id().is_some();
        self.by_id.then(|| Arc::clone(&self.grants))
    }
}

/// The IAM policy answer.
pub(crate) fn iam_response(
    principal: &str,
    grants: Arc<Grants>,
    context: Map<String, Value>,
    usage_key: Option<String>,
) -> Response {
    Response::Iam(IamPolicy {
        principal_id: principal.to_owned(),
        grants,
        context,
        usage_identifier_key: usage_key,
        by_id: false,
    })
}

/// The HTTP API 2.0 simple response.
pub(crate) fn simple_response(allowed: bool, context: Map<String, Value>) -> Response {
    Response::Simple {
        is_authorized: allowed,
        context,
    }
}

/// What a simple response serializes as.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "SimpleResponse"))]
#[serde(rename_all = "camelCase")]
struct Simple<'a> {
    is_authorized: bool,
    #[cfg_attr(test, ts(type = "AuthorizerContext"))]
    context: &'a Map<String, Value>,
}

/// What an IAM policy answer serializes as: the document itself, or its id.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "IamResponse", optional_fields))]
#[serde(rename_all = "camelCase")]
struct Iam<'a> {
    principal_id: &'a str,
    #[cfg_attr(test, ts(type = "PolicyDocument | number"))]
    policy_document: Document<'a>,
    #[cfg_attr(test, ts(type = "AuthorizerContext"))]
    context: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_identifier_key: Option<&'a str>,
}

/// The document itself, or its id.
#[derive(Serialize)]
#[serde(untagged)]
enum Document<'a> {
    Text(&'a RawValue),
    Id(u64),
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Response::Simple {
                is_authorized,
                context,
            } => Simple {
                is_authorized: *is_authorized,
                context,
            }
            .serialize(serializer),
            Response::Iam(iam) => Iam {
                principal_id: &iam.principal_id,
                policy_document: match iam.grants.id() {
                    Some(id) if iam.by_id => Document::Id(id),
                    _ => Document::Text(iam.grants.raw_document()),
                },
                context: &iam.context,
                usage_identifier_key: iam.usage_identifier_key.as_deref(),
            }
            .serialize(serializer),
        }
    }
}

/// The declarations of the shapes a [`Response`] serializes as.
#[cfg(test)]
pub(crate) fn declarations(cfg: &ts_rs::Config) -> String {
    use ts_rs::TS;
    [
        Iam::decl(cfg),
        Simple::decl(cfg),
        super::iam::declarations(cfg),
    ]
    .join("\n\nexport ")
}
