//! DPoP proofs (RFC 9449 §4.3): a JWT the client signs for each request with a key it holds,
//! whose public half travels in the proof's own header. That key is used here, to check this
//! one proof, and nowhere else: it never joins a key set, and a token is never verified with it.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::htu;
use crate::{
    alg::{Alg, KeyKind},
    error::{Error, SenderFault},
    jwk,
    keyset::KeySet,
    options::VerifyOptions,
    segment::{self, Part},
    verifier::Verifier,
};

/// Proofs longer than this are refused unread: a proof is a header with one public key and a
/// handful of short claims.
pub const MAX_PROOF_BYTES: usize = 8 * 1024;
/// The longest accepted `jti`.
const MAX_JTI_BYTES: usize = 256;
/// Secrets for nonces must be at least this long (as for HS256 keys).
const MIN_NONCE_SECRET_BYTES: usize = 32;

/// DPoP settings (the authorizer option `dpop`).
///
/// ```
/// let options: jwtgate::sender::DpopOptions =
///     serde_json::from_str(r#"{ "algorithms": ["ES256", "EdDSA"], "iatWindow": 30 }"#)?;
/// assert_eq!(options.iat_window, Some(30));
/// # Ok::<_, serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct DpopOptions {
    /// The proof algorithms accepted (default: every supported asymmetric one).
    pub algorithms: Option<Vec<String>>,
    /// How far a proof's `iat` may lie from now, in seconds, either way (default 60).
    pub iat_window: Option<u32>,
    /// With a secret (at least 32 bytes), proofs must carry a server nonce (RFC 9449 §8),
    /// derived from the secret and the time, so that every instance knows it without sharing
    /// state.
    pub nonce_secret: Option<String>,
    /// How long a nonce stays current, in seconds (default 300); the previous one is accepted too.
    pub nonce_period: Option<u32>,
    /// The URI the client calls up to the route's path (`https://api.example.com/v1`), where
    /// the request cannot tell (behind a CDN that rewrites the host, for one).
    pub htu_base: Option<String>,
}

/// A replay-detection entry for a checked proof: the caller stores `key` for `ttl_ms` and
/// refuses the request when it is there already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Replay {
    /// A digest of the proof key's thumbprint and the `jti`: one client cannot use up
    /// another's `jti`s.
    pub key: String,
    /// Until the proof's `iat` is out of the window everywhere, allowing for clocks that
    /// differ by up to a window.
    #[cfg_attr(test, ts(type = "number"))]
    pub ttl_ms: u64,
}

/// What a valid proof established.
#[derive(Debug, Clone)]
pub(crate) struct Proof {
    /// The RFC 7638 thumbprint of the proof's key.
    pub thumbprint: String,
    pub replay: Replay,
}

/// The request a proof must be for.
pub(crate) struct ProofTarget<'a> {
    pub method: &'a str,
    pub uri: &'a str,
}

/// Checks DPoP proofs under fixed settings.
#[derive(Debug)]
pub(crate) struct Dpop {
    verifier: Verifier,
    algorithms: Vec<Alg>,
    window: u32,
    nonces: Option<Nonces>,
    pub(crate) htu_base: Option<String>,
}

impl Dpop {
    pub(crate) fn new(options: DpopOptions) -> Result<Self, Error> {
        let algorithms = proof_algorithms(options.algorithms.as_deref())?;
        let window = options.iat_window.unwrap_or(60);
        let verifier = Verifier::new(VerifyOptions {
            algorithms: Some(algorithms.iter().map(|a| a.name().to_owned()).collect()),
            typ: Some("dpop+jwt".into()),
            required_claims: ["jti", "htm", "htu", "iat"].map(str::to_owned).to_vec(),
            require_expiration: Some(false),
            clock_tolerance: Some(f64::from(window)),
            max_token_age: Some(0.0),
            max_token_length: Some(MAX_PROOF_BYTES),
            ..VerifyOptions::default()
        })?;
        let nonces = options
            .nonce_secret
            .map(|secret| Nonces::new(&secret, options.nonce_period.unwrap_or(300)))
            .transpose()?;
        if let Some(base) = &options.htu_base {
            htu::normalize(base).map_err(|m| Error::option("dpop.htuBase", m))?;
        }
        Ok(Self {
            verifier,
            algorithms,
            window,
            nonces,
            htu_base: options.htu_base,
        })
    }

