//! `kt-secrets inject`: the secrets into every pod template of a manifest stream.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use anyhow::Context;
use kt_secrets::Secret;
use kt_secrets::kube::compute::ComputeError;
use kt_secrets::kube::inject::{self, Injector};
use kt_secrets::kube::{MountedSecret, SecretStore, manifest};
use serde_json::Value;

use super::{Env, Failure, Result, SYNC_CONCURRENCY, found_providers};
use crate::cli::{InjectArgs, ManifestFormat};
use crate::output::{self, print};

/// Largest manifest input read: far above any real chart, and a bound for `-f /dev/zero`.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// The namespace key of objects whose namespace is not known (a dry run without `-n`).
const NO_NAMESPACE: &str = "";

pub(super) async fn inject(env: &Env, a: InjectArgs) -> Result<()> {
    let mut docs = Vec::new();
    let files = if a.files.is_empty() {
        vec![Path::new("-").to_path_buf()]
    } else {
        a.files.clone()
    };
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(Failure::usage("-f - (stdin) can be given once"));
    }
    for f in &files {
        let (text, source) = read_input(f)?;
        docs.extend(inject::parse_stream(&text, &source)?);
    }
    let registry = env.registry()?;

    // Provider secrets resolve once, here; the rest are Secrets of the cluster.
    let mut providers: Vec<Secret> = Vec::new();
    let mut existing: Vec<String> = Vec::new();
    // Providers with nothing local: the cluster's object for each (not with --dry-run).
    let mut from_cluster: Vec<String> = Vec::new();
    for name in &a.secrets {
        if registry.contains(name) {
            match Secret::from_provider_in(&registry, &env.ctx, name, None).await {
                Ok(s) => providers.push(s.with_override_existing(a.override_existing)),
                Err(e) if e.is_nothing_found() && !a.dry_run => from_cluster.push(name.clone()),
                Err(e) => return Err(e.into()),
            }
        } else if a.dry_run {
            return Err(ComputeError::NeedsCluster {
                name: name.clone(),
                known: registry.names().map(str::to_owned).collect(),
            }
            .into());
        } else {
            existing.push(name.clone());
        }
    }
    if a.all_found {
        let found = found_providers(&registry, &env.ctx, &a.secrets).await?;
        providers.extend(
            found
                .into_iter()
                .map(|s| s.with_override_existing(a.override_existing)),
        );
    }

    let store = if a.dry_run {
        None
    } else {
        Some(env.store().await?)
    };
    let default_ns: Option<String> = match &store {
        Some(s) => Some(s.namespace().to_owned()),
        None => env.namespace.clone(),
    };

    // The namespaces the workloads use: each gets its own copy of the provider secrets.
    let probe = injector(&a, Vec::new())?;
    let mut namespaces: BTreeSet<String> = BTreeSet::new();
    for d in &docs {
        if has_templates(&probe, d) {
            namespaces.insert(namespace_of(d, default_ns.as_deref()));
        }
    }
    let mut per_ns: BTreeMap<String, (Injector, Vec<Secret>)> = BTreeMap::new();
    for ns in &namespaces {
        let managed: Vec<Secret> = providers
            .iter()
            .map(|s| {
                if ns == NO_NAMESPACE {
                    s.clone()
                } else {
                    s.clone().with_namespace(ns)
                }
            })
            .collect();
        for s in &managed {
            manifest::validate(
                s,
                &env.owner,
                if ns == NO_NAMESPACE { "default" } else { ns },
            )?;
        }
        let mut mounted: Vec<MountedSecret> = managed
            .iter()
            .map(|s| MountedSecret::managed(s.clone(), &env.owner))
            .collect();
        if let Some(store) = &store {
            let in_ns: SecretStore = store.clone().with_namespace(ns);
            for name in &existing {
                let existing = in_ns
                    .get_mounted(name)
                    .await
                    .with_context(|| format!("--secret {name} in namespace {ns}"))?;
                mounted.push(existing);
            }
            for name in &from_cluster {
                let Some(found) = in_ns.provider_mounted(name).await? else {
                    // The local "nothing found", which lists every place looked at.
                    return Err(
                        match Secret::from_provider_in(&registry, &env.ctx, name, None).await {
                            Err(e) => e.into(),
                            Ok(_) => anyhow::anyhow!(
                                "--secret {name}: nothing found locally and no secret for it in \
                             namespace {ns}"
                            )
                            .into(),
                        },
                    );
                };
                eprintln!(
                    "{name}: no local credentials found; using the cluster's secret {} \
                     (namespace {ns})",
                    found.object_name
                );
                mounted.push(found);
            }
        }
        per_ns.insert(ns.clone(), (injector(&a, mounted)?, managed));
    }

    // Everything is checked before anything is written.
    let mut injected_into: BTreeSet<String> = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut paths_used: BTreeSet<String> = BTreeSet::new();
    for d in &mut docs {
        let ns = namespace_of(d, default_ns.as_deref());
        let Some((inj, _)) = per_ns.get(&ns) else {
            continue;
        };
        if inject::known_kind(d).is_none() {
            paths_used.extend(inj.template_pointers(d));
        }
        let r = inj.inject_value(d, (ns != NO_NAMESPACE).then_some(ns.as_str()))?;
        for (_, cs) in &r.templates {
            injected_into.extend(cs.iter().cloned());
        }
        seen.extend(r.containers_seen);
        for w in r.warnings {
            eprintln!("warning: {w}");
        }
    }
    for c in &a.containers {
        if !injected_into.contains(c) {
            let hint = if seen.contains(c) {
                " (it is an init container: add --init-containers)".to_owned()
            } else {
                format!(
                    "; the templates have: {}",
                    if seen.is_empty() {
                        "no containers".to_owned()
                    } else {
                        seen.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                )
            };
            return Err(Failure::usage(format!(
                "-c {c}: no pod template of the input has an app container of that name{hint}"
            )));
        }
    }
    if !a.template_paths.is_empty() && paths_used.is_empty() {
        return Err(Failure::usage(format!(
            "--template-path {}: no object of another kind has a pod template there",
            a.template_paths.join(", ")
        )));
    }

    let mut out: Vec<Value> = Vec::new();
    match &store {
        None => {
            for (_, managed) in per_ns.values() {
                for s in managed {
                    for m in kt_secrets::kube::pair::manifests(s, &env.owner) {
                        let m = manifest::ObjectGuard::new(m);
                        out.push(output::to_value(&*m)?);
                    }
                }
            }
        }
        Some(store) => {
            let mut failed = 0;
            let mut total = 0;
            for (ns, (_, managed)) in &per_ns {
                let in_ns = store.clone().with_namespace(ns);
                let results = {
                    let bar = crate::progress::Bar::new("applying");
                    in_ns
                        .sync_with_progress(managed, SYNC_CONCURRENCY, &|done, total, name| {
                            bar.tell(done, total, name)
                        })
                        .await
                };
                for (s, r) in managed.iter().zip(results) {
                    total += 1;
                    let object = in_ns.object_name_of(s);
                    match r {
                        Ok(outcome) => eprintln!("secret/{object} {outcome} (namespace {ns})"),
                        Err(e) => {
                            eprintln!("secret/{object} failed (namespace {ns}): {e}");
                            failed += 1;
                        }
                    }
                }
            }
            if failed > 0 {
                return Err(anyhow::anyhow!(
                    "{failed} of {total} secrets could not be applied; the workloads were not \
                     printed"
                )
                .into());
            }
        }
    }
    out.extend(docs);
    let text = match a.output {
        ManifestFormat::Yaml => inject::to_yaml_stream(&out)?,
        ManifestFormat::Json => output::json(&inject::to_list(out))?,
    };
    print(&text)?;
    Ok(())
}

