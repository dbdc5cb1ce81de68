//! ECDSA verification on the NIST prime curves P-256, P-384 and P-521 (FIPS 186-5 §6.4.2,
//! SEC 1 §4.1.4): one implementation, generic over the number of 32-bit limbs, and three sets
//! of constants.
//!
//! Variable-time: a verification only handles public values.

mod point;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use super::mont::{Modulus, Uint};
use point::{Affine, Multiples, G_WINDOW, Q_WINDOW};

/// A curve `y² = x³ − 3x + b` over GF(p) with a generator `G` of prime order `n`, as
/// big-endian hex (FIPS 186-5 / SP 800-186 §3.2.1).
struct Params {
    name: &'static str,
    p: &'static str,
    n: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
}

const P256: Params = Params {
    name: "P-256",
    p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    gx: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
    gy: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
};

const P384: Params = Params {
    name: "P-384",
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe\
        ffffffff0000000000000000ffffffff",
    n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf\
        581a0db248b0a77aecec196accc52973",
    b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a\
        c656398d8a2ed19d2a85c8edd3ec2aef",
    gx: "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38\
         5502f25dbf55296c3a545e3872760ab7",
    gy: "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0\
         0a60b1ce1d7e819d7a431d7c90ea0e5f",
};

const P521: Params = Params {
    name: "P-521",
    p: "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
        ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    n: "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
        fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
    b: "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1\
        09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
    gx: "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d\
         3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
    gy: "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e\
         662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
};

/// P-256 (`secp256r1`), built on first use.
pub(crate) fn p256() -> &'static Curve<8> {
    static CURVE: OnceLock<Curve<8>> = OnceLock::new();
    CURVE.get_or_init(|| Curve::new(&P256))
}

/// P-384 (`secp384r1`), built on first use.
pub(crate) fn p384() -> &'static Curve<12> {
    static CURVE: OnceLock<Curve<12>> = OnceLock::new();
    CURVE.get_or_init(|| Curve::new(&P384))
}

/// P-521 (`secp521r1`), built on first use.
pub(crate) fn p521() -> &'static Curve<17> {
    static CURVE: OnceLock<Curve<17>> = OnceLock::new();
    CURVE.get_or_init(|| Curve::new(&P521))
}

/// A NIST curve whose field elements and scalars fit in `N` limbs.
pub struct Curve<const N: usize> {
    name: &'static str,
    /// The field: coordinates are kept in Montgomery form.
    p: Modulus<N>,
    /// The scalars: plain integers below `n`.
    n: Modulus<N>,
    /// In Montgomery form.
    b: Uint<N>,
    g: Affine<N>,
    /// Bytes per coordinate or scalar.
    len: usize,
    /// `p − n`: an x-coordinate in `[n, p)` reduces to `x − n`, and `r = x − n` is below it.
    p_minus_n: Uint<N>,
    /// The tables of `G`, built on the first verification: keys are also imported where a
    /// native backend verifies.
    g_multiples: OnceLock<Option<Multiples<N>>>,
}

