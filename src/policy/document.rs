//! The policy document as JSON, and its validation into a [`Policy`]: all or nothing, every
//! fault reported with its JSON path.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{
    claim_path::ClaimPath,
    condition::Condition,
    context::{name_fault, ContextEntry, ContextType, MAX_CONTEXT_ENTRIES},
    operator::OPERATORS,
    route::Route,
    Effect, Policy, Rule, Scopes,
};
use crate::{
    error::Error,
    json::{self, expected},
    segment::Location,
    sender::Binding,
};

/// Documents with more rules are refused.
pub const MAX_RULES: usize = 1000;
/// Rules with more routes are refused.
pub const MAX_ROUTES_PER_RULE: usize = 100;
/// The members a policy document may have.
pub const DOCUMENT_MEMBERS: [&str; 5] =
    ["rules", "principalId", "context", "scopeClaims", "binding"];
/// The members a rule may have.
pub const RULE_MEMBERS: [&str; 7] = [
    "id",
    "effect",
    "routes",
    "scopes",
    "when",
    "binding",
    "description",
];

fn invalid(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::PolicyInvalid {
        path: path.into(),
        message: message.into(),
    }
}

/// The members of one object of the document, taken one by one with the JSON path of each, so
/// every fault names where it is (hand-written rather than derived: a path-tracking
/// deserializer costs far more code than these few shapes).
struct Members {
    at: String,
    map: Map<String, Value>,
}

impl Members {
    /// `value` as an object with no members but `known`.
    fn new(value: Value, at: String, known: &[&str]) -> Result<Self, Error> {
        let doc = Self::object(value, at)?;
        match doc.unknown(known) {
            Some(name) => {
                let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                Err(invalid(
                    doc.path(name),
                    format!(
                        "unknown field `{name}`, expected one of {}",
                        listed.join(", ")
                    ),
                ))
            }
            None => Ok(doc),
        }
    }

    fn object(value: Value, at: String) -> Result<Self, Error> {
        match value {
            Value::Object(map) => Ok(Self { at, map }),
            other => Err(invalid(at, expected(&other, "a JSON object"))),
        }
    }

    /// The first member (in name order) that is not one of `known`.
    fn unknown(&self, known: &[&str]) -> Option<&str> {
        self.map
            .keys()
            .map(String::as_str)
            .find(|name| !known.contains(name))
    }

    fn path(&self, name: &str) -> String {
        format!("{}.{name}", self.at)
    }

    /// A member that may be absent (or `null`), with its path.
    fn optional(&mut self, name: &str) -> Option<(String, Value)> {
        self.map
            .remove(name)
            .filter(|value| !value.is_null())
            .map(|value| (self.path(name), value))
    }

    fn required(&mut self, name: &str) -> Result<(String, Value), Error> {
        match self.map.remove(name) {
            Some(value) => Ok((self.path(name), value)),
            None => Err(invalid(&*self.at, format!("missing field `{name}`"))),
        }
    }

    fn optional_string(&mut self, name: &str) -> Result<Option<String>, Error> {
        self.optional(name)
            .map(|(at, v)| string(v, &at))
            .transpose()
    }

    fn optional_list(&mut self, name: &str) -> Result<Option<(String, Vec<Value>)>, Error> {
        self.optional(name)
            .map(|(at, v)| list(v, &at).map(|items| (at, items)))
            .transpose()
    }

    fn optional_strings(&mut self, name: &str) -> Result<Option<Vec<String>>, Error> {
        self.optional_list(name)?
            .map(|(at, items)| strings(items, &at))
            .transpose()
    }
}

fn string(value: Value, at: &str) -> Result<String, Error> {
    json::string(value).map_err(|m| invalid(at, m))
}

fn list(value: Value, at: &str) -> Result<Vec<Value>, Error> {
    json::items(value).map_err(|m| invalid(at, m))
}

fn strings(items: Vec<Value>, at: &str) -> Result<Vec<String>, Error> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| string(item, &format!("{at}[{i}]")))
        .collect()
}

impl Policy {
    /// Loads and validates a policy document.
    ///
    /// # Errors
    /// `ERR_POLICY_INVALID` with the JSON path of the first fault (unknown field or operator,
    /// bad route, bad regex, duplicate id, …). Nothing is half-loaded.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let value = json::parse_located(text).map_err(|(message, place)| {
            let (line, column) = place.unzip();
            Error::PolicyUnreadable {
                message,
                at: Box::new(Location {
                    line,
                    column,
                    ..Location::default()
                }),
            }
        })?;
        let mut doc = Members::new(value, "$".into(), &DOCUMENT_MEMBERS)?;
        let binding = binding(&mut doc)?;
        let (at, rules) = doc.required("rules")?;
        let rules = list(rules, &at)?;
        if rules.len() > MAX_RULES {
            return Err(invalid(
                at,
                format!("{} rules; at most {MAX_RULES}", rules.len()),
            ));
        }
        let mut ids = BTreeSet::new();
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| compile_rule(rule, format!("{at}[{i}]"), &mut ids, binding))
            .collect::<Result<_, _>>()?;
        let claim = |path: String, name: &str| ClaimPath::new(name).map_err(|m| invalid(path, m));
        let principal_claim = claim(
            doc.path("principalId"),
            doc.optional_string("principalId")?
                .as_deref()
                .unwrap_or("sub"),
        )?;
        let context = match doc.optional("context") {
            Some((at, value)) => compile_context(value, &at)?,
            None => Vec::new(),
        };
        let scope_claims = doc
            .optional_strings("scopeClaims")?
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

