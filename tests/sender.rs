//! Sender-constrained tokens through the authorizer: DPoP proofs (RFC 9449 §4.3, each check
//! failing alone) and certificate-bound tokens (RFC 8705), in REST REQUEST events shaped as
//! API Gateway sends them, and in direct requests as the edge guard makes them.

mod common;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use common::{b64, sign_segments, token, TestKey, NOW};
use jwtgate::{
    apigw::{Authorizer, AuthorizerOptions, DirectRequest, Outcome},
    policy::Policy,
    Alg, KeySet, Verifier, VerifyOptions,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const SECRET: [u8; 32] = [9; 32];
const URI: &str = "https://api1.execute-api.eu-west-1.amazonaws.com/prod/pets/1";
/// A certificate's DER is hashed, not parsed: any bytes stand for one.
const CERT_DER: &[u8] = b"a client certificate";

fn authorizer(options: &Value, policy: Option<&Value>) -> Authorizer {
    let options: AuthorizerOptions = serde_json::from_value(options.clone()).unwrap();
    let mut authorizer = Authorizer::new(None, options).unwrap();
    let keys = KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap();
    authorizer
        .add_issuer(
            None,
            Verifier::new(VerifyOptions::default()).unwrap(),
            keys.into(),
        )
        .unwrap();
    if let Some(policy) = policy {
        authorizer.set_policy(Policy::from_json(&policy.to_string()).unwrap());
    }
    authorizer
}

fn client() -> TestKey {
    TestKey::p256(5)
}

/// RFC 7638, written out independently of the core.
fn thumbprint(key: &TestKey) -> String {
    let jwk = key.public_jwk();
    let canonical = format!(
        r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["crv"].as_str().unwrap(),
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    b64(&Sha256::digest(canonical.as_bytes()))
}

fn access_token(cnf: Value) -> String {
    let mut claims = json!({ "sub": "alice", "exp": NOW + 3600, "scope": "pets:write" });
    if !cnf.is_null() {
        claims["cnf"] = cnf;
    }
    token(
        &TestKey::Secret(SECRET.to_vec()),
        &json!({ "alg": "HS256" }),
        &claims,
    )
}

fn bound_token() -> String {
    access_token(json!({ "jkt": thumbprint(&client()) }))
}

fn proof_with(header: Value, claims: Value) -> String {
    let alg = header["alg"].as_str().unwrap_or_default().to_owned();
    let key = if alg == "HS256" {
        TestKey::Secret(SECRET.to_vec())
    } else {
        client()
    };
    sign_segments(
        &key,
        &alg,
        &b64(header.to_string().as_bytes()),
        &b64(claims.to_string().as_bytes()),
    )
}

fn proof_claims(token: &str) -> Value {
    json!({
        "jti": "e1j3V_bKic8-LAEB", "htm": "GET", "htu": URI, "iat": NOW,
        "ath": b64(&Sha256::digest(token.as_bytes())),
    })
}

fn proof_header() -> Value {
    json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": client().public_jwk() })
}

fn proof(token: &str) -> String {
    proof_with(proof_header(), proof_claims(token))
}

/// A REST REQUEST event as API Gateway sends it (the fields of the real capture in
/// `shared/fixtures/apigw`), with these headers and, for mutual TLS, a client certificate.
fn event(headers: Value, cert: Option<&[u8]>) -> String {
    let client_cert = cert.map(|der| {
        json!({
            "clientCertPem": format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", Base64::encode_string(der)),
            "subjectDN": "CN=client", "issuerDN": "CN=ca", "serialNumber": "1",
            "validity": { "notBefore": "May 28 12:30:02 2019 GMT", "notAfter": "Aug  5 09:36:04 2121 GMT" }
        })
    });
    json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:api1/prod/GET/pets/1",
        "resource": "/pets/{id}", "path": "/pets/1", "httpMethod": "GET",
        "headers": headers,
        "requestContext": {
            "path": "/prod/pets/1", "stage": "prod", "httpMethod": "GET",
            "domainName": "api1.execute-api.eu-west-1.amazonaws.com",
            "identity": { "sourceIp": "192.0.2.1", "clientCert": client_cert }
        }
    })
    .to_string()
}

fn dpop_event(token: &str, proof: &str) -> String {
    event(
        json!({ "Authorization": format!("DPoP {token}"), "DPoP": proof }),
        None,
    )
}

fn code(outcome: &Outcome) -> &str {
    outcome.error.as_ref().map_or("", |e| e.code)
}

fn dpop() -> Authorizer {
    authorizer(&json!({ "dpop": {} }), None)
}

