//! Antelope keys in the legacy format: WIF private keys (`5…`) and `EOS…` public keys.
//!
//! Keys are secp256k1. A seeded lab derives every key from its seed and the key's purpose, so the
//! same topology file always yields the same accounts and the same chain.

pub(crate) mod bls;

use std::fmt;

use k256::ecdsa::hazmat::SignPrimitive;
use k256::ecdsa::SigningKey;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::PrimeField;
use k256::{FieldBytes, PublicKey, Scalar, SecretKey, U256};
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// A key that does not read.
#[derive(Debug, Error, PartialEq)]
pub enum KeyError {
    /// Not base58.
    #[error("not base58: {0}")]
    Base58(String),
    /// A WIF of the wrong size or version.
    #[error("a WIF private key is 37 bytes with version 0x80, this is {0} bytes")]
    WifShape(usize),
    /// Its checksum does not match.
    #[error("checksum does not match")]
    Checksum,
    /// Not a secp256k1 scalar.
    #[error("not a valid secp256k1 private key")]
    Scalar,
    /// A public key of the wrong shape.
    #[error("a public key starts with EOS and holds 37 bytes")]
    PublicShape,
}

/// A key pair, kept as the two strings every Antelope tool speaks.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyPair {
    /// The public key, `EOS…` (legacy K1 format).
    #[serde(rename = "pub")]
    pub public: String,
    /// The private key, WIF.
    #[serde(rename = "pvt")]
    pub private: String,
}

impl fmt::Debug for KeyPair {
    // A private key never reaches a log line by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair").field("public", &self.public).field("private", &"<hidden>").finish()
    }
}

impl KeyPair {
    /// The pair for a WIF private key.
    pub fn from_wif(wif: &str) -> Result<Self, KeyError> {
        let secret = secret_from_wif(wif)?;
        Ok(KeyPair { public: public_key_string(&secret), private: wif.to_string() })
    }

    /// A key derived from a seed and a purpose (for example the account name). The same two
    /// strings always give the same key; different purposes give unrelated keys.
    pub fn derive(seed: &str, purpose: &str) -> Self {
        let mut counter = 0u32;
        loop {
            let mut h = Sha256::new();
            h.update(b"antelope-lab key\0");
            h.update(seed.as_bytes());
            h.update([0]);
            h.update(purpose.as_bytes());
            h.update(counter.to_be_bytes());
            let bytes = h.finalize();
            // Out of range for secp256k1 with probability ~2^-128; the counter makes it total anyway.
            if let Ok(secret) = SecretKey::from_slice(&bytes) {
                return Self::from_secret(&secret);
            }
            counter += 1;
        }
    }

    /// A fresh random key, for labs without a seed.
    pub fn random() -> Self {
        Self::from_secret(&SecretKey::random(&mut rand::rngs::OsRng))
    }

    fn from_secret(secret: &SecretKey) -> Self {
        KeyPair { public: public_key_string(secret), private: wif_string(secret) }
    }

    /// A signer with this pair's private key (the public key is not checked against it).
    pub fn signer(&self) -> Result<Signer, KeyError> {
        Ok(Signer { key: SigningKey::from(secret_from_wif(&self.private)?) })
    }
}

/// Signs 32-byte digests with this pair's private key, canonically, as nodeos requires.
pub struct Signer {
    key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").field("key", &"<hidden>").finish()
    }
}

impl Signer {
    /// `SIG_K1_…`: base58 of the 65-byte compact signature (first byte 27 + 4 + recovery id, then r, then s) followed by the first 4 bytes of ripemd160(sig65 || b"K1").
    /// Canonical in the EOSIO sense: low-S, and r and s each with the top bit of their first byte clear and not (first byte 0 and second byte's top bit clear); when a signature is not canonical, sign again with the next nonce until it is.
    ///
    /// The nonces are fc's (`private_key::sign_compact`, which cleos and nodeos use): fc hands a
    /// counter (1, 2, …) to libsecp256k1's RFC 6979 nonce function as its attempt number, not as
    /// extra data, so its n-th try signs with output n (counting from 0) of the RFC 6979 HMAC-DRBG
    /// seeded with the key and the digest. A signature is thus byte for byte the one cleos makes.
    pub fn sign(&self, digest: &[u8; 32]) -> String {
        signature_string(&self.sign_compact(digest).0)
    }

