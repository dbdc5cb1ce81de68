//! ES256, ES384 and ES512 (ECDSA with the JOSE `r ‖ s` encoding, RFC 7518 §3.4), against the
//! `p256`, `p384` and `p521` crates through `ecdsa`.
//!
//! Neither side normalizes s: a high-S signature is as valid as its low-S twin (RFC 7518
//! requires nothing else; `ecdsa`'s `VerifyingKey` accepts both), so no rule is needed.

// generic-array 0.14, which `ecdsa` 0.16 is built on, deprecates its `ArrayLength` (in favour of
// its 1.x): the bound on signature sizes cannot be named otherwise.
#[allow(deprecated)]
use ecdsa::{
    elliptic_curve::{
        ff::{Field, PrimeField},
        generic_array::{typenum::Unsigned, ArrayLength},
        ops::{MulByGenerator, Reduce},
        point::AffineCoordinates,
        sec1::{FromEncodedPoint, ModulusSize, ToEncodedPoint},
        AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, ProjectivePoint, Scalar,
    },
    hazmat::{bits2field, sign_prehashed, VerifyPrimitive},
    signature::hazmat::PrehashVerifier,
    PrimeCurve, Signature, SignatureSize, VerifyingKey,
};
use jwtgate::Alg;
use sha2::Digest;

use crate::{input, input::Input, jose, Verdicts};

/// A NIST curve with its JOSE algorithm.
pub trait Nist: PrimeCurve + CurveArithmetic {
    const ALG: Alg;
    const CRV: &'static str;
    type Hash: Digest;
}

impl Nist for p256::NistP256 {
    const ALG: Alg = Alg::Es256;
    const CRV: &'static str = "P-256";
    type Hash = sha2::Sha256;
}

impl Nist for p384::NistP384 {
    const ALG: Alg = Alg::Es384;
    const CRV: &'static str = "P-384";
    type Hash = sha2::Sha384;
}

impl Nist for p521::NistP521 {
    const ALG: Alg = Alg::Es512;
    const CRV: &'static str = "P-521";
    type Hash = sha2::Sha512;
}

#[allow(deprecated)] // `ArrayLength`, as above.
pub fn run<C: Nist>(input: &mut Input<'_>) -> Option<Verdicts>
where
    AffinePoint<C>: FromEncodedPoint<C> + ToEncodedPoint<C> + VerifyPrimitive<C>,
    FieldBytesSize<C>: ModulusSize,
    SignatureSize<C>: ArrayLength<u8>,
{
    let message = input.message();
    let signing_input = jose::signing_input(C::ALG, &message);
    let prehash = C::Hash::digest(signing_input.as_bytes());
    let z = bits2field::<C>(&prehash).expect("the hash is as long as the field");
    let nonce = scalar::<C>(input);
    let (d, key_how) = private_scalar::<C>(input, &z, &nonce);

    let point = ProjectivePoint::<C>::mul_by_generator(&d).into();
    let (sec1, key_edit) = edit_point::<C>(input, point);
    let len = FieldBytesSize::<C>::USIZE;
    let ours = jose::ec_key(C::CRV, &sec1[1..=len], &sec1[1 + len..]);
    let theirs = VerifyingKey::<C>::from_sec1_bytes(&sec1);
    // Unlike RSA, no key shape is refused by one side only: a point is on the curve or not.
    assert_eq!(
        ours.is_some(),
        theirs.is_ok(),
        "{}: key import: jwtgate {}, RustCrypto {} (point {})",
        C::CRV,
        ours.is_some(),
        theirs.is_ok(),
        hex(&sec1)
    );
    let (ours, theirs) = (ours?, theirs.ok()?);

    let (mut signature, mut how) = signature::<C>(input, &d, &nonce, &z);
    how.extend(input::mutate(input, &mut signature));
    let jwtgate = jose::verifies(&ours, &signing_input, &signature);
    let rustcrypto = Signature::<C>::from_slice(&signature)
        .is_ok_and(|signature| theirs.verify_prehash(&prehash, &signature).is_ok());
    Some(Verdicts {
        jwtgate,
        rustcrypto,
        context: format!(
            "private key {key_how}{key_edit}, message {} bytes, signature {} ({})",
            message.len(),
            hex(&signature),
            how.join(", ")
        ),
    })
}

/// A scalar from the input: the smallest and largest ones, or any other (reduced mod n).
fn scalar<C: Nist>(input: &mut Input<'_>) -> Scalar<C> {
    let one = Scalar::<C>::ONE;
    match input.below(8) {
        0 => one,
        1 => one.double(),
        2 => -one,
        3 => -one.double(),
        _ => {
            let s = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&field_bytes::<C>(
                &input.exact(FieldBytesSize::<C>::USIZE),
            ));
            if s.is_zero().into() {
                one
            } else {
                s
            }
        }
    }
}

