//! Every algorithm round trip (signed here with independent crates), and key set building:
//! JWKS, single JWK, PEM, secrets, and the keys that must be refused or skipped.

mod common;

use common::{
    claims, fail, jwks, tamper_signature, token, verifier, TestKey, NOW, RSA_1024_PUBLIC_PEM,
};
use jwtgate::{Alg, KeySet};
use serde_json::{json, Value};

/// Each algorithm with a key that signs for it, and a second, unrelated key of the same kind.
fn cases() -> Vec<(Alg, TestKey, TestKey)> {
    let secret =
        |len: usize, fill: u8| TestKey::Secret((0..len).map(|i| fill ^ (i as u8)).collect());
    vec![
        (Alg::Hs256, secret(32, 1), secret(32, 2)),
        (Alg::Hs384, secret(48, 1), secret(48, 2)),
        (Alg::Hs512, secret(64, 1), secret(64, 2)),
        (Alg::Rs256, TestKey::Rsa, TestKey::Secret(vec![])),
        (Alg::Rs384, TestKey::Rsa, TestKey::Secret(vec![])),
        (Alg::Rs512, TestKey::Rsa, TestKey::Secret(vec![])),
        (Alg::Ps256, TestKey::Rsa, TestKey::Secret(vec![])),
        (Alg::Ps384, TestKey::Rsa, TestKey::Secret(vec![])),
        (Alg::Ps512, TestKey::Rsa, TestKey::Secret(vec![])),
        (Alg::Es256, TestKey::p256(1), TestKey::p256(2)),
        (Alg::Es384, TestKey::p384(1), TestKey::p384(2)),
        (Alg::Es512, TestKey::p521(1), TestKey::p521(2)),
        (Alg::EdDsa, TestKey::ed25519(1), TestKey::ed25519(2)),
        (Alg::Ed25519, TestKey::ed25519(1), TestKey::ed25519(2)),
    ]
}

