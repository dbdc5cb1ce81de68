//! `when` conditions on claims: a claim and an operator.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{
    claim_path::ClaimPath,
    operator::{Operator, Requirement},
};

/// A condition: a claim and what it must satisfy.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub claim: ClaimPath,
    pub op: Arc<dyn Operator>,
}

/// Why a condition failed: what was expected and what the token had.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mismatch {
    pub expected: String,
    pub actual: Option<Value>,
}

impl Condition {
    /// What the condition asks of the request, given the claims.
    pub(crate) fn require<'a>(&'a self, claims: &'a Map<String, Value>) -> Requirement<'a> {
        self.op.require(self.claim.lookup(claims))
    }

    /// What it asks, in words: `cognito:groups containsAny ["admin"]`.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.claim, self.op.describe())
    }

    /// The explanation of the condition failing for these claims.
    pub(crate) fn mismatch(&self, claims: &Map<String, Value>) -> Mismatch {
        Mismatch {
            expected: self.describe(),
            actual: self.claim.lookup(claims).cloned(),
        }
    }

    /// The path parameter it pins to a claim's text (`equalsParam`).
    pub(crate) fn pinned_param(&self) -> Option<&str> {
        self.op.pinned_param()
    }
}
