//! Against an independent implementation (`RustCrypto`'s `p256`, `p384`, `p521`), and the edge
//! cases random signatures never reach.

use rand::{rngs::StdRng, Rng, RngCore, SeedableRng};

use super::{point::wnaf, *};
use crate::crypto::mont::reference::{big, uint, BigUint};

/// `x` as exactly `len` big-endian bytes.
fn bytes(x: &BigUint, len: usize) -> Vec<u8> {
    let raw = x.to_bytes_be();
    let mut out = vec![0; len - raw.len()];
    out.extend(raw);
    out
}

#[test]
fn wnaf_digits_are_sparse_odd_and_sum_to_the_scalar() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut scalars: Vec<Uint<8>> = vec![
        Uint::ZERO,
        Uint([1, 0, 0, 0, 0, 0, 0, 0]),
        Uint([u32::MAX; 8]),
    ];
    scalars.extend((0..200).map(|_| Uint(rng.gen())));
    for width in 2..=8 {
        for k in &scalars {
            let digits = wnaf(k, width);
            let mut sum = num_bigint_signed(0);
            for (i, &d) in digits.iter().enumerate().rev() {
                sum = sum * 2 + i64::from(d);
                if d != 0 {
                    assert!(d % 2 != 0 && d.abs() < 1 << (width - 1), "{d}");
                    let window = &digits[i + 1..(i + width as usize).min(digits.len())];
                    assert!(window.iter().all(|&next| next == 0), "width {width}");
                }
            }
            assert_eq!(sum, num_bigint_signed(0) + big(k), "width {width}");
        }
    }
}

/// Signed sums of wNAF digits, without a signed bignum type: an offset keeps them positive.
#[derive(Debug, PartialEq)]
struct Offset(BigUint, BigUint);

fn num_bigint_signed(value: u8) -> Offset {
    let offset = BigUint::from(1u8) << 600;
    Offset(&offset + value, offset)
}

impl core::ops::Mul<u8> for Offset {
    type Output = Self;
    fn mul(self, factor: u8) -> Self {
        // (v + o)·2 − o = 2v + o
        Offset(self.0 * factor - &self.1, self.1)
    }
}

impl core::ops::Add<i64> for Offset {
    type Output = Self;
    fn add(self, term: i64) -> Self {
        let value = if term < 0 {
            self.0 - term.unsigned_abs()
        } else {
            self.0 + term.unsigned_abs()
        };
        Offset(value, self.1)
    }
}

impl core::ops::Add<BigUint> for Offset {
    type Output = Self;
    fn add(self, term: BigUint) -> Self {
        Offset(self.0 + term, self.1)
    }
}

