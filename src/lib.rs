//! # jwtgate
//!
//! JWT validation and policy decisions for API Gateway authorizers and edge workers.
//!
//! The core is pure and deterministic: no I/O and no clock (the current time is an argument),
//! so it compiles unchanged to WebAssembly. Segments are decoded here, once each; [`jwt_compact`]
//! reads the decoded header's registered parameters with their types, and signatures are
//! checked through its `Algorithm` trait; claims, key sets and errors are modelled here.
//!
//! ```
//! use jwtgate::{Alg, KeySet, Verifier, VerifyOptions};
//!
//! let keys = KeySet::from_secret(b"a-string-secret-at-least-256-bits-long".to_vec(), Alg::Hs256, None)?;
//! let verifier = Verifier::new(VerifyOptions::from_json(r#"{"algorithms":["HS256"]}"#)?)?;
//! // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890","name":"John Doe","admin":true,"iat":1516239022}
//! let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30";
//! let err = verifier.verify(&keys, token, 1_516_239_100).unwrap_err();
//! // No `exp`: refused by default, with the code jose uses for a missing required claim.
//! assert_eq!(err.code(), "ERR_JWT_CLAIM_VALIDATION_FAILED");
//! assert_eq!(err.claim(), Some("exp"));
//! # Ok::<_, jwtgate::Error>(())
//! ```

#![warn(missing_docs, clippy::pedantic)]
#![allow(clippy::module_name_repetitions)]

mod alg;
pub mod apigw;
pub mod backend;
mod claims;
mod crypto;
mod decode;
mod error;
#[cfg(any(test, target_arch = "wasm32"))]
mod ffi;
mod frame;
mod json;
mod jwk;
mod key;
mod keyset;
mod options;
mod pem;
pub mod policy;
pub mod request;
mod segment;
pub mod sender;
mod verifier;

pub use crate::{
    alg::{Alg, AlgInfo, Family, KeyKind},
    claims::Window,
    decode::{decode, Decoded, Severity, Warning, LONG_LIFETIME_SECS},
    error::{ClaimReason, Error, ErrorData, Location, Result, SenderFault},
    json::MAX_DOCUMENT_BYTES,
    key::{Key, KeyInfo, MAX_RSA_BITS, MIN_RSA_BITS},
    keyset::{KeySet, SkippedKey, MAX_KEYS},
    options::{VerifyOptions, DEFAULT_MAX_TOKEN_LENGTH},
    verifier::{SignatureCheck, Verified, Verifier},
};

/// The examples of `docs/rust.md`, run as doctests: the page cannot drift from the crate.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
struct RustDocs;
