//! RSA signature verification (RFC 8017 §8): RSASSA-PKCS1-v1_5 and RSASSA-PSS with the SHA-2
//! hashes, as the JWS `RS*` and `PS*` algorithms use them (RFC 7518 §3.3, §3.5).

use std::sync::OnceLock;

use sha2::{Digest, Sha256, Sha384, Sha512};

use super::mont::{Modulus, Uint};

#[cfg(test)]
mod tests;

/// The `rsa` crate's ceiling on the public exponent, kept so that exactly the keys it accepted
/// are accepted. Real keys use 65537; a huge exponent would only make verification slow.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// How the message representative is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    /// EMSA-PKCS1-v1_5 (RFC 8017 §9.2).
    Pkcs1v15,
    /// EMSA-PSS (RFC 8017 §9.1) with MGF1 over the same hash and a salt as long as the hash,
    /// the only parameters RFC 7518 §3.5 allows.
    Pss,
}

/// The hash of the message (and, for PSS, of the mask and the salted message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// A hash function together with its PKCS#1 v1.5 `DigestInfo` header.
trait RsaHash: Digest {
    /// The DER of `DigestInfo` up to the digest itself (RFC 8017 §9.2, note 1): the hash's
    /// OID with NULL parameters, then the OCTET STRING header.
    const DIGEST_INFO: &'static [u8];
}

impl RsaHash for Sha256 {
    const DIGEST_INFO: &'static [u8] = &[
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
}

impl RsaHash for Sha384 {
    const DIGEST_INFO: &'static [u8] = &[
        0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
        0x05, 0x00, 0x04, 0x30,
    ];
}

impl RsaHash for Sha512 {
    const DIGEST_INFO: &'static [u8] = &[
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
        0x05, 0x00, 0x04, 0x40,
    ];
}

/// An RSA public key, with the Montgomery constants of its modulus computed once.
pub(crate) struct RsaPublicKey {
    /// The modulus, big-endian without leading zeros: its length is the signature length.
    n: Vec<u8>,
    e: u64,
    /// Computed at the first verification, not with the key: they cost several verifications,
    /// and where a native backend verifies (Node), they are never needed.
    modulus: OnceLock<Option<Arithmetic>>,
}

/// The modulus in the narrowest of a few limb counts that holds it: `Modulus` is sized at
/// compile time, and every size is one more copy of the arithmetic in the wasm.
enum Arithmetic {
    Bits2048(Box<Modulus<64>>),
    Bits3072(Box<Modulus<96>>),
    Bits4096(Box<Modulus<128>>),
    Bits8192(Box<Modulus<256>>),
}

impl Arithmetic {
    fn new(n: &[u8]) -> Option<Self> {
        fn modulus<const N: usize>(n: &[u8]) -> Option<Box<Modulus<N>>> {
            Modulus::new(Uint::from_be_bytes(n)?).map(Box::new)
        }
        Some(match n.len() {
            0..=256 => Self::Bits2048(modulus(n)?),
            257..=384 => Self::Bits3072(modulus(n)?),
            385..=512 => Self::Bits4096(modulus(n)?),
            _ => Self::Bits8192(modulus(n)?),
        })
    }
}

impl RsaPublicKey {
    /// The largest modulus supported, in bits.
    pub(crate) const MAX_BITS: usize = 8192;

    /// From the big-endian modulus and public exponent. Refuses what would make signatures
    /// trivial or meaningless: an even modulus (not a product of two odd primes), an exponent
    /// below 3 (`e = 1` makes every encoded message its own signature) or even (not
    /// invertible modulo φ(n)).
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<Self, &'static str> {
        let n = strip_leading_zeros(n);
        if n.len() > Self::MAX_BITS / 8 {
            return Err("the modulus is too large");
        }
        // What `Modulus::new` requires, checked now as the modulus is built later.
        if n.last().map_or(true, |&low| low & 1 == 0) || n == [1] {
            return Err("the modulus is even or below 3");
        }
        let e = match strip_leading_zeros(e) {
            e if e.len() > 8 => return Err("the public exponent is too large"),
            e => e.iter().fold(0, |e, &byte| e << 8 | u64::from(byte)),
        };
        if e < 3 {
            return Err("the public exponent is too small");
        }
        if e % 2 == 0 {
            return Err("the public exponent is even");
        }
        if e > MAX_EXPONENT {
            return Err("the public exponent is too large");
        }
        Ok(Self {
            n: n.to_vec(),
            e,
            modulus: OnceLock::new(),
        })
    }

    /// The modulus, big-endian without leading zeros.
    pub(crate) fn n(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent, big-endian without leading zeros.
    pub(crate) fn e(&self) -> Vec<u8> {
        strip_leading_zeros(&self.e.to_be_bytes()).to_vec()
    }

    /// The size of the modulus in bits.
    pub(crate) fn bits(&self) -> usize {
        self.n
            .first()
            .map_or(0, |&top| 8 * self.n.len() - top.leading_zeros() as usize)
    }

    /// Whether `signature` is a valid signature of `message` (RFC 8017 §8.1.2, §8.2.2).
    pub(crate) fn verify(
        &self,
        padding: Padding,
        hash: Hash,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let Some(em) = self.rsavp1(signature) else {
            return false;
        };
        match hash {
            Hash::Sha256 => self.encodes::<Sha256>(padding, &em, message),
            Hash::Sha384 => self.encodes::<Sha384>(padding, &em, message),
            Hash::Sha512 => self.encodes::<Sha512>(padding, &em, message),
        }
    }

    /// Whether `em` is an encoding of `message`.
    fn encodes<H: RsaHash>(&self, padding: Padding, em: &[u8], message: &[u8]) -> bool {
        match padding {
            Padding::Pkcs1v15 => em == emsa_pkcs1_v1_5_encode::<H>(em.len(), message),
            Padding::Pss => emsa_pss_verify::<H>(em, self.bits().saturating_sub(1), message),
        }
    }

    /// RSAVP1 (RFC 8017 §5.2.2): `s^e mod n` as `k` big-endian bytes, for a signature of
    /// exactly `k` bytes (§8.1.2 and §8.2.2, step 1) whose value is below `n`.
    fn rsavp1(&self, signature: &[u8]) -> Option<Vec<u8>> {
        if signature.len() != self.n.len() {
            return None;
        }
        let mut m = vec![0; self.n.len()];
        let arithmetic = self
            .modulus
            .get_or_init(|| Arithmetic::new(&self.n))
            .as_ref()?;
        let in_range = match arithmetic {
            Arithmetic::Bits2048(modulus) => power(modulus, self.e, signature, &mut m),
            Arithmetic::Bits3072(modulus) => power(modulus, self.e, signature, &mut m),
            Arithmetic::Bits4096(modulus) => power(modulus, self.e, signature, &mut m),
            Arithmetic::Bits8192(modulus) => power(modulus, self.e, signature, &mut m),
        };
        in_range.then_some(m)
    }
}

