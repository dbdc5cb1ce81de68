//! The authorizer's brief outcomes (for a decision log) and answers (what a Lambda handler
//! returns) against its full outcomes.

mod common;

use common::{b64, sign_segments, TestKey, NOW};
use jwtgate::{
    apigw::{Authorizer, AuthorizerOptions, Detail},
    policy::Policy,
    Alg, KeySet, Verifier, VerifyOptions,
};
use serde_json::{json, Value};

const SECRET: [u8; 32] = [7; 32];

fn authorizer(policy: Option<&Value>, usage_claim: Option<&str>) -> Authorizer {
    let mut options = AuthorizerOptions::default();
    options.usage_identifier_key_claim = usage_claim.map(str::to_owned);
    let mut authorizer = Authorizer::new(None, options).unwrap();
    let keys = KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap();
    let verifier = Verifier::new(VerifyOptions::default()).unwrap();
    authorizer.add_issuer(None, verifier, keys.into()).unwrap();
    // Set after the issuer, as the Node binding does: what a decision reads follows the policy.
    if let Some(policy) = policy {
        authorizer.set_policy(Policy::from_json(&policy.to_string()).unwrap());
    }
    authorizer
}

fn event(claims: &Value, method: &str, path: &str) -> String {
    let mut claims = claims.clone();
    claims["exp"] = json!(NOW + 60);
    let header = b64(br#"{"alg":"HS256"}"#);
    let token = sign_segments(
        &TestKey::Secret(SECRET.to_vec()),
        "HS256",
        &header,
        &b64(claims.to_string().as_bytes()),
    );
    json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": format!("arn:aws:execute-api:eu-west-1:123456789012:api1/prod/{method}{path}"),
    })
    .to_string()
}

/// The full outcome without what a brief one leaves out.
fn briefed(mut full: Value) -> Value {
    let object = full.as_object_mut().unwrap();
    object.remove("payload");
    object.remove("context");
    if let Some(decision) = object.get_mut("decision") {
        decision["trace"] = json!([]);
    }
    full
}

/// A brief outcome without what an answer leaves out.
fn answer(mut brief: Value) -> Value {
    let object = brief.as_object_mut().unwrap();
    for name in ["decision", "principalId", "route"] {
        object.remove(name);
    }
    brief
}

/// Verification builds only the claims a decision reads (the policy's principal, context,
/// scopes and conditions, dotted paths and namespaced names included, and the usage-plan key);
/// a brief decision or a bare answer on them is the full decision, whatever else the token holds.
#[test]
fn brief_outcomes_decide_as_full_ones() {
    let policy = json!({
        "rules": [
            { "id": "read", "effect": "allow", "routes": ["GET /pets/{id}"], "scopes": { "anyOf": ["pets:read"] } },
            { "id": "tenant", "effect": "allow", "routes": ["GET /tenants/{t}/orders"],
              "when": [{ "claim": "org.tenant", "equalsParam": "t" }] },
            { "id": "ns", "effect": "allow", "routes": ["POST /admin"],
              "when": [{ "claim": "https://example.com/roles", "containsAny": ["admin"] }] },
            { "id": "no-delete", "effect": "deny", "routes": ["DELETE /pets/{id}"] },
        ],
        "principalId": "user.id",
        "context": { "plan": "custom:plan", "roles": "https://example.com/roles" },
        "scopeClaims": ["scope", "scp"],
    });
    let principals = [
        json!({ "user": { "id": "u1" }, "scope": "pets:read openid", "org": { "tenant": "t1" }, "custom:plan": "pro", "other": [1, 2] }),
        json!({ "user": { "id": "u2" }, "scp": ["pets:read"], "https://example.com/roles": ["admin"], "api_key": "k-2", "sub": "s2" }),
        json!({ "user.id": "u3", "org.tenant": "t1", "https://example.com/roles": "admin" }),
        json!({ "sub": "no-user", "scope": "pets:read" }),
    ];
    let requests = [
        ("GET", "/pets/7"),
        ("DELETE", "/pets/7"),
        ("GET", "/tenants/t1/orders"),
        ("POST", "/admin"),
    ];
    let mut seen = Vec::new();
    for (policy, usage) in [
        (Some(&policy), None),
        (Some(&policy), Some("api_key")),
        (None, Some("api_key")),
        (None, None),
    ] {
        let authorizer = authorizer(policy, usage);
        for claims in &principals {
            for (method, path) in requests {
                let event = event(claims, method, path);
                let full = serde_json::to_value(authorizer.handle_event(&event, NOW)).unwrap();
                let with = |detail| {
                    serde_json::to_value(authorizer.handle_event_with(&event, NOW, detail)).unwrap()
                };
                let brief = briefed(full.clone());
                assert_eq!(with(Detail::Brief), brief, "{claims} {method} {path}");
                assert_eq!(
                    with(Detail::Answer),
                    answer(brief),
                    "{claims} {method} {path}"
                );
                seen.push((
                    full["status"].clone(),
                    full["response"]["usageIdentifierKey"].clone(),
                ));
            }
        }
    }
    // The matrix covers allowed, denied, and refused (no principal) outcomes, and usage keys.
    for status in [200, 403, 401] {
        assert!(seen.iter().any(|(s, _)| *s == status), "{status}");
    }
    assert!(seen.iter().any(|(_, key)| *key == "k-2"));
}

