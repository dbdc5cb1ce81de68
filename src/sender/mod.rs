//! Sender-constrained tokens: a token bound (by its `cnf` claim, RFC 7800) to a key the client
//! proves it holds, with a DPoP proof per request (RFC 9449) or its TLS client certificate
//! (RFC 8705). A bound token without that proof is refused, whatever the configuration says.

mod dpop;
mod htu;
mod mtls;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::dpop::{Dpop, ProofTarget};
pub use self::{
    dpop::{DpopOptions, Replay, MAX_PROOF_BYTES},
    mtls::{ClientCert, CloudflareTls},
};
use crate::error::{Error, SenderFault};

/// How a request proved possession of its token's key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Bound {
    /// Not at all: a bearer token.
    #[default]
    Bearer,
    /// With a DPoP proof.
    Dpop,
    /// With the client certificate.
    Mtls,
    /// With both.
    #[serde(rename = "dpop+mtls")]
    Both,
}

/// A sender constraint required by a policy rule or the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Binding {
    /// A DPoP proof.
    Dpop,
    /// A certificate-bound token.
    Mtls,
    /// Either.
    Any,
}

impl Binding {
    /// Every binding, for documents that name one.
    pub const ALL: [Binding; 3] = [Binding::Dpop, Binding::Mtls, Binding::Any];

    /// Whether a request bound so meets this requirement.
    #[must_use]
    pub fn met_by(self, bound: Bound) -> bool {
        match self {
            Binding::Dpop => matches!(bound, Bound::Dpop | Bound::Both),
            Binding::Mtls => matches!(bound, Bound::Mtls | Bound::Both),
            Binding::Any => bound != Bound::Bearer,
        }
    }

    /// Its name in documents and options.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Binding::Dpop => "dpop",
            Binding::Mtls => "mtls",
            Binding::Any => "any",
        }
    }
}

/// The authorization scheme a token came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `Bearer`, or a bare token.
    Bearer,
    /// `DPoP` (RFC 9449 §7.1).
    Dpop,
}

/// What a request presents besides its token.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    /// The `DPoP` header: absent, or why it cannot be used (given twice).
    pub proof: Result<Option<String>, String>,
    /// The request's URI as the client called it, when known.
    pub uri: Option<String>,
    pub cert: Option<ClientCert>,
}

impl Default for Evidence {
    fn default() -> Self {
        Self {
            proof: Ok(None),
            uri: None,
            cert: None,
        }
    }
}

/// The request a possession check is for.
pub(crate) struct Presented<'a> {
    pub scheme: Scheme,
    pub token: &'a str,
    pub method: &'a str,
    /// The route's path, which an `htuBase` is joined with.
    pub path: &'a str,
    pub evidence: &'a Evidence,
}

/// What a possession check established.
#[derive(Debug, Clone, Default)]
pub(crate) struct Possession {
    pub bound: Bound,
    /// For a DPoP proof: what the caller must record to refuse its replay.
    pub replay: Option<Replay>,
}

/// The `WWW-Authenticate` challenge of a refusal (RFC 6750 §3, RFC 9449 §7.1), without the
/// realm, which is the deployment's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Challenge {
    /// `Bearer` or `DPoP`.
    pub scheme: &'static str,
    /// The OAuth error code; absent when the request carried no credentials at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// The accepted proof algorithms, for a `DPoP` challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algs: Option<String>,
}

/// An authorizer's sender-constraint settings.
#[derive(Debug, Default)]
pub(crate) struct Senders {
    dpop: Option<Dpop>,
    require: Option<Binding>,
}

impl Senders {
    pub(crate) fn new(dpop: Option<DpopOptions>, require: Option<Binding>) -> Result<Self, Error> {
        let dpop = dpop.map(Dpop::new).transpose()?;
        if matches!(require, Some(Binding::Dpop)) && dpop.is_none() {
            return Err(Error::option(
                "requireBinding",
                "\"dpop\" needs the `dpop` option",
            ));
        }
        Ok(Self { dpop, require })
    }

    /// Whether DPoP proofs are accepted.
    pub(crate) fn dpop_enabled(&self) -> bool {
        self.dpop.is_some()
    }

    /// The nonce to hand out now (the `DPoP-Nonce` header), when nonces are required.
    pub(crate) fn nonce(&self, now: i64) -> Option<String> {
        self.dpop.as_ref().and_then(|d| d.nonce(now))
    }

    /// Checks that the request proves possession of the key its token is bound to (`cnf`, a
    /// verified claim), and that the configuration's requirement is met.
    pub(crate) fn check(
        &self,
        cnf: Option<&Value>,
        presented: &Presented<'_>,
        now: i64,
    ) -> Result<Possession, Error> {
        let (jkt, x5t) = confirmation(cnf)?;
        let mut possession = self.check_dpop(jkt, presented, now)?;
        if let Some(x5t) = x5t {
            mtls::check(x5t, presented.evidence.cert.as_ref())?;
            possession.bound = match possession.bound {
                Bound::Bearer => Bound::Mtls,
                _ => Bound::Both,
            };
        }
        match self.require {
            Some(required) if !required.met_by(possession.bound) => Err(Error::sender(
                SenderFault::Required,
                format!(
                    "a sender-constrained token ({}) is required",
                    required.name()
                ),
            )),
            _ => Ok(possession),
        }
    }