/// The `context` mapping: name → claim, or name → `{ claim, type }`.
fn compile_context(value: Value, at: &str) -> Result<Vec<ContextEntry>, Error> {
    let Value::Object(members) = value else {
        return Err(invalid(at, expected(&value, "a map")));
    };
    if members.len() > MAX_CONTEXT_ENTRIES {
        return Err(invalid(
            at,
            format!("{} entries; at most {MAX_CONTEXT_ENTRIES}", members.len()),
        ));
    }
    // A loop, not `collect` into a `Result`: that adapter costs the wasm kilobytes.
    let mut entries = Vec::with_capacity(members.len());
    for (name, value) in members {
        let path = format!("{at}.{name}");
        if let Some(fault) = name_fault(&name) {
            return Err(invalid(path, fault));
        }
        let (claim, kind) = context_entry(value, &path)?;
        let claim = ClaimPath::new(&claim).map_err(|m| invalid(&path, m))?;
        entries.push(ContextEntry { name, claim, kind });
    }
    Ok(entries)
}

/// One entry's claim and type: a claim name alone is the plain form.
fn context_entry(value: Value, at: &str) -> Result<(String, ContextType), Error> {
    if let Value::String(claim) = value {
        return Ok((claim, ContextType::Auto));
    }
    if !value.is_object() {
        return Err(invalid(at, "must be a claim name, or { claim, type }"));
    }
    let mut entry = Members::new(value, at.to_owned(), &["claim", "type"])?;
    let (path, claim) = entry.required("claim")?;
    let claim = string(claim, &path)?;
    let (path, kind) = entry.required("type")?;
    let kind = string(kind, &path)?;
    let found = ContextType::NAMED.iter().find(|(name, _)| *name == kind);
    let names: Vec<String> = ContextType::NAMED
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    let (_, kind) = found.ok_or_else(|| {
        invalid(
            path,
            format!(
                "unknown type `{kind}`, expected one of {}",
                names.join(", ")
            ),
        )
    })?;
    Ok((claim, *kind))
}

/// Compiles one rule, whose id must not be in `ids` yet.
fn compile_rule(
    value: Value,
    at: String,
    ids: &mut BTreeSet<String>,
    document_binding: Option<Binding>,
) -> Result<Rule, Error> {
    let mut doc = Members::new(value, at, &RULE_MEMBERS)?;
    let (path, id) = doc.required("id")?;
    let id = string(id, &path)?;
    if id.is_empty() {
        return Err(invalid(path, "must not be empty"));
    }
    if !ids.insert(id.clone()) {
        return Err(invalid(path, format!("duplicate rule id {id:?}")));
    }
    let (path, effect) = doc.required("effect")?;
    let effect = match string(effect, &path)?.as_str() {
        "allow" => Effect::Allow,
        "deny" => Effect::Deny,
        other => {
            return Err(invalid(
                path,
                format!("unknown variant `{other}`, expected `allow` or `deny`"),
            ))
        }
    };
    let (path, routes) = doc.required("routes")?;
    let routes = strings(list(routes, &path)?, &path)?;
    if routes.is_empty() || routes.len() > MAX_ROUTES_PER_RULE {
        return Err(invalid(
            path,
            format!("must list 1 to {MAX_ROUTES_PER_RULE} routes"),
        ));
    }
    let routes = routes
        .iter()
        .enumerate()
        .map(|(j, r)| Route::parse(r).map_err(|m| invalid(format!("{path}[{j}]"), m)))
        .collect::<Result<Vec<_>, _>>()?;
    let scopes = match doc.optional("scopes") {
        None => Vec::new(),
        Some((at, scopes)) => compile_scopes(Members::new(scopes, at, &["anyOf", "allOf"])?)?,
    };
    let when = match doc.optional_list("when")? {
        None => Vec::new(),
        Some((at, conditions)) => conditions
            .into_iter()
            .enumerate()
            .map(|(k, c)| compile_condition(c, format!("{at}[{k}]"), &routes))
            .collect::<Result<_, _>>()?,
    };
    let own = binding(&mut doc)?;
    if own.is_some() && effect == Effect::Deny {
        // A deny that applied only to bound requests would let the same request through
        // as a plain bearer one.
        return Err(invalid(
            doc.path("binding"),
            "only allow rules can require a binding",
        ));
    }
    let bindings = match effect {
        Effect::Allow => document_binding.into_iter().chain(own).collect(),
        Effect::Deny => Vec::new(),
    };
    // Documentation for humans; checked only for its type.
    doc.optional_string("description")?;
    Ok(Rule {
        id,
        effect,
        routes,
        scopes,
        when,
        bindings,
    })
}

