//! One test per way a token can fail verification, asserting jose's code and, for claims,
//! the claim and the reason.

mod common;

use common::{
    assert_claim_error, b64, claims, fail, jwks, sign_segments, tamper_signature, token,
    token_from_texts, verifier, TestKey, NOW, SECRET_32,
};
use jwtgate::{Alg, KeySet, Verifier, VerifyOptions};
use serde_json::{json, Value};

fn hs_key() -> TestKey {
    TestKey::Secret(SECRET_32.to_vec())
}

fn hs_keys() -> KeySet {
    KeySet::from_secret(SECRET_32.to_vec(), Alg::Hs256, None).unwrap()
}

fn hs_header() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

/// An HS256 token over `payload`.
fn hs(payload: &Value) -> String {
    token(&hs_key(), &hs_header(), payload)
}

/// `claims()` with some members replaced (`null` removes one).
fn claims_with(changes: &Value) -> Value {
    let mut payload = claims();
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            payload.as_object_mut().unwrap().remove(name);
        } else {
            payload[name] = value.clone();
        }
    }
    payload
}

/// Verifies twice with one verifier: the second time it knows the header (see `fail`).
fn ok(options: &str, token: &str) -> jwtgate::Verified {
    let verifier = verifier(options);
    let [first, again] = [(); 2].map(|()| {
        verifier
            .verify(&hs_keys(), token, NOW)
            .unwrap_or_else(|err| panic!("{}: {err}", err.code()))
    });
    // The second verification found the header remembered: the very same one.
    assert!(std::ptr::eq(first.header(), again.header()));
    assert_eq!(first.payload_json, again.payload_json);
    first
}

fn err(options: &str, token: &str) -> jwtgate::Error {
    fail(&hs_keys(), options, token)
}

// ---------------------------------------------------------------- time claims

#[test]
fn valid_token_verifies() {
    let verified = ok(
        r#"{"issuer":"https://issuer.example","audience":"api","subject":"alice"}"#,
        &hs(&claims()),
    );
    assert_eq!(verified.payload()["sub"], "alice");
    assert_eq!(verified.alg, Alg::Hs256);
}

#[test]
fn expired() {
    let e = err("{}", &hs(&claims_with(&json!({"exp": NOW - 1}))));
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "exp", "check_failed");
    // exp equal to now has expired too (RFC 7519 §4.1.4: "on or after").
    let e = err("{}", &hs(&claims_with(&json!({"exp": NOW}))));
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "exp", "check_failed");
    ok("{}", &hs(&claims_with(&json!({"exp": NOW + 1}))));
}