/// `s^e mod n` into `out` (big-endian), for an odd `e ≥ 3`; `false` unless `s < n`.
fn power<const N: usize>(modulus: &Modulus<N>, e: u64, s: &[u8], out: &mut [u8]) -> bool {
    let Some(s) = Uint::from_be_bytes(s).filter(|s| s < modulus.modulus()) else {
        return false;
    };
    let base = modulus.to_mont(&s);
    // Left to right, starting from the top bit (that is `base` itself) and stopping short of
    // the lowest bit, which is always set.
    let mut x = base;
    for bit in (1..u64::BITS - 1 - e.leading_zeros()).rev() {
        x = modulus.square(&x);
        if e >> bit & 1 == 1 {
            x = modulus.mul(&x, &base);
        }
    }
    x = modulus.square(&x);
    // The last multiplication takes `s` as it is, not in Montgomery form: `x·s·R⁻¹` then
    // leaves Montgomery form by itself, which saves a multiplication out of it.
    modulus.mul(&x, &s).write_be_bytes(out);
    true
}

/// EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2): `0x00 01 FF…FF 00 ‖ DigestInfo ‖ H(message)` in
/// `em_len` bytes. Empty when `em_len` leaves no room for the 8 bytes of `FF` the RFC
/// requires, which no encoded message equals.
fn emsa_pkcs1_v1_5_encode<H: RsaHash>(em_len: usize, message: &[u8]) -> Vec<u8> {
    let t_len = H::DIGEST_INFO.len() + <H as Digest>::output_size();
    let Some(ps_len) = em_len.checked_sub(t_len + 3).filter(|&len| len >= 8) else {
        return Vec::new();
    };
    let mut em = Vec::with_capacity(em_len);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(2 + ps_len, 0xff);
    em.push(0x00);
    em.extend_from_slice(H::DIGEST_INFO);
    em.extend_from_slice(&H::digest(message));
    em
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) of the `k`-byte output of RSAVP1, with
/// `em_bits = modBits − 1` and the salt as long as the hash.
fn emsa_pss_verify<H: RsaHash>(m: &[u8], em_bits: usize, message: &[u8]) -> bool {
    let h_len = <H as Digest>::output_size();
    let s_len = h_len;
    let em_len = em_bits.div_ceil(8);
    // §8.1.2 step 2c, I2OSP(m, emLen): when modBits ≡ 1 (mod 8), EM is one byte shorter than
    // the modulus, and that byte of m must be zero.
    let Some((high, em)) = m.len().checked_sub(em_len).map(|high| m.split_at(high)) else {
        return false;
    };
    // Steps 3 and 4.
    if high.iter().any(|&byte| byte != 0) || em_len < h_len + s_len + 2 {
        return false;
    }
    let Some((&0xbc, em)) = em.split_last() else {
        return false;
    };
    // Step 5: maskedDB ‖ H, with at least `s_len + 1` bytes of maskedDB (step 3).
    let (masked_db, h) = em.split_at(em_len - h_len - 1);
    // Step 6: the bits of EM above emBits must be zero.
    let high_bits = !(0xff_u8 >> (8 * em_len - em_bits));
    if masked_db
        .first()
        .map_or(true, |&byte| byte & high_bits != 0)
    {
        return false;
    }
    // Steps 7 to 9.
    let mut db = masked_db.to_vec();
    mgf1_xor::<H>(h, &mut db);
    if let Some(first) = db.first_mut() {
        *first &= !high_bits;
    }
    // Steps 10 and 11: DB = 00…00 ‖ 01 ‖ salt.
    let (padding, salt) = db.split_at(db.len() - s_len);
    let Some((&0x01, zeros)) = padding.split_last() else {
        return false;
    };
    if zeros.iter().any(|&byte| byte != 0) {
        return false;
    }
    // Steps 12 to 14.
    let h_prime = H::new()
        .chain_update([0; 8])
        .chain_update(H::digest(message))
        .chain_update(salt)
        .finalize();
    h_prime[..] == *h
}

/// XORs MGF1 (RFC 8017 §B.2.1) of `seed` into `out`.
fn mgf1_xor<H: Digest>(seed: &[u8], out: &mut [u8]) {
    for (counter, chunk) in (0u32..).zip(out.chunks_mut(<H as Digest>::output_size())) {
        let mask = H::new()
            .chain_update(seed)
            .chain_update(counter.to_be_bytes())
            .finalize();
        for (byte, mask) in chunk.iter_mut().zip(mask) {
            *byte ^= mask;
        }
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&byte| byte == 0).count();
    &bytes[zeros..]
}
