//! The one error type of the crate, with stable codes.
//!
//! Codes are the ones `jose` uses for the same failure, so error handling written for `jose`
//! keeps working; codes that `jose` has no equivalent for start with `ERR_JWTGATE_`.

use core::fmt;

use serde::Serialize;

pub use crate::segment::Location;

/// Why a claim check failed; the `reason` of `jose`'s `JWTClaimValidationFailed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ClaimReason {
    /// The claim (or header) is present but has the wrong value.
    CheckFailed,
    /// The claim is required but absent.
    Missing,
    /// The claim has the wrong JSON type.
    Invalid,
}

impl ClaimReason {
    /// The reason as `jose` spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckFailed => "check_failed",
            Self::Missing => "missing",
            Self::Invalid => "invalid",
        }
    }
}

/// Which proof of possession failed, for [`Error::Sender`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SenderFault {
    /// The DPoP proof is missing, malformed, or fails a check (RFC 9449 §4.3).
    ProofInvalid,
    /// The server requires a nonce and the proof lacks the current one (§8).
    NonceRequired,
    /// The proof's `jti` was used before, within its window (§11.1).
    Replayed,
    /// The token's `cnf.jkt` does not name the proof's key, a DPoP-bound token came as
    /// `Bearer`, or a `DPoP` token has no `cnf.jkt`.
    DpopBinding,
    /// No client certificate, or one the platform did not verify (RFC 8705 §3).
    CertificateMissing,
    /// The token's `cnf["x5t#S256"]` does not name the client certificate.
    CertificateBinding,
    /// The configuration requires sender-constrained tokens and this one is a plain bearer.
    Required,
}

impl SenderFault {
    /// Every fault.
    pub const ALL: [SenderFault; 7] = [
        Self::ProofInvalid,
        Self::NonceRequired,
        Self::Replayed,
        Self::DpopBinding,
        Self::CertificateMissing,
        Self::CertificateBinding,
        Self::Required,
    ];

    /// The stable code, e.g. `ERR_DPOP_REPLAYED`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::ProofInvalid => "ERR_DPOP_PROOF_INVALID",
            Self::NonceRequired => "ERR_DPOP_NONCE_REQUIRED",
            Self::Replayed => "ERR_DPOP_REPLAYED",
            Self::DpopBinding => "ERR_DPOP_BINDING_MISMATCH",
            Self::CertificateMissing => "ERR_MTLS_CERT_MISSING",
            Self::CertificateBinding => "ERR_MTLS_BINDING_MISMATCH",
            Self::Required => "ERR_SENDER_CONSTRAINT_REQUIRED",
        }
    }

    /// The OAuth error of the `WWW-Authenticate` challenge (RFC 9449 §7.1, RFC 6750 §3.1).
    #[must_use]
    pub fn oauth_error(self) -> &'static str {
        match self {
            Self::ProofInvalid | Self::Replayed => "invalid_dpop_proof",
            Self::NonceRequired => "use_dpop_nonce",
            _ => "invalid_token",
        }
    }
}

