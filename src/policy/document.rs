//! The policy document as JSON, and its validation into a [`Policy`]: all or nothing, every
//! fault reported with its JSON path.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    claim_path::ClaimPath,
    condition::{Condition, Op},
    route::Route,
    Effect, Policy, Rule, Scopes,
};
use crate::{error::Error, json};

/// Documents with more rules are refused.
pub const MAX_RULES: usize = 1000;
/// Rules with more routes are refused.
pub const MAX_ROUTES_PER_RULE: usize = 100;

const OPERATORS: &str =
    "equals, in, containsAny, containsAll, prefix, suffix, regex, exists, equalsParam";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PolicyDoc {
    rules: Vec<RuleDoc>,
    principal_id: Option<String>,
    #[serde(default)]
    context: Map<String, Value>,
    scope_claims: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    id: String,
    effect: Effect,
    routes: Vec<String>,
    scopes: Option<ScopesDoc>,
    #[serde(default)]
    when: Vec<ConditionDoc>,
    #[allow(dead_code)] // documentation for humans, kept so it is not an unknown field
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScopesDoc {
    any_of: Option<Vec<String>>,
    all_of: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConditionDoc {
    claim: String,
    equals: Option<Value>,
    #[serde(rename = "in")]
    in_: Option<Vec<Value>>,
    contains_any: Option<Vec<Value>>,
    contains_all: Option<Vec<Value>>,
    prefix: Option<String>,
    suffix: Option<String>,
    regex: Option<String>,
    exists: Option<bool>,
    equals_param: Option<String>,
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::PolicyInvalid {
        path: path.into(),
        message: message.into(),
    }
}

impl Policy {
    /// Loads and validates a policy document.
    ///
    /// # Errors
    /// `ERR_POLICY_INVALID` with the JSON path of the first fault (unknown field or operator,
    /// bad route, bad regex, duplicate id, …). Nothing is half-loaded.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let value = json::parse_document(text).map_err(|m| invalid("$", m))?;
        let doc: PolicyDoc = serde_path_to_error::deserialize(value).map_err(|err| {
            let path = format!("$.{}", err.path())
                .replace("$..", "$")
                .replace(".[", "[");
            let message = err.inner().to_string();
            let message = match message.strip_prefix("unknown field ") {
                Some(rest) if path.contains(".when[") => {
                    let name = rest.split(',').next().unwrap_or(rest);
                    format!("unknown operator {name}; expected one of {OPERATORS}")
                }
                _ => message,
            };
            invalid(path, message)
        })?;
        doc.compile()
    }
}

impl PolicyDoc {
    fn compile(self) -> Result<Policy, Error> {
        if self.rules.len() > MAX_RULES {
            return Err(invalid(
                "$.rules",
                format!("{} rules; at most {MAX_RULES}", self.rules.len()),
            ));
        }
        let mut ids = BTreeSet::new();
        let mut rules = Vec::with_capacity(self.rules.len());
        for (i, rule) in self.rules.into_iter().enumerate() {
            let at = format!("$.rules[{i}]");
            if rule.id.is_empty() {
                return Err(invalid(format!("{at}.id"), "must not be empty"));
            }
            if !ids.insert(rule.id.clone()) {
                return Err(invalid(
                    format!("{at}.id"),
                    format!("duplicate rule id {:?}", rule.id),
                ));
            }
            rules.push(rule.compile(&at)?);
        }
        let claim = |path: String, name: &str| ClaimPath::new(name).map_err(|m| invalid(path, m));
        let principal_claim = claim(
            "$.principalId".into(),
            self.principal_id.as_deref().unwrap_or("sub"),
        )?;
        let context = self
            .context
            .into_iter()
            .map(|(name, value)| {
                let path = format!("$.context.{name}");
                match value {
                    Value::String(c) => Ok((name, claim(path, &c)?)),
                    _ => Err(invalid(path, "must be a claim name (a string)")),
                }
            })
            .collect::<Result<_, _>>()?;
        let scope_claims = self
            .scope_claims
            .unwrap_or_else(|| vec!["scope".into(), "scp".into()]);
        if scope_claims.is_empty() {
            return Err(invalid("$.scopeClaims", "must name at least one claim"));
        }
        Ok(Policy {
            rules,
            principal_claim,
            context,
            scope_claims,
        })
    }
}

impl RuleDoc {
    fn compile(self, at: &str) -> Result<Rule, Error> {
        if self.routes.is_empty() || self.routes.len() > MAX_ROUTES_PER_RULE {
            return Err(invalid(
                format!("{at}.routes"),
                format!("must list 1 to {MAX_ROUTES_PER_RULE} routes"),
            ));
        }
        let routes = self
            .routes
            .iter()
            .enumerate()
            .map(|(j, r)| Route::parse(r).map_err(|m| invalid(format!("{at}.routes[{j}]"), m)))
            .collect::<Result<Vec<_>, _>>()?;
        let scopes = match self.scopes {
            None => Vec::new(),
            Some(doc) => doc.compile(&format!("{at}.scopes"))?,
        };
        let when = self
            .when
            .into_iter()
            .enumerate()
            .map(|(k, c)| c.compile(&format!("{at}.when[{k}]"), &routes))
            .collect::<Result<_, _>>()?;
        Ok(Rule {
            id: self.id,
            effect: self.effect,
            routes,
            scopes,
            when,
        })
    }
}

impl ScopesDoc {
    fn compile(self, at: &str) -> Result<Vec<Scopes>, Error> {
        let mut scopes = Vec::new();
        for (name, list, make) in [
            (
                "anyOf",
                self.any_of,
                Scopes::AnyOf as fn(Vec<String>) -> Scopes,
            ),
            ("allOf", self.all_of, Scopes::AllOf),
        ] {
            match list {
                Some(list) if list.is_empty() => {
                    return Err(invalid(
                        format!("{at}.{name}"),
                        "must list at least one scope",
                    ))
                }
                Some(list) => scopes.push(make(list)),
                None => {}
            }
        }
        if scopes.is_empty() {
            return Err(invalid(at, "needs anyOf or allOf"));
        }
        Ok(scopes)
    }
}

impl ConditionDoc {
    fn compile(self, at: &str, routes: &[Route]) -> Result<Condition, Error> {
        let claim = ClaimPath::new(&self.claim).map_err(|m| invalid(format!("{at}.claim"), m))?;
        let mut ops = Vec::new();
        let mut push = |op: Option<Op>| ops.extend(op);
        push(self.equals.map(Op::Equals));
        push(self.in_.map(Op::In));
        push(self.contains_any.map(Op::ContainsAny));
        push(self.contains_all.map(Op::ContainsAll));
        push(self.prefix.map(Op::Prefix));
        push(self.suffix.map(Op::Suffix));
        push(self.exists.map(Op::Exists));
        if let Some(pattern) = self.regex {
            push(Some(
                Op::regex(&pattern).map_err(|m| invalid(format!("{at}.regex"), m))?,
            ));
        }
        if let Some(param) = self.equals_param {
            if let Some(route) = routes.iter().find(|r| !r.param_names().any(|n| n == param)) {
                return Err(invalid(
                    format!("{at}.equalsParam"),
                    format!("route \"{route}\" does not bind {{{param}}}"),
                ));
            }
            push(Some(Op::EqualsParam(param)));
        }
        let mut ops = ops.into_iter();
        match (ops.next(), ops.next()) {
            (Some(op), None) => Ok(Condition { claim, op }),
            (None, _) => Err(invalid(at, format!("needs one operator: {OPERATORS}"))),
            (Some(_), Some(_)) => Err(invalid(
                at,
                "has more than one operator; use one condition each",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(doc: &str) -> (String, String) {
        match Policy::from_json(doc).unwrap_err() {
            Error::PolicyInvalid { path, message } => (path, message),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn faults_carry_their_json_path() {
        let rule = |extra: &str| {
            format!(
                r#"{{"rules":[{{"id":"a","effect":"allow","routes":["GET /x/{{id}}"]{extra}}}]}}"#
            )
        };
        assert_eq!(
            fault(&rule(r#","when":[{"claim":"x","startsWith":"a"}]"#)).0,
            "$.rules[0].when[0].startsWith"
        );
        assert!(fault(&rule(r#","when":[{"claim":"x","startsWith":"a"}]"#))
            .1
            .contains("unknown operator `startsWith`"));
        assert_eq!(
            fault(&rule(r#","when":[{"claim":"x","regex":"("}]"#)).0,
            "$.rules[0].when[0].regex"
        );
        assert_eq!(
            fault(&rule(r#","when":[{"claim":"x","equalsParam":"nope"}]"#)).0,
            "$.rules[0].when[0].equalsParam"
        );
        assert_eq!(
            fault(&rule(r#","when":[{"claim":"x"}]"#)).0,
            "$.rules[0].when[0]"
        );
        assert_eq!(
            fault(&rule(
                r#","when":[{"claim":"x","prefix":"a","suffix":"b"}]"#
            ))
            .0,
            "$.rules[0].when[0]"
        );
        assert_eq!(fault(&rule(r#","scopes":{}"#)).0, "$.rules[0].scopes");
        assert_eq!(fault(&rule(r#","colour":"red""#)).0, "$.rules[0].colour");
        assert_eq!(
            fault(r#"{"rules":[{"id":"a","effect":"allow","routes":["GET x"]}]}"#).0,
            "$.rules[0].routes[0]"
        );
        assert_eq!(
            fault(r#"{"rules":[{"id":"a","effect":"permit","routes":["GET /"]}]}"#).0,
            "$.rules[0].effect"
        );
        let dup = r#"{"rules":[{"id":"a","effect":"allow","routes":["GET /"]},{"id":"a","effect":"deny","routes":["GET /"]}]}"#;
        assert_eq!(
            fault(dup),
            ("$.rules[1].id".into(), "duplicate rule id \"a\"".into())
        );
        assert_eq!(fault(r#"{"rules":[],"context":{"g":3}}"#).0, "$.context.g");
        assert_eq!(fault(r#"{"rule":[]}"#).0, "$.rule");
    }

    #[test]
    fn regexes_are_bounded() {
        let long = "a".repeat(crate::policy::MAX_REGEX_LEN + 1);
        let doc = format!(
            r#"{{"rules":[{{"id":"a","effect":"allow","routes":["GET /"],"when":[{{"claim":"x","regex":"{long}"}}]}}]}}"#
        );
        assert!(fault(&doc).1.contains("at most"));
    }
}
