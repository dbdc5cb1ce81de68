//! Key material parsing: the input as a JWKS, a single JWK and a PEM key for every algorithm.
//! Whatever loads is described, exported and used to verify fixed tokens (so odd keys also
//! reach the signature code). Property: nothing panics.
#![no_main]

mod common;

use std::sync::OnceLock;

use jwtgate::{Alg, KeySet, Verifier};
use libfuzzer_sys::fuzz_target;

/// Tokens signed by the fixed keys (from the verify corpus) plus a few shapes.
const TOKENS: &[&str] = &[
    common::HS256_TOKEN,
    include_str!("../corpus/verify/seed-es256-valid"),
    include_str!("../corpus/verify/seed-rs256-valid"),
    include_str!("../corpus/verify/seed-ps256-wrong-alg"),
    include_str!("../corpus/verify/seed-hs256-nokid"),
];

fn lax() -> &'static Verifier {
    static LAX: OnceLock<Verifier> = OnceLock::new();
    LAX.get_or_init(|| common::verifier(common::LAX))
}

fn exercise(keys: &KeySet) {
    let _ = (keys.len(), keys.is_empty());
    let _ = serde_json::to_string(&keys.info());
    let _ = serde_json::to_string(keys.skipped());
    let _ = keys.native_export();
    let _ = format!("{keys:?}");
    for token in TOKENS {
        let _ = lax().verify(keys, token, common::NOW);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    let text = text.as_ref();
    if let Ok(keys) = KeySet::from_jwks_json(text) {
        exercise(&keys);
    }
    if let Ok(keys) = KeySet::from_jwk_json(text) {
        exercise(&keys);
    }
    for alg in Alg::ALL {
        if let Ok(keys) = KeySet::from_pem(text, alg, Some("k".into())) {
            exercise(&keys);
        }
    }
    // The raw bytes as a secret, for every HMAC size.
    if data.len() <= 256 {
        for alg in [Alg::Hs256, Alg::Hs384, Alg::Hs512] {
            if let Ok(keys) = KeySet::from_secret(data.to_vec(), alg, None) {
                exercise(&keys);
            }
        }
    }
});
