//! Evaluating a policy for one request, with the explanation.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{
    evaluate::{Failure, Principal, Tracing},
    route::{Params, Target},
    Effect, Policy, Rule,
};
use crate::sender::Bound;

/// The outcome of a policy evaluation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The deciding rule: the first applying deny, else the first applying allow; `None` when
    /// nothing applied (default deny).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// One sentence for humans and logs; contains no claim values.
    pub reason: String,
    /// Every rule, in document order: whether it applied, and if not, the first failed check.
    pub trace: Vec<RuleTrace>,
}

/// What one rule did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct RuleTrace {
    /// The rule's id.
    pub rule: String,
    /// The rule's effect.
    pub effect: Effect,
    /// Whether the rule applied to this request.
    pub applied: bool,
    /// The first check that failed, for rules that did not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<FailedCheck>,
}

/// A failed check: which, what it wanted, and what the request or token had.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct FailedCheck {
    /// `route`, `scopes`, or `when[i]`.
    pub check: String,
    /// What the rule requires.
    pub expected: String,
    /// What was there (a claim value, the granted scopes, the request route); absent when
    /// the claim was missing. May contain token data: log it only when asked to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
}

impl Decision {
    /// The decision when no policy is configured: any valid token may call anything.
    #[must_use]
    pub fn allow_all() -> Self {
        Self {
            allowed: true,
            rule: None,
            reason: "valid token; no policy configured".into(),
            trace: Vec::new(),
        }
    }
}

impl Decision {
    /// The denial of a request the policy allows but whose answer cannot allow it: IAM reads
    /// the `*`, `?` or `${` of its path as a wildcard or a variable, and no proved pattern
    /// covers it. The trace stays the policy's.
    #[must_use]
    pub(crate) fn unanswerable(allowed: Decision) -> Self {
        Self {
            allowed: false,
            rule: None,
            reason: "the policy allows this request, but an IAM answer cannot name its path \
                     (a `*`, `?` or `${` in it) without allowing others: denied"
                .into(),
            trace: allowed.trace,
        }
    }

    /// The denial of a request with no route to match: no method and path, or route key.
    pub(crate) fn unroutable() -> Self {
        Self {
            allowed: false,
            rule: None,
            reason: "the request names no route".into(),
            trace: Vec::new(),
        }
    }
}

impl Policy {
    /// How a principal meets each rule, whatever the request ([`Rule::pins`], in document
    /// order).
    pub(crate) fn meets(&self, claims: &Map<String, Value>, bound: Bound) -> Vec<Option<Params>> {
        let scopes = self.granted_scopes(claims);
        self.rules
            .iter()
            .map(|rule| rule.pins(claims, &scopes, bound))
            .collect()
    }

    /// Whether `claims` may call `target`: [`Policy::decide`] without the explanation.
    #[must_use]
    pub fn allows(&self, target: Target<'_>, claims: &Map<String, Value>) -> bool {
        self.deciding_untraced(target, claims, Bound::Bearer)
            .allowed()
    }

    /// [`Policy::allows`] for a principal known only by how it meets each rule
    /// ([`Policy::meets`]): the same answer for all claims that meet the rules alike, so it is
    /// worked out once for all of them.
    pub(crate) fn allows_principal(&self, target: Target<'_>, meets: &[Option<Params>]) -> bool {
        let deciding = self.deciding(Tracing::Off, |i, rule| {
            meets.get(i).and_then(Option::as_ref).is_some_and(|pins| {
                rule.evaluate(target, Principal::Pinned(pins), Tracing::Off)
                    .is_ok()
            })
        });
        deciding.allowed()
    }

    /// Decides whether `claims` may call `target` with a plain bearer token.
    #[must_use]
    pub fn decide(&self, target: Target<'_>, claims: &Map<String, Value>) -> Decision {
        self.decide_bound(target, claims, Bound::Bearer)
    }

    /// Decides whether `claims` may call `target` in a request bound as `bound`: rules with a
    /// `binding` apply only to requests that meet it.
    #[must_use]
    pub fn decide_bound(
        &self,
        target: Target<'_>,
        claims: &Map<String, Value>,
        bound: Bound,
    ) -> Decision {
        let scopes = self.granted_scopes(claims);
        let principal = Principal::Claims {
            claims,
            scopes: &scopes,
            bound,
        };
        let mut trace = Vec::with_capacity(self.rules.len());
        let deciding = self.deciding(Tracing::On, |_, rule| {
            let failed = rule.evaluate(target, principal, Tracing::On).err();
            trace.push(RuleTrace {
                rule: rule.id.clone(),
                effect: rule.effect,
                applied: failed.is_none(),
                failed: failed
                    .map(|failure| explain(rule, failure, target, (claims, &scopes, bound))),
            });
            failed.is_none()
        });
        Decision {
            trace,
            ..deciding.conclude(target)
        }
    }

