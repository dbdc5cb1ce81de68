//! Native signature backends: where the runtime has fast synchronous crypto (Node's
//! `crypto.verify` with keys imported once), signature checks are handed to it through
//! jwt-compact's `Algorithm` trait. Parsing, algorithm pinning, key selection and claims stay
//! in Rust; the pure-Rust algorithms remain the fallback wherever no backend is installed or a
//! key was not imported.

use core::convert::Infallible;
use std::{borrow::Cow, sync::OnceLock};

use jwt_compact::Algorithm;

use crate::alg::{Alg, RawSignature};

/// Verifies `signature` over `message` with the runtime's key `handle` and algorithm `alg`.
pub type NativeVerify = fn(handle: u32, alg: Alg, message: &[u8], signature: &[u8]) -> bool;

static BACKEND: OnceLock<NativeVerify> = OnceLock::new();

/// Installs the process-wide native backend; `false` if one was installed already.
pub fn install(verify: NativeVerify) -> bool {
    BACKEND.set(verify).is_ok()
}

/// Whether a native backend is installed.
#[must_use]
pub fn is_installed() -> bool {
    BACKEND.get().is_some()
}

/// An algorithm verified by the native backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Native(pub Alg);

/// A key imported into the native backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NativeKey(pub u32);

impl Algorithm for Native {
    type SigningKey = Infallible;
    type VerifyingKey = NativeKey;
    type Signature = RawSignature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.0.name())
    }

    fn sign(&self, signing_key: &Infallible, _message: &[u8]) -> RawSignature {
        match *signing_key {}
    }

    fn verify_signature(&self, signature: &RawSignature, key: &NativeKey, message: &[u8]) -> bool {
        BACKEND
            .get()
            .is_some_and(|verify| verify(key.0, self.0, message, &signature.0))
    }
}
