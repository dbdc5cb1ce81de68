//! RS256/384/512 (RSASSA-PKCS1-v1_5) and PS256/384/512 (RSASSA-PSS), against the `rsa` crate.

use std::{borrow::Cow, sync::OnceLock};

use jwtgate::{Alg, MIN_RSA_BITS};
use num_bigint_dig::{prime::probably_prime, ModInverse};
use rand::{rngs::StdRng, RngCore, SeedableRng};
use rsa::{
    hazmat::{rsa_decrypt, rsa_encrypt},
    pkcs1v15, pss,
    signature::{RandomizedSigner, Signer, Verifier},
    traits::{PrivateKeyParts, PublicKeyParts},
    BigUint, RsaPrivateKey, RsaPublicKey,
};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::{input, input::Input, jose, Verdicts};

/// The generated keys' sizes: one for each size of jwtgate's Montgomery arithmetic (64, 96
/// and 128 limbs, each filled to the top bit), and 2049 bits, where the PSS encoded message is
/// a byte shorter than the modulus (modBits ≡ 1 mod 8, RFC 8017 §8.1.2 step 2c).
const BITS: [usize; 4] = [2048, 2049, 3072, 4096];

/// jwtgate's largest modulus (`MAX_RSA_BITS`); the `rsa` crate allows 4096 bits by default.
const MAX_BITS: usize = jwtgate::MAX_RSA_BITS;

/// The size of the generated primes. The keys are multi-prime (RFC 8017 §3.2 allows any
/// number of primes from two): the public key, all either verifier sees, is n and e as for any
/// key, while primes this small are generated in well under a second and make the private-key
/// operation, which every signed input runs, many times faster than two large primes would.
/// (Two-prime keys of these sizes took about 150 s to generate under AddressSanitizer.)
const PRIME_BITS: usize = 256;

/// The generated keys (e = 65537), from a fixed seed: the same in every process, so that a
/// saved input replays. Generated once per process, from the target's `init`, before
/// libFuzzer times any input.
pub fn keys() -> &'static [RsaPrivateKey] {
    static KEYS: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x6a77_7467_6174_65);
        BITS.iter()
            .map(|&bits| multi_prime_key(&mut rng, bits))
            .collect()
    })
}

/// A key whose modulus has exactly `bits` bits, from primes of `PRIME_BITS` (the last one
/// takes what is left over: 2049 = 7 × 256 + 257).
fn multi_prime_key(rng: &mut StdRng, bits: usize) -> RsaPrivateKey {
    let count = bits / PRIME_BITS;
    let mut primes: Vec<BigUint> = Vec::with_capacity(count);
    while primes.len() < count {
        let size = match primes.len() + 1 {
            last if last == count => bits - PRIME_BITS * (count - 1),
            _ => PRIME_BITS,
        };
        let prime = prime(rng, size);
        if !primes.contains(&prime) {
            primes.push(prime);
        }
    }
    RsaPrivateKey::from_primes(primes, BigUint::from(E)).expect("a valid multi-prime key")
}

/// A prime of `bits` bits whose top eight bits are set, so that the product of up to 32 of
/// them is never a bit short (0.996^32 > 1/2), and with p − 1 prime to 65537.
fn prime(rng: &mut StdRng, bits: usize) -> BigUint {
    let mut bytes = vec![0; bits.div_ceil(8)];
    rng.fill_bytes(&mut bytes);
    let top = BigUint::from(0xffu8) << (bits - 8);
    let mut candidate =
        (BigUint::from_bytes_be(&bytes) >> (8 * bytes.len() - bits)) | top | BigUint::from(1u8);
    let one = BigUint::from(1u8);
    while !(probably_prime(&candidate, 20) && (&candidate - &one) % E != BigUint::from(0u8)) {
        candidate += 2u8;
    }
    candidate
}

fn product(primes: &[BigUint]) -> BigUint {
    primes.iter().fold(BigUint::from(1u8), |n, p| n * p)
}

/// The public exponent of the generated keys.
const E: u32 = 65_537;

/// The RSA key under test: the public part always, the private part when it is known.
struct Subject {
    n: BigUint,
    e: BigUint,
    private: Option<Cow<'static, RsaPrivateKey>>,
    shape: String,
}

