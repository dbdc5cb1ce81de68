//! Montgomery arithmetic on fixed-size unsigned integers: the one piece of big-number code that
//! RSA and the NIST curves verify with.
//!
//! Limbs are `u32` because wasm32 multiplies 32 × 32 → 64 bits natively, while a 64 × 64 → 128
//! product is a slow software routine there. Everything here is variable-time: verification only
//! ever handles public values (keys, signatures, messages).

// Limb arithmetic keeps the low half of each wider intermediate on purpose, and the textbook
// names (a, b, m, q, t) read better than long ones in these formulas.
#![allow(clippy::cast_possible_truncation, clippy::many_single_char_names)]

use core::{any::Any, cmp::Ordering};

/// `value` as a `U` when it is one (`T` is `U`): folds to a constant in each instance.
#[inline(always)]
fn same<T: 'static, U: 'static>(value: &T) -> Option<&U> {
    (value as &dyn Any).downcast_ref()
}

/// The field operations of the curves' sizes (8, 12 and 17 limbs: P-256, P-384, P-521) through
/// this crate's monomorphic instances below. Generic code is compiled in the crate that
/// instantiates it, and jwtgate, which instantiates the curve code, is built for size: there a
/// Montgomery product is a loop; here, at opt-level 3, it is unrolled, which makes ECDSA
/// verification 1.4x (P-256) to 2.6x (P-384) faster in wasm. Other sizes (RSA's) stay generic,
/// as loops that long are not unrolled anyway.
macro_rules! kernel {
    ($self:ident, $op:ident($($arg:ident),*), $any:ident) => {{
        kernel!(@try 8, $self, $op($($arg),*));
        kernel!(@try 12, $self, $op($($arg),*));
        kernel!(@try 17, $self, $op($($arg),*));
        $self.$any($($arg),*)
    }};
    (@try $n:literal, $self:ident, $op:ident($($arg:ident),*)) => {
        if N == $n {
            if let (Some(m), $(Some($arg)),*) =
                (same::<_, Modulus<$n>>($self), $(same::<_, Uint<$n>>($arg)),*)
            {
                let out: Uint<$n> = kernels::Kernels::$op(m, $($arg),*);
                if let Some(out) = same::<_, Uint<N>>(&out) {
                    return *out;
                }
            }
        }
    };
}

/// The instances of the field operations for 8, 12 and 17 limbs, compiled here (see `kernel!`):
/// trait methods of concrete types, so not generic. The products are never inlined: into a
/// caller built for size they would be re-optimized as its code is.
mod kernels {
    use super::{Modulus, Uint};

    pub(super) trait Kernels {
        type Int;
        fn add(&self, a: &Self::Int, b: &Self::Int) -> Self::Int;
        fn sub(&self, a: &Self::Int, b: &Self::Int) -> Self::Int;
        fn mul(&self, a: &Self::Int, b: &Self::Int) -> Self::Int;
        fn square(&self, a: &Self::Int) -> Self::Int;
    }

    macro_rules! instances {
        ($($n:literal),*) => {$(
            impl Kernels for Modulus<$n> {
                type Int = Uint<$n>;
                fn add(&self, a: &Uint<$n>, b: &Uint<$n>) -> Uint<$n> {
                    self.add_any(a, b)
                }
                fn sub(&self, a: &Uint<$n>, b: &Uint<$n>) -> Uint<$n> {
                    self.sub_any(a, b)
                }
                #[inline(never)]
                fn mul(&self, a: &Uint<$n>, b: &Uint<$n>) -> Uint<$n> {
                    self.mul_any(a, b)
                }
                #[inline(never)]
                fn square(&self, a: &Uint<$n>) -> Uint<$n> {
                    self.square_any(a)
                }
            }
        )*};
    }

    instances!(8, 12, 17);
}

/// An unsigned integer of `N` little-endian 32-bit limbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uint<const N: usize>(pub [u32; N]);

impl<const N: usize> Uint<N> {
    pub const ZERO: Self = Self([0; N]);

