//! Fixed keys, tokens and clock shared by the fuzz targets (regenerate with fuzz/gen_seeds.py).
#![allow(dead_code)]

use jwtgate::{Alg, KeySet, Verifier, VerifyOptions};

/// The fixed "now" of every target; the seed tokens are valid at this time.
pub const NOW: i64 = 1_700_000_000;

/// The integration tests' HS256 secret.
pub const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

/// P-256 public key of the scalar 0x0101…01 (the tests' `TestKey::p256(1)`).
pub const ES256_JWK: &str = r#"{"kty":"EC","crv":"P-256","x":"b_A7lJJBzh2t1DUZ5pYOCoW0GmmgXDKBA6orzhWUyhY","y":"PE91OlW_AdxT9sCwx-7ni0DG_30lqW4igrmJzvccFEo","kid":"es","alg":"ES256","use":"sig"}"#;

/// The public half of tests/common/mod.rs's 2048-bit RSA key.
pub const RSA_JWK: &str = r#"{"kty":"RSA","n":"1hXEtZ6EEGb15hzkwVh6E2vWHo1dPyItKHY-XbabI5ykHmTQAcB1cFtLbFlE0SubgCXngJ1CGnbj3ZdipNg7SzxpnzJbswJnBryYmm6FtmtkSPZs1GurzzyU5kCvZUww_7Q5Ra7nXxCRvchTvYYaTEJ22qklZsU7Nls02GmcO_ZuAxJAzvME3LfJXLh4fscdheJOAMMsbEbwmTlRdOBC3ZwexZs6ybWm1PkAQsAWgBHSbZJJ6_gxoo_Mk55bXQU5kbbUBzB8XKRRJC7SnDVxx_1nwwgsPkKAglOn1zS00pz_h5QupxE7N5lMvQ_bpI3KV7c8X6S3Pw2LeSrIKYsVjQ","e":"AQAB","kid":"rs","alg":"RS256"}"#;

/// P-384 and P-521 public keys of the scalars 0x0101…01 (`TestKey::p384(1)`, `TestKey::p521(1)`):
/// the pure-Rust curve code gets random signatures too.
pub const ES384_JWK: &str = r#"{"kty":"EC","crv":"P-384","x":"Q-OvKg25CGdQl2h3ZQ9CbSFXpF4Q3mRv-FcZiyJt8NSyJDQI4DunEdnDTFHLNEQT","y":"3RLjzqINURLwawgx0uoTm6NAYfgxDpdE_RjZFe809vLGcONMY-64C8xhPsuR8sGW","kid":"es384","alg":"ES384"}"#;
pub const ES512_JWK: &str = r#"{"kty":"EC","crv":"P-521","x":"ARMJMg-nmHGQf-zPjaKGtvP2Ay8-NeCdIM8KbSbEqbURuZbfds4-5v6w-Z6GB64dQhahzjDe13t-CCLA4R1ofpLi","y":"ANg1Jxzfxs2Qka2xNwwZzOAja1nvVkaFfb7R29NiwKE1vh0v8nshTqi-IE9SHK89Dy6X-kbijQ3O9xbAIwVinsi3","kid":"es512","alg":"ES512"}"#;

/// An HS256 token (kid "hs") valid at [`NOW`] for a year, with scopes, tenant and groups.
pub const HS256_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImhzIn0.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJhcGkiLCJpYXQiOjE2OTk5OTk5NDAsImV4cCI6MTczMTUzNjAwMCwic2NvcGUiOiJwZXRzOnJlYWQiLCJ0ZW5hbnQiOiJ0MSIsImNvZ25pdG86Z3JvdXBzIjpbImFkbWluIl0sImN1c3RvbTpwbGFuIjoiZ29sZCJ9.sOFgOPhlNmyiWdSw-cX3E8e4DMBpRzSrREHpzBQ34-k";

/// The fixed key set: the HS256 secret (kid "hs"), the EC JWKs and the RSA JWK, as a JWKS.
pub fn jwks_json() -> String {
    // base64url of SECRET.
    let k = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";
    format!(
        r#"{{"keys":[{{"kty":"oct","k":"{k}","alg":"HS256","kid":"hs"}},{ES256_JWK},{ES384_JWK},{ES512_JWK},{RSA_JWK}]}}"#
    )
}

pub fn keys() -> KeySet {
    KeySet::from_jwks_json(&jwks_json()).expect("the fixed key set loads")
}

pub fn hs_keys() -> KeySet {
    KeySet::from_secret(SECRET.to_vec(), Alg::Hs256, None).expect("the fixed secret loads")
}

pub fn verifier(options: &str) -> Verifier {
    Verifier::new(VerifyOptions::from_json(options).expect("fixed options"))
        .expect("fixed verifier")
}

/// Typical authorizer options.
pub const STRICT: &str = r#"{"issuer":"https://issuer.example","audience":["api","admin"],"algorithms":["HS256","ES256","RS256"],"clockTolerance":"30s","maxTokenAge":"2h","typ":"JWT","requiredClaims":["sub"]}"#;

/// Everything optional: reaches more of the claim checks and every algorithm.
pub const LAX: &str = r#"{"requireExpiration":false,"clockTolerance":5}"#;

/// The input as text: non-UTF-8 is replaced, as a JS string would hold it after decoding.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}