/// A REST REQUEST event names the request twice: by `path` (which keeps a custom domain's base
/// path) and by `methodArn` (which API Gateway checks the answer against, without it). Under a
/// base path it is decided by the ARN's path; when the two differ otherwise, it is allowed only
/// if the policy allows both. The answer never grants the ARN on the path's behalf.
#[test]
fn a_request_named_differently_by_path_and_arn_is_decided_by_the_arn() {
    let all_but_admin = json!({
        "rules": [
            { "id": "all", "effect": "allow", "routes": ["* /**"] },
            { "id": "admin", "effect": "deny", "routes": ["* /admin/**"] },
        ],
    });
    let users_only =
        json!({ "rules": [{ "id": "users", "effect": "allow", "routes": ["GET /users"] }] });
    let claims = json!({ "sub": "u1" });
    let request = |policy: &Value, path: &str, arn_path: &str| {
        let authorizer = authorizer(Some(policy), None);
        let mut event: Value = serde_json::from_str(&event(&claims, "GET", arn_path)).unwrap();
        let token = event["authorizationToken"].take();
        event["authorizationToken"] = Value::Null;
        let event = json!({
            "type": "REQUEST",
            "methodArn": event["methodArn"],
            "httpMethod": "GET",
            "path": path,
            "headers": { "Authorization": token },
        });
        serde_json::to_value(authorizer.handle_event(&event.to_string(), NOW)).unwrap()
    };
    let arn =
        |path: &str| format!("arn:aws:execute-api:eu-west-1:123456789012:api1/prod/GET{path}");
    // IAM's matching: `*` any run of characters, `?` one; a Deny wins.
    fn glob(pattern: &[u8], text: &[u8]) -> bool {
        match (pattern.first(), text.first()) {
            (None, _) => text.is_empty(),
            (Some(b'*'), _) => {
                glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..]))
            }
            (Some(p), Some(t)) if *p == b'?' || p == t => glob(&pattern[1..], &text[1..]),
            _ => false,
        }
    }
    let permits = |outcome: &Value, resource: &str| {
        let statements = outcome["response"]["policyDocument"]["Statement"]
            .as_array()
            .unwrap();
        let any = |effect: &str| {
            statements
                .iter()
                .filter(|s| s["Effect"] == effect)
                .any(|s| {
                    s["Resource"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| glob(r.as_str().unwrap().as_bytes(), resource.as_bytes()))
                })
        };
        any("Allow") && !any("Deny")
    };
    // Behind a base path `v1`: decided by the ARN's path, denied.
    let outcome = request(&all_but_admin, "/v1/admin/users", "/admin/users");
    assert_eq!(outcome["status"], 403, "{outcome}");
    assert!(!permits(&outcome, &arn("/admin/users")), "{outcome}");
    assert_eq!(outcome["route"], "GET /admin/users");
    // And allowed by a policy written for the API's routes, not the domain's.
    let outcome = request(&users_only, "/v1/users", "/users");
    assert_eq!(outcome["status"], 200, "{outcome}");
    assert!(permits(&outcome, &arn("/users")), "{outcome}");
    // Named differently otherwise: the path allowed, the ARN not: denied.
    let outcome = request(&all_but_admin, "/users/admin", "/admin/users");
    assert_eq!(outcome["status"], 403, "{outcome}");
    assert!(!permits(&outcome, &arn("/admin/users")), "{outcome}");
    // REST events keep the client's escapes, in the path and (whichever API Gateway writes) in
    // the ARN; a backend's router decodes them: `/%61dmin` is `/admin` to it.
    for (path, arn_path) in [
        ("/%61dmin/users", "/%61dmin/users"),
        ("/%61dmin/users", "/admin/users"),
        ("/v1/%61dmin/users", "/%61dmin/users"),
        // Decoded once, as a router does: `%2561` is `%61`, not `a`.
        ("/%2561dmin/users", "/%2561dmin/users"),
    ] {
        let outcome = request(&all_but_admin, path, arn_path);
        let decoded_once = path.contains("%25");
        assert_eq!(
            outcome["status"],
            if decoded_once { 200 } else { 403 },
            "{path} {outcome}"
        );
    }
    // An escaped `/` may be a separator to the backend: both readings must be allowed.
    let files =
        json!({ "rules": [{ "id": "file", "effect": "allow", "routes": ["GET /files/{id}"] }] });
    let outcome = request(&files, "/files/a%2Fb", "/files/a%2Fb");
    assert_eq!(outcome["status"], 403, "{outcome}");
    let outcome = request(&files, "/files/a%20b", "/files/a%20b");
    assert_eq!(outcome["status"], 200, "{outcome}");
}

