//! One verification key: its material, its `kid`, and the algorithm it may be pinned to.

use core::fmt;

use hmac::Hmac;
use jwt_compact::{alg::Ed25519, Algorithm, AlgorithmSignature};
use serde::Serialize;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::{
    alg::{Alg, Es256, Es384, Es512, KeyKind, KeyedHmac, Rsa, HS256, HS384, HS512},
    backend::{self, Native, NativeKey},
    crypto::{ec, rsa::RsaPublicKey},
};

/// RFC 8725 §3.5 and NIST SP 800-131A: shorter RSA moduli are refused.
pub const MIN_RSA_BITS: usize = 2048;
/// Larger moduli only make verification slower; nobody issues them.
pub const MAX_RSA_BITS: usize = RsaPublicKey::MAX_BITS;

/// Public key material (or a shared secret), already parsed and checked.
pub(crate) enum Material {
    Secret(Box<Secret>),
    Rsa(RsaPublicKey),
    P256(ec::PublicKey<8>),
    P384(ec::PublicKey<12>),
    P521(ec::PublicKey<17>),
    Ed25519(ed25519_compact::PublicKey),
}

impl Material {
    pub(crate) fn secret(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.is_empty() {
            return Err("the secret is empty".into());
        }
        Secret::new(&Zeroizing::new(bytes))
            .map(|secret| Self::Secret(Box::new(secret)))
            .ok_or_else(|| "the secret cannot key HMAC".into())
    }

    /// From the big-endian modulus and exponent.
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self, String> {
        let key =
            RsaPublicKey::new(n, e).map_err(|err| format!("invalid RSA public key: {err}"))?;
        let bits = key.bits();
        if bits < MIN_RSA_BITS {
            return Err(format!(
                "RSA key of {bits} bits: at least {MIN_RSA_BITS} bits are required"
            ));
        }
        Ok(Self::Rsa(key))
    }

    /// From a SEC1-encoded point on the curve of `kind`.
    pub(crate) fn ec(kind: KeyKind, sec1: &[u8]) -> Result<Self, String> {
        match kind {
            KeyKind::P256 => ec::PublicKey::from_sec1(ec::p256(), sec1).map(Self::P256),
            KeyKind::P384 => ec::PublicKey::from_sec1(ec::p384(), sec1).map(Self::P384),
            KeyKind::P521 => ec::PublicKey::from_sec1(ec::p521(), sec1).map(Self::P521),
            _ => Err("not an elliptic curve".into()),
        }
    }

    pub(crate) fn ed25519(raw: &[u8]) -> Result<Self, String> {
        let key = ed25519_compact::PublicKey::from_slice(raw)
            .map_err(|_| "an Ed25519 public key is 32 bytes".to_owned())?;
        // Small-order and non-canonical points would accept forged signatures.
        key.validate()
            .map_err(|_| "weak or non-canonical Ed25519 public key".to_owned())?;
        Ok(Self::Ed25519(key))
    }

    /// Whether this material can verify `alg` at all (ignoring pinning).
    pub(crate) fn fits(&self, alg: Alg) -> bool {
        match (self, alg.key_kind()) {
            (Self::Secret(k), KeyKind::Secret { min_len }) => k.len >= min_len,
            (Self::Rsa(_), KeyKind::Rsa)
            | (Self::P256(_), KeyKind::P256)
            | (Self::P384(_), KeyKind::P384)
            | (Self::P521(_), KeyKind::P521)
            | (Self::Ed25519(_), KeyKind::Ed25519) => true,
            _ => false,
        }
    }

