//! The upstream tutorial's `accounts.json`: `{"users":[{"name","pvt","pub"}],"producers":[...]}`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileAccount {
    pub name: String,
    pub pvt: String,
    #[serde(rename = "pub")]
    pub public: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountsFile {
    #[serde(default)]
    pub users: Vec<FileAccount>,
    #[serde(default)]
    pub producers: Vec<FileAccount>,
}

impl AccountsFile {
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not an accounts.json: {e}", path.display()))
    }
}
