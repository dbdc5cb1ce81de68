//! Conversions to and from an independent bignum (the `rsa` crate's), and reproducible test
//! numbers: shared by the tests of `mont` (crate `jwtgate-crypto`) and of the curves (jwtgate's
//! `crypto::ec`), each crate including this file.
use super::mont::Uint;
pub(crate) use rsa::BigUint;

pub(crate) fn big<const N: usize>(x: &Uint<N>) -> BigUint {
    let mut bytes = vec![0; 4 * N];
    x.write_be_bytes(&mut bytes);
    BigUint::from_bytes_be(&bytes)
}

pub(crate) fn uint<const N: usize>(x: &BigUint) -> Uint<N> {
    Uint::from_be_bytes(&x.to_bytes_be()).unwrap()
}

/// A deterministic stream of test numbers (xorshift), so failures reproduce.
pub(crate) fn numbers(seed: u64) -> impl FnMut(usize) -> Vec<u8> {
    let mut state = seed;
    move |len| {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect()
    }
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