    // Not inlined into `Key::verify`: with a native backend (Node) this pure-Rust code never
    // runs, and wasm engines compile a function whole on its first call, so inlined it would be
    // compiled during every cold start's first verification.
    #[inline(never)]
    fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        match (self, alg) {
            (Self::Secret(k), Alg::Hs256) => check(&HS256, &k.hs256, message, signature),
            (Self::Secret(k), Alg::Hs384) => k
                .hs384
                .as_ref()
                .is_some_and(|key| check(&HS384, key, message, signature)),
            (Self::Secret(k), Alg::Hs512) => k
                .hs512
                .as_ref()
                .is_some_and(|key| check(&HS512, key, message, signature)),
            (Self::Rsa(k), Alg::Rs256) => check(&Rsa::RS256, k, message, signature),
            (Self::Rsa(k), Alg::Rs384) => check(&Rsa::RS384, k, message, signature),
            (Self::Rsa(k), Alg::Rs512) => check(&Rsa::RS512, k, message, signature),
            (Self::Rsa(k), Alg::Ps256) => check(&Rsa::PS256, k, message, signature),
            (Self::Rsa(k), Alg::Ps384) => check(&Rsa::PS384, k, message, signature),
            (Self::Rsa(k), Alg::Ps512) => check(&Rsa::PS512, k, message, signature),
            (Self::P256(k), Alg::Es256) => check(&Es256, k, message, signature),
            (Self::P384(k), Alg::Es384) => check(&Es384, k, message, signature),
            (Self::P521(k), Alg::Es512) => check(&Es512, k, message, signature),
            (Self::Ed25519(k), Alg::EdDsa | Alg::Ed25519) => check(&Ed25519, k, message, signature),
            _ => false,
        }
    }

    fn kty(&self) -> &'static str {
        match self {
            Self::Secret(_) => "oct",
            Self::Rsa(_) => "RSA",
            Self::P256(_) | Self::P384(_) | Self::P521(_) => "EC",
            Self::Ed25519(_) => "OKP",
        }
    }

    fn size(&self) -> (Option<&'static str>, Option<usize>) {
        match self {
            Self::Secret(k) => (None, Some(k.len * 8)),
            Self::Rsa(k) => (None, Some(k.bits())),
            Self::P256(k) => (Some(k.curve().name()), None),
            Self::P384(k) => (Some(k.curve().name()), None),
            Self::P521(k) => (Some(k.curve().name()), None),
            Self::Ed25519(_) => (Some("Ed25519"), None),
        }
    }
}

/// A shared secret, keyed into HMAC once for each hash it is long enough for (RFC 7518 §3.2).
/// The secret itself is not kept: the keyed states are all verification needs.
pub(crate) struct Secret {
    len: usize,
    hs256: KeyedHmac<Hmac<Sha256>>,
    hs384: Option<KeyedHmac<Hmac<Sha384>>>,
    hs512: Option<KeyedHmac<Hmac<Sha512>>>,
}

impl Secret {
    fn new(bytes: &[u8]) -> Option<Self> {
        let fits = |alg: Alg| matches!(alg.key_kind(), KeyKind::Secret { min_len } if bytes.len() >= min_len);
        Some(Self {
            len: bytes.len(),
            hs256: KeyedHmac::new(bytes)?,
            hs384: fits(Alg::Hs384).then(|| KeyedHmac::new(bytes)).flatten(),
            hs512: fits(Alg::Hs512).then(|| KeyedHmac::new(bytes)).flatten(),
        })
    }
}

/// "an EC", "an RSA", "an OKP", "an oct": all key type names start with a vowel sound.
fn with_article(kty: &str) -> String {
    format!("an {kty}")
}

/// Runs one jwt-compact algorithm; a signature of the wrong shape simply does not verify.
fn check<A: Algorithm>(alg: &A, key: &A::VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    // jwt-compact's fixed-size signatures panic in `try_from_slice` on a wrong length (its own
    // validator checks `LENGTH` first), so the length is checked here too.
    if A::Signature::LENGTH.is_some_and(|len| len.get() != signature.len()) {
        return false;
    }
    A::Signature::try_from_slice(signature)
        .is_ok_and(|sig| alg.verify_signature(&sig, key, message))
}

