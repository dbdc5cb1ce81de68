//! Token verification against a fixed key set (HS256 secret, ES256 JWK, RSA JWK) at a fixed
//! time, with typical and permissive options; and `decode`. Property: nothing panics, and
//! a token that verifies also decodes to the same header and payload.
#![no_main]

mod common;

use std::sync::OnceLock;

use jwtgate::{KeySet, Verifier};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    keys: KeySet,
    hs_only: KeySet,
    strict: Verifier,
    lax: Verifier,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        keys: common::keys(),
        hs_only: common::hs_keys(),
        strict: common::verifier(common::STRICT),
        lax: common::verifier(common::LAX),
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let token = common::text(data);
    let token = token.as_ref();

    let decoded = jwtgate::decode(token, Some(common::NOW));
    if let Ok(decoded) = &decoded {
        let _ = serde_json::to_string(decoded);
    }
    let _ = jwtgate::decode(token, None);

    for (verifier, keys) in [
        (&f.strict, &f.keys),
        (&f.lax, &f.keys),
        (&f.lax, &f.hs_only),
    ] {
        match verifier.verify(keys, token, common::NOW) {
            Ok(verified) => {
                // A verified token is well-formed, so decode must accept it and agree.
                let decoded = decoded.as_ref().expect("a verified token decodes");
                assert_eq!(&decoded.header, verified.header());
                assert_eq!(decoded.payload, verified.payload());
            }
            Err(err) => {
                // Every accessor of an error is reachable from JS.
                let _ = (
                    err.code(),
                    err.claim(),
                    err.reason(),
                    err.field(),
                    err.to_string(),
                );
            }
        }
    }
    // Far past and far future clocks: arithmetic on exp/nbf/iat at the extremes.
    for now in [i64::MIN, -1, 0, i64::MAX] {
        let _ = f.lax.verify(&f.keys, token, now);
    }
});
