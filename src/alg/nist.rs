//! ES384 and ES512 for jwt-compact, through its `Algorithm` trait (`RustCrypto` `p384`, `p521`).
//!
//! Verify-only: the signing key type is uninhabited, so no signing code reaches the wasm.

use core::{convert::Infallible, num::NonZeroUsize};
use std::borrow::Cow;

use jwt_compact::{Algorithm, AlgorithmSignature};
use p384::ecdsa::signature::Verifier as _;

macro_rules! nist_ecdsa {
    ($(#[$doc:meta])* $alg:ident, $sig:ident, $curve:ident, $name:literal, $len:literal) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $alg;

        /// A fixed-size `R ‖ S` signature (RFC 7518 §3.4).
        #[derive(Debug, Clone)]
        pub struct $sig($curve::ecdsa::Signature);

        impl AlgorithmSignature for $sig {
            const LENGTH: Option<NonZeroUsize> = NonZeroUsize::new($len);

            fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
                // `Signature::try_from` rejects r or s equal to 0 or not below the order.
                $curve::ecdsa::Signature::try_from(slice)
                    .map(Self)
                    .map_err(|_| anyhow::anyhow!("malformed {} signature", $name))
            }

            fn as_bytes(&self) -> Cow<'_, [u8]> {
                Cow::Owned(self.0.to_bytes().to_vec())
            }
        }

        impl Algorithm for $alg {
            type SigningKey = Infallible;
            type VerifyingKey = $curve::ecdsa::VerifyingKey;
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
                verifying_key.verify(message, &signature.0).is_ok()
            }
        }
    };
}

nist_ecdsa!(
    /// `ES384`: ECDSA on P-384 with SHA-384.
    Es384, Es384Signature, p384, "ES384", 96
);
nist_ecdsa!(
    /// `ES512`: ECDSA on P-521 with SHA-512.
    Es512, Es512Signature, p521, "ES512", 132
);