#[test]
fn a_valid_proof_binds_the_request_to_the_token_and_the_answer_to_the_request() {
    let token = bound_token();
    let outcome = dpop().handle_event(&dpop_event(&token, &proof(&token)), NOW);
    assert_eq!((outcome.status, code(&outcome)), (200, ""));
    let outcome = serde_json::to_value(&outcome).unwrap();
    assert_eq!(outcome["binding"], "dpop");
    assert_eq!(outcome["replay"]["ttlMs"], 120_000);
    // One proof, one request: the answer allows this resource alone, never a wildcard.
    let statements = &outcome["response"]["policyDocument"]["Statement"];
    let resources: Vec<&Value> = statements
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .map(|s| &s["Resource"])
        .collect();
    assert_eq!(
        resources,
        [&json!([
            "arn:aws:execute-api:eu-west-1:123456789012:api1/prod/GET/pets/1"
        ])]
    );
}

#[test]
fn each_failed_proof_check_is_refused_with_its_code() {
    let token = bound_token();
    let with_claim = |name: &str, value: Value| {
        let mut claims = proof_claims(&token);
        claims[name] = value;
        proof_with(proof_header(), claims)
    };
    let with_header = |name: &str, value: Value| {
        let mut header = proof_header();
        header[name] = value;
        proof_with(header, proof_claims(&token))
    };
    let mut private_jwk = client().public_jwk();
    private_jwk["d"] = json!("AAAA");
    let cases = [
        (
            "wrong htm",
            with_claim("htm", json!("POST")),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "wrong htu",
            with_claim("htu", json!("https://evil.example/prod/pets/1")),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "wrong ath",
            with_claim("ath", json!(b64(&Sha256::digest(b"other")))),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "old iat",
            with_claim("iat", json!(NOW - 61)),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "future iat",
            with_claim("iat", json!(NOW + 61)),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "no jti",
            with_claim("jti", Value::Null),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "wrong typ",
            with_header("typ", json!("JWT")),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "private key",
            with_header("jwk", private_jwk),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "HS256 proof",
            with_header("alg", json!("HS256")),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "none proof",
            with_header("alg", json!("none")),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "no jwk",
            with_header("jwk", Value::Null),
            "ERR_DPOP_PROOF_INVALID",
        ),
        (
            "other key",
            with_header("jwk", TestKey::p256(6).public_jwk()),
            "ERR_DPOP_PROOF_INVALID",
        ),
        ("not a JWT", "nope".to_owned(), "ERR_DPOP_PROOF_INVALID"),
    ];
    let authorizer = dpop();
    for (name, proof, expected) in cases {
        let outcome = authorizer.handle_event(&dpop_event(&token, &proof), NOW);
        assert_eq!(
            (outcome.status, code(&outcome)),
            (401, expected),
            "{name}: {:?}",
            outcome.error
        );
        let challenge = outcome.challenge.unwrap();
        assert_eq!(
            (challenge.scheme, challenge.error),
            ("DPoP", Some("invalid_dpop_proof")),
            "{name}"
        );
        assert!(challenge.algs.unwrap().contains("ES256"), "{name}");
    }
}

#[test]
fn the_token_must_name_the_proofs_key_and_come_with_the_dpop_scheme() {
    let authorizer = dpop();
    let other = access_token(json!({ "jkt": thumbprint(&TestKey::p256(6)) }));
    let outcome = authorizer.handle_event(&dpop_event(&other, &proof(&other)), NOW);
    assert_eq!(code(&outcome), "ERR_DPOP_BINDING_MISMATCH");
    assert_eq!(outcome.challenge.unwrap().error, Some("invalid_token"));
    // A bound token as a bearer one (a downgrade), with or without its proof.
    let token = bound_token();
    for headers in [
        json!({ "Authorization": format!("Bearer {token}") }),
        json!({ "Authorization": format!("Bearer {token}"), "DPoP": proof(&token) }),
    ] {
        let outcome = authorizer.handle_event(&event(headers, None), NOW);
        assert_eq!(code(&outcome), "ERR_DPOP_BINDING_MISMATCH");
    }
    // An unbound token with the DPoP scheme; a bound one without a proof, or with two.
    let plain = access_token(Value::Null);
    let outcome = authorizer.handle_event(&dpop_event(&plain, &proof(&plain)), NOW);
    assert_eq!(code(&outcome), "ERR_DPOP_BINDING_MISMATCH");
    let outcome = authorizer.handle_event(
        &event(json!({ "Authorization": format!("DPoP {token}") }), None),
        NOW,
    );
    assert_eq!(code(&outcome), "ERR_DPOP_PROOF_INVALID");
    let twice = json!({
        "headers": {}, "multiValueHeaders": { "Authorization": [format!("DPoP {token}")], "DPoP": [proof(&token), proof(&token)] }
    });
    let mut doubled: Value = serde_json::from_str(&event(
        json!({ "Authorization": format!("DPoP {token}"), "DPoP": proof(&token) }),
        None,
    ))
    .unwrap();
    doubled["multiValueHeaders"] = twice["multiValueHeaders"].clone();
    let outcome = authorizer.handle_event(&doubled.to_string(), NOW);
    assert_eq!(code(&outcome), "ERR_DPOP_PROOF_INVALID");
    // Bearer tokens without `cnf` keep working; other confirmation methods are refused.
    let outcome = authorizer.handle_event(
        &event(json!({ "Authorization": format!("Bearer {plain}") }), None),
        NOW,
    );
    assert_eq!(
        (
            outcome.status,
            serde_json::to_value(&outcome).unwrap()["binding"].clone()
        ),
        (200, json!("bearer"))
    );
    let other_cnf = access_token(json!({ "jwk": client().public_jwk() }));
    let outcome = authorizer.handle_event(
        &event(
            json!({ "Authorization": format!("Bearer {other_cnf}") }),
            None,
        ),
        NOW,
    );
    assert_eq!(code(&outcome), "ERR_DPOP_BINDING_MISMATCH");
}

