//! Decoding without verification, for inspection, with security warnings.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{
    alg::{is_none_alg, Alg, AlgInfo, KeyKind},
    error::{Error, Result},
    json::MAX_DOCUMENT_BYTES,
    segment::{self, Malformed, Part},
};

/// Lifetimes (`exp - iat`) longer than this draw a warning.
pub const LONG_LIFETIME_SECS: f64 = 24.0 * 3600.0;

/// A decoded, **unverified** token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Decoded {
    /// The protected header.
    #[cfg_attr(test, ts(type = "JWTHeader"))]
    pub header: Map<String, Value>,
    /// The claims set.
    #[cfg_attr(test, ts(type = "JWTPayload"))]
    pub payload: Map<String, Value>,
    /// The signature segment, still base64url.
    pub signature: String,
    /// The signature's length in bytes.
    pub signature_bytes: usize,
    /// The header's `alg`, described (its family, and the length of its signatures where that
    /// is fixed), when jwtgate supports it.
    pub algorithm: Option<AlgInfo>,
    /// What looks wrong or risky.
    pub warnings: Vec<Warning>,
}

/// How much a warning matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Severity {
    /// A verifier must reject this, or trusting it would be a vulnerability.
    High,
    /// Risky or likely a mistake.
    Medium,
    /// Worth knowing.
    Low,
}

/// One finding about a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Warning {
    /// A stable code such as `ALG_NONE`.
    pub code: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// What it means, in words.
    pub message: String,
}

/// Decodes a token without verifying it. `now` (seconds since the epoch) enables the
/// time-based warnings.
///
/// ```
/// let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
/// let decoded = jwtgate::decode(token, None)?;
/// assert_eq!(decoded.payload["sub"], "alice");
/// let codes: Vec<_> = decoded.warnings.iter().map(|w| w.code).collect();
/// assert!(codes.contains(&"ALG_NONE") && codes.contains(&"NO_EXP"));
/// # Ok::<_, jwtgate::Error>(())
/// ```
///
/// # Errors
/// `ERR_JWS_INVALID` (structure, base64url, header) or `ERR_JWT_INVALID` (payload), saying
/// which segment and which byte.
pub fn decode(token: &str, now: Option<i64>) -> Result<Decoded> {
    if token.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::JwsInvalid(format!(
            "the token is {} bytes; too large to inspect",
            token.len()
        )));
    }
    let [header_b64, payload_b64, signature_b64] =
        segment::split(token.trim()).map_err(Malformed::jws)?;
    let (header, _) = segment::decode_object(header_b64, Part::Header).map_err(Malformed::jws)?;
    let (payload, _) =
        segment::decode_object(payload_b64, Part::Payload).map_err(Malformed::jwt)?;
    let signature_bytes = segment::decode(signature_b64, Part::Signature)
        .map_err(Malformed::jws)?
        .len();
    let mut warnings = Vec::new();
    header_warnings(&header, signature_bytes, &mut warnings);
    claim_warnings(&payload, now, &mut warnings);
    let algorithm = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Alg::from_name)
        .map(Alg::describe);
    Ok(Decoded {
        header,
        payload,
        signature: signature_b64.to_owned(),
        signature_bytes,
        algorithm,
        warnings,
    })
}

fn warn(
    out: &mut Vec<Warning>,
    code: &'static str,
    severity: Severity,
    message: impl Into<String>,
) {
    out.push(Warning {
        code,
        severity,
        message: message.into(),
    });
}

