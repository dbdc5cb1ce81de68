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

/// How an algorithm signs: what a runtime's crypto needs to know to check its signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Family {
    /// HMAC.
    Hmac,
    /// RSASSA-PKCS1-v1_5.
    Pkcs1,
    /// RSASSA-PSS, with a salt as long as the hash (RFC 7518 §3.5).
    Pss,
    /// ECDSA, the signature `r || s` (RFC 7518 §3.4).
    Ecdsa,
    /// Ed25519.
    Eddsa,
}

/// An algorithm described for a runtime's crypto (`Alg::describe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct AlgInfo {
    /// The registered name.
    #[cfg_attr(test, ts(type = "Algorithm"))]
    pub name: &'static str,
    /// [`Alg::code`].
    pub code: u8,
    /// How it signs.
    pub family: Family,
    /// The hash, as `WebCrypto` names it; none for Ed25519.
    pub hash: Option<&'static str>,
    /// The curve, as JOSE and `WebCrypto` name it.
    pub curve: Option<&'static str>,
    /// The length of every signature, where it is fixed (not RSA's: the key's).
    pub signature_bytes: Option<u16>,
    /// The PSS salt length.
    pub salt_bytes: Option<u16>,
}

impl Alg {
    /// A number below 16 naming the algorithm, the same whatever the order of the variants:
    /// what a native backend is told beside the key handle.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Alg::Hs256 => 0,
            Alg::Hs384 => 1,
            Alg::Hs512 => 2,
            Alg::Rs256 => 3,
            Alg::Rs384 => 4,
            Alg::Rs512 => 5,
            Alg::Ps256 => 6,
            Alg::Ps384 => 7,
            Alg::Ps512 => 8,
            Alg::Es256 => 9,
            Alg::Es384 => 10,
            Alg::Es512 => 11,
            Alg::EdDsa => 12,
            Alg::Ed25519 => 13,
        }
    }

    /// Whether a signature of this algorithm is worth checking outside the core where that
    /// is asynchronous (`WebCrypto`): not HMAC's, which the core checks as fast as a round trip
    /// would take, and whose secret never leaves it.
    #[must_use]
    pub fn defers_signature(self) -> bool {
        !matches!(self.key_kind(), KeyKind::Secret { .. })
    }

    /// What a runtime's crypto needs to know to check this algorithm's signatures.
    #[must_use]
    pub fn describe(self) -> AlgInfo {
        let hash_bytes: u16 = match self {
            Alg::Hs256 | Alg::Rs256 | Alg::Ps256 | Alg::Es256 => 32,
            Alg::Hs384 | Alg::Rs384 | Alg::Ps384 | Alg::Es384 => 48,
            Alg::Hs512 | Alg::Rs512 | Alg::Ps512 | Alg::Es512 => 64,
            Alg::EdDsa | Alg::Ed25519 => 0,
        };
        let hash = match hash_bytes {
            32 => Some("SHA-256"),
            48 => Some("SHA-384"),
            64 => Some("SHA-512"),
            _ => None,
        };
        let (family, curve, signature_bytes) = match self.key_kind() {
            KeyKind::Secret { .. } => (Family::Hmac, None, Some(hash_bytes)),
            KeyKind::Rsa if self.name().starts_with("PS") => (Family::Pss, None, None),
            KeyKind::Rsa => (Family::Pkcs1, None, None),
            KeyKind::P256 => (Family::Ecdsa, Some("P-256"), Some(64)),
            KeyKind::P384 => (Family::Ecdsa, Some("P-384"), Some(96)),
            KeyKind::P521 => (Family::Ecdsa, Some("P-521"), Some(132)),
            KeyKind::Ed25519 => (Family::Eddsa, Some("Ed25519"), Some(64)),
        };
        AlgInfo {
            name: self.name(),
            code: self.code(),
            family,
            hash,
            curve,
            signature_bytes,
            salt_bytes: (family == Family::Pss).then_some(hash_bytes),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_fit_beside_a_handle() {
        let mut codes: Vec<u8> = Alg::ALL.iter().map(|alg| alg.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Alg::ALL.len());
        assert!(codes.iter().all(|&code| code < 16));
    }

    #[test]
    fn descriptions_follow_rfc_7518() {
        let ps384 = Alg::Ps384.describe();
        assert_eq!(
            (ps384.family, ps384.hash, ps384.salt_bytes),
            (Family::Pss, Some("SHA-384"), Some(48))
        );
        let es512 = Alg::Es512.describe();
        assert_eq!(
            (es512.curve, es512.signature_bytes),
            (Some("P-521"), Some(132))
        );
        assert_eq!(Alg::Hs256.describe().signature_bytes, Some(32));
        assert_eq!(Alg::Rs256.describe().signature_bytes, None);
        assert_eq!(Alg::EdDsa.describe().hash, None);
    }
}