    /// [`Policy::decide`] with an empty trace, which is cheaper: explaining every rule that did
    /// not apply takes longer than deciding.
    #[must_use]
    pub fn decide_untraced(
        &self,
        target: Target<'_>,
        claims: &Map<String, Value>,
        bound: Bound,
    ) -> Decision {
        self.deciding_untraced(target, claims, bound)
            .conclude(target)
    }

    fn deciding_untraced(
        &self,
        target: Target<'_>,
        claims: &Map<String, Value>,
        bound: Bound,
    ) -> Deciding<'_> {
        let scopes = self.granted_scopes(claims);
        let principal = Principal::Claims {
            claims,
            scopes: &scopes,
            bound,
        };
        self.deciding(Tracing::Off, |_, rule| {
            rule.evaluate(target, principal, Tracing::Off).is_ok()
        })
    }

    /// The first applying deny and allow rules, by `applies` (given each rule's index). Traced,
    /// every rule is evaluated; else only those that can still change the outcome.
    fn deciding(
        &self,
        tracing: Tracing,
        mut applies: impl FnMut(usize, &Rule) -> bool,
    ) -> Deciding<'_> {
        let mut deciding = Deciding::default();
        for (i, rule) in self.rules.iter().enumerate() {
            let moot = deciding.deny.is_some()
                || (rule.effect == Effect::Allow && deciding.allow.is_some());
            if (tracing == Tracing::On || !moot) && applies(i, rule) {
                let first = match rule.effect {
                    Effect::Deny => &mut deciding.deny,
                    Effect::Allow => &mut deciding.allow,
                };
                first.get_or_insert(rule.id.as_str());
            }
        }
        deciding
    }
}

/// The first applying deny and allow rules: any deny wins.
#[derive(Default)]
struct Deciding<'p> {
    deny: Option<&'p str>,
    allow: Option<&'p str>,
}

impl Deciding<'_> {
    fn allowed(&self) -> bool {
        self.deny.is_none() && self.allow.is_some()
    }

    fn conclude(self, target: Target<'_>) -> Decision {
        let (allowed, rule, reason) = match (self.deny, self.allow) {
            (Some(deny), _) => (false, Some(deny), format!("denied by rule {deny:?}")),
            (None, Some(allow)) => (true, Some(allow), format!("allowed by rule {allow:?}")),
            (None, None) => (
                false,
                None,
                format!("no rule allows {target} (default deny)"),
            ),
        };
        Decision {
            allowed,
            rule: rule.map(str::to_owned),
            reason,
            trace: Vec::new(),
        }
    }
}

