//! [`LabConfig`]: the lab to bring up, from a topology file, a YAML string or a builder, checked
//! by the same validation as `lab.yaml` (every problem at once, each with its field path).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Result;
use crate::plan::NetworkPlan;
use crate::state::{StateDir, StateMissing};
use crate::topology::{self, Engine, Topology, TopologySource, ValidationErrors, DEFAULT_TOPOLOGY};

/// What a YAML string is called in error messages.
const GIVEN: &str = "the given topology";

/// The lab to bring up: a topology (the same types and checks as `lab.yaml`) and where its state
/// folder lives.
///
/// ```
/// use antelope_lab::LabConfig;
///
/// let config = LabConfig::from_yaml("name: my-lab\nproducers: 2\n").unwrap();
/// assert_eq!(config.name(), "my-lab");
///
/// // Bad input is refused before anything is created, every problem with its path.
/// let err = LabConfig::from_yaml("name: My Lab\nproducers: 0\n").unwrap_err();
/// assert!(err.to_string().contains("name: \"My Lab\" is not a lab name"));
/// ```
#[derive(Debug, Clone)]
pub struct LabConfig {
    source: TopologySource,
    state_base: Option<PathBuf>,
    /// The engine asked for over the topology's (see [`LabConfig::engine`]).
    engine: Option<Engine>,
    /// What errors call a topology given in code (it has no file).
    given: bool,
}

