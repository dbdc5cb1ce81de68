//! Shared helpers for the integration tests: independent signers (RustCrypto, ed25519-compact),
//! JWK and PEM writers, and token assembly.
#![allow(dead_code)]

use std::sync::OnceLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use jwtgate::{Error, KeySet, Verifier, VerifyOptions};
use serde_json::{json, Value};

/// A fixed 2048-bit RSA key (PKCS#8), generated once with `openssl genpkey`: generating one
/// in a debug build takes too long.
pub const RSA_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDWFcS1noQQZvXm\n\
HOTBWHoTa9YejV0/Ii0odj5dtpsjnKQeZNABwHVwW0tsWUTRK5uAJeeAnUIaduPd\n\
l2Kk2DtLPGmfMluzAmcGvJiaboW2a2RI9mzUa6vPPJTmQK9lTDD/tDlFrudfEJG9\n\
yFO9hhpMQnbaqSVmxTs2WzTYaZw79m4DEkDO8wTct8lcuHh+xx2F4k4AwyxsRvCZ\n\
OVF04ELdnB7FmzrJtabU+QBCwBaAEdJtkknr+DGij8yTnltdBTmRttQHMHxcpFEk\n\
LtKcNXHH/WfDCCw+QoCCU6fXNLTSnP+HlC6nETs3mUy9D9ukjcpXtzxfpLc/DYt5\n\
KsgpixWNAgMBAAECggEADMU0/AsooDyEDpCf/1M3ylDJxP4fFypYEex7wTtTUHHX\n\
mGM1xTpQcb4AZxuBb2Nv3dpk+ixnSmItKtq3l6hjtmk0I7rtSBBXSkpAZXXno/9j\n\
9rY8Z69vNZLM5Fnsxy4e/iHSCMYWJyWQjAbsd9xiqonhwnQJ4ceCG2FKwF4MY8cu\n\
Iuc6kTMdNlb6uyCVfWt+J1F8XkcoaKpI4OiOdaSazPxHi+DOIA7VFnDZ62a4K1nj\n\
wLDfctAdKaQe4bSbD2Szc5WYRLcxsd8x8RB4gkrJUgkMHxCbVuay8Bwx/ilTZJI0\n\
VUG+nRJ1Xy4+lKawnjmJh0OQdUZkKgw5pB9AjR96AQKBgQDwdN1xcId5raT8krA4\n\
0mIINFat3y5IN4x2fd9DgCUa1CgQPzRTt9Hlqn5pDWMibijikQrWddRSr3BAbTaw\n\
L/Vn6Ed9raOlB2QJSrgMPHfPPlsDMOPtp+eXRCuuNy00t0k/3TZdJdgg/qjxGMtf\n\
bwH0oiClMUksD1TyDSYZ1lHgeQKBgQDj7IBp4j0yjct7oBRumoTOPJ0yIgyYbi2g\n\
1s4L+ne43xRqMVYunArh/9SsaKk0i6nIDXhslZnrO67hVayuwYIvxBWAoeFJ/eFi\n\
YB3Jr4DNtBZ25iz+Ltf/Jh1cIkG5LBLnVzJCCmhwup96iQe4TrnG/QaLE7cgovKu\n\
tBRwvspgtQKBgFer1H2i8NJNnKU2eqgNFQ82vg/hGsfb8QvW8wtycpTom77ovJR1\n\
pkMdub9l0Sphjeilx5TQG10WeFAVQeZVZh2/lClfoRXvruqwYpCbj3dxnc95CPHC\n\
0W7WvTJlDcd1uHBfoI2v2bCWCVT2nFgsakMexdZVNP+qi2dBog2zleDJAoGABCVB\n\
EKv0wP6jPNRkir50u+uOUGMeJ4eZfNtrU/xyQQKNtIDBOIfOCt5EV/5vVW1U4Tad\n\
ghwWeJjVTXPpeCQ84fGHEpffKSFdABUPdaOjjBpCblcxak4fz5w53HsjBuMuVNbZ\n\
KypVS/eY/vmPEmMcLepcPBtXsVhFYbgUxxgxRiECgYEAqm2JGuK7odwgnvGrjdhw\n\
Icb1PKimSJBILrk+BGfFhtksjKnxpx3mz2rWWN53UgY7Noa1fNO5PlyEjNojN/Dy\n\
Gpk/tv0vmyj291zxi/s9L5e/0AtnlN/JfmCOn6GNJOGZMmdUY4UXn+uARLiicOXS\n\
kS5/M3HzYqmDiKrK7BHzE68=\n\
-----END PRIVATE KEY-----";

