//! JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037) as documents, and their conversion to [`Key`]s.

use core::fmt::Write as _;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;

use crate::{
    alg::{Alg, KeyKind},
    json::expected,
    key::{Key, Material},
};

/// A JWK as published: every member optional except `kty`; unknown members are ignored,
/// as RFC 7517 §4 requires.
#[derive(Debug)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
    k: Option<String>,
    d: Option<String>,
}

/// Members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The public key in a DPoP proof's `jwk` header (RFC 9449 §4.2), pinned to the proof's `alg`,
/// with its RFC 7638 thumbprint. A key with any private member is refused outright, whether or
/// not the rest would parse: a client that sends its private key must learn that it leaked it.
pub(crate) fn proof_key(value: Value, alg: Alg) -> Result<(Key, String), String> {
    let Value::Object(map) = &value else {
        return Err(expected(&value, "a JSON object"));
    };
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| map.contains_key(**m)) {
        return Err(format!(
            "the key holds the private member \"{member}\": only a public key may be sent"
        ));
    }
    let thumbprint = thumbprint(map)?;
    let mut key = key_from_value(value)?;
    if !key.accepts(alg) {
        return Err(format!("the key cannot be used with {alg}"));
    }
    // The proof's own key names nothing: whatever `kid` the client gave it.
    key.kid = None;
    key.alg = Some(alg);
    Ok((key, thumbprint))
}

/// The RFC 7638 thumbprint (SHA-256, base64url): the hash of the key type's required members,
/// and nothing else, as JSON with sorted names and no whitespace.
pub(crate) fn thumbprint(map: &serde_json::Map<String, Value>) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let kty = map.get("kty").and_then(Value::as_str).unwrap_or_default();
    let required: &[&str] = match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        other => return Err(format!("no public key type {other:?}")),
    };
    let mut canonical = String::from("{");
    for (i, name) in required.iter().enumerate() {
        let Some(Value::String(text)) = map.get(*name) else {
            return Err(format!("member \"{name}\" is missing or not a string"));
        };
        if i > 0 {
            canonical.push(',');
        }
        let _ = write!(canonical, "\"{name}\":");
        canonical.push_str(&serde_json::to_string(text).map_err(|e| e.to_string())?);
    }
    canonical.push('}');
    Ok(Base64UrlUnpadded::encode_string(&Sha256::digest(
        canonical.as_bytes(),
    )))
}

/// Parses one JWK given as a JSON value; the error says why the key is unusable.
pub(crate) fn key_from_value(value: Value) -> Result<Key, String> {
    Jwk::from_value(value)
        .map_err(|err| format!("malformed JWK: {err}"))?
        .into_key()
}