    /// The 65-byte compact signature [`Signer::sign`] encodes, and how many nonces it took.
    fn sign_compact(&self, digest: &[u8; 32]) -> ([u8; 65], u32) {
        let d: &Scalar = self.key.as_nonzero_scalar();
        let z = FieldBytes::from(*digest);
        // RFC 6979 (3.2 d): the HMAC-DRBG is seeded with the key and the digest reduced mod n.
        let h = <Scalar as Reduce<U256>>::reduce_bytes(&z).to_repr();
        let mut drbg = HmacDrbg::new(&d.to_repr(), &h);
        // fc's nonce function bumps its counter before the first call, so it starts at the
        // stream's second output.
        drbg.next();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let k = drbg.next();
            // A nonce out of range (probability about 2^-128) is skipped, as libsecp256k1 does.
            let Some(k) = Option::<Scalar>::from(Scalar::from_repr(k.into())) else { continue };
            // k256 returns the low-S form with its recovery id.
            let Ok((sig, Some(recid))) = d.try_sign_prehashed(k, &z) else { continue };
            let mut out = [0u8; 65];
            out[0] = 27 + 4 + recid.to_byte();
            out[1..].copy_from_slice(&sig.to_bytes());
            if is_canonical(&out) {
                return (out, attempts);
            }
        }
    }
}

/// fc's `public_key::is_canonical`: r and s (bytes 1..33 and 33..65) each below 2^255 and not
/// shorter than 32 bytes in DER (a leading zero byte followed by a byte below 0x80).
fn is_canonical(sig: &[u8; 65]) -> bool {
    !(sig[1] & 0x80 != 0
        || (sig[1] == 0 && sig[2] & 0x80 == 0)
        || sig[33] & 0x80 != 0
        || (sig[33] == 0 && sig[34] & 0x80 == 0))
}

fn signature_string(sig: &[u8; 65]) -> String {
    let mut h = Ripemd160::new();
    h.update(sig);
    h.update(b"K1");
    let check = h.finalize();
    let mut raw = sig.to_vec();
    raw.extend_from_slice(&check[..4]);
    format!("SIG_K1_{}", bs58::encode(raw).into_string())
}

/// HMAC-SHA256.
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut pad = [0x36u8; 64];
    for (p, k) in pad.iter_mut().zip(key) {
        *p ^= k;
    }
    let mut inner = Sha256::new();
    inner.update(pad);
    for part in parts {
        inner.update(part);
    }
    let inner = inner.finalize();
    for p in pad.iter_mut() {
        *p ^= 0x36 ^ 0x5c;
    }
    let mut outer = Sha256::new();
    outer.update(pad);
    outer.update(inner);
    outer.finalize().into()
}

/// The HMAC-SHA256 DRBG of RFC 6979 (3.2 b to h), as libsecp256k1's
/// `secp256k1_rfc6979_hmac_sha256` runs it: seeded with the key and the reduced digest, no extra
/// data; every output after the first is preceded by the update of step h.3.
struct HmacDrbg {
    k: [u8; 32],
    v: [u8; 32],
    started: bool,
}

impl HmacDrbg {
    fn new(key: &[u8], digest: &[u8]) -> Self {
        let (mut k, mut v) = ([0u8; 32], [1u8; 32]);
        k = hmac_sha256(&k, &[&v, &[0], key, digest]);
        v = hmac_sha256(&k, &[&v]);
        k = hmac_sha256(&k, &[&v, &[1], key, digest]);
        v = hmac_sha256(&k, &[&v]);
        HmacDrbg { k, v, started: false }
    }

    fn next(&mut self) -> [u8; 32] {
        if self.started {
            self.k = hmac_sha256(&self.k, &[&self.v, &[0]]);
            self.v = hmac_sha256(&self.k, &[&self.v]);
        }
        self.started = true;
        self.v = hmac_sha256(&self.k, &[&self.v]);
        self.v
    }
}

fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

fn wif_string(secret: &SecretKey) -> String {
    let mut raw = Vec::with_capacity(37);
    raw.push(0x80);
    raw.extend_from_slice(&secret.to_bytes());
    let check = sha256d(&raw);
    raw.extend_from_slice(&check[..4]);
    bs58::encode(raw).into_string()
}