/// A verification key, optionally named (`kid`) and pinned to one algorithm.
pub struct Key {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Option<Alg>,
    pub(crate) material: Material,
    /// The key's handle in the native backend, once imported there.
    pub(crate) native: Option<u32>,
}

impl Key {
    pub(crate) fn new(
        material: Material,
        kid: Option<String>,
        alg: Option<Alg>,
    ) -> Result<Self, String> {
        if let Some(alg) = alg {
            if !material.fits(alg) {
                return Err(match alg.key_kind() {
                    KeyKind::Secret { min_len } if material.kty() == "oct" => {
                        format!("{alg} needs a secret of at least {min_len} bytes (RFC 7518 §3.2)")
                    }
                    _ => format!(
                        "{} key cannot be used with {alg}",
                        with_article(material.kty())
                    ),
                });
            }
        }
        Ok(Self {
            kid,
            alg,
            material,
            native: None,
        })
    }

    /// Whether this key may verify a token signed with `alg`: the material fits and,
    /// when the key is pinned, `alg` is the pinned algorithm.
    #[must_use]
    pub fn accepts(&self, alg: Alg) -> bool {
        self.alg.map_or(true, |pinned| pinned == alg) && self.material.fits(alg)
    }

    /// The key's `kid`, if it has one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// [`Key::verify`] for a key that verifies one signature and is dropped (a DPoP proof's):
    /// by the native backend where one is installed, the key imported for this check alone
    /// (the pure-Rust code would build tables for later verifications that never come).
    pub(crate) fn verify_once(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        if !self.accepts(alg) {
            return false;
        }
        let jwk = backend::verifies_once()
            .then(|| self.to_jwk())
            .flatten()
            .and_then(|jwk| serde_json::to_string(&jwk).ok());
        jwk.and_then(|jwk| backend::verify_once(&jwk, alg, message, signature))
            .unwrap_or_else(|| self.material.verify(alg, message, signature))
    }

    pub(crate) fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        if !self.accepts(alg) {
            return false;
        }
        match self.native.filter(|_| backend::is_installed()) {
            Some(handle) => check(&Native(alg), &NativeKey(handle), message, signature),
            None => self.material.verify(alg, message, signature),
        }
    }

    /// The public key as a JWK, for importing into a native backend. `None` for a secret:
    /// secrets never leave wasm, where HMAC is faster than a call out to the runtime's crypto.
    pub(crate) fn to_jwk(&self) -> Option<serde_json::Value> {
        use base64ct::{Base64UrlUnpadded as B64, Encoding};
        /// Uncompressed SEC1: 0x04 ‖ x ‖ y.
        fn coordinates(sec1: &[u8]) -> Vec<(&'static str, &[u8])> {
            let xy = sec1.get(1..).unwrap_or_default();
            let (x, y) = xy.split_at(xy.len() / 2);
            vec![("x", x), ("y", y)]
        }
        // Members listed, then inserted by one loop: a `json!` object per key type is a run of
        // inserts each, kilobytes of wasm for a cold path.
        let (sec1, e);
        let (kty, crv, members) = match &self.material {
            Material::Secret(_) => return None,
            Material::Rsa(k) => {
                e = k.e();
                ("RSA", None, vec![("n", k.n()), ("e", &e[..])])
            }
            Material::P256(k) => {
                sec1 = k.to_sec1();
                ("EC", Some(k.curve().name()), coordinates(&sec1))
            }
            Material::P384(k) => {
                sec1 = k.to_sec1();
                ("EC", Some(k.curve().name()), coordinates(&sec1))
            }
            Material::P521(k) => {
                sec1 = k.to_sec1();
                ("EC", Some(k.curve().name()), coordinates(&sec1))
            }
            Material::Ed25519(k) => ("OKP", Some("Ed25519"), vec![("x", &k[..])]),
        };
        let mut jwk = serde_json::Map::new();
        jwk.insert("kty".into(), kty.into());
        if let Some(crv) = crv {
            jwk.insert("crv".into(), crv.into());
        }
        for (name, bytes) in members {
            jwk.insert(name.into(), B64::encode_string(bytes).into());
        }
        Some(jwk.into())
    }

    /// A description without any secret: for listings and the inspector.
    #[must_use]
    pub fn info(&self) -> KeyInfo {
        let (crv, bits) = self.material.size();
        KeyInfo {
            kid: self.kid.clone(),
            kty: self.material.kty(),
            alg: self.alg.map(Alg::name),
            crv,
            bits,
            algorithms: Alg::ALL
                .into_iter()
                .filter(|a| self.accepts(*a))
                .map(Alg::name)
                .collect(),
            native: self.native.is_some(),
        }
    }
}

