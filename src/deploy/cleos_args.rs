//! Host paths in `lab cleos` arguments. cleos runs in the genesis container and reads files there;
//! where it reads files (`set contract`, `set code`, `set abi`, `push transaction FILE`) the files
//! named on the host are copied into one folder of the container ([`super::upload`]) and the
//! arguments rewritten to their paths there. A path that is not on the host is left alone when
//! it is absolute (a path inside the container, such as the image's contracts) and an error
//! naming it when it is relative.

use std::path::{Path, PathBuf};

/// cleos options that take a value (so the word after them is not a positional argument). Kept
/// here rather than read from cleos's `--help`, which does not say it for every one: Spring
/// 1.2.2 lists `--abi-file`, `-r,--header` and `-x,--expiration` without the value they take.
const WITH_VALUE: &[&str] = &[
    "-u",
    "--url",
    "--wallet-url",
    "--abi-file",
    "-r",
    "--header",
    "-p",
    "--permission",
    "-x",
    "--expiration",
    "--ref-block",
    "--max-cpu-usage-ms",
    "--max-net-usage",
    "--delay-sec",
    "--sign-with",
    "-t",
    "--return-failure-trace",
    "--retry-num-blocks",
    "--compression",
    "-o",
    "--json-file",
    "-a",
    "--abi",
    "--tapos-block-num",
    "--tapos-block-prefix",
];

/// The arguments cleos gets, and the host files to copy first: `(host path, name in the folder)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewritten {
    pub args: Vec<String>,
    pub files: Vec<(PathBuf, String)>,
}

/// Indexes of positional words (not options, not option values).
fn positionals(args: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a.starts_with('-') && a.len() > 1 {
            // `-u` is `--url` before the subcommand and `--unpack-action-data`, a flag, after it.
            let flag = a == "-u" && !out.is_empty();
            if WITH_VALUE.contains(&a.as_str()) && !flag {
                i += 1;
            }
        } else {
            out.push(i);
        }
        i += 1;
    }
    out
}