fn injector(a: &InjectArgs, secrets: Vec<MountedSecret>) -> Result<Injector> {
    let mut inj = Injector::new(secrets)
        .container_home(&a.container_home)
        .containers(a.containers.iter().cloned())
        .init_containers(a.init_containers);
    if let Some(uid) = a.run_as_user {
        inj = inj.run_as_user(uid);
    }
    if let Some(gid) = a.fs_group {
        inj = inj.fs_group(gid);
    }
    for p in &a.template_paths {
        inj = inj
            .template_path(p)
            .map_err(|e| Failure::usage(format!("--template-path: {e}")))?;
    }
    Ok(inj)
}

/// Whether `doc` holds a template the injector works on (a known kind always does, or is
/// reported as broken when injected).
fn has_templates(probe: &Injector, doc: &Value) -> bool {
    inject::known_kind(doc).is_some() || !probe.template_pointers(doc).is_empty()
}

fn namespace_of(doc: &Value, default_ns: Option<&str>) -> String {
    doc.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .or(default_ns)
        .unwrap_or(NO_NAMESPACE)
        .to_owned()
}

/// The text of `-f FILE` (or stdin for `-`), and how errors name it. Pipes and FIFOs are read
/// (`-f <(helm template ...)`); directories are refused, and input is bounded.
fn read_input(f: &Path) -> Result<(String, String)> {
    let (mut reader, source): (Box<dyn Read>, String) = if f.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), "stdin".to_owned())
    } else {
        let name = f.display().to_string();
        let file = std::fs::File::open(f).with_context(|| format!("cannot open -f {name}"))?;
        let meta = file
            .metadata()
            .with_context(|| format!("cannot read -f {name}"))?;
        if meta.is_dir() {
            return Err(Failure::usage(format!(
                "-f {name} is a directory; give the manifest files (or `kubectl kustomize {name} | kt-secrets inject`)"
            )));
        }
        (Box::new(file), name)
    };
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {source}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(anyhow::anyhow!(
            "{source} is larger than {} MiB; it is not a manifest",
            MAX_INPUT / (1024 * 1024)
        )
        .into());
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{source} is not UTF-8 text; manifests are YAML or JSON"))?;
    Ok((text, source))
}