impl LabConfig {
    /// Reads and checks a topology file (`lab.yaml`). Relative paths in it (an accounts file, an
    /// image folder) are relative to the file's folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let source = topology::load(Some(path.as_ref()))?;
        Self::checked(source)
    }

    /// Parses and checks a topology given as YAML. Relative paths in it are relative to the
    /// current folder.
    pub fn from_yaml(yaml: &str) -> Result<Self> {
        let topology = topology::parse_source(yaml, GIVEN)?;
        Self::checked(TopologySource { topology, path: None })
    }

    /// Checks a topology built in code. Relative paths in it are relative to the current folder.
    pub fn from_topology(topology: Topology) -> Result<Self> {
        Self::checked(TopologySource { topology, path: None })
    }

    /// The built-in default: a genesis node and 4 producers among 25 accounts, named `lab`.
    pub fn default_lab() -> Self {
        let topology = topology::parse(DEFAULT_TOPOLOGY).expect("the built-in default parses");
        LabConfig { source: TopologySource { topology, path: None }, state_base: None, engine: None, given: false }
    }

    /// A builder for the common fields, starting from the defaults of `lab.yaml`.
    pub fn builder(name: impl Into<String>) -> super::LabConfigBuilder {
        super::LabConfigBuilder::new(name)
    }

    /// What the command line does: the file given, else `lab.yaml` in the current folder, else the
    /// built-in default. Parsed but not yet checked: commands that need only the lab's name work
    /// with a file that has other problems; [`LabConfig::plan`] checks it.
    pub(crate) fn discover(file: Option<&Path>) -> Result<Self> {
        Ok(LabConfig { source: topology::load(file)?, state_base: None, engine: None, given: false })
    }

    /// Runs the lab on `engine` instead of the topology's `engine` (`lab --engine`); the choice
    /// is remembered in the lab's state folder for later handles and commands.
    pub fn engine(mut self, engine: Option<Engine>) -> Self {
        self.engine = engine;
        self
    }

    /// The engine that runs the lab: the one given to [`LabConfig::engine`], else the one
    /// remembered in its state folder, else the topology's.
    pub(crate) fn resolved_engine(&self) -> Result<Engine> {
        Ok(crate::orchestrator::engine::resolve(self.engine, self.source.topology.engine, &self.state())?)
    }

    /// Keeps the lab's state folder (keys, seed, rendered node files) under `base` instead of
    /// `$LAB_STATE_DIR` (else `$XDG_STATE_HOME/antelope-lab`, else `~/.local/state/antelope-lab`).
    pub fn state_dir(mut self, base: impl Into<PathBuf>) -> Self {
        self.state_base = Some(base.into());
        self
    }

    /// The same lab with its topology changed in code; checked when the lab is brought
    /// up ([`super::Lab::up`]) or by [`LabConfig::check`].
    pub fn map_topology(mut self, change: impl FnOnce(&mut Topology)) -> Self {
        change(&mut self.source.topology);
        self
    }

    /// The lab's name: the label on everything it creates, and the prefix of its containers.
    pub fn name(&self) -> &str {
        &self.source.topology.name
    }

    /// The topology as given.
    pub fn topology(&self) -> &Topology {
        &self.source.topology
    }

    /// The topology with the file it came from, if any.
    pub(crate) fn source(&self) -> &TopologySource {
        &self.source
    }

    /// The lab's state folder.
    pub(crate) fn state(&self) -> StateDir {
        match &self.state_base {
            Some(base) => StateDir { root: base.join(self.name()) },
            None => StateDir::for_lab(self.name()),
        }
    }

    /// Whether the genesis node's API port is fixed: given in the topology or kept by an earlier
    /// `up` in the state folder (else `up` chooses one, and chooses again if it is taken
    /// meanwhile).
    pub fn api_port_fixed(&self) -> bool {
        crate::orchestrator::api_port::port_fixed(&self.source.topology, &self.state())
    }

    /// Checks the topology as `lab.yaml` is checked: every problem at once, each with its path
    /// ([`ValidationErrors`]). Touches nothing.
    pub fn check(&self) -> Result<()> {
        topology::validate(&self.source).map_err(|e| self.named(e))?;
        Ok(())
    }

    /// The image reference the lab's nodes run (a node's own `image` aside): the tag `lab up`
    /// builds or pulls.
    pub fn image_reference(&self) -> Result<String> {
        Ok(self.plan()?.0.image.reference().to_string())
    }

    /// Makes the lab's image present on its engine (built from its files, pulled, or found), as
    /// `up` does first, and nothing else: no lab is made or changed. For a caller that times `up`
    /// without the image's build in it, or prepares the image ahead (a CI step).
    pub async fn prepare_image(&self, printer: &crate::printer::Printer) -> Result<()> {
        self.check()?;
        let (plan, _) = self.plan()?;
        let rt = crate::runtime::connect(self.resolved_engine()?).await?;
        crate::orchestrator::ensure_image(rt.as_ref(), &plan, printer).await?;
        Ok(())
    }

    /// The same topology under another lab name (`lab up --name`), checked when planned.
    pub fn renamed(self, name: &str) -> Self {
        self.map_topology(|t| t.name = name.to_string())
    }

    /// The plan of a lab `up` made: as [`LabConfig::plan`], but a lab without a state folder is
    /// [`crate::state::StateMissing`] instead of a new seed.
    pub(crate) fn plan_existing(&self) -> Result<(NetworkPlan, StateDir)> {
        self.state().require(self.name())?;
        self.plan()
    }

    /// The resolved plan (names, keys, ports, peers) with the lab's seed: the topology's, else
    /// the one kept in the state folder by an earlier `up`, else a new one. Every problem of the
    /// topology is reported at once ([`ValidationErrors`]).
    pub(crate) fn plan(&self) -> Result<(NetworkPlan, StateDir)> {
        let state = self.state();
        let seed = state.seed(self.source.topology.seed.as_deref())?;
        // The images `lab upgrade` moved nodes to are the lab's now, whatever the file says.
        let mut source = self.source.clone();
        for (node, image) in state.node_images()? {
            source.topology.nodes.entry(node).or_default().image = Some(image);
        }
        let mut plan = NetworkPlan::build(&source, &seed).map_err(|e| self.named(e))?;
        // The genesis API on the host: the port given, else the one kept, else 8888, else a free one.
        crate::orchestrator::api_port::apply(&mut plan, &state);
        Ok((plan, state))
    }

    /// The topology with its relative paths made absolute, so that it reads the same from the
    /// state folder (where `up` keeps a copy, for [`super::Lab::attach`]).
    pub(crate) fn absolute_topology(&self) -> Result<Topology> {
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        let absolute = |p: &Path| cwd.join(self.source.resolve(p));
        let mut t = self.source.topology.clone();
        t.accounts.file = t.accounts.file.as_deref().map(absolute);
        t.image = t.image.map_paths(absolute);
        for settings in t.nodes.values_mut() {
            settings.image = settings.image.take().map(|i| i.map_paths(absolute));
        }
        Ok(t)
    }

    /// The lab `name` brought up earlier, from the topology `up` kept in its state folder (under
    /// `$LAB_STATE_DIR`, …). A lab `up` never made is [`crate::state::StateMissing`].
    pub(crate) fn of_lab(name: &str) -> Result<Self> {
        Self::from_state(StateDir::for_lab(name), name)
    }

    /// The topology a bundle carries as a new lab named `name` (default: the bundle's) whose state
    /// folder is under `base`: relative paths in it (the accounts file the bundle carries) are
    /// those of that folder, where `up --from` writes them; the seed is the bundle's, which
    /// `up --from` writes there too. Parsed, not yet checked ([`LabConfig::check`]).
    pub(crate) fn for_bundle(bundle: &crate::bundle::Bundle, name: Option<&str>, base: &Path) -> Result<Self> {
        let mut topology =
            topology::parse(&bundle.topology).map_err(|e| super::Error::msg(format!("the bundle's topology: {e}")))?;
        if let Some(name) = name {
            topology.name = name.to_string();
        }
        let path = base.join(&topology.name).join(TOPOLOGY_COPY);
        let source = TopologySource { topology, path: Some(path) };
        Ok(LabConfig { source, state_base: Some(base.to_path_buf()), engine: None, given: false })
    }

    /// The topology `up` kept in a lab's state folder.
    pub(crate) fn from_state(state: StateDir, name: &str) -> Result<Self> {
        let path = state.root.join(TOPOLOGY_COPY);
        state.require(name)?;
        if !path.is_file() {
            return Err(StateMissing {
                lab: name.to_string(),
                dir: state.root,
                missing: "holds no copy of the topology",
            }
            .into());
        }
        let source = topology::load(Some(&path))?;
        let base = state.root.parent().map(Path::to_path_buf);
        Ok(LabConfig { source, state_base: base, engine: None, given: false })
    }

    fn checked(source: TopologySource) -> Result<Self> {
        let config = LabConfig { given: source.path.is_none(), source, state_base: None, engine: None };
        topology::validate(&config.source).map_err(|e| config.named(e))?;
        Ok(config)
    }

    /// The errors under the name of where the topology came from.
    fn named(&self, mut errors: ValidationErrors) -> ValidationErrors {
        if self.given {
            errors.source = GIVEN.to_string();
        }
        errors
    }
}

