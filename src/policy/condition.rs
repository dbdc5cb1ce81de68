//! `when` conditions on claims.

use regex_lite::Regex;
use serde_json::{Map, Value};

use super::{claim_path::ClaimPath, route::Params};

/// Regular expressions longer than this are refused at load. `regex-lite` matches in time
/// linear in the input, so there is no catastrophic backtracking; the cap bounds compile time.
pub const MAX_REGEX_LEN: usize = 256;

/// One comparison, compiled.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Equals(Value),
    In(Vec<Value>),
    ContainsAny(Vec<Value>),
    ContainsAll(Vec<Value>),
    Prefix(String),
    Suffix(String),
    Regex(Regex),
    Exists(bool),
    EqualsParam(String),
}

/// A condition: a claim and what it must satisfy.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub claim: ClaimPath,
    pub op: Op,
}

/// Why a condition failed: what was expected and what the token had.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mismatch {
    pub expected: String,
    pub actual: Option<Value>,
}

impl Op {
    pub(crate) fn regex(pattern: &str) -> Result<Op, String> {
        if pattern.len() > MAX_REGEX_LEN {
            return Err(format!(
                "regex is {} bytes; at most {MAX_REGEX_LEN}",
                pattern.len()
            ));
        }
        let build = |pattern: &str| {
            regex_lite::RegexBuilder::new(pattern)
                .size_limit(1 << 16)
                .build()
                .map_err(|err| format!("bad regex: {err}"))
        };
        // Checked alone first: `a)|(.*` is no regex, but inside the anchors it would be one
        // that matches everything.
        build(pattern)?;
        build(&format!("^(?:{pattern})$")).map(Op::Regex)
    }

    fn describe(&self) -> String {
        fn json<T: serde::Serialize>(value: &T) -> String {
            serde_json::to_string(value).unwrap_or_default()
        }
        match self {
            Op::Equals(v) => format!("equals {}", json(v)),
            Op::In(v) => format!("in {}", json(v)),
            Op::ContainsAny(v) => format!("containsAny {}", json(v)),
            Op::ContainsAll(v) => format!("containsAll {}", json(v)),
            Op::Prefix(p) => format!("prefix {p:?}"),
            Op::Suffix(s) => format!("suffix {s:?}"),
            Op::Regex(r) => format!("regex {:?}", r.as_str()),
            Op::Exists(true) => "exists".into(),
            Op::Exists(false) => "absent".into(),
            Op::EqualsParam(p) => format!("equals path parameter {{{p}}}"),
        }
    }
}

impl Condition {
    /// Checks the condition against the claims and the route's bound parameters.
    pub(crate) fn check(
        &self,
        claims: &Map<String, Value>,
        params: &Params,
    ) -> Result<(), Mismatch> {
        if self.holds(claims, params) {
            Ok(())
        } else {
            Err(Mismatch {
                expected: format!("{} {}", self.claim, self.op.describe()),
                actual: self.claim.lookup(claims).cloned(),
            })
        }
    }

    /// Whether the condition holds (without explaining why not).
    pub(crate) fn holds(&self, claims: &Map<String, Value>, params: &Params) -> bool {
        let actual = self.claim.lookup(claims);
        match (&self.op, actual) {
            (Op::Exists(want), found) => *want == found.is_some(),
            (Op::Equals(v), Some(a)) => a == v,
            (Op::In(list), Some(a)) => list.contains(a),
            (Op::ContainsAny(list), Some(a)) => members(a).iter().any(|m| list.contains(m)),
            (Op::ContainsAll(list), Some(a)) => list.iter().all(|want| members(a).contains(want)),
            (Op::Prefix(p), Some(Value::String(s))) => s.starts_with(p.as_str()),
            (Op::Suffix(p), Some(Value::String(s))) => s.ends_with(p.as_str()),
            (Op::Regex(r), Some(Value::String(s))) => r.is_match(s),
            (Op::EqualsParam(name), Some(a)) => params
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, value)| scalar_text(a).is_some_and(|text| text == *value)),
            _ => false,
        }
    }
}

impl Condition {
    /// For `equalsParam`: the parameter and the claim's text it must equal (`Err` when the
    /// claim has no text: missing, or neither a string nor a number). `None` for other
    /// operators.
    pub(crate) fn pinned_param(
        &self,
        claims: &Map<String, Value>,
    ) -> Option<Result<(String, String), ()>> {
        let Op::EqualsParam(name) = &self.op else {
            return None;
        };
        Some(
            self.claim
                .lookup(claims)
                .and_then(scalar_text)
                .map(|v| (name.clone(), v))
                .ok_or(()),
        )
    }
}

/// An array claim's members; any other value counts as a one-member array, so
/// `containsAny` works on a claim that is sometimes a string and sometimes a list.
fn members(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        other => core::slice::from_ref(other),
    }
}

/// The text a path parameter is compared with: strings as they are, numbers in JSON form.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
