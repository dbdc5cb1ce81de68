//! Verifying a compact JWS/JWT: the steps of `jose`'s `jwtVerify`, in its order, with
//! jwtgate's stricter defaults.

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{
    alg::{is_none_alg, Alg},
    claims::{ClaimRules, ClaimsView, Window},
    error::{Error, Result},
    key::Key,
    keyset::{KeySet, Kid},
    options::{VerifyOptions, DEFAULT_MAX_TOKEN_LENGTH},
    segment::{self, Malformed, Part},
};

/// Checks a signature against candidate keys (several may match when keys share a `kid` or have
/// none): `(alg, [(index in the key set, key)], signing input, signature) → verified`.
pub type SignatureCheck<'a> = &'a mut dyn FnMut(Alg, &[(usize, &Key)], &[u8], &[u8]) -> bool;

/// Header parameters jwtgate understands when they are listed in `crit`.
const UNDERSTOOD_CRIT: &[&str] = &["b64"];

/// A verified token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified {
    protected: Arc<Protected>,
    /// The claims set exactly as decoded (JSON text). Verification checked it as strictly as
    /// the header (no duplicate member names at any depth), but built only the claims it checks.
    pub payload_json: String,
    /// The algorithm that verified the signature.
    pub alg: Alg,
    /// The whole seconds in which verifying this token again would pass the time checks as
    /// well; `None` without `exp`. Only the time changes between two verifications with the
    /// same keys and options, so a cache of results may reuse this one within the window.
    pub window: Option<Window>,
    /// The claims the caller asked to keep (see `Verifier::verify_keeping`), built while verifying.
    pub(crate) kept: Map<String, Value>,
}

impl Verified {
    /// The protected header.
    #[must_use]
    pub fn header(&self) -> &Map<String, Value> {
        &self.protected.header
    }

    /// The header exactly as decoded (JSON text), for cheap hand-over to JavaScript.
    #[must_use]
    pub fn header_json(&self) -> &str {
        &self.protected.json
    }

    /// The claims set.
    #[must_use]
    pub fn payload(&self) -> Map<String, Value> {
        // Verification parsed this text strictly already: it is a JSON object.
        serde_json::from_str(&self.payload_json).unwrap_or_default()
    }
}

/// What verification learns from a protected header alone, under one verifier's options.
#[derive(Debug)]
struct Protected {
    /// The encoded segment this was learnt from.
    segment: String,
    header: Map<String, Value>,
    json: String,
    alg: Alg,
    /// `b64: false` is in force (RFC 7797), which JWTs must not use.
    unencoded: bool,
}

impl Protected {
    /// Checks a decoded header: read by jwt-compact, `crit` understood, `alg` supported and
    /// allowed.
    fn check(
        segment: &str,
        header: Map<String, Value>,
        json: String,
        verifier: &Verifier,
    ) -> Result<Self> {
        let alg_name = parse_alg(&json, &header)?;
        let unencoded = check_crit(&header)?;
        let alg = verifier.check_alg(&alg_name)?;
        Ok(Self {
            segment: segment.to_owned(),
            header,
            json,
            alg,
            unencoded,
        })
    }

    fn kid(&self) -> Kid<'_> {
        match self.header.get("kid") {
            None => Kid::Absent,
            Some(Value::String(kid)) => Kid::Name(kid),
            // Not a string (`null`, a number, …): it names no key.
            Some(_) => Kid::Other,
        }
    }
}

/// The protected headers that most recently passed a verifier's header checks (signature
/// checked or not), by their encoded segment. Tokens from one issuer and key all carry the same
/// header, so it is parsed (and read by jwt-compact) and checked once, not for every token: what is
/// learnt depends on nothing but the segment's text and the verifier's fixed options. Bounded,
/// so headers made up by an attacker only evict each other. Whether a header was seen recently
/// shows in the time a verification takes, which reveals nothing secret: headers are public.
#[derive(Debug, Default)]
struct RecentHeaders(Mutex<Vec<Arc<Protected>>>);

impl RecentHeaders {
    /// More than the headers an issuer's key rotation has live at once.
    const CAPACITY: usize = 8;
    /// Real headers are well under this; longer ones (made up, since no signature has been
    /// checked yet) are not kept, so the memory held stays small whatever `maxTokenLength` is.
    const MAX_SEGMENT: usize = 1024;

    fn get(&self, segment: &str) -> Option<Arc<Protected>> {
        let recent = self.0.lock().ok()?;
        recent.iter().find(|p| p.segment == segment).cloned()
    }

