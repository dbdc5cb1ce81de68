//! The `when` operators, each defined once: how it is read from a document, what it asks of a
//! claim's value, how an explanation describes it, and whether it pins a path parameter.
//! Adding one is a type here and a line in [`OPERATORS`].

use std::{borrow::Cow, sync::Arc};

use regex_lite::Regex;
use serde_json::Value;

use super::route::{Params, Route};
use crate::json::{items, string};

/// Regular expressions longer than this are refused at load. `regex-lite` matches in time
/// linear in the input, so there is no catastrophic backtracking; the cap bounds compile time.
pub const MAX_REGEX_LEN: usize = 256;

/// What a condition asks of the request once the claim it reads is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Requirement<'a> {
    /// Holds on every route.
    Met,
    /// Holds on no route.
    Unmet,
    /// Holds where the route binds `param` to `text`.
    Pins { param: &'a str, text: Cow<'a, str> },
}

impl Requirement<'_> {
    pub(crate) fn holds_on(&self, params: &Params) -> bool {
        match self {
            Requirement::Met => true,
            Requirement::Unmet => false,
            Requirement::Pins { param, text } => params
                .iter()
                .find(|(name, _)| name == param)
                .is_some_and(|(_, value)| value == text),
        }
    }
}

impl From<bool> for Requirement<'_> {
    fn from(holds: bool) -> Self {
        if holds {
            Requirement::Met
        } else {
            Requirement::Unmet
        }
    }
}

/// One operator, compiled.
pub(crate) trait Operator: core::fmt::Debug + Send + Sync {
    /// What the claim's value (`None`: the claim is missing) asks of the request.
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a>;

    /// What it wants, as explanations say it after the claim's name.
    fn describe(&self) -> String;

    /// The path parameter it pins to the claim's text, whatever the claims.
    fn pinned_param(&self) -> Option<&str> {
        None
    }

    /// Every value of the claim it can hold for (`None` in it: the claim missing), when it
    /// lists them (`equals`, `in`, `exists: false`): lints try each on the claim's other
    /// conditions to find rules that can never apply.
    #[cfg(feature = "tools")]
    fn only_values(&self) -> Option<Vec<Option<&Value>>> {
        None
    }
}

/// Reads an operator's value from a document, checked against the rule's routes; the message
/// says what is wrong with it.
type Parse = fn(Value, &[Route]) -> Result<Arc<dyn Operator>, String>;

/// The JSON an operator's value must be (its parse refuses anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// Any value.
    Any,
    /// An array.
    List,
    /// A string.
    Text,
    /// A boolean.
    Bool,
}

/// Every operator by its member name, with the JSON it takes, in the order a condition's members
/// are read (the first malformed one is reported) and listed in messages.
pub(crate) const OPERATORS: [(&str, Takes, Parse); 9] = [
    ("equals", Takes::Any, |v, _| Ok(Arc::new(Equals(v)))),
    ("in", Takes::List, |v, _| Ok(Arc::new(In(items(v)?)))),
    ("containsAny", Takes::List, |v, _| {
        Ok(Arc::new(ContainsAny(items(v)?)))
    }),
    ("containsAll", Takes::List, |v, _| {
        Ok(Arc::new(ContainsAll(items(v)?)))
    }),
    ("prefix", Takes::Text, |v, _| {
        Ok(Arc::new(Prefix(string(v)?)))
    }),
    ("suffix", Takes::Text, |v, _| {
        Ok(Arc::new(Suffix(string(v)?)))
    }),
    ("regex", Takes::Text, |v, _| {
        Ok(Arc::new(Matches::new(&string(v)?)?))
    }),
    ("exists", Takes::Bool, |v, _| Ok(Arc::new(Exists::new(v)?))),
    ("equalsParam", Takes::Text, |v, routes| {
        Ok(Arc::new(EqualsParam::new(string(v)?, routes)?))
    }),
];

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[derive(Debug)]
struct Equals(Value);

impl Operator for Equals {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        actual.is_some_and(|a| *a == self.0).into()
    }

    fn describe(&self) -> String {
        format!("equals {}", json(&self.0))
    }

    #[cfg(feature = "tools")]
    fn only_values(&self) -> Option<Vec<Option<&Value>>> {
        Some(vec![Some(&self.0)])
    }
}

#[derive(Debug)]
struct In(Vec<Value>);

