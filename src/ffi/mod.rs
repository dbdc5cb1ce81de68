//! The WebAssembly bindings: the only Rust that knows JavaScript exists.
//!
//! - [`wire`]: every value that crosses, as serde types (pure Rust: it builds natively, and the
//!   package's TypeScript declarations are generated from it and the core's types).
//! - [`manifest`]: the names, codes and limits the package reads instead of copying them
//!   (the `tools` build only: the package gets them at build time).
//! - `bindings`: the `#[wasm_bindgen]` classes, each method a few lines (wasm only).
//! - `abi`: the calling conventions: the input buffer, the two-pass record, the native
//!   backend's packed handles, errors as data (wasm only).

#[cfg(all(feature = "tools", any(target_arch = "wasm32", test)))]
pub(crate) mod manifest;
pub(crate) mod wire;

#[cfg(target_arch = "wasm32")]
mod abi;
#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(all(test, feature = "tools"))]
mod typescript;
