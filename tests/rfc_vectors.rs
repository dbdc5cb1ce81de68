//! Published test vectors: RFC 7515 Appendix A.1–A.3 and RFC 8037 Appendix A.4.

mod common;

use common::{tamper_signature, tamper_signature_end};
use jwtgate::{Alg, KeySet, Verifier, VerifyOptions};

/// The payload of RFC 7515 A.1–A.3: `{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}`.
const RFC7515_PAYLOAD: &str =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
/// Before the vectors' `exp` (1300819380).
const RFC7515_NOW: i64 = 1_300_819_000;

const A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const A1_JWK: &str = r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;

const A2_SIGNATURE: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const A2_JWK: &str = r#"{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}"#;

const A3_SIGNATURE: &str =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const A3_JWK: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

/// RFC 8037 A.4: `{"alg":"EdDSA"}` over the bytes "Example of Ed25519 signing".
const RFC8037_TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
/// RFC 8037 A.2, the public part of the A.1 key.
const RFC8037_JWK: &str =
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

fn a2_token() -> String {
    format!("eyJhbGciOiJSUzI1NiJ9.{RFC7515_PAYLOAD}.{A2_SIGNATURE}")
}

fn a3_token() -> String {
    format!("eyJhbGciOiJFUzI1NiJ9.{RFC7515_PAYLOAD}.{A3_SIGNATURE}")
}

fn default_verifier() -> Verifier {
    Verifier::new(VerifyOptions::from_json("{}").unwrap()).unwrap()
}

/// Checks one RFC 7515 vector: verifies before `exp`, reports the payload and algorithm,
/// is expired at `exp`, and a flipped signature byte breaks it.
fn check_rfc7515(keys: &KeySet, token: &str, alg: Alg) {
    let verifier = Verifier::new(
        VerifyOptions::from_json(r#"{"issuer":"joe","algorithms":["HS256","RS256","ES256"]}"#)
            .unwrap(),
    )
    .unwrap();
    let verified = verifier.verify(keys, token, RFC7515_NOW).unwrap();
    assert_eq!(verified.alg, alg);
    assert_eq!(verified.header()["alg"], alg.name());
    assert_eq!(verified.payload()["iss"], "joe");
    assert_eq!(verified.payload()["exp"], 1_300_819_380_i64);
    assert_eq!(verified.payload()["http://example.com/is_root"], true);
    assert!(
        verified.payload_json.contains("\r\n"),
        "the payload text is kept as received"
    );

    let expired = verifier.verify(keys, token, 1_300_819_380).unwrap_err();
    assert_eq!(expired.code(), "ERR_JWT_EXPIRED");
    assert_eq!(expired.claim(), Some("exp"));

    for tampered in [tamper_signature(token), tamper_signature_end(token)] {
        let err = verifier.verify(keys, &tampered, RFC7515_NOW).unwrap_err();
        assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "{err}");
    }
}

#[test]
fn rfc7515_a1_hs256() {
    let keys = KeySet::from_jwk_json(A1_JWK).unwrap();
    check_rfc7515(&keys, A1_TOKEN, Alg::Hs256);
    let verified = default_verifier()
        .verify(&keys, A1_TOKEN, RFC7515_NOW)
        .unwrap();
    assert_eq!(verified.header()["typ"], "JWT");
}

#[test]
fn rfc7515_a1_hs256_as_raw_secret() {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let secret = Base64UrlUnpadded::decode_vec(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    )
    .unwrap();
    let keys = KeySet::from_secret(secret, Alg::Hs256, None).unwrap();
    check_rfc7515(&keys, A1_TOKEN, Alg::Hs256);
}

#[test]
fn rfc7515_a2_rs256() {
    let keys = KeySet::from_jwk_json(A2_JWK).unwrap();
    check_rfc7515(&keys, &a2_token(), Alg::Rs256);
}

#[test]
fn rfc7515_a2_rs256_in_a_jwks() {
    let jwks = format!(
        r#"{{"keys":[{}]}}"#,
        A2_JWK.replacen('{', r#"{"kid":"rfc","use":"sig","alg":"RS256","#, 1)
    );
    let keys = KeySet::from_jwks_json(&jwks).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.info()[0].bits, Some(2048));
    check_rfc7515(&keys, &a2_token(), Alg::Rs256);
}

#[test]
fn rfc7515_a3_es256() {
    let keys = KeySet::from_jwk_json(A3_JWK).unwrap();
    check_rfc7515(&keys, &a3_token(), Alg::Es256);
}

#[test]
fn rfc7515_vectors_do_not_cross_verify() {
    // The ES256 signature under the RS256 key and vice versa: no candidate key.
    let rsa = KeySet::from_jwk_json(A2_JWK).unwrap();
    let err = default_verifier()
        .verify(&rsa, &a3_token(), RFC7515_NOW)
        .unwrap_err();
    assert_eq!(err.code(), "ERR_JWKS_NO_MATCHING_KEY");
    // The RS256 signature moved under an `alg` of PS256: same key kind, wrong scheme.
    let ps = format!("eyJhbGciOiJQUzI1NiJ9.{RFC7515_PAYLOAD}.{A2_SIGNATURE}");
    let err = default_verifier()
        .verify(&rsa, &ps, RFC7515_NOW)
        .unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
}

#[test]
fn rfc8037_a4_ed25519() {
    let keys = KeySet::from_jwk_json(RFC8037_JWK).unwrap();
    // The signature verifies; the payload ("Example of Ed25519 signing") is not a claims set.
    let err = default_verifier()
        .verify(&keys, RFC8037_TOKEN, 1_700_000_000)
        .unwrap_err();
    assert_ne!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    assert_eq!(err.code(), "ERR_JWT_INVALID", "{err}");

    for tampered in [
        tamper_signature(RFC8037_TOKEN),
        tamper_signature_end(RFC8037_TOKEN),
    ] {
        let err = default_verifier()
            .verify(&keys, &tampered, 1_700_000_000)
            .unwrap_err();
        assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "{err}");
    }

    // A different payload under the same signature fails too.
    let other = RFC8037_TOKEN.replacen(".RXhh", ".RXhi", 1);
    let err = default_verifier()
        .verify(&keys, &other, 1_700_000_000)
        .unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "{err}");
}

#[test]
fn rfc8037_a4_under_the_fully_specified_ed25519_name_is_a_different_signing_input() {
    // Re-labelling the header changes the signing input, so the RFC signature no longer holds.
    let keys = KeySet::from_jwk_json(RFC8037_JWK).unwrap();
    let relabelled = RFC8037_TOKEN.replacen("eyJhbGciOiJFZERTQSJ9", "eyJhbGciOiJFZDI1NTE5In0", 1);
    let err = default_verifier()
        .verify(&keys, &relabelled, 1_700_000_000)
        .unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "{err}");
}

#[test]
fn rfc8037_a4_signature_is_rejected_by_another_ed25519_key() {
    let other = common::TestKey::ed25519(7).public_jwk().to_string();
    let keys = KeySet::from_jwk_json(&other).unwrap();
    let err = default_verifier()
        .verify(&keys, RFC8037_TOKEN, 1_700_000_000)
        .unwrap_err();
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
}
