//! jwtgate's side, through its public API only: keys are imported as JWKs, and a signature is
//! checked by verifying a token whose signing input is the message (`Key::verify` is not
//! public, and going through the token also covers the signature's decoding and the choice
//! of algorithm code).

use std::sync::OnceLock;

use base64ct::{Base64UrlUnpadded as B64, Encoding};
use jwtgate::{Alg, KeySet, Verifier, VerifyOptions};

/// No claim is required, and no token is too long: a verdict depends on the signature alone.
const OPTIONS: &str = r#"{"requireExpiration":false,"maxTokenLength":100000}"#;

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        Verifier::new(VerifyOptions::from_json(OPTIONS).expect("fixed options"))
            .expect("fixed verifier")
    })
}

/// The JWS signing input (RFC 7515 §5.1) of a token for `alg` whose payload is `message`:
/// what both sides sign and verify.
pub fn signing_input(alg: Alg, message: &[u8]) -> String {
    let header = format!(r#"{{"alg":"{alg}"}}"#);
    format!(
        "{}.{}",
        B64::encode_string(header.as_bytes()),
        B64::encode_string(message)
    )
}

/// An RSA public key as a JWK (RFC 7518 §6.3.1).
pub fn rsa_key(n: &[u8], e: &[u8]) -> Option<KeySet> {
    let jwk = format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
        B64::encode_string(n),
        B64::encode_string(e)
    );
    KeySet::from_jwk_json(&jwk).ok()
}

/// An EC public key as a JWK (RFC 7518 §6.2.1).
pub fn ec_key(crv: &str, x: &[u8], y: &[u8]) -> Option<KeySet> {
    let jwk = format!(
        r#"{{"kty":"EC","crv":"{crv}","x":"{}","y":"{}"}}"#,
        B64::encode_string(x),
        B64::encode_string(y)
    );
    KeySet::from_jwk_json(&jwk).ok()
}

/// Whether jwtgate accepts `signature` over `signing_input`. The payload is any bytes, so a
/// token whose signature verified may still be refused, but only by the checks after it.
pub fn verifies(keys: &KeySet, signing_input: &str, signature: &[u8]) -> bool {
    let token = format!("{signing_input}.{}", B64::encode_string(signature));
    match verifier().verify(keys, &token, 0) {
        Ok(_) => true,
        Err(err) => match err.code() {
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" => false,
            // Checked after the signature: a payload that is not a claims set.
            "ERR_JWT_INVALID" | "ERR_JWT_EXPIRED" | "ERR_JWT_CLAIM_VALIDATION_FAILED" => true,
            // Anything else is refused before the signature is looked at: the harness built
            // a token that does not test the signature at all.
            _ => panic!("harness: token refused before its signature was checked: {err}"),
        },
    }
}
