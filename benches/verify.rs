//! Where the time of one verification goes, natively (`cargo bench --bench verify`).
//! Prints µs per step; no assertions.

use std::time::Instant;

use jwtgate::{decode, Alg, KeySet, Verifier, VerifyOptions};

const SECRET: &[u8] = b"a-string-secret-at-least-256-bits-long-xx";

/// The signing input of a Cognito-like access token for `alg`.
fn signing_input(alg: &str) -> String {
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
    format!("{header}.{payload}")
}

fn token() -> String {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    use hmac::{Hmac, Mac};
    let input = signing_input("HS256");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        B64::encode_string(&mac.finalize().into_bytes())
    )
}

/// A token for `alg` signed by `sign`, and a key set holding the matching public `jwk`.
fn ecdsa_case(
    alg: &str,
    jwk: serde_json::Value,
    sign: impl Fn(&[u8]) -> Vec<u8>,
) -> (String, KeySet) {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    let input = signing_input(alg);
    let token = format!("{input}.{}", B64::encode_string(&sign(input.as_bytes())));
    (token, KeySet::from_jwk_json(&jwk.to_string()).unwrap())
}

fn ec_jwk(crv: &str, sec1: &[u8]) -> serde_json::Value {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    let (x, y) = sec1[1..].split_at(sec1.len() / 2);
    serde_json::json!({ "kty": "EC", "crv": crv, "x": B64::encode_string(x), "y": B64::encode_string(y) })
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
    let keys = KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).unwrap();
    let options = r#"{"issuer":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf","audience":"7pl1abcdefghijklmnopqrstuv","algorithms":["HS256"]}"#;
    let verifier = Verifier::new(VerifyOptions::from_json(options).unwrap()).unwrap();
    println!("token: {} bytes", token.len());
    time("verify (HS256, pure Rust)", 200_000, || {
        verifier.verify(&keys, &token, 1_900_000_000).unwrap();
    });
    bench_ecdsa();
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
}

/// ES256, ES384 and ES512 through the pure-Rust path (no native backend installed here).
fn bench_ecdsa() {
    use p256::ecdsa::signature::Signer as _;
    let p256 = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let p384 = p384::ecdsa::SigningKey::from_slice(&[7; 48]).unwrap();
    let p521 = p521::ecdsa::SigningKey::from_slice(&[[0].as_slice(), &[7; 65]].concat()).unwrap();
    let cases = [
        (
            "ES256",
            ecdsa_case(
                "ES256",
                ec_jwk(
                    "P-256",
                    p256.verifying_key().to_encoded_point(false).as_bytes(),
                ),
                |m| p256::ecdsa::Signature::to_vec(&p256.sign(m)),
            ),
            2_000,
        ),
        (
            "ES384",
            ecdsa_case(
                "ES384",
                ec_jwk(
                    "P-384",
                    p384.verifying_key().to_encoded_point(false).as_bytes(),
                ),
                |m| p384::ecdsa::Signature::to_vec(&p384.sign(m)),
            ),
            1_000,
        ),
        (
            "ES512",
            ecdsa_case(
                "ES512",
                ec_jwk(
                    "P-521",
                    p521::ecdsa::VerifyingKey::from(&p521)
                        .to_encoded_point(false)
                        .as_bytes(),
                ),
                |m| p521::ecdsa::Signature::to_vec(&p521.sign(m)),
            ),
            500,
        ),
    ];
    for (alg, (token, keys), iterations) in cases {
        let verifier = Verifier::new(
            VerifyOptions::from_json(&format!(r#"{{"algorithms":["{alg}"]}}"#)).unwrap(),
        )
        .unwrap();
        time(&format!("verify ({alg}, pure Rust)"), iterations, || {
            verifier.verify(&keys, &token, 1_900_000_000).unwrap();
        });
    }
}
