//! `kt-secrets list` (`get`): Secrets of a namespace or of all, as a table, names, or the
//! objects without their data.

use std::collections::BTreeSet;

use anyhow::Context;
use kt_secrets::Mount;
use kt_secrets::k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets::kube::kube::api::{Api, ListParams};
use kt_secrets::kube::manifest;
use kt_secrets::kube::{ListOptions, SecretInfo};

use super::{Env, Result};
use crate::age::age;
use crate::cli::{ListArgs, ListFormat, ManifestFormat};
use crate::output::{self, Table, print};
use crate::report::Failure;

pub(super) async fn list(env: &Env, a: ListArgs) -> Result<()> {
    if a.selector.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(Failure::usage("--selector must not be empty"));
    }
    if a.all_namespaces && env.namespace.is_some() {
        return Err(Failure::usage(
            "--all-namespaces and --namespace cannot be used together",
        ));
    }
    let store = env.store().await?;
    let options = ListOptions {
        all_namespaces: a.all_namespaces,
        prefix: a.prefix.clone(),
        owner: None,
        selector: a.selector.clone(),
    };
    let infos = store
        .list(&options)
        .await
        .map_err(|e| selector_error(e, &a))?;
    let format = match a.output {
        ListFormat::Table | ListFormat::Wide | ListFormat::Name => {
            if infos.is_empty() {
                match a.all_namespaces {
                    true => eprintln!("No secrets found."),
                    false => eprintln!("No secrets found in namespace {}.", store.namespace()),
                }
                return Ok(());
            }
            if a.output == ListFormat::Name {
                let names: String = infos
                    .iter()
                    .map(|i| format!("secret/{}\n", i.object_name))
                    .collect();
                return Ok(print(&names)?);
            }
            let wide = a.output == ListFormat::Wide;
            let mut t = list_table(&infos, a.all_namespaces || wide, wide);
            t.no_headers(a.no_headers);
            return Ok(print(&t.to_text())?);
        }
        ListFormat::Json => ManifestFormat::Json,
        ListFormat::Yaml => ManifestFormat::Yaml,
    };
    // The objects as the API server has them, less their data: a listing shows no values.
    let api: Api<KubeSecret> = if a.all_namespaces {
        Api::all(store.client().clone())
    } else {
        Api::namespaced(store.client().clone(), store.namespace())
    };
    let params = match a.selector.as_deref() {
        Some(s) => ListParams::default().labels(s),
        None => ListParams::default(),
    };
    let mut objects = api
        .list(&params)
        .await
        .with_context(|| format!("cannot list secrets in namespace {}", store.namespace()))?
        .items;
    let wanted: BTreeSet<(&str, &str)> = infos
        .iter()
        .map(|i| (i.namespace.as_str(), i.object_name.as_str()))
        .collect();
    let mut items = Vec::new();
    for obj in &mut objects {
        manifest::strip_values(obj);
        obj.metadata.managed_fields = None;
        let key = (
            obj.metadata.namespace.as_deref().unwrap_or_default(),
            obj.metadata.name.as_deref().unwrap_or_default(),
        );
        if wanted.contains(&key) {
            items.push(output::to_value(obj)?);
        }
    }
    items.sort_by_key(|v| {
        (
            v["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            v["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    });
    Ok(print(&output::render(&output::list(items), format)?)?)
}

/// A selector the API server refuses (400) is the command line's fault, and says so.
fn selector_error(e: kt_secrets::kube::Error, a: &ListArgs) -> Failure {
    match (&e, &a.selector) {
        (kt_secrets::kube::Error::Rejected { message, .. }, Some(sel)) => Failure::usage(format!(
            "--selector {sel:?}: the API server refused it: {message}"
        )),
        _ => e.into(),
    }
}

fn list_table(infos: &[SecretInfo], namespaces: bool, wide: bool) -> Table {
    let mut header = vec!["NAME", "OBJECT"];
    if wide {
        header.push("TYPE");
    }
    header.extend(["PROVIDER", "MOUNT", "KEYS"]);
    if wide {
        header.push("IN THE POD");
    }
    header.push("AGE");
    if namespaces {
        header.insert(0, "NAMESPACE");
    }
    let dash = |v: Option<&String>| v.cloned().unwrap_or_else(|| "-".to_owned());
    let mut t = Table::new(&header);
    let now = kt_secrets::k8s_openapi::jiff::Timestamp::now();
    for i in infos {
        let mut row = vec![i.name.clone(), i.object_name.clone()];
        if wide {
            row.push(dash(i.secret_type.as_ref()));
        }
        row.push(dash(i.provider.as_ref()));
        row.push(dash(i.mount_type.as_ref()));
        row.push(if i.keys.is_empty() {
            "-".to_owned()
        } else {
            i.keys.join(",")
        });
        if wide {
            let mounts: Vec<String> = i.mounts.iter().map(short_mount_text).collect();
            row.push(if mounts.is_empty() {
                "-".to_owned()
            } else {
                mounts.join(",")
            });
        }
        row.push(age(i.created.as_deref(), now));
        if namespaces {
            row.insert(0, i.namespace.clone());
        }
        t.row(row);
    }
    t
}

/// Where a mount puts its key, in a table cell.
fn short_mount_text(m: &Mount) -> String {
    match m {
        Mount::Env { var, .. } => format!("env:{var}"),
        Mount::File { path, .. } => format!("file:{path}"),
        Mount::PathEnv { var, path } => format!("env:{var}={path}"),
    }
}
