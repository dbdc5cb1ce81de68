//! Point arithmetic on `y² = x³ − 3x + b` in Jacobian coordinates (x = X/Z², y = Y/Z³), and
//! the double-scalar multiplication `u1·G + u2·Q` that ECDSA verification reduces to.
//!
//! Each scalar is split at `h = ⌈bits(n)/2⌉` into `u = u_lo + 2^h·u_hi`, with tables for both
//! `P` and `2^h·P`: the four products then share one chain of only `h` doublings, which is
//! most of the cost. The tables are built once: per curve for `G`, per key for `Q`.
//!
//! Formulas from the Explicit-Formulas Database: `dbl-2001-b` (a = −3), `add-2007-bl` and
//! `madd-2007-bl`. Field elements are in Montgomery form throughout. Variable-time.

use super::{Curve, Uint};

/// A finite point in affine coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// wNAF width for `Q`: 2 × 8 odd multiples per key.
pub(super) const Q_WINDOW: u32 = 5;
/// wNAF width for `G`: 2 × 32 odd multiples per curve.
pub(super) const G_WINDOW: u32 = 7;

/// The odd multiples `P, 3P, …` of a point and of `2^h·P`, affine, for wNAF digits of one
/// width: the low and high halves of a split scalar select from `low` and `high`.
pub(super) struct Multiples<const N: usize> {
    width: u32,
    pub(super) low: Vec<Affine<N>>,
    pub(super) high: Vec<Affine<N>>,
}

impl<const N: usize> Curve<N> {
    pub(super) fn to_jacobian(&self, point: &Affine<N>) -> Jacobian<N> {
        Jacobian {
            x: point.x,
            y: point.y,
            z: self.p.one(),
        }
    }

    /// Affine forms of finite points, with one inversion for all (Montgomery's trick); `None`
    /// if any is the point at infinity.
    pub(super) fn to_affine(&self, points: &[Jacobian<N>]) -> Option<Vec<Affine<N>>> {
        let f = &self.p;
        // products[i] = Z_0 · … · Z_i
        let mut products = Vec::with_capacity(points.len());
        let mut product = f.one();
        for point in points {
            product = f.mul(&product, &point.z);
            products.push(product);
        }
        let mut inverse = f.invert_vartime(&product)?;
        let mut affine = vec![
            Affine {
                x: Uint::ZERO,
                y: Uint::ZERO
            };
            points.len()
        ];
        for (i, point) in points.iter().enumerate().rev() {
            // inverse = (Z_0 · … · Z_i)⁻¹ here.
            let z_inv = match i {
                0 => inverse,
                _ => f.mul(&inverse, &products[i - 1]),
            };
            inverse = f.mul(&inverse, &point.z);
            let z_inv2 = f.square(&z_inv);
            affine[i] = Affine {
                x: f.mul(&point.x, &z_inv2),
                y: f.mul(&point.y, &f.mul(&z_inv2, &z_inv)),
            };
        }
        Some(affine)
    }

    /// `2·P`. The curves have odd order, so no finite point has `y = 0` and only infinity
    /// doubles to infinity, which the formula gives by itself (`Z3 = 2·Y·Z = 0`).
    // Not inlined into the ladder's unrolled loop (nor `add_affine`): one copy per curve keeps
    // the wasm about 4 KB (gzipped) smaller, for a call per dozen field multiplications.
    #[inline(never)]
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
    #[inline(never)]
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
    fn odd_multiples(&self, point: &Jacobian<N>, width: u32) -> Vec<Jacobian<N>> {
        let twice = self.double(point);
        let mut table = vec![*point];
        for _ in 1..1 << (width - 2) {
            let next = self.add(&table[table.len() - 1], &twice);
            table.push(next);
        }
        table
    }

    /// Where scalars are split: `h = ⌈bits(n)/2⌉`.
    pub(super) fn half(&self) -> usize {
        self.n.modulus().bits().div_ceil(2)
    }

    /// The tables of `point` for wNAF digits of `width`. `None` only for a point whose
    /// multiples reach infinity, which no point of prime order n does.
    pub(super) fn multiples(&self, point: &Affine<N>, width: u32) -> Option<Multiples<N>> {
        let low = self.to_jacobian(point);
        let high = (0..self.half()).fold(low, |p, _| self.double(&p));
        let mut both = self.odd_multiples(&low, width);
        both.extend(self.odd_multiples(&high, width));
        let mut low = self.to_affine(&both)?;
        let high = low.split_off(both.len() / 2);
        Some(Multiples { width, low, high })
    }

    /// `u1·G + u2·Q`, given the tables of `G` and `Q`: one shared chain of doublings
    /// (Shamir's trick) for the four half scalars, all in wNAF form so that only about one
    /// digit in `width + 1` costs an addition.
    pub(super) fn mul_add(
        &self,
        u1: &Uint<N>,
        g: &Multiples<N>,
        u2: &Uint<N>,
        q: &Multiples<N>,
    ) -> Jacobian<N> {
        // Digit i of the low half and digit i of the high half (digit h + i of the whole)
        // are added at the same step, each from its own table.
        let (g_digits, q_digits) = (wnaf(u1, g.width), wnaf(u2, q.width));
        let h = self.half();
        let halves = [split_at_most(&g_digits, h), split_at_most(&q_digits, h)];
        let steps = halves
            .iter()
            .flat_map(|(low, high)| [low.len(), high.len()])
            .max()
            .unwrap_or(0);
        let mut sum = self.infinity();
        for i in (0..steps).rev() {
            if !sum.is_infinity() {
                sum = self.double(&sum);
            }
            for ((low, high), tables) in halves.iter().zip([g, q]) {
                for (digits, table) in [(low, &tables.low), (high, &tables.high)] {
                    let d = digits.get(i).copied().unwrap_or(0);
                    if d != 0 {
                        let multiple = &table[d.unsigned_abs() as usize / 2];
                        sum = self.add_affine(&sum, multiple, d < 0);
                    }
                }
            }
        }
        sum
    }
}

fn split_at_most(digits: &[i32], at: usize) -> (&[i32], &[i32]) {
    digits.split_at(at.min(digits.len()))
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
