//! Regression tests for the cargo-fuzz targets (fuzz/, run by scripts/fuzz.sh): the committed
//! seed corpus goes through the same public API as the targets without panicking, the seeds
//! signed with the targets' fixed keys still verify (so the fuzzers keep reaching the claim
//! checks and the policy), and every input a fuzzer found crashing stays fixed.

#[path = "../fuzz/fuzz_targets/common/mod.rs"]
mod fuzz_common;

use std::{fs, path::PathBuf};

use fuzz_common::{keys, verifier, HS256_TOKEN, LAX, NOW, STRICT};
use jwtgate::{apigw::Authorizer, policy::Policy, Alg, KeySet};

fn seeds(target: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
        })
        .map(|p| {
            let bytes = fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn seed(target: &str, name: &str) -> String {
    seeds(target)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {target}/{name}"))
        .1
}

#[test]
fn seeds_signed_with_the_fixed_keys_verify() {
    let keys = keys();
    assert_eq!(keys.len(), 5);
    let strict = verifier(STRICT);
    let lax = verifier(LAX);
    for name in ["seed-hs256-valid", "seed-es256-valid"] {
        let token = seed("verify", name);
        strict
            .verify(&keys, &token, NOW)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for name in [
        "seed-rs256-valid",
        "seed-hs256-nokid",
        "seed-es384-valid",
        "seed-es512-valid",
    ] {
        let token = seed("verify", name);
        lax.verify(&keys, &token, NOW)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    lax.verify(&keys, HS256_TOKEN, NOW)
        .expect("the apigw token");
    let expired = strict
        .verify(&keys, &seed("verify", "seed-hs256-expired"), NOW)
        .unwrap_err();
    assert_eq!(expired.code(), "ERR_JWT_EXPIRED");
    let none = strict
        .verify(&keys, &seed("verify", "seed-alg-none"), NOW)
        .unwrap_err();
    assert_eq!(none.code(), "ERR_JOSE_ALG_NOT_ALLOWED");
}

#[test]
fn every_seed_goes_through_the_public_api_without_panicking() {
    let keys = keys();
    let lax = verifier(LAX);
    for (_, token) in seeds("verify") {
        let _ = jwtgate::decode(&token, Some(NOW));
        let _ = lax.verify(&keys, &token, NOW);
    }
    let mut loaded = 0;
    for (name, text) in seeds("jwks") {
        let jwks = KeySet::from_jwks_json(&text);
        let jwk = KeySet::from_jwk_json(&text);
        let pem = Alg::ALL
            .iter()
            .filter(|alg| KeySet::from_pem(&text, **alg, None).is_ok())
            .count();
        if jwks.is_ok() || jwk.is_ok() || pem > 0 {
            loaded += 1;
        } else {
            assert!(
                name.contains("not") || name.contains("private") || name.contains("deep"),
                "{name}"
            );
        }
    }
    assert!(loaded >= 7);
    for (name, text) in seeds("policy") {
        match Policy::from_json(&text) {
            Ok(_) => assert!(!name.contains("bad"), "{name} loaded"),
            Err(err) => {
                assert!(name.contains("bad"), "{name}: {err}");
                assert_eq!(err.code(), "ERR_POLICY_INVALID");
            }
        }
    }
    let mut authorizer = Authorizer::new(None, Default::default()).unwrap();
    authorizer
        .add_issuer(None, verifier(LAX), std::sync::Arc::new(keys))
        .unwrap();
    for (name, event) in seeds("apigw") {
        let outcome = authorizer.handle_event(&event, NOW);
        if name.contains("valid-token") {
            assert_eq!(outcome.status, 200, "{name}: {:?}", outcome.error);
        }
    }
}