macro_rules! curve_tests {
    ($module:ident, $limbs:literal, $curve:path, $rc:ident, $hash:ty, $rounds:literal) => {
        mod $module {
            use sha2::Digest as _;
            use $rc::ecdsa::{
                signature::{hazmat::PrehashVerifier as _, Signer as _},
                Signature as RustCryptoSignature, SigningKey, VerifyingKey,
            };

            use super::*;

            fn curve() -> &'static Curve<$limbs> {
                $curve()
            }

            fn n() -> BigUint {
                big(curve().n.modulus())
            }

            fn p() -> BigUint {
                big(curve().p.modulus())
            }

            fn public(key: &SigningKey) -> PublicKey<$limbs> {
                let sec1 = VerifyingKey::from(key).to_encoded_point(false);
                PublicKey::from_sec1(curve(), sec1.as_bytes()).unwrap()
            }

            /// `k·G`, computed by `RustCrypto`, as our key.
            fn multiple_of_g(k: &BigUint) -> PublicKey<$limbs> {
                public(&SigningKey::from_slice(&bytes(k, curve().len)).unwrap())
            }

            fn generator() -> PublicKey<$limbs> {
                PublicKey::new(curve(), curve().g)
            }

            fn affine_x(key: &PublicKey<$limbs>) -> BigUint {
                big(&curve().p.from_mont(&key.point.x))
            }

            fn verifies(key: &PublicKey<$limbs>, message: &[u8], signature: &[u8]) -> bool {
                Signature::from_bytes(curve(), signature)
                    .is_some_and(|sig| key.verify_prehash(&<$hash>::digest(message), &sig))
            }

            fn signature(r: &BigUint, s: &BigUint) -> Signature<$limbs> {
                Signature {
                    curve: curve(),
                    r: uint(r),
                    s: uint(s),
                }
            }

            #[test]
            fn constants_match_rustcrypto_and_n_is_the_order_of_g() {
                assert_eq!(
                    generator().to_sec1(),
                    multiple_of_g(&BigUint::from(1u8)).to_sec1()
                );
                // G is on the curve (b is right), and (n − 1)·G = −G (n is its order).
                assert!(PublicKey::from_sec1(curve(), &generator().to_sec1()).is_ok());
                let minus_one: Uint<$limbs> = uint(&(n() - 1u8));
                let g = curve().g_multiples().unwrap();
                let sum = curve().mul_add(&minus_one, g, &Uint::ZERO, g);
                let minus_g = curve().to_affine(&[sum]).unwrap()[0];
                // The tables hold G, 3G, … and 2^h·G, 3·2^h·G, …
                let two_h = BigUint::from(1u8) << curve().half();
                for (k, point) in g.low.iter().enumerate() {
                    let expected = multiple_of_g(&BigUint::from(2 * k + 1)).to_sec1();
                    assert_eq!(PublicKey::new(curve(), *point).to_sec1(), expected);
                }
                for (k, point) in g.high.iter().enumerate() {
                    let expected = multiple_of_g(&(&two_h * (2 * k + 1) % n())).to_sec1();
                    assert_eq!(PublicKey::new(curve(), *point).to_sec1(), expected);
                }
                assert_eq!(minus_g.x, curve().g.x);
                assert_eq!(minus_g.y, curve().p.sub(&Uint::ZERO, &curve().g.y));
                assert_eq!(curve().len, curve().p.modulus().bits().div_ceil(8));
            }

            #[test]
            fn split_scalar_multiplication_agrees_with_rustcrypto() {
                // Random scalars, and ones near n and 2^bits(n) whose wNAF runs a digit past
                // 2h, where the halves meet.
                let mut rng = StdRng::seed_from_u64(8);
                let top = BigUint::from(1u8) << (curve().n.modulus().bits() - 1);
                let mut scalars = vec![n() - 1u8, n() - 2u8, n() - 3u8, top.clone(), &top - 1u8];
                scalars.extend((0..20).map(|_| {
                    BigUint::from_bytes_be(
                        &(0..curve().len).map(|_| rng.gen()).collect::<Vec<u8>>(),
                    ) % n()
                }));
                let g = curve().g_multiples().unwrap();
                let q = curve().multiples(&curve().g, point::Q_WINDOW).unwrap();
                for u in scalars.into_iter().filter(|u| *u != BigUint::from(0u8)) {
                    let expected = multiple_of_g(&u).to_sec1();
                    for (u1, u2) in [(uint(&u), Uint::ZERO), (Uint::ZERO, uint(&u))] {
                        let sum = curve().mul_add(&u1, g, &u2, &q);
                        let affine = curve().to_affine(&[sum]).unwrap()[0];
                        assert_eq!(PublicKey::new(curve(), affine).to_sec1(), expected, "{u:x}");
                    }
                }
            }

            #[test]
            fn rustcrypto_signatures_verify_and_no_other_key_or_message_does() {
                let mut rng = StdRng::seed_from_u64($limbs);
                for _ in 0..$rounds {
                    let signing = SigningKey::random(&mut rng);
                    let key = public(&signing);
                    let mut message = vec![0; rng.gen_range(0..200)];
                    rng.fill_bytes(&mut message);
                    let sig: RustCryptoSignature = signing.sign(&message);
                    assert!(verifies(&key, &message, &sig.to_bytes()));
                    let other = public(&SigningKey::random(&mut rng));
                    assert!(!verifies(&other, &message, &sig.to_bytes()));
                    message.push(0);
                    assert!(!verifies(&key, &message, &sig.to_bytes()));
                }
            }

            #[test]
            fn every_single_bit_flip_fails() {
                let signing = SigningKey::random(&mut StdRng::seed_from_u64(3));
                let key = public(&signing);
                // Short: flipping a message bit changes the hash however long the message is.
                let message = b"header.payload".to_vec();
                let sig = RustCryptoSignature::to_bytes(&signing.sign(&message)).to_vec();
                assert!(verifies(&key, &message, &sig));
                for bit in 0..8 * sig.len() {
                    let mut flipped = sig.clone();
                    flipped[bit / 8] ^= 1 << (bit % 8);
                    assert!(!verifies(&key, &message, &flipped), "signature bit {bit}");
                }
                for bit in 0..8 * message.len() {
                    let mut flipped = message.clone();
                    flipped[bit / 8] ^= 1 << (bit % 8);
                    assert!(!verifies(&key, &flipped, &sig), "message bit {bit}");
                }
            }

            #[test]
            fn r_and_s_outside_one_to_n_minus_one_are_refused() {
                let len = curve().len;
                let signing = SigningKey::random(&mut StdRng::seed_from_u64(4));
                let key = public(&signing);
                let sig = RustCryptoSignature::to_bytes(&signing.sign(b"m")).to_vec();
                let (r, s) = (
                    BigUint::from_bytes_be(&sig[..len]),
                    BigUint::from_bytes_be(&sig[len..]),
                );
                let all_ones = BigUint::from_bytes_be(&vec![0xff; len]);
                for bad in [BigUint::from(0u8), n(), n() + 1u8, all_ones] {
                    for (r, s) in [(&bad, &s), (&r, &bad)] {
                        let encoded = [bytes(r, len), bytes(s, len)].concat();
                        assert!(Signature::from_bytes(curve(), &encoded).is_none());
                    }
                }
                // r + n and s + n are the same residues: still refused.
                for (r, s) in [(&r + n(), s.clone()), (r.clone(), &s + n())] {
                    if r.bits() <= 8 * len && s.bits() <= 8 * len {
                        let encoded = [bytes(&r, len), bytes(&s, len)].concat();
                        assert!(!verifies(&key, b"m", &encoded));
                    }
                }
                for len in [0, 1, len, 2 * len - 1, 2 * len + 1] {
                    assert!(Signature::from_bytes(curve(), &vec![1; len]).is_none());
                }
                // (r, n − s) is the other valid signature of the same message: ECDSA is malleable.
                let encoded = [bytes(&r, len), bytes(&(n() - &s), len)].concat();
                assert!(verifies(&key, b"m", &encoded));
                assert_eq!(
                    Signature::from_bytes(curve(), &sig).unwrap().to_bytes(),
                    sig
                );
            }

            #[test]
            fn keys_off_the_curve_out_of_range_or_at_infinity_are_refused() {
                let len = curve().len;
                let good = generator().to_sec1();
                let mut off = good.clone();
                off[2 * len] ^= 1;
                assert!(PublicKey::from_sec1(curve(), &off)
                    .is_err_and(|e| e.contains("not on the curve")));
                // x or y replaced by p, or by a value above p.
                let p_bytes = bytes(&p(), len);
                let above = bytes(
                    &(p() + 3u8).min(BigUint::from_bytes_be(&vec![0xff; len])),
                    len,
                );
                for big_coordinate in [&p_bytes, &above] {
                    for at in [1, 1 + len] {
                        let mut key = good.clone();
                        key[at..at + len].copy_from_slice(big_coordinate);
                        assert!(
                            PublicKey::from_sec1(curve(), &key).is_err_and(|e| e.contains("below"))
                        );
                    }
                    assert!(PublicKey::from_sec1(
                        curve(),
                        &[[2].as_slice(), big_coordinate].concat()
                    )
                    .is_err());
                }
                // (x, y + p) would be the same point if coordinates were reduced; where it fits, it is refused.
                let y = BigUint::from_bytes_be(&good[1 + len..]);
                if (&y + p()).bits() <= 8 * len {
                    let mut key = good.clone();
                    key[1 + len..].copy_from_slice(&bytes(&(&y + p()), len));
                    assert!(PublicKey::from_sec1(curve(), &key).is_err());
                }
                for malformed in [
                    vec![],
                    vec![0],
                    vec![0; 1 + 2 * len],
                    [[5].as_slice(), &good[1..]].concat(),
                    good[..good.len() - 1].to_vec(),
                    [good.as_slice(), &[0]].concat(),
                    [[4].as_slice(), &good[1..=len]].concat(),
                    [[2].as_slice(), &good[1..]].concat(),
                ] {
                    assert!(
                        PublicKey::from_sec1(curve(), &malformed).is_err(),
                        "{malformed:?}"
                    );
                }
            }

            #[test]
            fn compressed_keys_give_the_uncompressed_key() {
                let mut rng = StdRng::seed_from_u64(5);
                for _ in 0..20 {
                    let verifying = VerifyingKey::from(&SigningKey::random(&mut rng));
                    let compressed = verifying.to_encoded_point(true);
                    let key = PublicKey::from_sec1(curve(), compressed.as_bytes()).unwrap();
                    assert_eq!(key.to_sec1(), verifying.to_encoded_point(false).as_bytes());
                }
                // An x with no point above it: x³ − 3x + b is not a square.
                let x = (1u32..1000)
                    .map(BigUint::from)
                    .find(|x| {
                        curve()
                            .sqrt(&curve().curve_rhs(&curve().p.to_mont(&uint(x))))
                            .is_none()
                    })
                    .unwrap();
                for tag in [2, 3] {
                    let encoded = [vec![tag], bytes(&x, curve().len)].concat();
                    assert!(PublicKey::from_sec1(curve(), &encoded)
                        .is_err_and(|e| e.contains("not on the curve")));
                }
            }

            #[test]
            fn additions_handle_equal_opposite_and_infinite_points() {
                let c = curve();
                let affine = |point| c.to_affine(&[point]).map(|points| points[0]);
                let g = c.to_jacobian(&c.g);
                let two_g = affine(c.double(&g)).unwrap();
                assert_eq!(
                    PublicKey::new(c, two_g).to_sec1(),
                    multiple_of_g(&BigUint::from(2u8)).to_sec1()
                );
                // The same point in other Jacobian coordinates: (λ²X, λ³Y, λZ).
                let f = &c.p;
                let lambda = f.to_mont(&uint(&BigUint::from(7u8)));
                let lambda2 = f.square(&lambda);
                let g_scaled = point::Jacobian {
                    x: f.mul(&g.x, &lambda2),
                    y: f.mul(&g.y, &f.mul(&lambda2, &lambda)),
                    z: lambda,
                };
                let minus_g = point::Jacobian {
                    y: f.sub(&Uint::ZERO, &g.y),
                    ..g_scaled
                };
                assert_eq!(affine(c.add(&g, &g_scaled)), Some(two_g));
                assert_eq!(affine(c.add_affine(&g_scaled, &c.g, false)), Some(two_g));
                assert!(c.add(&g, &minus_g).is_infinity());
                assert!(c.add_affine(&g_scaled, &c.g, true).is_infinity());
                assert!(c.double(&c.infinity()).is_infinity());
                assert_eq!(affine(c.add(&c.infinity(), &g_scaled)), Some(c.g));
                assert_eq!(affine(c.add(&g_scaled, &c.infinity())), Some(c.g));
                assert_eq!(affine(c.add_affine(&c.infinity(), &c.g, false)), Some(c.g));
                assert_eq!(affine(c.infinity()), None);
            }

            #[test]
            fn the_doubling_and_infinity_cases_of_the_addition() {
                // Q = G and u1 = u2 = u (e = r, s = r/u): the wNAF ladder adds G to an equal
                // sum at its first step (the P = Q case) and R = 2u·G.
                let g = generator();
                let mut rng = StdRng::seed_from_u64(6);
                let mut us = vec![BigUint::from(1u8), BigUint::from(3u8), n() - 1u8];
                us.extend((0..10).map(|_| {
                    BigUint::from_bytes_be(&bytes(&BigUint::from(rng.gen::<u64>()), 8))
                        * rng.gen::<u64>()
                        % n()
                }));
                for u in us {
                    let r = affine_x(&multiple_of_g(&(&u * 2u8 % n()))) % n();
                    let s = &r * u.modpow(&(n() - 2u8), &n()) % n();
                    assert!(g.verify_scalar(&uint(&r), &signature(&r, &s)), "u = {u}");
                    let wrong = (&r + 1u8) % n();
                    assert!(
                        !g.verify_scalar(&uint(&wrong), &signature(&wrong, &s)),
                        "u = {u}"
                    );
                }
                // u1 = 1, u2 = −1 (e = s, r = n − s): R = G − G, the point at infinity, which
                // must be refused whatever r is.
                for s in [1u8, 2, 77] {
                    let s = BigUint::from(s);
                    let r = n() - &s;
                    assert!(!g.verify_scalar(&uint(&s), &signature(&r, &s)));
                }
            }

            #[test]
            fn an_x_coordinate_above_the_order_matches_r_plus_n() {
                // Q with x = n + k < p: for e = 0 and s = r = k, u1 = 0, u2 = 1 and R = Q,
                // so x(R) mod n = k = r only through the r + n comparison.
                let (x, key) = (1u32..1000)
                    .map(|k| n() + k)
                    .find_map(|x| {
                        let encoded = [vec![2], bytes(&x, curve().len)].concat();
                        PublicKey::from_sec1(curve(), &encoded)
                            .ok()
                            .map(|key| (x, key))
                    })
                    .unwrap();
                let r = &x - n();
                let sig = signature(&r, &r);
                assert!(key.verify_scalar(&Uint::ZERO, &sig));
                assert!(!key.verify_scalar(&Uint::ZERO, &signature(&(&r + 1u8), &(&r + 1u8))));
                // RustCrypto agrees.
                let theirs = VerifyingKey::from_sec1_bytes(&key.to_sec1()).unwrap();
                let their_sig = RustCryptoSignature::from_slice(&sig.to_bytes()).unwrap();
                assert!(theirs
                    .verify_prehash(&vec![0; <$hash>::output_size()], &their_sig)
                    .is_ok());
            }

            #[test]
            fn x_comparison_without_inversion() {
                let (c, f) = (curve(), &curve().p);
                let z = f.to_mont(&uint(&BigUint::from(0x1234_5678u32)));
                let zz = f.square(&z);
                // The Jacobian X of an affine x, with this Z.
                let at = |x: &BigUint| f.mul(&f.to_mont(&uint(x)), &zz);
                let five = BigUint::from(5u8);
                assert!(c.x_reduces_to(&at(&five), &z, &uint(&five)));
                assert!(c.x_reduces_to(&at(&(n() + 5u8)), &z, &uint(&five)));
                assert!(!c.x_reduces_to(&at(&BigUint::from(6u8)), &z, &uint(&five)));
                // r + n = p − 1 < p: x = p − 1 matches; r + n = p + 1 ≥ p wraps to 1, which must not.
                let r = p() - n() - 1u8;
                assert!(c.x_reduces_to(&at(&(p() - 1u8)), &z, &uint(&r)));
                let r = p() - n() + 1u8;
                assert!(!c.x_reduces_to(&at(&BigUint::from(1u8)), &z, &uint(&r)));
                assert!(c.x_reduces_to(&at(&r), &z, &uint(&r)));
            }
        }
    };
}

curve_tests!(p256_tests, 8, p256, p256, sha2::Sha256, 40);
curve_tests!(p384_tests, 12, p384, p384, sha2::Sha384, 20);
curve_tests!(p521_tests, 17, p521, p521, sha2::Sha512, 10);
