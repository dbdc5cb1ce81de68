//! JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037) as documents, and their conversion to [`Key`]s.

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
