//! A set of verification keys and the rule for picking candidates for a token.

use serde::Serialize;

use crate::{
    alg::Alg,
    error::{Error, Result},
    json, jwk,
    key::{Key, KeyInfo, Material},
    pem,
};

/// A token's `kid` header, as far as key selection is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kid<'a> {
    /// No `kid`.
    Absent,
    /// A string `kid`.
    Name(&'a str),
    /// A `kid` that is not a string (`null`): it names no key.
    Other,
}

/// A JWKS may list this many keys at most; real ones hold a handful.
pub const MAX_KEYS: usize = 100;

/// Why [`KeySet::from_remote_jwks_json`] skips a secret.
const PUBLISHED_SECRET: &str =
    "a symmetric key in a remote key set: anyone who can read the set could sign tokens";

/// Keys trusted to verify tokens.
///
/// ```
/// use jwtgate::{Alg, KeySet};
/// let keys = KeySet::from_secret(b"a-string-secret-at-least-256-bits-long".to_vec(), Alg::Hs256, None)?;
/// assert_eq!(keys.len(), 1);
/// # Ok::<_, jwtgate::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
    skipped: Vec<SkippedKey>,
}

/// A JWKS member that was left out, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct SkippedKey {
    /// Its position in `keys`.
    pub index: usize,
    /// Its `kid`, when it has a string one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Why it cannot be used.
    pub reason: String,
}

impl KeySet {
    /// Parses a JSON Web Key Set. Unusable members (encryption keys, unsupported curves,
    /// weak RSA keys, …) are skipped and listed in [`KeySet::skipped`]; the set fails only when
    /// it is not a JWKS at all.
    ///
    /// # Errors
    /// `ERR_JWKS_INVALID` when the document is not a JSON object with a `keys` array.
    pub fn from_jwks_json(text: &str) -> Result<Self> {
        Self::parse_jwks(text, true)
    }

    /// Parses a JSON Web Key Set fetched from a URL (`jwks_uri`) as [`KeySet::from_jwks_json`]
    /// does, but skips symmetric (`oct`) keys too: a secret published at a URL lets anyone who
    /// reads it sign tokens (`jose`'s remote key sets refuse them as well).
    ///
    /// # Errors
    /// `ERR_JWKS_INVALID` when the document is not a JSON object with a `keys` array.
    pub fn from_remote_jwks_json(text: &str) -> Result<Self> {
        Self::parse_jwks(text, false)
    }

    fn parse_jwks(text: &str, secrets_allowed: bool) -> Result<Self> {
        let value = json::parse_document(text)
            .map_err(|m| Error::JwksInvalid(format!("JSON Web Key Set: {m}")))?;
        let serde_json::Value::Object(mut object) = value else {
            return Err(Error::JwksInvalid(
                "JSON Web Key Set must be a JSON object".into(),
            ));
        };
        let Some(serde_json::Value::Array(members)) = object.remove("keys") else {
            return Err(Error::JwksInvalid(
                "JSON Web Key Set must have a \"keys\" array".into(),
            ));
        };
        if members.len() > MAX_KEYS {
            return Err(Error::JwksInvalid(format!(
                "JSON Web Key Set has {} keys; at most {MAX_KEYS} are accepted",
                members.len()
            )));
        }
        let mut set = Self::default();
        for (index, member) in members.into_iter().enumerate() {
            let kid = member
                .get("kid")
                .and_then(|k| k.as_str())
                .map(str::to_owned);
            match jwk::key_from_value(member) {
                Ok(key) if !secrets_allowed && matches!(key.material, Material::Secret(_)) => {
                    set.skipped.push(SkippedKey {
                        index,
                        kid,
                        reason: PUBLISHED_SECRET.into(),
                    });
                }
                Ok(key) => set.keys.push(key),
                Err(reason) => set.skipped.push(SkippedKey { index, kid, reason }),
            }
        }
        Ok(set)
    }