pub fn run(alg: Alg, input: &mut Input<'_>) -> Option<Verdicts> {
    let subject = subject(input);
    let jwk_n = with_leading_zeros(input, subject.n.to_bytes_be());
    let jwk_e = with_leading_zeros(input, subject.e.to_bytes_be());
    let ours = jose::rsa_key(&jwk_n, &jwk_e);
    let theirs = RsaPublicKey::new_with_max_size(subject.n.clone(), subject.e.clone(), MAX_BITS);
    check_import(&subject, ours.is_some(), theirs.is_ok());
    // Compare verdicts only where both sides hold a key.
    let (ours, theirs) = (ours?, theirs.ok()?);

    let message = input.message();
    let signing_input = jose::signing_input(alg, &message);
    let (mut signature, mut how) = signature(input, alg, &subject, signing_input.as_bytes());
    how.extend(input::mutate(input, &mut signature));
    let jwtgate = jose::verifies(&ours, &signing_input, &signature);
    let rustcrypto = verifies(alg, &theirs, signing_input.as_bytes(), &signature);
    Some(Verdicts {
        jwtgate,
        rustcrypto,
        context: format!(
            "key {}, message {} bytes, signature {} bytes ({})",
            subject.shape,
            message.len(),
            signature.len(),
            how.join(", ")
        ),
    })
}

/// Both sides refuse the same malformed keys (even moduli, exponents that are even, below 2 or
/// above 2^33 − 1, moduli over 8192 bits); jwtgate also refuses moduli under 2048 bits, by
/// design (RFC 8725 §3.5, NIST SP 800-131A).
fn check_import(subject: &Subject, ours: bool, theirs: bool) {
    let expected = theirs && subject.n.bits() >= MIN_RSA_BITS;
    assert_eq!(
        ours,
        expected,
        "RSA key import: jwtgate {} a key the rsa crate {} (key {}, {} bits, e = {})",
        if ours { "accepts" } else { "refuses" },
        if theirs { "accepts" } else { "refuses" },
        subject.shape,
        subject.n.bits(),
        subject.e
    );
}

/// A generated key (most inputs), a product of generated primes with some exponent, or a
/// modulus no private key is known for.
fn subject(input: &mut Input<'_>) -> Subject {
    let keys = keys();
    match input.below(8) {
        0..=4 => {
            let i = input.below(keys.len());
            let key = &keys[i];
            Subject {
                n: key.n().clone(),
                e: key.e().clone(),
                private: Some(Cow::Borrowed(key)),
                shape: format!("generated #{i} ({} bits)", BITS[i]),
            }
        }
        5 | 6 => from_primes(input, keys),
        _ => odd_modulus(input, keys),
    }
}

/// Some of the generated primes, picked by a mask, with an exponent read from the input:
/// moduli of 512 to 8192 bits (those under 2048 bits test that jwtgate refuses them), and
/// exponents other than 65537. Primes p for which e has no inverse modulo p − 1 are left out,
/// so that small exponents (3, 17) still get a private key.
fn from_primes(input: &mut Input<'_>, keys: &[RsaPrivateKey]) -> Subject {
    let e = exponent(input);
    let mask = input.u64();
    let one = BigUint::from(1u8);
    let mut primes: Vec<BigUint> = Vec::new();
    for (i, prime) in keys.iter().flat_map(|key| key.primes()).enumerate() {
        let bits: usize = primes.iter().map(BigUint::bits).sum::<usize>() + prime.bits();
        let invertible = || e.clone().mod_inverse(prime - &one).is_some();
        if mask >> (i % 64) & 1 == 1 && bits <= MAX_BITS && invertible() {
            primes.push(prime.clone());
        }
    }
    if primes.len() < 2 {
        primes = keys[0].primes().to_vec();
    }
    let n = product(&primes);
    // Fails for an exponent invertible modulo no prime's p − 1 (an even one): then only the
    // public key is known.
    let private = RsaPrivateKey::from_primes(primes.clone(), e.clone()).ok();
    Subject {
        shape: format!("{} primes, prime mask {mask:#018x}", primes.len()),
        n,
        e,
        private: private.map(Cow::Owned),
    }
}

/// Common exponents, the bounds both sides place, and any other value.
fn exponent(input: &mut Input<'_>) -> BigUint {
    const LARGEST: u64 = (1 << 33) - 1;
    BigUint::from(match input.below(8) {
        0 => u64::from(E),
        1 => 3,
        2 => 17,
        3 => LARGEST,
        4 => LARGEST + 2,
        5 => 1,
        _ => input.u64() & ((1 << 34) - 1),
    })
}

