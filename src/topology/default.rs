//! The built-in default topology (the tutorial's: 25 accounts, 4 of them producers) and `lab init`.

const TEMPLATE: &str = include_str!("default.yaml");

/// The topology used when no file is given.
pub const DEFAULT_TOPOLOGY: &str = r#"
name: lab
image:
  recipe: default
accounts:
  count: 25
producers: 4
node_defaults:
  config:
    chain-state-db-size-mb: 256
nodes:
  genesis:
    http_port: 8888
"#;

/// The commented file `lab init` writes; its first line points editors at the schema.
pub fn init_file(name: &str, producers: usize, users: usize) -> String {
    let body = TEMPLATE
        .replace("__NAME__", name)
        .replace("__ACCOUNTS__", &(producers + users).to_string())
        .replace("__PRODUCERS__", &producers.to_string());
    format!("{}\n{body}", super::modeline())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::parse;

    #[test]
    fn the_init_file_with_default_numbers_is_the_default() {
        let written = parse(&init_file("lab", 4, 21)).unwrap();
        assert_eq!(written, parse(DEFAULT_TOPOLOGY).unwrap());
    }

    #[test]
    fn init_takes_its_numbers() {
        let t = parse(&init_file("big", 21, 179)).unwrap();
        assert_eq!(t.name, "big");
        assert_eq!(t.accounts.count, Some(200));
        assert_eq!(t.producers, crate::topology::ProducersConfig::Count(21));
    }
}