/// The private key: any scalar, or one that makes the verification equation degenerate for
/// the signature made with `nonce`: with d = ±z/r, u2·Q = ±u1·G, so u1·G + u2·Q is a doubling
/// (its signature is valid) or the point at infinity (no s makes it valid).
fn private_scalar<C: Nist>(
    input: &mut Input<'_>,
    z: &FieldBytes<C>,
    nonce: &Scalar<C>,
) -> (Scalar<C>, String) {
    let z = <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(z);
    let r = x_mod_n::<C>(nonce);
    let ratio = Option::<Scalar<C>>::from(r.invert())
        .map(|r_inv| z * r_inv)
        .filter(|d| !bool::from(d.is_zero()));
    match (input.below(8), ratio) {
        (6, Some(d)) => (d, "z/r (u1·G = u2·Q)".into()),
        (7, Some(d)) => (-d, "−z/r (u1·G = −u2·Q)".into()),
        _ => {
            let d = scalar::<C>(input);
            (d, format!("{}", hex(&d.to_repr())))
        }
    }
}

/// x(k·G) mod n: the r of a signature made with nonce k.
fn x_mod_n<C: Nist>(k: &Scalar<C>) -> Scalar<C> {
    let point: AffinePoint<C> = ProjectivePoint::<C>::mul_by_generator(k).into();
    <Scalar<C> as Reduce<C::Uint>>::reduce_bytes(&point.x())
}

/// The public point as uncompressed SEC1, mostly as it is, else with a bit of a coordinate
/// flipped (off the curve, or above the prime): both sides must refuse the same points.
fn edit_point<C: Nist>(input: &mut Input<'_>, point: AffinePoint<C>) -> (Vec<u8>, String)
where
    AffinePoint<C>: ToEncodedPoint<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let mut sec1 = point.to_encoded_point(false).as_bytes().to_vec();
    if input.below(8) != 7 {
        return (sec1, String::new());
    }
    let bit = usize::from(input.u16()) % (8 * (sec1.len() - 1));
    sec1[1 + bit / 8] ^= 0x80 >> (bit % 8);
    (sec1, format!(", public point bit {bit} flipped"))
}

/// `r ‖ s`: signed with `nonce` (valid), or r of that signature with s from the input, or
/// both from the input; then r and s edited as integers.
#[allow(deprecated)] // `ArrayLength`, as above.
fn signature<C: Nist>(
    input: &mut Input<'_>,
    d: &Scalar<C>,
    nonce: &Scalar<C>,
    z: &FieldBytes<C>,
) -> (Vec<u8>, Vec<String>)
where
    SignatureSize<C>: ArrayLength<u8>,
{
    let len = FieldBytesSize::<C>::USIZE;
    let (mut r, mut s, how) = match input.below(4) {
        0 | 1 => match sign_prehashed::<C, Scalar<C>>(d, *nonce, z) {
            Ok((signature, _)) => {
                let (r, s) = signature.split_bytes();
                (r.to_vec(), s.to_vec(), "signed")
            }
            // r or s came out zero.
            Err(_) => (vec![0; len], vec![0; len], "signing failed"),
        },
        2 => (
            x_mod_n::<C>(nonce).to_repr().to_vec(),
            input.exact(len),
            "r of the nonce, s from the input",
        ),
        _ => (input.exact(len), input.exact(len), "from the input"),
    };
    let mut how = vec![how.to_owned()];
    for _ in 0..2 {
        match input.below(4) {
            0 => how.push(format!("r := {}", edit_integer::<C>(input, &mut r, &s))),
            1 => how.push(format!("s := {}", edit_integer::<C>(input, &mut s, &r))),
            _ => break,
        }
    }
    (vec![r, s].concat(), how)
}

/// Replaces a component of the signature with a boundary value, or its negation (for s, the
/// high-S twin of a low-S signature, and the reverse); `other` is the other component.
fn edit_integer<C: Nist>(input: &mut Input<'_>, value: &mut Vec<u8>, other: &[u8]) -> &'static str {
    let len = value.len();
    let n_minus_1 = (-Scalar::<C>::ONE).to_repr().to_vec();
    let mut one = vec![0; len];
    one[len - 1] = 1;
    let n = input::be_add(&n_minus_1, &one).expect("n fits the field bytes");
    let (new, how) = match input.below(8) {
        0 => (vec![0; len], "0"),
        1 => (n_minus_1, "n − 1"),
        2 => (n.clone(), "n"),
        3 => (input::be_add(&n, &one).unwrap_or_default(), "n + 1"),
        4 => (vec![0xff; len], "2^bits − 1"),
        5 => (input::be_add(value, &n).unwrap_or_default(), "itself + n"),
        6 => (other.to_vec(), "the other component"),
        _ => {
            let negated =
                Option::<Scalar<C>>::from(Scalar::<C>::from_repr(field_bytes::<C>(value)))
                    .map(|v| (-v).to_repr().to_vec());
            (negated.unwrap_or_default(), "its negation")
        }
    };
    // Values that do not fit (an overflow, a value that was not a scalar) leave it as it was.
    if new.len() == len {
        *value = new;
    }
    how
}

/// `bytes`, exactly as long as a field element, as one.
fn field_bytes<C: Nist>(bytes: &[u8]) -> FieldBytes<C> {
    let mut out = FieldBytes::<C>::default();
    out.copy_from_slice(bytes);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