/// The copy of the topology `up` keeps in the state folder (the name `up --from` uses too).
pub(crate) const TOPOLOGY_COPY: &str = "lab.yaml";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_string_is_checked_with_the_paths_of_its_problems() {
        let err = LabConfig::from_yaml("name: x\nproducers: [accountnum11, Prod1]\n").unwrap_err();
        let super::super::Error::InvalidTopology(errors) = &err else { panic!("not invalid: {err:?}") };
        assert_eq!(errors.source, "the given topology");
        assert!(errors.errors.iter().any(|e| e.path == "producers[1]"), "{err}");
        let err = LabConfig::from_yaml("name: x\nchain: {symbl: SYS}\n").unwrap_err();
        assert!(err.to_string().contains("chain: unknown field `symbl`"), "{err}");
    }

    #[test]
    fn a_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lab.yaml");
        std::fs::write(&file, "name: from-file\naccounts: {file: accounts.json}\n").unwrap();
        let err = LabConfig::from_file(&file).unwrap_err();
        assert!(err.to_string().contains("accounts.file"), "{err}");
        std::fs::write(&file, "name: from-file\nproducers: 3\n").unwrap();
        let config = LabConfig::from_file(&file).unwrap();
        assert_eq!(config.name(), "from-file");
        assert!(LabConfig::from_file(dir.path().join("missing.yaml"))
            .unwrap_err()
            .to_string()
            .contains("missing.yaml"));
    }

    #[test]
    fn the_state_folder_can_be_chosen_and_the_plan_uses_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = LabConfig::from_yaml("name: st\nseed: s\n").unwrap().state_dir(dir.path());
        assert_eq!(config.state().root, dir.path().join("st"));
        let (plan, state) = config.plan().unwrap();
        assert_eq!(plan.lab, "st");
        assert_eq!(state.root, dir.path().join("st"));
    }

    #[test]
    fn relative_paths_become_absolute_in_the_kept_copy() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lab.yaml");
        std::fs::write(&file, "name: rel\nimage: {ref: example/nodeos:1}\n").unwrap();
        let mut config = LabConfig::from_file(&file).unwrap();
        config.source.topology.accounts.file = Some(PathBuf::from("accounts.json"));
        let t = config.absolute_topology().unwrap();
        assert_eq!(t.accounts.file.unwrap(), dir.path().join("accounts.json"));
    }

    #[test]
    fn the_images_nodes_were_upgraded_to_are_planned_whatever_the_file_says() {
        let dir = tempfile::tempdir().unwrap();
        let config = LabConfig::from_yaml("name: up\nseed: s\n").unwrap().state_dir(dir.path());
        let image = crate::topology::ImageConfig { reference: Some("example/spring:1".into()), ..Default::default() };
        config.state().save_node_image("accountnum11", &image).unwrap();
        let (plan, _) = config.plan().unwrap();
        assert_eq!(plan.image_of(plan.node("accountnum11").unwrap()).reference(), "example/spring:1");
        assert_eq!(plan.image_of(plan.node("accountnum22").unwrap()).reference(), plan.image.reference());
    }

    #[test]
    fn the_default_lab_is_the_built_in_topology() {
        let config = LabConfig::default_lab();
        assert_eq!(config.name(), "lab");
        assert!(config.plan().is_ok());
    }
}
