//! The `#[wasm_bindgen]` classes and functions: each converts its arguments, calls the core and
//! converts the answer.

// wasm-bindgen wants owned arguments.
#![allow(clippy::needless_pass_by_value)]
// Times cross as JavaScript numbers: whole seconds, far below 2^53.
#![allow(clippy::cast_possible_truncation)]

use std::{cell::RefCell, sync::Arc};

use wasm_bindgen::prelude::*;

use super::{
    abi::{self, to_js},
    wire::{json, verified_json, Decided, Replayed},
};
use crate::{
    apigw::{
        authorizer_context, decide_event, Authorizer, AuthorizerOptions, Detail, DirectRequest,
        Grants, Outcome, Response,
    },
    decode,
    policy::{route::Named, Policy},
    Alg, Error, KeySet, Verifier, VerifyOptions, MAX_DOCUMENT_BYTES,
};

/// What the package learns from the core ([`Manifest`](super::manifest::Manifest)), as JSON
/// text: called by `scripts/build.sh`, which writes it into the package.
#[cfg(feature = "tools")]
#[wasm_bindgen]
pub fn manifest() -> String {
    json(&super::manifest::Manifest::new())
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

fn key_set(built: crate::Result<KeySet>) -> Result<WasmKeySet, JsValue> {
    built
        .map(|k| WasmKeySet(Arc::new(k)))
        .map_err(|e| to_js(&e))
}

#[wasm_bindgen(js_class = KeySet)]
impl WasmKeySet {
    /// From a JWKS in JSON text.
    #[wasm_bindgen(js_name = fromJwks)]
    pub fn from_jwks(text: &str) -> Result<WasmKeySet, JsValue> {
        key_set(KeySet::from_jwks_json(text))
    }

    /// From a JWKS in JSON text fetched from a URL: secrets in it are skipped.
    #[wasm_bindgen(js_name = fromRemoteJwks)]
    pub fn from_remote_jwks(text: &str) -> Result<WasmKeySet, JsValue> {
        key_set(KeySet::from_remote_jwks_json(text))
    }

    /// From one JWK in JSON text.
    #[wasm_bindgen(js_name = fromJwk)]
    pub fn from_jwk(text: &str) -> Result<WasmKeySet, JsValue> {
        key_set(KeySet::from_jwk_json(text))
    }

    /// From an HMAC secret.
    #[wasm_bindgen(js_name = fromSecret)]
    pub fn from_secret(
        secret: Vec<u8>,
        alg: &str,
        kid: Option<String>,
    ) -> Result<WasmKeySet, JsValue> {
        key_set(KeySet::from_secret(secret, alg_option(alg)?, kid))
    }

    /// From an HMAC secret, for the first HMAC algorithm among `algorithms`.
    #[wasm_bindgen(js_name = fromSecretFor)]
    pub fn from_secret_for(
        secret: Vec<u8>,
        algorithms: Vec<String>,
    ) -> Result<WasmKeySet, JsValue> {
        key_set(KeySet::from_secret_for(secret, &algorithms))
    }

    /// From a PEM public key.
    #[wasm_bindgen(js_name = fromPem)]
    pub fn from_pem(pem: &str, alg: &str, kid: Option<String>) -> Result<WasmKeySet, JsValue> {
        key_set(KeySet::from_pem(pem, alg_option(alg)?, kid))
    }

    /// Descriptions of the usable keys (no secrets), as JSON text.
    #[wasm_bindgen(js_name = infoJson)]
    pub fn info_json(&self) -> String {
        json(&self.0.info())
    }

    /// Each usable key as `[index, jwk]` pairs (JSON text), for importing into native crypto.
    #[wasm_bindgen(js_name = nativeExportJson)]
    pub fn native_export_json(&self) -> String {
        json(&self.0.native_export())
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
        json(self.0.skipped())
    }
}

/// A verifier with fixed options.
#[wasm_bindgen(js_name = Verifier)]
pub struct WasmVerifier(Verifier);

#[wasm_bindgen(js_class = Verifier)]
impl WasmVerifier {
    /// From options in JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<WasmVerifier, JsValue> {
        VerifyOptions::from_json(options)
            .and_then(Verifier::new)
            .map(Self)
            .map_err(|e| to_js(&e))
    }

    /// The longest token accepted, in bytes: longer ones need not be copied in.
    #[wasm_bindgen(js_name = maxTokenLength)]
    pub fn max_token_length(&self) -> usize {
        self.0.max_token_length()
    }

    /// `verify` of the `len` bytes JavaScript wrote into the input buffer.
    #[wasm_bindgen(js_name = verifyBuffer)]
    pub fn verify_buffer(
        &self,
        keys: &WasmKeySet,
        len: usize,
        now: f64,
    ) -> Result<String, JsValue> {
        abi::with_input(len, |token| self.verify(keys, token, now)).map_err(|e| to_js(&e))?
    }

    /// Verifies `token` at `now` (seconds since the epoch); returns [`verified_json`].
    pub fn verify(&self, keys: &WasmKeySet, token: &str, now: f64) -> Result<String, JsValue> {
        self.0
            .verify(&keys.0, token, now as i64)
            .map(|verified| verified_json(&verified))
            .map_err(|e| to_js(&e))
    }

    /// First pass of an asynchronous verification: checks everything up to the signature and
    /// returns the pending signature ([`abi::pending_js`]) for the caller to check;
    /// throws what `verify` would throw before the signature. A token whose signature is not
    /// deferred ([`Alg::defers_signature`]) is verified outright: then it returns what `verify`
    /// returns.
    pub fn prepare(&self, keys: &WasmKeySet, token: &str, now: f64) -> Result<JsValue, JsValue> {
        let (result, pending) = abi::record_signature(|check| {
            self.0
                .verify_with(&keys.0, token, now as i64, &mut |alg, c, i, s| {
                    check(0, alg, c, i, s)
                })
        });
        match (result, pending) {
            (Ok(verified), _) => Ok(JsValue::from_str(&verified_json(&verified))),
            (Err(_), Some(pending)) => Ok(abi::pending_js(&pending)),
            (Err(err), None) => Err(to_js(&err)),
        }
    }

    /// Second pass: `signature_valid` is the caller's verdict on the signature `prepare`
    /// returned; checks the claims and returns what `verify` returns.
    #[wasm_bindgen(js_name = finishVerified)]
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

/// Decodes without verifying; returns the result as JSON text.
#[wasm_bindgen(js_name = decodeJson)]
pub fn decode_json(token: &str, now: Option<f64>) -> Result<String, JsValue> {
    let decoded = decode(token, now.map(|n| n as i64)).map_err(|e| to_js(&e))?;
    Ok(json(&decoded))
}

/// Whether IAM matches the `Resource` pattern `pattern` to `resource` (`*` any run of
/// characters, `/` included; `?` one): the matching the cached answers are proved under, for
/// the inspector to read a cached answer against other routes' ARNs.
#[wasm_bindgen(js_name = iamMatches)]
pub fn iam_matches(pattern: &str, resource: &str) -> bool {
    crate::apigw::iam::iam_glob(pattern, resource)
}

/// A validated policy document.
#[wasm_bindgen(js_name = Policy)]
pub struct WasmPolicy(Policy);

#[wasm_bindgen(js_class = Policy)]
impl WasmPolicy {
    /// From a policy document in JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<WasmPolicy, JsValue> {
        Policy::from_json(text).map(Self).map_err(|e| to_js(&e))
    }

    /// Checks the document as deployed: `input` is a [`CheckInput`] (JSON text: the API's
    /// routes, the template's authorizers, whether DPoP is on); returns the [`deployment::Check`] (JSON
    /// text): lints, coverage, the cache report, the authorizers' findings.
    #[cfg(feature = "tools")]
    pub fn check(&self, input: &str) -> Result<String, JsValue> {
        use crate::apigw::deployment::{self, CheckInput};
        let input: CheckInput = serde_json::from_str(input)
            .map_err(|e| to_js(&Error::option("check", e.to_string())))?;
        Ok(json(&deployment::check(&self.0, &input)))
    }

    /// Decides `method path` (or a route key such as `$connect` as `method`) for claims in
    /// JSON text; returns [`Decided`] as JSON text.
    pub fn decide(&self, method: &str, path: &str, claims: &str) -> Result<String, JsValue> {
        let Ok(serde_json::Value::Object(claims)) = crate::json::parse_document(claims) else {
            return Err(to_js(&Error::JwtInvalid(
                "claims must be a JSON object".into(),
            )));
        };
        let named = Named::new(method, path);
        Ok(json(&Decided {
            decision: self.0.decide(named.target(), &claims),
            principal_id: self.0.principal(&claims),
            context: self.0.context(&claims).map_err(|e| to_js(&e))?,
        }))
    }

    /// The Lambda authorizer's context in a backend's proxy event (JSON text), decoded into
    /// the types of this policy's `context` mapping; returns JSON text.
    #[wasm_bindgen(js_name = readContext)]
    pub fn read_context(&self, event: &str) -> Result<String, JsValue> {
        authorizer_context(event)
            .and_then(|received| self.0.read_context(&received))
            .map(|context| json(&context))
            .map_err(|e| to_js(&e))
    }

    /// Decides an API Gateway proxy event (JSON text) on the claims API Gateway's JWT
    /// authorizer verified; returns the backend outcome as JSON text.
    #[wasm_bindgen(js_name = decideEvent)]
    pub fn decide_event(&self, event: &str) -> String {
        json(&decide_event(&self.0, event))
    }
}

