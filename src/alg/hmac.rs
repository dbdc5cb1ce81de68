//! HS256, HS384 and HS512 for jwt-compact, through its `Algorithm` trait, on an HMAC keyed once
//! per key instead of once per token.
//!
//! Keying HMAC hashes the padded key into two states (inner and outer). jwt-compact's `Hs256`
//! does that for every token; here the keyed states are built when the key is imported and
//! cloned for each message, which saves two compression blocks per token (about 0.4 µs in
//! wasm, a twentieth of an HS256 verification).
//!
//! Verify-only: the signing key type is uninhabited, so no signing code reaches the wasm.

use core::{convert::Infallible, marker::PhantomData};
use std::borrow::Cow;

use hmac::{
    digest::{crypto_common::KeyInit, Mac},
    Hmac,
};
use jwt_compact::Algorithm;

use super::RawSignature;
use sha2::{Sha256, Sha384, Sha512};

/// One of the three HMAC algorithms of RFC 7518 §3.2, over the MAC type `M`.
pub(crate) struct Hs<M>(&'static str, PhantomData<M>);

pub(crate) const HS256: Hs<Hmac<Sha256>> = Hs("HS256", PhantomData);
pub(crate) const HS384: Hs<Hmac<Sha384>> = Hs("HS384", PhantomData);
pub(crate) const HS512: Hs<Hmac<Sha512>> = Hs("HS512", PhantomData);

/// The MACs whose values may be wiped by overwriting them with zeroes.
///
/// # Safety
/// Implementors are flat: no pointers, nothing on the heap, no `Drop` of their own, and all
/// zeroes is a valid value.
pub(crate) unsafe trait FlatMac: Mac + KeyInit + Clone {}

// SAFETY: checked for hmac 0.12.1, digest 0.10.7, block-buffer 0.10.4 and sha2 0.10.9: an
// `Hmac<Sha*>` is hash states (`[u32; 8]` or `[u64; 8]`), block counters (`u64`, `u128`) and a
// block buffer (a byte array and its `u8` position), nothing else. The assertions below catch a
// version that adds a `Drop`.
unsafe impl FlatMac for Hmac<Sha256> {}
// SAFETY: as for `Hmac<Sha256>`.
unsafe impl FlatMac for Hmac<Sha384> {}
// SAFETY: as for `Hmac<Sha256>`.
unsafe impl FlatMac for Hmac<Sha512> {}
const _: () = assert!(
    !core::mem::needs_drop::<Hmac<Sha256>>()
        && !core::mem::needs_drop::<Hmac<Sha384>>()
        && !core::mem::needs_drop::<Hmac<Sha512>>()
);

/// An HMAC keyed with a secret: the key's hashed inner and outer states. These are as good as
/// the key for forging tags, so this long-lived copy is wiped on drop (the per-token copies,
/// like jwt-compact's per-token keyed HMAC before them, are not: Rust moves leave copies it
/// cannot reach).
pub(crate) struct KeyedHmac<M: FlatMac>(M);

impl<M: FlatMac> KeyedHmac<M> {
    /// `None` only if the MAC refuses the key's length, which HMAC never does (longer keys
    /// are hashed first).
    pub(crate) fn new(secret: &[u8]) -> Option<Self> {
        <M as KeyInit>::new_from_slice(secret).ok().map(Self)
    }
}

impl<M: FlatMac> Drop for KeyedHmac<M> {
    fn drop(&mut self) {
        // SAFETY: `M: FlatMac`.
        unsafe { zeroize::zeroize_flat_type(&mut self.0) }
    }
}

impl<M: FlatMac> Algorithm for Hs<M> {
    type SigningKey = Infallible;
    type VerifyingKey = KeyedHmac<M>;
    type Signature = RawSignature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.0)
    }

    fn sign(&self, signing_key: &Infallible, _message: &[u8]) -> RawSignature {
        match *signing_key {}
    }

    fn verify_signature(&self, tag: &RawSignature, key: &KeyedHmac<M>, message: &[u8]) -> bool {
        let mut mac = key.0.clone();
        mac.update(message);
        // Constant-time, and a tag of the wrong length (a truncated HMAC) never verifies.
        mac.verify_slice(&tag.0).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::mont::reference::hex;

    /// One key verifies its tag (many times: the keyed states are cloned, never consumed) and
    /// refuses it on another message or with a bit flipped, truncated or extended.
    fn check<M: FlatMac>(alg: &Hs<M>, key: &[u8], message: &[u8], tag: &str) {
        let key = KeyedHmac::new(key).expect("HMAC takes any key length");
        let tag = hex(tag);
        let verify = |message: &[u8], tag: &[u8]| {
            alg.verify_signature(&RawSignature(tag.to_vec()), &key, message)
        };
        assert!(verify(message, &tag));
        assert!(verify(message, &tag), "a second time");
        assert!(!verify(b"another message", &tag));
        assert!(!verify(message, &tag[..tag.len() - 1]));
        assert!(!verify(message, &[&tag[..], &[0]].concat()));
        for bit in 0..tag.len() * 8 {
            let mut flipped = tag.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!verify(message, &flipped));
        }
    }

    /// RFC 4231 test cases 2 (a key shorter than the hash) and 6 (longer than the block: hashed
    /// first).
    #[test]
    fn rfc_4231_vectors() {
        let (jefe, question) = (
            b"Jefe".as_slice(),
            b"what do ya want for nothing?".as_slice(),
        );
        let (long, hash_first) = (
            &[0xaa; 131][..],
            b"Test Using Larger Than Block-Size Key - Hash Key First".as_slice(),
        );
        check(
            &HS256,
            jefe,
            question,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        );
        check(
            &HS256,
            long,
            hash_first,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        );
        check(&HS384, jefe, question, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
        check(&HS384, long, hash_first, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952");
        check(&HS512, jefe, question, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
        check(&HS512, long, hash_first, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
    }
}
