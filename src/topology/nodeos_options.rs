//! The options a nodeos accepts, read from its `--help`, and the topology's config.ini entries and
//! nodeos arguments checked against them. Pure: the help text comes from the image (see
//! `orchestrator::nodeos_options`), so what is checked is what the nodeos of that image accepts.

use std::collections::BTreeMap;

use super::{ConfigValue, NodeSettings, Topology, ValidationError};

/// What an option's value is, as far as `--help` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A switch (no `arg`): in config.ini it takes a boolean.
    Switch,
    /// A value whose default is 0 or 1: a boolean or a number (both print so).
    BoolOrNumber,
    /// A value whose default is a number.
    Number,
    /// Anything else: a string nodeos parses itself.
    Text,
}

/// The options of one nodeos build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeosOptions {
    /// Options config.ini may set ("Config Options" sections), by name.
    pub config: BTreeMap<String, OptionKind>,
    /// Options only the command line takes ("Command Line Options" sections).
    pub command_line: BTreeMap<String, OptionKind>,
}

impl NodeosOptions {
    /// Reads `nodeos --help`: sections named `… Config Options …` or `… Command Line Options …`,
    /// and in them lines `  --name [value (=default)]  description` or `  -x [ --name ] …`.
    pub fn from_help(help: &str) -> Result<Self, String> {
        let mut options = NodeosOptions::default();
        let mut config_section = None;
        for line in help.lines() {
            if !line.starts_with(' ') && line.trim_end().ends_with(':') {
                config_section = if line.contains("Config Options") {
                    Some(true)
                } else if line.contains("Command Line Options") {
                    Some(false)
                } else {
                    None
                };
                continue;
            }
            let (Some(is_config), Some((name, kind))) = (config_section, option_line(line)) else { continue };
            let into = if is_config { &mut options.config } else { &mut options.command_line };
            into.insert(name, kind);
        }
        if options.config.len() < 10 {
            return Err(format!(
                "found {} config options in the help; it does not read as nodeos --help",
                options.config.len()
            ));
        }
        Ok(options)
    }

    fn kind(&self, name: &str) -> Option<OptionKind> {
        self.config.get(name).or_else(|| self.command_line.get(name)).copied()
    }

    /// Known option names close to `name`, for a "did you mean".
    fn near(&self, name: &str) -> Vec<&str> {
        let mut near: Vec<(usize, &str)> = self
            .config
            .keys()
            .chain(self.command_line.keys())
            .map(|k| (distance(k, name), k.as_str()))
            .filter(|(d, _)| *d <= 3.max(name.len() / 4))
            .collect();
        near.sort();
        near.into_iter().take(3).map(|(_, k)| k).collect()
    }
}

/// `  --name arg (=x)   text` → (name, kind). One space after the name introduces its value; a
/// description starts after two or more.
fn option_line(line: &str) -> Option<(String, OptionKind)> {
    // A name too long for its column ends its line, sometimes with a space.
    let rest = line.trim_end().strip_prefix("  -")?;
    let rest = match rest.strip_prefix('-') {
        Some(long) => long.to_string(),
        // `-e [ --enable-stale-production ] …`
        None => rest.split_once("[ --")?.1.replacen(" ]", "", 1),
    };
    let name_end = rest.find(' ').unwrap_or(rest.len());
    let name = rest[..name_end].to_string();
    let after = &rest[name_end..];
    let kind = if after.is_empty() || after.starts_with("  ") {
        OptionKind::Switch
    } else {
        let value = after[1..].split("  ").next().unwrap_or("");
        match value.split_once("(=").map(|(_, d)| d.trim_end().trim_end_matches(')')) {
            Some("0") | Some("1") => OptionKind::BoolOrNumber,
            Some(d) if d.parse::<f64>().is_ok() => OptionKind::Number,
            _ => OptionKind::Text,
        }
    };
    Some((name, kind))
}

const BOOL_WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "1", "0"];

/// Whether a config.ini value fits the option's kind.
fn fits(kind: OptionKind, value: &serde_norway::Value) -> bool {
    let text = match value {
        serde_norway::Value::String(s) => s.trim().to_string(),
        serde_norway::Value::Bool(_) => return kind != OptionKind::Number,
        serde_norway::Value::Number(n) => n.to_string(),
        _ => return false,
    };
    let boolean = BOOL_WORDS.contains(&text.to_ascii_lowercase().as_str());
    let number = text.parse::<f64>().is_ok();
    match kind {
        OptionKind::Switch => boolean,
        OptionKind::BoolOrNumber => boolean || number,
        OptionKind::Number => number,
        OptionKind::Text => true,
    }
}