    /// From big-endian bytes; `None` when the value does not fit in `N` limbs.
    pub fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        let significant = &bytes[bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len())..];
        if significant.len() > 4 * N {
            return None;
        }
        let mut limbs = [0u32; N];
        for (i, &byte) in significant.iter().rev().enumerate() {
            limbs[i / 4] |= u32::from(byte) << (8 * (i % 4));
        }
        Some(Self(limbs))
    }

    /// The `out.len()` least significant bytes, big-endian.
    pub fn write_be_bytes(&self, out: &mut [u8]) {
        let len = out.len();
        for (i, byte) in out.iter_mut().enumerate() {
            let position = len - 1 - i;
            *byte = self
                .0
                .get(position / 4)
                .map_or(0, |limb| (limb >> (8 * (position % 4))) as u8);
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&limb| limb == 0)
    }

    /// The number of significant bits.
    pub fn bits(&self) -> usize {
        self.0.iter().rposition(|&limb| limb != 0).map_or(0, |top| {
            32 * top + 32 - self.0[top].leading_zeros() as usize
        })
    }

    pub fn bit(&self, index: usize) -> bool {
        self.0
            .get(index / 32)
            .is_some_and(|limb| limb >> (index % 32) & 1 == 1)
    }

    /// `self += other`, returning the carry out.
    fn add_assign(&mut self, other: &Self) -> bool {
        let mut carry = 0u64;
        for (a, b) in self.0.iter_mut().zip(other.0) {
            let sum = u64::from(*a) + u64::from(b) + carry;
            *a = sum as u32;
            carry = sum >> 32;
        }
        carry != 0
    }

    /// `self -= other`, returning the borrow out.
    fn sub_assign(&mut self, other: &Self) -> bool {
        let mut borrow = 0u64;
        for (a, b) in self.0.iter_mut().zip(other.0) {
            let diff = u64::from(*a).wrapping_sub(u64::from(b) + borrow);
            *a = diff as u32;
            borrow = diff >> 63;
        }
        borrow != 0
    }
}

impl<const N: usize> Ord for Uint<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

impl<const N: usize> PartialOrd for Uint<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An odd modulus `m < 2^(32N)` with what Montgomery multiplication needs. Values in
/// Montgomery form are `a·R mod m` with `R = 2^(32N)`; they are always fully reduced (`< m`).
#[derive(Clone)]
pub struct Modulus<const N: usize> {
    m: Uint<N>,
    /// `-m⁻¹ mod 2^32`.
    m0inv: u32,
    /// `R mod m`: one, in Montgomery form.
    one: Uint<N>,
    /// `R² mod m`: converts into Montgomery form.
    r2: Uint<N>,
}