impl Jwk {
    /// Takes the members it knows from a JSON object. By hand: a derived deserializer from a
    /// `Value` costs kilobytes of wasm for what is a dozen optional strings.
    fn from_value(value: Value) -> Result<Self, String> {
        let Value::Object(mut map) = value else {
            return Err(expected(&value, "a JSON object"));
        };
        let wrong = |name: &str, value: &Value, what: &str| {
            format!("\"{name}\": {}", expected(value, what))
        };
        let key_ops = match map.remove("key_ops") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(op) => Ok(op),
                        other => Err(wrong("key_ops", &other, "a string")),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(other) => return Err(wrong("key_ops", &other, "a sequence")),
        };
        let mut text = |name: &str| match map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong(name, &other, "a string")),
        };
        Ok(Self {
            kty: text("kty")?.ok_or("missing field `kty`")?,
            kid: text("kid")?,
            alg: text("alg")?,
            use_: text("use")?,
            key_ops,
            crv: text("crv")?,
            n: text("n")?,
            e: text("e")?,
            x: text("x")?,
            y: text("y")?,
            k: text("k")?,
            d: text("d")?,
        })
    }

    fn into_key(self) -> Result<Key, String> {
        if let Some(use_) = &self.use_ {
            if use_ != "sig" {
                return Err(format!("\"use\" is {use_:?}, not \"sig\""));
            }
        }
        if let Some(ops) = &self.key_ops {
            if !ops.iter().any(|op| op == "verify") {
                return Err("\"key_ops\" does not allow \"verify\"".into());
            }
        }
        let alg = match self.alg.as_deref() {
            None => None,
            Some(name) => {
                Some(Alg::from_name(name).ok_or_else(|| format!("unsupported \"alg\" {name:?}"))?)
            }
        };
        if self.d.is_some() && self.kty != "oct" {
            return Err("the JWK holds a private key; publish only the public part".into());
        }
        let material = self.material()?;
        Key::new(material, self.kid, alg)
    }

    fn material(&self) -> Result<Material, String> {
        match self.kty.as_str() {
            "oct" => Material::secret(member(self.k.as_ref(), "k")?),
            "RSA" => Material::rsa(
                &member(self.n.as_ref(), "n")?,
                &member(self.e.as_ref(), "e")?,
            ),
            "EC" => {
                let (kind, len) = match self.crv.as_deref() {
                    Some("P-256") => (KeyKind::P256, 32),
                    Some("P-384") => (KeyKind::P384, 48),
                    Some("P-521") => (KeyKind::P521, 66),
                    other => return Err(format!("unsupported EC curve {other:?}")),
                };
                let (x, y) = (member(self.x.as_ref(), "x")?, member(self.y.as_ref(), "y")?);
                if x.len() != len || y.len() != len {
                    return Err(format!("EC coordinates must be {len} bytes each"));
                }
                let mut sec1 = Vec::with_capacity(1 + 2 * len);
                sec1.push(4); // uncompressed point
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                Material::ec(kind, &sec1)
            }
            "OKP" => match self.crv.as_deref() {
                Some("Ed25519") => Material::ed25519(&member(self.x.as_ref(), "x")?),
                other => Err(format!("unsupported OKP curve {other:?}")),
            },
            other => Err(format!("unsupported key type \"kty\": {other:?}")),
        }
    }
}

/// Decodes a required base64url member. Padding is tolerated: some issuers add it.
fn member(value: Option<&String>, name: &str) -> Result<Vec<u8>, String> {
    let text = value.ok_or_else(|| format!("member \"{name}\" is missing"))?;
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('='))
        .map_err(|_| format!("member \"{name}\" is not base64url"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_follow_rfc_7638() {
        // RFC 7638 §3.1's example key (its `alg` and `kid` are not hashed).
        let key = serde_json::json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(key.as_object().unwrap()).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn proof_keys_are_public_and_fit_the_alg() {
        let ec = serde_json::json!({
            "kty": "EC", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        });
        let (key, _) = proof_key(ec.clone(), Alg::Es256).unwrap();
        assert!(key.kid.is_none());
        assert!(proof_key(ec.clone(), Alg::Rs256)
            .unwrap_err()
            .contains("cannot be used"));
        for private in ["d", "p", "k"] {
            let mut with = ec.clone();
            with[private] = "AAAA".into();
            assert!(proof_key(with, Alg::Es256).unwrap_err().contains("private"));
        }
        let oct = serde_json::json!({ "kty": "oct", "k": "c2VjcmV0" });
        assert!(proof_key(oct, Alg::Hs256).is_err());
    }

    #[test]
    fn malformed_members_are_named() {
        let fault = |jwk: Value| key_from_value(jwk).unwrap_err();
        assert_eq!(
            fault(serde_json::json!({ "kty": "RSA", "n": 5 })),
            "malformed JWK: \"n\": invalid type: integer `5`, expected a string"
        );
        assert_eq!(
            fault(serde_json::json!({ "kty": "oct", "key_ops": "verify" })),
            "malformed JWK: \"key_ops\": invalid type: string \"verify\", expected a sequence"
        );
        assert_eq!(
            fault(serde_json::json!({ "n": "AQAB" })),
            "malformed JWK: missing field `kty`"
        );
        assert_eq!(
            fault(serde_json::json!(["RSA"])),
            "malformed JWK: invalid type: sequence, expected a JSON object"
        );
    }
}