fn expected(kind: OptionKind) -> &'static str {
    match kind {
        OptionKind::Switch => "a boolean (true or false)",
        OptionKind::BoolOrNumber => "a boolean or a number",
        OptionKind::Number => "a number",
        OptionKind::Text => "a string",
    }
}

/// Every config.ini entry and nodeos argument of the topology that this nodeos would refuse:
/// unknown options, command-line options given to config.ini, values of the wrong type.
pub fn check_nodeos_options(t: &Topology, options: &NodeosOptions) -> Vec<ValidationError> {
    let mut errs = Vec::new();
    check_settings("node_defaults", &t.node_defaults, options, &mut errs);
    for (node, settings) in &t.nodes {
        check_settings(&format!("nodes.{node}"), settings, options, &mut errs);
    }
    errs
}

fn check_settings(at: &str, s: &NodeSettings, options: &NodeosOptions, errs: &mut Vec<ValidationError>) {
    let mut add = |path: String, message: String| errs.push(ValidationError { path, message });
    let unknown = |name: &str| {
        let near = options.near(name);
        if near.is_empty() {
            "is not an option of this nodeos".to_string()
        } else {
            format!("is not an option of this nodeos (did you mean {}?)", near.join(", "))
        }
    };
    for (key, value) in &s.config {
        let path = format!("{at}.config.{key}");
        let Some(kind) = options.config.get(key) else {
            if options.command_line.contains_key(key) {
                add(path, "is a command-line option of nodeos, not a config.ini one: give it in `args`".into());
            } else {
                add(path, unknown(key));
            }
            continue;
        };
        let values: Vec<&serde_norway::Value> = match value {
            ConfigValue::One(v) => vec![v],
            ConfigValue::Many(vs) => vs.iter().collect(),
        };
        for v in values.into_iter().filter(|v| !fits(*kind, v)) {
            add(
                path.clone(),
                format!("{} is not {}", serde_norway::to_string(v).unwrap_or_default().trim(), expected(*kind)),
            );
        }
    }
    for (i, arg) in s.args.iter().enumerate() {
        // Only long options are checked by name; their values (the next argument, or after `=`)
        // are nodeos's to read.
        let Some(name) = arg.strip_prefix("--").map(|a| a.split('=').next().unwrap_or(a)) else { continue };
        if options.kind(name).is_none() {
            add(format!("{at}.args[{i}]"), format!("--{name} {}", unknown(name)));
        }
    }
}

/// Levenshtein distance, for suggestions among a few hundred short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::parse;

    /// Lines as Leap 4.1's `nodeos --help` prints them.
    const HELP: &str = "Application Options:

Config Options for eosio::chain_plugin:
  --blocks-dir arg (=\"blocks\")          the location of the blocks directory 
                                        (absolute path or relative to 
  --wasm-runtime runtime (=eos-vm-jit)  Override default WASM runtime ( 
  --abi-serializer-max-time-ms arg (=15)
                                        Override default maximum ABI 
  --chain-state-db-size-mb arg (=1024)  Maximum size (in MiB) of the chain 
  --contracts-console                   print contract's output to console
  --read-mode arg (=head)               Database read mode (\"head\", 
  --enable-account-queries arg (=0)     enable queries to find accounts by 
  --max-irreversible-block-age arg (=-1)
  --actor-whitelist arg                 Account added to actor whitelist (may 
  --resource-monitor-not-shutdown-on-threshold-exceeded 
                                        Used to indicate that node should not 
Command Line Options for eosio::chain_plugin:
  --genesis-json arg                    File to read Genesis State from
  --snapshot arg                        File to read Snapshot State from
  --replay-blockchain                   clear chain state database and replay 
Config Options for eosio::producer_plugin:
  -e [ --enable-stale-production ]      Enable block production, even if the 
  -p [ --producer-name ] arg            ID of producer controlled by this node 
  --http-validate-host arg (=1)         If set to false, then any incoming 
Application Config Options:
  --plugin arg                          Plugin(s) to enable, may be specified 
Application Command Line Options:
  -h [ --help ]                         Print this help message and exit.
  -c [ --config ] arg (=config.ini)     Configuration file name relative to 
";

    fn options() -> NodeosOptions {
        NodeosOptions::from_help(HELP).unwrap()
    }

    #[test]
    fn reads_the_options_and_their_kinds() {
        let o = options();
        assert_eq!(o.config.get("blocks-dir"), Some(&OptionKind::Text));
        assert_eq!(o.config.get("wasm-runtime"), Some(&OptionKind::Text));
        assert_eq!(o.config.get("abi-serializer-max-time-ms"), Some(&OptionKind::Number));
        assert_eq!(o.config.get("contracts-console"), Some(&OptionKind::Switch));
        assert_eq!(o.config.get("enable-account-queries"), Some(&OptionKind::BoolOrNumber));
        assert_eq!(o.config.get("max-irreversible-block-age"), Some(&OptionKind::Number));
        assert_eq!(o.config.get("enable-stale-production"), Some(&OptionKind::Switch));
        assert_eq!(o.config.get("producer-name"), Some(&OptionKind::Text));
        assert_eq!(o.config.get("resource-monitor-not-shutdown-on-threshold-exceeded"), Some(&OptionKind::Switch));
        assert_eq!(o.config.get("plugin"), Some(&OptionKind::Text));
        assert!(o.command_line.contains_key("genesis-json") && o.command_line.contains_key("replay-blockchain"));
        assert!(o.command_line.contains_key("help") && o.command_line.contains_key("config"));
        assert!(!o.config.contains_key("snapshot"));
        assert!(NodeosOptions::from_help("Usage: something else\n").is_err());
    }

    fn check(yaml: &str) -> Vec<(String, String)> {
        check_nodeos_options(&parse(yaml).unwrap(), &options()).into_iter().map(|e| (e.path, e.message)).collect()
    }

    #[test]
    fn good_entries_pass() {
        let yaml = "node_defaults: {config: {chain-state-db-size-mb: 256, contracts-console: true, \
                    http-validate-host: false, enable-account-queries: 1, max-irreversible-block-age: -1, \
                    read-mode: head, actor-whitelist: [a, b]}, args: [--replay-blockchain, -e, '--read-mode=head']}";
        assert_eq!(check(yaml), vec![]);
    }

    #[test]
    fn unknown_options_and_wrong_types_name_the_field() {
        let errs = check(
            "node_defaults: {config: {chain-state-db-size: 256, snapshot: x}}\n\
             nodes: {genesis: {config: {chain-state-db-size-mb: lots, contracts-console: maybe}, args: [--bogus-flag, x]}}",
        );
        assert_eq!(errs.len(), 5, "{errs:#?}");
        assert_eq!(errs[0].0, "node_defaults.config.chain-state-db-size");
        assert!(errs[0].1.contains("did you mean chain-state-db-size-mb?"), "{}", errs[0].1);
        assert_eq!(errs[1].0, "node_defaults.config.snapshot");
        assert!(errs[1].1.contains("command-line option"));
        assert_eq!(errs[2], ("nodes.genesis.config.chain-state-db-size-mb".into(), "lots is not a number".into()));
        assert_eq!(
            errs[3],
            ("nodes.genesis.config.contracts-console".into(), "maybe is not a boolean (true or false)".into())
        );
        assert_eq!(errs[4], ("nodes.genesis.args[0]".into(), "--bogus-flag is not an option of this nodeos".into()));
    }

    /// `nodeos --help` of the default image (Leap 4.1), as `lab up` reads it from the image.
    const LEAP_4_1_HELP: &str = include_str!("testdata/leap-4.1-nodeos-help.txt");

    #[test]
    fn every_entry_lab_renders_is_an_option_of_leap_4_1() {
        let o = NodeosOptions::from_help(LEAP_4_1_HELP).unwrap();
        assert!(o.config.len() > 120, "{}", o.config.len());
        let plan = crate::plan::NetworkPlan::build(
            &crate::topology::TopologySource { topology: parse("{}").unwrap(), path: None },
            "s",
        )
        .unwrap();
        for node in &plan.nodes {
            let ini = crate::render::config_ini(&plan, node);
            for line in ini.lines().filter(|l| !l.starts_with('#')) {
                let (key, value) = line.split_once(" = ").unwrap();
                let kind = o.config.get(key).unwrap_or_else(|| panic!("{key} is not a config option"));
                assert!(fits(*kind, &serde_norway::Value::String(value.into())), "{key} = {value}");
            }
        }
        assert_eq!(o.config.get("http-validate-host"), Some(&OptionKind::BoolOrNumber));
        assert_eq!(o.config.get("enable-stale-production"), Some(&OptionKind::Switch));
        assert!(o.command_line.contains_key("snapshot"));
    }
}