/// Routers answer `HEAD` with the `GET` handler (Express, Hono): a `HEAD` request must be
/// allowed as a `GET` too, in every event shape, or a rule denying that `GET` could be passed.
#[test]
fn a_head_request_must_be_allowed_as_get_too() {
    let policy = json!({
        "rules": [
            { "id": "all", "effect": "allow", "routes": ["* /**"] },
            { "id": "no-report", "effect": "deny", "routes": ["GET /report"] },
        ],
    });
    let head_only =
        json!({ "rules": [{ "id": "head", "effect": "allow", "routes": ["HEAD /x"] }] });
    let both =
        json!({ "rules": [{ "id": "read", "effect": "allow", "routes": ["GET /x", "HEAD /x"] }] });
    let status = |policy: &Value, method: &str, path: &str| {
        let authorizer = authorizer(Some(policy), None);
        let token: Value =
            serde_json::from_str(&event(&json!({ "sub": "u1" }), method, path)).unwrap();
        let arn = format!("arn:aws:execute-api:eu-west-1:123456789012:api1/prod/{method}{path}");
        let events = [
            token.clone(),
            json!({ "type": "REQUEST", "methodArn": arn, "httpMethod": method, "path": path,
                    "headers": { "Authorization": token["authorizationToken"] } }),
            json!({ "version": "2.0", "type": "REQUEST", "routeArn": arn, "rawPath": path,
                    "headers": { "authorization": token["authorizationToken"] },
                    "requestContext": { "stage": "$default", "http": { "method": method, "path": path } } }),
        ];
        events.map(|event| authorizer.handle_event(&event.to_string(), NOW).status)
    };
    assert_eq!(status(&policy, "HEAD", "/report"), [403; 3]);
    assert_eq!(status(&policy, "HEAD", "/other"), [200; 3]);
    assert_eq!(status(&head_only, "HEAD", "/x"), [403; 3]);
    assert_eq!(status(&both, "HEAD", "/x"), [200; 3]);
}

/// An ARN that names no path (`…/prod/GET`, read as the root): the answer allows that ARN as
/// written, not `…/GET/` (found by the `apigw` fuzz target, with a method no route names and a
/// `$default` rule).
#[test]
fn an_allowed_arn_is_allowed_as_written() {
    let policy = json!({ "rules": [{ "id": "all", "effect": "allow", "routes": ["$default"] }] });
    let authorizer = authorizer(Some(&policy), None);
    for (method, path) in [("GET", ""), ("ODD(method)", ""), ("GET", "/")] {
        let outcome: Value = serde_json::to_value(
            authorizer.handle_event(&event(&json!({ "sub": "u1" }), method, path), NOW),
        )
        .unwrap();
        assert_eq!(outcome["status"], 200, "{method}{path}");
        let statement = &outcome["response"]["policyDocument"]["Statement"][0];
        let arn = format!("arn:aws:execute-api:eu-west-1:123456789012:api1/prod/{method}{path}");
        assert_eq!(statement["Effect"], "Allow");
        let allows = statement["Resource"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| glob(r.as_str().unwrap().as_bytes(), arn.as_bytes()));
        assert!(allows, "{arn}: {statement}");
    }
}

/// IAM's `*` (any run) and `?` (one character), by definition.
fn glob(p: &[u8], t: &[u8]) -> bool {
    match (p.split_first(), t.split_first()) {
        (None, _) => t.is_empty(),
        (Some((b'*', rest)), _) => glob(rest, t) || (!t.is_empty() && glob(p, &t[1..])),
        (Some((c, rest)), Some((d, tail))) => (*c == b'?' || c == d) && glob(rest, tail),
        (Some(_), None) => false,
    }
}
