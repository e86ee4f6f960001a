//! Antelope keys in the legacy format: WIF private keys (`5…`) and `EOS…` public keys.
//!
//! Keys are secp256k1. A seeded lab derives every key from its seed and the key's purpose, so the
//! same topology file always yields the same accounts and the same chain.

pub(crate) mod bls;

use std::fmt;

use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::SecretKey;
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
    let point = secret.public_key().to_encoded_point(true);
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
    }
}
