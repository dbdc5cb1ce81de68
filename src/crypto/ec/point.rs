//! Point arithmetic on `y² = x³ − 3x + b` in Jacobian coordinates (x = X/Z², y = Y/Z³), and
//! the double-scalar multiplication `u1·G + u2·Q` that ECDSA verification reduces to.
//!
//! Formulas from the Explicit-Formulas Database: `dbl-2001-b` (a = −3), `add-2007-bl` and
//! `madd-2007-bl`. Field elements are in Montgomery form throughout. Variable-time.

use super::{Curve, Uint};

/// A finite point in affine coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Affine<const N: usize> {
    pub(super) x: Uint<N>,
    pub(super) y: Uint<N>,
}

/// A point in Jacobian coordinates; `Z = 0` is the point at infinity.
#[derive(Debug, Clone, Copy)]
pub(super) struct Jacobian<const N: usize> {
    pub(super) x: Uint<N>,
    pub(super) y: Uint<N>,
    pub(super) z: Uint<N>,
}

impl<const N: usize> Jacobian<N> {
    pub(super) fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }
}

/// wNAF width for `Q`: its table of 8 odd multiples is rebuilt on every verification.
const Q_WINDOW: u32 = 5;
/// wNAF width for `G`: its table of 32 odd multiples is built once per curve.
pub(super) const G_WINDOW: u32 = 7;

impl<const N: usize> Curve<N> {
    pub(super) fn to_jacobian(&self, point: &Affine<N>) -> Jacobian<N> {
        Jacobian {
            x: point.x,
            y: point.y,
            z: self.p.one(),
        }
    }

    /// `None` for the point at infinity.
    pub(super) fn to_affine(&self, point: &Jacobian<N>) -> Option<Affine<N>> {
        let f = &self.p;
        let z_inv = f.invert_vartime(&point.z)?;
        let z_inv2 = f.square(&z_inv);
        Some(Affine {
            x: f.mul(&point.x, &z_inv2),
            y: f.mul(&point.y, &f.mul(&z_inv2, &z_inv)),
        })
    }

    fn negate(&self, point: &Jacobian<N>) -> Jacobian<N> {
        Jacobian {
            y: self.p.sub(&Uint::ZERO, &point.y),
            ..*point
        }
    }

    /// `2·P`. The curves have odd order, so no finite point has `y = 0` and only infinity
    /// doubles to infinity, which the formula gives by itself (`Z3 = 2·Y·Z = 0`).
    pub(super) fn double(&self, point: &Jacobian<N>) -> Jacobian<N> {
        let f = &self.p;
        let delta = f.square(&point.z);
        let gamma = f.square(&point.y);
        let beta = f.mul(&point.x, &gamma);
        // a = −3 turns 3·X² + a·Z⁴ into 3·(X − Z²)·(X + Z²).
        let t = f.mul(&f.sub(&point.x, &delta), &f.add(&point.x, &delta));
        let alpha = f.add(&f.add(&t, &t), &t);
        let beta2 = f.add(&beta, &beta);
        let beta4 = f.add(&beta2, &beta2);
        let x = f.sub(&f.square(&alpha), &f.add(&beta4, &beta4));
        let yz = f.mul(&point.y, &point.z);
        let gamma_sq = f.square(&gamma);
        let gamma_sq2 = f.add(&gamma_sq, &gamma_sq);
        let gamma_sq4 = f.add(&gamma_sq2, &gamma_sq2);
        let gamma_sq8 = f.add(&gamma_sq4, &gamma_sq4);
        let y = f.sub(&f.mul(&alpha, &f.sub(&beta4, &x)), &gamma_sq8);
        Jacobian {
            x,
            y,
            z: f.add(&yz, &yz),
        }
    }

