//! Native signature backends: where the runtime has fast synchronous crypto (Node's
//! `crypto.verify` with keys imported once), signature checks are handed to it through
//! jwt-compact's `Algorithm` trait. Parsing, algorithm pinning, key selection and claims stay
//! in Rust; the pure-Rust algorithms remain the fallback wherever no backend is installed or a
//! key was not imported.

use core::convert::Infallible;
use std::{borrow::Cow, sync::OnceLock};

use jwt_compact::{Algorithm, AlgorithmSignature};

use crate::alg::{Alg, Es256, Es384, Es512, RawSignature};

/// Verifies `signature` over `message` with the runtime's key `handle` and algorithm `alg`. An
/// ECDSA signature comes DER-encoded, as OpenSSL reads it; the others as the JWS carries them.
pub type NativeVerify = fn(handle: u32, alg: Alg, message: &[u8], signature: &[u8]) -> bool;

/// Verifies `signature` over `message` with a public key given as JWK text, imported for this
/// one check and dropped: for keys used once (a DPoP proof's), which are worth no handle.
/// Signatures as for [`NativeVerify`].
pub type NativeVerifyOnce = fn(jwk: &str, alg: Alg, message: &[u8], signature: &[u8]) -> bool;

static BACKEND: OnceLock<NativeVerify> = OnceLock::new();
static ONCE: OnceLock<NativeVerifyOnce> = OnceLock::new();

/// Installs the process-wide native backend; `false` if one was installed already.
pub fn install(verify: NativeVerify) -> bool {
    BACKEND.set(verify).is_ok()
}

/// Installs the native backend's check of keys used once; `false` if one was installed already.
pub fn install_once(verify: NativeVerifyOnce) -> bool {
    ONCE.set(verify).is_ok()
}

/// Whether the native backend checks keys used once ([`verify_once`]).
pub(crate) fn verifies_once() -> bool {
    ONCE.get().is_some()
}

/// The native backend's verdict on `signature` by the public key `jwk` (JWK text), imported
/// for this check alone; `None` where no such backend is installed.
pub(crate) fn verify_once(jwk: &str, alg: Alg, message: &[u8], signature: &[u8]) -> Option<bool> {
    let verify = ONCE.get()?;
    Some(match scalar_len(alg) {
        Some(len) => ecdsa_der(signature, len).is_some_and(|der| verify(jwk, alg, message, &der)),
        None => verify(jwk, alg, message, signature),
    })
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
        let Some(verify) = BACKEND.get() else {
            return false;
        };
        match scalar_len(self.0) {
            Some(len) => {
                ecdsa_der(&signature.0, len).is_some_and(|der| verify(key.0, self.0, message, &der))
            }
            None => verify(key.0, self.0, message, &signature.0),
        }
    }
}

/// The byte length of `r` and of `s` in an ECDSA algorithm's JWS signature (RFC 7518 §3.4):
/// half the fixed signature length of the pure-Rust algorithm.
fn scalar_len(alg: Alg) -> Option<usize> {
    fn half<A: Algorithm>() -> Option<usize> {
        A::Signature::LENGTH.map(|len| len.get() / 2)
    }
    match alg {
        Alg::Es256 => half::<Es256>(),
        Alg::Es384 => half::<Es384>(),
        Alg::Es512 => half::<Es512>(),
        _ => None,
    }
}

/// The DER `ECDSA-Sig-Value` (RFC 3279 §2.2.3) of a JWS signature `r || s`, `None` when its
/// length is not the curve's. Node verifies this form directly; handing it the JWS form
/// (`dsaEncoding: 'ieee-p1363'`) makes it convert, and measured about 1% slower per ES256 verify.
#[allow(clippy::cast_possible_truncation)] // lengths below 2 * (66 + 3)
fn ecdsa_der(raw: &[u8], len: usize) -> Option<Vec<u8>> {
    if raw.len() != 2 * len {
        return None;
    }
    // Minimal INTEGERs: no leading zero bytes, but a zero byte before a set top bit (the sign).
    let ints = [&raw[..len], &raw[len..]]
        .map(|int| &int[int.iter().position(|b| *b != 0).unwrap_or(len - 1)..]);
    let sign_byte = |int: &[u8]| usize::from(int[0] & 0x80 != 0);
    let body: usize = ints.iter().map(|int| 2 + sign_byte(int) + int.len()).sum();
    let mut der = Vec::with_capacity(3 + body);
    der.push(0x30);
    if body >= 0x80 {
        der.push(0x81);
    }
    der.push(body as u8);
    for int in ints {
        der.extend_from_slice(&[0x02, (sign_byte(int) + int.len()) as u8]);
        der.resize(der.len() + sign_byte(int), 0);
        der.extend_from_slice(int);
    }
    Some(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signatures_in_der_as_the_ec_crates_write_them() {
        use p256::ecdsa::signature::Signer;
        let same = |raw: &[u8], der: &[u8], len| assert_eq!(ecdsa_der(raw, len).unwrap(), der);
        for i in 0..64_u8 {
            let message = [i; 40];
            let sig: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from_slice(&[i + 1; 32])
                .unwrap()
                .sign(&message);
            same(&sig.to_bytes(), sig.to_der().as_bytes(), 32);
            let sig: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from_slice(&[i + 1; 48])
                .unwrap()
                .sign(&message);
            same(&sig.to_bytes(), sig.to_der().as_bytes(), 48);
            let mut scalar = [i + 1; 66];
            scalar[0] = 0; // below the P-521 order
            let sig: p521::ecdsa::Signature = p521::ecdsa::SigningKey::from_slice(&scalar)
                .unwrap()
                .sign(&message);
            same(&sig.to_bytes(), sig.to_der().as_bytes(), 66);
        }
    }

    #[test]
    fn ecdsa_der_edge_cases() {
        // Leading zeros are dropped, a set top bit gets a zero byte, zero stays one byte.
        let mut raw = [0_u8; 64];
        raw[31] = 1;
        raw[32] = 0x80;
        assert_eq!(
            ecdsa_der(&raw, 32).unwrap(),
            [
                &[0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80][..],
                &[0; 31]
            ]
            .concat()
        );
        assert_eq!(
            ecdsa_der(&[0; 64], 32).unwrap(),
            [0x30, 6, 2, 1, 0, 2, 1, 0]
        );
        // P-521 signatures with both top bytes set need the long length form.
        let der = ecdsa_der(&[0xff; 132], 66).unwrap();
        assert_eq!(&der[..5], [0x30, 0x81, 2 * 69, 0x02, 67]);
        assert_eq!(der.len(), 3 + 2 * 69);
        // Wrong lengths are refused, not split.
        assert!(ecdsa_der(&[1; 63], 32).is_none());
        assert!(ecdsa_der(&[1; 96], 32).is_none());
        assert!(ecdsa_der(&[], 32).is_none());
    }
}
