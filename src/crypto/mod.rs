//! Pure-Rust signature verification for RSA and the NIST curves: the portable fallback used
//! wherever no native backend is installed (browsers, the inspector, workerd's synchronous path).
//!
//! The Montgomery arithmetic is the crate `jwtgate-crypto` (`src/crypto/Cargo.toml`, root
//! `src/crypto/lib.rs`), at opt-level 3 while jwtgate is built for size: see `mont.rs`.

pub(crate) mod ec;
pub(crate) mod rsa;

pub(crate) mod mont {
    pub(crate) use jwtgate_crypto::mont::*;

    #[cfg(test)]
    pub(crate) use super::reference;
}

// Shared with the crate's own tests, which use all of it.
#[cfg(test)]
#[allow(dead_code)]
pub(crate) mod reference;
