//! Policy documents: `Policy::from_json` on the input; when it loads, decisions for fixed
//! requests and for requests and claims derived from the document itself (each route made
//! concrete, each condition satisfied), plus principal and context. Also `Route::parse` on the
//! raw input. Property: nothing panics.
#![no_main]

mod common;

use jwtgate::policy::{
    route::{Route, Target},
    Policy,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

/// Requests every policy is asked about.
const FIXED: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/pets"),
    ("GET", "/pets/7"),
    ("DELETE", "/pets/7"),
    ("POST", "/pets/"),
    ("GET", "/tenants/t1/orders"),
    ("GET", "/admin/../pets/7"),
    ("PUT", "/a//b/./c/%2e%2e"),
    ("GET", ""),
    ("GET", "pets"),
    ("OPTIONS", "/ü/\u{0}"),
];
const KEYS: &[&str] = &["$connect", "$disconnect", "$default", "$other", ""];
const MAX_DERIVED: usize = 64;

fn fixed_claims() -> Map<String, Value> {
    let claims = json!({
        "iss": "https://issuer.example", "sub": "alice", "aud": "api", "exp": 1_700_003_600,
        "scope": "pets:read pets:write", "scp": ["a", "b"], "tenant": "t1", "petId": 7,
        "cognito:groups": ["admin", "users"], "roles": "x", "email": "alice@example.com",
        "address": {"country": "FR", "city": {"name": "Paris"}},
        "https://example.com/uid": 42, "org": {"id": 1}, "n": null, "f": 1.5, "t": true
    });
    claims.as_object().cloned().unwrap_or_default()
}

/// A path that `route` (a pattern such as `GET /pets/{id}/**`) matches, roughly.
fn concrete(pattern: &str, fill: &str) -> Option<(String, String)> {
    let (method, path) = pattern.split_once(' ')?;
    let method = match method {
        "*" | "ANY" => "GET".to_owned(),
        m => m.to_owned(),
    };
    let path = path
        .split('/')
        .map(|seg| match seg {
            "*" => fill.to_owned(),
            "**" => format!("{fill}/{fill}"),
            s if s.starts_with('{') => fill.to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/");
    Some((method, path))
}

/// Claims satisfying (roughly) every condition and scope of the document.
fn derived_claims(doc: &Value, base: &Map<String, Value>) -> Map<String, Value> {
    let mut claims = base.clone();
    let mut scopes = Vec::new();
    let rules = doc
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for rule in rules.take(MAX_DERIVED) {
        if let Some(s) = rule.get("scopes").and_then(Value::as_object) {
            for list in s.values().filter_map(Value::as_array) {
                scopes.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
            }
        }
        for cond in rule
            .get("when")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(MAX_DERIVED)
        {
            let Some(name) = cond.get("claim").and_then(Value::as_str) else {
                continue;
            };
            let value = if let Some(v) = cond.get("equals") {
                v.clone()
            } else if let Some(v) = cond.get("in").and_then(|v| v.get(0)) {
                v.clone()
            } else if let Some(v) = cond.get("containsAll").or_else(|| cond.get("containsAny")) {
                v.clone()
            } else if let Some(Value::String(p)) = cond.get("prefix") {
                Value::String(format!("{p}x"))
            } else if let Some(Value::String(s)) = cond.get("suffix") {
                Value::String(format!("x{s}"))
            } else {
                Value::String("x".into())
            };
            // Both the flat name and the dotted path into nested objects.
            if let Some((head, rest)) = name.split_once('.') {
                let mut nested = value.clone();
                for part in rest.rsplit('.') {
                    nested = json!({ part: nested });
                }
                claims.insert(head.to_owned(), nested);
            }
            claims.insert(name.to_owned(), value);
        }
    }
    claims.insert("scope".into(), Value::String(scopes.join(" ")));
    claims
}

fn routes_of(doc: &Value) -> Vec<&str> {
    doc.get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("routes").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .take(MAX_DERIVED)
        .collect()
}

fn ask(policy: &Policy, target: Target<'_>, claims: &Map<String, Value>) {
    let decision = policy.decide(target, claims);
    // A decision names the rule that decided it, and that rule applied.
    if let Some(rule) = &decision.rule {
        assert!(decision.trace.iter().any(|t| &t.rule == rule && t.applied));
    }
    let _ = serde_json::to_string(&decision);
}

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    let text = text.as_ref();

    if let Ok(route) = Route::parse(text) {
        let _ = route.to_string();
        let _ = route.param_names().count();
        for (method, path) in FIXED {
            let _ = route.matches(Target::Http { method, path });
        }
        let _ = route.matches(Target::Key(text));
        if let Some((method, path)) = concrete(text, "v") {
            let _ = route.matches(Target::Http {
                method: &method,
                path: &path,
            });
        }
    }

    let Ok(policy) = Policy::from_json(text) else {
        return;
    };
    let base = fixed_claims();
    let empty = Map::new();
    let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let derived = derived_claims(&doc, &base);

    for claims in [&base, &empty, &derived] {
        let _ = policy.principal(claims);
        let _ = policy.context(claims);
        for (method, path) in FIXED {
            ask(&policy, Target::Http { method, path }, claims);
        }
        for key in KEYS {
            ask(&policy, Target::Key(key), claims);
        }
    }
    for pattern in routes_of(&doc) {
        if pattern.starts_with('$') {
            ask(&policy, Target::Key(pattern), &derived);
            continue;
        }
        for fill in ["7", "t1", "..", ""] {
            if let Some((method, path)) = concrete(pattern, fill) {
                ask(
                    &policy,
                    Target::Http {
                        method: &method,
                        path: &path,
                    },
                    &derived,
                );
                ask(
                    &policy,
                    Target::Http {
                        method: &method,
                        path: &path,
                    },
                    &base,
                );
            }
        }
    }
});
