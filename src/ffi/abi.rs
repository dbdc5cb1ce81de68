//! The calling conventions under the classes of [`super`]: the input buffer JavaScript writes
//! tokens and events into, the two-pass protocol around an asynchronous signature check, and
//! the native backend's packed handles.

use std::cell::{OnceCell, RefCell};

use wasm_bindgen::prelude::*;

use crate::{apigw::IssuerSignatureCheck, Alg, Error, ErrorData};

thread_local! {
    /// Where JavaScript writes the token for `verifyBuffer` and the event for `handleEvent`:
    /// `TextEncoder.encodeInto` straight into wasm memory is several times faster than passing
    /// a string argument.
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static NATIVE: OnceCell<NativeBackend> = const { OnceCell::new() };
}

/// The signature the first pass of a two-pass verification left to check elsewhere.
pub(super) struct Pending {
    /// The issuer whose keys are the candidates.
    pub issuer: usize,
    pub alg: Alg,
    /// The candidate keys' indices in that issuer's key set.
    pub candidates: Vec<u32>,
    /// The signing input: the token's first two segments, ASCII.
    pub input: String,
    pub signature: Vec<u8>,
}

/// The input buffer's address, holding at least `capacity` bytes. Valid until the next call
/// with a larger capacity.
#[wasm_bindgen(js_name = tokenBuffer)]
pub fn token_buffer(capacity: usize) -> *mut u8 {
    INPUT.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        if buffer.len() < capacity {
            buffer.resize(capacity, 0);
        }
        buffer.as_mut_ptr()
    })
}

/// Runs `read` on the `len` bytes JavaScript wrote into the input buffer, as text; `Err` when
/// they are not there (a length past the buffer: JavaScript did not copy an oversized input)
/// or not UTF-8.
pub(super) fn with_input<T>(len: usize, read: impl FnOnce(&str) -> T) -> Result<T, Error> {
    with_input_bytes(len, |bytes| {
        core::str::from_utf8(bytes)
            .map(read)
            .map_err(|_| Error::JwsInvalid("the token is not UTF-8 text".into()))
    })?
}

/// [`with_input`] for bytes of any kind.
pub(super) fn with_input_bytes<T>(len: usize, read: impl FnOnce(&[u8]) -> T) -> Result<T, Error> {
    INPUT.with(|buffer| {
        let buffer = buffer.borrow();
        let bytes = buffer
            .get(..len)
            .ok_or_else(|| Error::JwsInvalid("the input is larger than its buffer".into()))?;
        Ok(read(bytes))
    })
}

/// Runs `pass` with a signature check that records what to check and answers "no", so that
/// the pass stops right after key selection; `Some` when it got that far. Signatures the core
/// checks itself ([`Alg::defers_signature`]) are checked right away instead.
#[allow(clippy::cast_possible_truncation)] // key indices are far below 2^32
pub(super) fn record_signature<T>(
    pass: impl FnOnce(IssuerSignatureCheck<'_>) -> T,
) -> (T, Option<Pending>) {
    let mut pending = None;
    let result = pass(&mut |issuer, alg, candidates, input, signature| {
        if !alg.defers_signature() {
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

#[wasm_bindgen]
extern "C" {
    /// The native backend: `{ verify(handle * 16 + alg code, messagePtr, messageLength,
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

    /// `{ verifyOnce(jwk text, alg code, messagePtr, messageLength, signaturePtr,
    /// signatureLength) → boolean }`: a key imported for one check.
    #[wasm_bindgen(method, catch, js_name = verifyOnce)]
    fn verify_once(
        this: &NativeBackend,
        jwk: &str,
        code: u8,
        message: *const u8,
        message_len: usize,
        signature: *const u8,
        signature_len: usize,
    ) -> Result<bool, JsValue>;
}

/// Installs `backend` as the native signature backend (Node's `crypto`).
#[wasm_bindgen(js_name = installNativeBackend)]
pub fn install_native_backend(backend: NativeBackend) -> bool {
    NATIVE.with(|cell| cell.set(backend).is_ok())
        && crate::backend::install(call_native)
        && crate::backend::install_once(call_native_once)
}

fn call_native_once(jwk: &str, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
    NATIVE.with(|cell| {
        cell.get().is_some_and(|backend| {
            // As in `call_native`: read during this synchronous call.
            let (m, s) = (message.as_ptr(), signature.as_ptr());
            backend
                .verify_once(jwk, alg.code(), m, message.len(), s, signature.len())
                .unwrap_or(false)
        })
    })
}

/// The key handle and the algorithm's code ([`Alg::code`], below 16) in one number.
fn call_native(handle: u32, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
    let Some(packed) = handle.checked_mul(16).map(|h| h + u32::from(alg.code())) else {
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

/// An error as the plain object `pkg/` turns into a `JwtGateError`.
pub(super) fn to_js(err: &Error) -> JsValue {
    // As JSON text parsed by JavaScript, as every other value crosses.
    let text = super::wire::json(&ErrorData::from(err));
    js_sys::JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(err.code()))
}

/// A pending signature as `[issuer, alg, candidates, input, signature]`, the typed arrays as
/// such: built from parts, not serialized, so that the signature arrives as bytes.
pub(super) fn pending_js(pending: &Pending) -> JsValue {
    let parts = js_sys::Array::new();
    #[allow(clippy::cast_precision_loss)] // issuer indices are tiny
    parts.push(&JsValue::from_f64(pending.issuer as f64));
    parts.push(&JsValue::from_str(pending.alg.name()));
    parts.push(&js_sys::Uint32Array::from(&pending.candidates[..]));
    parts.push(&JsValue::from_str(&pending.input));
    parts.push(&js_sys::Uint8Array::from(&pending.signature[..]));
    parts.into()
}
