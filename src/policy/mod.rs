//! Policy documents: which principal may call which route, decided from verified claims, with
//! an explanation.
//!
//! Semantics: default deny; a rule applies when one of its routes matches, its scopes are
//! satisfied and all its `when` conditions hold; any applying `deny` beats every `allow`; rule
//! order does not matter.

mod claim_path;
mod condition;
mod context;
mod decide;
mod document;
mod evaluate;
#[cfg(feature = "tools")]
pub mod lint;
pub(crate) mod operator;
pub mod route;

pub use context::{
    MAX_CONTEXT_BYTES, MAX_CONTEXT_ENTRIES, MAX_CONTEXT_NAME_BYTES, MAX_CONTEXT_VALUE_BYTES,
    RESERVED_CONTEXT_NAMES,
};
pub use decide::{Decision, FailedCheck, RuleTrace};
pub use document::{DOCUMENT_MEMBERS, MAX_ROUTES_PER_RULE, MAX_RULES, RULE_MEMBERS};
pub use operator::MAX_REGEX_LEN;

use serde::{Deserialize, Serialize};

use self::{claim_path::ClaimPath, condition::Condition, context::ContextEntry, route::Route};
use crate::sender::Binding;

/// What a rule does when it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Effect {
    /// Lets the request through (unless a deny rule also applies).
    Allow,
    /// Refuses the request, whatever else applies.
    Deny,
}

/// Required scopes of a rule.
#[derive(Debug, Clone)]
pub(crate) enum Scopes {
    AnyOf(Vec<String>),
    AllOf(Vec<String>),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub id: String,
    pub effect: Effect,
    pub routes: Vec<Route>,
    pub scopes: Vec<Scopes>,
    pub when: Vec<Condition>,
    /// The sender constraints the request must meet: the document's, then the rule's own.
    pub bindings: Vec<Binding>,
}

/// A loaded, validated policy document.
///
/// ```
/// use jwtgate::policy::{Policy, route::Target};
/// let policy = Policy::from_json(r#"{
///   "rules": [
///     { "id": "read", "effect": "allow", "routes": ["GET /pets/{petId}"], "scopes": { "anyOf": ["pets:read"] } },
///     { "id": "tenant", "effect": "allow", "routes": ["GET /tenants/{tenantId}/orders"],
///       "when": [{ "claim": "tenant", "equalsParam": "tenantId" }] }
///   ]
/// }"#)?;
/// let claims = serde_json::json!({ "sub": "alice", "scope": "pets:read", "tenant": "t1" });
/// let claims = claims.as_object().unwrap();
/// assert!(policy.decide(Target::Http { method: "GET", path: "/pets/7" }, claims).allowed);
/// assert!(policy.decide(Target::Http { method: "GET", path: "/tenants/t1/orders" }, claims).allowed);
/// let other = policy.decide(Target::Http { method: "GET", path: "/tenants/t2/orders" }, claims);
/// assert!(!other.allowed);
/// # Ok::<_, jwtgate::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) rules: Vec<Rule>,
    principal_claim: ClaimPath,
    context: Vec<ContextEntry>,
    scope_claims: Vec<String>,
}

impl Policy {
    /// The principal for API Gateway: the configured claim (default `sub`) as text.
    #[must_use]
    pub fn principal(&self, claims: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
        match self.principal_claim.lookup(claims)? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Every top-level claim a decision may read (principal, context, scopes, conditions),
    /// sorted, without repeats: the rest of a claims set need not be built for deciding.
    pub(crate) fn claim_names(&self) -> Vec<String> {
        let paths = core::iter::once(&self.principal_claim)
            .chain(self.context_claims())
            .chain(
                self.rules
                    .iter()
                    .flat_map(|r| r.when.iter().map(|c| &c.claim)),
            );
        let mut names: Vec<String> = paths
            .flat_map(ClaimPath::members)
            .chain(self.scope_claims.iter().map(String::as_str))
            .map(str::to_owned)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The scopes the token grants, from the configured claims (`scope` as a space-separated
    /// string, `scp` as an array or string, by default).
    pub(crate) fn granted_scopes<'a>(
        &'a self,
        claims: &'a serde_json::Map<String, serde_json::Value>,
    ) -> Vec<&'a str> {
        use serde_json::Value;
        let mut scopes = Vec::new();
        for name in &self.scope_claims {
            match claims.get(name) {
                Some(Value::String(s)) => scopes.extend(s.split_ascii_whitespace()),
                Some(Value::Array(items)) => scopes.extend(items.iter().filter_map(Value::as_str)),
                _ => {}
            }
        }
        scopes
    }
}