    fn check_dpop(
        &self,
        jkt: Option<&str>,
        presented: &Presented<'_>,
        now: i64,
    ) -> Result<Possession, Error> {
        let mismatch = |message: &str| Error::sender(SenderFault::DpopBinding, message);
        let proof_invalid = |message: String| Error::sender(SenderFault::ProofInvalid, message);
        match (presented.scheme, jkt, &self.dpop) {
            (Scheme::Bearer, None, _) => Ok(Possession::default()),
            (Scheme::Bearer, Some(_), _) => Err(mismatch(
                "a DPoP-bound token (cnf.jkt) presented as a Bearer token",
            )),
            (Scheme::Dpop, _, None) => Err(Error::TokenMissing(
                "the DPoP authorization scheme is not enabled (the `dpop` option)".into(),
            )),
            (Scheme::Dpop, None, Some(_)) => Err(mismatch(
                "a token without cnf.jkt presented with the DPoP scheme",
            )),
            (Scheme::Dpop, Some(jkt), Some(dpop)) => {
                let proof = match &presented.evidence.proof {
                    Ok(Some(proof)) => proof,
                    Ok(None) => {
                        return Err(proof_invalid("no DPoP proof (the DPoP header)".into()))
                    }
                    Err(why) => return Err(proof_invalid(why.clone())),
                };
                let uri = match &dpop.htu_base {
                    Some(base) => format!("{}{}", base.trim_end_matches('/'), presented.path),
                    None => presented.evidence.uri.clone().ok_or_else(|| {
                        proof_invalid("the request's URI is unknown: set `dpop.htuBase`".into())
                    })?,
                };
                let target = ProofTarget {
                    method: presented.method,
                    uri: &uri,
                };
                let proof = dpop.check(proof, &target, presented.token, now)?;
                if proof.thumbprint != jkt {
                    return Err(mismatch(
                        "the token's cnf.jkt does not name the DPoP proof's key",
                    ));
                }
                Ok(Possession {
                    bound: Bound::Dpop,
                    replay: Some(proof.replay),
                })
            }
        }
    }

    /// The challenge of a denial by the policy (RFC 6750 §3.1's `insufficient_scope`), in the
    /// scheme the token came with.
    pub(crate) fn denial_challenge(&self, bound: Bound) -> Challenge {
        let dpop = self
            .dpop
            .as_ref()
            .filter(|_| matches!(bound, Bound::Dpop | Bound::Both));
        Challenge {
            scheme: if dpop.is_some() { "DPoP" } else { "Bearer" },
            error: Some("insufficient_scope"),
            algs: dpop.map(Dpop::algs),
        }
    }

    /// The challenge of a refusal with `err`, for a token presented with `scheme`.
    pub(crate) fn challenge(&self, err: &Error, scheme: Option<Scheme>) -> Challenge {
        let (dpop_scheme, error) = match err {
            Error::Sender { fault, .. } => (
                matches!(
                    fault,
                    SenderFault::ProofInvalid
                        | SenderFault::NonceRequired
                        | SenderFault::Replayed
                        | SenderFault::DpopBinding
                ) || (*fault == SenderFault::Required && self.require == Some(Binding::Dpop)),
                Some(fault.oauth_error()),
            ),
            // No credentials: the scheme the configuration asks for, no error code.
            Error::TokenMissing(_) => (self.require == Some(Binding::Dpop), None),
            _ => (scheme == Some(Scheme::Dpop), Some("invalid_token")),
        };
        let dpop = self.dpop.as_ref().filter(|_| dpop_scheme);
        Challenge {
            scheme: if dpop.is_some() { "DPoP" } else { "Bearer" },
            error,
            algs: dpop.map(Dpop::algs),
        }
    }
}

/// The token's `cnf` members that bind it: `jkt` (DPoP) and `x5t#S256` (mTLS). A `cnf` that
/// is not an object, or a member that is not a string, binds the token to nothing anyone can
/// prove: refused.
fn confirmation(cnf: Option<&Value>) -> Result<(Option<&str>, Option<&str>), Error> {
    let Some(cnf) = cnf else {
        return Ok((None, None));
    };
    let bad = || {
        Error::sender(
            SenderFault::DpopBinding,
            "the token's \"cnf\" claim is not an object of strings",
        )
    };
    let Value::Object(cnf) = cnf else {
        return Err(bad());
    };
    let member = |name: &str| match cnf.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.as_str())),
        Some(_) => Err(bad()),
    };
    let bound = (member("jkt")?, member("x5t#S256")?);
    if bound == (None, None) && !cnf.is_empty() {
        // Bound to a key by other means (RFC 7800's `jwk`, `kid`): a proof nobody checks here
        // would let any holder use it.
        return Err(Error::sender(
            SenderFault::DpopBinding,
            "the token's \"cnf\" names a confirmation method other than jkt and x5t#S256",
        ));
    }
    Ok(bound)
}