/// The explanation of a rule's failed check.
fn explain(
    rule: &Rule,
    failure: Failure<'_>,
    target: Target<'_>,
    (claims, scopes, bound): (&Map<String, Value>, &[&str], Bound),
) -> FailedCheck {
    match failure {
        Failure::Binding(required) => FailedCheck {
            check: "binding".into(),
            expected: required.name().into(),
            actual: serde_json::to_value(bound).ok(),
        },
        Failure::Route => FailedCheck {
            check: "route".into(),
            expected: rule
                .routes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" | "),
            actual: Some(Value::String(target.to_string())),
        },
        Failure::Scopes(required) => FailedCheck {
            check: "scopes".into(),
            expected: required.describe(),
            actual: Some(Value::from(scopes.to_vec())),
        },
        Failure::When(i, condition) => {
            let mismatch = condition.mismatch(claims);
            FailedCheck {
                check: format!("when[{i}]"),
                expected: mismatch.expected,
                actual: mismatch.actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DOC: &str = r#"{
      "rules": [
        { "id": "read",        "effect": "allow", "routes": ["GET /pets", "GET /pets/{petId}"], "scopes": { "anyOf": ["pets:read"] } },
        { "id": "no-delete",   "effect": "deny",  "routes": ["DELETE /pets/{petId}"] },
        { "id": "admin-write", "effect": "allow", "routes": ["POST /pets", "DELETE /pets/{petId}"], "when": [{ "claim": "cognito:groups", "containsAny": ["admin"] }] },
        { "id": "tenant",      "effect": "allow", "routes": ["GET /tenants/{tenantId}/orders"], "when": [{ "claim": "tenant", "equalsParam": "tenantId" }] },
        { "id": "chat",        "effect": "allow", "routes": ["$connect"] },
        { "id": "eu-only",     "effect": "allow", "routes": ["GET /eu/**"], "when": [{ "claim": "address.country", "in": ["FR", "DE"] }, { "claim": "email", "regex": "[a-z]+@example\\.com" }] }
      ],
      "principalId": "sub",
      "context": { "userId": "sub", "groups": "cognito:groups" }
    }"#;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test claims are objects"),
        }
    }

    fn http<'a>(method: &'a str, path: &'a str) -> Target<'a> {
        Target::Http { method, path }
    }

    #[test]
    fn the_issue_example_decides_as_documented() {
        let policy = Policy::from_json(DOC).unwrap();
        let reader = claims(json!({ "sub": "u1", "scope": "openid pets:read", "tenant": "t1" }));
        let admin =
            claims(json!({ "sub": "u2", "cognito:groups": ["admin"], "scp": ["pets:read"] }));

        let d = policy.decide(http("GET", "/pets/9"), &reader);
        assert!(d.allowed);
        assert_eq!(d.rule.as_deref(), Some("read"));
        assert!(!policy.decide(http("POST", "/pets"), &reader).allowed);
        assert!(policy.decide(http("POST", "/pets"), &admin).allowed);
        // Deny beats allow, whatever the order.
        let d = policy.decide(http("DELETE", "/pets/9"), &admin);
        assert!(!d.allowed);
        assert_eq!(d.rule.as_deref(), Some("no-delete"));
        assert!(
            policy
                .decide(http("GET", "/tenants/t1/orders"), &reader)
                .allowed
        );
        assert!(
            !policy
                .decide(http("GET", "/tenants/t2/orders"), &reader)
                .allowed
        );
        assert!(policy.decide(Target::Key("$connect"), &reader).allowed);
        assert!(!policy.decide(http("GET", "/unknown"), &admin).allowed);

        // The explanation-free path agrees everywhere.
        for claims in [&reader, &admin] {
            for (method, path) in [
                ("GET", "/pets/9"),
                ("POST", "/pets"),
                ("DELETE", "/pets/9"),
                ("GET", "/tenants/t1/orders"),
                ("GET", "/tenants/t2/orders"),
                ("GET", "/unknown"),
                ("GET", "/eu/x"),
            ] {
                let decision = policy.decide(http(method, path), claims);
                let untraced = policy.decide_untraced(http(method, path), claims, Bound::Bearer);
                assert_eq!(
                    (&untraced.rule, &untraced.reason),
                    (&decision.rule, &decision.reason)
                );
                assert!(untraced.trace.is_empty());
                assert_eq!(
                    policy.allows(http(method, path), claims),
                    decision.allowed,
                    "{method} {path}"
                );
            }
        }
    }

    /// Knowing how a principal meets each rule is knowing what it may call: for every request,
    /// `allows_principal` answers as `allows` does with the claims, including for claim texts
    /// that span segments (`{path+}`), numbers, and the probe value itself.
    #[test]
    fn how_a_principal_meets_the_rules_decides_every_request() {
        let policy = Policy::from_json(
            r#"{"rules": [
              { "id": "read", "effect": "allow", "routes": ["GET /pets", "GET /pets/{petId}"], "scopes": { "anyOf": ["pets:read"] } },
              { "id": "own", "effect": "allow", "routes": ["* /pets/{petId}", "GET /owners/{owner}/pets/{petId}"], "when": [{ "claim": "pet", "equalsParam": "petId" }] },
              { "id": "no-delete", "effect": "deny", "routes": ["DELETE /pets/{petId}"], "when": [{ "claim": "cognito:groups", "containsAny": ["intern"] }] },
              { "id": "files", "effect": "allow", "routes": ["GET /files/{path+}"], "when": [{ "claim": "home", "equalsParam": "path" }, { "claim": "home", "prefix": "u" }] },
              { "id": "literal", "effect": "allow", "routes": ["GET /files/u1/a"], "when": [{ "claim": "cognito:groups", "containsAny": ["staff"] }] },
              { "id": "any", "effect": "allow", "routes": ["GET /eu/**"], "when": [{ "claim": "address.country", "in": ["FR"] }] }
            ]}"#,
        )
        .unwrap();
        let principals = [
            json!({}),
            json!({ "scope": "pets:read", "pet": "7" }),
            json!({ "pet": 7, "cognito:groups": ["intern"] }),
            json!({ "pet": "jwtgate-probe" }),
            json!({ "pet": ["7"], "home": "u1/a", "cognito:groups": ["staff"] }),
            json!({ "home": "u1", "address": { "country": "FR" } }),
            json!({ "home": "x/u1", "pet": "" }),
        ];
        let targets = [
            ("GET", "/pets"),
            ("GET", "/pets/7"),
            ("DELETE", "/pets/7"),
            ("PUT", "/pets/8"),
            ("GET", "/pets/jwtgate-probe"),
            ("GET", "/owners/o/pets/7"),
            ("GET", "/files/u1"),
            ("GET", "/files/u1/a"),
            ("GET", "/files/x/u1"),
            ("GET", "/eu/a/b"),
            ("POST", "/unknown"),
        ];
        for claims in &principals {
            let claims = claims.as_object().unwrap();
            let scopes = policy.granted_scopes(claims);
            let meets: Vec<_> = policy
                .rules
                .iter()
                .map(|rule| rule.pins(claims, &scopes, Bound::Bearer))
                .collect();
            for (method, path) in targets {
                assert_eq!(
                    policy.allows_principal(http(method, path), &meets),
                    policy.allows(http(method, path), claims),
                    "{method} {path}: {claims:?}"
                );
            }
        }
    }

    /// `containsAny` and `containsAll` read an array claim's members, and any other value as a
    /// one-member array; a missing claim contains nothing. Traced and untraced decisions agree.
    #[test]
    fn list_conditions_read_arrays_and_single_values() {
        let policy = Policy::from_json(
            r#"{"rules":[
                {"id":"any","effect":"allow","routes":["GET /any"],"when":[{"claim":"g","containsAny":["a","b"]}]},
                {"id":"all","effect":"allow","routes":["GET /all"],"when":[{"claim":"g","containsAll":["a",1]}]}
            ]}"#,
        )
        .unwrap();
        let cases = [
            (json!({ "g": ["x", "b"] }), true, false),
            (json!({ "g": ["a", 1, "z"] }), true, true),
            (json!({ "g": [1, "a"] }), true, true),
            (json!({ "g": ["a", "1"] }), true, false),
            (json!({ "g": "a" }), true, false),
            (json!({ "g": 1 }), false, false),
            (json!({ "g": [] }), false, false),
            (json!({ "g": ["ab"] }), false, false),
            (json!({}), false, false),
        ];
        for (claims_json, any, all) in cases {
            let user = claims(claims_json.clone());
            for (path, want) in [("/any", any), ("/all", all)] {
                let target = http("GET", path);
                assert_eq!(
                    policy.decide(target, &user).allowed,
                    want,
                    "{path} {claims_json}"
                );
                assert_eq!(
                    policy.decide_untraced(target, &user, Bound::Bearer).allowed,
                    want,
                    "{path} {claims_json}"
                );
            }
        }
    }

    #[test]
    fn explanations_name_the_first_failed_check() {
        let policy = Policy::from_json(DOC).unwrap();
        let user = claims(
            json!({ "sub": "u1", "scope": "profile", "address": { "country": "FR" }, "email": "Eve@evil.com" }),
        );
        let d = policy.decide(http("GET", "/pets"), &user);
        assert_eq!(d.reason, "no rule allows GET /pets (default deny)");
        let read = &d.trace[0];
        assert_eq!(read.failed.as_ref().unwrap().check, "scopes");
        assert_eq!(
            read.failed.as_ref().unwrap().actual,
            Some(json!(["profile"]))
        );
        assert_eq!(d.trace[1].failed.as_ref().unwrap().check, "route");

        let d = policy.decide(http("GET", "/eu/reports/1"), &user);
        let eu = d.trace.iter().find(|t| t.rule == "eu-only").unwrap();
        assert_eq!(eu.failed.as_ref().unwrap().check, "when[1]");
        assert_eq!(
            eu.failed.as_ref().unwrap().actual,
            Some(json!("Eve@evil.com"))
        );
    }

    #[test]
    fn principal_and_context() {
        let policy = Policy::from_json(DOC).unwrap();
        let user = claims(json!({ "sub": "u1", "cognito:groups": ["a", "b"] }));
        assert_eq!(policy.principal(&user).as_deref(), Some("u1"));
        let context = policy.context(&user).unwrap();
        assert_eq!(context["userId"], json!("u1"));
        assert_eq!(context["groups"], json!("[\"a\",\"b\"]"));
    }
}
