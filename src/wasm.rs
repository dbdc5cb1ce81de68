//! The WebAssembly bindings: value conversion only.
//!
//! Documents (JWKS, options, header, payload) cross as JSON text: `JSON.parse` on the
//! JavaScript side is faster than building objects across the boundary, and JSON is what
//! they are. Errors cross as plain objects (`{ code, message, claim?, reason?, field? }`)
//! that `pkg/` turns into `JwtGateError`s.

#![allow(clippy::needless_pass_by_value)] // wasm-bindgen wants owned arguments

use serde::Serialize;
use wasm_bindgen::prelude::*;

use std::{cell::RefCell, sync::Arc};

use crate::{
    apigw::{Authorizer, AuthorizerOptions, Detail, DirectRequest, Grants, Outcome, Response},
    decode,
    policy::{route::Target, Policy},
    Alg, Error, KeySet, Verifier, VerifyOptions, MAX_DOCUMENT_BYTES,
};

#[derive(Serialize)]
struct ErrorData<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    claim: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

fn to_js(err: &Error) -> JsValue {
    let data = ErrorData {
        code: err.code(),
        message: err.to_string(),
        claim: err.claim(),
        reason: err.reason().map(crate::ClaimReason::as_str),
        field: err.field(),
    };
    serde_wasm_bindgen::to_value(&data).unwrap_or_else(|_| JsValue::from_str(err.code()))
}

fn alg_option(alg: &str) -> Result<Alg, JsValue> {
    Alg::from_name(alg).ok_or_else(|| {
        to_js(&Error::option(
            "alg",
            format!("unsupported algorithm {alg:?}"),
        ))
    })
}

/// A set of verification keys.
#[wasm_bindgen(js_name = KeySet)]
pub struct WasmKeySet(Arc<KeySet>);

#[wasm_bindgen(js_class = KeySet)]
impl WasmKeySet {
    /// From a JWKS in JSON text.
    #[wasm_bindgen(js_name = fromJwks)]
    pub fn from_jwks(json: &str) -> Result<WasmKeySet, JsValue> {
        KeySet::from_jwks_json(json)
            .map(|k| Self(Arc::new(k)))
            .map_err(|e| to_js(&e))
    }

    /// From a JWKS in JSON text fetched from a URL: secrets in it are skipped.
    #[wasm_bindgen(js_name = fromRemoteJwks)]
    pub fn from_remote_jwks(json: &str) -> Result<WasmKeySet, JsValue> {
        KeySet::from_remote_jwks_json(json)
            .map(|k| Self(Arc::new(k)))
            .map_err(|e| to_js(&e))
    }

    /// From one JWK in JSON text.
    #[wasm_bindgen(js_name = fromJwk)]
    pub fn from_jwk(json: &str) -> Result<WasmKeySet, JsValue> {
        KeySet::from_jwk_json(json)
            .map(|k| Self(Arc::new(k)))
            .map_err(|e| to_js(&e))
    }

    /// From an HMAC secret.
    #[wasm_bindgen(js_name = fromSecret)]
    pub fn from_secret(
        secret: Vec<u8>,
        alg: &str,
        kid: Option<String>,
    ) -> Result<WasmKeySet, JsValue> {
        KeySet::from_secret(secret, alg_option(alg)?, kid)
            .map(|k| Self(Arc::new(k)))
            .map_err(|e| to_js(&e))
    }

    /// From a PEM public key.
    #[wasm_bindgen(js_name = fromPem)]
    pub fn from_pem(pem: &str, alg: &str, kid: Option<String>) -> Result<WasmKeySet, JsValue> {
        KeySet::from_pem(pem, alg_option(alg)?, kid)
            .map(|k| Self(Arc::new(k)))
            .map_err(|e| to_js(&e))
    }

    /// Descriptions of the usable keys (no secrets), as JSON text.
    #[wasm_bindgen(js_name = infoJson)]
    pub fn info_json(&self) -> String {
        serde_json::to_string(&self.0.info()).unwrap_or_default()
    }

    /// Each usable key as `[index, jwk]` pairs (JSON text), for importing into native crypto.
    #[wasm_bindgen(js_name = nativeExportJson)]
    pub fn native_export_json(&self) -> String {
        serde_json::to_string(&self.0.native_export()).unwrap_or_default()
    }

    /// Records the native handle of key `index`. Only possible before the set is shared with a
    /// verifier or authorizer (that is, right after construction).
    #[wasm_bindgen(js_name = setNative)]
    pub fn set_native(&mut self, index: usize, handle: u32) -> bool {
        Arc::get_mut(&mut self.0)
            .map(|keys| keys.set_native(index, handle))
            .is_some()
    }

