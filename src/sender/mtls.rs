//! Certificate-bound access tokens (RFC 8705 §3): the token's `cnf["x5t#S256"]` names the
//! SHA-256 digest of the client certificate the platform verified during the TLS handshake.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::{
    error::{Error, SenderFault},
    pem,
};

/// The client certificate of a request, as the platform reports it: the certificate itself
/// (PEM) or its SHA-256 digest (hex, colons allowed), and whether the platform verified it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct ClientCert {
    /// The certificate, PEM-encoded (API Gateway's `clientCertPem`).
    pub pem: Option<String>,
    /// Its SHA-256 digest in hex (Node's `fingerprint256`, Cloudflare's
    /// `certFingerprintSHA256`).
    pub sha256: Option<String>,
    /// Whether the TLS layer verified it against a trust store. API Gateway passes only
    /// certificates it verified, so an event's certificate counts as verified.
    pub verified: Option<bool>,
}

/// Cloudflare's `request.cf.tlsClientAuth`, read as Cloudflare documents it.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct CloudflareTls {
    /// `"1"` when the client presented a certificate.
    #[serde(rename = "certPresented", default)]
    pub presented: String,
    /// `"SUCCESS"` when Cloudflare verified it.
    #[serde(rename = "certVerified", default)]
    pub verified: String,
    /// The SHA-256 digest of its DER, hex.
    #[serde(rename = "certFingerprintSHA256", default)]
    pub sha256: String,
}

impl From<CloudflareTls> for Option<ClientCert> {
    fn from(tls: CloudflareTls) -> Self {
        (tls.presented == "1").then(|| ClientCert {
            pem: None,
            verified: Some(tls.verified == "SUCCESS"),
            sha256: Some(tls.sha256),
        })
    }
}

impl ClientCert {
    /// The certificate's SHA-256 digest.
    fn digest(&self) -> Result<Vec<u8>, String> {
        if let Some(pem) = &self.pem {
            return Ok(Sha256::digest(pem::certificate_der(pem)?).to_vec());
        }
        let hex: String = self.sha256.as_deref().unwrap_or_default().replace(':', "");
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .filter(|bytes| bytes.len() == 32);
        bytes.ok_or_else(|| "the certificate digest is not 32 bytes of hex".into())
    }
}

/// Checks that `cert` is the one `x5t` (the token's `cnf["x5t#S256"]`) names.
pub(crate) fn check(x5t: &str, cert: Option<&ClientCert>) -> Result<(), Error> {
    let missing = |message: &str| Error::sender(SenderFault::CertificateMissing, message);
    let cert = cert.ok_or_else(|| {
        missing("the token is bound to a client certificate and the request presented none")
    })?;
    if cert.verified != Some(true) {
        return Err(missing(
            "the client certificate was not verified by the TLS layer",
        ));
    }
    let digest = cert.digest().map_err(|m| missing(&m))?;
    let named = Base64UrlUnpadded::decode_vec(x5t).ok();
    if named.as_deref() == Some(&digest[..]) {
        Ok(())
    } else {
        Err(Error::sender(
            SenderFault::CertificateBinding,
            "the token's cnf[\"x5t#S256\"] does not name the client certificate",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nAQIDBA==\n-----END CERTIFICATE-----";

    fn x5t(der: &[u8]) -> String {
        Base64UrlUnpadded::encode_string(&Sha256::digest(der))
    }

    #[test]
    fn a_verified_certificate_with_the_named_digest_passes() {
        let cert = ClientCert {
            pem: Some(PEM.into()),
            verified: Some(true),
            ..ClientCert::default()
        };
        check(&x5t(&[1, 2, 3, 4]), Some(&cert)).unwrap();
        let hex: Vec<String> = Sha256::digest([1, 2, 3, 4])
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let by_digest = ClientCert {
            sha256: Some(hex.join(":")),
            verified: Some(true),
            ..ClientCert::default()
        };
        check(&x5t(&[1, 2, 3, 4]), Some(&by_digest)).unwrap();
    }

    #[test]
    fn any_other_certificate_fails_closed() {
        let code = |cert: Option<&ClientCert>| check(&x5t(&[1, 2, 3, 4]), cert).unwrap_err().code();
        let cert = |pem: &str, verified| ClientCert {
            pem: Some(pem.into()),
            verified: Some(verified),
            ..ClientCert::default()
        };
        assert_eq!(code(None), "ERR_MTLS_CERT_MISSING");
        assert_eq!(code(Some(&cert(PEM, false))), "ERR_MTLS_CERT_MISSING");
        let other = "-----BEGIN CERTIFICATE-----\nAQIDBQ==\n-----END CERTIFICATE-----";
        assert_eq!(code(Some(&cert(other, true))), "ERR_MTLS_BINDING_MISMATCH");
        let key = "-----BEGIN PUBLIC KEY-----\nAQIDBA==\n-----END PUBLIC KEY-----";
        assert_eq!(code(Some(&cert(key, true))), "ERR_MTLS_CERT_MISSING");
        let short = ClientCert {
            sha256: Some("abcd".into()),
            verified: Some(true),
            ..ClientCert::default()
        };
        assert_eq!(code(Some(&short)), "ERR_MTLS_CERT_MISSING");
        let cloudflare: Option<ClientCert> = CloudflareTls {
            presented: "1".into(),
            verified: "FAILED:self signed certificate".into(),
            sha256: "00".repeat(32),
        }
        .into();
        assert_eq!(code(cloudflare.as_ref()), "ERR_MTLS_CERT_MISSING");
    }
}