#[test]
fn clock_tolerance_rescues_a_recently_expired_token() {
    let token = hs(&claims_with(&json!({"exp": NOW - 10})));
    ok(r#"{"clockTolerance":30}"#, &token);
    ok(r#"{"clockTolerance":"30s"}"#, &token);
    ok(r#"{"clockTolerance":"1 minute"}"#, &token);
    let e = err(r#"{"clockTolerance":"5s"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "exp", "check_failed");
    let e = err(r#"{"clockTolerance":10}"#, &token);
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "exp", "check_failed");
}

#[test]
fn nbf_in_the_future() {
    let token = hs(&claims_with(&json!({"nbf": NOW + 60})));
    let e = err("{}", &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "nbf", "check_failed");
    ok(r#"{"clockTolerance":60}"#, &token);
    ok("{}", &hs(&claims_with(&json!({"nbf": NOW}))));
}

#[test]
fn max_token_age_too_old() {
    let token = hs(&claims_with(&json!({"iat": NOW - 3601})));
    let e = err(r#"{"maxTokenAge":"1h"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "iat", "check_failed");
    let e = err(r#"{"maxTokenAge":3600}"#, &token);
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "iat", "check_failed");
    ok(r#"{"maxTokenAge":3601}"#, &token);
    ok(r#"{"maxTokenAge":3600,"clockTolerance":1}"#, &token);
}

#[test]
fn iat_in_the_future_with_max_token_age() {
    let token = hs(&claims_with(&json!({"iat": NOW + 30})));
    let e = err(r#"{"maxTokenAge":"1h"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iat", "check_failed");
    ok(r#"{"maxTokenAge":"1h","clockTolerance":30}"#, &token);
}

#[test]
fn max_token_age_requires_iat() {
    let e = err(
        r#"{"maxTokenAge":"1h"}"#,
        &hs(&claims_with(&json!({"iat": null}))),
    );
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iat", "missing");
}

#[test]
fn exp_missing_is_refused_by_default() {
    let token = hs(&claims_with(&json!({"exp": null})));
    let e = err("{}", &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "exp", "missing");
    let e = err(r#"{"requireExpiration":true}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "exp", "missing");
}

#[test]
fn exp_missing_is_accepted_with_require_expiration_false() {
    let token = hs(&claims_with(&json!({"exp": null})));
    let verified = ok(r#"{"requireExpiration":false}"#, &token);
    assert!(!verified.payload().contains_key("exp"));
}

#[test]
fn numeric_dates_of_the_wrong_type_are_invalid() {
    for (claim, value) in [
        ("exp", json!("1700003600")),
        ("exp", json!(null)),
        ("exp", json!(true)),
        ("nbf", json!("0")),
        ("iat", json!("0")),
        ("iat", json!([1])),
    ] {
        let mut payload = claims();
        payload[claim] = value;
        let e = err("{}", &hs(&payload));
        assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", claim, "invalid");
    }
}

#[test]
fn fractional_numeric_dates_are_numbers() {
    ok(
        "{}",
        &hs(&claims_with(
            &json!({"exp": NOW as f64 + 0.5, "iat": NOW as f64 - 0.5}),
        )),
    );
    let e = err("{}", &hs(&claims_with(&json!({"exp": NOW as f64 - 0.5}))));
    assert_claim_error(&e, "ERR_JWT_EXPIRED", "exp", "check_failed");
}

// ---------------------------------------------------------------- value claims

#[test]
fn wrong_issuer() {
    let token = hs(&claims());
    let e = err(r#"{"issuer":"https://other.example"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iss", "check_failed");
    // Case and trailing slashes matter.
    let e = err(r#"{"issuer":"https://issuer.example/"}"#, &token);
    assert_eq!(e.claim(), Some("iss"));
    let e = err(r#"{"issuer":"HTTPS://ISSUER.EXAMPLE"}"#, &token);
    assert_eq!(e.claim(), Some("iss"));
}

#[test]
fn issuer_option_as_array_accepts_any_listed() {
    let token = hs(&claims());
    ok(
        r#"{"issuer":["https://a.example","https://issuer.example"]}"#,
        &token,
    );
    let e = err(
        r#"{"issuer":["https://a.example","https://b.example"]}"#,
        &token,
    );
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iss", "check_failed");
}

#[test]
fn iss_claim_as_array_is_refused() {
    let token = hs(&claims_with(&json!({"iss": ["https://issuer.example"]})));
    let e = err(r#"{"issuer":"https://issuer.example"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iss", "check_failed");
}

#[test]
fn issuer_missing() {
    let e = err(
        r#"{"issuer":"https://issuer.example"}"#,
        &hs(&claims_with(&json!({"iss": null}))),
    );
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iss", "missing");
}

#[test]
fn wrong_audience_string_forms() {
    // Token aud is a string.
    let token = hs(&claims());
    let e = err(r#"{"audience":"other"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "aud", "check_failed");
    let e = err(r#"{"audience":["other","admin"]}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "aud", "check_failed");
    ok(r#"{"audience":["other","api"]}"#, &token);
}

#[test]
fn wrong_audience_array_forms() {
    // Token aud is an array: one shared value is enough.
    let token = hs(&claims_with(&json!({"aud": ["web", "api"]})));
    ok(r#"{"audience":"api"}"#, &token);
    ok(r#"{"audience":["x","web"]}"#, &token);
    let e = err(r#"{"audience":"admin"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "aud", "check_failed");
    let e = err(r#"{"audience":["admin","x"]}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "aud", "check_failed");
    // Empty array, non-string members, wrong type.
    for aud in [json!([]), json!([1, null]), json!(5), json!({"api": true})] {
        let e = err(
            r#"{"audience":"api"}"#,
            &hs(&claims_with(&json!({ "aud": aud }))),
        );
        assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "aud", "check_failed");
    }
    let e = err(
        r#"{"audience":"api"}"#,
        &hs(&claims_with(&json!({"aud": null}))),
    );
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "aud", "missing");
}

#[test]
fn wrong_subject() {
    let token = hs(&claims());
    let e = err(r#"{"subject":"bob"}"#, &token);
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "sub", "check_failed");
    ok(r#"{"subject":"alice"}"#, &token);
    let e = err(
        r#"{"subject":"bob"}"#,
        &hs(&claims_with(&json!({"sub": null}))),
    );
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "sub", "missing");
}

#[test]
fn wrong_typ() {
    let with_typ = |typ: Value| {
        let mut header = hs_header();
        header["typ"] = typ;
        token(&hs_key(), &header, &claims())
    };
    // "JWT" and "application/jwt" are the same media type, in either direction and any case.
    ok(r#"{"typ":"JWT"}"#, &with_typ(json!("application/jwt")));
    ok(r#"{"typ":"application/jwt"}"#, &with_typ(json!("JWT")));
    ok(r#"{"typ":"jwt"}"#, &with_typ(json!("JWT")));
    ok(
        r#"{"typ":"at+jwt"}"#,
        &with_typ(json!("application/at+JWT")),
    );
    for typ in [json!("at+jwt"), json!("JOSE"), json!("text/jwt")] {
        let e = err(r#"{"typ":"JWT"}"#, &with_typ(typ));
        assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "typ", "check_failed");
    }
    let mut header = hs_header();
    header.as_object_mut().unwrap().remove("typ");
    let e = err(r#"{"typ":"JWT"}"#, &token(&hs_key(), &header, &claims()));
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "typ", "check_failed");
}

#[test]
fn missing_required_claim() {
    let e = err(r#"{"requiredClaims":["jti"]}"#, &hs(&claims()));
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "jti", "missing");
    ok(
        r#"{"requiredClaims":["jti","sub"]}"#,
        &hs(&claims_with(&json!({"jti": "id-1"}))),
    );
    // A present claim with a null value counts as present (as `in` does in jose).
    let mut payload = claims();
    payload["jti"] = Value::Null;
    ok(r#"{"requiredClaims":["jti"]}"#, &hs(&payload));
}

#[test]
fn presence_is_checked_in_jose_order() {
    // Neither iss nor jti: jose reports iss first (reverse of [...requiredClaims, …, iss]).
    let payload = claims_with(&json!({"iss": null}));
    let e = err(
        r#"{"requiredClaims":["jti"],"issuer":"https://issuer.example"}"#,
        &hs(&payload),
    );
    assert_claim_error(&e, "ERR_JWT_CLAIM_VALIDATION_FAILED", "iss", "missing");
    let e = err(r#"{"requiredClaims":["jti","nonce"]}"#, &hs(&payload));
    assert_eq!(e.claim(), Some("nonce"));
}

#[test]
fn checks_run_in_jose_order() {
    // typ before presence, values before times, signature before everything about claims.
    let expired_wrong_iss = hs(&claims_with(&json!({"exp": NOW - 100, "iss": "x"})));
    let e = err(r#"{"issuer":"https://issuer.example"}"#, &expired_wrong_iss);
    assert_eq!(e.claim(), Some("iss"));
    let mut header = hs_header();
    header["typ"] = json!("JOSE");
    let e = err(
        r#"{"typ":"JWT","requiredClaims":["jti"]}"#,
        &token(&hs_key(), &header, &claims()),
    );
    assert_eq!(e.claim(), Some("typ"));
    let e = err("{}", &tamper_signature(&expired_wrong_iss));
    assert_eq!(e.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    // nbf before exp.
    let e = err(
        "{}",
        &hs(&claims_with(&json!({"exp": NOW - 100, "nbf": NOW + 100}))),
    );
    assert_eq!(e.claim(), Some("nbf"));
}

// ---------------------------------------------------------------- signature

#[test]
fn tampered_payload() {
    let original = hs(&claims());
    let (header, rest) = original.split_once('.').unwrap();
    let signature = rest.rsplit_once('.').unwrap().1;
    let forged = b64(claims_with(&json!({"sub": "admin"})).to_string().as_bytes());
    let e = err("{}", &format!("{header}.{forged}.{signature}"));
    assert_eq!(e.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    assert_eq!(e.claim(), None);
}

#[test]
fn tampered_signature() {
    let e = err("{}", &tamper_signature(&hs(&claims())));
    assert_eq!(e.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    // Truncated and empty signatures too.
    let token = hs(&claims());
    let e = err("{}", &token[..token.len() - 4]);
    assert_eq!(e.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    let (input, _) = token.rsplit_once('.').unwrap();
    let e = err("{}", &format!("{input}."));
    assert_eq!(e.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
}

#[test]
fn tampered_header() {
    let token = hs(&claims());
    let (_, rest) = token.split_once('.').unwrap();
    let header = b64(br#"{"alg":"HS256","typ":"JWT","kid":"x"}"#);
    let e = err("{}", &format!("{header}.{rest}"));
    assert_eq!(e.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
}

// ---------------------------------------------------------------- algorithms

#[test]
fn alg_not_in_algorithms() {
    let e = err(r#"{"algorithms":["RS256","ES256"]}"#, &hs(&claims()));
    assert_eq!(e.code(), "ERR_JOSE_ALG_NOT_ALLOWED");
    ok(r#"{"algorithms":["RS256","HS256"]}"#, &hs(&claims()));
    // Checked before the signature: a bad signature still reports the algorithm.
    let e = err(
        r#"{"algorithms":["RS256"]}"#,
        &tamper_signature(&hs(&claims())),
    );
    assert_eq!(e.code(), "ERR_JOSE_ALG_NOT_ALLOWED");
}

#[test]
fn alg_none_in_every_casing_is_never_allowed() {
    let payload = b64(claims().to_string().as_bytes());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
        let genuine_hs = common::TestKey::Secret(SECRET_32.to_vec())
            .sign("HS256", format!("{header}.{payload}").as_bytes());
        for signature in [String::new(), b64(&[0; 32]), b64(&genuine_hs)] {
            let token = format!("{header}.{payload}.{signature}");
            for options in [
                "{}",
                r#"{"algorithms":["HS256"]}"#,
                r#"{"requireExpiration":false}"#,
            ] {
                let e = err(options, &token);
                assert_eq!(e.code(), "ERR_JOSE_ALG_NOT_ALLOWED", "{alg} {options}: {e}");
            }
        }
    }
}

#[test]
fn unknown_alg_without_algorithms_option_is_not_supported() {
    for alg in ["HS1", "hs256", "RSA-OAEP", "ES256K", "EdDSA448"] {
        let token = token(&hs_key(), &json!({ "alg": alg }), &claims());
        let e = err("{}", &token);
        assert_eq!(e.code(), "ERR_JOSE_NOT_SUPPORTED", "{alg:?}: {e}");
        let e = err(r#"{"algorithms":["HS256"]}"#, &token);
        assert_eq!(e.code(), "ERR_JOSE_ALG_NOT_ALLOWED", "{alg:?}: {e}");
    }
}

#[test]
fn empty_alg_is_an_invalid_jws_as_in_jose() {
    let token = token(&hs_key(), &json!({ "alg": "" }), &claims());
    for options in ["{}", r#"{"algorithms":["HS256"]}"#] {
        assert_eq!(err(options, &token).code(), "ERR_JWS_INVALID");
    }
}

#[test]
fn a_null_kid_names_no_key_as_in_jose() {
    // Like jose: a set whose keys all have ids matches nothing; a single key without an id
    // (a secret, a PEM key) is still used.
    let token = token(
        &hs_key(),
        &json!({ "alg": "HS256", "kid": null }),
        &claims(),
    );
    let named = KeySet::from_secret(SECRET_32.to_vec(), Alg::Hs256, Some("k1".into())).unwrap();
    assert_eq!(
        verifier("{}")
            .verify(&named, &token, NOW)
            .unwrap_err()
            .code(),
        "ERR_JWKS_NO_MATCHING_KEY"
    );
    assert!(verifier("{}").verify(&hs_keys(), &token, NOW).is_ok());
}

#[test]
fn cty_application_json_is_json() {
    for cty in ["JSON", "application/json", "Application/JSON"] {
        let token = token(&hs_key(), &json!({ "alg": "HS256", "cty": cty }), &claims());
        assert!(
            verifier("{}").verify(&hs_keys(), &token, NOW).is_ok(),
            "{cty}"
        );
    }
    let nested = token(
        &hs_key(),
        &json!({ "alg": "HS256", "cty": "JWT" }),
        &claims(),
    );
    assert_eq!(err("{}", &nested).code(), "ERR_JOSE_NOT_SUPPORTED");
}

#[test]
fn hs256_signed_with_the_rsa_public_key_pem_is_refused() {
    // The classic key-confusion attack: HMAC keyed with the public key's PEM text.
    let pem = TestKey::Rsa.spki_pem();
    let attacker = TestKey::Secret(pem.as_bytes().to_vec());
    let forged = token(&attacker, &json!({"alg": "HS256", "typ": "JWT"}), &claims());
    // The forgery is a genuine HS256 token under that "secret"...
    let as_secret = KeySet::from_secret(pem.as_bytes().to_vec(), Alg::Hs256, None).unwrap();
    verifier("{}").verify(&as_secret, &forged, NOW).unwrap();

    // ...but a key set holding the RSA key never treats it as a secret.
    let from_pem = KeySet::from_pem(&pem, Alg::Rs256, None).unwrap();
    let from_jwk = KeySet::from_jwk_json(&TestKey::Rsa.public_jwk().to_string()).unwrap();
    let from_jwks =
        KeySet::from_jwks_json(&jwks(&[TestKey::Rsa.jwk_with(&json!({"kid": "r"}))])).unwrap();
    for keys in [&from_pem, &from_jwk, &from_jwks] {
        let e = fail(keys, "{}", &forged);
        assert_eq!(e.code(), "ERR_JWKS_NO_MATCHING_KEY", "{e}");
        let e = fail(keys, r#"{"algorithms":["RS256"]}"#, &forged);
        assert_eq!(e.code(), "ERR_JOSE_ALG_NOT_ALLOWED", "{e}");
    }
    // Same with a kid pointing at the RSA key.
    let forged_kid = token(&attacker, &json!({"alg": "HS256", "kid": "r"}), &claims());
    assert_eq!(
        fail(&from_jwks, "{}", &forged_kid).code(),
        "ERR_JWKS_NO_MATCHING_KEY"
    );
}

// ---------------------------------------------------------------- key selection

#[test]
fn unknown_kid() {
    let key = TestKey::p256(1);
    let keys = KeySet::from_jwks_json(&jwks(&[key.jwk_with(&json!({"kid": "k1"}))])).unwrap();
    let token = token(&key, &json!({"alg": "ES256", "kid": "k2"}), &claims());
    let e = fail(&keys, "{}", &token);
    assert_eq!(e.code(), "ERR_JWKS_NO_MATCHING_KEY");
    assert!(e.to_string().contains("k2"), "{e}");
}

#[test]
fn kid_matching_a_key_pinned_to_another_alg() {
    let keys = KeySet::from_jwks_json(&jwks(&[
        TestKey::Rsa.jwk_with(&json!({"kid": "r", "alg": "PS256"}))
    ]))
    .unwrap();
    let rs256 = token(
        &TestKey::Rsa,
        &json!({"alg": "RS256", "kid": "r"}),
        &claims(),
    );
    let e = fail(&keys, "{}", &rs256);
    assert_eq!(e.code(), "ERR_JWKS_NO_MATCHING_KEY", "{e}");
    // Same for a secret pinned to HS512 and a token claiming HS256.
    let keys = KeySet::from_jwks_json(&jwks(&[
        TestKey::Secret(vec![1; 64]).jwk_with(&json!({"kid": "s", "alg": "HS512"}))
    ]))
    .unwrap();
    let hs256 = token(
        &TestKey::Secret(vec![1; 64]),
        &json!({"alg": "HS256", "kid": "s"}),
        &claims(),
    );
    assert_eq!(fail(&keys, "{}", &hs256).code(), "ERR_JWKS_NO_MATCHING_KEY");
}

#[test]
fn embedded_jwk_jku_and_x5u_headers_are_not_trusted() {
    let trusted = TestKey::p256(1);
    let attacker = TestKey::p256(66);
    let keys = KeySet::from_jwks_json(&jwks(&[trusted.jwk_with(&json!({"kid": "k1"}))])).unwrap();
    let headers = [
        json!({"alg": "ES256", "jwk": attacker.public_jwk()}),
        json!({"alg": "ES256", "kid": "k1", "jwk": attacker.public_jwk()}),
        json!({"alg": "ES256", "kid": "k1", "jku": "https://attacker.example/jwks.json"}),
        json!({"alg": "ES256", "kid": "k1", "x5u": "https://attacker.example/cert.pem"}),
    ];
    for header in &headers {
        let forged = token(&attacker, header, &claims());
        let e = fail(&keys, "{}", &forged);
        assert_eq!(
            e.code(),
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            "{header}: {e}"
        );
        // The same header on a token from the trusted key is harmless.
        verifier("{}")
            .verify(&keys, &token(&trusted, header, &claims()), NOW)
            .unwrap();
    }
}

// ---------------------------------------------------------------- crit and b64

#[test]
fn crit_with_unknown_name() {
    let token = hs_with_header(&json!({"alg": "HS256", "crit": ["exp"], "exp": 1}));
    let e = err("{}", &token);
    assert_eq!(e.code(), "ERR_JOSE_NOT_SUPPORTED", "{e}");
    let token = hs_with_header(
        &json!({"alg": "HS256", "crit": ["b64", "http://example.com/ext"], "b64": true, "http://example.com/ext": 1}),
    );
    assert_eq!(err("{}", &token).code(), "ERR_JOSE_NOT_SUPPORTED");
}

fn hs_with_header(header: &Value) -> String {
    token(&hs_key(), header, &claims())
}

/// Errors come in one order whether the header is remembered or not: the header's encoding, the
/// payload's, the signature's, then the header's checks (`alg`, `crit`).
#[test]
fn encoding_errors_come_before_header_checks() {
    let keys = hs_keys();
    let bad_signature = |header: &Value| {
        let token = hs_with_header(header);
        let (input, _) = token.rsplit_once('.').unwrap();
        format!("{input}.+AAA")
    };
    for header in [
        json!({"alg": "HS256"}),
        json!({"alg": "none"}),
        json!({"alg": "XX"}),
        json!({"alg": "HS256", "crit": ["x"], "x": 1}),
        json!({"alg": "RS256"}),
    ] {
        let e = fail(
            &keys,
            r#"{"algorithms":["HS256"]}"#,
            &bad_signature(&header),
        );
        assert_eq!(e.code(), "ERR_JWS_INVALID", "{header}: {e}");
        assert!(
            e.to_string().contains("segment 3 (signature)"),
            "{header}: {e}"
        );
    }
    // The payload's encoding before the signature's.
    let token = bad_signature(&json!({"alg": "HS256"}));
    let (header, rest) = token.split_once('.').unwrap();
    let e = fail(&keys, "{}", &format!("{header}.+{rest}"));
    assert!(e.to_string().contains("segment 2 (payload)"), "{e}");
}

/// A verifier remembers a few headers that passed its checks; which ones changes nothing.
#[test]
fn remembered_headers_change_no_outcome() {
    let keys = hs_keys();
    let shared = verifier("{}");
    // More distinct headers than are remembered, each verified before and after the others.
    let tokens: Vec<String> = (0..12)
        .map(|n| hs_with_header(&json!({"alg": "HS256", "n": n})))
        .collect();
    for _ in 0..2 {
        for (n, token) in tokens.iter().enumerate() {
            let verified = shared.verify(&keys, token, NOW).unwrap();
            assert_eq!(verified.header()["n"], n);
        }
    }
    let clone = shared.clone();
    for token in &tokens {
        let (input, signature) = token.rsplit_once('.').unwrap();
        let (header, payload) = input.split_once('.').unwrap();
        let expired = sign_segments(
            &hs_key(),
            "HS256",
            header,
            &b64(claims_with(&json!({"exp": NOW - 1})).to_string().as_bytes()),
        );
        for bad in [
            tamper_signature(token),
            format!("{input}.{}", &signature[1..]),
            format!("{input}.+{}", &signature[1..]),
            format!("{header}.+{payload}.{signature}"),
            format!("{header}.{payload}x.{signature}"),
            expired,
        ] {
            let fresh = verifier("{}").verify(&keys, &bad, NOW).unwrap_err();
            for seen in [&shared, &clone] {
                let again = seen.verify(&keys, &bad, NOW).unwrap_err();
                assert_eq!(
                    (fresh.code(), fresh.to_string()),
                    (again.code(), again.to_string())
                );
            }
        }
    }
}

#[test]
fn crit_empty_or_not_an_array() {
    for crit in [
        json!([]),
        json!("b64"),
        json!([""]),
        json!([1]),
        json!(null),
        json!({"b64": true}),
    ] {
        let token = hs_with_header(&json!({"alg": "HS256", "crit": crit, "b64": true}));
        let e = err("{}", &token);
        assert_eq!(e.code(), "ERR_JWS_INVALID", "crit {crit}: {e}");
    }
}

#[test]
fn crit_naming_an_absent_parameter() {
    let e = err(
        "{}",
        &hs_with_header(&json!({"alg": "HS256", "crit": ["b64"]})),
    );
    assert_eq!(e.code(), "ERR_JWS_INVALID", "{e}");
}

#[test]
fn crit_b64_must_be_boolean() {
    let e = err(
        "{}",
        &hs_with_header(&json!({"alg": "HS256", "crit": ["b64"], "b64": "false"})),
    );
    assert_eq!(e.code(), "ERR_JWS_INVALID", "{e}");
}

#[test]
fn crit_b64_true_is_understood() {
    ok(
        "{}",
        &hs_with_header(&json!({"alg": "HS256", "crit": ["b64"], "b64": true})),
    );
}

#[test]
fn b64_false_with_a_valid_signature_is_not_a_jwt() {
    let token = hs_with_header(&json!({"alg": "HS256", "crit": ["b64"], "b64": false}));
    let e = err("{}", &token);
    assert_eq!(e.code(), "ERR_JWT_INVALID", "{e}");
    // The signature is checked first.
    assert_eq!(
        err("{}", &tamper_signature(&token)).code(),
        "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
    );
    // Without crit, b64 is not an extension in force and is ignored (as in jose).
    ok(
        "{}",
        &hs_with_header(&json!({"alg": "HS256", "b64": false})),
    );
}

// ---------------------------------------------------------------- structure

#[test]
fn jwe_like_five_segments() {
    let e = err(
        "{}",
        "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
    );
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(e.to_string().contains("JWE"), "{e}");
}

#[test]
fn wrong_number_of_segments() {
    let token = hs(&claims());
    let (two, _) = token.rsplit_once('.').unwrap();
    for bad in [
        two.to_owned(),
        format!("{token}.x"),
        String::new(),
        ".".into(),
        "abc".into(),
    ] {
        let e = err("{}", &bad);
        assert_eq!(e.code(), "ERR_JWS_INVALID", "{bad:?}: {e}");
    }
}

#[test]
fn bad_base64url_names_the_segment_and_offset() {
    let token = hs(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let with = |index: usize, at: usize, ch: char| {
        let mut parts: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
        parts[index].insert(at, ch);
        parts.join(".")
    };
    // Header: padding and '+'.
    let e = err("{}", &format!("{}=.{}.{}", parts[0], parts[1], parts[2]));
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    let text = e.to_string();
    assert!(
        text.contains("segment 1 (header)") && text.contains(&format!("offset {}", parts[0].len())),
        "{text}"
    );
    let e = err("{}", &with(0, 3, '+'));
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(
        e.to_string().contains("segment 1 (header)") && e.to_string().contains("offset 3"),
        "{e}"
    );
    // Payload.
    let e = err("{}", &with(1, 7, '+'));
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(
        e.to_string().contains("segment 2 (payload)") && e.to_string().contains("offset 7"),
        "{e}"
    );
    // Signature.
    let e = err("{}", &with(2, 5, '/'));
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(
        e.to_string().contains("segment 3 (signature)") && e.to_string().contains("offset 5"),
        "{e}"
    );
    let e = err("{}", &format!("{token}="));
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(e.to_string().contains("segment 3 (signature)"), "{e}");
    // Whitespace.
    let e = err("{}", &with(1, 0, ' '));
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(e.to_string().contains("offset 0"), "{e}");
}

#[test]
fn header_not_json() {
    for header in [
        &b"not json"[..],
        b"[\"alg\",\"HS256\"]",
        b"\"HS256\"",
        b"{\"alg\":\"HS256\"",
        b"\xff\xfe",
        b"",
    ] {
        let payload = b64(claims().to_string().as_bytes());
        let token = sign_segments(&hs_key(), "HS256", &b64(header), &payload);
        let e = err("{}", &token);
        assert_eq!(e.code(), "ERR_JWS_INVALID", "{header:?}: {e}");
    }
}

#[test]
fn header_without_a_string_alg() {
    for header in [
        json!({"typ": "JWT"}),
        json!({"alg": 256}),
        json!({"alg": null}),
    ] {
        let e = err("{}", &hs_with_header(&header));
        assert_eq!(e.code(), "ERR_JWS_INVALID", "{header}: {e}");
    }
}

#[test]
fn duplicate_member_names_in_header() {
    let token = token_from_texts(
        &hs_key(),
        r#"{"alg":"HS256","alg":"none"}"#,
        &claims().to_string(),
    );
    let e = err("{}", &token);
    assert_eq!(e.code(), "ERR_JWS_INVALID", "{e}");
    let token = token_from_texts(
        &hs_key(),
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
        &claims().to_string(),
    );
    assert_eq!(err("{}", &token).code(), "ERR_JWS_INVALID");
}

#[test]
fn duplicate_member_names_in_payload() {
    let payload = format!(r#"{{"sub":"alice","sub":"admin","exp":{}}}"#, NOW + 60);
    let token = token_from_texts(&hs_key(), r#"{"alg":"HS256"}"#, &payload);
    let e = err("{}", &token);
    assert_eq!(e.code(), "ERR_JWT_INVALID", "{e}");
    let payload = format!(r#"{{"exp":{},"exp":{}}}"#, NOW + 60, NOW - 60);
    let token = token_from_texts(&hs_key(), r#"{"alg":"HS256"}"#, &payload);
    assert_eq!(err("{}", &token).code(), "ERR_JWT_INVALID");
}

#[test]
fn payload_not_an_object() {
    for payload in [
        "[1,2]",
        "\"sub\"",
        "42",
        "null",
        "true",
        "{",
        "",
        "{\"exp\":1e400}",
    ] {
        let token = token_from_texts(&hs_key(), r#"{"alg":"HS256"}"#, payload);
        let e = err("{}", &token);
        assert_eq!(e.code(), "ERR_JWT_INVALID", "{payload:?}: {e}");
    }
}

#[test]
fn token_longer_than_max_token_length() {
    let token = hs(&claims());
    let limit = token.len() - 1;
    let e = err(&format!(r#"{{"maxTokenLength":{limit}}}"#), &token);
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(e.to_string().contains(&token.len().to_string()), "{e}");
    ok(&format!(r#"{{"maxTokenLength":{}}}"#, token.len()), &token);
    // Refused before decoding: garbage gets the length error, not a parse error.
    let garbage = "!".repeat(100);
    let e = err(r#"{"maxTokenLength":99}"#, &garbage);
    assert_eq!(e.code(), "ERR_JWS_INVALID");
    assert!(e.to_string().contains("100 bytes"), "{e}");
    // The default limit is 16 KiB.
    let big = "a".repeat(jwtgate::DEFAULT_MAX_TOKEN_LENGTH + 1);
    let e = err("{}", &big);
    assert!(
        e.to_string().contains(&format!("{} bytes", big.len())),
        "{e}"
    );
}

#[test]
fn big_but_allowed_token_verifies() {
    let padding = "x".repeat(10_000);
    let token = hs(&claims_with(&json!({ "padding": padding })));
    assert!(token.len() < jwtgate::DEFAULT_MAX_TOKEN_LENGTH);
    ok("{}", &token);
}

// ---------------------------------------------------------------- options

#[test]
fn invalid_options_name_the_field() {
    let cases = [
        (r#"{"audiance":"api"}"#, "audiance"),
        (r#"{"clockTolerance":"later"}"#, "clockTolerance"),
        (r#"{"clockTolerance":-1}"#, "clockTolerance"),
        (r#"{"maxTokenAge":"5 parsecs"}"#, "maxTokenAge"),
        (r#"{"audience":5}"#, "audience"),
        (r#"{"issuer":{"a":1}}"#, "issuer"),
        (r#"{"subject":1}"#, "subject"),
        (r#"{"requiredClaims":"jti"}"#, "requiredClaims"),
        (r#"{"requireExpiration":"yes"}"#, "requireExpiration"),
        (r#"{"maxTokenLength":-1}"#, "maxTokenLength"),
        (r#"{"algorithms":"HS256"}"#, "algorithms"),
        (r#"{"issuer":"ok","typ":7}"#, "typ"),
        ("[]", "options"),
        ("{", "options"),
    ];
    for (json, field) in cases {
        let e = VerifyOptions::from_json(json).unwrap_err();
        assert_eq!(e.code(), "ERR_JWTGATE_INVALID_OPTIONS", "{json}");
        assert_eq!(e.field(), Some(field), "{json}: {e}");
        assert!(e.to_string().contains(field), "{json}: {e}");
    }
}

#[test]
fn invalid_options_caught_by_the_verifier_name_the_field() {
    let cases = [
        (r#"{"algorithms":["none"]}"#, "algorithms"),
        (r#"{"algorithms":["HS256","None"]}"#, "algorithms"),
        (r#"{"algorithms":[]}"#, "algorithms"),
        (r#"{"algorithms":["HS1"]}"#, "algorithms"),
        (r#"{"algorithms":["hs256"]}"#, "algorithms"),
        (r#"{"issuer":[]}"#, "issuer"),
        (r#"{"audience":[]}"#, "audience"),
        (r#"{"maxTokenLength":0}"#, "maxTokenLength"),
    ];
    for (json, field) in cases {
        let options = VerifyOptions::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let e = Verifier::new(options).unwrap_err();
        assert_eq!(e.code(), "ERR_JWTGATE_INVALID_OPTIONS", "{json}");
        assert_eq!(e.field(), Some(field), "{json}: {e}");
    }
}

#[test]
fn null_options_mean_unset() {
    let verifier = Verifier::new(
        VerifyOptions::from_json(
            r#"{"issuer":null,"audience":null,"algorithms":null,"clockTolerance":null}"#,
        )
        .unwrap(),
    )
    .unwrap();
    verifier.verify(&hs_keys(), &hs(&claims()), NOW).unwrap();
}

// ---------------------------------------------------------------- encodings

#[test]
fn non_canonical_base64url_signature_is_not_malleable() {
    // 32 bytes are 43 characters; the last one carries 2 unused bits that must be zero.
    let token = hs(&claims());
    let (input, signature) = token.rsplit_once('.').unwrap();
    assert_eq!(signature.len(), 43);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = signature.as_bytes()[42];
    let index = ALPHABET.iter().position(|c| *c == last).unwrap();
    assert_eq!(index & 0b11, 0, "canonical encoding");
    for unused in 1..4 {
        let mut mangled = signature.as_bytes().to_vec();
        mangled[42] = ALPHABET[index | unused];
        let mangled = format!("{input}.{}", String::from_utf8(mangled).unwrap());
        let e = err("{}", &mangled);
        assert_eq!(e.code(), "ERR_JWS_INVALID", "{e}");
    }
}

#[test]
fn der_encoded_ecdsa_signature_is_refused() {
    use p256::ecdsa::signature::Signer;
    let key = TestKey::p256(1);
    let TestKey::P256(signing) = &key else {
        unreachable!()
    };
    let keys = KeySet::from_jwk_json(&key.public_jwk().to_string()).unwrap();
    let header = b64(br#"{"alg":"ES256"}"#);
    let payload = b64(claims().to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let signature: p256::ecdsa::Signature = signing.sign(input.as_bytes());
    // The raw R || S form verifies; the DER form of the same signature does not.
    verifier("{}")
        .verify(
            &keys,
            &format!("{input}.{}", b64(&signature.to_bytes())),
            NOW,
        )
        .unwrap();
    let der = format!("{input}.{}", b64(signature.to_der().as_bytes()));
    assert_eq!(
        fail(&keys, "{}", &der).code(),
        "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
    );
}

#[test]
fn payload_not_utf8() {
    let header = b64(br#"{"alg":"HS256"}"#);
    let token = sign_segments(&hs_key(), "HS256", &header, &b64(b"{\"sub\":\"\xff\"}"));
    let e = err("{}", &token);
    assert_eq!(e.code(), "ERR_JWT_INVALID", "{e}");
}

/// Deliberately stricter than jose: jwt-compact parses the registered header parameters with
/// their types, so a header whose `x5t` or `x5t#S256` has the wrong shape is refused as a
/// malformed JWS (never verified with some other key). A `kid` of the wrong type is just an
/// id that names no key, and unknown members stay ignored.
#[test]
fn header_parameters_of_the_wrong_type_make_the_jws_invalid() {
    for header in [
        json!({"alg": "HS256", "x5t": "abc"}),
        json!({"alg": "HS256", "x5t#S256": 7}),
    ] {
        let token = token(&hs_key(), &header, &claims());
        let err = verifier("{}").verify(&hs_keys(), &token, NOW).unwrap_err();
        assert_eq!(err.code(), "ERR_JWS_INVALID", "{header}");
    }
    let embedded = token(
        &hs_key(),
        &json!({"alg": "HS256", "jwk": {"kty": "unknown"}}),
        &claims(),
    );
    assert!(verifier("{}").verify(&hs_keys(), &embedded, NOW).is_ok());
}

#[test]
fn a_kid_of_any_other_type_is_just_an_unknown_id() {
    let named = KeySet::from_secret(SECRET_32.to_vec(), Alg::Hs256, Some("k1".into())).unwrap();
    for kid in [json!(7), json!(["k1"]), json!({"k": 1}), json!(true)] {
        let token = token(&hs_key(), &json!({ "alg": "HS256", "kid": kid }), &claims());
        let e = verifier("{}").verify(&named, &token, NOW).unwrap_err();
        assert_eq!(e.code(), "ERR_JWKS_NO_MATCHING_KEY", "{kid}");
        // A key without an id (a single secret) is still the one to try, as in jose.
        assert!(
            verifier("{}").verify(&hs_keys(), &token, NOW).is_ok(),
            "{kid}"
        );
    }
}

// ---------------------------------------------------------------- Cognito: clientId, tokenUse

#[test]
fn client_id_accepts_access_tokens_by_client_id_and_id_tokens_by_aud() {
    let access = hs(&claims_with(
        &json!({ "aud": null, "client_id": "app-1", "token_use": "access" }),
    ));
    let id = hs(&claims_with(&json!({ "aud": "app-1", "token_use": "id" })));
    for options in [
        r#"{"clientId":"app-1"}"#,
        r#"{"clientId":["app-0","app-1"]}"#,
    ] {
        ok(options, &access);
        ok(options, &id);
    }
    for token in [&access, &id] {
        let e = err(r#"{"clientId":"app-2"}"#, token);
        assert_eq!(
            (e.code(), e.claim()),
            ("ERR_JWT_CLAIM_VALIDATION_FAILED", Some("client_id"))
        );
    }
    // `audience` cannot check Cognito access tokens: they have no `aud`.
    assert_eq!(err(r#"{"audience":"app-1"}"#, &access).claim(), Some("aud"));
    let empty = Verifier::new(VerifyOptions::from_json(r#"{"clientId":[]}"#).unwrap()).unwrap_err();
    assert_eq!(empty.field(), Some("clientId"));
}

#[test]
fn token_use_must_match() {
    let access = hs(&claims_with(
        &json!({ "client_id": "app-1", "token_use": "access" }),
    ));
    ok(r#"{"tokenUse":"access"}"#, &access);
    let e = err(r#"{"tokenUse":"id"}"#, &access);
    assert_eq!(
        (e.code(), e.claim()),
        ("ERR_JWT_CLAIM_VALIDATION_FAILED", Some("token_use"))
    );
    let none = hs(&claims());
    assert_eq!(
        err(r#"{"tokenUse":"access"}"#, &none).claim(),
        Some("token_use")
    );
}