impl<const N: usize> Modulus<N> {
    /// `None` unless `m` is odd and greater than one.
    pub fn new(m: Uint<N>) -> Option<Self> {
        if m.0[0] & 1 == 0 || m.bits() < 2 {
            return None;
        }
        // Newton's iteration doubles the correct low bits of the inverse each step; an odd
        // number is its own inverse modulo 8, so five steps reach 32 bits.
        let mut inv = m.0[0];
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m.0[0].wrapping_mul(inv)));
        }
        let mut modulus = Self {
            m,
            m0inv: inv.wrapping_neg(),
            one: Uint::ZERO,
            r2: Uint::ZERO,
        };
        // R mod m: start below m at 2^(bits−1) and double up to 2^(32N). That is one doubling
        // for a modulus that fills its limbs, a few for P-521.
        let top = m.bits() - 1;
        let mut one = Uint::ZERO;
        one.0[top / 32] = 1 << (top % 32);
        for _ in top..32 * N {
            one = modulus.add(&one, &one);
        }
        modulus.one = one;
        // R² mod m is 2^(32N) in Montgomery form: 2 in Montgomery form raised to 32N.
        let two = modulus.add(&one, &one);
        let exponent = ((32 * N) as u64).to_be_bytes();
        modulus.r2 = modulus.pow(&two, &exponent);
        Some(modulus)
    }

    pub fn modulus(&self) -> &Uint<N> {
        &self.m
    }

    /// One, in Montgomery form.
    pub fn one(&self) -> Uint<N> {
        self.one
    }

    /// `a` (which must be below m) into Montgomery form.
    pub fn to_mont(&self, a: &Uint<N>) -> Uint<N> {
        self.mul(a, &self.r2)
    }

    /// Out of Montgomery form.
    #[allow(clippy::wrong_self_convention)] // "from" Montgomery form, as `to_mont` goes into it
    pub fn from_mont(&self, a: &Uint<N>) -> Uint<N> {
        let mut unit = Uint::ZERO;
        unit.0[0] = 1;
        self.mul(a, &unit)
    }

    /// `a + b mod m`, for `a, b < m`.
    pub fn add(&self, a: &Uint<N>, b: &Uint<N>) -> Uint<N> {
        kernel!(self, add(a, b), add_any)
    }

    #[inline]
    fn add_any(&self, a: &Uint<N>, b: &Uint<N>) -> Uint<N> {
        let mut sum = *a;
        let carry = sum.add_assign(b);
        if carry || sum >= self.m {
            sum.sub_assign(&self.m);
        }
        sum
    }

    /// `a − b mod m`, for `a, b < m`.
    pub fn sub(&self, a: &Uint<N>, b: &Uint<N>) -> Uint<N> {
        kernel!(self, sub(a, b), sub_any)
    }

    #[inline]
    fn sub_any(&self, a: &Uint<N>, b: &Uint<N>) -> Uint<N> {
        let mut difference = *a;
        if difference.sub_assign(b) {
            difference.add_assign(&self.m);
        }
        difference
    }

    /// The Montgomery product `a·b·R⁻¹ mod m` (CIOS), for `a, b < m`.
    pub fn mul(&self, a: &Uint<N>, b: &Uint<N>) -> Uint<N> {
        kernel!(self, mul(a, b), mul_any)
    }

    #[inline]
    fn mul_any(&self, a: &Uint<N>, b: &Uint<N>) -> Uint<N> {
        let (m, a) = (&self.m.0, &a.0);
        let mut t = [0u32; N];
        let mut t_hi = 0u32;
        for &b_i in &b.0 {
            let b_i = u64::from(b_i);
            let mut carry = 0u64;
            for (t_j, &a_j) in t.iter_mut().zip(a) {
                let x = u64::from(*t_j) + u64::from(a_j) * b_i + carry;
                *t_j = x as u32;
                carry = x >> 32;
            }
            let x = u64::from(t_hi) + carry;
            t_hi = x as u32;
            let t_top = (x >> 32) as u32;

            let q = u64::from(t[0].wrapping_mul(self.m0inv));
            let mut carry = (u64::from(t[0]) + q * u64::from(m[0])) >> 32;
            for j in 1..N {
                let x = u64::from(t[j]) + q * u64::from(m[j]) + carry;
                t[j - 1] = x as u32;
                carry = x >> 32;
            }
            let x = u64::from(t_hi) + carry;
            t[N - 1] = x as u32;
            t_hi = t_top + (x >> 32) as u32;
        }
        let mut result = Uint(t);
        if t_hi != 0 || result >= self.m {
            result.sub_assign(&self.m);
        }
        result
    }

    /// `base^exponent` in Montgomery form, the exponent big-endian (left to right).
    pub fn pow(&self, base: &Uint<N>, exponent: &[u8]) -> Uint<N> {
        let mut result = self.one;
        // Squaring one is one: start at the exponent's top set bit.
        let mut started = false;
        for byte in exponent {
            for shift in (0..8).rev() {
                if started {
                    result = self.mul(&result, &result);
                }
                if byte >> shift & 1 == 1 {
                    result = self.mul(&result, base);
                    started = true;
                }
            }
        }
        result
    }
}