/// A `binding` member: the sender constraint allowed requests must meet.
fn binding(doc: &mut Members) -> Result<Option<Binding>, Error> {
    let Some(name) = doc.optional_string("binding")? else {
        return Ok(None);
    };
    let found = Binding::ALL.into_iter().find(|b| b.name() == name);
    found.map(Some).ok_or_else(|| {
        let names: Vec<String> = Binding::ALL
            .iter()
            .map(|b| format!("`{}`", b.name()))
            .collect();
        invalid(
            doc.path("binding"),
            format!(
                "unknown binding `{name}`, expected one of {}",
                names.join(", ")
            ),
        )
    })
}

fn compile_scopes(mut doc: Members) -> Result<Vec<Scopes>, Error> {
    let mut scopes = Vec::new();
    for (name, make) in [
        ("anyOf", Scopes::AnyOf as fn(Vec<String>) -> Scopes),
        ("allOf", Scopes::AllOf),
    ] {
        match doc.optional_strings(name)? {
            Some(list) if list.is_empty() => {
                return Err(invalid(doc.path(name), "must list at least one scope"))
            }
            Some(list) => scopes.push(make(list)),
            None => {}
        }
    }
    if scopes.is_empty() {
        return Err(invalid(doc.at, "needs anyOf or allOf"));
    }
    Ok(scopes)
}

fn compile_condition(value: Value, at: String, routes: &[Route]) -> Result<Condition, Error> {
    let mut doc = Members::object(value, at)?;
    let names = || OPERATORS.iter().map(|(name, _, _)| *name);
    let fields: Vec<&str> = core::iter::once("claim").chain(names()).collect();
    let listed = || names().collect::<Vec<_>>().join(", ");
    if let Some(name) = doc.unknown(&fields) {
        return Err(invalid(
            doc.path(name),
            format!("unknown operator `{name}`; expected one of {}", listed()),
        ));
    }
    let (path, claim) = doc.required("claim")?;
    let claim = ClaimPath::new(&string(claim, &path)?).map_err(|m| invalid(path, m))?;
    let mut ops = Vec::new();
    for (name, _, parse) in OPERATORS {
        if let Some((path, value)) = doc.optional(name) {
            ops.push(parse(value, routes).map_err(|m| invalid(path, m))?);
        }
    }
    let mut ops = ops.into_iter();
    match (ops.next(), ops.next()) {
        (Some(op), None) => Ok(Condition { claim, op }),
        (None, _) => Err(invalid(doc.at, format!("needs one operator: {}", listed()))),
        (Some(_), Some(_)) => Err(invalid(
            doc.at,
            "has more than one operator; use one condition each",
        )),
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
    fn a_document_that_is_not_json_says_where() {
        let err = Policy::from_json("{\n  \"rules\": [\n    x\n  ]\n}").unwrap_err();
        let data = crate::ErrorData::from(&err);
        assert_eq!(
            (data.code, data.field.as_deref(), data.line, data.column),
            ("ERR_POLICY_INVALID", Some("$"), Some(3), Some(5))
        );
        assert!(err.to_string().starts_with("policy $: expected value"));
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
        // Not a regex alone, though one (matching everything) between the anchors.
        assert_eq!(
            fault(&rule(r#","when":[{"claim":"x","regex":"a)|(.*"}]"#)).0,
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
        assert_eq!(
            fault(r#"{"rules":[],"context":{"g":{"claim":"g","type":"list"}}}"#).0,
            "$.context.g.type"
        );
        assert_eq!(
            fault(r#"{"rules":[],"context":{"principalId":"sub"}}"#).0,
            "$.context.principalId"
        );
        let long = "n".repeat(crate::policy::MAX_CONTEXT_NAME_BYTES + 1);
        assert_eq!(
            fault(&format!(r#"{{"rules":[],"context":{{"{long}":"sub"}}}}"#)).0,
            format!("$.context.{long}")
        );
        let many: Vec<String> = (0..=crate::policy::MAX_CONTEXT_ENTRIES)
            .map(|i| format!(r#""c{i}":"sub""#))
            .collect();
        assert_eq!(
            fault(&format!(
                r#"{{"rules":[],"context":{{{}}}}}"#,
                many.join(",")
            ))
            .0,
            "$.context"
        );
        assert_eq!(fault(r#"{"rule":[]}"#).0, "$.rule");
        assert_eq!(
            fault(r#"{"rules":[{"id":3,"effect":"allow","routes":["GET /"]}]}"#),
            (
                "$.rules[0].id".into(),
                "invalid type: integer `3`, expected a string".into()
            )
        );
        assert_eq!(
            fault(r#"{"rules":[{"id":"a","effect":"allow"}]}"#),
            ("$.rules[0]".into(), "missing field `routes`".into())
        );
        assert_eq!(
            fault(r#"{"rules":[{"id":"a","effect":"allow","routes":["GET /",7]}]}"#).0,
            "$.rules[0].routes[1]"
        );
        assert_eq!(
            fault(r#"{"rules":[],"scopeClaims":"scope"}"#).1,
            "invalid type: string \"scope\", expected a sequence"
        );
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
