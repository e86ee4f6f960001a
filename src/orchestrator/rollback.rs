//! What one `up` created, recorded as it goes, so that an `up` that fails (or is interrupted)
//! after creating things removes exactly those, and leaves alone a lab that was there before it.

use std::sync::Mutex;

use anyhow::Result;
use futures::future::join_all;

use super::lab_filter;
use crate::runtime::Runtime;

/// Ctrl-C during an `up`, which has already said what it removed or kept.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct UpInterrupted;

/// The objects this `up` created. Each is recorded *before* the engine is asked to create it: a
/// request cut short by an interrupt may still be carried out by the engine, and removing what
/// does not exist is harmless.
#[derive(Debug, Default)]
pub struct Created {
    inner: Mutex<Objects>,
}

/// Names of containers, volumes and the network.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Objects {
    pub containers: Vec<String>,
    pub volumes: Vec<String>,
    pub network: Option<String>,
    /// No object of the lab existed before this `up`: everything with its label is this `up`'s.
    pub fresh_lab: Option<String>,
}

impl Objects {
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.volumes.is_empty() && self.network.is_none()
    }

    /// `3 containers (a, b, c), 3 volumes, network x`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.containers.is_empty() {
            parts.push(format!("{} containers ({})", self.containers.len(), self.containers.join(", ")));
        }
        if !self.volumes.is_empty() {
            parts.push(format!("{} volumes", self.volumes.len()));
        }
        if let Some(n) = &self.network {
            parts.push(format!("network {n}"));
        }
        parts.join(", ")
    }
}

impl Created {
    fn with(&self, f: impl FnOnce(&mut Objects)) {
        f(&mut self.inner.lock().expect("not poisoned"))
    }

    pub fn container(&self, name: &str) {
        self.with(|o| o.containers.push(name.to_string()));
    }

    /// A one-shot container this `up` removed itself.
    pub fn forget_container(&self, name: &str) {
        self.with(|o| o.containers.retain(|c| c != name));
    }

    pub fn volume(&self, name: &str) {
        self.with(|o| o.volumes.push(name.to_string()));
    }

    pub fn network(&self, name: &str) {
        self.with(|o| o.network = Some(name.to_string()));
    }

    /// Says that the lab had no object at all before this `up`.
    pub fn fresh_lab(&self, lab: &str) {
        self.with(|o| o.fresh_lab = Some(lab.to_string()));
    }

    pub fn objects(&self) -> Objects {
        self.inner.lock().expect("not poisoned").clone()
    }
}

/// Removes what this `up` created: containers first (they hold the volumes and the network), then
/// volumes, then the network. For a lab that did not exist before, whatever else carries its label
/// goes too (a create the engine finished after an interrupt). A pre-existing lab's other objects
/// are not touched.
pub async fn roll_back(rt: &dyn Runtime, objects: &Objects) -> Result<()> {
    let mut containers = objects.containers.clone();
    let mut volumes = objects.volumes.clone();
    let mut network = objects.network.clone();
    if let Some(lab) = &objects.fresh_lab {
        let filter = lab_filter(Some(lab));
        containers.extend(rt.containers(&filter).await?.into_iter().map(|c| c.name));
        volumes.extend(rt.volumes(&filter).await?.into_iter().map(|v| v.name));
        network = network.or(rt.networks(&filter).await?.into_iter().next().map(|n| n.name));
    }
    containers.dedup();
    volumes.sort();
    volumes.dedup();
    first_error(join_all(containers.iter().map(|c| rt.remove_container(c))).await)?;
    first_error(join_all(volumes.iter().map(|v| rt.remove_volume(v))).await)?;
    if let Some(n) = network {
        rt.remove_network(&n).await?;
    }
    Ok(())
}

/// What [`undo`] did with a failed `up`'s objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Undone {
    /// This `up` had created nothing.
    Nothing,
    /// Kept for inspection (`--keep-failed`).
    Kept(Objects),
    Removed(Objects),
}

/// After a failed or interrupted `up`: removes what it created, or keeps it with `keep_failed`.
pub async fn undo(rt: &dyn Runtime, created: &Created, keep_failed: bool) -> Result<Undone> {
    let objects = created.objects();
    if objects.is_empty() && objects.fresh_lab.is_none() {
        return Ok(Undone::Nothing);
    }
    if keep_failed {
        return Ok(Undone::Kept(objects));
    }
    roll_back(rt, &objects).await?;
    Ok(Undone::Removed(objects))
}

