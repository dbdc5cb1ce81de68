//! ES256, ES384 and ES512 for jwt-compact, through its `Algorithm` trait, on the crate's own
//! NIST-curve ECDSA (`crypto::ec`).
//!
//! Verify-only: the signing key type is uninhabited, so no signing code reaches the wasm.

use core::{convert::Infallible, num::NonZeroUsize};
use std::borrow::Cow;

use jwt_compact::{Algorithm, AlgorithmSignature};
use sha2::Digest as _;

use crate::crypto::ec;

macro_rules! nist_ecdsa {
    (
        $(#[$doc:meta])* $alg:ident, $sig:ident, $limbs:literal, $curve:path, $hash:ty,
        $name:literal, $len:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $alg;

        /// A fixed-size `R ‖ S` signature (RFC 7518 §3.4).
        pub struct $sig(ec::Signature<$limbs>);

        impl AlgorithmSignature for $sig {
            const LENGTH: Option<NonZeroUsize> = NonZeroUsize::new($len);

            fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
                // Refuses r or s equal to 0 or not below the order.
                ec::Signature::from_bytes($curve(), slice)
                    .map(Self)
                    .ok_or_else(|| anyhow::anyhow!("malformed {} signature", $name))
            }

            fn as_bytes(&self) -> Cow<'_, [u8]> {
                Cow::Owned(self.0.to_bytes())
            }
        }

        impl Algorithm for $alg {
            type SigningKey = Infallible;
            type VerifyingKey = ec::PublicKey<$limbs>;
            type Signature = $sig;

            fn name(&self) -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn sign(&self, signing_key: &Infallible, _message: &[u8]) -> $sig {
                match *signing_key {}
            }

            fn verify_signature(
                &self,
                signature: &$sig,
                verifying_key: &Self::VerifyingKey,
                message: &[u8],
            ) -> bool {
                verifying_key.verify_prehash(&<$hash>::digest(message), &signature.0)
            }
        }
    };
}

nist_ecdsa!(
    /// `ES256`: ECDSA on P-256 with SHA-256.
    Es256, Es256Signature, 8, ec::p256, sha2::Sha256, "ES256", 64
);
nist_ecdsa!(
    /// `ES384`: ECDSA on P-384 with SHA-384.
    Es384, Es384Signature, 12, ec::p384, sha2::Sha384, "ES384", 96
);
nist_ecdsa!(
    /// `ES512`: ECDSA on P-521 with SHA-512.
    Es512, Es512Signature, 17, ec::p521, sha2::Sha512, "ES512", 132
);
