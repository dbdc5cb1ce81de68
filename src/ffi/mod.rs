//! The WebAssembly bindings: the only Rust that knows JavaScript exists.
//!
//! - [`wire`]: every value that crosses, as serde types (pure Rust: it builds natively, and the
//!   package's TypeScript declarations are generated from it and the core's types).
//! - `bindings`: the `#[wasm_bindgen]` classes, each method a few lines (wasm only).
//! - `abi`: the calling conventions: the input buffer, the two-pass record, the native
//!   backend's packed handles, errors as data (wasm only).

pub(crate) mod wire;

#[cfg(target_arch = "wasm32")]
mod abi;
#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(test)]
mod typescript;