impl Operator for In {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        actual.is_some_and(|a| self.0.contains(a)).into()
    }

    fn describe(&self) -> String {
        format!("in {}", json(&self.0))
    }

    #[cfg(feature = "tools")]
    fn only_values(&self) -> Option<Vec<Option<&Value>>> {
        Some(self.0.iter().map(Some).collect())
    }
}

#[derive(Debug)]
struct ContainsAny(Vec<Value>);

impl Operator for ContainsAny {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        actual
            .is_some_and(|a| members(a).iter().any(|m| self.0.contains(m)))
            .into()
    }

    fn describe(&self) -> String {
        format!("containsAny {}", json(&self.0))
    }
}

#[derive(Debug)]
struct ContainsAll(Vec<Value>);

impl Operator for ContainsAll {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        actual
            .is_some_and(|a| self.0.iter().all(|want| members(a).contains(want)))
            .into()
    }

    fn describe(&self) -> String {
        format!("containsAll {}", json(&self.0))
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

#[derive(Debug)]
struct Prefix(String);

impl Operator for Prefix {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        matches!(actual, Some(Value::String(s)) if s.starts_with(self.0.as_str())).into()
    }

    fn describe(&self) -> String {
        format!("prefix {:?}", self.0)
    }
}

#[derive(Debug)]
struct Suffix(String);

impl Operator for Suffix {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        matches!(actual, Some(Value::String(s)) if s.ends_with(self.0.as_str())).into()
    }

    fn describe(&self) -> String {
        format!("suffix {:?}", self.0)
    }
}

/// `regex`: the whole string claim matches.
#[derive(Debug)]
struct Matches(Regex);

impl Matches {
    fn new(pattern: &str) -> Result<Self, String> {
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
        build(&format!("^(?:{pattern})$")).map(Self)
    }
}

impl Operator for Matches {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        matches!(actual, Some(Value::String(s)) if self.0.is_match(s)).into()
    }

    fn describe(&self) -> String {
        format!("regex {:?}", self.0.as_str())
    }
}

/// `exists: true` (present, even `null`) or `exists: false` (absent).
#[derive(Debug)]
struct Exists(bool);

impl Exists {
    fn new(value: Value) -> Result<Self, String> {
        match value {
            Value::Bool(want) => Ok(Self(want)),
            other => Err(crate::json::expected(&other, "a boolean")),
        }
    }
}

impl Operator for Exists {
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        (self.0 == actual.is_some()).into()
    }

    fn describe(&self) -> String {
        if self.0 { "exists" } else { "absent" }.into()
    }

    #[cfg(feature = "tools")]
    fn only_values(&self) -> Option<Vec<Option<&Value>>> {
        (!self.0).then(|| vec![None])
    }
}

/// `equalsParam`: the path parameter equals the claim's text.
#[derive(Debug)]
struct EqualsParam(String);

impl EqualsParam {
    /// Every route of the rule must bind the parameter: it is compared on whichever matches.
    fn new(param: String, routes: &[Route]) -> Result<Self, String> {
        match routes.iter().find(|r| !r.param_names().any(|n| n == param)) {
            Some(route) => Err(format!("route \"{route}\" does not bind {{{param}}}")),
            None => Ok(Self(param)),
        }
    }
}

impl Operator for EqualsParam {
    /// Strings as they are, numbers in JSON form; a claim with no text (missing, or neither a
    /// string nor a number) equals no parameter.
    fn require<'a>(&'a self, actual: Option<&'a Value>) -> Requirement<'a> {
        let text = match actual {
            Some(Value::String(s)) => Cow::Borrowed(s.as_str()),
            Some(Value::Number(n)) => Cow::Owned(n.to_string()),
            _ => return Requirement::Unmet,
        };
        Requirement::Pins {
            param: &self.0,
            text,
        }
    }

    fn describe(&self) -> String {
        format!("equals path parameter {{{}}}", self.0)
    }

    fn pinned_param(&self) -> Option<&str> {
        Some(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`OPERATORS`] says each operator takes is what its parse accepts, and only that.
    #[test]
    fn each_operator_takes_the_json_it_says() {
        let samples = [
            (Takes::List, Value::Array(vec![Value::from("a")])),
            (Takes::Text, Value::from("a")),
            (Takes::Bool, Value::Bool(true)),
        ];
        let routes = [Route::parse("GET /users/{a}").unwrap()];
        for (name, takes, parse) in OPERATORS {
            for (kind, sample) in &samples {
                let accepted = parse(sample.clone(), &routes).is_ok();
                assert_eq!(
                    accepted,
                    takes == Takes::Any || takes == *kind,
                    "{name} {sample}"
                );
            }
        }
    }
}
