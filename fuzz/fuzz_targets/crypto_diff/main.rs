//! Differential fuzzing of jwtgate's own signature arithmetic (`src/crypto/`: RSA PKCS#1 v1.5
//! and PSS, ECDSA on P-256, P-384 and P-521) against RustCrypto's `rsa`, `p256`, `p384` and
//! `p521`. Property: wherever both sides hold the key, they agree on every signature, valid
//! or not; the target panics naming the algorithm and each side's verdict when they do not.
//! Key import is compared too: the same EC points, and the same RSA keys but for jwtgate's
//! documented minimum of 2048 bits.
//!
//! The input is a list of decisions (see `input.rs`): byte 0 picks the algorithm, then each
//! family reads its key, the message (a length byte and the bytes), how the signature is made
//! (signed, signed then its encoded message or its r and s edited, or chosen without the
//! key) and up to four byte-level edits of it. Wycheproof vectors and single bit flips are
//! in tests/; this reaches what they do not: other keys (multi-prime RSA, exponents other
//! than 65537, 2049-bit moduli, private scalars 1, −1, ±z/r), and edits combined.
#![no_main]

mod ec_sig;
mod input;
mod jose;
mod rsa_sig;

use jwtgate::Alg;
use libfuzzer_sys::fuzz_target;

/// The nine algorithms whose arithmetic is jwtgate's own.
const ALGS: [Alg; 9] = [
    Alg::Rs256,
    Alg::Rs384,
    Alg::Rs512,
    Alg::Ps256,
    Alg::Ps384,
    Alg::Ps512,
    Alg::Es256,
    Alg::Es384,
    Alg::Es512,
];

/// Both sides' verdicts on one signature, and how it was made.
pub struct Verdicts {
    jwtgate: bool,
    rustcrypto: bool,
    context: String,
}

fn verdict(accepted: bool) -> &'static str {
    if accepted {
        "valid"
    } else {
        "invalid"
    }
}

fuzz_target!(
    init: {
        rsa_sig::keys();
    },
    |data: &[u8]| {
        let mut input = input::Input::new(data);
        let alg = ALGS[input.below(ALGS.len())];
        let verdicts = match alg {
            Alg::Es256 => ec_sig::run::<p256::NistP256>(&mut input),
            Alg::Es384 => ec_sig::run::<p384::NistP384>(&mut input),
            Alg::Es512 => ec_sig::run::<p521::NistP521>(&mut input),
            _ => rsa_sig::run(alg, &mut input),
        };
        if let Some(v) = verdicts {
            assert!(
                v.jwtgate == v.rustcrypto,
                "{alg}: jwtgate says {}, RustCrypto says {}; {}",
                verdict(v.jwtgate),
                verdict(v.rustcrypto),
                v.context
            );
        }
    }
);
