//! The lab as a Compose file: the same container specs the Docker runtime creates, written for
//! `docker compose`. Names, labels and volumes are the lab's own, so `lab boot`, `lab status` and
//! `lab down` work on a lab that Compose started.

use serde_norway::{Mapping, Value};

use super::{ContainerSpec, Mount};
use crate::labels;
use crate::plan::NetworkPlan;

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn map(pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Mapping(pairs.into_iter().map(|(k, v)| (Value::String(k), v)).collect::<Mapping>())
}

pub fn compose_file(plan: &NetworkPlan, specs: &[ContainerSpec]) -> String {
    let mut services = Vec::new();
    let mut volumes = Vec::new();
    for spec in specs {
        let mut svc = Vec::new();
        svc.push(("image".to_string(), s(&spec.image)));
        svc.push(("container_name".to_string(), s(&spec.name)));
        svc.push(("hostname".to_string(), s(&spec.hostname)));
        svc.push(("init".to_string(), Value::Bool(true)));
        svc.push(("stop_grace_period".to_string(), s(&format!("{}s", spec.stop_timeout))));
        if let Some(shares) = spec.cpu_shares {
            svc.push(("cpu_shares".to_string(), Value::Number(shares.into())));
        }
        svc.push(("entrypoint".to_string(), Value::Sequence(spec.entrypoint.iter().map(|e| s(e)).collect())));
        // `$` would be interpolated by Compose.
        svc.push(("command".to_string(), Value::Sequence(spec.cmd.iter().map(|c| s(&c.replace('$', "$$"))).collect())));
        let mut l = spec.labels.clone();
        l.insert(labels::KIND.into(), "container".into());
        svc.push(("labels".to_string(), map(l.into_iter().map(|(k, v)| (k, s(&v))))));
        svc.push((
            "networks".to_string(),
            map([(plan.network.clone(), map([("aliases".to_string(), Value::Sequence(vec![s(&spec.hostname)]))]))]),
        ));
        let mounts: Vec<Value> = spec
            .mounts
            .iter()
            .map(|m| match m {
                Mount::BindReadOnly { source, target } => map([
                    ("type".into(), s("bind")),
                    ("source".into(), s(source)),
                    ("target".into(), s(target)),
                    ("read_only".into(), Value::Bool(true)),
                ]),
                Mount::Volume { name, target, read_only } => {
                    if !volumes.iter().any(|(n, _): &(String, Value)| n == name) {
                        let node = plan.nodes.iter().find(|n| &n.volume == name);
                        let mut vl = plan.labels.clone();
                        if let Some(n) = node {
                            vl.insert(labels::NODE.into(), n.name.clone());
                        }
                        vl.insert(labels::KIND.into(), "volume".into());
                        volumes.push((
                            name.clone(),
                            map([
                                ("name".into(), s(name)),
                                ("labels".into(), map(vl.into_iter().map(|(k, v)| (k, s(&v))))),
                            ]),
                        ));
                    }
                    map([
                        ("type".into(), s("volume")),
                        ("source".into(), s(name)),
                        ("target".into(), s(target)),
                        ("read_only".into(), Value::Bool(*read_only)),
                    ])
                }
            })
            .collect();
        svc.push(("volumes".to_string(), Value::Sequence(mounts)));
        if !spec.ports.is_empty() {
            let ports =
                spec.ports.iter().map(|p| s(&format!("{}:{}:{}", p.host_ip, p.host_port, p.container_port))).collect();
            svc.push(("ports".to_string(), Value::Sequence(ports)));
        }
        let node = spec.labels.get(labels::NODE).cloned().unwrap_or_else(|| spec.name.clone());
        services.push((node, map(svc)));
    }
    let mut net_labels = plan.labels.clone();
    net_labels.insert(labels::KIND.into(), "network".into());
    // No top-level `name`: docker-compose 1.x refuses it; every object is named explicitly anyway.
    let doc = map([
        ("services".to_string(), map(services)),
        (
            "networks".to_string(),
            map([(
                plan.network.clone(),
                map([
                    ("name".into(), s(&plan.network)),
                    ("driver".into(), s("bridge")),
                    ("labels".into(), map(net_labels.into_iter().map(|(k, v)| (k, s(&v))))),
                ]),
            )]),
        ),
        ("volumes".to_string(), map(volumes)),
    ]);
    format!(
        "# The lab `{}` as a Compose file, written by `lab plan --compose`. The node files it mounts\n\
         # are in lab's state folder. `docker compose up -d`, then `lab boot`; `lab down` removes it.\n{}",
        plan.lab,
        serde_norway::to_string(&doc).expect("yaml")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrator::container_spec;
    use crate::state::StateDir;
    use crate::topology::{parse, TopologySource, DEFAULT_TOPOLOGY};

    #[test]
    fn the_compose_file_names_and_labels_what_lab_creates() {
        let plan = NetworkPlan::build(&TopologySource { topology: parse(DEFAULT_TOPOLOGY).unwrap(), path: None }, "s")
            .unwrap();
        let state = StateDir { root: "/state/lab".into() };
        let specs: Vec<ContainerSpec> = plan.nodes.iter().map(|n| container_spec(&plan, n, &state)).collect();
        let text = compose_file(&plan, &specs);
        let doc: Value = serde_norway::from_str(&text).unwrap();
        let services = doc["services"].as_mapping().unwrap();
        assert_eq!(services.len(), 5);
        let g = &doc["services"]["genesis"];
        assert_eq!(g["container_name"], s("lab-genesis"));
        assert_eq!(g["labels"][labels::LAB], s("lab"));
        assert_eq!(g["ports"][0], s("127.0.0.1:8888:8888"));
        assert_eq!(g["volumes"][0]["source"], s("/state/lab/nodes/genesis"));
        assert_eq!(doc["volumes"]["lab-genesis-data"]["name"], s("lab-genesis-data"));
        assert_eq!(doc["volumes"]["lab-genesis-data"]["labels"][labels::LAB], s("lab"));
        assert_eq!(doc["networks"]["lab-net"]["labels"][labels::LAB], s("lab"));
        // Producers see the genesis volume read-only, for the start snapshot.
        let p = &doc["services"]["accountnum11"]["volumes"][2];
        assert_eq!((p["source"].clone(), p["read_only"].clone()), (s("lab-genesis-data"), Value::Bool(true)));
        assert!(g["command"][0].as_str().unwrap().contains("exec nodeos"));
    }
}
