//! Which accounts a topology asks for, by name, in the tutorial's order: users, then producers.
//! Names are part of what the topology means (validation checks them); keys come later, in the plan.

use super::{AccountsFile, ProducersConfig, Topology};

/// The default number of staked accounts: the tutorial's accountnum11 … accountnum55.
pub const DEFAULT_ACCOUNT_COUNT: usize = 25;

/// The tutorial's 25 names, `accountnum11` … `accountnum55`, in order.
fn tutorial_names() -> Vec<String> {
    (1..=5).flat_map(|i| (1..=5).map(move |j| format!("accountnum{i}{j}"))).collect()
}

/// `prefix` followed by `width` letters counting in base 26 from `a…a`.
fn counted_name(prefix: &str, width: u32, i: usize) -> String {
    let mut s = String::from(prefix);
    for pos in (0..width).rev() {
        let digit = (i / 26usize.pow(pos)) % 26;
        s.push((b'a' + digit as u8) as char);
    }
    s
}

/// Names of users and producers, before keys. Errors are `(field, message)`.
pub fn account_names(
    topology: &Topology,
    file: Option<&AccountsFile>,
) -> Result<(Vec<String>, Vec<String>), (String, String)> {
    if let Some(file) = file {
        let users: Vec<String> = file.users.iter().map(|a| a.name.clone()).collect();
        let producers = match &topology.producers {
            ProducersConfig::Count(n) => {
                if *n > file.producers.len() {
                    return Err((
                        "producers".into(),
                        format!("asks for {n} producers but the accounts file lists {}", file.producers.len()),
                    ));
                }
                file.producers[..*n].iter().map(|a| a.name.clone()).collect()
            }
            ProducersConfig::Names(names) => {
                for (i, n) in names.iter().enumerate() {
                    if !file.producers.iter().any(|a| &a.name == n) {
                        return Err((
                            format!("producers[{i}]"),
                            format!("{n:?} is not among the accounts file's producers"),
                        ));
                    }
                }
                names.clone()
            }
        };
        return Ok((users, producers));
    }

    let total = topology.accounts.count.unwrap_or(DEFAULT_ACCOUNT_COUNT);
    let (producers, pool): (Vec<String>, Vec<String>) = match &topology.producers {
        ProducersConfig::Names(names) => {
            let pool =
                if total <= 25 { tutorial_names() } else { (0..total).map(|i| counted_name("user", 8, i)).collect() };
            (names.clone(), pool.into_iter().filter(|n| !names.contains(n)).collect())
        }
        ProducersConfig::Count(n) if total <= 25 => {
            // The tutorial's producers sit on the diagonal: accountnum11, 22, 33, 44, 55.
            let all = tutorial_names();
            let diagonal: Vec<String> = (1..=5).map(|i| format!("accountnum{i}{i}")).collect();
            let mut order: Vec<String> = diagonal.clone();
            order.extend(all.iter().filter(|n| !diagonal.contains(n)).cloned());
            let producers: Vec<String> = order.into_iter().take(*n).collect();
            (producers.clone(), all.into_iter().filter(|n| !producers.contains(n)).collect())
        }
        ProducersConfig::Count(n) => (
            (0..*n).map(|i| counted_name("producer", 4, i)).collect(),
            (0..total).map(|i| counted_name("user", 8, i)).collect(),
        ),
    };
    if producers.len() > total {
        return Err((
            "accounts.count".into(),
            format!("{total} accounts cannot hold {} producers (the count includes the producers)", producers.len()),
        ));
    }
    let users = pool.into_iter().take(total - producers.len()).collect();
    Ok((users, producers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::parse;

    #[test]
    fn default_is_the_tutorials_25_with_the_diagonal_producing() {
        let t = parse("{}").unwrap();
        let (users, producers) = account_names(&t, None).unwrap();
        assert_eq!(producers, ["accountnum11", "accountnum22", "accountnum33", "accountnum44"]);
        assert_eq!(users.len(), 21);
        assert_eq!(users[0], "accountnum12");
        assert!(!users.contains(&"accountnum11".to_string()));
        assert!(users.contains(&"accountnum55".to_string()));
    }

    #[test]
    fn large_labs_count_names() {
        let t = parse("accounts: {count: 3000}\nproducers: 21").unwrap();
        let (users, producers) = account_names(&t, None).unwrap();
        assert_eq!(users.len(), 2979);
        assert_eq!(producers.len(), 21);
        assert_eq!(producers[0], "produceraaaa");
        assert_eq!(producers[20], "produceraaau");
        assert_eq!(users[0], "useraaaaaaaa");
        assert_eq!(users[27], "useraaaaaabb");
        for n in users.iter().chain(&producers) {
            crate::chain::check_account_name(n).unwrap();
        }
    }

    #[test]
    fn too_many_producers_for_the_count() {
        let t = parse("accounts: {count: 3}\nproducers: 4").unwrap();
        assert_eq!(account_names(&t, None).unwrap_err().0, "accounts.count");
    }
}
