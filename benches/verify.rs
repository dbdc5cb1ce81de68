//! Where the time of one verification goes, natively (`cargo bench --bench verify`).
//! Prints µs per step; no assertions.

use std::time::Instant;

use std::sync::Arc;

use jwtgate::{
    apigw::{Authorizer, AuthorizerOptions},
    decode,
    policy::Policy,
    Alg, KeySet, Verifier, VerifyOptions,
};

const SECRET: &[u8] = b"a-string-secret-at-least-256-bits-long-xx";

fn token() -> String {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    use hmac::{Hmac, Mac};
    let header = B64::encode_string(br#"{"alg":"HS256","kid":"k","typ":"JWT"}"#);
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
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        B64::encode_string(&mac.finalize().into_bytes())
    )
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

fn main() {
    let token = token();
    let options = r#"{"issuer":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf","audience":"7pl1abcdefghijklmnopqrstuv","algorithms":["HS256"]}"#;
    // `cargo bench --bench verify -- authorizer`: only the authorizer (for a profiler).
    if std::env::args().any(|arg| arg == "authorizer") {
        authorizer(&token, options);
        return;
    }
    let keys = KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap();
    let verifier = Verifier::new(VerifyOptions::from_json(options).unwrap()).unwrap();
    println!("token: {} bytes", token.len());
    time("verify (HS256, pure Rust)", 200_000, || {
        verifier.verify(&keys, &token, 1_900_000_000).unwrap();
    });
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

    authorizer(&token, options);
}

/// The Rust half of a Lambda decision: a REST REQUEST event (the benchmark's fixture) in, the
/// IAM answer out.
fn authorizer(token: &str, options: &str) {
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
    let mut authorizer = Authorizer::new(Some(policy), AuthorizerOptions::default());
    let keys = Arc::new(KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap());
    let verifier = Verifier::new(VerifyOptions::from_json(options).unwrap()).unwrap();
    authorizer.add_issuer(None, verifier, keys).unwrap();
    println!("event: {} bytes", event.len());
    time("authorizer: handle_event", 300_000, || {
        let outcome = authorizer.handle_event(&event, 1_900_000_000);
        assert_eq!(outcome.status, 200);
    });
    time("authorizer: + outcome JSON", 100_000, || {
        serde_json::to_string(&authorizer.handle_event(&event, 1_900_000_000)).unwrap();
    });
    time("event: JSON to Value", 100_000, || {
        serde_json::from_str::<serde_json::Value>(&event).unwrap();
    });
}
