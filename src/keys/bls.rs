//! BLS finalizer keys (Savanna) in the Antelope text format: `PVT_BLS_…`, `PUB_BLS_…`, and the
//! proof of possession `SIG_BLS_…` that `regfinkey` asks for.
//!
//! The format is Spring's libfc's: the payload is base64url without padding of the raw bytes
//! followed by the first 4 bytes of their RIPEMD-160. The private key is the scalar as four
//! little-endian 64-bit limbs (32 bytes, little-endian), a public key the affine G1 point as
//! x‖y with each coordinate little-endian (96 bytes), a signature the affine G2 point likewise,
//! each Fp2 coordinate as c0‖c1 (192 bytes). A little-endian coordinate is the reverse of the
//! big-endian one, and an Fp2 written c0‖c1 little-endian is the reverse of the c1‖c0 big-endian
//! form blst serializes, so each half of blst's uncompressed form is simply reversed.
//!
//! The proof of possession is the IETF scheme as Spring's bls12-381 library does it: the secret
//! key times the hash to G2 (SSWU, SHA-256) of the public key's 96 affine little-endian bytes,
//! with the tag `BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
#[cfg(test)]
use blst::min_pk::PublicKey;
use blst::min_pk::SecretKey;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use thiserror::Error;

const PVT: &str = "PVT_BLS_";
const PUB: &str = "PUB_BLS_";
const SIG: &str = "SIG_BLS_";
const POP_TAG: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

#[derive(Debug, Error, PartialEq)]
pub enum BlsKeyError {
    #[error("a BLS key starts with {0}")]
    Prefix(&'static str),
    #[error("not base64url: {0}")]
    Base64(String),
    #[error("the payload is {0} bytes, {1} expected")]
    Length(usize, usize),
    #[error("checksum does not match")]
    Checksum,
    #[error("not a valid BLS12-381 key")]
    Invalid,
}

/// A finalizer's key: the three strings `spring-util bls create key` prints.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlsKey {
    #[serde(rename = "pub")]
    pub public: String,
    #[serde(rename = "pvt")]
    pub private: String,
    /// The proof of possession `regfinkey` checks.
    pub pop: String,
}

impl fmt::Debug for BlsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlsKey").field("public", &self.public).field("private", &"<hidden>").finish()
    }
}

impl BlsKey {
    /// The key for a `PVT_BLS_…` string: its public key and proof of possession.
    pub fn from_private(private: &str) -> Result<Self, BlsKeyError> {
        let raw = decode(private, PVT, 32)?;
        let mut be: [u8; 32] = raw.try_into().map_err(|_| BlsKeyError::Invalid)?;
        be.reverse();
        let sk = SecretKey::from_bytes(&be).map_err(|_| BlsKeyError::Invalid)?;
        Ok(Self::from_secret(&sk))
    }

    /// A key derived from a lab's seed and a purpose (the producer's name): the same two strings
    /// always give the same key, as for the lab's other keys.
    pub fn derive(seed: &str, purpose: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"antelope-lab bls key\0");
        h.update(seed.as_bytes());
        h.update([0]);
        h.update(purpose.as_bytes());
        // IETF KeyGen reduces the input keying material to a valid scalar.
        let sk = SecretKey::key_gen(&h.finalize(), &[]).expect("32 bytes of key material");
        Self::from_secret(&sk)
    }

    fn from_secret(sk: &SecretKey) -> Self {
        let mut le = sk.to_bytes();
        le.reverse();
        let pk = affine_le(&sk.sk_to_pk().serialize());
        let pop = affine_le(&sk.sign(&pk, POP_TAG, &[]).serialize());
        BlsKey { private: encode(PVT, &le), public: encode(PUB, &pk), pop: encode(SIG, &pop) }
    }
}

/// Checks that a string is a well-formed `PUB_BLS_…` key on the curve.
#[cfg(test)]
pub fn check_public_key(key: &str) -> Result<(), BlsKeyError> {
    let mut raw = decode(key, PUB, 96)?;
    let (x, y) = raw.split_at_mut(48);
    x.reverse();
    y.reverse();
    PublicKey::deserialize(&raw).and_then(|k| k.validate()).map_err(|_| BlsKeyError::Invalid)
}

/// blst's uncompressed big-endian point (G1: 96 bytes, G2: 192) as libfc's affine little-endian.
fn affine_le(be: &[u8]) -> Vec<u8> {
    let (x, y) = be.split_at(be.len() / 2);
    x.iter().rev().chain(y.iter().rev()).copied().collect()
}

fn checksum(data: &[u8]) -> [u8; 4] {
    let h = Ripemd160::digest(data);
    [h[0], h[1], h[2], h[3]]
}

fn encode(prefix: &str, data: &[u8]) -> String {
    let mut raw = data.to_vec();
    raw.extend_from_slice(&checksum(data));
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(raw))
}