/// Everything that can go wrong while building keys or verifiers, or while verifying a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The token is not a well-formed compact JWS (structure, base64url, header JSON, `crit`).
    JwsInvalid(String),
    /// The JWS is fine but its payload is not a usable JWT claims set.
    JwtInvalid(String),
    /// The token is malformed at a known place: its structure, a segment's encoding, or the
    /// JSON in the header or (`claims`) the claims set.
    Malformed {
        /// The claims set is at fault (`ERR_JWT_INVALID`), not the JWS (`ERR_JWS_INVALID`).
        claims: bool,
        /// What is wrong, in words.
        message: String,
        /// Where (boxed: errors are moved along every fallible path, and most have no place).
        at: Box<Location>,
    },
    /// The signature does not verify with any candidate key.
    SignatureVerificationFailed,
    /// The token's `alg` is not allowed by the verifier (always the case for `none`).
    AlgNotAllowed(String),
    /// Something the token asks for is not implemented (unknown algorithm, `crit` extension).
    NotSupported(String),
    /// `exp` has passed, or the token is older than `maxTokenAge`.
    Expired {
        /// `exp`, or `iat` for `maxTokenAge`.
        claim: &'static str,
        /// What failed, in words.
        message: String,
    },
    /// A claim (or the `typ` header) failed validation.
    ClaimValidationFailed {
        /// The claim's name.
        claim: String,
        /// Why it failed.
        reason: ClaimReason,
        /// What failed, in words.
        message: String,
    },
    /// No key in the key set fits the token's `kid` and `alg`.
    NoMatchingKey {
        /// The token's `kid`, when it is a string: the key a refreshed set may hold.
        kid: Option<String>,
        /// What was looked for, in words.
        message: String,
    },
    /// A JSON Web Key Set could not be used at all.
    JwksInvalid(String),
    /// A single key (JWK, PEM or secret) could not be used.
    KeyInvalid(String),
    /// A policy document is invalid.
    PolicyInvalid {
        /// The JSON path of the fault, e.g. `$.rules[2].when[0].regex`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A policy document is not JSON (or too large to read): no path, but a place in the text.
    PolicyUnreadable {
        /// What is wrong.
        message: String,
        /// Where, when the JSON parser said (line and column, from 1).
        at: Box<Location>,
    },
    /// An API Gateway event is not one of the authorizer event shapes.
    EventInvalid(String),
    /// The request carries no usable token (no header, another scheme, several headers).
    TokenMissing(String),
    /// A sender-constrained token's proof of possession failed (RFC 9449, RFC 8705).
    Sender {
        /// Which check failed.
        fault: SenderFault,
        /// What failed, in words.
        message: String,
    },
    /// The policy's `context` cannot be built for these claims, or read back from an event:
    /// a value of another type, or over budget.
    ContextInvalid {
        /// The context entry's name.
        name: String,
        /// What is wrong (never the claim's value).
        message: String,
    },
    /// A verifier option is wrong; the message names the field.
    InvalidOptions {
        /// The option's name, as in JavaScript.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// Every code of the variants but [`Error::Sender`]'s ([`SenderFault::code`]), in the order
    /// of [`Error::code`]: for the TypeScript declarations (a test ties the two together).
    pub const CODES: [&'static str; 15] = [
        "ERR_JWS_INVALID",
        "ERR_JWT_INVALID",
        "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
        "ERR_JOSE_ALG_NOT_ALLOWED",
        "ERR_JOSE_NOT_SUPPORTED",
        "ERR_JWT_EXPIRED",
        "ERR_JWT_CLAIM_VALIDATION_FAILED",
        "ERR_JWKS_NO_MATCHING_KEY",
        "ERR_JWKS_INVALID",
        "ERR_JWK_INVALID",
        "ERR_JWTGATE_INVALID_OPTIONS",
        "ERR_POLICY_INVALID",
        "ERR_APIGW_EVENT_INVALID",
        "ERR_JWTGATE_TOKEN_MISSING",
        "ERR_JWTGATE_CONTEXT_INVALID",
    ];

    /// The stable code, e.g. `ERR_JWT_EXPIRED`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::JwsInvalid(_) | Self::Malformed { claims: false, .. } => "ERR_JWS_INVALID",
            Self::JwtInvalid(_) | Self::Malformed { claims: true, .. } => "ERR_JWT_INVALID",
            Self::SignatureVerificationFailed => "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            Self::AlgNotAllowed(_) => "ERR_JOSE_ALG_NOT_ALLOWED",
            Self::NotSupported(_) => "ERR_JOSE_NOT_SUPPORTED",
            Self::Expired { .. } => "ERR_JWT_EXPIRED",
            Self::ClaimValidationFailed { .. } => "ERR_JWT_CLAIM_VALIDATION_FAILED",
            Self::NoMatchingKey { .. } => "ERR_JWKS_NO_MATCHING_KEY",
            Self::JwksInvalid(_) => "ERR_JWKS_INVALID",
            Self::KeyInvalid(_) => "ERR_JWK_INVALID",
            Self::InvalidOptions { .. } => "ERR_JWTGATE_INVALID_OPTIONS",
            Self::PolicyInvalid { .. } | Self::PolicyUnreadable { .. } => "ERR_POLICY_INVALID",
            Self::EventInvalid(_) => "ERR_APIGW_EVENT_INVALID",
            Self::TokenMissing(_) => "ERR_JWTGATE_TOKEN_MISSING",
            Self::Sender { fault, .. } => fault.code(),
            Self::ContextInvalid { .. } => "ERR_JWTGATE_CONTEXT_INVALID",
        }
    }

    /// The claim a claim-validation or expiry error is about.
    #[must_use]
    pub fn claim(&self) -> Option<&str> {
        match self {
            Self::Expired { claim, .. } => Some(claim),
            Self::ClaimValidationFailed { claim, .. } => Some(claim),
            _ => None,
        }
    }

    /// Why a claim failed (`check_failed`, `missing`, `invalid`).
    #[must_use]
    pub fn reason(&self) -> Option<ClaimReason> {
        match self {
            Self::Expired { .. } => Some(ClaimReason::CheckFailed),
            Self::ClaimValidationFailed { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// The option an `InvalidOptions` error is about, the JSON path of a policy fault, or the
    /// context entry a context fault is about.
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidOptions { field, .. } => Some(field),
            Self::PolicyInvalid { path, .. } => Some(path),
            Self::PolicyUnreadable { .. } => Some("$"),
            Self::ContextInvalid { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Where in the token a malformed token is at fault.
    #[must_use]
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Malformed { at, .. } | Self::PolicyUnreadable { at, .. } => Some(at),
            _ => None,
        }
    }

    pub(crate) fn claim_failed(claim: &str, reason: ClaimReason, message: String) -> Self {
        Self::ClaimValidationFailed {
            claim: claim.to_owned(),
            reason,
            message,
        }
    }

    pub(crate) fn sender(fault: SenderFault, message: impl Into<String>) -> Self {
        Self::Sender {
            fault,
            message: message.into(),
        }
    }

    pub(crate) fn option(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidOptions {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::JwsInvalid(m)
            | Self::JwtInvalid(m)
            | Self::AlgNotAllowed(m)
            | Self::NotSupported(m)
            | Self::NoMatchingKey { message: m, .. }
            | Self::JwksInvalid(m)
            | Self::KeyInvalid(m)
            | Self::EventInvalid(m)
            | Self::TokenMissing(m)
            | Self::Malformed { message: m, .. }
            | Self::Sender { message: m, .. } => f.write_str(m),
            Self::SignatureVerificationFailed => f.write_str("signature verification failed"),
            Self::Expired { message, .. } | Self::ClaimValidationFailed { message, .. } => {
                f.write_str(message)
            }
            Self::InvalidOptions { field, message } => write!(f, "option `{field}`: {message}"),
            Self::PolicyInvalid { path, message } => write!(f, "policy {path}: {message}"),
            Self::PolicyUnreadable { message, .. } => write!(f, "policy $: {message}"),
            Self::ContextInvalid { name, message } => write!(f, "context `{name}`: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// An error as data: its code, message and every detail it has. The one form in which errors
/// leave the core (outcomes, the bindings), so that no consumer sees fewer fields than another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct ErrorData {
    /// The stable code.
    #[cfg_attr(test, ts(type = "CoreErrorCode"))]
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The claim, for claim errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Why the claim failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<ClaimReason>,
    /// The option, the JSON path of a policy fault, or the context entry at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The segment of a malformed token at fault, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<u8>,
    /// The offending character's offset in that segment, from 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// How many dots the token has, when that is what is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dots: Option<usize>,
    /// The line of a JSON fault in the decoded segment, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Its column, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl From<&Error> for ErrorData {
    fn from(err: &Error) -> Self {
        let at = err.location().copied().unwrap_or_default();
        Self {
            code: err.code(),
            message: err.to_string(),
            claim: err.claim().map(str::to_owned),
            reason: err.reason(),
            field: err.field().map(str::to_owned),
            segment: at.segment,
            offset: at.offset,
            dots: at.dots,
            line: at.line,
            column: at.column,
        }
    }
}

/// At most `chars` characters of an attacker-chosen string, for echoing in error messages.
pub(crate) fn truncated(text: &str, chars: usize) -> &str {
    let end = text
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of each variant. The `match` has no wildcard: a new variant does not compile
    /// until it is handled here, and so listed in [`Error::CODES`] by the assertion below.
    fn one_of_each() -> Vec<Error> {
        let text = String::new;
        let all = vec![
            Error::JwsInvalid(text()),
            Error::JwtInvalid(text()),
            Error::Malformed {
                claims: false,
                message: text(),
                at: Box::default(),
            },
            Error::Malformed {
                claims: true,
                message: text(),
                at: Box::default(),
            },
            Error::SignatureVerificationFailed,
            Error::AlgNotAllowed(text()),
            Error::NotSupported(text()),
            Error::Expired {
                claim: "exp",
                message: text(),
            },
            Error::claim_failed("iss", ClaimReason::CheckFailed, text()),
            Error::NoMatchingKey {
                kid: None,
                message: text(),
            },
            Error::JwksInvalid(text()),
            Error::KeyInvalid(text()),
            Error::PolicyInvalid {
                path: text(),
                message: text(),
            },
            Error::PolicyUnreadable {
                message: text(),
                at: Box::default(),
            },
            Error::EventInvalid(text()),
            Error::TokenMissing(text()),
            Error::ContextInvalid {
                name: text(),
                message: text(),
            },
            Error::option("x", ""),
        ];
        for err in &all {
            match err {
                Error::JwsInvalid(_)
                | Error::JwtInvalid(_)
                | Error::Malformed { .. }
                | Error::SignatureVerificationFailed
                | Error::AlgNotAllowed(_)
                | Error::NotSupported(_)
                | Error::Expired { .. }
                | Error::ClaimValidationFailed { .. }
                | Error::NoMatchingKey { .. }
                | Error::JwksInvalid(_)
                | Error::KeyInvalid(_)
                | Error::PolicyInvalid { .. }
                | Error::PolicyUnreadable { .. }
                | Error::EventInvalid(_)
                | Error::TokenMissing(_)
                | Error::ContextInvalid { .. }
                | Error::InvalidOptions { .. }
                | Error::Sender { .. } => {}
            }
        }
        all
    }

    #[test]
    fn the_code_list_is_every_variants_code() {
        let mut codes: Vec<&str> = one_of_each().iter().map(Error::code).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut listed = Error::CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(codes, listed);
        let sender: Vec<&str> = SenderFault::ALL.iter().map(|f| f.code()).collect();
        assert!(sender
            .iter()
            .all(|code| code.starts_with("ERR_") && !listed.contains(code)));
    }
}
