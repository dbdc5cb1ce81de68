//! Claim validation, in the order and with the codes of `jose`'s `validateClaimsSet`, so the
//! first failure reported for a token is the one `jose` would report.

use serde_json::{Map, Value};

use crate::{
    error::{ClaimReason, Error, Result},
    options::VerifyOptions,
};

/// The claim checks of one verifier, with `now` supplied per call.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimRules {
    pub issuer: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub subject: Option<String>,
    pub client_id: Option<Vec<String>>,
    pub token_use: Option<String>,
    pub typ: Option<String>,
    /// In `jose`'s presence-check order (see [`ClaimRules::presence_order`]).
    pub required: Vec<String>,
    pub max_token_age: Option<f64>,
    pub tolerance: f64,
}

impl ClaimRules {
    /// `jose` checks presence in the reverse of `[...requiredClaims, iat, aud, sub, iss]`.
    /// `requireExpiration` counts as one more entry of `requiredClaims`.
    pub(crate) fn presence_order(options: &VerifyOptions) -> Vec<String> {
        let mut order: Vec<String> = options.required_claims.clone();
        for (wanted, claim) in [
            (options.require_expiration.unwrap_or(true), "exp"),
            (options.max_token_age.is_some(), "iat"),
            (options.audience.is_some(), "aud"),
            (options.subject.is_some(), "sub"),
            (options.issuer.is_some(), "iss"),
        ] {
            if wanted {
                order.push(claim.to_owned());
            }
        }
        order.reverse();
        let mut seen = std::collections::BTreeSet::new();
        order.retain(|claim| seen.insert(claim.clone()));
        order
    }

    pub(crate) fn check(
        &self,
        header: &Map<String, Value>,
        payload: &Map<String, Value>,
        now: i64,
    ) -> Result<()> {
        self.check_typ(header)?;
        if let Some(missing) = self
            .required
            .iter()
            .find(|c| !payload.contains_key(c.as_str()))
        {
            return Err(Error::claim_failed(
                missing,
                ClaimReason::Missing,
                format!("missing required \"{missing}\" claim"),
            ));
        }
        self.check_values(payload)?;
        // Seconds since the epoch are far below 2^52: the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let now = now as f64;
        self.check_times(payload, now)
    }

    fn check_typ(&self, header: &Map<String, Value>) -> Result<()> {
        let Some(expected) = &self.typ else {
            return Ok(());
        };
        match header.get("typ") {
            Some(Value::String(typ)) if normalize_typ(typ) == normalize_typ(expected) => Ok(()),
            _ => Err(Error::claim_failed(
                "typ",
                ClaimReason::CheckFailed,
                "unexpected \"typ\" JWT header value".into(),
            )),
        }
    }

    fn check_values(&self, payload: &Map<String, Value>) -> Result<()> {
        let text = |claim: &str| payload.get(claim).and_then(Value::as_str);
        if let Some(issuers) = &self.issuer {
            if !text("iss").is_some_and(|iss| issuers.iter().any(|i| i == iss)) {
                return Err(unexpected("iss"));
            }
        }
        if let Some(subject) = &self.subject {
            if text("sub") != Some(subject.as_str()) {
                return Err(unexpected("sub"));
            }
        }
        if let Some(audiences) = &self.audience {
            if !aud_names_one_of(payload, audiences) {
                return Err(unexpected("aud"));
            }
        }
        // After jose's checks, so the first failure reported is still jose's.
        if let Some(ids) = &self.client_id {
            let ok = text("client_id").is_some_and(|id| ids.iter().any(|i| i == id))
                || aud_names_one_of(payload, ids);
            if !ok {
                return Err(Error::claim_failed(
                    "client_id",
                    ClaimReason::CheckFailed,
                    "unexpected \"client_id\" claim value (nor an \"aud\" naming the client)"
                        .into(),
                ));
            }
        }
        if let Some(token_use) = &self.token_use {
            if text("token_use") != Some(token_use.as_str()) {
                return Err(unexpected("token_use"));
            }
        }
        Ok(())
    }

    fn check_times(&self, payload: &Map<String, Value>, now: f64) -> Result<()> {
        let tolerance = self.tolerance;
        let iat = numeric_date(payload, "iat", self.max_token_age.is_some())?;
        if let Some(nbf) = numeric_date(payload, "nbf", false)? {
            if nbf > now + tolerance {
                return Err(Error::claim_failed(
                    "nbf",
                    ClaimReason::CheckFailed,
                    format!(
                        "\"nbf\" claim timestamp check failed (valid in {} s)",
                        secs(nbf - now)
                    ),
                ));
            }
        }
        if let Some(exp) = numeric_date(payload, "exp", false)? {
            if exp <= now - tolerance {
                return Err(Error::Expired {
                    claim: "exp",
                    message: format!(
                        "\"exp\" claim timestamp check failed (expired {} s ago)",
                        secs(now - exp)
                    ),
                });
            }
        }
        if let (Some(max), Some(iat)) = (self.max_token_age, iat) {
            let age = now - iat;
            if age - tolerance > max {
                return Err(Error::Expired {
                    claim: "iat",
                    message: "\"iat\" claim timestamp check failed (too far in the past)".into(),
                });
            }
            if age < -tolerance {
                return Err(Error::claim_failed(
                    "iat",
                    ClaimReason::CheckFailed,
                    "\"iat\" claim timestamp check failed (it should be in the past)".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A `NumericDate` claim: absent, or a JSON number (else `invalid`, as in `jose`).
fn numeric_date(payload: &Map<String, Value>, claim: &str, required: bool) -> Result<Option<f64>> {
    match payload.get(claim) {
        None if !required => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        _ => Err(Error::claim_failed(
            claim,
            ClaimReason::Invalid,
            format!("\"{claim}\" claim must be a number"),
        )),
    }
}

/// Whether `aud` (a string, or an array of them) names one of `accepted`.
fn aud_names_one_of(payload: &Map<String, Value>, accepted: &[String]) -> bool {
    let named = |aud: &str| accepted.iter().any(|a| a == aud);
    match payload.get("aud") {
        Some(Value::String(aud)) => named(aud),
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(named),
        _ => false,
    }
}

fn unexpected(claim: &str) -> Error {
    Error::claim_failed(
        claim,
        ClaimReason::CheckFailed,
        format!("unexpected \"{claim}\" claim value"),
    )
}

/// `JWT` and `application/jwt` name the same media type (RFC 7515 §4.1.9).
fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    if lower.contains('/') {
        lower
    } else {
        format!("application/{lower}")
    }
}

#[allow(clippy::cast_possible_truncation)]
fn secs(value: f64) -> i64 {
    value.round() as i64
}