impl<const N: usize> Curve<N> {
    fn new(params: &Params) -> Self {
        let uint = |hex: &str| {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("curve constants are hex"))
                .collect();
            Uint::from_be_bytes(&bytes).expect("curve constants fit their limbs")
        };
        let p = Modulus::new(uint(params.p)).expect("p is an odd prime");
        let n = Modulus::new(uint(params.n)).expect("n is an odd prime");
        let p_minus_n = p.sub(&Uint::ZERO, n.modulus());
        Self {
            name: params.name,
            b: p.to_mont(&uint(params.b)),
            g: Affine {
                x: p.to_mont(&uint(params.gx)),
                y: p.to_mont(&uint(params.gy)),
            },
            len: params.p.len() / 2,
            p_minus_n,
            p,
            n,
            g_multiples: OnceLock::new(),
        }
    }

    /// The curve's JOSE name (`P-256`, …).
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    fn g_multiples(&self) -> Option<&Multiples<N>> {
        self.g_multiples
            .get_or_init(|| self.multiples(&self.g, G_WINDOW))
            .as_ref()
    }

    /// A big-endian coordinate or scalar of exactly `len` bytes, below `bound`.
    fn integer(&self, bytes: &[u8], bound: &Uint<N>) -> Option<Uint<N>> {
        if bytes.len() != self.len {
            return None;
        }
        Uint::from_be_bytes(bytes).filter(|value| value < bound)
    }

    /// `x³ − 3x + b`, all in Montgomery form.
    fn curve_rhs(&self, x: &Uint<N>) -> Uint<N> {
        let f = &self.p;
        let x3 = f.mul(&f.square(x), x);
        let three_x = f.add(&f.add(x, x), x);
        f.add(&f.sub(&x3, &three_x), &self.b)
    }

    /// A square root of `a` (Montgomery form), if there is one. All three primes are
    /// `≡ 3 (mod 4)`, so `a^((p+1)/4)` is one whenever any exists.
    fn sqrt(&self, a: &Uint<N>) -> Option<Uint<N>> {
        let f = &self.p;
        let mut exponent = vec![0u8; 4 * N];
        let one = Uint::from_be_bytes(&[1])?;
        f.modulus().checked_add(&one)?.write_be_bytes(&mut exponent);
        // Two bits down: (p + 1)/4.
        for i in (0..exponent.len()).rev() {
            let above = if i == 0 { 0 } else { exponent[i - 1] };
            exponent[i] = exponent[i] >> 2 | above << 6;
        }
        let root = f.pow(a, &exponent);
        (f.square(&root) == *a).then_some(root)
    }
}

/// An ECDSA public key: a point on a NIST curve other than infinity.
pub struct PublicKey<const N: usize> {
    curve: &'static Curve<N>,
    point: Affine<N>,
    /// The point's tables, built on the first verification (a few kilobytes, and about half
    /// a verification's work, which every later verification saves).
    multiples: OnceLock<Option<Multiples<N>>>,
}

impl<const N: usize> PublicKey<N> {
    fn new(curve: &'static Curve<N>, point: Affine<N>) -> Self {
        Self {
            curve,
            point,
            multiples: OnceLock::new(),
        }
    }

    /// From a SEC 1 (§2.3.3) encoding: `04 ‖ x ‖ y`, or `02`/`03 ‖ x` with the parity of `y`.
    pub(crate) fn from_sec1(curve: &'static Curve<N>, sec1: &[u8]) -> Result<Self, String> {
        const NOT_ON_CURVE: &str = "the EC point is not on the curve";
        let f = &curve.p;
        let coordinate = |bytes: &[u8]| {
            curve
                .integer(bytes, f.modulus())
                .map(|value| f.to_mont(&value))
                .ok_or_else(|| {
                    format!(
                        "EC point coordinates must be below the {} prime",
                        curve.name
                    )
                })
        };
        let (&tag, rest) = sec1.split_first().ok_or("the EC point is empty")?;
        let point = match tag {
            4 if rest.len() == 2 * curve.len => {
                let (x, y) = rest.split_at(curve.len);
                let point = Affine {
                    x: coordinate(x)?,
                    y: coordinate(y)?,
                };
                if f.square(&point.y) != curve.curve_rhs(&point.x) {
                    return Err(NOT_ON_CURVE.into());
                }
                point
            }
            2 | 3 if rest.len() == curve.len => {
                let x = coordinate(rest)?;
                let y = curve.sqrt(&curve.curve_rhs(&x)).ok_or(NOT_ON_CURVE)?;
                let odd = f.from_mont(&y).bit(0);
                let y = if odd == (tag == 3) {
                    y
                } else {
                    f.sub(&Uint::ZERO, &y)
                };
                Affine { x, y }
            }
            0 if rest.is_empty() => return Err("the EC point is the point at infinity".into()),
            _ => {
                return Err(format!(
                    "malformed SEC1 point for {}: expected {} bytes uncompressed or {} compressed",
                    curve.name,
                    1 + 2 * curve.len,
                    1 + curve.len
                ))
            }
        };
        Ok(Self::new(curve, point))
    }