    /// The JWKS members that were skipped, and why, as JSON text.
    #[wasm_bindgen(js_name = skippedJson)]
    pub fn skipped_json(&self) -> String {
        serde_json::to_string(self.0.skipped()).unwrap_or_default()
    }
}

/// A verifier with fixed options.
#[wasm_bindgen(js_name = Verifier)]
pub struct WasmVerifier(Verifier);

#[wasm_bindgen(js_class = Verifier)]
impl WasmVerifier {
    /// From options in JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<WasmVerifier, JsValue> {
        VerifyOptions::from_json(options_json)
            .and_then(Verifier::new)
            .map(Self)
            .map_err(|e| to_js(&e))
    }

    /// `verify` of the `len` bytes JavaScript wrote into the token buffer.
    #[wasm_bindgen(js_name = verifyBuffer)]
    pub fn verify_buffer(
        &self,
        keys: &WasmKeySet,
        len: usize,
        now: f64,
    ) -> Result<String, JsValue> {
        TOKEN_BUFFER.with(|buffer| {
            let buffer = buffer.borrow();
            let bytes = buffer
                .get(..len)
                .ok_or_else(|| to_js(&Error::JwsInvalid("token buffer overrun".into())))?;
            let token = core::str::from_utf8(bytes)
                .map_err(|_| to_js(&Error::JwsInvalid("the token is not UTF-8 text".into())))?;
            self.verify(keys, token, now)
        })
    }

    /// Verifies `token` at `now` (seconds since the epoch); returns `[alg, header, payload]` as
    /// JSON text.
    #[allow(clippy::cast_possible_truncation)]
    pub fn verify(&self, keys: &WasmKeySet, token: &str, now: f64) -> Result<String, JsValue> {
        self.0
            .verify(&keys.0, token, now as i64)
            .map(|verified| verified_json(&verified))
            .map_err(|e| to_js(&e))
    }
}

thread_local! {
    /// Where JavaScript writes the token for `verifyBuffer` and the event for `handleEvent`:
    /// `TextEncoder.encodeInto` straight into wasm memory is several times faster than passing
    /// a string argument.
    static TOKEN_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The token buffer's address, holding at least `capacity` bytes. Valid until the next call
/// with a larger capacity.
#[wasm_bindgen(js_name = tokenBuffer)]
pub fn token_buffer(capacity: usize) -> *mut u8 {
    TOKEN_BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        if buffer.len() < capacity {
            buffer.resize(capacity, 0);
        }
        buffer.as_mut_ptr()
    })
}

/// What the first pass of a two-pass verification recorded: the signature to check elsewhere.
struct Pending {
    issuer: usize,
    alg: Alg,
    candidates: Vec<u32>,
    /// The signing input: the token's first two segments, ASCII.
    input: String,
    signature: Vec<u8>,
}

