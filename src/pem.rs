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

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLV with a two-byte length: DER for the contents of 256 bytes or more it is used for.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let len = u16::try_from(content.len()).unwrap().to_be_bytes();
        let mut der = vec![tag, 0x82, len[0], len[1]];
        der.extend(content);
        der
    }

    fn short_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut der = vec![tag, u8::try_from(content.len()).unwrap()];
        der.extend(content);
        der
    }

    /// A 2048-bit odd modulus with its top bit set, so DER needs a leading zero byte.
    fn modulus() -> Vec<u8> {
        let mut n = vec![0xc5; 256];
        n[255] = 0x01;
        n
    }

    fn pkcs1(fields: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &fields.concat())
    }

    fn n_field() -> Vec<u8> {
        let mut n = vec![0];
        n.extend(modulus());
        tlv(0x02, &n)
    }

    fn e_field() -> Vec<u8> {
        short_tlv(0x02, &[1, 0, 1])
    }

    #[test]
    fn pkcs1_rsa_public_key() {
        let Material::Rsa(key) = from_pkcs1(&pkcs1(&[n_field(), e_field()])).unwrap() else {
            panic!("not an RSA key");
        };
        assert_eq!((key.n(), &key.e()[..]), (&modulus()[..], &[1, 0, 1][..]));
    }

    #[test]
    fn pkcs1_der_is_strict() {
        let valid = pkcs1(&[n_field(), e_field()]);
        let mut trailing = valid.clone();
        trailing.push(0);
        let negative_n = pkcs1(&[tlv(0x02, &modulus()), e_field()]);
        let non_minimal_e = pkcs1(&[n_field(), short_tlv(0x02, &[0, 1, 0, 1])]);
        let long_form_e = pkcs1(&[n_field(), vec![0x02, 0x81, 0x03, 1, 0, 1]]);
        let third_field = pkcs1(&[n_field(), e_field(), e_field()]);
        let missing_e = pkcs1(&[n_field()]);
        let octet_string_n = pkcs1(&[tlv(0x04, &modulus()), e_field()]);
        let set = tlv(0x31, &[n_field(), e_field()].concat());
        for (name, der) in [
            ("trailing data", trailing),
            ("negative modulus", negative_n),
            ("non-minimal exponent", non_minimal_e),
            ("long-form short length", long_form_e),
            ("a third field", third_field),
            ("no exponent", missing_e),
            ("a modulus that is no INTEGER", octet_string_n),
            ("a SET", set),
            ("nothing", vec![]),
        ] {
            assert!(
                from_pkcs1(&der).is_err_and(|err| err.starts_with("malformed RSA public key")),
                "{name}"
            );
        }
    }
}
