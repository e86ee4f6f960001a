//! Taking labs down: everything carrying a lab's label, and its state folder.

use std::path::Path;

use super::Result;
use crate::orchestrator::{self, DownReport};
use crate::printer::Printer;
use crate::runtime::Runtime;
use crate::state::StateDir;
use crate::topology::Engine;

/// Removes everything labelled with lab `name` (every lab with `None`): containers, network and,
/// unless `keep_data`, volumes and the state folder. `state_base` is the folder state folders are
/// in (`None`: the default, `$LAB_STATE_DIR` …). Finds the objects by label alone, so it needs no
/// topology and works on what a failed or interrupted `up` left.
pub(crate) async fn down_labs(
    rt: &dyn Runtime,
    name: Option<&str>,
    keep_data: bool,
    state_base: Option<&Path>,
    printer: &Printer,
) -> Result<DownReport> {
    let report = orchestrator::down(rt, name, keep_data, printer).await?;
    if !keep_data {
        let mut labs = report.labs.clone();
        labs.extend(name.map(str::to_string));
        labs.sort();
        labs.dedup();
        for l in labs {
            let state = match state_base {
                Some(base) => StateDir { root: base.join(&l) },
                None => StateDir::for_lab(&l),
            };
            state.remove()?;
        }
    }
    Ok(report)
}

/// Takes lab `name` down (`None`: every lab on that engine), connecting to `engine` first. What
/// `lab down` runs.
pub async fn down(engine: Engine, name: Option<&str>, keep_data: bool, printer: &Printer) -> Result<DownReport> {
    let rt = crate::runtime::connect(engine).await?;
    down_labs(rt.as_ref(), name, keep_data, None, printer).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels;
    use crate::runtime::fake::FakeRuntime;

    #[test]
    fn down_removes_the_labelled_objects_and_the_state_folder() {
        let rt = FakeRuntime::default();
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir { root: dir.path().join("gone") };
        std::fs::create_dir_all(&state.root).unwrap();
        let labels = [(labels::LAB.to_string(), "gone".to_string())].into_iter().collect();
        let other = [(labels::LAB.to_string(), "other".to_string())].into_iter().collect();
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
            rt.ensure_volume("gone-genesis", &labels).await.unwrap();
            rt.ensure_network("gone-net", &labels).await.unwrap();
            rt.ensure_volume("other-genesis", &other).await.unwrap();
            let printer = Printer::new(true, true);
            let report = down_labs(&rt, Some("gone"), false, Some(dir.path()), &printer).await.unwrap();
            assert_eq!(report.volumes, ["gone-genesis"]);
            assert_eq!(report.networks, ["gone-net"]);
            assert!(!state.root.exists());
            assert_eq!(rt.volumes(&[]).await.unwrap().len(), 1);
        });
    }
}
