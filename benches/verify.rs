//! Where the time of one verification goes, natively (`cargo bench --bench verify`).
//! Prints µs per step; no assertions.

use std::{sync::Arc, time::Instant};

use jwtgate::{
    apigw::{Authorizer, AuthorizerOptions, Detail},
    decode,
    policy::Policy,
    Alg, KeySet, Verifier, VerifyOptions,
};

#[path = "../tests/common/mod.rs"]
mod common;

const SECRET: &[u8] = b"a-string-secret-at-least-256-bits-long-xx";

/// A Cognito-like access token signed with `alg` by `key`.
fn signed_token(key: &common::TestKey, alg: Alg) -> String {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    let header =
        B64::encode_string(format!(r#"{{"alg":"{alg}","kid":"k","typ":"JWT"}}"#).as_bytes());
    let payload = B64::encode_string(
        serde_json::json!({
            "sub": "7d1c5e0a-6b1f-4f5e-9a53-0e8b3c1d2f4a", "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf",
            "aud": "7pl1abcdefghijklmnopqrstuv", "token_use": "access", "scope": "pets:read pets:write openid",
            "cognito:groups": ["admin", "users"], "auth_time": 1_800_000_000, "iat": 1_800_000_000, "exp": 4_000_000_000u64,
            "jti": "0f8fad5b-d9cb-469f-a165-70867728950e", "username": "alice", "tenant": "t-42",
        })
        .to_string()
        .as_bytes(),
    );
    common::sign_segments(key, alg.name(), &header, &payload)
}

fn time(name: &str, iterations: u32, mut f: impl FnMut()) {
    for _ in 0..iterations / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    println!(
        "{name:<28} {:8.2} µs",
        start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
    );
}

fn cognito_verifier(alg: Alg) -> Verifier {
    let options = format!(
        r#"{{"issuer":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf","audience":"7pl1abcdefghijklmnopqrstuv","algorithms":["{alg}"]}}"#
    );
    Verifier::new(VerifyOptions::from_json(&options).unwrap()).unwrap()
}

fn main() {
    let secret = common::TestKey::Secret(SECRET.to_vec());
    let token = signed_token(&secret, Alg::Hs256);
    // `cargo bench --bench verify -- authorizer`: only the authorizer (for a profiler).
    if std::env::args().any(|arg| arg == "authorizer") {
        authorizer(&token);
        return;
    }
    let keys = KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap();
    let verifier = cognito_verifier(Alg::Hs256);
    println!("token: {} bytes", token.len());
    time("verify (HS256, pure Rust)", 200_000, || {
        verifier.verify(&keys, &token, 1_900_000_000).unwrap();
    });
    let rsa_jwk = common::TestKey::Rsa.public_jwk().to_string();
    time("RSA JWK import (2048 bits)", 5_000, || {
        KeySet::from_jwk_json(&rsa_jwk).unwrap();
    });
    for (key, alg, iterations) in [
        (common::TestKey::Rsa, Alg::Rs256, 5_000),
        (common::TestKey::Rsa, Alg::Ps256, 5_000),
        (common::TestKey::p256(7), Alg::Es256, 2_000),
        (common::TestKey::p384(7), Alg::Es384, 1_000),
        (common::TestKey::p521(7), Alg::Es512, 500),
    ] {
        let keys = KeySet::from_jwk_json(&key.public_jwk().to_string()).unwrap();
        let (token, verifier) = (signed_token(&key, alg), cognito_verifier(alg));
        time(&format!("verify ({alg}, pure Rust)"), iterations, || {
            verifier.verify(&keys, &token, 1_900_000_000).unwrap();
        });
    }
    time("decode", 200_000, || {
        decode(&token, Some(1_900_000_000)).unwrap();
    });
    time("jwt-compact UntrustedToken", 200_000, || {
        jwt_compact::UntrustedToken::new(&token).unwrap();
    });
    let payload = token.split('.').nth(1).unwrap();
    time("payload: base64url", 200_000, || {
        <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(payload).unwrap();
    });
    let bytes: Vec<u8> =
        <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(payload).unwrap();
    time("payload: JSON to Value", 200_000, || {
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
    });

    authorizer(&token);
}

/// The Rust half of a Lambda decision: a REST REQUEST event (the benchmark's fixture) in, the
/// IAM answer out.
fn authorizer(token: &str) {
    let fixture = ["../shared/fixtures/apigw", "/work/shared/fixtures/apigw"]
        .iter()
        .map(|dir| format!("{dir}/powertools-lambda-typescript/apigw-rest_authorizer-request.json"))
        .find_map(|file| std::fs::read_to_string(file).ok());
    let Some(fixture) = fixture else {
        println!("authorizer: fixture not found, skipped");
        return;
    };
    let mut event: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    event["headers"]["Authorization"] = format!("Bearer {token}").into();
    event["multiValueHeaders"]["Authorization"] = serde_json::json!([format!("Bearer {token}")]);
    let event = event.to_string();
    let policy = Policy::from_json(
        r#"{"rules":[
            {"id":"read","effect":"allow","routes":["GET /pets","GET /pets/{petId}"],"scopes":{"anyOf":["pets:read"]}},
            {"id":"no-delete","effect":"deny","routes":["DELETE /pets/{petId}"]},
            {"id":"admin-write","effect":"allow","routes":["POST /pets"],"when":[{"claim":"cognito:groups","containsAny":["admin"]}]},
            {"id":"tenant","effect":"allow","routes":["GET /tenants/{tenantId}/orders"],"when":[{"claim":"tenant","equalsParam":"tenantId"}]},
            {"id":"lambda-request","effect":"allow","routes":["POST /lambda-request"],"scopes":{"anyOf":["pets:write"]},"when":[{"claim":"cognito:groups","containsAny":["admin"]},{"claim":"token_use","equals":"access"}]}
        ],"principalId":"sub","context":{"userId":"sub","groups":"cognito:groups"}}"#,
    )
    .unwrap();
    let keys = Arc::new(KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap());
    let fresh = |policy: &Policy| {
        let mut authorizer =
            Authorizer::new(Some(policy.clone()), AuthorizerOptions::default()).unwrap();
        let verifier = cognito_verifier(Alg::Hs256);
        authorizer.add_issuer(None, verifier, keys.clone()).unwrap();
        authorizer
    };
    // What a cold start pays once per principal class: the answer built and proved.
    time("authorizer: first decision", 300, || {
        let outcome = fresh(&policy).handle_event(&event, 1_900_000_000);
        assert_eq!(outcome.status, 200);
    });
    let mut authorizer = fresh(&policy);
    println!("event: {} bytes", event.len());
    time("authorizer: handle_event", 300_000, || {
        let outcome = authorizer.handle_event(&event, 1_900_000_000);
        assert_eq!(outcome.status, 200);
    });
    time("authorizer: + outcome JSON", 100_000, || {
        serde_json::to_string(&authorizer.handle_event(&event, 1_900_000_000)).unwrap();
    });
    // What the Lambda handler hands over: the members the decision reads (see readFields in
    // pkg/src/authorizer.mjs), for the answer alone.
    let mut pruned = serde_json::Map::new();
    let full: serde_json::Value = serde_json::from_str(&event).unwrap();
    for name in ["type", "methodArn", "httpMethod", "path"] {
        pruned.insert(name.into(), full[name].clone());
    }
    pruned.insert(
        "headers".into(),
        serde_json::json!({ "Authorization": full["headers"]["Authorization"] }),
    );
    pruned.insert(
        "requestContext".into(),
        serde_json::json!({ "stage": full["requestContext"]["stage"] }),
    );
    let pruned = serde_json::Value::Object(pruned).to_string();
    println!("pruned event: {} bytes", pruned.len());
    time("authorizer: answer, pruned", 300_000, || {
        let outcome = authorizer.handle_event_with(&pruned, 1_900_000_000, Detail::Answer);
        serde_json::to_string(&outcome).unwrap();
    });
    // A large API: 40 more resources of 3 routes each (one of any method), 200 probe routes.
    let rules: Vec<String> = (0..40)
        .map(|i| {
            format!(
                r#"{{"id":"r{i}","effect":"allow","routes":["GET /res{i}","GET /res{i}/{{id}}","* /res{i}/{{id}}/items/*"],"scopes":{{"anyOf":["res{i}:read"]}}}}"#
            )
        })
        .collect();
    let large = Policy::from_json(&format!(
        r#"{{"rules":[{},{{"id":"lambda-request","effect":"allow","routes":["POST /lambda-request"]}}],"principalId":"sub"}}"#,
        rules.join(",")
    ))
    .unwrap();
    time("authorizer: first decision, 121 routes", 20, || {
        let outcome = fresh(&large).handle_event_with(&pruned, 1_900_000_000, Detail::Answer);
        assert_eq!(outcome.status, 200);
    });
    authorizer.set_policy(large);
    time("authorizer: answer, pruned, 121 routes", 100_000, || {
        let outcome = authorizer.handle_event_with(&pruned, 1_900_000_000, Detail::Answer);
        assert_eq!(outcome.status, 200);
        serde_json::to_string(&outcome).unwrap();
    });
    time("event: JSON to Value", 100_000, || {
        serde_json::from_str::<serde_json::Value>(&event).unwrap();
    });
}