/// Helpers for the elliptic curves; the dedicated squaring below serves RSA as well (most of a
/// point doubling, and nearly all of an RSA verification, are squarings).
impl<const N: usize> Uint<N> {
    /// `self + other`, or `None` when the sum does not fit in `N` limbs.
    pub fn checked_add(&self, other: &Self) -> Option<Self> {
        let mut sum = *self;
        (!sum.add_assign(other)).then_some(sum)
    }

    /// `self >> 1`, with `top` shifted in as the most significant bit.
    fn shr1(&mut self, top: bool) {
        let mut carry = u32::from(top);
        for limb in self.0.iter_mut().rev() {
            let low = *limb & 1;
            *limb = *limb >> 1 | carry << 31;
            carry = low;
        }
    }
}

impl<const N: usize> Modulus<N> {
    /// `a mod m` for `a < 2m`: a single conditional subtraction. Any `a` no wider than `m`
    /// in bits qualifies, such as a hash no longer than the group order.
    pub fn reduce_once(&self, a: &Uint<N>) -> Uint<N> {
        debug_assert!(a.bits() <= self.m.bits());
        let mut reduced = *a;
        if reduced >= self.m {
            reduced.sub_assign(&self.m);
        }
        reduced
    }

    /// The Montgomery square `a²·R⁻¹ mod m`, for `a < m`. Each cross product `aᵢ·aⱼ` is
    /// computed once and doubled, which saves about a fifth of `mul`'s multiplications.
    pub fn square(&self, a: &Uint<N>) -> Uint<N> {
        kernel!(self, square(a), square_any)
    }

    #[inline]
    fn square_any(&self, a: &Uint<N>) -> Uint<N> {
        let a = &a.0;
        let mut wide = [[0u32; N]; 2];
        let t = wide.as_flattened_mut();
        for i in 0..N {
            let mut carry = 0u64;
            for j in i + 1..N {
                let x = u64::from(t[i + j]) + u64::from(a[i]) * u64::from(a[j]) + carry;
                t[i + j] = x as u32;
                carry = x >> 32;
            }
            t[i + N] = carry as u32;
        }
        // Twice the cross products is below a², so the doubling cannot carry out of the top.
        let mut top = 0;
        for limb in t.iter_mut() {
            let shifted_out = *limb >> 31;
            *limb = *limb << 1 | top;
            top = shifted_out;
        }
        let mut carry = 0u64;
        for (i, &a_i) in a.iter().enumerate() {
            let square = u64::from(a_i) * u64::from(a_i);
            let x = u64::from(t[2 * i]) + (square & 0xffff_ffff) + carry;
            t[2 * i] = x as u32;
            let x = u64::from(t[2 * i + 1]) + (square >> 32) + (x >> 32);
            t[2 * i + 1] = x as u32;
            carry = x >> 32;
        }
        self.redc(wide)
    }

    /// Montgomery reduction `t·R⁻¹ mod m` of a double-width `t = lo + hi·R < m·R`.
    fn redc(&self, [mut lo, hi]: [[u32; N]; 2]) -> Uint<N> {
        let m = &self.m.0;
        let mut extra = 0u64;
        for &hi_i in &hi {
            let q = u64::from(lo[0].wrapping_mul(self.m0inv));
            let mut carry = (u64::from(lo[0]) + q * u64::from(m[0])) >> 32;
            for j in 1..N {
                let x = u64::from(lo[j]) + q * u64::from(m[j]) + carry;
                lo[j - 1] = x as u32;
                carry = x >> 32;
            }
            let x = u64::from(hi_i) + carry + extra;
            lo[N - 1] = x as u32;
            extra = x >> 32;
        }
        let mut result = Uint(lo);
        if extra != 0 || result >= self.m {
            result.sub_assign(&self.m);
        }
        result
    }

