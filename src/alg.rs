//! The JWS algorithms jwtgate verifies, and the ones it adds to jwt-compact.

use core::fmt;

mod hmac;
mod nist;
mod rsa;

pub(crate) use hmac::{KeyedHmac, HS256, HS384, HS512};

/// A signature as received, for algorithms whose signature length only the key knows (RSA) or
/// that check it when verifying (HMAC, the native backend).
#[derive(Debug, Clone)]
pub(crate) struct RawSignature(pub(crate) Vec<u8>);

impl jwt_compact::AlgorithmSignature for RawSignature {
    fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
        Ok(Self(slice.to_vec()))
    }

    fn as_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.0)
    }
}
pub(crate) use nist::{Es256, Es384, Es512};
pub(crate) use rsa::Rsa;

/// A JWS signature algorithm (RFC 7518 §3, RFC 8037).
///
/// `none` is deliberately not representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Alg {
    /// HMAC with SHA-256.
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// ECDSA on P-521 with SHA-512.
    Es512,
    /// `EdDSA`; only the Ed25519 curve is supported.
    EdDsa,
    /// Ed25519, the fully-specified name of RFC 9864.
    Ed25519,
}

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A shared secret of at least this many bytes.
    Secret {
        /// The hash size: RFC 7518 §3.2 requires a key at least that long.
        min_len: usize,
    },
    /// An RSA public key.
    Rsa,
    /// A P-256 public key.
    P256,
    /// A P-384 public key.
    P384,
    /// A P-521 public key.
    P521,
    /// An Ed25519 public key.
    Ed25519,
}

impl Alg {
    /// Every supported algorithm.
    pub const ALL: [Alg; 14] = [
        Alg::Hs256,
        Alg::Hs384,
        Alg::Hs512,
        Alg::Rs256,
        Alg::Rs384,
        Alg::Rs512,
        Alg::Ps256,
        Alg::Ps384,
        Alg::Ps512,
        Alg::Es256,
        Alg::Es384,
        Alg::Es512,
        Alg::EdDsa,
        Alg::Ed25519,
    ];

    /// The registered name, as in a JOSE header.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Hs384 => "HS384",
            Alg::Hs512 => "HS512",
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::Es512 => "ES512",
            Alg::EdDsa => "EdDSA",
            Alg::Ed25519 => "Ed25519",
        }
    }

    /// Looks an algorithm up by its exact (case-sensitive) registered name.
    ///
    /// ```
    /// use jwtgate::Alg;
    /// assert_eq!(Alg::from_name("ES384"), Some(Alg::Es384));
    /// assert_eq!(Alg::from_name("none"), None);
    /// assert_eq!(Alg::from_name("hs256"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// The kind of key this algorithm verifies with.
    #[must_use]
    pub fn key_kind(self) -> KeyKind {
        match self {
            Alg::Hs256 => KeyKind::Secret { min_len: 32 },
            Alg::Hs384 => KeyKind::Secret { min_len: 48 },
            Alg::Hs512 => KeyKind::Secret { min_len: 64 },
            Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512 => {
                KeyKind::Rsa
            }
            Alg::Es256 => KeyKind::P256,
            Alg::Es384 => KeyKind::P384,
            Alg::Es512 => KeyKind::P521,
            Alg::EdDsa | Alg::Ed25519 => KeyKind::Ed25519,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `name` is some spelling of the unsecured `none` algorithm.
pub(crate) fn is_none_alg(name: &str) -> bool {
    name.trim().eq_ignore_ascii_case("none")
}