    fn insert(&self, protected: Arc<Protected>) {
        if protected.segment.len() > Self::MAX_SEGMENT {
            return;
        }
        if let Ok(mut recent) = self.0.lock() {
            // Another thread may have learnt the same header meanwhile.
            if recent.iter().any(|p| p.segment == protected.segment) {
                return;
            }
            if recent.len() == Self::CAPACITY {
                recent.remove(0);
            }
            recent.push(protected);
        }
    }
}

/// A clone starts empty: it is a cache, not state.
impl Clone for RecentHeaders {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// Verifies tokens against a [`KeySet`] under fixed options. Deterministic: the current time
/// is an argument.
///
/// ```
/// use jwtgate::{Alg, KeySet, Verifier, VerifyOptions};
/// // RFC 7515 Appendix A.1.
/// let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// let jwk = r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
/// let keys = KeySet::from_jwk_json(jwk)?;
/// let verifier = Verifier::new(VerifyOptions::from_json(r#"{"issuer":"joe"}"#)?)?;
///
/// let verified = verifier.verify(&keys, token, 1_300_819_000)?;
/// assert_eq!(verified.payload()["iss"], "joe");
///
/// let late = verifier.verify(&keys, token, 1_300_819_380).unwrap_err();
/// assert_eq!(late.code(), "ERR_JWT_EXPIRED");
/// # Ok::<_, jwtgate::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    algorithms: Option<Vec<Alg>>,
    max_token_length: usize,
    rules: ClaimRules,
    headers: RecentHeaders,
}

impl Verifier {
    /// The longest accepted token, in bytes.
    #[must_use]
    pub fn max_token_length(&self) -> usize {
        self.max_token_length
    }

    /// Checks the options and builds a verifier.
    ///
    /// # Errors
    /// `ERR_JWTGATE_INVALID_OPTIONS` naming the bad field.
    pub fn new(options: VerifyOptions) -> Result<Self> {
        let algorithms = options.allowed_algorithms()?;
        for (field, values) in [
            ("issuer", &options.issuer),
            ("audience", &options.audience),
            ("clientId", &options.client_id),
        ] {
            if values.as_ref().is_some_and(Vec::is_empty) {
                return Err(Error::option(field, "must name at least one value"));
            }
        }
        let max_token_length = options.max_token_length.unwrap_or(DEFAULT_MAX_TOKEN_LENGTH);
        if max_token_length == 0 {
            return Err(Error::option("maxTokenLength", "must be positive"));
        }
        let required = ClaimRules::presence_order(&options);
        Ok(Self {
            algorithms,
            max_token_length,
            rules: ClaimRules {
                issuer: options.issuer,
                audience: options.audience,
                subject: options.subject,
                client_id: options.client_id,
                token_use: options.token_use,
                typ: options.typ,
                required,
                max_token_age: options.max_token_age,
                tolerance: options.clock_tolerance.unwrap_or(0.0),
            },
            headers: RecentHeaders::default(),
        })
    }

    /// Verifies `token` with `keys` at `now` (seconds since the Unix epoch).
    ///
    /// # Errors
    /// The first failed check, with its `jose` code.
    pub fn verify(&self, keys: &KeySet, token: &str, now: i64) -> Result<Verified> {
        self.verify_with(
            keys,
            token,
            now,
            &mut |alg, candidates, input, signature| {
                candidates
                    .iter()
                    .any(|(_, key)| key.verify(alg, input, signature))
            },
        )
    }

    /// [`Verifier::verify`] with the signature check done by `check_signature`, which gets the
    /// algorithm, the candidate keys (with their index in `keys`), the signing input and the
    /// signature. Everything else (structure, `crit`, algorithm policy, key selection, claims)
    /// is checked here as usual. This is how runtimes with asynchronous crypto (`WebCrypto`) take
    /// over the signature: a first pass records what to check, a second pass gets the verdict.
    ///
    /// # Errors
    /// As [`Verifier::verify`]; `ERR_JWS_SIGNATURE_VERIFICATION_FAILED` when the check says no.
    pub fn verify_with(
        &self,
        keys: &KeySet,
        token: &str,
        now: i64,
        check_signature: SignatureCheck<'_>,
    ) -> Result<Verified> {
        self.verify_keeping(keys, token, now, check_signature, &[])
    }