    /// `P + Q`, for any two points. The formula fails when `P = ±Q` (and at infinity), so
    /// those cases are caught first: a doubling computed as an addition would yield infinity,
    /// and a verification that wrongly lands on (or misses) infinity can accept a forgery.
    // The names are the formulas' own.
    #[allow(clippy::many_single_char_names)]
    pub(super) fn add(&self, p: &Jacobian<N>, q: &Jacobian<N>) -> Jacobian<N> {
        if p.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *p;
        }
        let f = &self.p;
        let z1z1 = f.square(&p.z);
        let z2z2 = f.square(&q.z);
        let u1 = f.mul(&p.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&p.y, &f.mul(&q.z, &z2z2));
        let s2 = f.mul(&q.y, &f.mul(&p.z, &z1z1));
        let h = f.sub(&u2, &u1);
        let r = f.sub(&s2, &s1);
        if h.is_zero() {
            // Same x: P = Q when the y agree too, otherwise P = −Q.
            return if r.is_zero() {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let h2 = f.add(&h, &h);
        let i = f.square(&h2);
        let j = f.mul(&h, &i);
        let r = f.add(&r, &r);
        let v = f.mul(&u1, &i);
        let x = f.sub(&f.sub(&f.square(&r), &j), &f.add(&v, &v));
        let s1j = f.mul(&s1, &j);
        let y = f.sub(&f.mul(&r, &f.sub(&v, &x)), &f.add(&s1j, &s1j));
        let z = f.sub(&f.sub(&f.square(&f.add(&p.z, &q.z)), &z1z1), &z2z2);
        Jacobian {
            x,
            y,
            z: f.mul(&z, &h),
        }
    }

    /// `P + Q` for an affine `Q` (`Z2 = 1`), which saves four multiplications; `negate_q`
    /// adds `−Q` instead. Same special cases as [`Curve::add`].
    #[allow(clippy::many_single_char_names)]
    pub(super) fn add_affine(&self, p: &Jacobian<N>, q: &Affine<N>, negate_q: bool) -> Jacobian<N> {
        let f = &self.p;
        let q_y = if negate_q {
            f.sub(&Uint::ZERO, &q.y)
        } else {
            q.y
        };
        if p.is_infinity() {
            return Jacobian {
                x: q.x,
                y: q_y,
                z: f.one(),
            };
        }
        let z1z1 = f.square(&p.z);
        let u2 = f.mul(&q.x, &z1z1);
        let s2 = f.mul(&q_y, &f.mul(&p.z, &z1z1));
        let h = f.sub(&u2, &p.x);
        let r = f.sub(&s2, &p.y);
        if h.is_zero() {
            return if r.is_zero() {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let hh = f.square(&h);
        let i = f.add(&f.add(&hh, &hh), &f.add(&hh, &hh));
        let j = f.mul(&h, &i);
        let r = f.add(&r, &r);
        let v = f.mul(&p.x, &i);
        let x = f.sub(&f.sub(&f.square(&r), &j), &f.add(&v, &v));
        let y1j = f.mul(&p.y, &j);
        let y = f.sub(&f.mul(&r, &f.sub(&v, &x)), &f.add(&y1j, &y1j));
        let z = f.sub(&f.sub(&f.square(&f.add(&p.z, &h)), &z1z1), &hh);
        Jacobian { x, y, z }
    }

    pub(super) fn infinity(&self) -> Jacobian<N> {
        Jacobian {
            x: self.p.one(),
            y: self.p.one(),
            z: Uint::ZERO,
        }
    }

    /// `P, 3P, 5P, …, (2^(width−1) − 1)·P`: the multiples a width-`width` wNAF digit selects.
    pub(super) fn odd_multiples(&self, point: &Jacobian<N>, width: u32) -> Vec<Jacobian<N>> {
        let twice = self.double(point);
        let mut table = vec![*point];
        for _ in 1..1 << (width - 2) {
            let next = self.add(&table[table.len() - 1], &twice);
            table.push(next);
        }
        table
    }

    /// `u1·G + u2·Q`: one shared chain of doublings (Shamir's trick) with both scalars in
    /// wNAF form, so that only about one bit in `width + 1` costs an addition.
    pub(super) fn mul_add(&self, u1: &Uint<N>, u2: &Uint<N>, q: &Affine<N>) -> Jacobian<N> {
        let g_table = self.g_table();
        let q_table = self.odd_multiples(&self.to_jacobian(q), Q_WINDOW);
        let (g_digits, q_digits) = (wnaf(u1, G_WINDOW), wnaf(u2, Q_WINDOW));
        let mut sum = self.infinity();
        for i in (0..g_digits.len().max(q_digits.len())).rev() {
            if !sum.is_infinity() {
                sum = self.double(&sum);
            }
            let d = q_digits.get(i).copied().unwrap_or(0);
            if d != 0 {
                let multiple = &q_table[d.unsigned_abs() as usize / 2];
                sum = if d > 0 {
                    self.add(&sum, multiple)
                } else {
                    self.add(&sum, &self.negate(multiple))
                };
            }
            let d = g_digits.get(i).copied().unwrap_or(0);
            if d != 0 {
                sum = self.add_affine(&sum, &g_table[d.unsigned_abs() as usize / 2], d < 0);
            }
        }
        sum
    }
}

/// The width-`width` non-adjacent form of `k`, least significant digit first: every digit
/// is zero or odd with `|d| < 2^(width−1)`, and of any `width` consecutive digits at most one
/// is nonzero.
pub(super) fn wnaf<const N: usize>(k: &Uint<N>, width: u32) -> Vec<i32> {
    let bits = k.bits();
    let mut digits = vec![0; bits + width as usize];
    let (mut i, mut carry) = (0, 0);
    while i < bits || carry != 0 {
        // The bit at i plus the carry into it: even means a zero digit and the carry moves on.
        if i32::from(k.bit(i)) == carry {
            i += 1;
            continue;
        }
        let window = (0..width).fold(0, |acc, b| acc | i32::from(k.bit(i + b as usize)) << b);
        // Odd, so below 2^width even with the carry; the digit is its signed residue, and a
        // negative one borrows 2^width from the digits above.
        let value = window + carry;
        (digits[i], carry) = if value >> (width - 1) == 1 {
            (value - (1 << width), 1)
        } else {
            (value, 0)
        };
        i += width as usize;
    }
    digits.truncate(
        digits
            .iter()
            .rposition(|&d| d != 0)
            .map_or(0, |top| top + 1),
    );
    digits
}
