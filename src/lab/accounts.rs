//! The accounts a lab made, with their keys, as test code signs with them: read from the state
//! folder's `keys.json`, which `up` writes.

use std::fmt;

use anyhow::Context;
use serde::Deserialize;

use super::Result;
use crate::state::StateDir;

/// What an account is in the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountRole {
    /// `eosio`, whose key is the genesis key (after the boot it is held by `eosio.prods`).
    System,
    /// A block producer.
    Producer,
    /// A staked user account.
    User,
}

impl AccountRole {
    /// `system`, `producer` or `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::System => "system",
            AccountRole::Producer => "producer",
            AccountRole::User => "user",
        }
    }
}

/// An account the lab made, with its key pair. `Debug` masks the private key.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct LabAccount {
    /// The account name.
    pub name: String,
    /// What it is in the lab.
    pub role: AccountRole,
    /// Its owner and active public key (`EOS…`).
    pub public_key: String,
    /// The private key of `public_key` (WIF), to sign with.
    pub private_key: String,
}

impl fmt::Debug for LabAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabAccount")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("public_key", &self.public_key)
            .field("private_key", &"<masked>")
            .finish()
    }
}

#[derive(Deserialize)]
struct KeysFile {
    eosio: Key,
    accounts: Vec<Entry>,
}

#[derive(Deserialize)]
struct Key {
    #[serde(rename = "pub")]
    public: String,
    #[serde(rename = "pvt")]
    private: String,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(flatten)]
    key: Key,
    producer: bool,
}

/// `eosio` first, then the staked accounts in the plan's order (users, then producers).
pub(crate) fn accounts(state: &StateDir) -> Result<Vec<LabAccount>> {
    let path = state.root.join("keys.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}: is the lab up (its keys are written by `up`)?", path.display()))?;
    let file: KeysFile =
        serde_json::from_str(&text).with_context(|| format!("{} is not a lab's key list", path.display()))?;
    let mut out = vec![LabAccount {
        name: "eosio".into(),
        role: AccountRole::System,
        public_key: file.eosio.public,
        private_key: file.eosio.private,
    }];
    out.extend(file.accounts.into_iter().map(|a| LabAccount {
        name: a.name,
        role: if a.producer { AccountRole::Producer } else { AccountRole::User },
        public_key: a.key.public,
        private_key: a.key.private,
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::LabConfig;

    #[test]
    fn the_accounts_are_read_from_the_keys_the_plan_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let config = LabConfig::from_yaml("name: acc\nseed: s\nproducers: 2\naccounts: {count: 5}\n")
            .unwrap()
            .state_dir(dir.path());
        let (plan, state) = config.plan().unwrap();
        assert!(accounts(&state).unwrap_err().to_string().contains("keys.json"));
        state.write_plan(&plan).unwrap();
        let all = accounts(&state).unwrap();
        assert_eq!(all.len(), 6);
        assert_eq!((all[0].name.as_str(), all[0].role), ("eosio", AccountRole::System));
        assert_eq!(all[0].public_key, plan.chain.eosio.public);
        assert_eq!(all.iter().filter(|a| a.role == AccountRole::Producer).count(), 2);
        assert_eq!(all.iter().filter(|a| a.role == AccountRole::User).count(), 3);
        for (a, p) in all[1..].iter().zip(&plan.accounts) {
            assert_eq!((&a.name, &a.public_key, &a.private_key), (&p.name, &p.keys.public, &p.keys.private));
        }
        assert!(!format!("{:?}", all[1]).contains(&all[1].private_key));
    }
}
