//! Hostile policies and API Gateway events: refused or bounded, never a panic or a hang.

use jwtgate::{
    apigw::{Authorizer, AuthorizerOptions},
    policy::{route::Target, Policy},
    Alg, KeySet, Verifier, VerifyOptions,
};
use serde_json::json;

fn policy_fault(doc: &str) -> String {
    Policy::from_json(doc)
        .unwrap_err()
        .field()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn catastrophic_regexes_run_in_linear_time() {
    // `(a+)+$` backtracks exponentially in backtracking engines; regex-lite does not backtrack.
    // With one, this test would not finish.
    let doc = r#"{"rules":[{"id":"r","effect":"allow","routes":["GET /"],"when":[{"claim":"x","regex":"(a+)+$"},{"claim":"y","regex":"(x+x+)+y"}]}]}"#;
    let policy = Policy::from_json(doc).unwrap();
    let evil = format!("{}!", "a".repeat(100_000));
    let claims = json!({ "x": evil, "y": "x".repeat(50_000) });
    let decision = policy.decide(
        Target::Http {
            method: "GET",
            path: "/",
        },
        claims.as_object().unwrap(),
    );
    assert!(!decision.allowed);
    assert_eq!(decision.trace[0].failed.as_ref().unwrap().check, "when[0]");
}

#[test]
fn huge_and_deep_documents_are_refused_or_bounded() {
    let rule = |i: usize| format!(r#"{{"id":"r{i}","effect":"allow","routes":["GET /r/{i}"]}}"#);
    let many = format!(
        r#"{{"rules":[{}]}}"#,
        (0..1001).map(rule).collect::<Vec<_>>().join(",")
    );
    assert_eq!(policy_fault(&many), "$.rules");
    let huge = format!(
        r#"{{"rules":[],"context":{{"x":"{}"}}}}"#,
        "a".repeat(2 << 20)
    );
    assert_eq!(policy_fault(&huge), "$");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(policy_fault(&deep), "$");
    let routes = (0..101)
        .map(|i| format!("\"GET /{i}\""))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        policy_fault(&format!(
            r#"{{"rules":[{{"id":"a","effect":"allow","routes":[{routes}]}}]}}"#
        )),
        "$.rules[0].routes"
    );
}

#[test]
fn deep_route_patterns_and_paths_match_in_bounded_time() {
    let pattern: String = (0..2000).map(|i| format!("/s{i}/{{p{i}}}")).collect();
    let doc = json!({ "rules": [{ "id": "deep", "effect": "allow", "routes": [format!("GET {pattern}"), "GET /files/**"] }] });
    let policy = Policy::from_json(&doc.to_string()).unwrap();
    let path: String = (0..2000).map(|i| format!("/s{i}/v")).collect();
    let claims = serde_json::Map::new();
    assert!(
        policy
            .decide(
                Target::Http {
                    method: "GET",
                    path: &path
                },
                &claims
            )
            .allowed
    );
    let long = "/files".to_owned() + &"/x".repeat(200_000);
    assert!(
        policy
            .decide(
                Target::Http {
                    method: "GET",
                    path: &long
                },
                &claims
            )
            .allowed
    );
    let traversal = "/files".to_owned() + &"/..".repeat(1000);
    assert!(
        !policy
            .decide(
                Target::Http {
                    method: "GET",
                    path: &traversal
                },
                &claims
            )
            .allowed
    );
}

fn authorizer() -> Authorizer {
    let mut authorizer = Authorizer::new(None, AuthorizerOptions::default()).unwrap();
    let keys = KeySet::from_secret(vec![7; 32], Alg::Hs256, None).unwrap();
    let verifier = Verifier::new(VerifyOptions::default()).unwrap();
    authorizer.add_issuer(None, verifier, keys.into()).unwrap();
    authorizer
}

#[test]
fn malformed_events_are_refused_as_401_with_a_code() {
    let authorizer = authorizer();
    for event in [
        json!(null),
        json!([]),
        json!("TOKEN"),
        json!({}),
        json!({ "type": "TOKEN" }),
        json!({ "type": "TOKEN", "authorizationToken": 5, "methodArn": "arn:aws:execute-api:r:1:api/s/GET/x" }),
        json!({ "type": "TOKEN", "authorizationToken": "Bearer x", "methodArn": 42 }),
        json!({ "type": "TOKEN", "authorizationToken": "Bearer x", "methodArn": "arn:aws:s3:::bucket" }),
        json!({ "type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:api/s/GET/x", "headers": "Authorization: x", "httpMethod": "GET", "path": "/x" }),
        json!({ "type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:api/s/GET/x", "headers": { "Authorization": ["a", "b"] }, "httpMethod": "GET", "path": "/x" }),
        json!({ "type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:api/s/GET/x", "headers": {}, "multiValueHeaders": { "authorization": ["Bearer a", "Bearer b"] }, "httpMethod": "GET", "path": "/x" }),
        json!({ "version": "2.0", "type": "REQUEST", "routeArn": "arn:aws:execute-api:r:1:api/s/GET/x", "identitySource": 7, "headers": { "authorization": "Bearer    " }, "requestContext": { "http": { "method": 3 } } }),
        json!({ "version": "1.0", "type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:api/s/GET/x", "httpMethod": null, "path": {} }),
        json!({ "type": "REQUEST", "methodArn": "arn:aws:execute-api:r:1:api/s/$connect", "requestContext": { "routeKey": null, "connectionId": "c" } }),
    ] {
        let outcome = authorizer.handle_event(&event.to_string(), 1_800_000_000);
        assert_eq!(outcome.status, 401, "{event}");
        let code = outcome.error.as_ref().map(|e| e.code).unwrap_or_default();
        assert!(code.starts_with("ERR_"), "{event}: {code}");
    }
    let outcome = authorizer.handle_event("{not json", 1_800_000_000);
    assert_eq!(outcome.error.unwrap().code, "ERR_APIGW_EVENT_INVALID");
}

/// A token query parameter or cookie given twice is as ambiguous as a token header given twice:
/// refused, whichever value a backend would read.
#[test]
fn repeated_token_parameters_and_cookies_are_ambiguous() {
    let mut options = AuthorizerOptions::default();
    options.token_query = Some("token".into());
    options.token_cookie = Some("session".into());
    let mut authorizer = Authorizer::new(None, options).unwrap();
    let keys = KeySet::from_secret(vec![7; 32], Alg::Hs256, None).unwrap();
    authorizer
        .add_issuer(
            None,
            Verifier::new(VerifyOptions::default()).unwrap(),
            keys.into(),
        )
        .unwrap();
    let arn = "arn:aws:execute-api:r:1:api/s/GET/x";
    let request = |members: &str| {
        format!(
            r#"{{"type":"REQUEST","methodArn":"{arn}","httpMethod":"GET","path":"/x",{members}}}"#
        )
    };
    for event in [
        request(
            r#""queryStringParameters":{"token":"b"},"multiValueQueryStringParameters":{"token":["a","b"]}"#,
        ),
        request(r#""headers":{"Cookie":"session=a; theme=dark; session=b"}"#),
        // Cookie parsers trim names: `session ` is the `session` cookie to them.
        request(r#""headers":{"Cookie":"session =a; session=b"}"#),
        // A different token in another carrier: the backend might read that one.
        request(r#""headers":{"Authorization":"Bearer a","Cookie":"session=b"}"#),
        request(r#""headers":{"Authorization":"Bearer a"},"queryStringParameters":{"token":"b"}"#),
        request(r#""queryStringParameters":{"token":"a"},"headers":{"Cookie":"session=b"}"#),
        // A malformed multi-value Cookie entry does not hide the `headers` one.
        request(
            r#""headers":{"Authorization":"Bearer a","Cookie":"session=b"},"multiValueHeaders":{"Cookie":[]}"#,
        ),
        request(
            r#""headers":{"Authorization":"Bearer a","Cookie":"session=b"},"multiValueHeaders":{"Cookie":[null]}"#,
        ),
        // Two `Cookie` headers: a REST event's `headers` keeps one, `multiValueHeaders` both.
        request(
            r#""headers":{"Cookie":"session=b"},"multiValueHeaders":{"Cookie":["session=a","session=b"]}"#,
        ),
        request(
            r#""headers":{"cookie":"session=b"},"multiValueHeaders":{"cookie":["session=a"],"Cookie":["theme=dark; session=b"]}"#,
        ),
        format!(
            r#"{{"version":"2.0","type":"REQUEST","routeArn":"{arn}","rawPath":"/x","cookies":["session=a","session=b"],"requestContext":{{"http":{{"method":"GET"}}}}}}"#
        ),
    ] {
        let outcome = authorizer.handle_event(&event, 1_800_000_000);
        assert_eq!(outcome.status, 401, "{event}");
        let error = outcome.error.unwrap();
        assert_eq!(error.code, "ERR_JWTGATE_TOKEN_MISSING", "{event}");
        assert!(
            error.message.contains("ambiguous"),
            "{event}: {}",
            error.message
        );
    }
    // Once each, they are read (and then refused as a malformed token, not as missing).
    for event in [
        request(
            r#""queryStringParameters":{"token":"a"},"multiValueQueryStringParameters":{"token":["a"]}"#,
        ),
        request(r#""headers":{"Cookie":"session=a; theme=dark"}"#),
        // The same token in several carriers is one token.
        request(
            r#""headers":{"Authorization":"Bearer a","Cookie":"session=a"},"queryStringParameters":{"token":"a"}"#,
        ),
        request(
            r#""headers":{"Cookie":"theme=dark"},"multiValueHeaders":{"Cookie":["session=a","theme=dark"]}"#,
        ),
        // An emulator's 2.0 event with cookies both in the array and in a header: the array.
        format!(
            r#"{{"version":"2.0","type":"REQUEST","routeArn":"{arn}","rawPath":"/x","cookies":["session=a"],"headers":{{"cookie":"session=a"}},"requestContext":{{"http":{{"method":"GET"}}}}}}"#
        ),
    ] {
        let outcome = authorizer.handle_event(&event, 1_800_000_000);
        assert_ne!(
            outcome.error.unwrap().code,
            "ERR_JWTGATE_TOKEN_MISSING",
            "{event}"
        );
    }
}

/// Two tokens in one request (a duplicated member, or header names differing only in case) are
/// refused: otherwise the authorizer could verify one token while the backend reads the other.
/// Arrays are not events, even where a derived deserializer would read them by position.
#[test]
fn ambiguous_or_positional_events_are_refused() {
    let authorizer = authorizer();
    let arn = "arn:aws:execute-api:r:1:api/s/GET/x";
    let request = |headers: &str| {
        format!(
            r#"{{"type":"REQUEST","methodArn":"{arn}","httpMethod":"GET","path":"/x","headers":{headers}}}"#
        )
    };
    for (event, code) in [
        (
            request(r#"{"authorization":"Bearer a","authorization":"Bearer b"}"#),
            "ERR_APIGW_EVENT_INVALID",
        ),
        (
            request(r#"{"Authorization":"Bearer a","authorization":"Bearer b"}"#),
            "ERR_JWTGATE_TOKEN_MISSING",
        ),
        (
            request(
                r#"{},"multiValueHeaders":{"Authorization":["Bearer a"],"AUTHORIZATION":["Bearer b"]}"#,
            ),
            "ERR_JWTGATE_TOKEN_MISSING",
        ),
        (
            format!(r#"["TOKEN",null,"{arn}",null,"Bearer abc"]"#),
            "ERR_APIGW_EVENT_INVALID",
        ),
        (
            format!(
                r#"{{"type":"REQUEST","methodArn":"{arn}","requestContext":["s","$connect"]}}"#
            ),
            "ERR_APIGW_EVENT_INVALID",
        ),
    ] {
        let outcome = authorizer.handle_event(&event, 1_800_000_000);
        assert_eq!(outcome.status, 401, "{event}");
        assert_eq!(outcome.error.map(|e| e.code), Some(code), "{event}");
    }
    // `connectionId` marks a WebSocket `$connect` even when null.
    let websocket = format!(
        r#"{{"type":"REQUEST","methodArn":"{arn}","requestContext":{{"connectionId":null,"routeKey":"$connect"}}}}"#
    );
    let outcome = authorizer.handle_event(&websocket, 1_800_000_000);
    assert_eq!(outcome.shape, jwtgate::apigw::Shape::WebSocket);
}
