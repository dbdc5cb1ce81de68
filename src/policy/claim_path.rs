//! Claim names and paths: `"sub"`, `"cognito:groups"`, `"address.country"`.

use core::fmt;

use serde_json::{Map, Value};

/// A claim name, or a dotted path into nested objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimPath(String);

impl ClaimPath {
    pub(crate) fn new(name: &str) -> Result<Self, String> {
        if name.is_empty() || name.split('.').any(str::is_empty) {
            Err(format!("bad claim name {name:?}"))
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    /// The claim's value. A claim whose name itself contains dots (namespaced claims such as
    /// `"https://example.com/roles"`) is found by its whole name first.
    pub(crate) fn lookup<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        if let Some(value) = claims.get(&self.0) {
            return Some(value);
        }
        let mut parts = self.0.split('.');
        let mut value = claims.get(parts.next()?)?;
        for part in parts {
            value = value.as_object()?.get(part)?;
        }
        Some(value)
    }
}

impl ClaimPath {
    /// The top-level members [`ClaimPath::lookup`] may read: the whole name, and the first
    /// part of a dotted path.
    pub(crate) fn members(&self) -> impl Iterator<Item = &str> {
        let root = self.0.split('.').next().filter(|root| *root != self.0);
        core::iter::once(self.0.as_str()).chain(root)
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
