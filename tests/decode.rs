//! `decode`: unverified inspection with warnings, and precise errors.

mod common;

use common::{b64, claims, tamper_signature, token, token_from_texts, TestKey, NOW};
use jwtgate::{decode, Decoded, Severity};
use serde_json::{json, Value};

fn codes(decoded: &Decoded) -> Vec<&'static str> {
    decoded.warnings.iter().map(|w| w.code).collect()
}

fn severity(decoded: &Decoded, code: &str) -> Severity {
    decoded
        .warnings
        .iter()
        .find(|w| w.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(decoded)))
        .severity
}

fn es256(header: &Value, payload: &Value) -> String {
    token(&TestKey::p256(1), header, payload)
}

#[test]
fn clean_token_has_no_warnings() {
    let decoded = decode(
        &es256(&json!({"alg": "ES256", "typ": "JWT"}), &claims()),
        Some(NOW),
    )
    .unwrap();
    assert_eq!(codes(&decoded), Vec::<&str>::new());
    assert_eq!(decoded.header["alg"], "ES256");
    assert_eq!(decoded.payload["sub"], "alice");
    assert_eq!(decoded.signature_bytes, 64);
}

#[test]
fn decode_does_not_verify() {
    let token = tamper_signature(&es256(&json!({"alg": "ES256"}), &claims()));
    let decoded = decode(&token, None).unwrap();
    assert_eq!(decoded.signature, token.rsplit_once('.').unwrap().1);
}

#[test]
fn alg_none_warns() {
    for alg in ["none", "NONE", "None"] {
        let header = b64(json!({ "alg": alg }).to_string().as_bytes());
        let payload = b64(br#"{"sub":"alice"}"#);
        let decoded = decode(&format!("{header}.{payload}."), None).unwrap();
        assert!(
            codes(&decoded).contains(&"ALG_NONE"),
            "{alg}: {:?}",
            codes(&decoded)
        );
        assert_eq!(severity(&decoded, "ALG_NONE"), Severity::High);
        assert_eq!(decoded.signature_bytes, 0);
    }
}

#[test]
fn missing_or_unknown_alg_warns() {
    let decoded = decode(&es256(&json!({"typ": "JWT"}), &claims()), None).unwrap();
    assert!(codes(&decoded).contains(&"ALG_MISSING"));
    let decoded = decode(&es256(&json!({"alg": "HS1"}), &claims()), None).unwrap();
    assert!(codes(&decoded).contains(&"ALG_UNSUPPORTED"));
}

#[test]
fn empty_signature_and_symmetric_alg_warn() {
    let token = token(
        &TestKey::Secret(vec![1; 32]),
        &json!({"alg": "HS256"}),
        &claims(),
    );
    let decoded = decode(&token, None).unwrap();
    assert_eq!(codes(&decoded), vec!["ALG_SYMMETRIC"]);
    let unsigned = format!("{}.", token.rsplit_once('.').unwrap().0);
    let decoded = decode(&unsigned, None).unwrap();
    assert!(codes(&decoded).contains(&"SIGNATURE_EMPTY"));
    assert_eq!(severity(&decoded, "SIGNATURE_EMPTY"), Severity::High);
}

#[test]
fn no_exp_warns() {
    let mut payload = claims();
    payload.as_object_mut().unwrap().remove("exp");
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), Some(NOW)).unwrap();
    assert_eq!(codes(&decoded), vec!["NO_EXP"]);
    assert_eq!(severity(&decoded, "NO_EXP"), Severity::High);
}

#[test]
fn long_lifetime_warns() {
    let mut payload = claims();
    payload["iat"] = json!(NOW);
    payload["exp"] = json!(NOW + 86_400);
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), None).unwrap();
    assert!(
        !codes(&decoded).contains(&"LONG_LIFETIME"),
        "exactly 24 h is fine"
    );
    payload["exp"] = json!(NOW + 86_401);
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), None).unwrap();
    assert_eq!(codes(&decoded), vec!["LONG_LIFETIME"]);
    assert_eq!(severity(&decoded, "LONG_LIFETIME"), Severity::Medium);
    payload["exp"] = json!(NOW + 36 * 3600 + 170);
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), None).unwrap();
    assert!(decoded.warnings[0]
        .message
        .starts_with("lifetime of 36.0 h"));
    payload["exp"] = json!(NOW + 36 * 3600 + 190);
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), None).unwrap();
    assert!(decoded.warnings[0]
        .message
        .starts_with("lifetime of 36.1 h"));
}

#[test]
fn key_headers_warn() {
    let attacker = TestKey::p256(2).public_jwk();
    for (header, code, level) in [
        (
            json!({"alg": "ES256", "jwk": attacker}),
            "KEY_IN_HEADER",
            Severity::High,
        ),
        (
            json!({"alg": "ES256", "x5c": ["MIIB"]}),
            "KEY_IN_HEADER",
            Severity::High,
        ),
        (
            json!({"alg": "ES256", "jku": "https://attacker.example/jwks"}),
            "KEY_URL_IN_HEADER",
            Severity::Medium,
        ),
        (
            json!({"alg": "ES256", "x5u": "https://attacker.example/x5u"}),
            "KEY_URL_IN_HEADER",
            Severity::Medium,
        ),
    ] {
        let decoded = decode(&es256(&header, &claims()), None).unwrap();
        assert_eq!(codes(&decoded), vec![code], "{header}");
        assert_eq!(severity(&decoded, code), level);
    }
}

