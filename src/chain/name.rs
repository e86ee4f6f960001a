//! Antelope account names.

/// Checks an account name against the rules the chain enforces for accounts a user creates:
/// 1 to 12 characters of `a-z`, `1-5` and `.`, not ending in `.`.
pub fn check_account_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an account name cannot be empty".into());
    }
    if name.len() > 12 {
        return Err(format!(
            "{name:?} is {} characters long; account names have at most 12 (a-z, 1-5, '.')",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|c| !matches!(c, 'a'..='z' | '1'..='5' | '.')) {
        return Err(format!("{name:?} has {c:?}; account names use only a-z, 1-5 and '.'"));
    }
    if name.ends_with('.') {
        return Err(format!("{name:?} ends with '.', which account names may not"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_names() {
        for n in ["eosio", "eosio.token", "accountnum11", "a", "zzzzzzzzzzzz", "a.b.c"] {
            assert_eq!(check_account_name(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn rejects_invalid_names_with_the_reason() {
        assert!(check_account_name("").unwrap_err().contains("empty"));
        assert!(check_account_name("Prod1").unwrap_err().contains("'P'"));
        assert!(check_account_name("accountnum16").unwrap_err().contains("'6'"));
        assert!(check_account_name("abcdefghijklm").unwrap_err().contains("13 characters"));
        assert!(check_account_name("prod.").unwrap_err().contains("ends with"));
        assert!(check_account_name("a_b").unwrap_err().contains("'_'"));
    }
}