/// The Lambda authorizer's context in a backend's proxy event (JSON text), as API Gateway
/// passed it (`Policy.readContext` types it); returns JSON text.
#[wasm_bindgen(js_name = readAuthorizerContext)]
pub fn read_authorizer_context(event: &str) -> Result<String, JsValue> {
    authorizer_context(event)
        .map(|context| json(&context))
        .map_err(|e| to_js(&e))
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
    pub fn new(options: &str) -> Result<WasmAuthorizer, JsValue> {
        let options: AuthorizerOptions = serde_json::from_str(options)
            .map_err(|e| to_js(&Error::option("authorizer", e.to_string())))?;
        Ok(Self {
            authorizer: Authorizer::new(None, options).map_err(|e| to_js(&e))?,
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

    /// The lower-case names of the headers that can carry the token, then the token's query
    /// parameter if one is configured, as JSON text: what an event's maps are cut down to.
    pub fn carriers(&self) -> String {
        let source = self.authorizer.token_source();
        json(&(source.carrier_headers(), &source.query))
    }

    /// The load-time report of inexact cached answers (JSON text), `undefined` without a
    /// policy.
    #[wasm_bindgen(js_name = cacheReport)]
    pub fn cache_report(&self) -> Option<String> {
        self.authorizer.cache_report().map(|report| json(&report))
    }

    /// Replaces an issuer's keys.
    #[wasm_bindgen(js_name = setKeys)]
    pub fn set_keys(&mut self, index: usize, keys: &WasmKeySet) {
        self.authorizer.set_keys(index, Arc::clone(&keys.0));
    }

    /// Authorizes the API Gateway event of `len` bytes that JavaScript wrote into the input
    /// buffer (a frame, `crate::frame`, when `framed`, else JSON text), at `now`; returns the
    /// outcome as JSON text, told at the detail level numbered `detail`
    /// ([`Detail::from_code`]). A length over the size limit means an event JavaScript did not
    /// copy in. An IAM answer that the authorizer keeps cached names its `policyDocument` by id
    /// (a number): `policyDocumentJson` gives the document.
    #[wasm_bindgen(js_name = handleEvent)]
    pub fn handle_event(&self, len: usize, now: f64, detail: u8, framed: bool) -> String {
        let detail = Detail::from_code(detail);
        let oversized = || {
            Outcome::unreadable_event(format!(
                "event: over {MAX_DOCUMENT_BYTES} bytes; at most {MAX_DOCUMENT_BYTES} are accepted"
            ))
        };
        let mut outcome = if len > MAX_DOCUMENT_BYTES {
            oversized()
        } else if framed {
            abi::with_input_bytes(len, |frame| {
                self.authorizer
                    .handle_event_frame(frame, now as i64, detail)
            })
            .unwrap_or_else(|_| oversized())
        } else {
            abi::with_input(len, |text| {
                self.authorizer.handle_event_with(text, now as i64, detail)
            })
            .unwrap_or_else(|_| oversized())
        };
        if let Some(Response::Iam(answer)) = &mut outcome.response {
            *self.named.borrow_mut() = answer.refer_to_document();
        }
        json(&outcome)
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

    /// First pass of an asynchronous authorization: the outcome (JSON text) when it is decided
    /// without a deferred signature check, else the pending signature
    /// ([`abi::pending_js`]) for the caller to check and pass to `finishDirect`.
    #[wasm_bindgen(js_name = prepareDirect)]
    pub fn prepare_direct(&self, request: &str, now: f64) -> Result<JsValue, JsValue> {
        let request = direct_request(request)?;
        let (outcome, pending) = abi::record_signature(|check| {
            self.authorizer
                .authorize_direct_with(&request, now as i64, check)
        });
        // A recorded signature was answered "no", which ended the pass: the outcome is that.
        Ok(match pending {
            Some(pending) => abi::pending_js(&pending),
            None => JsValue::from_str(&json(&outcome)),
        })
    }

    /// Second pass: the caller's verdict on the pending signature; returns the outcome.
    #[wasm_bindgen(js_name = finishDirect)]
    pub fn finish_direct(
        &self,
        request: &str,
        now: f64,
        signature_valid: bool,
    ) -> Result<String, JsValue> {
        let request = direct_request(request)?;
        let outcome =
            self.authorizer
                .authorize_direct_with(&request, now as i64, &mut |_, _, _, _, _| signature_valid);
        Ok(json(&outcome))
    }

    /// The refusal (JSON text) of the request whose outcome (JSON text) carried a `replay`
    /// key that the caller's store held already.
    pub fn replayed(&self, outcome: &str, now: f64) -> Result<String, JsValue> {
        let Replayed { shape, route } = serde_json::from_str(outcome)
            .map_err(|e| to_js(&Error::option("outcome", e.to_string())))?;
        Ok(json(&self.authorizer.replayed(shape, route, now as i64)))
    }

    /// Authorizes `{ token?, method, path, headers, query }` (JSON text) at `now`.
    pub fn authorize(&self, request: &str, now: f64) -> Result<String, JsValue> {
        let request = direct_request(request)?;
        Ok(json(
            &self.authorizer.authorize_direct(&request, now as i64),
        ))
    }
}

fn direct_request(text: &str) -> Result<DirectRequest<'_>, JsValue> {
    serde_json::from_str(text).map_err(|e| to_js(&Error::option("request", e.to_string())))
}