/// A generated key's modulus, edited: what a broken or hostile JWKS publishes. No private key.
fn odd_modulus(input: &mut Input<'_>, keys: &[RsaPrivateKey]) -> Subject {
    let i = input.below(keys.len());
    let mut n = keys[i].n().to_bytes_be();
    let edit = match input.below(4) {
        0 => {
            let bit = usize::from(input.u16()) % (8 * n.len());
            n[bit / 8] ^= 0x80 >> (bit % 8);
            format!("bit {bit} flipped")
        }
        1 => {
            n.remove(0);
            "top byte dropped".to_owned()
        }
        2 => {
            let byte = input.byte();
            n.push(byte);
            format!("{byte:#04x} appended")
        }
        _ => {
            let len = usize::from(input.u16()) % (MAX_BITS / 8 + 8);
            n = input.exact(len);
            format!("{len} bytes from the input")
        }
    };
    Subject {
        n: BigUint::from_bytes_be(&n),
        e: keys[i].e().clone(),
        private: None,
        shape: format!("modulus of #{i}, {edit}"),
    }
}

/// JWKs sometimes carry leading zero bytes (RFC 7518 §6.3.1.1 asks for none); both sides read
/// the integer.
fn with_leading_zeros(input: &mut Input<'_>, bytes: Vec<u8>) -> Vec<u8> {
    let zeros = input.below(8).saturating_sub(5);
    [vec![0; zeros], bytes].concat()
}

/// A signature to check: made with the private key (valid, or valid for an edited encoded
/// message), or chosen without it.
fn signature(
    input: &mut Input<'_>,
    alg: Alg,
    subject: &Subject,
    message: &[u8],
) -> (Vec<u8>, Vec<String>) {
    let k = subject.n.to_bytes_be().len();
    let choice = input.below(4);
    match subject.private.as_deref() {
        Some(key) if choice < 3 => {
            let (signature, how) = sign(input, alg, key, message);
            if choice == 0 {
                return (signature, vec![how]);
            }
            let (signature, edit) = edit_encoded_message(input, key, &signature, k);
            (signature, vec![how, edit])
        }
        _ => unsigned(input, &subject.n, k),
    }
}

/// A valid signature (for PSS, with the salt length JOSE requires, or another).
fn sign(input: &mut Input<'_>, alg: Alg, key: &RsaPrivateKey, message: &[u8]) -> (Vec<u8>, String) {
    let mut rng = StdRng::seed_from_u64(input.u64());
    let salt_len = match input.below(8) {
        7 => Some(usize::from(input.byte() % 130)),
        _ => None,
    };
    let key = key.clone();
    let signature = match alg {
        Alg::Rs256 => pkcs1v15::SigningKey::<Sha256>::new(key)
            .try_sign(message)
            .map(Into::into),
        Alg::Rs384 => pkcs1v15::SigningKey::<Sha384>::new(key)
            .try_sign(message)
            .map(Into::into),
        Alg::Rs512 => pkcs1v15::SigningKey::<Sha512>::new(key)
            .try_sign(message)
            .map(Into::into),
        Alg::Ps256 => pss_sign::<Sha256>(key, salt_len, &mut rng, message),
        Alg::Ps384 => pss_sign::<Sha384>(key, salt_len, &mut rng, message),
        Alg::Ps512 => pss_sign::<Sha512>(key, salt_len, &mut rng, message),
        _ => unreachable!("not an RSA algorithm"),
    };
    match signature {
        Ok(signature) => (
            signature.into_vec(),
            format!("signed, salt length {salt_len:?}"),
        ),
        // A salt too long for the key.
        Err(_) => (
            Vec::new(),
            format!("signing failed, salt length {salt_len:?}"),
        ),
    }
}

fn pss_sign<D>(
    key: RsaPrivateKey,
    salt_len: Option<usize>,
    rng: &mut StdRng,
    message: &[u8],
) -> rsa::signature::Result<Box<[u8]>>
where
    D: Digest + rsa::sha2::digest::FixedOutputReset,
{
    let salt_len = salt_len.unwrap_or(<D as Digest>::output_size());
    pss::SigningKey::<D>::new_with_salt_len(key, salt_len)
        .try_sign_with_rng(rng, message)
        .map(Into::into)
}

/// Recovers the encoded message of a valid signature, changes one byte of it and signs the
/// result with the raw private-key operation: a signature whose RSA is right and whose
/// padding (the `00 01 FF… 00` prefix, the `DigestInfo`, PSS's mask, salt and `0xbc`) is wrong
/// in one place. Random signatures almost never get past the padding's first byte.
fn edit_encoded_message(
    input: &mut Input<'_>,
    key: &RsaPrivateKey,
    signature: &[u8],
    k: usize,
) -> (Vec<u8>, String) {
    let Ok(em) = rsa_encrypt(key, &BigUint::from_bytes_be(signature)) else {
        return (signature.to_vec(), "no encoded message".into());
    };
    let mut em = pad(&em, k);
    let (i, value) = (usize::from(input.u16()) % k, input.byte().max(1));
    em[i] ^= value;
    let edited = BigUint::from_bytes_be(&em);
    match rsa_decrypt(None::<&mut StdRng>, key, &edited) {
        Ok(s) => (
            pad(&s, k),
            format!("encoded message byte {i} ^= {value:#04x}"),
        ),
        // The edit took the encoded message to n or above: no signature has it.
        Err(_) => (
            signature.to_vec(),
            format!("encoded message edit {i} out of range"),
        ),
    }
}

