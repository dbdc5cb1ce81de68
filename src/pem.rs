//! PEM-encoded public keys: `SubjectPublicKeyInfo` (`BEGIN PUBLIC KEY`) and PKCS#1
//! (`BEGIN RSA PUBLIC KEY`).

use base64ct::{Base64, Encoding};

use crate::{alg::KeyKind, key::Material};

// Object identifiers as their DER contents (the encoding is canonical, so bytes compare).
/// 1.2.840.113549.1.1.1
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// 1.2.840.10045.2.1
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// 1.3.101.112
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// 1.2.840.10045.3.1.7
const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// 1.3.132.0.34
const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// 1.3.132.0.35
const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OBJECT_IDENTIFIER: u8 = 0x06;
const SEQUENCE: u8 = 0x30;

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

/// The DER of a PEM certificate (`BEGIN CERTIFICATE`), as a client presented it: only its
/// digest is used (RFC 8705 §3.1), so it is not parsed further.
pub(crate) fn certificate_der(pem: &str) -> Result<Vec<u8>, String> {
    match unarmor(pem)? {
        ("CERTIFICATE", der) if !der.is_empty() => Ok(der),
        (label, _) => Err(format!("expected a CERTIFICATE, not {label:?}")),
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

/// `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT
/// STRING }`, `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY
/// OPTIONAL }` (RFC 5280 §4.1), in DER.
fn from_spki(der: &[u8]) -> Result<Material, String> {
    let parse = || {
        let mut spki = Der::whole_sequence(der)?;
        let mut algorithm = spki.sequence()?;
        let oid = algorithm.read(OBJECT_IDENTIFIER)?;
        let parameters = if algorithm.0.is_empty() {
            None
        } else {
            Some(algorithm.read_any()?)
        };
        algorithm.finish()?;
        let [0, key @ ..] = spki.read(BIT_STRING)? else {
            return Err("unaligned bit string");
        };
        spki.finish()?;
        Ok((oid, parameters, key))
    };
    let (oid, parameters, key) =
        parse().map_err(|err| format!("malformed SubjectPublicKeyInfo: {err}"))?;
    match oid {
        // Whatever the parameters, as OpenSSL reads rsaEncryption keys (RFC 3279 asks for NULL).
        RSA_ENCRYPTION => from_pkcs1(key),
        // RFC 8410 §3: the parameters MUST be absent; OpenSSL refuses them too.
        ED25519 if parameters.is_some() => Err("Ed25519 key with algorithm parameters".into()),
        ED25519 => Material::ed25519(key),
        EC_PUBLIC_KEY => {
            let kind = match parameters {
                Some((OBJECT_IDENTIFIER, P256)) => KeyKind::P256,
                Some((OBJECT_IDENTIFIER, P384)) => KeyKind::P384,
                Some((OBJECT_IDENTIFIER, P521)) => KeyKind::P521,
                Some((OBJECT_IDENTIFIER, other)) => {
                    return Err(format!("unsupported EC curve {}", dotted(other)))
                }
                _ => return Err("EC key without a named curve".into()),
            };
            Material::ec(kind, key)
        }
        other => Err(format!(
            "unsupported public key algorithm {}",
            dotted(other)
        )),
    }
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017
/// §A.1.1), in DER.
fn from_pkcs1(der: &[u8]) -> Result<Material, String> {
    let parse = || {
        let mut key = Der::whole_sequence(der)?;
        let (n, e) = (key.unsigned()?, key.unsigned()?);
        key.finish()?;
        Ok((n, e))
    };
    let (n, e) = parse().map_err(|err: &str| format!("malformed RSA public key: {err}"))?;
    Material::rsa(n, e)
}

/// Strict DER, as much as public keys need: one-byte tags, definite lengths in their shortest
/// form (keys are below 64 KiB), no bytes after the outermost element or left in a
/// constructed one. By hand rather than through the `der` crate: a fraction of the wasm.
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    /// The contents of `der`, which must be one SEQUENCE and nothing more.
    fn whole_sequence(der: &'a [u8]) -> Result<Self, &'static str> {
        let mut outer = Self(der);
        let contents = outer.sequence()?;
        outer.finish()?;
        Ok(contents)
    }

    /// The next element's tag and contents.
    fn read_any(&mut self) -> Result<(u8, &'a [u8]), &'static str> {
        let (tag, len, rest) = match self.0 {
            [tag, len @ 0..=0x7f, rest @ ..] | [tag, 0x81, len @ 0x80..=0xff, rest @ ..] => {
                (*tag, usize::from(*len), rest)
            }
            [tag, 0x82, high @ 1..=0xff, low, rest @ ..] => {
                (*tag, usize::from(*high) << 8 | usize::from(*low), rest)
            }
            [_, 0x80..=0x82, ..] => return Err("non-minimal or indefinite length"),
            [_, _, ..] => return Err("length too large"),
            _ => return Err("truncated element"),
        };
        if tag & 0x1f == 0x1f {
            return Err("multi-byte tag");
        }
        if rest.len() < len {
            return Err("truncated element");
        }
        let (contents, rest) = rest.split_at(len);
        self.0 = rest;
        Ok((tag, contents))
    }

    /// The next element's contents, which must have tag `tag`.
    fn read(&mut self, tag: u8) -> Result<&'a [u8], &'static str> {
        match self.read_any()? {
            (found, contents) if found == tag => Ok(contents),
            _ => Err("unexpected element"),
        }
    }

    /// The next element's contents, which must be a SEQUENCE.
    fn sequence(&mut self) -> Result<Self, &'static str> {
        self.read(SEQUENCE).map(Der)
    }

    /// A non-negative INTEGER's big-endian magnitude, without the leading zero byte that a high
    /// bit makes necessary.
    fn unsigned(&mut self) -> Result<&'a [u8], &'static str> {
        match self.read(INTEGER)? {
            [] => Err("empty INTEGER"),
            [0, next, ..] if *next < 0x80 => Err("non-minimal INTEGER"),
            [0, magnitude @ ..] if !magnitude.is_empty() => Ok(magnitude),
            [first, ..] if *first >= 0x80 => Err("negative INTEGER"),
            magnitude => Ok(magnitude),
        }
    }

    fn finish(&self) -> Result<(), &'static str> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err("trailing data")
        }
    }
}

/// An object identifier's DER contents in dotted form, for messages.
fn dotted(oid: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut arc: u64 = 0;
    for byte in oid {
        arc = arc.saturating_mul(128) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            arcs.push(arc);
            arc = 0;
        }
    }
    // The first encoded arc holds the first two (X.690 §8.19.4).
    let mut parts = Vec::new();
    if let Some(&first) = arcs.first() {
        let top = first.min(80) / 40;
        parts.extend([top, first - top * 40]);
    }
    parts.extend(arcs.iter().skip(1));
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
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

    /// A `SubjectPublicKeyInfo` from its algorithm members and its bit string contents.
    fn spki(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
        short_tlv(
            0x30,
            &[short_tlv(0x30, algorithm), short_tlv(0x03, key)].concat(),
        )
    }

    #[test]
    fn spki_der_is_strict() {
        let ed25519 = short_tlv(0x06, ED25519);
        // RFC 8032 §7.1, test 1.
        let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let mut key = vec![0];
        key.extend(
            (0..64)
                .step_by(2)
                .map(|i| u8::from_str_radix(&public[i..i + 2], 16).unwrap()),
        );
        let Material::Ed25519(_) = from_spki(&spki(&ed25519, &key)).unwrap() else {
            panic!("not an Ed25519 key");
        };
        let mut trailing = spki(&ed25519, &key);
        trailing.push(0);
        let mut unaligned = key.clone();
        unaligned[0] = 1;
        let mut high_tag = spki(&ed25519, &key);
        high_tag[0] = 0x3f;
        let mut indefinite = spki(&ed25519, &key);
        indefinite[1] = 0x80;
        let extra = [ed25519.clone(), vec![5, 0], vec![5, 0]].concat();
        for (name, der) in [
            ("trailing data", trailing),
            ("an unaligned bit string", spki(&ed25519, &unaligned)),
            ("a multi-byte tag", high_tag),
            ("an indefinite length", indefinite),
            ("a third algorithm member", spki(&extra, &key)),
            ("a truncated key", spki(&ed25519, &key)[..20].to_vec()),
        ] {
            assert!(
                from_spki(&der).is_err_and(|e| e.starts_with("malformed SubjectPublicKeyInfo")),
                "{name}"
            );
        }
        let with_null = [ed25519.clone(), vec![5, 0]].concat();
        assert_eq!(
            from_spki(&spki(&with_null, &key)).err().as_deref(),
            Some("Ed25519 key with algorithm parameters")
        );
        let ec_without_curve = short_tlv(0x06, EC_PUBLIC_KEY);
        assert_eq!(
            from_spki(&spki(&ec_without_curve, &key)).err().as_deref(),
            Some("EC key without a named curve")
        );
        let secp256k1 = [
            ec_without_curve,
            short_tlv(0x06, &[0x2b, 0x81, 0x04, 0x00, 0x0a]),
        ];
        assert_eq!(
            from_spki(&spki(&secp256k1.concat(), &key)).err().as_deref(),
            Some("unsupported EC curve 1.3.132.0.10")
        );
        let dsa = short_tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]);
        assert_eq!(
            from_spki(&spki(&dsa, &key)).err().as_deref(),
            Some("unsupported public key algorithm 1.2.840.10040.4.1")
        );
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
