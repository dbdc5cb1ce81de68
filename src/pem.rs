//! PEM-encoded public keys: `SubjectPublicKeyInfo` (`BEGIN PUBLIC KEY`) and PKCS#1
//! (`BEGIN RSA PUBLIC KEY`).

use base64ct::{Base64, Encoding};
use spki::{
    der::{asn1::UintRef, Decode, Reader, SliceReader},
    ObjectIdentifier, SubjectPublicKeyInfoRef,
};

use crate::{alg::KeyKind, key::Material};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Parses a PEM public key into key material.
pub(crate) fn material_from_pem(pem: &str) -> Result<Material, String> {
    let (label, der) = unarmor(pem)?;
    match label {
        "PUBLIC KEY" => from_spki(&der),
        "RSA PUBLIC KEY" => from_pkcs1(&der),
        "CERTIFICATE" => Err("X.509 certificates are not accepted; pass the public key \
             (`openssl x509 -pubkey -noout -in cert.pem`)"
            .into()),
        _ if label.contains("PRIVATE") => {
            Err("this is a private key; pass the public key (`BEGIN PUBLIC KEY`)".into())
        }
        other => Err(format!(
            "unsupported PEM label {other:?}; expected PUBLIC KEY"
        )),
    }
}

/// Strips the armour and decodes the base64 body.
fn unarmor(pem: &str) -> Result<(&str, Vec<u8>), String> {
    let pem = pem.trim();
    let rest = pem
        .strip_prefix("-----BEGIN ")
        .ok_or("not PEM: expected `-----BEGIN PUBLIC KEY-----`")?;
    let (label, rest) = rest
        .split_once("-----")
        .ok_or("not PEM: malformed BEGIN line")?;
    let end = format!("-----END {label}-----");
    let body = rest
        .trim_end()
        .strip_suffix(end.as_str())
        .ok_or_else(|| format!("not PEM: missing `{end}`"))?;
    let body: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = Base64::decode_vec(&body).map_err(|_| "PEM body is not valid base64".to_owned())?;
    Ok((label, der))
}

fn from_spki(der: &[u8]) -> Result<Material, String> {
    let spki = SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|err| format!("malformed SubjectPublicKeyInfo: {err}"))?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or("malformed SubjectPublicKeyInfo: unaligned bit string")?;
    match spki.algorithm.oid {
        RSA_ENCRYPTION => from_pkcs1(key),
        ED25519 => Material::ed25519(key),
        EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters_oid()
                .map_err(|_| "EC key without a named curve".to_owned())?;
            let kind = match curve {
                P256 => KeyKind::P256,
                P384 => KeyKind::P384,
                P521 => KeyKind::P521,
                other => return Err(format!("unsupported EC curve {other}")),
            };
            Material::ec(kind, key)
        }
        other => Err(format!("unsupported public key algorithm {other}")),
    }
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017
/// §A.1.1), in DER: `UintRef` refuses negative and non-minimal integers, the readers any
/// trailing bytes.
fn from_pkcs1(der: &[u8]) -> Result<Material, String> {
    let parse = || {
        let mut reader = SliceReader::new(der)?;
        let key = reader.sequence(|key| Ok((UintRef::decode(key)?, UintRef::decode(key)?)))?;
        reader.finish(key)
    };
    let (n, e) = parse().map_err(|err| format!("malformed RSA public key: {err}"))?;
    Material::rsa(n.as_bytes(), e.as_bytes())
}