/// Runs `pass` with a signature check that records what to check and answers "no", so the
/// pass stops right after key selection; `Some` when it got that far. HMAC is checked right
/// away instead: in wasm it is as fast as a `WebCrypto` round trip would be.
#[allow(clippy::cast_possible_truncation)]
fn record_signature<T>(
    pass: impl FnOnce(crate::apigw::IssuerSignatureCheck<'_>) -> T,
) -> (T, Option<Pending>) {
    let mut pending = None;
    let result = pass(&mut |issuer, alg, candidates, input, signature| {
        if matches!(alg.key_kind(), crate::KeyKind::Secret { .. }) {
            return candidates
                .iter()
                .any(|(_, key)| key.verify(alg, input, signature));
        }
        pending = Some(Pending {
            issuer,
            alg,
            candidates: candidates.iter().map(|(i, _)| *i as u32).collect(),
            input: String::from_utf8_lossy(input).into_owned(),
            signature: signature.to_vec(),
        });
        false
    });
    (result, pending)
}

#[wasm_bindgen(js_class = Verifier)]
impl WasmVerifier {
    /// `[clockTolerance, maxTokenAge or -1, maxTokenLength]` as the options were parsed (the
    /// JavaScript cache needs the same numbers).
    #[allow(clippy::cast_precision_loss)]
    pub fn limits(&self) -> Vec<f64> {
        vec![
            self.0.clock_tolerance(),
            self.0.max_token_age().unwrap_or(-1.0),
            self.0.max_token_length() as f64,
        ]
    }

    /// First pass of an asynchronous verification: checks everything up to the signature and
    /// returns `[alg, candidateKeyIndices, signature]` for the caller to verify (`WebCrypto`);
    /// throws what `verify` would throw before the signature. HMAC tokens are verified outright:
    /// then it returns what `verify` returns (JSON text).
    #[allow(clippy::cast_possible_truncation)]
    pub fn prepare(&self, keys: &WasmKeySet, token: &str, now: f64) -> Result<JsValue, JsValue> {
        let (result, pending) = record_signature(|check| {
            self.0
                .verify_with(&keys.0, token, now as i64, &mut |alg, c, i, s| {
                    check(0, alg, c, i, s)
                })
        });
        match (result, pending) {
            (Err(Error::SignatureVerificationFailed), Some(p)) => Ok(js_sys::Array::of3(
                &JsValue::from_str(p.alg.name()),
                &js_sys::Uint32Array::from(&p.candidates[..]),
                &js_sys::Uint8Array::from(&p.signature[..]),
            )
            .into()),
            (Err(err), _) => Err(to_js(&err)),
            (Ok(verified), _) => Ok(JsValue::from_str(&verified_json(&verified))),
        }
    }

    /// Second pass: `signatureValid` is the caller's verdict on the signature `prepare`
    /// returned; checks the claims and returns what `verify` returns.
    #[wasm_bindgen(js_name = finishVerified)]
    #[allow(clippy::cast_possible_truncation)]
    pub fn finish_verified(
        &self,
        keys: &WasmKeySet,
        token: &str,
        now: f64,
        signature_valid: bool,
    ) -> Result<String, JsValue> {
        self.0
            .verify_with(&keys.0, token, now as i64, &mut |_, _, _, _| {
                signature_valid
            })
            .map(|verified| verified_json(&verified))
            .map_err(|e| to_js(&e))
    }
}

/// `[alg, header, payload]` as one JSON text: one string to decode and one `JSON.parse` in
/// JavaScript instead of three and two. The header and payload are the JSON texts exactly as
/// verified (strictly parsed objects), so splicing them in keeps the text valid.
fn verified_json(verified: &crate::Verified) -> String {
    let alg = verified.alg.name();
    let mut json = String::with_capacity(
        alg.len() + verified.header_json().len() + verified.payload_json.len() + 8,
    );
    for piece in [
        "[\"",
        alg,
        "\",",
        verified.header_json(),
        ",",
        &verified.payload_json,
        "]",
    ] {
        json.push_str(piece);
    }
    json
}

/// Decodes without verifying; returns the result as JSON text.
#[wasm_bindgen(js_name = decodeJson)]
#[allow(clippy::cast_possible_truncation)]
pub fn decode_json(token: &str, now: Option<f64>) -> Result<String, JsValue> {
    let decoded = decode(token, now.map(|n| n as i64)).map_err(|e| to_js(&e))?;
    serde_json::to_string(&decoded).map_err(|e| to_js(&Error::JwtInvalid(e.to_string())))
}

/// A validated policy document.
#[wasm_bindgen(js_name = Policy)]
pub struct WasmPolicy(Policy);

#[wasm_bindgen(js_class = Policy)]
impl WasmPolicy {
    /// From a policy document in JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> Result<WasmPolicy, JsValue> {
        Policy::from_json(json).map(Self).map_err(|e| to_js(&e))
    }

    /// Decides `method path` (or a `$route` key as `method`) for claims in JSON text; returns
    /// the decision, principal and context as JSON text.
    pub fn decide(&self, method: &str, path: &str, claims_json: &str) -> Result<String, JsValue> {
        let Ok(serde_json::Value::Object(claims)) = crate::json::parse_document(claims_json) else {
            return Err(to_js(&Error::JwtInvalid(
                "claims must be a JSON object".into(),
            )));
        };
        // Route keys keep their case (`$connect`); HTTP methods are upper-cased.
        let upper = method.to_ascii_uppercase();
        let target = if method.starts_with('$') {
            Target::Key(method)
        } else {
            Target::Http {
                method: &upper,
                path,
            }
        };
        let decided = Decided {
            decision: self.0.decide(target, &claims),
            principal_id: self.0.principal(&claims),
            context: self.0.context(&claims),
        };
        Ok(serde_json::to_string(&decided).unwrap_or_default())
    }
}

// The answers below are structs serialized straight to text, not `json!` values: `json!` first
// turns the decision or outcome into a `Value`, a second serializer of them in the wasm.