#[test]
fn without_the_dpop_option_dpop_tokens_are_refused_and_bound_tokens_still_checked() {
    let plain = authorizer(&json!({}), None);
    let token = bound_token();
    let outcome = plain.handle_event(&dpop_event(&token, &proof(&token)), NOW);
    assert_eq!(code(&outcome), "ERR_JWTGATE_TOKEN_MISSING");
    let outcome = plain.handle_event(
        &event(json!({ "Authorization": format!("Bearer {token}") }), None),
        NOW,
    );
    assert_eq!(code(&outcome), "ERR_DPOP_BINDING_MISMATCH");
}

#[test]
fn nonces_are_required_when_configured_and_handed_out() {
    let authorizer = authorizer(
        &json!({ "dpop": { "nonceSecret": "a-nonce-secret-of-thirty-two-bytes!", "noncePeriod": 300 } }),
        None,
    );
    let token = bound_token();
    let outcome = authorizer.handle_event(&dpop_event(&token, &proof(&token)), NOW);
    assert_eq!(code(&outcome), "ERR_DPOP_NONCE_REQUIRED");
    assert_eq!(
        outcome.challenge.as_ref().unwrap().error,
        Some("use_dpop_nonce")
    );
    let nonce = outcome.dpop_nonce.clone().unwrap();
    let mut claims = proof_claims(&token);
    claims["nonce"] = json!(nonce);
    let with_nonce = proof_with(proof_header(), claims.clone());
    assert_eq!(
        authorizer
            .handle_event(&dpop_event(&token, &with_nonce), NOW)
            .status,
        200
    );
    // The previous period's nonce still works; older ones do not.
    claims["iat"] = json!(NOW + 300);
    let later = proof_with(proof_header(), claims.clone());
    assert_eq!(
        authorizer
            .handle_event(&dpop_event(&token, &later), NOW + 300)
            .status,
        200
    );
    claims["iat"] = json!(NOW + 600);
    let stale = proof_with(proof_header(), claims);
    assert_eq!(
        code(&authorizer.handle_event(&dpop_event(&token, &stale), NOW + 600)),
        "ERR_DPOP_NONCE_REQUIRED"
    );
}

#[test]
fn a_replay_is_refused_as_the_rfc_says() {
    let authorizer = dpop();
    let token = bound_token();
    let outcome = authorizer.handle_event(&dpop_event(&token, &proof(&token)), NOW);
    let refused = authorizer.replayed(outcome.shape, outcome.route.clone(), NOW);
    assert_eq!((refused.status, code(&refused)), (401, "ERR_DPOP_REPLAYED"));
    assert_eq!(refused.challenge.unwrap().error, Some("invalid_dpop_proof"));
    assert!(refused.response.is_none());
}