    /// Parses a single JSON Web Key.
    ///
    /// # Errors
    /// `ERR_JWK_INVALID` naming what is wrong with the key.
    pub fn from_jwk_json(text: &str) -> Result<Self> {
        let value =
            json::parse_document(text).map_err(|m| Error::KeyInvalid(format!("JWK: {m}")))?;
        let key = jwk::key_from_value(value).map_err(|m| Error::KeyInvalid(format!("JWK: {m}")))?;
        Ok(Self::single(key))
    }

    /// A shared secret for `HS256`, `HS384` or `HS512`.
    ///
    /// # Errors
    /// `ERR_JWK_INVALID` when `alg` is not an HMAC algorithm or the secret is shorter than the
    /// hash (32, 48 or 64 bytes).
    pub fn from_secret(secret: Vec<u8>, alg: Alg, kid: Option<String>) -> Result<Self> {
        let key = Material::secret(secret)
            .and_then(|material| Key::new(material, kid, Some(alg)))
            .map_err(|m| Error::KeyInvalid(format!("secret: {m}")))?;
        Ok(Self::single(key))
    }

    /// A shared secret for the first HMAC algorithm among `allowed` (a verifier's
    /// `algorithms`), or `HS256` when they name none.
    ///
    /// # Errors
    /// As [`KeySet::from_secret`].
    pub fn from_secret_for(secret: Vec<u8>, allowed: &[String]) -> Result<Self> {
        let alg = allowed
            .iter()
            .filter_map(|name| Alg::from_name(name))
            .find(|alg| matches!(alg.key_kind(), crate::KeyKind::Secret { .. }))
            .unwrap_or(Alg::Hs256);
        Self::from_secret(secret, alg, None)
    }

    /// A PEM public key (SPKI or PKCS#1), pinned to `alg`.
    ///
    /// # Errors
    /// `ERR_JWK_INVALID` when the PEM cannot be parsed or does not fit `alg`.
    pub fn from_pem(pem: &str, alg: Alg, kid: Option<String>) -> Result<Self> {
        let key = pem::material_from_pem(pem)
            .and_then(|material| Key::new(material, kid, Some(alg)))
            .map_err(|m| Error::KeyInvalid(format!("PEM: {m}")))?;
        Ok(Self::single(key))
    }

    pub(crate) fn single(key: Key) -> Self {
        Self {
            keys: vec![key],
            skipped: Vec::new(),
        }
    }

    /// The keys that may verify a token with this `alg` and `kid`.
    ///
    /// With a `kid`, keys carrying that `kid` are the candidates; when none does (or the `kid`
    /// is not even a string), keys without any `kid` are (so a single secret or PEM key
    /// behaves as in `jose`, and a JWKS whose keys all have ids matches nothing).
    pub(crate) fn candidates<'a>(
        &'a self,
        alg: Alg,
        kid: Kid<'a>,
    ) -> impl Iterator<Item = (usize, &'a Key)> + 'a {
        let named = match kid {
            Kid::Name(name) => self
                .keys
                .iter()
                .any(|k| k.kid() == Some(name))
                .then_some(name),
            Kid::Absent | Kid::Other => None,
        };
        self.keys
            .iter()
            .enumerate()
            .filter(move |(_, k)| match (kid, named) {
                (Kid::Absent, _) => true,
                (_, Some(name)) => k.kid() == Some(name),
                (_, None) => k.kid().is_none(),
            })
            .filter(move |(_, k)| k.accepts(alg))
    }

    /// How many usable keys the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// A description of each usable key.
    #[must_use]
    pub fn info(&self) -> Vec<KeyInfo> {
        self.keys.iter().map(Key::info).collect()
    }

    /// Each usable public key as a JWK, with its index: what a native backend imports (secrets
    /// stay in wasm).
    #[must_use]
    pub fn native_export(&self) -> Vec<(usize, serde_json::Value)> {
        self.keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| Some((i, k.to_jwk()?)))
            .collect()
    }

    /// Records that key `index` was imported into the native backend as `handle`.
    pub fn set_native(&mut self, index: usize, handle: u32) {
        if let Some(key) = self.keys.get_mut(index) {
            key.native = Some(handle);
        }
    }

    /// The JWKS members that were left out.
    #[must_use]
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }
}