    /// [`Verifier::verify_with`] that also builds the claims named in `keep` (sorted) as values
    /// ([`Verified::kept`]), in the pass that checks the claims set: for a caller that reads a
    /// few claims of every token (the authorizer's policy), and would otherwise parse the
    /// claims set a second time.
    pub(crate) fn verify_keeping(
        &self,
        keys: &KeySet,
        token: &str,
        now: i64,
        check_signature: SignatureCheck<'_>,
        keep: &[String],
    ) -> Result<Verified> {
        if token.len() > self.max_token_length {
            return Err(Error::JwsInvalid(format!(
                "the token is {} bytes; at most {} are accepted",
                token.len(),
                self.max_token_length
            )));
        }
        let [header_b64, payload_b64, signature_b64] =
            segment::split(token).map_err(Malformed::jws)?;
        // A header seen recently was decoded and passed every header check then. A new one is
        // decoded now, so that its errors come before the payload's, and checked after the
        // signature is decoded: the order of the errors is the same either way.
        let header = match self.headers.get(header_b64) {
            Some(protected) => Ok(protected),
            None => Err(segment::decode_object(header_b64, Part::Header).map_err(Malformed::jws)?),
        };
        // Decoded once, strictly, before the signature (a malformed segment is a malformed
        // JWS); parsed as JSON only after it.
        let payload_bytes = segment::decode(payload_b64, Part::Payload).map_err(Malformed::jws)?;
        let signature = segment::decode(signature_b64, Part::Signature).map_err(Malformed::jws)?;
        let protected = header.or_else(|(header, json)| self.learn(header_b64, header, json))?;
        let alg = protected.alg;

        // The signing input is everything before the last dot, exactly as received.
        let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
        let kid = protected.kid();
        let candidates: Vec<(usize, &Key)> = keys.candidates(alg, kid).collect();
        if candidates.is_empty() {
            return Err(Error::NoMatchingKey {
                kid: match kid {
                    Kid::Name(kid) => Some(kid.to_owned()),
                    Kid::Other | Kid::Absent => None,
                },
                message: no_key_message(alg, kid),
            });
        }
        if !check_signature(alg, &candidates, signing_input, &signature) {
            return Err(Error::SignatureVerificationFailed);
        }

        if protected.unencoded {
            return Err(Error::JwtInvalid(
                "JWTs MUST NOT use unencoded payload".into(),
            ));
        }
        let claims_error = |m: String| {
            Error::JwtInvalid(format!(
                "JWT Claims Set must be a top-level JSON object: {m}"
            ))
        };
        let payload_json =
            segment::utf8(payload_bytes, Part::Payload).map_err(|m| claims_error(m.message))?;
        let claims = ClaimsView::parse(&payload_json, keep)
            .map_err(|m| claims_error(format!("{}: {m}", Part::Payload.describe())))?;
        let window = self.rules.check(&protected.header, &claims, now)?;
        let kept = claims.kept;
        Ok(Verified {
            protected,
            payload_json,
            alg,
            window,
            kept,
        })
    }

    /// Checks a newly seen header and remembers it.
    fn learn(
        &self,
        segment: &str,
        header: Map<String, Value>,
        json: String,
    ) -> Result<Arc<Protected>> {
        let protected = Arc::new(Protected::check(segment, header, json, self)?);
        self.headers.insert(Arc::clone(&protected));
        Ok(protected)
    }

    fn check_alg(&self, name: &str) -> Result<Alg> {
        if name.is_empty() {
            return Err(Error::JwsInvalid(
                "JWS \"alg\" (Algorithm) Header Parameter missing or invalid".into(),
            ));
        }
        if is_none_alg(name) {
            return Err(Error::AlgNotAllowed(
                "\"alg\" (Algorithm) Header Parameter value \"none\" is never accepted".into(),
            ));
        }
        let not_allowed = || {
            Error::AlgNotAllowed("\"alg\" (Algorithm) Header Parameter value not allowed".into())
        };
        match (Alg::from_name(name), &self.algorithms) {
            (Some(alg), None) => Ok(alg),
            (Some(alg), Some(allowed)) if allowed.contains(&alg) => Ok(alg),
            (_, Some(_)) => Err(not_allowed()),
            (None, None) => Err(Error::NotSupported(format!(
                "unsupported \"alg\" (Algorithm) Header Parameter value {:?}",
                truncate(name)
            ))),
        }
    }
}

/// RFC 7515 §4.1.11: every name in `crit` must be understood. Returns whether `b64: false`
/// (an unencoded payload, RFC 7797) is in force, which JWTs must not use.
fn check_crit(header: &Map<String, Value>) -> Result<bool> {
    let Some(crit) = header.get("crit") else {
        return Ok(false);
    };
    let names = match crit {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty()))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
    .ok_or_else(|| {
        Error::JwsInvalid(
            "\"crit\" (Critical) Header Parameter MUST be an array of non-empty strings when present".into(),
        )
    })?;
    for name in &names {
        if !UNDERSTOOD_CRIT.contains(name) {
            return Err(Error::NotSupported(format!(
                "Extension Header Parameter {:?} is not recognized",
                truncate(name)
            )));
        }
        if !header.contains_key(*name) {
            return Err(Error::JwsInvalid(format!(
                "Extension Header Parameter {name:?} is missing"
            )));
        }
    }
    match header.get("b64") {
        Some(Value::Bool(b64)) if names.contains(&"b64") => Ok(!b64),
        Some(_) if names.contains(&"b64") => Err(Error::JwsInvalid(
            "The \"b64\" (base64url-encode payload) Header Parameter must be a boolean".into(),
        )),
        _ => Ok(false),
    }
}