/// The public half of a 1024-bit RSA key, which must be refused.
pub const RSA_1024_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDgoAecGyAJ3ONZPknGn+4o1N2z\n\
MKcZVTnwdxGGdVgQFFeiILAgs0yCWkIDiCki8V+eclbt9FVskKfhNxCBpTn81eLo\n\
TdBKxVc7JCdBt5JwXq9G9bgmZ/UNrK+BPvqXZmo46oFXfxrlO31uqsi3OsqOK7W2\n\
twnPpBD3K27JTEq1oQIDAQAB\n\
-----END PUBLIC KEY-----";

/// Seconds since the epoch used as "now" by most tests.
pub const NOW: i64 = 1_700_000_000;

/// A 32-byte secret for HS256 tests.
pub const SECRET_32: &[u8] = b"0123456789abcdef0123456789abcdef";

pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

pub fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs8::DecodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PRIVATE_PEM).expect("fixed RSA test key")
    })
}

/// A signing key of any supported kind.
#[derive(Clone)]
pub enum TestKey {
    Secret(Vec<u8>),
    Rsa,
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
    Ed25519(ed25519_compact::KeyPair),
}

impl TestKey {
    /// A deterministic P-256 key; `seed` picks which.
    pub fn p256(seed: u8) -> Self {
        Self::P256(p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    pub fn p384(seed: u8) -> Self {
        Self::P384(p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap())
    }

    pub fn p521(seed: u8) -> Self {
        let mut bytes = [seed; 66];
        bytes[0] = 0; // below the group order
        Self::P521(p521::ecdsa::SigningKey::from_slice(&bytes).unwrap())
    }

    pub fn ed25519(seed: u8) -> Self {
        Self::Ed25519(ed25519_compact::KeyPair::from_seed(
            ed25519_compact::Seed::new([seed; 32]),
        ))
    }

    /// Signs `input` with the scheme `alg` names.
    pub fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
        match (self, alg) {
            (Self::Secret(k), "HS256") => hmac_sign::<hmac::Hmac<sha2::Sha256>>(k, input),
            (Self::Secret(k), "HS384") => hmac_sign::<hmac::Hmac<sha2::Sha384>>(k, input),
            (Self::Secret(k), "HS512") => hmac_sign::<hmac::Hmac<sha2::Sha512>>(k, input),
            (Self::Rsa, "RS256") => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_key().clone())
                    .sign(input)
                    .to_vec()
            }
            (Self::Rsa, "RS384") => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(rsa_key().clone())
                    .sign(input)
                    .to_vec()
            }
            (Self::Rsa, "RS512") => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(rsa_key().clone())
                    .sign(input)
                    .to_vec()
            }
            (Self::Rsa, "PS256") => rsa::pss::SigningKey::<sha2::Sha256>::new(rsa_key().clone())
                .sign_with_rng(&mut rand::thread_rng(), input)
                .to_vec(),
            (Self::Rsa, "PS384") => rsa::pss::SigningKey::<sha2::Sha384>::new(rsa_key().clone())
                .sign_with_rng(&mut rand::thread_rng(), input)
                .to_vec(),
            (Self::Rsa, "PS512") => rsa::pss::SigningKey::<sha2::Sha512>::new(rsa_key().clone())
                .sign_with_rng(&mut rand::thread_rng(), input)
                .to_vec(),
            (Self::P256(k), "ES256") => {
                let sig: p256::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
            (Self::P384(k), "ES384") => {
                let sig: p384::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
            (Self::P521(k), "ES512") => {
                let sig: p521::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
            (Self::Ed25519(k), "EdDSA" | "Ed25519") => k.sk.sign(input, None).to_vec(),
            // Anything else (e.g. "none", "HS1"): a junk signature of plausible size.
            _ => vec![0x5a; 32],
        }
    }

    /// The public JWK members (no `kid`, `alg` or `use`).
    pub fn public_jwk(&self) -> Value {
        match self {
            Self::Secret(k) => json!({"kty": "oct", "k": b64(k)}),
            Self::Rsa => {
                use rsa::traits::PublicKeyParts;
                let key = rsa_key();
                json!({"kty": "RSA", "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be())})
            }
            Self::P256(k) => ec_jwk(
                "P-256",
                k.verifying_key().to_encoded_point(false).as_bytes(),
                32,
            ),
            Self::P384(k) => ec_jwk(
                "P-384",
                k.verifying_key().to_encoded_point(false).as_bytes(),
                48,
            ),
            Self::P521(k) => ec_jwk(
                "P-521",
                p521::ecdsa::VerifyingKey::from(k)
                    .to_encoded_point(false)
                    .as_bytes(),
                66,
            ),
            Self::Ed25519(k) => json!({"kty": "OKP", "crv": "Ed25519", "x": b64(k.pk.as_ref())}),
        }
    }

    /// The public JWK with `kid` (when given) and extra members merged in.
    pub fn jwk_with(&self, extra: &Value) -> Value {
        let mut jwk = self.public_jwk();
        for (name, value) in extra.as_object().expect("object") {
            jwk[name] = value.clone();
        }
        jwk
    }

    /// The public key as SPKI PEM (`BEGIN PUBLIC KEY`).
    pub fn spki_pem(&self) -> String {
        use p256::pkcs8::{EncodePublicKey, LineEnding};
        match self {
            Self::Secret(_) => panic!("a secret has no PEM"),
            Self::Rsa => rsa_key()
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
            Self::P256(k) => p256::PublicKey::from(k.verifying_key())
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
            Self::P384(k) => p384::PublicKey::from(k.verifying_key())
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
            Self::P521(k) => {
                let point = p521::ecdsa::VerifyingKey::from(k).to_encoded_point(false);
                p521::PublicKey::from_sec1_bytes(point.as_bytes())
                    .unwrap()
                    .to_public_key_pem(LineEnding::LF)
                    .unwrap()
            }
            Self::Ed25519(k) => k.pk.to_pem(),
        }
    }
}

fn hmac_sign<D: hmac::Mac + hmac::digest::KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
    let mut mac = <D as hmac::digest::KeyInit>::new_from_slice(key).unwrap();
    mac.update(input);
    mac.finalize().into_bytes().to_vec()
}

fn ec_jwk(crv: &str, sec1: &[u8], len: usize) -> Value {
    assert_eq!(sec1.len(), 1 + 2 * len);
    json!({"kty": "EC", "crv": crv, "x": b64(&sec1[1..=len]), "y": b64(&sec1[1 + len..])})
}

/// A JWKS document holding `members`.
pub fn jwks(members: &[Value]) -> String {
    json!({ "keys": members }).to_string()
}

/// Assembles `b64(header).b64(payload).b64(sign(...))` from JSON texts, signing exactly what
/// a verifier must verify.
pub fn token_from_texts(key: &TestKey, header: &str, payload: &str) -> String {
    let alg = serde_json::from_str::<Value>(header)
        .ok()
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    sign_segments(key, &alg, &b64(header.as_bytes()), &b64(payload.as_bytes()))
}

/// Signs `header_b64.payload_b64` with `alg` and appends the signature segment.
pub fn sign_segments(key: &TestKey, alg: &str, header_b64: &str, payload_b64: &str) -> String {
    let input = format!("{header_b64}.{payload_b64}");
    let signature = key.sign(alg, input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

/// A token from JSON values.
pub fn token(key: &TestKey, header: &Value, payload: &Value) -> String {
    token_from_texts(key, &header.to_string(), &payload.to_string())
}

/// A valid claims set at [`NOW`]: one hour of lifetime left.
pub fn claims() -> Value {
    json!({"iss": "https://issuer.example", "sub": "alice", "aud": "api", "iat": NOW - 60, "exp": NOW + 3600})
}

pub fn verifier(options: &str) -> Verifier {
    Verifier::new(VerifyOptions::from_json(options).expect("options")).expect("verifier")
}

/// Verifies with `options` at [`NOW`] and returns the error. Verifies twice with the same
/// verifier, which the second time may know the token's header already (a verifier remembers
/// headers it has accepted): the error must be the same.
pub fn fail(keys: &KeySet, options: &str, token: &str) -> Error {
    let verifier = verifier(options);
    let [first, again] = [(); 2].map(|()| match verifier.verify(keys, token, NOW) {
        Ok(v) => panic!(
            "expected an error, but the token verified: {:?}",
            v.payload()
        ),
        Err(err) => err,
    });
    assert_eq!(
        (first.code(), first.to_string()),
        (again.code(), again.to_string())
    );
    first
}

/// Flips one bit in the first byte of the signature segment's decoded bytes.
pub fn tamper_signature(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = Base64UrlUnpadded::decode_vec(sig).unwrap();
    bytes[0] ^= 0x01;
    format!("{input}.{}", b64(&bytes))
}

/// Flips one bit of the last signature byte (the `s` half for ECDSA).
pub fn tamper_signature_end(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = Base64UrlUnpadded::decode_vec(sig).unwrap();
    *bytes.last_mut().unwrap() ^= 0x01;
    format!("{input}.{}", b64(&bytes))
}

/// Asserts a claim error's code, claim and reason.
pub fn assert_claim_error(err: &Error, code: &str, claim: &str, reason: &str) {
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(err.claim(), Some(claim), "{err}");
    assert_eq!(err.reason().map(|r| r.as_str()), Some(reason), "{err}");
}