/// What `Policy.decide` answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Decided {
    decision: crate::policy::Decision,
    principal_id: Option<String>,
    context: serde_json::Map<String, serde_json::Value>,
}

/// What `prepareDirect` answers: `{ "outcome": … }` or `{ "pending": … }`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum Prepared<'a> {
    Outcome(&'a Outcome),
    Pending {
        issuer: usize,
        alg: &'static str,
        candidates: &'a [u32],
        input: &'a str,
        signature: &'a [u8],
    },
}

/// The authorizer: events or direct requests in, outcomes (JSON text) out.
#[wasm_bindgen(js_name = Authorizer)]
pub struct WasmAuthorizer {
    authorizer: Authorizer,
    /// The cached answer the last event's outcome named by id, for `policyDocumentJson`.
    named: RefCell<Option<Arc<Grants>>>,
}

#[wasm_bindgen(js_class = Authorizer)]
impl WasmAuthorizer {
    /// From the authorizer options in JSON text; without a policy until `setPolicy`.
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<WasmAuthorizer, JsValue> {
        let options: AuthorizerOptions = serde_json::from_str(options_json)
            .map_err(|e| to_js(&Error::option("authorizer", e.to_string())))?;
        Ok(Self {
            authorizer: Authorizer::new(None, options),
            named: RefCell::new(None),
        })
    }

    /// Decides with this policy (a copy: the JavaScript `Policy` stays usable).
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(&mut self, policy: &WasmPolicy) {
        self.authorizer.set_policy(policy.0.clone());
    }

    /// Trusts an issuer; returns its index.
    #[wasm_bindgen(js_name = addIssuer)]
    pub fn add_issuer(
        &mut self,
        name: Option<String>,
        verifier: &WasmVerifier,
        keys: &WasmKeySet,
    ) -> Result<usize, JsValue> {
        self.authorizer
            .add_issuer(name, verifier.0.clone(), Arc::clone(&keys.0))
            .map_err(|e| to_js(&e))
    }

    /// The load-time report of inexact cached answers (JSON text), `undefined` without a
    /// policy.
    #[wasm_bindgen(js_name = cacheReport)]
    pub fn cache_report(&self) -> Option<String> {
        let report = self.authorizer.cache_report()?;
        Some(serde_json::to_string(&report).unwrap_or_default())
    }

    /// Replaces an issuer's keys.
    #[wasm_bindgen(js_name = setKeys)]
    pub fn set_keys(&mut self, index: usize, keys: &WasmKeySet) {
        self.authorizer.set_keys(index, Arc::clone(&keys.0));
    }

    /// Authorizes the API Gateway event (JSON text) of `len` bytes that JavaScript wrote into the
    /// input buffer, at `now`; returns the outcome as JSON text, with the detail `detail` names:
    /// 2 full, 1 brief, 0 the answer only. An IAM answer that the authorizer keeps cached names
    /// its `policyDocument` by id (a number): `policyDocumentJson` gives the document.
    #[wasm_bindgen(js_name = handleEvent)]
    #[allow(clippy::cast_possible_truncation)]
    pub fn handle_event(&self, len: usize, now: f64, detail: u8) -> String {
        let detail = match detail {
            0 => Detail::Answer,
            1 => Detail::Brief,
            _ => Detail::Full,
        };
        let mut outcome = TOKEN_BUFFER.with(|buffer| {
            match buffer.borrow().get(..len).map(core::str::from_utf8) {
                Some(Ok(text)) => self.authorizer.handle_event_with(text, now as i64, detail),
                // `encodeInto` writes UTF-8; JavaScript passes a length beyond the buffer for an
                // event it did not copy in, being over the size limit in UTF-16 units already.
                _ => Outcome::unreadable_event(format!(
                    "event: over {MAX_DOCUMENT_BYTES} bytes; at most {MAX_DOCUMENT_BYTES} are accepted"
                )),
            }
        });
        if let Some(Response::Iam(answer)) = &mut outcome.response {
            *self.named.borrow_mut() = answer.refer_to_document();
        }
        serde_json::to_string(&outcome).unwrap_or_default()
    }

    /// The policy document (JSON text) that the last event's outcome named by `id`; `undefined`
    /// for any other id.
    #[wasm_bindgen(js_name = policyDocumentJson)]
    pub fn policy_document_json(&self, id: f64) -> Option<String> {
        let named = self.named.borrow();
        let grants = named.as_ref()?;
        // Ids stay far below 2^53: exact as numbers on both sides.
        #[allow(clippy::cast_precision_loss)]
        let same = grants.id().map(|own| own as f64) == Some(id);
        same.then(|| grants.document().to_owned())
    }