    /// The inverse of `a` in Montgomery form, by the binary extended Euclidean algorithm:
    /// variable-time (ECDSA inverts the public `s` once per verification), and many times faster
    /// than an exponentiation by `m − 2`. `None` when there is none (`a = 0`, or `a` shares a
    /// factor with `m`).
    pub fn invert_vartime(&self, a: &Uint<N>) -> Option<Uint<N>> {
        let mut one = Uint::ZERO;
        one.0[0] = 1;
        // Invariants: x1·a ≡ u and x2·a ≡ v (mod m); u and v shrink until one of them is 1.
        let (mut u, mut v) = (*a, self.m);
        let (mut x1, mut x2) = (one, Uint::ZERO);
        while u != one && v != one {
            // Zero once u = v ≠ 1, i.e. when gcd(a, m) > 1.
            if u.is_zero() || v.is_zero() {
                return None;
            }
            while u.0[0] & 1 == 0 {
                u.shr1(false);
                self.halve(&mut x1);
            }
            while v.0[0] & 1 == 0 {
                v.shr1(false);
                self.halve(&mut x2);
            }
            if u >= v {
                u.sub_assign(&v);
                x1 = self.sub(&x1, &x2);
            } else {
                v.sub_assign(&u);
                x2 = self.sub(&x2, &x1);
            }
        }
        // For a = x·R that is x⁻¹·R⁻¹; two multiplications by R² bring it to x⁻¹·R.
        let inverse = if u == one { x1 } else { x2 };
        Some(self.mul(&self.mul(&inverse, &self.r2), &self.r2))
    }