    /// The uncompressed SEC 1 encoding, `04 ‖ x ‖ y`.
    pub(crate) fn to_sec1(&self) -> Vec<u8> {
        let (f, len) = (&self.curve.p, self.curve.len);
        let mut out = vec![0u8; 1 + 2 * len];
        out[0] = 4;
        f.from_mont(&self.point.x).write_be_bytes(&mut out[1..=len]);
        f.from_mont(&self.point.y)
            .write_be_bytes(&mut out[1 + len..]);
        out
    }

    pub(crate) fn curve(&self) -> &'static Curve<N> {
        self.curve
    }

    /// Whether `signature` signs a message with this `hash`, which must be no longer (in bits)
    /// than the group order: true of SHA-256 on P-256, SHA-384 on P-384 and SHA-512 on P-521.
    pub(crate) fn verify_prehash(&self, hash: &[u8], signature: &Signature<N>) -> bool {
        let n = &self.curve.n;
        // Then e < 2^bits(n) < 2n, and one subtraction reduces it.
        if 8 * hash.len() > n.modulus().bits() {
            return false;
        }
        Uint::from_be_bytes(hash).is_some_and(|e| self.verify_scalar(&n.reduce_once(&e), signature))
    }

    /// The verification proper, for the hash as a scalar `e < n`.
    fn verify_scalar(&self, e: &Uint<N>, signature: &Signature<N>) -> bool {
        let curve = self.curve;
        let n = &curve.n;
        // s ≠ 0 and n is prime, so the inverse exists; it is in Montgomery form, which
        // `mul` cancels: u1 = e/s and u2 = r/s come out as plain integers.
        let Some(s_inv) = n.invert_vartime(&n.to_mont(&signature.s)) else {
            return false;
        };
        let (u1, u2) = (n.mul(e, &s_inv), n.mul(&signature.r, &s_inv));
        let key_multiples = self
            .multiples
            .get_or_init(|| curve.multiples(&self.point, Q_WINDOW));
        let (Some(g_multiples), Some(q_multiples)) = (curve.g_multiples(), key_multiples.as_ref())
        else {
            return false;
        };
        let sum = curve.mul_add(&u1, g_multiples, &u2, q_multiples);
        !sum.is_infinity() && curve.x_reduces_to(&sum.x, &sum.z, &signature.r)
    }
}

impl<const N: usize> Curve<N> {
    /// Whether the affine x = X/Z² of a finite point, reduced mod n, is `r`, without an
    /// inversion: as x < p, that is x = r or, when r + n < p, x = r + n.
    fn x_reduces_to(&self, x: &Uint<N>, z: &Uint<N>, r: &Uint<N>) -> bool {
        let f = &self.p;
        let zz = f.square(z);
        let is_x = |candidate: &Uint<N>| f.mul(&f.to_mont(candidate), &zz) == *x;
        is_x(r)
            || (*r < self.p_minus_n
                && r.checked_add(self.n.modulus())
                    .is_some_and(|r_n| is_x(&r_n)))
    }
}

/// An ECDSA signature `(r, s)` with both in `[1, n − 1]`.
pub struct Signature<const N: usize> {
    curve: &'static Curve<N>,
    r: Uint<N>,
    s: Uint<N>,
}

impl<const N: usize> Signature<N> {
    /// From the fixed-size `r ‖ s` of JWS (RFC 7518 §3.4) and IEEE P1363.
    pub(crate) fn from_bytes(curve: &'static Curve<N>, bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 2 * curve.len {
            return None;
        }
        let (r, s) = bytes.split_at(curve.len);
        let scalar = |bytes| {
            curve
                .integer(bytes, curve.n.modulus())
                .filter(|k| !k.is_zero())
        };
        Some(Self {
            curve,
            r: scalar(r)?,
            s: scalar(s)?,
        })
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let len = self.curve.len;
        let mut out = vec![0u8; 2 * len];
        self.r.write_be_bytes(&mut out[..len]);
        self.s.write_be_bytes(&mut out[len..]);
        out
    }
}