fn decode(s: &str, prefix: &'static str, len: usize) -> Result<Vec<u8>, BlsKeyError> {
    let body = s.strip_prefix(prefix).ok_or(BlsKeyError::Prefix(prefix))?;
    let mut raw = URL_SAFE_NO_PAD.decode(body).map_err(|e| BlsKeyError::Base64(e.to_string()))?;
    if raw.len() != len + 4 {
        return Err(BlsKeyError::Length(raw.len().saturating_sub(4), len));
    }
    let check = raw.split_off(len);
    if check != checksum(&raw) {
        return Err(BlsKeyError::Checksum);
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Finalizer keys of Spring's own tests (tests/separate_prod_fin_test_shape.json), made by
    // `spring-util bls create key`: a private key, its public key and proof of possession.
    const SPRING: [(&str, &str, &str); 2] = [
        (
            "PVT_BLS_t2sZsoDWTQFIKg75bhJn8pBA0iDYcWyn3HlEfKIzTzKozgKO",
            "PUB_BLS_Uf3df_EqPpR31ZkenPtwgGUtd69cahyuY2lc9jPwEta7Q6t7REV-Hd35hUIDel4N7pQdCGZdnVZzs_UmJghEjGhVHN1QVVAQjOca8Fs10D_jqTiUzffzqyBAvTHyZtoEEPyXkg",
            "SIG_BLS_TnwBY4dpG54mCue3ZXwjCio0AIdWYwFdz5ipLdnXlg64FkYkhMUtkOdQIs1IYbMWOXlD6OnCP6jcCWi5VziWKNbLfMX64SdIkNPKOHrfE_8fBfIk9Onj7GbWx3q0LbYP7NfJQk1mk-gOjz1G3elZDDHt367YUgzYDKhtl1FSkfZzDRzDsCSei7H1MjLi_e0RVdUfgqAznGaq2Yss6gY-HzwzgHU4y-SNQpzdCuDlLEEIjkHq8fXuMiPWT2Dlt8kOML0uqg",
        ),
        (
            "PVT_BLS_A1Mifu5xyaxiveyjnZ-qN2zOt-5_KLMpjTrDI9udcQNV1NBR",
            "PUB_BLS_Y8ndNvnrEpnzJcNUg49ncWDiDGRgR7WUmRRDR9yMURoS6zF14sPnbb-DsTGp0cEM628a4CmG6KXMhPJMqGZvb7RM_MGIwgbEhVaENL8rXeYLOuFDS375KHFgXxs2P5sZuaN7aA",
            "SIG_BLS_7D0OUU1h7E0AKkAmqV4v3Ot9oSPWJBOss4yDejr2x1g5G31cSSAYIAtqZOYC-ioNzddY7zkvTcbhKgBzv5a-G1HmV1pOCXXPJ5TL0iqU8Ks5abeEWCdhArGATmRQiSMYNcj9rMQcm3H6Z0pOlOdbDdt8Cg-SY_H4jEGmAY2ZqudAH_U8gS19aydJU-2uQq0SPIr2Okl-WNbc-q3NVQw6Y0sAHAwN4BOIHup2MJyDDDIbpSEkBchRp3zna1XJf6oBuUzpqQ",
        ),
    ];

    #[test]
    fn a_private_key_of_spring_gives_its_public_key_and_proof_of_possession() {
        for (pvt, public, pop) in SPRING {
            let key = BlsKey::from_private(pvt).unwrap();
            assert_eq!(key.private, pvt);
            assert_eq!(key.public, public);
            assert_eq!(key.pop, pop);
            check_public_key(public).unwrap();
        }
    }

    #[test]
    fn derived_keys_are_reproducible_and_read_back() {
        let a = BlsKey::derive("seed", "accountnum11");
        assert_eq!(a, BlsKey::derive("seed", "accountnum11"));
        assert_ne!(a.public, BlsKey::derive("seed", "accountnum22").public);
        assert_ne!(a.public, BlsKey::derive("other", "accountnum11").public);
        assert_eq!(BlsKey::from_private(&a.private).unwrap(), a);
        assert!(!format!("{a:?}").contains(&a.private));
    }

    #[test]
    fn damaged_strings_are_refused() {
        let (pvt, public, _) = SPRING[0];
        // Spring's test_bls.cpp refuses these shapes: a changed character, a missing prefix.
        assert_eq!(BlsKey::from_private(&pvt.replace("PVT_BLS_t2", "PVT_BLS_u2")), Err(BlsKeyError::Checksum));
        assert_eq!(BlsKey::from_private(&pvt[8..]), Err(BlsKeyError::Prefix(PVT)));
        assert_eq!(check_public_key(&public.replace("PUB_BLS_", "PUB_")), Err(BlsKeyError::Prefix(PUB)));
        assert!(matches!(
            check_public_key(&format!("{public}AA")),
            Err(BlsKeyError::Base64(_) | BlsKeyError::Length(..))
        ));
    }
}