    /// The accepted algorithms, space-separated, for the `algs` of a challenge.
    pub(crate) fn algs(&self) -> String {
        let names: Vec<&str> = self.algorithms.iter().map(|a| a.name()).collect();
        names.join(" ")
    }

    /// The nonce to hand out now, when nonces are required.
    pub(crate) fn nonce(&self, now: i64) -> Option<String> {
        self.nonces.as_ref().map(|n| n.at(now, 0))
    }

    /// Checks `proof` for a request to `target` carrying `token`, at `now`.
    pub(crate) fn check(
        &self,
        proof: &str,
        target: &ProofTarget<'_>,
        token: &str,
        now: i64,
    ) -> Result<Proof, Error> {
        let invalid = |message: String| Error::sender(SenderFault::ProofInvalid, message);
        let (keys, thumbprint) = self
            .proof_key(proof)
            .map_err(|m| invalid(format!("DPoP proof: {m}")))?;
        let verified = self
            .verifier
            .verify_with(
                &keys,
                proof,
                now,
                &mut |alg, candidates, input, signature| {
                    candidates
                        .iter()
                        .any(|(_, key)| key.verify_once(alg, input, signature))
                },
            )
            .map_err(|err| invalid(format!("DPoP proof: {err}")))?;
        let claims = verified.payload();
        let text = |name: &str| match claims.get(name) {
            Some(Value::String(text)) => Ok(text.as_str()),
            _ => Err(invalid(format!("DPoP proof: \"{name}\" is not a string"))),
        };
        if text("htm")? != target.method {
            return Err(invalid(
                "DPoP proof: \"htm\" is not the request's method".into(),
            ));
        }
        let request_uri = htu::normalize(target.uri)
            .map_err(|m| invalid(format!("the request URI cannot be compared: {m}")))?;
        let proof_uri = htu::normalize(text("htu")?)
            .map_err(|m| invalid(format!("DPoP proof: \"htu\": {m}")))?;
        if proof_uri != request_uri {
            return Err(invalid(
                "DPoP proof: \"htu\" is not the request's URI".into(),
            ));
        }
        if claims.get("ath").and_then(Value::as_str) != Some(&*digest(token.as_bytes())) {
            return Err(invalid(
                "DPoP proof: \"ath\" is not the access token's hash".into(),
            ));
        }
        self.check_nonce(&claims, now)?;
        let jti = text("jti")?;
        if jti.is_empty() || jti.len() > MAX_JTI_BYTES {
            return Err(invalid(format!(
                "DPoP proof: \"jti\" must be 1 to {MAX_JTI_BYTES} bytes"
            )));
        }
        let replay = self.replay(&thumbprint, jti, &claims, now);
        Ok(Proof { thumbprint, replay })
    }

    /// The proof's own key, from its header, as a key set of one, and its thumbprint.
    fn proof_key(&self, proof: &str) -> Result<(KeySet, String), String> {
        if proof.len() > MAX_PROOF_BYTES {
            return Err(format!(
                "{} bytes; at most {MAX_PROOF_BYTES} are accepted",
                proof.len()
            ));
        }
        let header_b64 = proof.split('.').next().unwrap_or_default();
        let (mut header, _) =
            segment::decode_object(header_b64, Part::Header).map_err(|m| m.jws().to_string())?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(Alg::from_name)
            .filter(|alg| self.algorithms.contains(alg))
            .ok_or_else(|| format!("\"alg\" must be one of {}", self.algs()))?;
        let jwk = header.remove("jwk").ok_or("no \"jwk\" header")?;
        let (key, thumbprint) = jwk::proof_key(jwk, alg).map_err(|m| format!("\"jwk\": {m}"))?;
        Ok((KeySet::single(key), thumbprint))
    }