#[test]
fn crit_b64_and_cty_warn() {
    let decoded = decode(
        &es256(
            &json!({"alg": "ES256", "crit": ["b64"], "b64": false}),
            &claims(),
        ),
        None,
    )
    .unwrap();
    assert_eq!(codes(&decoded), vec!["CRIT", "UNENCODED_PAYLOAD"]);
    let decoded = decode(
        &es256(&json!({"alg": "ES256", "cty": "JWT"}), &claims()),
        None,
    )
    .unwrap();
    assert_eq!(codes(&decoded), vec!["NESTED_JWT"]);
}

#[test]
fn time_warnings_need_now() {
    let mut payload = claims();
    payload["exp"] = json!(NOW - 1);
    let token = es256(&json!({"alg": "ES256"}), &payload);
    assert_eq!(codes(&decode(&token, None).unwrap()), Vec::<&str>::new());
    let decoded = decode(&token, Some(NOW)).unwrap();
    assert_eq!(codes(&decoded), vec!["EXPIRED"]);
    assert_eq!(severity(&decoded, "EXPIRED"), Severity::High);
    // exp == now has expired, as in verification.
    payload["exp"] = json!(NOW);
    assert_eq!(
        codes(&decode(&es256(&json!({"alg": "ES256"}), &payload), Some(NOW)).unwrap()),
        vec!["EXPIRED"]
    );

    let mut payload = claims();
    payload["nbf"] = json!(NOW + 10);
    payload["iat"] = json!(NOW + 10);
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), Some(NOW)).unwrap();
    assert_eq!(codes(&decoded), vec!["NOT_YET_VALID", "IAT_IN_FUTURE"]);
}

#[test]
fn claim_types_and_missing_iss_aud_warn() {
    let payload = json!({"exp": "soon", "iss": 1, "sub": ["a"], "aud": [1]});
    let decoded = decode(&es256(&json!({"alg": "ES256"}), &payload), Some(NOW)).unwrap();
    let types = decoded
        .warnings
        .iter()
        .filter(|w| w.code == "CLAIM_TYPE")
        .count();
    assert_eq!(types, 4, "{:?}", decoded.warnings);
    let decoded = decode(
        &es256(&json!({"alg": "ES256"}), &json!({"exp": NOW + 60})),
        Some(NOW),
    )
    .unwrap();
    assert_eq!(codes(&decoded), vec!["NO_ISS_OR_AUD", "NO_ISS_OR_AUD"]);
    assert_eq!(severity(&decoded, "NO_ISS_OR_AUD"), Severity::Low);
}

#[test]
fn surrounding_whitespace_is_ignored() {
    let token = es256(&json!({"alg": "ES256"}), &claims());
    let decoded = decode(&format!("  {token}\n"), None).unwrap();
    assert_eq!(decoded.payload["sub"], "alice");
}

#[test]
fn bad_base64url_names_segment_and_offset() {
    let token = es256(&json!({"alg": "ES256"}), &claims());
    let parts: Vec<&str> = token.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);

    let err = decode(&format!("{h}=.{p}.{s}"), None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_INVALID");
    assert_eq!(
        err.to_string(),
        format!("segment 1 (header): invalid base64url: padding '=' (base64url in a JWS is unpadded) at offset {}", h.len())
    );

    let bad_payload = format!("{}+{}", &p[..10], &p[10..]);
    let err = decode(&format!("{h}.{bad_payload}.{s}"), None).unwrap_err();
    // As jose's decodeJwt: a payload that cannot be decoded is ERR_JWT_INVALID.
    assert_eq!(err.code(), "ERR_JWT_INVALID");
    assert_eq!(
        err.to_string(),
        "segment 2 (payload): invalid base64url: '+' (base64, not base64url) at offset 10"
    );

    let bad_signature = format!("{}/{}", &s[..4], &s[4..]);
    let err = decode(&format!("{h}.{p}.{bad_signature}"), None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_INVALID");
    assert_eq!(
        err.to_string(),
        "segment 3 (signature): invalid base64url: '/' (base64, not base64url) at offset 4"
    );

    let err = decode(&format!("{h}.{p}.{s}AAA"), None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_INVALID");
    assert!(
        err.to_string()
            .starts_with("segment 3 (signature): invalid base64url: impossible length"),
        "{err}"
    );

    let err = decode(&format!("{}\u{e9}.{p}.{s}", &h[..2]), None).unwrap_err();
    assert!(
        err.to_string().contains("segment 1 (header)") && err.to_string().contains("offset 2"),
        "{err}"
    );
}

#[test]
fn structural_errors() {
    let err = decode("a.b.c.d.e", None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_INVALID");
    assert!(err.to_string().contains("JWE"), "{err}");
    let err = decode("a.b", None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_INVALID");
    assert!(err.to_string().contains("1 dots"), "{err}");

    let header = b64(br#"{"alg":"ES256","alg":"none"}"#);
    let err = decode(&format!("{header}.{}.", b64(b"{}")), None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_INVALID");
    assert!(err.to_string().contains("segment 1 (header)"), "{err}");

    for payload in [
        "[1]",
        "\"x\"",
        "{\"a\":1,\"a\":2}",
        "Example of Ed25519 signing",
    ] {
        let token = token_from_texts(&TestKey::p256(1), r#"{"alg":"ES256"}"#, payload);
        let err = decode(&token, None).unwrap_err();
        assert_eq!(err.code(), "ERR_JWT_INVALID", "{payload}");
        assert!(err.to_string().contains("segment 2 (payload)"), "{err}");
    }

    let huge = "a".repeat(jwtgate::MAX_DOCUMENT_BYTES + 1);
    assert_eq!(decode(&huge, None).unwrap_err().code(), "ERR_JWS_INVALID");
}
