//! `kt-secrets list` (`get`): Secrets of a namespace or of all, as a table, names, or the
//! objects without their data.

use kt_secrets::Mount;
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
    // One request: the table and the objects (`-o json|yaml`, less their values) come from
    // the same listing.
    let listed = store
        .list_objects(&options)
        .await
        .map_err(|e| selector_error(e, &a))?;
    let format = match a.output {
        ListFormat::Table | ListFormat::Wide | ListFormat::Name => {
            let infos: Vec<SecretInfo> = listed.into_iter().map(|l| l.info).collect();
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
    // Sorted by namespace and object name, as the store lists them.
    let items = listed
        .iter()
        .map(|l| output::to_value(&l.object))
        .collect::<std::result::Result<Vec<_>, _>>()?;
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