/// Values around the modulus and arbitrary bytes, as signatures: no private key needed.
fn unsigned(input: &mut Input<'_>, n: &BigUint, k: usize) -> (Vec<u8>, Vec<String>) {
    let one = BigUint::from(1u8);
    let (value, how) = match input.below(6) {
        0 => (BigUint::from(0u8), "0"),
        1 => (one, "1"),
        2 => (n - &one, "n − 1"),
        3 => (n.clone(), "n"),
        4 => (n + &one, "n + 1"),
        _ => (BigUint::from_bytes_be(&input.exact(k)), "input bytes"),
    };
    (pad(&value, k), vec![format!("unsigned: {how}")])
}

/// `value` as at least `k` big-endian bytes.
fn pad(value: &BigUint, k: usize) -> Vec<u8> {
    let bytes = value.to_bytes_be();
    [vec![0; k.saturating_sub(bytes.len())], bytes].concat()
}

/// The `rsa` crate's verdict, under the rules of RFC 7518 §3.3 and §3.5.
fn verifies(alg: Alg, key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let accepted = match alg {
        Alg::Rs256 => pkcs1v15_verifies(
            pkcs1v15::VerifyingKey::<Sha256>::new(key.clone()),
            message,
            signature,
        ),
        Alg::Rs384 => pkcs1v15_verifies(
            pkcs1v15::VerifyingKey::<Sha384>::new(key.clone()),
            message,
            signature,
        ),
        Alg::Rs512 => pkcs1v15_verifies(
            pkcs1v15::VerifyingKey::<Sha512>::new(key.clone()),
            message,
            signature,
        ),
        // RFC 7518 §3.5: the salt is as long as the hash. (`pss::VerifyingKey::new` does the
        // same; said explicitly, as other versions of the crate detected the salt length.)
        Alg::Ps256 => pss_verifies(
            pss::VerifyingKey::<Sha256>::new_with_salt_len(key.clone(), 32),
            message,
            signature,
        ),
        Alg::Ps384 => pss_verifies(
            pss::VerifyingKey::<Sha384>::new_with_salt_len(key.clone(), 48),
            message,
            signature,
        ),
        Alg::Ps512 => pss_verifies(
            pss::VerifyingKey::<Sha512>::new_with_salt_len(key.clone(), 64),
            message,
            signature,
        ),
        _ => unreachable!("not an RSA algorithm"),
    };
    accepted && (!is_pss(alg) || encoded_message_fits(key, signature))
}

fn pkcs1v15_verifies<V: Verifier<pkcs1v15::Signature>>(
    key: V,
    message: &[u8],
    signature: &[u8],
) -> bool {
    pkcs1v15::Signature::try_from(signature)
        .is_ok_and(|signature| key.verify(message, &signature).is_ok())
}

fn pss_verifies<V: Verifier<pss::Signature>>(key: V, message: &[u8], signature: &[u8]) -> bool {
    pss::Signature::try_from(signature)
        .is_ok_and(|signature| key.verify(message, &signature).is_ok())
}

fn is_pss(alg: Alg) -> bool {
    matches!(alg, Alg::Ps256 | Alg::Ps384 | Alg::Ps512)
}

/// RFC 8017 §8.1.2 step 2c: `EM = I2OSP(m, emLen)` with `emLen = ⌈(modBits − 1)/8⌉`, and
/// "invalid signature" when m does not fit. When modBits ≡ 1 (mod 8), emLen is one byte less
/// than the modulus and m's top byte must be zero; the `rsa` crate skips that byte unread
/// (0.9.10, `emsa_pss_verify_digest`), jwtgate checks it. Reaching this takes the private key.
fn encoded_message_fits(key: &RsaPublicKey, signature: &[u8]) -> bool {
    let em_bits = key.n().bits() - 1;
    rsa_encrypt(key, &BigUint::from_bytes_be(signature))
        .is_ok_and(|m| m.bits() <= 8 * em_bits.div_ceil(8))
}