    /// First pass of an asynchronous authorization (JSON text): `{ "outcome": … }` when it is
    /// decided without a signature check (refused), else `{ "pending": { issuer, alg,
    /// candidates, signature, token } }` for the caller to verify and pass to `finishDirect`.
    #[wasm_bindgen(js_name = prepareDirect)]
    #[allow(clippy::cast_possible_truncation)]
    pub fn prepare_direct(&self, request_json: &str, now: f64) -> Result<String, JsValue> {
        let request = direct_request(request_json)?;
        let (outcome, pending) = record_signature(|check| {
            self.authorizer
                .authorize_direct_with(&request, now as i64, check)
        });
        let answer = match pending {
            Some(p)
                if outcome
                    .error
                    .as_ref()
                    .is_some_and(|e| e.code == "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") =>
            {
                serde_json::to_string(&Prepared::Pending {
                    issuer: p.issuer,
                    alg: p.alg.name(),
                    candidates: &p.candidates,
                    input: &p.input,
                    signature: &p.signature,
                })
            }
            _ => serde_json::to_string(&Prepared::Outcome(&outcome)),
        };
        Ok(answer.unwrap_or_default())
    }

    /// Second pass: the caller's verdict on the pending signature; returns the outcome.
    #[wasm_bindgen(js_name = finishDirect)]
    #[allow(clippy::cast_possible_truncation)]
    pub fn finish_direct(
        &self,
        request_json: &str,
        now: f64,
        signature_valid: bool,
    ) -> Result<String, JsValue> {
        let request = direct_request(request_json)?;
        let outcome =
            self.authorizer
                .authorize_direct_with(&request, now as i64, &mut |_, _, _, _, _| signature_valid);
        Ok(serde_json::to_string(&outcome).unwrap_or_default())
    }

    /// Authorizes `{ token?, method, path, headers }` (JSON text) at `now`.
    #[allow(clippy::cast_possible_truncation)]
    pub fn authorize(&self, request_json: &str, now: f64) -> Result<String, JsValue> {
        let request: DirectRequest<'_> = serde_json::from_str(request_json)
            .map_err(|e| to_js(&Error::option("request", e.to_string())))?;
        Ok(
            serde_json::to_string(&self.authorizer.authorize_direct(&request, now as i64))
                .unwrap_or_default(),
        )
    }
}

fn direct_request(json: &str) -> Result<DirectRequest<'_>, JsValue> {
    serde_json::from_str(json).map_err(|e| to_js(&Error::option("request", e.to_string())))
}

#[wasm_bindgen]
extern "C" {
    /// The native backend: `{ verify(handle * 16 + alg, messagePtr, messageLength,
    /// signaturePtr, signatureLength) → boolean }`, reading both from wasm memory. Numbers, not
    /// `Uint8Array` views: views made here would each take a slot in the externref table and a
    /// call out to JavaScript to make.
    pub type NativeBackend;

    #[wasm_bindgen(method, catch)]
    fn verify(
        this: &NativeBackend,
        packed: u32,
        message: *const u8,
        message_len: usize,
        signature: *const u8,
        signature_len: usize,
    ) -> Result<bool, JsValue>;
}

thread_local! {
    static NATIVE: std::cell::OnceCell<NativeBackend> = const { std::cell::OnceCell::new() };
}

/// Installs `backend` as the native signature backend (Node's `crypto`).
#[wasm_bindgen(js_name = installNativeBackend)]
pub fn install_native_backend(backend: NativeBackend) -> bool {
    NATIVE.with(|cell| cell.set(backend).is_ok()) && crate::backend::install(call_native)
}

#[allow(clippy::cast_possible_truncation)]
fn call_native(handle: u32, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
    let code = Alg::ALL.iter().position(|a| *a == alg).unwrap_or(0) as u32;
    let Some(packed) = handle.checked_mul(16).map(|h| h + code) else {
        return false;
    };
    NATIVE.with(|cell| {
        cell.get().is_some_and(|backend| {
            // JavaScript reads the two slices during this synchronous call, in which nothing
            // allocates in wasm memory, so they stay where they are.
            let (m, s) = (message.as_ptr(), signature.as_ptr());
            backend
                .verify(packed, m, message.len(), s, signature.len())
                .unwrap_or(false)
        })
    })
}