fn secret_from_wif(wif: &str) -> Result<SecretKey, KeyError> {
    let raw = bs58::decode(wif).into_vec().map_err(|e| KeyError::Base58(e.to_string()))?;
    if raw.len() != 37 || raw[0] != 0x80 {
        return Err(KeyError::WifShape(raw.len()));
    }
    let (body, check) = raw.split_at(33);
    if sha256d(body)[..4] != *check {
        return Err(KeyError::Checksum);
    }
    SecretKey::from_slice(&body[1..]).map_err(|_| KeyError::Scalar)
}

fn public_key_string(secret: &SecretKey) -> String {
    public_key_string_of(&secret.public_key())
}

fn public_key_string_of(public: &PublicKey) -> String {
    let point = public.to_encoded_point(true);
    let compressed = point.as_bytes();
    let check = Ripemd160::digest(compressed);
    let mut raw = compressed.to_vec();
    raw.extend_from_slice(&check[..4]);
    format!("EOS{}", bs58::encode(raw).into_string())
}

/// Checks that a string is a well-formed `EOS…` public key (checksum included).
pub fn check_public_key(key: &str) -> Result<(), KeyError> {
    let body = key.strip_prefix("EOS").ok_or(KeyError::PublicShape)?;
    let raw = bs58::decode(body).into_vec().map_err(|e| KeyError::Base58(e.to_string()))?;
    if raw.len() != 37 {
        return Err(KeyError::PublicShape);
    }
    let (point, check) = raw.split_at(33);
    if Ripemd160::digest(point)[..4] != *check {
        return Err(KeyError::Checksum);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The key pair of the upstream tutorial's genesis node.
    const TUTORIAL_PVT: &str = "5K463ynhZoCDDa4RDcr63cUwWLTnKqmdcoTKTHBjqoKfv4u5V7p";
    const TUTORIAL_PUB: &str = "EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvr";

    #[test]
    fn derives_the_tutorial_public_key() {
        assert_eq!(KeyPair::from_wif(TUTORIAL_PVT).unwrap().public, TUTORIAL_PUB);
    }

    #[test]
    fn tutorial_accountnum11_pair_matches() {
        let pair = KeyPair::from_wif("5K7EYY3j1YY14TSFVfqgtbWbrw3FA8BUUnSyFGgwHi8Uy61wU1o").unwrap();
        assert_eq!(pair.public, "EOS8mUftJXepGzdQ2TaCduNuSPAfXJHf22uex4u41ab1EVv9EAhWt");
    }

    #[test]
    fn wif_round_trips() {
        let secret = secret_from_wif(TUTORIAL_PVT).unwrap();
        assert_eq!(wif_string(&secret), TUTORIAL_PVT);
    }

    #[test]
    fn rejects_a_bad_checksum() {
        let mut bad = TUTORIAL_PVT.to_string();
        bad.replace_range(50..51, "q");
        assert!(KeyPair::from_wif(&bad).is_err());
        assert_eq!(check_public_key(TUTORIAL_PUB), Ok(()));
        assert!(check_public_key("EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvs").is_err());
        assert!(check_public_key("PUB_K1_abc").is_err());
    }

    #[test]
    fn derivation_is_deterministic_and_separates_purposes() {
        let a = KeyPair::derive("seed", "accountnum11");
        assert_eq!(a, KeyPair::derive("seed", "accountnum11"));
        assert_ne!(a, KeyPair::derive("seed", "accountnum12"));
        assert_ne!(a, KeyPair::derive("other", "accountnum11"));
        // What we derive is a valid pair by the same rules cleos uses.
        assert_eq!(KeyPair::from_wif(&a.private).unwrap(), a);
        assert_eq!(check_public_key(&a.public), Ok(()));
    }

    #[test]
    fn debug_hides_the_private_key() {
        let a = KeyPair::from_wif(TUTORIAL_PVT).unwrap();
        assert!(!format!("{a:?}").contains(TUTORIAL_PVT));
        assert!(!format!("{:?}", a.signer().unwrap()).contains(TUTORIAL_PVT));
    }

    // Signing vectors from cleos (leap 4.1, `cleos sign -k KEY -c CHAIN_ID TRX`, offline).
    // The well-known development key.
    const DEV_PVT: &str = "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3";
    const DEV_PUB: &str = "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV";
    // The test chain id the vectors were signed for.
    const CHAIN_ID: &str = "8a34ec7df1b8cd06ff4a8abbaa7cc50300823350cadc59ab296cb00d104d2b8f";
    // `cleos convert pack_transaction` of an eosio.token transfer expiring 2024-01-01T00:00:00.
    const PACKED_TRANSFER: &str = "800092653930005ed0b2000000000100a6823403ea3055000000572d3ccdcd011082d4334f4d113200000000a8ed32322e1082d4334f4d11320000000000ea3055393000000000000004535953000000000d6c6162206c6f6164207465737400";
    // What cleos signs that transaction with, with the development key.
    const DEV_SIGNATURE: &str =
        "SIG_K1_Kam9UwysnLoXShWQhTf9hCbYez4fyPEZkbU91JLQiswrt3ELfeeguJ2doZoDeRZhewdyvgRSf68tzhrjRjF4GtoX12Lyb9";
    // What cleos signs it with, with KeyPair::derive("test-seed", "load") (WIF
    // 5HzL6HpR1eMJDongVvDWGWwyDAqzR9h1EeuPvyfFdLmUQHKWmbu), its expiration moved on by 0 to 7 seconds.
    const DERIVED_SIGNATURES: [&str; 8] = [
        "SIG_K1_KdD9hon89KPxGwcUrweZbZvHrafDjNix5UZs2iRSEBcgj6M8kfohYr75K9hySgJ6ZPmF8nteVwFCcm3SgBqjRb9TMWqBug",
        "SIG_K1_KhjUyj53V5k4sy9EwKi1SyytJQgK8SXJXvPrAd74MkGM5GCNscctGDLAdwyjMpoQae5wPTcmn7xDQcVHFNHbGdCBoycVCy",
        "SIG_K1_KaW9nY8ejJd5DunKF9ZAcMLDXXisSJf7MBnp4JWDFCtXuSENjo3oxqEvcuQErgvXViJm1aZHtmBddCt61TskafL1sgLxUn",
        "SIG_K1_KZYM9FUqHXzLYrjKWBTkLdxxDFUGaNoAcqnP74PF7dA6CDfhLcURPmPEKY6HTPs6Sz6JCP6zJRc2ik3zurm5QqPbhe4PJQ",
        "SIG_K1_KAK7MdNBzXARb7XzfVS3HrP76HMAJRf8B3Ty8DAxze6DGjs8TFffbYvT4zEHG1FKDE5RUhZSeZoMRpN2qv4JjQip8w4d3Q",
        "SIG_K1_Jwt8m2oEM14pEBxkkHYddzvB7YbZp4z1mySDpybQLwp6DWZk95XXvQCy4yunR64gsKAHntUHKox5JcSf4TPsTFdMcTr2Cb",
        "SIG_K1_K8YkKaWEQmq8zLFNjoYrNU83dzY4AMz17T3yVY2AXtvPzfyBNJJMMcZxKW8WEvre59E32ws5AwR4z4croGj88mc9pw395S",
        "SIG_K1_K73hzKnN9m8a54ENPTpE5w1vvfe5PP8v1Yp5G9mawZMFMPfJPzHBzSczANSuwKBf4qjhcLmHDKaavvHVow15QRohnypyGx",
    ];

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// sha256(chain_id || packed || 32 zero bytes), as cleos computes the digest it signs.
    fn cleos_digest(packed: &[u8]) -> [u8; 32] {
        Sha256::new().chain_update(hex(CHAIN_ID)).chain_update(packed).chain_update([0u8; 32]).finalize().into()
    }

    /// The 65 bytes of a `SIG_K1_…` string, its checksum checked.
    fn signature_bytes(sig: &str) -> [u8; 65] {
        let raw = bs58::decode(sig.strip_prefix("SIG_K1_").unwrap()).into_vec().unwrap();
        assert_eq!(raw.len(), 69, "{sig}");
        let (body, check) = raw.split_at(65);
        assert_eq!(&Ripemd160::new().chain_update(body).chain_update(b"K1").finalize()[..4], check, "{sig}");
        body.try_into().unwrap()
    }

    /// The `EOS…` key a signature of a digest recovers to, checking that it is low-S.
    fn recover(sig: &str, digest: &[u8; 32]) -> String {
        use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
        let raw = signature_bytes(sig);
        assert!((31..35).contains(&raw[0]), "{sig}: header {}", raw[0]);
        let signature = Signature::from_slice(&raw[1..]).unwrap();
        assert!(signature.normalize_s().is_none(), "{sig} is high-S");
        let recid = RecoveryId::from_byte(raw[0] - 31).unwrap();
        let key = VerifyingKey::recover_from_prehash(digest, &signature, recid).unwrap();
        public_key_string_of(&PublicKey::from(&key))
    }

    #[test]
    fn signs_as_cleos_does() {
        let dev = KeyPair::from_wif(DEV_PVT).unwrap();
        assert_eq!(dev.public, DEV_PUB);
        let digest = cleos_digest(&hex(PACKED_TRANSFER));
        assert_eq!(dev.signer().unwrap().sign(&digest), DEV_SIGNATURE);
        assert_eq!(recover(DEV_SIGNATURE, &digest), DEV_PUB);

        let derived = KeyPair::derive("test-seed", "load");
        assert_eq!(derived.private, "5HzL6HpR1eMJDongVvDWGWwyDAqzR9h1EeuPvyfFdLmUQHKWmbu");
        let signer = derived.signer().unwrap();
        let mut retried = 0;
        for (i, expected) in DERIVED_SIGNATURES.iter().enumerate() {
            let mut packed = hex(PACKED_TRANSFER);
            let expiration = u32::from_le_bytes(packed[..4].try_into().unwrap()) + i as u32;
            packed[..4].copy_from_slice(&expiration.to_le_bytes());
            let digest = cleos_digest(&packed);
            let (sig, attempts) = signer.sign_compact(&digest);
            assert_eq!(signature_string(&sig), *expected, "expiration + {i}s, {attempts} attempt(s)");
            assert_eq!(recover(expected, &digest), derived.public);
            retried += usize::from(attempts > 1);
        }
        // Some of the vectors took more than one nonce, so the retries are fc's too.
        assert!(retried > 0, "no vector needed a second nonce");
    }

    #[test]
    fn signatures_are_canonical_and_recover_the_key() {
        let pair = KeyPair::derive("test-seed", "load");
        let signer = pair.signer().unwrap();
        let mut attempts = 0;
        for i in 0u32..200 {
            let digest: [u8; 32] = Sha256::digest(i.to_le_bytes()).into();
            let (raw, n) = signer.sign_compact(&digest);
            attempts += n;
            assert!(is_canonical(&raw), "digest {i}");
            assert_eq!(raw[1] & 0x80, 0);
            assert_eq!(raw[33] & 0x80, 0);
            let sig = signer.sign(&digest);
            assert_eq!(signature_bytes(&sig), raw);
            assert_eq!(recover(&sig, &digest), pair.public, "digest {i}");
        }
        // About half the signatures are not canonical at the first nonce.
        assert!(attempts > 250, "{attempts} nonces for 200 signatures");
    }

    #[test]
    fn the_nonce_stream_is_rfc6979() {
        // The DRBG's first output is RFC 6979's k, which k256 signs with: both signatures agree.
        let secret = secret_from_wif(DEV_PVT).unwrap();
        let key = SigningKey::from(&secret);
        for i in 0u32..20 {
            let digest: [u8; 32] = Sha256::digest(i.to_be_bytes()).into();
            let (expected, expected_recid) = key.sign_prehash_recoverable(&digest).unwrap();
            let d: &Scalar = key.as_nonzero_scalar();
            let mut drbg = HmacDrbg::new(&d.to_repr(), &digest);
            let k = Scalar::from_repr(drbg.next().into()).unwrap();
            let (sig, recid) = d.try_sign_prehashed(k, &FieldBytes::from(digest)).unwrap();
            assert_eq!((sig, recid.unwrap()), (expected, expected_recid), "digest {i}");
        }
    }

    #[test]
    fn canonical_is_fcs_rule() {
        let mut sig = [0u8; 65];
        sig[1] = 0x7f;
        sig[33] = 0x01;
        assert!(is_canonical(&sig));
        sig[1] = 0x80;
        assert!(!is_canonical(&sig), "r's top bit set");
        sig[1] = 0x00;
        sig[2] = 0x7f;
        assert!(!is_canonical(&sig), "r starts with 0 then a byte below 0x80");
        sig[2] = 0x80;
        assert!(is_canonical(&sig));
        sig[33] = 0x00;
        sig[34] = 0x10;
        assert!(!is_canonical(&sig), "s starts with 0 then a byte below 0x80");
        sig[33] = 0x80;
        assert!(!is_canonical(&sig), "s's top bit set");
    }
}
