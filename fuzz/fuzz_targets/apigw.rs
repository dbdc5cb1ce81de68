//! API Gateway authorizer: `handle_event` on the input (any of the five event shapes) and
//! `authorize_direct` on requests read from it, with a fixed policy and an HS256 issuer; and the
//! backend's `decide_event` and `authorizer_context` on it as a proxy event.
//! Property: nothing panics, and the outcome is consistent (status vs. decision/response).
#![no_main]

mod common;

use std::sync::{Arc, OnceLock};

use jwtgate::{
    apigw::{authorizer_context, decide_event, Authorizer, AuthorizerOptions, DirectRequest, Outcome},
    policy::Policy,
};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"{
  "rules": [
    { "id": "read", "effect": "allow", "routes": ["GET /pets", "GET /pets/{petId}", "GET /lambda-request"], "scopes": { "anyOf": ["pets:read"] } },
    { "id": "no-delete", "effect": "deny", "routes": ["DELETE /pets/{petId}", "* /admin/**"] },
    { "id": "admin-write", "effect": "allow", "routes": ["POST /pets", "ANY /files/{proxy+}", "* /x/*"],
      "when": [{ "claim": "cognito:groups", "containsAny": ["admin"] }, { "claim": "custom:plan", "regex": "gold|silver" }] },
    { "id": "tenant", "effect": "allow", "routes": ["GET /tenants/{tenantId}/orders"], "when": [{ "claim": "tenant", "equalsParam": "tenantId" }] },
    { "id": "lambda", "effect": "allow", "routes": ["POST /lambda-token", "POST /lambda", "ANY /lambda/{proxy+}"], "when": [{ "claim": "aud", "in": ["api"] }] },
    { "id": "ws", "effect": "allow", "routes": ["$connect", "$default"], "scopes": { "allOf": ["pets:read"] } }
  ],
  "principalId": "sub",
  "context": { "userId": "sub", "groups": "cognito:groups", "plan": "custom:plan", "missing": "a.b" }
}"#;

const ISSUER: &str = r#"{"issuer":"https://issuer.example","audience":"api","algorithms":["HS256"],"clockTolerance":30}"#;

struct Fixture {
    /// Policy, default options, one unnamed issuer.
    plain: Authorizer,
    /// No policy, simple responses, query and cookie sources, usage key, two named issuers.
    rich: Authorizer,
    /// The policy alone, for the backend.
    policy: Policy,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let policy = Policy::from_json(POLICY).expect("fixed policy");
        let mut plain = Authorizer::new(Some(policy.clone()), AuthorizerOptions::default()).expect("options");
        plain
            .add_issuer(None, common::verifier(ISSUER), Arc::new(common::hs_keys()))
            .expect("issuer");
        let options: AuthorizerOptions = serde_json::from_str(
            r#"{"tokenQuery":"token","tokenCookie":"jwt","simpleResponses":true,"usageIdentifierKeyClaim":"custom:plan","dpop":{}}"#,
        )
        .expect("fixed options");
        let mut rich = Authorizer::new(None, options).expect("options");
        rich.add_issuer(Some("https://issuer.example".into()), common::verifier(ISSUER), Arc::new(common::keys()))
            .expect("issuer 1");
        rich.add_issuer(
            Some("https://other.example".into()),
            common::verifier(r#"{"issuer":"https://other.example"}"#),
            Arc::new(common::keys()),
        )
        .expect("issuer 2");
        Fixture { plain, rich, policy }
    })
}