/// jwt-compact's reading of a protected header: the shape its `UntrustedToken` deserializes
/// (`alg`, `cty`, and its typed registered parameters), which it keeps to itself. Deserialized
/// here from the header already decoded, so that jwt-compact checks what it knows, the types of
/// the registered parameters, without decoding the segment a second time.
#[derive(Deserialize)]
struct TypedHeader {
    #[serde(rename = "alg")]
    algorithm: String,
    #[serde(rename = "cty", default)]
    content_type: Option<String>,
    #[serde(flatten)]
    _registered: jwt_compact::Header,
}

/// The token's `alg`, as jwt-compact reads the header (`json`, decoded). Two header members
/// mean more here than jwt-compact's typed header allows, so a header holding them is read
/// without them: a `kid` that is not a string (it just names no key, as in `jose`) and
/// `cty: application/json` (RFC 7515 §4.1.10: the same as `JSON`, the only spelling
/// jwt-compact knows).
fn parse_alg(json: &str, header: &Map<String, Value>) -> Result<String> {
    let odd_kid = header.get("kid").is_some_and(|kid| !kid.is_string());
    let json_cty = header
        .get("cty")
        .and_then(Value::as_str)
        .is_some_and(|cty| cty.eq_ignore_ascii_case("application/json"));
    let rebuilt;
    let json = if odd_kid || json_cty {
        let mut plain = header.clone();
        if odd_kid {
            plain.remove("kid");
        }
        if json_cty {
            plain.remove("cty");
        }
        rebuilt = Value::Object(plain).to_string();
        rebuilt.as_str()
    } else {
        json
    };
    let typed: TypedHeader = serde_json::from_str(json)
        .map_err(|err| Error::JwsInvalid(format!("JWS Protected Header is invalid: {err}")))?;
    match typed.content_type {
        Some(cty) if !cty.eq_ignore_ascii_case("json") => Err(Error::NotSupported(format!(
            "\"cty\" {:?}: nested or non-JSON payloads are not followed",
            truncate(&cty)
        ))),
        _ => Ok(typed.algorithm),
    }
}

fn no_key_message(alg: Alg, kid: Kid<'_>) -> String {
    match kid {
        Kid::Other => {
            format!("no key in the key set matches a non-string \"kid\" and \"alg\" {alg}")
        }
        Kid::Name(kid) => format!(
            "no key in the key set matches \"kid\" {:?} and \"alg\" {alg}",
            truncate(kid)
        ),
        Kid::Absent => format!("no key in the key set can verify \"alg\" {alg}"),
    }
}

/// Attacker-chosen strings are echoed at most this long.
fn truncate(text: &str) -> &str {
    crate::error::truncated(text, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier() -> Verifier {
        Verifier::new(VerifyOptions::default()).expect("default options")
    }

    fn protected(verifier: &Verifier, n: usize, padding: usize) -> Arc<Protected> {
        let json = format!(r#"{{"alg":"HS256","n":{n},"p":"{}"}}"#, "x".repeat(padding));
        let segment =
            <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(json.as_bytes());
        let (header, json) = segment::decode_object(&segment, Part::Header).expect("a header");
        Arc::new(Protected::check(&segment, header, json, verifier).expect("valid"))
    }

    /// The oldest header goes first; a header is kept once; long ones are not kept.
    #[test]
    fn recent_headers_are_bounded() {
        let verifier = verifier();
        let recent = RecentHeaders::default();
        let headers: Vec<_> = (0..=RecentHeaders::CAPACITY)
            .map(|n| protected(&verifier, n, 0))
            .collect();
        for header in &headers {
            recent.insert(Arc::clone(header));
            recent.insert(Arc::clone(header));
        }
        assert!(recent.get(&headers[0].segment).is_none());
        for header in &headers[1..] {
            let found = recent.get(&header.segment).expect("kept");
            assert!(Arc::ptr_eq(&found, header));
        }
        assert_eq!(recent.0.lock().unwrap().len(), RecentHeaders::CAPACITY);
        let long = protected(&verifier, 0, RecentHeaders::MAX_SEGMENT);
        recent.insert(Arc::clone(&long));
        assert!(recent.get(&long.segment).is_none());
        assert!(
            recent.get(&headers[1].segment).is_some(),
            "nothing evicted for it"
        );
    }
}
