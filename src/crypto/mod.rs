//! Pure-Rust signature verification for RSA and the NIST curves: the portable fallback used
//! wherever no native backend is installed (browsers, the inspector, workerd's synchronous path).

pub(crate) mod ec;
pub(crate) mod mont;
pub(crate) mod rsa;
