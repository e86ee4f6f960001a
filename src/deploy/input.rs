//! The contract files named on the command line: a folder with one `.wasm` (and its `.abi`), or a
//! `.wasm` file, and an optional `--abi`. Read and checked before anything is asked of the chain.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::DeployError;

/// A contract read from the host.
#[derive(Debug, Clone)]
pub struct ContractFiles {
    pub(crate) wasm_path: PathBuf,
    pub(crate) wasm: Vec<u8>,
    /// sha256 of the wasm, hex: what the chain's `get_code_hash` answers once it is set.
    pub code_hash: String,
    pub(crate) abi: Option<Abi>,
}

impl ContractFiles {
    /// The wasm file that was read.
    pub fn wasm_path(&self) -> &Path {
        &self.wasm_path
    }

    /// The ABI file that was read, if any.
    pub fn abi_path(&self) -> Option<&Path> {
        self.abi.as_ref().map(|a| a.path.as_path())
    }
}

/// An ABI read from the host: its file, its bytes, and the JSON they hold.
#[derive(Debug, Clone)]
pub(crate) struct Abi {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub json: serde_json::Value,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn read(path: &Path) -> Result<Vec<u8>, DeployError> {
    std::fs::read(path).map_err(|e| DeployError::File { path: path.to_path_buf(), message: e.to_string() })
}

/// Files in `dir` ending in `.ext`, sorted.
fn with_extension(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, DeployError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| DeployError::File { path: dir.to_path_buf(), message: e.to_string() })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
        .collect();
    found.sort();
    Ok(found)
}

/// Reads `target` (a folder or a `.wasm`) and the ABI: `abi` when given, else the `.abi` beside
/// the wasm with the same stem, else the folder's only `.abi`; none found is no ABI.
pub fn read_contract(target: &Path, abi: Option<&Path>) -> Result<ContractFiles, DeployError> {
    if !target.exists() {
        return Err(DeployError::File { path: target.to_path_buf(), message: "no such file or folder".into() });
    }
    let (wasm_path, folder) = if target.is_dir() {
        let wasms = with_extension(target, "wasm")?;
        match wasms.as_slice() {
            [one] => (one.clone(), Some(target.to_path_buf())),
            [] => return Err(DeployError::NoWasm(target.to_path_buf())),
            many => return Err(DeployError::ManyWasm(target.to_path_buf(), many.to_vec())),
        }
    } else {
        (target.to_path_buf(), target.parent().map(Path::to_path_buf))
    };
    let wasm = read(&wasm_path)?;
    // Every wasm module starts with "\0asm".
    if !wasm.starts_with(b"\0asm") {
        return Err(DeployError::NotWasm(wasm_path));
    }
    let abi_path = match abi {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let beside = wasm_path.with_extension("abi");
            if beside.is_file() {
                Some(beside)
            } else if let Some(dir) = folder.filter(|_| target.is_dir()) {
                match with_extension(&dir, "abi")?.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                }
            } else {
                None
            }
        }
    };
    let abi = match abi_path {
        Some(path) => {
            let bytes = read(&path)?;
            let json: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| DeployError::AbiNotJson { path: path.clone(), message: e.to_string() })?;
            if !json.is_object() {
                return Err(DeployError::AbiNotJson { path, message: "not a JSON object".into() });
            }
            Some(Abi { path, bytes, json })
        }
        None => None,
    };
    Ok(ContractFiles { code_hash: sha256_hex(&wasm), wasm_path, wasm, abi })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WASM: &[u8] = b"\0asm\x01\0\0\0";

    #[test]
    fn a_folder_with_one_wasm_and_its_abi() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("hello.wasm"), WASM).unwrap();
        std::fs::write(d.path().join("hello.abi"), r#"{"version":"eosio::abi/1.1"}"#).unwrap();
        let c = read_contract(d.path(), None).unwrap();
        assert_eq!(c.wasm_path, d.path().join("hello.wasm"));
        assert_eq!(c.code_hash, sha256_hex(WASM));
        assert_eq!(c.abi.unwrap().json["version"], "eosio::abi/1.1");
        // The wasm named directly finds the ABI beside it; --abi wins.
        std::fs::write(d.path().join("other.json"), r#"{"version":"x"}"#).unwrap();
        let c = read_contract(&d.path().join("hello.wasm"), Some(&d.path().join("other.json"))).unwrap();
        assert_eq!(c.abi.unwrap().json["version"], "x");
    }

    #[test]
    fn bad_input_is_named() {
        let d = tempfile::tempdir().unwrap();
        let err = read_contract(d.path(), None).unwrap_err().to_string();
        assert!(err.contains("has no .wasm file") && err.contains(&d.path().display().to_string()), "{err}");
        std::fs::write(d.path().join("a.wasm"), WASM).unwrap();
        std::fs::write(d.path().join("b.wasm"), WASM).unwrap();
        let err = read_contract(d.path(), None).unwrap_err().to_string();
        assert!(err.contains("2 .wasm files") && err.contains("a.wasm") && err.contains("b.wasm"), "{err}");
        std::fs::remove_file(d.path().join("b.wasm")).unwrap();
        std::fs::write(d.path().join("a.abi"), "not json").unwrap();
        let err = read_contract(d.path(), None).unwrap_err().to_string();
        assert!(err.contains("a.abi is not JSON"), "{err}");
        let err = read_contract(&d.path().join("missing.wasm"), None).unwrap_err().to_string();
        assert!(err.contains("missing.wasm: no such file or folder"), "{err}");
        std::fs::write(d.path().join("t.wasm"), b"hello").unwrap();
        let err = read_contract(&d.path().join("t.wasm"), Some(&d.path().join("a.wasm"))).unwrap_err().to_string();
        assert!(err.contains("t.wasm is not a wasm module"), "{err}");
    }
}
