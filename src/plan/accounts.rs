//! The accounts the lab stakes, with their keys, in the tutorial's order: users first, then
//! producers. Which names they have is the topology's business ([`crate::topology::Validated`]).

use crate::keys::bls::BlsKey;
use crate::keys::KeyPair;
use crate::topology::AccountsFile;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountPlan {
    pub name: String,
    #[serde(flatten)]
    pub keys: KeyPair,
    pub producer: bool,
    /// A producer's BLS finalizer key (Savanna), derived from the seed and the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalizer: Option<BlsKey>,
}

/// The accounts with their keys: from the file, or derived from the seed.
pub fn resolve(users: &[String], producers: &[String], file: Option<&AccountsFile>, seed: &str) -> Vec<AccountPlan> {
    let key_for = |name: &str| -> KeyPair {
        file.and_then(|f| f.users.iter().chain(f.producers.iter()).find(|a| a.name == name))
            .map(|a| KeyPair { public: a.public.clone(), private: a.pvt.clone() })
            .unwrap_or_else(|| KeyPair::derive(seed, name))
    };
    let mut out: Vec<AccountPlan> = users
        .iter()
        .map(|n| AccountPlan { name: n.clone(), keys: key_for(n), producer: false, finalizer: None })
        .collect();
    out.extend(producers.iter().map(|n| AccountPlan {
        name: n.clone(),
        keys: key_for(n),
        producer: true,
        finalizer: Some(BlsKey::derive(seed, n)),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_seed_or_the_file() {
        let names = |v: &[&str]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let a = resolve(&names(&["u1", "u2", "u3", "u4"]), &names(&["accountnum11"]), None, "s");
        assert_eq!(a.len(), 5);
        assert_eq!(a[4].name, "accountnum11");
        assert!(a[4].producer && !a[0].producer);
        assert_eq!(a[0].keys, KeyPair::derive("s", &a[0].name));
        assert_eq!(a[4].finalizer, Some(BlsKey::derive("s", "accountnum11")));
        assert!(a[0].finalizer.is_none(), "only producers finalize");

        let file: AccountsFile = serde_json::from_str(
            r#"{"users":[{"name":"usera","pvt":"5K463ynhZoCDDa4RDcr63cUwWLTnKqmdcoTKTHBjqoKfv4u5V7p","pub":"EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvr"}],
                "producers":[{"name":"proda","pvt":"5K463ynhZoCDDa4RDcr63cUwWLTnKqmdcoTKTHBjqoKfv4u5V7p","pub":"EOS8Znrtgwt8TfpmbVpTKvA2oB8Nqey625CLN8bCN3TEbgx86Dsvr"}]}"#,
        )
        .unwrap();
        let a = resolve(&names(&["usera"]), &names(&["proda"]), Some(&file), "s");
        assert_eq!(a.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["usera", "proda"]);
        assert_eq!(a[0].keys.private, "5K463ynhZoCDDa4RDcr63cUwWLTnKqmdcoTKTHBjqoKfv4u5V7p");
    }
}