/// Every removal is tried; the first failure is reported.
fn first_error(results: Vec<Result<(), crate::runtime::RuntimeError>>) -> Result<()> {
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrator::{container_spec, up_recorded};
    use crate::plan::NetworkPlan;
    use crate::printer::Printer;
    use crate::runtime::fake::FakeRuntime;
    use crate::state::StateDir;
    use crate::topology::{parse, TopologySource};

    struct Lab {
        rt: FakeRuntime,
        plan: NetworkPlan,
        state: StateDir,
        _dir: tempfile::TempDir,
    }

    impl Lab {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let source = TopologySource { topology: parse("name: rb\nnodes: {}").unwrap(), path: None };
            let plan = NetworkPlan::build(&source, "rollback").unwrap();
            let rt = FakeRuntime::new();
            rt.add_image(plan.image.reference());
            Lab { rt, plan, state: StateDir { root: dir.path().join("rb") }, _dir: dir }
        }

        async fn up(&self, created: &Created) -> Result<()> {
            up_recorded(&self.rt, &self.plan, &self.state, &Printer::new(true, true), true, None, created)
                .await
                .map(|_| ())
        }

        async fn labelled(&self) -> (Vec<String>, usize, usize) {
            let f = lab_filter(Some(&self.plan.lab));
            let mut c: Vec<String> = self.rt.containers(&f).await.unwrap().into_iter().map(|c| c.name).collect();
            c.sort();
            (c, self.rt.volumes(&f).await.unwrap().len(), self.rt.networks(&f).await.unwrap().len())
        }

        fn container(&self, i: usize) -> String {
            container_spec(&self.plan, &self.plan.nodes[i], &self.state).name
        }
    }

    #[tokio::test]
    async fn a_failed_up_on_a_new_lab_removes_everything_it_created() {
        let lab = Lab::new();
        let created = Created::default();
        // The fourth container cannot be created: three stand, with every volume and the network.
        for _ in 0..3 {
            lab.rt.fail_next("start_container", "no");
        }
        assert!(lab.up(&created).await.is_err());
        let (containers, volumes, networks) = lab.labelled().await;
        assert!(!containers.is_empty() && volumes == 5 && networks == 1);
        match undo(&lab.rt, &created, false).await.unwrap() {
            Undone::Removed(o) => {
                assert_eq!(o.volumes.len(), 5);
                assert_eq!(o.network.as_deref(), Some(lab.plan.network.as_str()));
                assert_eq!(o.fresh_lab.as_deref(), Some("rb"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(lab.labelled().await, (vec![], 0, 0));
    }

    #[tokio::test]
    async fn a_lab_that_was_there_before_keeps_what_it_had() {
        let lab = Lab::new();
        lab.up(&Created::default()).await.unwrap();
        // One node's container is gone (its volume stays); this `up` recreates it and then fails.
        let gone = lab.container(2);
        lab.rt.remove_container(&gone).await.unwrap();
        let created = Created::default();
        lab.rt.fail_next("start_container", "no");
        assert!(lab.up(&created).await.is_err());
        let objects = created.objects();
        assert_eq!(objects.containers, vec![gone.clone()]);
        assert!(objects.volumes.is_empty() && objects.network.is_none() && objects.fresh_lab.is_none());
        assert!(matches!(undo(&lab.rt, &created, false).await.unwrap(), Undone::Removed(_)));
        let (containers, volumes, networks) = lab.labelled().await;
        assert_eq!(containers.len(), 4);
        assert!(!containers.contains(&gone));
        assert_eq!((volumes, networks), (5, 1));
    }

    #[tokio::test]
    async fn keep_failed_keeps_everything() {
        let lab = Lab::new();
        let created = Created::default();
        lab.rt.fail_next("create_container", "no");
        assert!(lab.up(&created).await.is_err());
        let before = lab.labelled().await;
        match undo(&lab.rt, &created, true).await.unwrap() {
            Undone::Kept(o) => assert!(o.describe().contains("5 volumes, network rb"), "{}", o.describe()),
            other => panic!("{other:?}"),
        }
        assert_eq!(lab.labelled().await, before);
        assert_eq!((before.1, before.2), (5, 1));
    }

    #[tokio::test]
    async fn an_up_that_created_nothing_has_nothing_to_undo() {
        let lab = Lab::new();
        lab.up(&Created::default()).await.unwrap();
        let created = Created::default();
        lab.up(&created).await.unwrap();
        assert_eq!(undo(&lab.rt, &created, false).await.unwrap(), Undone::Nothing);
        assert_eq!(lab.labelled().await.0.len(), 5);
    }
}