/// Rewrites `args` for cleos in the container, its files copied to `dir` there. `cwd` is where
/// relative host paths start.
pub fn rewrite(args: &[String], cwd: &Path, dir: &str) -> Result<Rewritten, String> {
    let pos = positionals(args);
    let word = |n: usize| pos.get(n).map(|&i| args[i].as_str());
    let mut out = Rewritten { args: args.to_vec(), files: Vec::new() };
    let host = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    // One file: copied when it is on the host; its new path, or `None` to leave the word alone.
    let take = |out: &mut Rewritten, what: &str, path: &Path, shown: &str| -> Result<Option<String>, String> {
        if path.is_file() {
            let name = format!("{}-{}", out.files.len(), path.file_name().unwrap_or_default().to_string_lossy());
            out.files.push((path.to_path_buf(), name.clone()));
            return Ok(Some(format!("{dir}/{name}")));
        }
        if path.exists() {
            return Err(format!("{what}: {shown} is not a file"));
        }
        if Path::new(shown).is_absolute() {
            // Not on the host: a path in the container, for cleos to read.
            return Ok(None);
        }
        Err(format!("{what}: {shown}: no such file (on the host, from {})", cwd.display()))
    };
    match (word(0), word(1)) {
        (Some("set"), Some(sub @ ("code" | "abi"))) => {
            if let Some(&i) = pos.get(3) {
                let what = format!("set {sub}");
                if let Some(new) = take(&mut out, &what, &host(&args[i]), &args[i])? {
                    out.args[i] = new;
                }
            }
        }
        (Some("push"), Some("transaction")) => {
            if let Some(&i) = pos.get(2) {
                let a = args[i].trim_start();
                // JSON given inline is not a file.
                if !a.starts_with('{') && !a.starts_with('[') {
                    if let Some(new) = take(&mut out, "push transaction", &host(&args[i]), &args[i])? {
                        out.args[i] = new;
                    }
                }
            }
        }
        (Some("set"), Some("contract")) => {
            let Some(&dir_i) = pos.get(3) else { return Ok(out) };
            let folder = host(&args[dir_i]);
            if !folder.is_dir() {
                if Path::new(&args[dir_i]).is_absolute() && !folder.exists() {
                    return Ok(out);
                }
                return Err(format!(
                    "set contract: {}: no such folder (on the host, from {})",
                    args[dir_i],
                    cwd.display()
                ));
            }
            // cleos finds the wasm as DIR/<DIR's name>.wasm unless named: the copy's folder has
            // another name, so both files are named explicitly.
            let stem = folder.file_name().unwrap_or_default().to_string_lossy().to_string();
            let abi_opt = args.iter().position(|a| a == "-a" || a == "--abi").filter(|i| i + 1 < args.len());
            let in_folder = |given: Option<&str>, ext: &str| -> Option<PathBuf> {
                match given {
                    Some(g) if Path::new(g).is_absolute() => Some(PathBuf::from(g)),
                    Some(g) => Some(folder.join(g)),
                    None => {
                        let named = folder.join(format!("{stem}.{ext}"));
                        if named.is_file() {
                            return Some(named);
                        }
                        let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)
                            .ok()?
                            .filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
                            .collect();
                        found.sort();
                        (found.len() == 1).then(|| found.remove(0))
                    }
                }
            };
            let wasm_given = pos.get(4).map(|&i| args[i].clone());
            let abi_given = abi_opt.map(|i| args[i + 1].clone()).or_else(|| pos.get(5).map(|&i| args[i].clone()));
            let wasm = in_folder(wasm_given.as_deref(), "wasm").ok_or_else(|| {
                format!("set contract: {} has no {stem}.wasm (nor a single .wasm file)", folder.display())
            })?;
            let wasm_shown = wasm.display().to_string();
            let wasm_new = take(&mut out, "set contract", &wasm, &wasm_shown)?.unwrap_or(wasm_shown);
            let abi = in_folder(abi_given.as_deref(), "abi");
            let abi_new = match &abi {
                Some(a) => {
                    let shown = a.display().to_string();
                    Some(take(&mut out, "set contract", a, &shown)?.unwrap_or(shown))
                }
                None => None,
            };
            // Rebuild: everything but the folder, the wasm, the ABI and `--abi X`, then them.
            let mut skip: Vec<usize> = vec![dir_i];
            skip.extend(pos.get(4).copied());
            skip.extend(pos.get(5).copied());
            if let Some(i) = abi_opt {
                skip.extend([i, i + 1]);
            }
            let mut rebuilt: Vec<String> = Vec::new();
            for (i, a) in args.iter().enumerate() {
                if skip.contains(&i) {
                    continue;
                }
                rebuilt.push(a.clone());
                if i == pos[2] {
                    rebuilt.push(dir.to_string());
                    rebuilt.push(wasm_new.clone());
                    if let Some(abi) = &abi_new {
                        rebuilt.push(abi.clone());
                    }
                }
            }
            out.args = rebuilt;
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn options_before_the_subcommand_and_after_it_are_told_apart() {
        let args = s(&["-u", "http://x", "--abi-file", "eosio:/a.abi", "push", "transaction", "t.json", "-u"]);
        assert_eq!(positionals(&args), [4, 5, 6]);
        let args = s(&["set", "contract", "alice", "dir", "-u", "w.wasm", "-x", "30", "a.abi"]);
        assert_eq!(positionals(&args), [0, 1, 2, 3, 5, 8]);
    }

    #[test]
    fn a_host_folder_becomes_the_copy_with_both_files_named() {
        let d = tempfile::tempdir().unwrap();
        let build = d.path().join("build/hello");
        std::fs::create_dir_all(&build).unwrap();
        std::fs::write(build.join("hello.wasm"), b"w").unwrap();
        std::fs::write(build.join("hello.abi"), b"{}").unwrap();
        let r =
            rewrite(&s(&["set", "contract", "hello", "build/hello", "-p", "hello@active"]), d.path(), "/up").unwrap();
        assert_eq!(
            r.args,
            s(&["set", "contract", "hello", "/up", "/up/0-hello.wasm", "/up/1-hello.abi", "-p", "hello@active"])
        );
        assert_eq!(
            r.files,
            vec![(build.join("hello.wasm"), "0-hello.wasm".into()), (build.join("hello.abi"), "1-hello.abi".into())]
        );
        // --abi and a named wasm, relative to the folder as cleos reads them.
        std::fs::write(build.join("other.abi"), b"{}").unwrap();
        let r = rewrite(
            &s(&["set", "contract", "hello", "build/hello", "hello.wasm", "--abi", "other.abi"]),
            d.path(),
            "/up",
        )
        .unwrap();
        assert_eq!(r.args, s(&["set", "contract", "hello", "/up", "/up/0-hello.wasm", "/up/1-other.abi"]));
    }

    #[test]
    fn set_code_abi_and_push_transaction_files() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("c.wasm"), b"w").unwrap();
        std::fs::write(d.path().join("trx.json"), b"{}").unwrap();
        let r = rewrite(&s(&["set", "code", "-p", "x@active", "x", "c.wasm"]), d.path(), "/up").unwrap();
        assert_eq!(r.args, s(&["set", "code", "-p", "x@active", "x", "/up/0-c.wasm"]));
        let r = rewrite(&s(&["push", "transaction", "trx.json"]), d.path(), "/up").unwrap();
        assert_eq!(r.args, s(&["push", "transaction", "/up/0-trx.json"]));
        let inline = s(&["push", "transaction", "{\"actions\":[]}"]);
        assert_eq!(rewrite(&inline, d.path(), "/up").unwrap().args, inline);
        // A path in the container stays; other commands are untouched.
        let image = s(&["set", "abi", "x", "/opt/antelope/contracts/eosio.token/eosio.token.abi"]);
        assert_eq!(rewrite(&image, d.path(), "/up").unwrap(), Rewritten { args: image.clone(), files: vec![] });
        let get = s(&["get", "info"]);
        assert_eq!(rewrite(&get, d.path(), "/up").unwrap().args, get);
    }

    #[test]
    fn missing_host_files_are_named() {
        let d = tempfile::tempdir().unwrap();
        let err = rewrite(&s(&["set", "abi", "x", "nope.abi"]), d.path(), "/up").unwrap_err();
        assert!(err.contains("set abi: nope.abi: no such file"), "{err}");
        let err = rewrite(&s(&["set", "contract", "x", "./build/hello"]), d.path(), "/up").unwrap_err();
        assert!(err.contains("./build/hello: no such folder"), "{err}");
        std::fs::create_dir(d.path().join("empty")).unwrap();
        let err = rewrite(&s(&["set", "contract", "x", "empty"]), d.path(), "/up").unwrap_err();
        assert!(err.contains("has no empty.wasm"), "{err}");
    }
}