    /// `x / 2 mod m`, for `x < m`.
    fn halve(&self, x: &mut Uint<N>) {
        let carry = x.0[0] & 1 == 1 && x.add_assign(&self.m);
        x.shr1(carry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::*;

    fn agrees_with_reference<const N: usize>(modulus_bytes: &[u8], rounds: usize, seed: u64) {
        let m_big = BigUint::from_bytes_be(modulus_bytes);
        let modulus = Modulus::<N>::new(Uint::from_be_bytes(modulus_bytes).unwrap()).unwrap();
        let r = BigUint::from(1u8) << (32 * N);
        let mut next = numbers(seed);
        for _ in 0..rounds {
            let a_big = BigUint::from_bytes_be(&next(modulus_bytes.len())) % &m_big;
            let b_big = BigUint::from_bytes_be(&next(modulus_bytes.len())) % &m_big;
            let (a, b) = (uint::<N>(&a_big), uint::<N>(&b_big));
            let (am, bm) = (modulus.to_mont(&a), modulus.to_mont(&b));
            assert_eq!(big(&am), (&a_big * &r) % &m_big);
            assert_eq!(
                big(&modulus.from_mont(&modulus.mul(&am, &bm))),
                (&a_big * &b_big) % &m_big
            );
            assert_eq!(big(&modulus.add(&a, &b)), (&a_big + &b_big) % &m_big);
            assert_eq!(
                big(&modulus.sub(&a, &b)),
                (&a_big + &m_big - &b_big) % &m_big
            );
            let e = next(3);
            assert_eq!(
                big(&modulus.from_mont(&modulus.pow(&am, &e))),
                a_big.modpow(&BigUint::from_bytes_be(&e), &m_big)
            );
        }
    }

    #[test]
    fn arithmetic_agrees_with_a_reference_bignum() {
        // P-256's prime (fills its limbs), P-521's (does not), and an odd 2048-bit number
        // with every top bit set, where carries out of the top limb happen.
        let p256 = hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        let mut p521 = vec![0x01];
        p521.extend([0xff; 65]);
        agrees_with_reference::<8>(&p256, 300, 1);
        agrees_with_reference::<17>(&p521, 100, 2);
        agrees_with_reference::<64>(&[0xff; 256], 20, 3);
        // A 2056-bit modulus rounded up to 96 limbs, as RSA does for odd sizes.
        let mut odd = vec![0xc3; 257];
        odd[256] |= 1;
        agrees_with_reference::<96>(&odd, 5, 4);
    }

    #[test]
    fn bytes_round_trip_and_bounds() {
        let x = Uint::<2>::from_be_bytes(&[0, 0, 1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        assert_eq!(x.0, [0x0506_0708, 0x0102_0304]);
        assert_eq!(x.bits(), 57);
        let mut out = [0u8; 9];
        x.write_be_bytes(&mut out);
        assert_eq!(out, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(Uint::<2>::from_be_bytes(&[1; 9]).is_none());
        assert!(Modulus::new(Uint::<2>::from_be_bytes(&[4]).unwrap()).is_none());
        assert!(Modulus::new(Uint::<2>::from_be_bytes(&[1]).unwrap()).is_none());
    }

    /// Squares, inverses and reductions against a reference bignum, for a modulus that fills
    /// its limbs (P-256's order) and one that does not (P-521's prime).
    fn agree<const N: usize>(modulus_hex: &str, seed: u64) {
        let bytes = hex(modulus_hex);
        let m_big = BigUint::from_bytes_be(&bytes);
        let modulus = Modulus::<N>::new(Uint::from_be_bytes(&bytes).unwrap()).unwrap();
        let r = BigUint::from(1u8) << (32 * N);
        let mut numbers = numbers(seed);
        let mut next = || BigUint::from_bytes_be(&numbers(bytes.len()));
        let edges = [
            BigUint::from(1u8),
            BigUint::from(2u8),
            &m_big - 1u8,
            &m_big - 2u8,
        ];
        for a_big in edges.into_iter().chain((0..200).map(|_| next() % &m_big)) {
            let a = uint::<N>(&a_big);
            let am = modulus.to_mont(&a);
            assert_eq!(modulus.square(&am), modulus.mul(&am, &am));
            assert_eq!(
                big(&modulus.square(&a)),
                (&a_big * &a_big * modular_inverse(&r, &m_big)) % &m_big
            );
            if a_big != BigUint::from(0u8) {
                let inverse = modulus.invert_vartime(&am).unwrap();
                assert_eq!(modulus.mul(&am, &inverse), modulus.one());
            }
        }
        assert_eq!(modulus.invert_vartime(&Uint::ZERO), None);
        // Below 2m: reduced by at most one subtraction.
        for x in [
            BigUint::from(0u8),
            &m_big - 1u8,
            m_big.clone(),
            &m_big + 5u8,
        ] {
            if x.bits() <= modulus.modulus().bits() {
                assert_eq!(big(&modulus.reduce_once(&uint::<N>(&x))), &x % &m_big);
            }
        }
    }

    fn modular_inverse(a: &BigUint, m: &BigUint) -> BigUint {
        a.modpow(&(m - 2u8), m)
    }

    #[test]
    fn squares_inverses_and_reductions_agree_with_a_reference_bignum() {
        agree::<8>(
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
            5,
        );
        agree::<17>(&format!("01{}", "ff".repeat(65)), 6);
    }

    #[test]
    fn inversion_fails_for_a_common_factor() {
        // 15 = 3·5: 6 and 10 have no inverse, 7 does.
        let modulus = Modulus::<1>::new(Uint([15])).unwrap();
        assert_eq!(modulus.invert_vartime(&modulus.to_mont(&Uint([6]))), None);
        assert_eq!(modulus.invert_vartime(&modulus.to_mont(&Uint([10]))), None);
        let seven = modulus.to_mont(&Uint([7]));
        assert_eq!(
            modulus.mul(&seven, &modulus.invert_vartime(&seven).unwrap()),
            modulus.one()
        );
    }

    #[test]
    fn checked_add_reports_overflow() {
        let max = Uint::<2>([u32::MAX; 2]);
        assert_eq!(max.checked_add(&Uint::ZERO), Some(max));
        assert_eq!(max.checked_add(&Uint([1, 0])), None);
        assert_eq!(
            Uint::<2>([u32::MAX, 0]).checked_add(&Uint([1, 0])),
            Some(Uint([0, 1]))
        );
    }
}