/// Secrets never reach `Debug` output.
impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.info();
        f.debug_struct("Key")
            .field("kid", &info.kid)
            .field("kty", &info.kty)
            .field("alg", &info.alg)
            .finish_non_exhaustive()
    }
}

/// What can be said about a key without revealing it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct KeyInfo {
    /// The key's `kid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// `oct`, `RSA`, `EC` or `OKP`.
    pub kty: &'static str,
    /// The algorithm the key is pinned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "Algorithm"))]
    pub alg: Option<&'static str>,
    /// The curve, for EC and OKP keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<&'static str>,
    /// The size in bits, for RSA keys and secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<usize>,
    /// Every algorithm this key would verify.
    #[cfg_attr(test, ts(type = "Algorithm[]"))]
    pub algorithms: Vec<&'static str>,
    /// Whether the runtime's crypto checks this key's signatures (the key was imported into a
    /// native backend), rather than the wasm code.
    pub native: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One key of every kind, with the algorithms each verifies.
    fn keys() -> Vec<Material> {
        let p256 = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        let p384 = p384::ecdsa::SigningKey::from_slice(&[7; 48]).unwrap();
        let p521 =
            p521::ecdsa::SigningKey::from_slice(&[[0].as_slice(), &[7; 65]].concat()).unwrap();
        let mut n = vec![0xc5; 256];
        n[255] = 0x01;
        vec![
            Material::secret(vec![1; 64]).unwrap(),
            Material::rsa(&n, &[1, 0, 1]).unwrap(),
            Material::ec(KeyKind::P256, &p256.verifying_key().to_sec1_bytes()).unwrap(),
            Material::ec(KeyKind::P384, &p384.verifying_key().to_sec1_bytes()).unwrap(),
            Material::ec(
                KeyKind::P521,
                p521::ecdsa::VerifyingKey::from(&p521)
                    .to_encoded_point(false)
                    .as_bytes(),
            )
            .unwrap(),
            Material::ed25519(
                &ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([3; 32])).pk[..],
            )
            .unwrap(),
        ]
    }

    #[test]
    fn signatures_of_any_length_are_refused_without_panicking() {
        for material in keys() {
            for alg in Alg::ALL.into_iter().filter(|a| material.fits(*a)) {
                for len in [
                    0, 1, 31, 32, 33, 47, 48, 63, 64, 65, 95, 96, 131, 132, 255, 256, 512, 1024,
                ] {
                    assert!(
                        !material.verify(alg, b"message", &vec![0x5a; len]),
                        "{alg} len {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn weak_keys_are_refused() {
        assert!(Material::rsa(&[0xc5; 128], &[1, 0, 1]).is_err_and(|e| e.contains("2048")));
        // The identity point: a small-order Ed25519 key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(Material::ed25519(&identity).is_err());
        let short = Key::new(
            Material::secret(vec![1; 31]).unwrap(),
            None,
            Some(Alg::Hs256),
        );
        assert!(short.is_err_and(|e| e.contains("32 bytes")));
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let key = Key::new(
            Material::secret(b"hunter2-hunter2-hunter2-hunter2-!".to_vec()).unwrap(),
            Some("k".into()),
            None,
        )
        .unwrap();
        assert!(!format!("{key:?}").contains("hunter2"));
    }
}
