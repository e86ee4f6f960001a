//! The nodeos image the lab runs: present already, built from the recipe or a folder, or pulled.
//! A folder's image is tagged by its content (see the plan), so a changed folder is built anew.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context, Result};

use crate::image;
use crate::labels;
use crate::plan::{ImagePlan, NetworkPlan};
use crate::printer::Printer;
use crate::runtime::Runtime;

/// Makes the lab's image and the nodes' own images present: already there, built from the recipe
/// or a folder, or pulled.
pub async fn ensure_image(rt: &dyn Runtime, plan: &NetworkPlan, printer: &Printer) -> Result<()> {
    ensure_one(rt, plan, printer).await?;
    for image in plan.node_images() {
        ensure_one(rt, &plan.with_lab_image(image), printer).await?;
    }
    Ok(())
}

/// Makes the plan's (lab) image present.
async fn ensure_one(rt: &dyn Runtime, plan: &NetworkPlan, printer: &Printer) -> Result<()> {
    let reference = plan.image.reference().to_string();
    if rt.image_present(&reference).await? {
        return Ok(());
    }
    match &plan.image {
        ImagePlan::Pull { reference } => {
            let task = printer.task(format!("pull {reference}"));
            let show = |line: &str| task.message(line.to_string());
            match rt.pull_image(reference, &show).await {
                Ok(()) => task.done(""),
                Err(e) => {
                    task.fail();
                    return Err(e.into());
                }
            }
        }
        ImagePlan::Recipe { tag, ca_cert, .. }
        | ImagePlan::Dir { tag, ca_cert, .. }
        | ImagePlan::Release { tag, ca_cert, .. } => build(rt, plan, tag, ca_cert.as_deref(), printer).await?,
        ImagePlan::Files { tag, .. } => build(rt, plan, tag, None, printer).await?,
    }
    Ok(())
}

async fn build(
    rt: &dyn Runtime,
    plan: &NetworkPlan,
    tag: &str,
    ca_cert: Option<&std::path::Path>,
    printer: &Printer,
) -> Result<()> {
    // The topology's CA file, else LAB_EXTRA_CA_CERT (handy for the built-in default and CI).
    let env_ca = std::env::var_os("LAB_EXTRA_CA_CERT").map(std::path::PathBuf::from);
    let ca_cert = ca_cert.or(env_ca.as_deref());
    let ca = match ca_cert {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read the CA file {}", p.display()))?,
        None => Vec::new(),
    };
    let mut args = BTreeMap::new();
    let (context, base) = match &plan.image {
        ImagePlan::Recipe { base, .. } => (image::recipe_context(&ca)?, Some(base.clone())),
        ImagePlan::Dir { dir, base, .. } => (image::dir_context(dir, ca_cert.map(|_| ca.as_slice()))?, base.clone()),
        ImagePlan::Files { dir, base, .. } => (image::files::context(dir)?, Some(base.clone())),
        ImagePlan::Release { contracts, base, url, sha256, .. } => {
            args.insert("SPRING_URL".to_string(), url.clone());
            args.insert("SPRING_SHA256".to_string(), sha256.clone().unwrap_or_default());
            (image::release::context(contracts, &ca)?, Some(base.clone()))
        }
        ImagePlan::Pull { .. } => unreachable!("pulled, not built"),
    };
    // A package on this machine's loopback (a local mirror) is reached from the host's network.
    let host_network = matches!(&plan.image, ImagePlan::Release { url, .. } if image::release::on_loopback(url));
    if let Some(base) = &base {
        if !rt.image_present(base).await? {
            printer.info(format!(
                "the base image {base} is not here; the engine will try to pull it \
                 (without a registry, make it with images/base/make-debian-base.sh)"
            ));
        }
        args.insert("BASE_IMAGE".to_string(), base.clone());
    }
    let mut image_labels = BTreeMap::new();
    if let ImagePlan::Recipe { base, .. } = &plan.image {
        image_labels.insert(labels::RECIPE.to_string(), image::recipe_hash(base));
    }
    let task = printer.task(format!("build image {tag}"));
    let show = |line: &str| task.message(line.to_string());
    match rt.build_image(tag, context, args, image_labels, host_network, &show).await {
        Ok(()) => {
            task.done("");
            Ok(())
        }
        Err(e) => {
            task.fail();
            if let ImagePlan::Release { version, url, .. } = &plan.image {
                return Err(anyhow!(e).context(format!(
                    "building the Spring {version} image {tag} from {url} failed: the package could not be \
                     downloaded, did not match image.sha256, or did not install on the base. Behind a \
                     TLS-inspecting proxy, set image.ca_cert"
                )));
            }
            Err(anyhow!(e).context(format!(
                "building the nodeos image {tag} failed. If the base image cannot be pulled, run \
                 images/base/make-debian-base.sh; behind a TLS-inspecting proxy, set image.ca_cert"
            )))
        }
    }
}

/// Makes the network tools image present (built from the recipe in `images/nettools/` on the base
/// the lab's nodeos image uses, else the default base) and returns its tag.
pub async fn ensure_nettools_image(rt: &dyn Runtime, plan: &NetworkPlan, printer: &Printer) -> Result<String> {
    let base = match &plan.image {
        ImagePlan::Recipe { base, .. }
        | ImagePlan::Dir { base: Some(base), .. }
        | ImagePlan::Files { base, .. }
        | ImagePlan::Release { base, .. } => base.clone(),
        _ => image::DEFAULT_BASE.to_string(),
    };
    let tag = image::nettools_tag(&base);
    if rt.image_present(&tag).await? {
        return Ok(tag);
    }
    if !rt.image_present(&base).await? {
        printer.info(format!(
            "the base image {base} is not here; the engine will try to pull it \
             (without a registry, make it with images/base/make-debian-base.sh)"
        ));
    }
    let args = BTreeMap::from([("BASE_IMAGE".to_string(), base.clone())]);
    let task = printer.task(format!("build image {tag} (iptables, tc)"));
    let show = |line: &str| task.message(line.to_string());
    match rt.build_image(&tag, image::nettools_context()?, args, BTreeMap::new(), false, &show).await {
        Ok(()) => {
            task.done("");
            Ok(tag)
        }
        Err(e) => {
            task.fail();
            Err(anyhow!(e).context(format!(
                "building the network tools image {tag} failed (it installs iptables and iproute2 from \
                 the base image's package mirror)"
            )))
        }
    }
}
