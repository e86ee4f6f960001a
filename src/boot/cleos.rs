//! cleos inside the genesis container: the one place its command line is assembled.

use super::error::Failure;
use crate::plan::{HTTP_PORT, KEOSD_PORT};
use crate::runtime::{ExecOutput, Runtime};

/// The cleos command line `lab` uses everywhere: no auto-started keosd (the boot starts its own,
/// with its own wallet folder), the node's API on the container's loopback, and the lab's keosd
/// (in the genesis container).
#[derive(Debug, Clone, PartialEq)]
pub struct CleosCommand {
    url: String,
    wallet_url: String,
}

impl Default for CleosCommand {
    fn default() -> Self {
        CleosCommand {
            url: format!("http://127.0.0.1:{HTTP_PORT}"),
            wallet_url: format!("http://127.0.0.1:{KEOSD_PORT}"),
        }
    }
}

impl CleosCommand {
    /// cleos in the genesis container, talking to its node and its keosd.
    pub fn local() -> Self {
        Self::default()
    }

    /// cleos talking to another node over the lab network.
    #[cfg(test)]
    pub fn to_node(container: &str) -> Self {
        CleosCommand { url: format!("http://{container}:{HTTP_PORT}"), ..Self::default() }
    }

    /// cleos in another node's container, talking to that node on its own loopback (so that a
    /// fault on the lab network does not come between them) and to the wallet in `genesis`
    /// (which signing crosses the lab network for).
    pub fn in_node(genesis: &str) -> Self {
        CleosCommand { wallet_url: format!("http://{genesis}:{KEOSD_PORT}"), ..Self::default() }
    }

    /// The command line, ready for `exec`, followed by `args`.
    pub fn args<S: AsRef<str>>(&self, args: &[S]) -> Vec<String> {
        let mut cmd: Vec<String> = ["cleos", "--no-auto-keosd", "--url", &self.url, "--wallet-url", &self.wallet_url]
            .iter()
            .map(|s| s.to_string())
            .collect();
        cmd.extend(args.iter().map(|a| a.as_ref().to_string()));
        cmd
    }

    /// The command line for a shell script (every part is a plain word).
    pub fn shell(&self) -> String {
        self.args::<&str>(&[]).join(" ")
    }
}

/// cleos and shell commands in one container; a non-zero exit is a [`Failure::Exec`].
#[derive(Clone, Copy)]
pub struct Cleos<'a> {
    pub rt: &'a dyn Runtime,
    pub container: &'a str,
}

impl<'a> Cleos<'a> {
    pub fn new(rt: &'a dyn Runtime, container: &'a str) -> Self {
        Cleos { rt, container }
    }

    /// Runs cleos and returns its output, whatever the exit code.
    pub async fn run(&self, args: &[&str], stdin: Option<Vec<u8>>) -> Result<ExecOutput, Failure> {
        Ok(self.rt.exec(self.container, &CleosCommand::local().args(args), stdin).await?)
    }

    /// Runs cleos; a non-zero exit is an error naming the node, the command, its code and stderr.
    pub async fn ok(&self, args: &[&str]) -> Result<ExecOutput, Failure> {
        let out = self.run(args, None).await?;
        self.check(&format!("cleos {}", args.first().copied().unwrap_or("")), out)
    }

    /// Runs a shell script in the container.
    pub async fn sh(&self, script: &str, stdin: Option<Vec<u8>>) -> Result<ExecOutput, Failure> {
        let out = self.sh_output(script, stdin).await?;
        self.check("sh", out)
    }

    /// Runs a shell script and returns its output, whatever the exit code.
    pub async fn sh_output(&self, script: &str, stdin: Option<Vec<u8>>) -> Result<ExecOutput, Failure> {
        let cmd = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        Ok(self.rt.exec(self.container, &cmd, stdin).await?)
    }

    pub fn check(&self, what: &str, out: ExecOutput) -> Result<ExecOutput, Failure> {
        if out.success() {
            Ok(out)
        } else {
            Err(Failure::Exec { node: self.container.into(), what: what.into(), code: out.code, stderr: out.tail(12) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_command_line() {
        assert_eq!(
            CleosCommand::local().args(&["get", "info"]),
            [
                "cleos",
                "--no-auto-keosd",
                "--url",
                "http://127.0.0.1:8888",
                "--wallet-url",
                "http://127.0.0.1:6666",
                "get",
                "info"
            ]
        );
        assert_eq!(
            CleosCommand::to_node("lab-accountnum11").shell(),
            "cleos --no-auto-keosd --url http://lab-accountnum11:8888 --wallet-url http://127.0.0.1:6666"
        );
        assert_eq!(
            CleosCommand::in_node("lab-genesis").shell(),
            "cleos --no-auto-keosd --url http://127.0.0.1:8888 --wallet-url http://lab-genesis:6666"
        );
    }
}