fn signed(key: &TestKey, alg: Alg, kid: Option<&str>) -> String {
    let mut header = json!({"alg": alg.name(), "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    token(key, &header, &claims())
}

fn assert_verifies(keys: &KeySet, token: &str, alg: Alg) {
    let options = format!(
        r#"{{"algorithms":["{alg}"],"issuer":"https://issuer.example","audience":"api","subject":"alice","typ":"JWT"}}"#
    );
    let verified = verifier(&options)
        .verify(keys, token, NOW)
        .unwrap_or_else(|err| panic!("{alg}: {} {err}", err.code()));
    assert_eq!(verified.alg, alg);
    assert_eq!(verified.payload()["sub"], "alice");
    assert_eq!(verified.header()["alg"], alg.name());
    // Same verifier without options: still fine.
    verifier("{}").verify(keys, token, NOW).unwrap();
    // One flipped bit in the signature.
    let err = verifier(&options)
        .verify(keys, &tamper_signature(token), NOW)
        .unwrap_err();
    assert_eq!(
        err.code(),
        "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
        "{alg}: {err}"
    );
}

#[test]
fn every_algorithm_via_jwks_with_kid() {
    for (alg, key, _) in cases() {
        let decoy = TestKey::p256(9).jwk_with(&json!({"kid": "other", "use": "sig"}));
        let good = key.jwk_with(
            &json!({"kid": "k1", "alg": alg.name(), "use": "sig", "key_ops": ["verify"]}),
        );
        let keys = KeySet::from_jwks_json(&jwks(&[decoy, good])).unwrap();
        assert_eq!(keys.len(), 2, "{alg}");
        assert!(keys.skipped().is_empty());
        assert_verifies(&keys, &signed(&key, alg, Some("k1")), alg);
        // Without a kid, every key that fits the algorithm is tried.
        assert_verifies(&keys, &signed(&key, alg, None), alg);
    }
}

#[test]
fn every_algorithm_via_single_jwk() {
    for (alg, key, _) in cases() {
        let keys = KeySet::from_jwk_json(&key.public_jwk().to_string()).unwrap();
        assert_verifies(&keys, &signed(&key, alg, None), alg);
        // A single key is used whatever the token's kid says, as in jose.
        assert_verifies(&keys, &signed(&key, alg, Some("anything")), alg);
    }
}

#[test]
fn every_asymmetric_algorithm_via_spki_pem() {
    for (alg, key, _) in cases() {
        if matches!(key, TestKey::Secret(_)) {
            continue;
        }
        let pem = key.spki_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
        let keys = KeySet::from_pem(&pem, alg, None).unwrap();
        assert_verifies(&keys, &signed(&key, alg, None), alg);
        let keys = KeySet::from_pem(&pem, alg, Some("pem-kid".into())).unwrap();
        assert_verifies(&keys, &signed(&key, alg, Some("pem-kid")), alg);
    }
}

#[test]
fn every_hmac_algorithm_via_raw_secret() {
    for (alg, key, _) in cases() {
        let TestKey::Secret(secret) = &key else {
            continue;
        };
        let keys = KeySet::from_secret(secret.clone(), alg, None).unwrap();
        assert_verifies(&keys, &signed(&key, alg, None), alg);
    }
}

#[test]
fn a_different_key_of_the_same_kind_does_not_verify() {
    for (alg, key, other) in cases() {
        if matches!(&other, TestKey::Secret(s) if s.is_empty()) {
            continue; // only one RSA key; covered by the RFC 7515 A.2 vectors
        }
        let keys = KeySet::from_jwk_json(&other.public_jwk().to_string()).unwrap();
        let err = fail(&keys, "{}", &signed(&key, alg, None));
        assert_eq!(
            err.code(),
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            "{alg}: {err}"
        );
    }
}

#[test]
fn pkcs1_pem_rsa_public_key() {
    use rsa::pkcs1::{EncodeRsaPublicKey, LineEnding};
    let pem = common::rsa_key()
        .to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    let keys = KeySet::from_pem(&pem, Alg::Rs256, None).unwrap();
    assert_verifies(&keys, &signed(&TestKey::Rsa, Alg::Rs256, None), Alg::Rs256);
    // CRLF line endings and surrounding whitespace are fine.
    let crlf = format!("\n  {}  \n", pem.replace('\n', "\r\n"));
    let keys = KeySet::from_pem(&crlf, Alg::Rs256, None).unwrap();
    assert_verifies(&keys, &signed(&TestKey::Rsa, Alg::Rs256, None), Alg::Rs256);
}

#[test]
fn pem_key_is_pinned_to_its_algorithm() {
    let keys = KeySet::from_pem(&TestKey::Rsa.spki_pem(), Alg::Rs256, None).unwrap();
    let err = fail(&keys, "{}", &signed(&TestKey::Rsa, Alg::Ps256, None));
    assert_eq!(err.code(), "ERR_JWKS_NO_MATCHING_KEY", "{err}");
}

#[test]
fn pem_that_does_not_fit_the_algorithm_is_refused() {
    let err = KeySet::from_pem(&TestKey::p256(1).spki_pem(), Alg::Es384, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    let err = KeySet::from_pem(&TestKey::p256(1).spki_pem(), Alg::Hs256, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    let err = KeySet::from_pem(&TestKey::Rsa.spki_pem(), Alg::EdDsa, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
}

#[test]
fn private_keys_certificates_and_garbage_pem_are_refused() {
    let err = KeySet::from_pem(common::RSA_PRIVATE_PEM, Alg::Rs256, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    assert!(err.to_string().contains("private key"), "{err}");
    let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    let err = KeySet::from_pem(cert, Alg::Rs256, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    assert!(err.to_string().contains("certificate"), "{err}");
    for garbage in [
        "",
        "not a pem",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB",
    ] {
        let err = KeySet::from_pem(garbage, Alg::Rs256, None).unwrap_err();
        assert_eq!(err.code(), "ERR_JWK_INVALID", "{garbage:?}");
    }
}

#[test]
fn rsa_1024_bit_keys_are_refused() {
    let err = KeySet::from_pem(RSA_1024_PUBLIC_PEM, Alg::Rs256, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    assert!(err.to_string().contains("1024"), "{err}");

    // The same key as a JWK.
    use rsa::{pkcs8::DecodePublicKey, traits::PublicKeyParts};
    let key = rsa::RsaPublicKey::from_public_key_pem(RSA_1024_PUBLIC_PEM).unwrap();
    let jwk = json!({"kty": "RSA", "n": common::b64(&key.n().to_bytes_be()), "e": common::b64(&key.e().to_bytes_be())});
    let err = KeySet::from_jwk_json(&jwk.to_string()).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    // In a JWKS it is skipped, not fatal.
    let keys = KeySet::from_jwks_json(&jwks(&[jwk])).unwrap();
    assert!(keys.is_empty());
    assert_eq!(keys.skipped().len(), 1);
}

#[test]
fn hmac_secrets_shorter_than_the_hash_are_refused() {
    for (alg, min) in [(Alg::Hs256, 32), (Alg::Hs384, 48), (Alg::Hs512, 64)] {
        let err = KeySet::from_secret(vec![7; min - 1], alg, None).unwrap_err();
        assert_eq!(err.code(), "ERR_JWK_INVALID", "{alg}");
        assert!(
            KeySet::from_secret(vec![7; min], alg, None).is_ok(),
            "{alg}"
        );
    }
    let err = KeySet::from_secret(Vec::new(), Alg::Hs256, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    // A secret cannot be pinned to an asymmetric algorithm.
    let err = KeySet::from_secret(vec![7; 64], Alg::Rs256, None).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
    // A JWK pinned to HS384 with a 32-byte k.
    let jwk = json!({"kty": "oct", "alg": "HS384", "k": common::b64(&[7; 32])});
    assert_eq!(
        KeySet::from_jwk_json(&jwk.to_string()).unwrap_err().code(),
        "ERR_JWK_INVALID"
    );
}

#[test]
fn an_unpinned_oct_jwk_only_verifies_algorithms_its_length_allows() {
    let key = TestKey::Secret(vec![3; 40]);
    let keys = KeySet::from_jwk_json(&key.public_jwk().to_string()).unwrap();
    assert_eq!(keys.info()[0].algorithms, vec!["HS256"]);
    verifier("{}")
        .verify(&keys, &signed(&key, Alg::Hs256, None), NOW)
        .unwrap();
    let err = fail(&keys, "{}", &signed(&key, Alg::Hs384, None));
    assert_eq!(err.code(), "ERR_JWKS_NO_MATCHING_KEY", "{err}");
}

#[test]
fn a_remote_jwks_skips_secrets_a_local_one_keeps() {
    let secret = TestKey::Secret(vec![3; 32]);
    let members = [
        secret.jwk_with(&json!({"kid": "shared"})),
        TestKey::Rsa.jwk_with(&json!({"kid": "rsa"})),
    ];
    let remote = KeySet::from_remote_jwks_json(&jwks(&members)).unwrap();
    assert_eq!(remote.len(), 1);
    assert_eq!(remote.info()[0].kid.as_deref(), Some("rsa"));
    assert_eq!(remote.skipped().len(), 1);
    assert_eq!(remote.skipped()[0].index, 0);
    assert_eq!(remote.skipped()[0].kid.as_deref(), Some("shared"));
    assert_eq!(
        remote.skipped()[0].reason,
        "a symmetric key in a remote key set: anyone who can read the set could sign tokens"
    );
    let hs256 = signed(&secret, Alg::Hs256, Some("shared"));
    let err = fail(&remote, "{}", &hs256);
    assert_eq!(err.code(), "ERR_JWKS_NO_MATCHING_KEY", "{err}");
    let rs256 = signed(&TestKey::Rsa, Alg::Rs256, Some("rsa"));
    verifier("{}").verify(&remote, &rs256, NOW).unwrap();

    let local = KeySet::from_jwks_json(&jwks(&members)).unwrap();
    assert_eq!(local.len(), 2);
    verifier("{}").verify(&local, &hs256, NOW).unwrap();
}

#[test]
fn jwks_skips_unusable_members_and_keeps_the_good_one() {
    let good = TestKey::p256(1);
    let members = vec![
        TestKey::p256(2).jwk_with(&json!({"kid": "enc", "use": "enc"})),
        TestKey::p256(3).jwk_with(&json!({"kid": "ops", "key_ops": ["sign"]})),
        json!({"kid": "k1", "kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}),
        json!({"kid": "x25519", "kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}),
        TestKey::p256(4).jwk_with(&json!({"kid": "private", "d": common::b64(&[4; 32])})),
        json!({"kid": "kty", "kty": "FOO"}),
        json!({"kid": "alg", "kty": "oct", "alg": "HS1", "k": common::b64(&[1; 32])}),
        json!("not an object"),
        TestKey::p256(5).jwk_with(&json!({"kid": "crv-mismatch", "crv": "P-384"})),
        good.jwk_with(&json!({"kid": "good", "use": "sig"})),
    ];
    let keys = KeySet::from_jwks_json(&jwks(&members)).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.info()[0].kid.as_deref(), Some("good"));
    let skipped: Vec<_> = keys.skipped().iter().map(|s| s.index).collect();
    assert_eq!(skipped, (0..9).collect::<Vec<_>>());
    assert_eq!(keys.skipped()[0].kid.as_deref(), Some("enc"));
    assert!(
        keys.skipped()[0].reason.contains("use"),
        "{:?}",
        keys.skipped()[0]
    );
    assert!(
        keys.skipped()[1].reason.contains("key_ops"),
        "{:?}",
        keys.skipped()[1]
    );
    assert!(
        keys.skipped()[4].reason.contains("private"),
        "{:?}",
        keys.skipped()[4]
    );
    assert_eq!(keys.skipped()[7].kid, None);

    verifier("{}")
        .verify(&keys, &signed(&good, Alg::Es256, Some("good")), NOW)
        .unwrap();
    // The skipped encryption key's kid finds nothing: it is not a verification key.
    let err = fail(
        &keys,
        "{}",
        &signed(&TestKey::p256(2), Alg::Es256, Some("enc")),
    );
    assert_eq!(err.code(), "ERR_JWKS_NO_MATCHING_KEY", "{err}");
}

#[test]
fn jwks_that_is_not_a_key_set_is_refused() {
    for text in [
        "[]",
        "\"keys\"",
        "null",
        "{}",
        r#"{"keys":{}}"#,
        r#"{"keys":"x"}"#,
        "{",
        r#"{"keys":[],"keys":[]}"#,
    ] {
        let err = KeySet::from_jwks_json(text).unwrap_err();
        assert_eq!(err.code(), "ERR_JWKS_INVALID", "{text}");
    }
    // An empty but well-formed set is a set with no keys.
    let keys = KeySet::from_jwks_json(r#"{"keys":[]}"#).unwrap();
    assert!(keys.is_empty());
    let err = fail(&keys, "{}", &signed(&TestKey::p256(1), Alg::Es256, None));
    assert_eq!(err.code(), "ERR_JWKS_NO_MATCHING_KEY");
}

#[test]
fn jwks_with_too_many_keys_is_refused() {
    let member = TestKey::ed25519(1).public_jwk();
    let members: Vec<Value> = (0..=jwtgate::MAX_KEYS).map(|_| member.clone()).collect();
    assert_eq!(
        KeySet::from_jwks_json(&jwks(&members)).unwrap_err().code(),
        "ERR_JWKS_INVALID"
    );
    let members: Vec<Value> = (0..jwtgate::MAX_KEYS).map(|_| member.clone()).collect();
    assert_eq!(
        KeySet::from_jwks_json(&jwks(&members)).unwrap().len(),
        jwtgate::MAX_KEYS
    );
}

#[test]
fn single_jwk_errors() {
    for text in [
        "{",
        "[]",
        r#"{"kty":"RSA","e":"AQAB"}"#,
        r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
        r#"{"kty":"OKP","crv":"Ed448","x":"AA"}"#,
        r#"{"kty":"oct","k":"!!"}"#,
        r#"{"kty":"oct","k":"c2VjcmV0","use":"enc"}"#,
    ] {
        let err = KeySet::from_jwk_json(text).unwrap_err();
        assert_eq!(err.code(), "ERR_JWK_INVALID", "{text}");
    }
}

#[test]
fn ec_point_not_on_the_curve_is_refused() {
    let mut jwk = TestKey::p256(1).public_jwk();
    use base64ct::Encoding as _;
    let mut y = base64ct::Base64UrlUnpadded::decode_vec(jwk["y"].as_str().unwrap()).unwrap();
    y[31] ^= 1;
    jwk["y"] = json!(common::b64(&y));
    let err = KeySet::from_jwk_json(&jwk.to_string()).unwrap_err();
    assert_eq!(err.code(), "ERR_JWK_INVALID");
}

#[test]
fn small_order_ed25519_key_is_refused() {
    // The identity point: it would "verify" forged signatures.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": common::b64(&identity)});
    assert_eq!(
        KeySet::from_jwk_json(&jwk.to_string()).unwrap_err().code(),
        "ERR_JWK_INVALID"
    );
}

#[test]
fn kid_selects_among_keys_of_the_same_kind() {
    let (a, b) = (TestKey::p256(1), TestKey::p256(2));
    let keys = KeySet::from_jwks_json(&jwks(&[
        a.jwk_with(&json!({"kid": "a"})),
        b.jwk_with(&json!({"kid": "b"})),
    ]))
    .unwrap();
    verifier("{}")
        .verify(&keys, &signed(&a, Alg::Es256, Some("a")), NOW)
        .unwrap();
    verifier("{}")
        .verify(&keys, &signed(&b, Alg::Es256, Some("b")), NOW)
        .unwrap();
    // Signed by a, labelled b: only b is tried.
    let err = fail(&keys, "{}", &signed(&a, Alg::Es256, Some("b")));
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    // Without kid both are candidates.
    verifier("{}")
        .verify(&keys, &signed(&b, Alg::Es256, None), NOW)
        .unwrap();
}

#[test]
fn key_info_never_reveals_secrets() {
    let keys = KeySet::from_secret(
        b"0123456789abcdef0123456789abcdef-very-secret".to_vec(),
        Alg::Hs256,
        Some("s".into()),
    )
    .unwrap();
    let debug = format!("{keys:?}");
    assert!(!debug.contains("very-secret"), "{debug}");
    let info = &keys.info()[0];
    assert_eq!(info.kty, "oct");
    assert_eq!(info.alg, Some("HS256"));
    assert_eq!(info.algorithms, vec!["HS256"]);
}

#[test]
fn rsa_public_exponent_one_is_refused() {
    // e = 1 would make every "signature" equal to its padded message.
    use rsa::traits::PublicKeyParts;
    let jwk =
        json!({"kty": "RSA", "n": common::b64(&common::rsa_key().n().to_bytes_be()), "e": "AQ"});
    assert_eq!(
        KeySet::from_jwk_json(&jwk.to_string()).unwrap_err().code(),
        "ERR_JWK_INVALID"
    );
}

#[test]
fn jwk_alg_that_does_not_fit_the_key_is_skipped() {
    let members = [
        TestKey::p256(1).jwk_with(&json!({"kid": "ec-as-rsa", "alg": "RS256"})),
        TestKey::Rsa.jwk_with(&json!({"kid": "rsa-as-hs", "alg": "HS256"})),
        TestKey::ed25519(1).jwk_with(&json!({"kid": "ok", "alg": "EdDSA"})),
    ];
    let keys = KeySet::from_jwks_json(&jwks(&members)).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        keys.skipped().iter().map(|s| s.index).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(keys.info()[0].algorithms, vec!["EdDSA"]);
}

#[test]
fn rsa_modulus_above_the_maximum_is_refused() {
    let bytes = jwtgate::MAX_RSA_BITS / 8 + 1;
    let jwk = json!({"kty": "RSA", "n": common::b64(&vec![0xc5; bytes]), "e": "AQAB"});
    assert_eq!(
        KeySet::from_jwk_json(&jwk.to_string()).unwrap_err().code(),
        "ERR_JWK_INVALID"
    );
}

#[test]
fn unknown_kid_falls_back_to_keys_without_kid() {
    // Documented jwtgate behaviour (jose would report ERR_JWKS_NO_MATCHING_KEY for a JWKS):
    // when no key carries the token's kid, the keys without any kid are the candidates.
    let (named, anonymous) = (TestKey::p256(1), TestKey::p256(2));
    let keys = KeySet::from_jwks_json(&jwks(&[
        named.jwk_with(&json!({"kid": "a"})),
        anonymous.public_jwk(),
    ]))
    .unwrap();
    verifier("{}")
        .verify(&keys, &signed(&anonymous, Alg::Es256, Some("zzz")), NOW)
        .unwrap();
    let err = fail(&keys, "{}", &signed(&named, Alg::Es256, Some("zzz")));
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    // A kid that some key carries never falls back.
    let err = fail(&keys, "{}", &signed(&anonymous, Alg::Es256, Some("a")));
    assert_eq!(err.code(), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
}
