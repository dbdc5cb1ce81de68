//! What API Gateway expects back: an IAM policy (REST, WebSocket, HTTP API without simple
//! responses) or a simple response (HTTP API 2.0).
//!
//! API Gateway caches an authorizer's answer per token and reuses it for every route, so the
//! IAM policy lists every route of the policy document this principal may call, not just the
//! current one, with explicit denials where an IAM wildcard would grant more than the policy.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::arn::MethodArn;
use crate::policy::{
    route::{Route, Segment, Target},
    Effect, Policy,
};

/// Methods a `*`/`ANY` route is checked for when repairing wildcard over-grants.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Stands for "some value" in a path parameter when probing what a wildcard would grant.
const PROBE: &str = "jwtgate-probe";

/// The `Resource`s to allow and to deny for this principal.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Grants {
    pub allow: BTreeSet<String>,
    pub deny: BTreeSet<String>,
}

/// Every route this principal may call (and must not), as `execute-api` resources.
pub(crate) fn grants(
    policy: Option<&Policy>,
    arn: &MethodArn,
    claims: &Map<String, Value>,
) -> Grants {
    let Some(policy) = policy else {
        // Verification only: a valid token may call everything under this API and stage.
        return Grants {
            allow: BTreeSet::from([format!("{}/*", arn.prefix)]),
            deny: BTreeSet::new(),
        };
    };
    let mut grants = Grants::default();
    for rule in &policy.rules {
        let Some(bound) = rule.applies_to_principal(policy, claims) else {
            continue;
        };
        for route in &rule.routes {
            let resource = resource_of(arn, route, &bound);
            match rule.effect {
                Effect::Allow => grants.allow.insert(resource),
                Effect::Deny => grants.deny.insert(resource),
            };
        }
    }
    repair_wildcards(policy, arn, claims, &mut grants);
    grants
}

/// The resource pattern of a route; parameters pinned by `equalsParam` take the claim's value.
fn resource_of(arn: &MethodArn, route: &Route, bound: &[(String, String)]) -> String {
    match route {
        // `$default` also catches every HTTP route.
        Route::Key(key) if key == "$default" => format!("{}/*", arn.prefix),
        Route::Key(key) => arn.resource(key, ""),
        Route::Http { method, segments } => {
            let path: String = segments
                .iter()
                .map(|segment| match segment {
                    Segment::Literal(text) => format!("/{text}"),
                    Segment::Param(name) => match bound.iter().find(|(n, _)| n == name) {
                        Some((_, value)) => format!("/{value}"),
                        None => "/*".into(),
                    },
                    Segment::Any | Segment::Rest(_) => "/*".into(),
                })
                .collect();
            arn.resource(
                method.as_deref().unwrap_or("*"),
                if path.is_empty() { "/" } else { &path },
            )
        }
    }
}

/// IAM's `*` also crosses `/`, so `GET/pets/*` grants `GET/pets/1/secrets` too. For every route
/// of the document that an allowed pattern covers but the policy denies, add an explicit deny.
fn repair_wildcards(
    policy: &Policy,
    arn: &MethodArn,
    claims: &Map<String, Value>,
    grants: &mut Grants,
) {
    let routes: BTreeSet<String> = policy
        .rules
        .iter()
        .flat_map(|r| &r.routes)
        .filter(|r| matches!(r, Route::Http { .. }))
        .map(ToString::to_string)
        .collect();
    for text in routes {
        let Ok(route @ Route::Http { .. }) = Route::parse(&text) else {
            continue;
        };
        let Route::Http { method, segments } = &route else {
            continue;
        };
        let probe_path = probe(segments);
        let methods: Vec<&str> = method.as_deref().map_or(METHODS.to_vec(), |m| vec![m]);
        for m in methods {
            let probe_arn = arn.resource(m, &probe_path);
            let granted = grants
                .allow
                .iter()
                .any(|pattern| iam_glob(pattern, &probe_arn));
            if granted
                && !policy
                    .decide(
                        Target::Http {
                            method: m,
                            path: &probe_path,
                        },
                        claims,
                    )
                    .allowed
            {
                grants.deny.insert(resource_of(arn, &route, &[]).replacen(
                    "/*/",
                    &format!("/{m}/"),
                    usize::from(method.is_none()),
                ));
            }
        }
    }
}

/// A concrete path matching the pattern, with a probe value for every wildcard.
fn probe(segments: &[Segment]) -> String {
    if segments.is_empty() {
        return "/".into();
    }
    segments
        .iter()
        .map(|s| match s {
            Segment::Literal(text) => format!("/{text}"),
            _ => format!("/{PROBE}"),
        })
        .collect()
}

/// IAM resource matching: `*` any run of characters (including none), `?` one character.
pub(crate) fn iam_glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The IAM policy document answer.
pub(crate) fn iam_response(
    principal: &str,
    grants: &Grants,
    arn: &MethodArn,
    context: &Map<String, Value>,
    usage_key: Option<String>,
) -> Value {
    let statement = |effect: &str, resources: &BTreeSet<String>| json!({ "Action": "execute-api:Invoke", "Effect": effect, "Resource": resources.iter().collect::<Vec<_>>() });
    let mut statements = Vec::new();
    if !grants.allow.is_empty() {
        statements.push(statement("Allow", &grants.allow));
    }
    if !grants.deny.is_empty() {
        statements.push(statement("Deny", &grants.deny));
    }
    if statements.is_empty() {
        statements.push(statement(
            "Deny",
            &BTreeSet::from([format!("{}/*", arn.prefix)]),
        ));
    }
    let mut response = json!({
        "principalId": principal,
        "policyDocument": { "Version": "2012-10-17", "Statement": statements },
        "context": context,
    });
    if let (Some(key), Some(object)) = (usage_key, response.as_object_mut()) {
        object.insert("usageIdentifierKey".into(), Value::String(key));
    }
    response
}

/// The HTTP API 2.0 simple response.
pub(crate) fn simple_response(allowed: bool, context: &Map<String, Value>) -> Value {
    json!({ "isAuthorized": allowed, "context": context })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_glob_matches_like_api_gateway() {
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/1"));
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/1/secrets"));
        assert!(iam_glob("a/*/pets", "a/DELETE/pets"));
        assert!(iam_glob("a/GET/p?ts", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets/*", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets", "a/GET/pets/1"));
        assert!(iam_glob("*", ""));
    }
}
