//! jwtgate's big-number arithmetic for its pure-Rust RSA and NIST-curve verification (the
//! portable fallback used wherever no native backend is installed: browsers, the inspector,
//! workerd's synchronous path).
//!
//! This crate is the Montgomery arithmetic (`mont`), used by jwtgate as `crate::crypto::mont`:
//! a crate of its own so that the field operations of the curves keep `opt-level = 3` while
//! jwtgate is built for size (`opt-level` is set per crate; see jwtgate's Cargo.toml). The curve
//! and RSA code (jwtgate's `crypto::ec`, `crypto::rsa`) calls them.

pub mod mont;
#[cfg(test)]
pub(crate) mod reference;