    fn check_nonce(&self, claims: &Map<String, Value>, now: i64) -> Result<(), Error> {
        let Some(nonces) = &self.nonces else {
            return Ok(());
        };
        let given = claims.get("nonce").and_then(Value::as_str);
        if given.is_some_and(|nonce| nonces.accepts(nonce, now)) {
            return Ok(());
        }
        let why = if given.is_some() {
            "is not current"
        } else {
            "is missing"
        };
        Err(Error::sender(
            SenderFault::NonceRequired,
            format!("DPoP proof: the server's \"nonce\" {why}"),
        ))
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to the window
    fn replay(&self, thumbprint: &str, jti: &str, claims: &Map<String, Value>, now: i64) -> Replay {
        let iat = claims
            .get("iat")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let window = f64::from(self.window);
        #[allow(clippy::cast_precision_loss)] // seconds since the epoch fit a double
        let seconds = (iat + 2.0 * window - now as f64)
            .ceil()
            .clamp(1.0, 3.0 * window + 1.0);
        Replay {
            key: digest(format!("{thumbprint} {jti}").as_bytes()),
            ttl_ms: seconds as u64 * 1000,
        }
    }
}

/// The algorithms proofs may use: asymmetric ones, as configured or all.
fn proof_algorithms(names: Option<&[String]>) -> Result<Vec<Alg>, Error> {
    let asymmetric = |alg: &Alg| !matches!(alg.key_kind(), KeyKind::Secret { .. });
    let Some(names) = names else {
        return Ok(Alg::ALL.into_iter().filter(asymmetric).collect());
    };
    if names.is_empty() {
        return Err(Error::option(
            "dpop.algorithms",
            "must name at least one algorithm",
        ));
    }
    names
        .iter()
        .map(|name| match Alg::from_name(name) {
            Some(alg) if asymmetric(&alg) => Ok(alg),
            Some(_) => Err(Error::option(
                "dpop.algorithms",
                format!("{name} is symmetric: a proof is signed with the client's private key"),
            )),
            None => Err(Error::option(
                "dpop.algorithms",
                format!("unsupported algorithm {name:?}"),
            )),
        })
        .collect()
}

/// base64url(SHA-256(bytes)), as `ath` and thumbprints are written.
fn digest(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(&Sha256::digest(bytes))
}

/// Server nonces derived from a secret and the time: the same on every instance.
#[derive(Debug)]
struct Nonces {
    key: Hmac<Sha256>,
    period: i64,
}

impl Nonces {
    fn new(secret: &str, period: u32) -> Result<Self, Error> {
        if secret.len() < MIN_NONCE_SECRET_BYTES {
            return Err(Error::option(
                "dpop.nonceSecret",
                format!("must be at least {MIN_NONCE_SECRET_BYTES} bytes"),
            ));
        }
        if period == 0 {
            return Err(Error::option("dpop.noncePeriod", "must be positive"));
        }
        let key = Hmac::new_from_slice(secret.as_bytes())
            .map_err(|_| Error::option("dpop.nonceSecret", "unusable"))?;
        Ok(Self {
            key,
            period: i64::from(period),
        })
    }

    /// The nonce of the period `back` periods before the one holding `now`.
    fn at(&self, now: i64, back: i64) -> String {
        let index = now.div_euclid(self.period) - back;
        let mut mac = self.key.clone();
        mac.update(format!("jwtgate DPoP nonce {index}").as_bytes());
        Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes())
    }

    fn accepts(&self, nonce: &str, now: i64) -> bool {
        (0..2).any(|back| self.at(now, back) == nonce)
    }
}
