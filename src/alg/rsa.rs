//! `RS*` and `PS*` for jwt-compact, through its `Algorithm` trait, on the pure-Rust
//! verification in `crypto::rsa`.
//!
//! Verify-only: the signing key type is uninhabited, so no signing code reaches the wasm.

use core::convert::Infallible;
use std::borrow::Cow;

use jwt_compact::Algorithm;

use super::RawSignature;

use crate::crypto::rsa::{Hash, Padding, RsaPublicKey};

/// One of the six RSA signature algorithms of RFC 7518 §3.3 and §3.5.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rsa {
    name: &'static str,
    padding: Padding,
    hash: Hash,
}

impl Rsa {
    const fn new(name: &'static str, padding: Padding, hash: Hash) -> Self {
        Self {
            name,
            padding,
            hash,
        }
    }

    pub(crate) const RS256: Self = Self::new("RS256", Padding::Pkcs1v15, Hash::Sha256);
    pub(crate) const RS384: Self = Self::new("RS384", Padding::Pkcs1v15, Hash::Sha384);
    pub(crate) const RS512: Self = Self::new("RS512", Padding::Pkcs1v15, Hash::Sha512);
    pub(crate) const PS256: Self = Self::new("PS256", Padding::Pss, Hash::Sha256);
    pub(crate) const PS384: Self = Self::new("PS384", Padding::Pss, Hash::Sha384);
    pub(crate) const PS512: Self = Self::new("PS512", Padding::Pss, Hash::Sha512);
}

impl Algorithm for Rsa {
    type SigningKey = Infallible;
    type VerifyingKey = RsaPublicKey;
    type Signature = RawSignature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.name)
    }

    fn sign(&self, signing_key: &Infallible, _message: &[u8]) -> RawSignature {
        match *signing_key {}
    }

    fn verify_signature(
        &self,
        signature: &RawSignature,
        verifying_key: &RsaPublicKey,
        message: &[u8],
    ) -> bool {
        verifying_key.verify(self.padding, self.hash, message, &signature.0)
    }
}