fn header_warnings(header: &Map<String, Value>, signature_bytes: usize, out: &mut Vec<Warning>) {
    match header.get("alg") {
        Some(Value::String(alg)) if is_none_alg(alg) => warn(
            out,
            "ALG_NONE",
            Severity::High,
            "\"alg\" is \"none\": the token is unsigned; jwtgate never accepts it",
        ),
        Some(Value::String(alg)) => match Alg::from_name(alg) {
            None => warn(
                out,
                "ALG_UNSUPPORTED",
                Severity::Medium,
                format!("\"alg\" {alg:?} is not supported"),
            ),
            Some(alg) => {
                if matches!(alg.key_kind(), KeyKind::Secret { .. }) {
                    warn(out, "ALG_SYMMETRIC", Severity::Low,
                        format!("{alg} uses a shared secret: anyone able to verify can also mint tokens"));
                }
                if signature_bytes == 0 {
                    warn(
                        out,
                        "SIGNATURE_EMPTY",
                        Severity::High,
                        "the signature segment is empty",
                    );
                }
            }
        },
        _ => warn(
            out,
            "ALG_MISSING",
            Severity::High,
            "the header has no string \"alg\"",
        ),
    }
    for (name, what) in [
        ("jwk", "an embedded public key"),
        ("x5c", "an embedded certificate chain"),
    ] {
        if header.contains_key(name) {
            warn(out, "KEY_IN_HEADER", Severity::High, format!(
                "\"{name}\" carries {what}; trusting it would let anyone sign tokens, so jwtgate ignores it"));
        }
    }
    for name in ["jku", "x5u"] {
        if header.contains_key(name) {
            warn(
                out,
                "KEY_URL_IN_HEADER",
                Severity::Medium,
                format!("\"{name}\" points at keys chosen by the token; jwtgate never fetches it"),
            );
        }
    }
    if header.contains_key("crit") {
        warn(
            out,
            "CRIT",
            Severity::Medium,
            "\"crit\" lists extensions the verifier must understand; all but \"b64\" are rejected",
        );
    }
    if header.get("b64") == Some(&Value::Bool(false)) {
        warn(
            out,
            "UNENCODED_PAYLOAD",
            Severity::High,
            "\"b64\": false (RFC 7797) is not allowed in JWTs",
        );
    }
    if header
        .get("cty")
        .and_then(Value::as_str)
        .is_some_and(|c| c.eq_ignore_ascii_case("jwt"))
    {
        warn(
            out,
            "NESTED_JWT",
            Severity::Medium,
            "\"cty\": \"JWT\" marks a nested token; it is not followed",
        );
    }
}

fn claim_warnings(payload: &Map<String, Value>, now: Option<i64>, out: &mut Vec<Warning>) {
    let mut date = |claim: &str| match payload.get(claim) {
        None => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => {
            warn(
                out,
                "CLAIM_TYPE",
                Severity::High,
                format!("\"{claim}\" must be a NumericDate (a number)"),
            );
            None
        }
    };
    let (exp, nbf, iat) = (date("exp"), date("nbf"), date("iat"));
    for claim in ["iss", "sub"] {
        if payload.get(claim).is_some_and(|v| !v.is_string()) {
            warn(
                out,
                "CLAIM_TYPE",
                Severity::High,
                format!("\"{claim}\" must be a string"),
            );
        }
    }
    match payload.get("aud") {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(_) => warn(
            out,
            "CLAIM_TYPE",
            Severity::High,
            "\"aud\" must be a string or an array of strings",
        ),
    }
    if !payload.contains_key("exp") {
        warn(
            out,
            "NO_EXP",
            Severity::High,
            "no \"exp\": the token never expires; jwtgate rejects it by default",
        );
    }
    if let (Some(exp), Some(iat)) = (exp, iat) {
        if exp - iat > LONG_LIFETIME_SECS {
            warn(out, "LONG_LIFETIME", Severity::Medium, {
                // Tenths of hours by integer arithmetic: `{:.1}` on a float would bring
                // core's exact float formatting into the wasm for this one message.
                #[allow(clippy::cast_possible_truncation)]
                let tenths = ((exp - iat) / 360.0).round() as i64;
                format!(
                        "lifetime of {}.{} h (exp - iat); access tokens usually live minutes to an hour",
                        tenths / 10,
                        tenths % 10
                    )
            });
        }
    }
    for claim in ["iss", "aud"] {
        if !payload.contains_key(claim) {
            warn(
                out,
                "NO_ISS_OR_AUD",
                Severity::Low,
                format!(
                    "no \"{claim}\": verifiers cannot check who it is {}",
                    if claim == "iss" { "from" } else { "for" }
                ),
            );
        }
    }
    let Some(now) = now else { return };
    #[allow(clippy::cast_precision_loss)]
    let now = now as f64;
    if exp.is_some_and(|exp| exp <= now) {
        warn(out, "EXPIRED", Severity::High, "the token has expired");
    }
    if nbf.is_some_and(|nbf| nbf > now) {
        warn(
            out,
            "NOT_YET_VALID",
            Severity::Medium,
            "\"nbf\" is in the future",
        );
    }
    if iat.is_some_and(|iat| iat > now) {
        warn(
            out,
            "IAT_IN_FUTURE",
            Severity::Medium,
            "\"iat\" is in the future",
        );
    }
}