#[test]
fn policy_rules_can_require_a_binding_and_the_trace_shows_it() {
    let policy = json!({ "rules": [
        { "id": "read", "effect": "allow", "routes": ["GET /pets/{id}"] },
        { "id": "write", "effect": "allow", "routes": ["POST /pets/{id}"], "binding": "dpop" }
    ]});
    let authorizer = authorizer(&json!({ "dpop": {} }), Some(&policy));
    let plain = access_token(Value::Null);
    let request = |method: &str, token: &str, scheme: &str, proof: Option<String>| {
        let mut headers = json!({ "Authorization": format!("{scheme} {token}") });
        if let Some(proof) = proof {
            headers["DPoP"] = json!(proof);
        }
        let mut event: Value = serde_json::from_str(&event(headers, None)).unwrap();
        event["httpMethod"] = json!(method);
        event["methodArn"] = json!(format!(
            "arn:aws:execute-api:eu-west-1:123456789012:api1/prod/{method}/pets/1"
        ));
        authorizer.handle_event(&event.to_string(), NOW)
    };
    let outcome = request("POST", &plain, "Bearer", None);
    assert_eq!(outcome.status, 403);
    let trace = serde_json::to_value(&outcome.decision.unwrap().trace).unwrap();
    assert_eq!(
        trace[1]["failed"],
        json!({ "check": "binding", "expected": "dpop", "actual": "bearer" })
    );
    let token = bound_token();
    let mut claims = proof_claims(&token);
    claims["htm"] = json!("POST");
    let outcome = request(
        "POST",
        &token,
        "DPoP",
        Some(proof_with(proof_header(), claims)),
    );
    assert_eq!(outcome.status, 200);
    // The bearer token's cached answer allows reads and never the write.
    let outcome = serde_json::to_value(request("GET", &plain, "Bearer", None)).unwrap();
    let document = outcome["response"]["policyDocument"].to_string();
    assert!(!document.contains("POST"), "{document}");
    // A deny rule cannot require a binding.
    let deny = json!({ "rules": [{ "id": "d", "effect": "deny", "routes": ["GET /x"], "binding": "mtls" }] });
    let err = Policy::from_json(&deny.to_string()).unwrap_err();
    assert_eq!(err.field(), Some("$.rules[0].binding"));
}

#[test]
fn the_configuration_can_require_sender_constrained_tokens() {
    let authorizer = authorizer(&json!({ "dpop": {}, "requireBinding": "dpop" }), None);
    let plain = access_token(Value::Null);
    let outcome = authorizer.handle_event(
        &event(json!({ "Authorization": format!("Bearer {plain}") }), None),
        NOW,
    );
    assert_eq!(code(&outcome), "ERR_SENDER_CONSTRAINT_REQUIRED");
    assert_eq!(outcome.challenge.unwrap().scheme, "DPoP");
    let options: AuthorizerOptions =
        serde_json::from_value(json!({ "requireBinding": "dpop" })).unwrap();
    assert!(Authorizer::new(None, options).is_err());
    let options: AuthorizerOptions =
        serde_json::from_value(json!({ "dpop": { "algorithms": ["HS256"] } })).unwrap();
    assert!(Authorizer::new(None, options).is_err());
}

#[test]
fn certificate_bound_tokens_need_the_named_certificate() {
    let authorizer = authorizer(&json!({}), None);
    let token = access_token(
        json!({ "x5t#S256": Base64UrlUnpadded::encode_string(&Sha256::digest(CERT_DER)) }),
    );
    let headers = json!({ "Authorization": format!("Bearer {token}") });
    let outcome = authorizer.handle_event(&event(headers.clone(), Some(CERT_DER)), NOW);
    assert_eq!(
        (
            outcome.status,
            serde_json::to_value(&outcome).unwrap()["binding"].clone()
        ),
        (200, json!("mtls"))
    );
    let outcome =
        authorizer.handle_event(&event(headers.clone(), Some(b"another certificate")), NOW);
    assert_eq!(code(&outcome), "ERR_MTLS_BINDING_MISMATCH");
    let outcome = authorizer.handle_event(&event(headers, None), NOW);
    assert_eq!(code(&outcome), "ERR_MTLS_CERT_MISSING");
}

#[test]
fn direct_requests_carry_their_url_and_certificate() {
    let plain = authorizer(&json!({}), None);
    let authorizer = dpop();
    let token = bound_token();
    let request = |url: &str, proof: String| {
        let text = json!({ "method": "GET", "path": "/prod/pets/1", "url": url,
            "headers": { "authorization": format!("DPoP {token}"), "dpop": proof } })
        .to_string();
        let direct: DirectRequest<'_> = serde_json::from_str(&text).unwrap();
        authorizer.authorize_direct(&direct, NOW)
    };
    assert_eq!(request(&format!("{URI}?q=1"), proof(&token)).status, 200);
    assert_eq!(
        code(&request("https://other.example/prod/pets/1", proof(&token))),
        "ERR_DPOP_PROOF_INVALID"
    );

    let cert_token = access_token(json!({ "x5t#S256": b64(&Sha256::digest(CERT_DER)) }));
    let hex: String = Sha256::digest(CERT_DER)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cloudflare = |verified: &str| {
        let text = json!({ "method": "GET", "path": "/x", "headers": { "authorization": format!("Bearer {cert_token}") },
            "cloudflareTls": { "certPresented": "1", "certVerified": verified, "certFingerprintSHA256": hex } }).to_string();
        let direct: DirectRequest<'_> = serde_json::from_str(&text).unwrap();
        plain.authorize_direct(&direct, NOW)
    };
    assert_eq!(cloudflare("SUCCESS").status, 200);
    assert_eq!(
        code(&cloudflare("FAILED:certificate has expired")),
        "ERR_MTLS_CERT_MISSING"
    );
}