fn check(outcome: &Outcome) {
    match outcome.status {
        200 | 403 => {
            let decision = outcome
                .decision
                .as_ref()
                .expect("a decided outcome has a decision");
            assert_eq!(decision.allowed, outcome.status == 200);
            assert!(outcome.error.is_none() && outcome.principal_id.is_some());
        }
        401 => assert!(outcome.error.is_some() && outcome.response.is_none()),
        other => panic!("unexpected status {other}"),
    }
    let _ = serde_json::to_string(outcome);
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let text = common::text(data);
    let text = text.as_ref();

    for authorizer in [&f.plain, &f.rich] {
        check(&authorizer.handle_event(text, common::NOW));
    }

    // The input as a backend's proxy event: a refusal comes with its response, an allowance
    // with the decision; the context it may carry reads back or is refused, never panics.
    let backend = decide_event(&f.policy, text);
    assert_eq!(backend.response.is_none(), backend.status == 200);
    assert_eq!(backend.decision.as_ref().map(|d| d.allowed), (backend.status != 401).then_some(backend.status == 200));
    let _ = serde_json::to_string(&backend);
    if let Ok(context) = authorizer_context(text) {
        let _ = f.policy.read_context(&context);
    }

    // The input as a bare request ({ token, method, path, headers, query }).
    if let Ok(direct) = serde_json::from_str::<DirectRequest>(text) {
        for authorizer in [&f.plain, &f.rich] {
            check(&authorizer.authorize_direct(&direct, common::NOW));
        }
    }

    // Lines: method, path, then an optional Authorization value (else the fixed valid token).
    let mut lines = text.splitn(3, '\n');
    let mut direct = DirectRequest::default();
    direct.method = lines.next().map(str::to_owned);
    direct.path = lines.next().map(str::to_owned);
    direct.token = Some(match lines.next() {
        Some(value) if !value.is_empty() => value.to_owned(),
        _ => format!("Bearer {}", common::HS256_TOKEN),
    });
    for authorizer in [&f.plain, &f.rich] {
        check(&authorizer.authorize_direct(&direct, common::NOW));
    }

    // The same as a REST TOKEN event: its IAM answer must decide its own ARN as the policy did.
    let (Some(method), Some(path)) = (&direct.method, &direct.path) else {
        return;
    };
    let arn = format!("arn:aws:execute-api:r:1:api/prod/{method}{path}");
    let event = serde_json::json!({ "type": "TOKEN", "methodArn": arn, "authorizationToken": direct.token });
    let outcome = f.plain.handle_event(&event.to_string(), common::NOW);
    check(&outcome);
    if let (200 | 403, Some(response)) = (outcome.status, &outcome.response) {
        let response = serde_json::to_value(response).expect("a response serializes");
        let iam = iam_allows(&response["policyDocument"], &arn);
        // Never wider than the policy; narrower only for a request IAM would read wildcards (or a
        // policy variable) in
        // (in its path, or in a method no real request has): such a request cannot be allowed
        // alone, so it is denied (`agree_with_current`).
        let wild = [method, path].iter().any(|s| s.contains(['*', '?']) || s.contains("${"));
        assert!(!iam || outcome.status == 200, "IAM allows a denied request: {arn}");
        assert!(iam || outcome.status == 403 || wild, "IAM denies an allowed request: {arn}");
    }
});

/// What IAM answers for `resource`: an explicit deny wins, else an allow is needed.
fn iam_allows(document: &serde_json::Value, resource: &str) -> bool {
    let statements = document["Statement"].as_array().expect("statements");
    let matching = |effect: &str| {
        statements.iter().any(|s| {
            s["Effect"] == effect
                && s["Resource"]
                    .as_array()
                    .expect("resources")
                    .iter()
                    .any(|r| glob(r.as_str().expect("a resource"), resource))
        })
    };
    !matching("Deny") && matching("Allow")
}

/// IAM wildcards, by dynamic programming: `*` any run of characters, `?` one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // row[j]: the pattern so far matches the first j bytes of the text.
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for &c in p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match c {
                b'*' => row[j] || (j > 0 && next[j - 1]),
                b'?' => j > 0 && row[j - 1],
                _ => j > 0 && row[j - 1] && t[j - 1] == c,
            };
        }
        row = next;
    }
    row[t.len()]
}
