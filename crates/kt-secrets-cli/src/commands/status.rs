//! `kt-secrets status`: the owner's Secrets against this machine, and who reads them.

use std::io::IsTerminal;
use std::path::Path;

use kt_secrets::SecretData;
use kt_secrets::kube::{Local, LocalCheck, StatusEntry, StatusOptions};
use serde_json::json;

use super::{Env, Result};
use crate::cli::{StatusArgs, TableOrJson};
use crate::output::{self, Table, print};
use crate::report::Failure;

pub(super) async fn run(env: &Env, a: StatusArgs) -> Result<()> {
    if a.all_namespaces && env.namespace.is_some() {
        return Err(Failure::usage(
            "--all-namespaces and --namespace cannot be used together",
        ));
    }
    let registry = env.registry()?;
    let store = env.store().await?;
    let entries = store
        .status(&StatusOptions {
            all_namespaces: a.all_namespaces,
            providers: a.providers.clone(),
        })
        .await?;
    let parse = env_file;
    let mut check = LocalCheck::new(&registry, &env.ctx, &parse);
    let mut rows = Vec::with_capacity(entries.len());
    for e in &entries {
        rows.push((e, check.check(&e.secret).await));
    }
    match a.output {
        TableOrJson::Json => {
            let items: Vec<_> = rows
                .iter()
                .map(|(e, local)| {
                    json!({
                        "name": e.name(),
                        "namespace": e.namespace,
                        "provider": e.provider(),
                        "local": local,
                        "age_s": e.age_s,
                        "workloads": e.workloads,
                    })
                })
                .collect();
            print(&output::json(&items)?)?;
        }
        TableOrJson::Table => {
            if rows.is_empty() {
                match a.all_namespaces {
                    true => eprintln!("No secrets of {} found.", store.owner()),
                    false => eprintln!(
                        "No secrets of {} found in namespace {}.",
                        store.owner(),
                        store.namespace()
                    ),
                }
                return Ok(());
            }
            let colour = std::io::stdout().is_terminal()
                && env.ctx.env("NO_COLOR").is_none_or(str::is_empty);
            print(&table(&rows, a.all_namespaces, colour))?;
        }
    }
    Ok(())
}

/// A dotenv file's keys and values (for secrets made with `--from-env-file`).
fn env_file(path: &Path) -> Option<SecretData> {
    let mut data = SecretData::new();
    // Lenient about unset `$VAR`s: a file written with --allow-unset still compares.
    for (k, v) in crate::envfile::read(path, true).ok()? {
        data.insert(k, v).ok()?;
    }
    Some(data)
}

/// The table; with `colour`, the rows of changed secrets and stale workloads in bold yellow.
/// Colour is added to whole lines after alignment, so it never shifts a column.
fn table(rows: &[(&StatusEntry, Local)], all_namespaces: bool, colour: bool) -> String {
    let mut header = vec!["NAME", "PROVIDER", "LOCAL", "AGE", "WORKLOADS"];
    if all_namespaces {
        header.insert(0, "NAMESPACE");
    }
    let mut t = Table::new(&header);
    let now = kt_secrets::k8s_openapi::jiff::Timestamp::now();
    let mut flagged = Vec::new();
    for (e, local) in rows {
        let workloads: Vec<String> = e
            .workloads
            .iter()
            .map(|w| {
                let stale = if w.stale { " (stale)" } else { "" };
                format!("{}/{}{stale}", w.kind.resource(), w.name)
            })
            .collect();
        let mut row = vec![
            e.name().to_owned(),
            e.provider().unwrap_or("-").to_owned(),
            local.to_string(),
            crate::age::age(e.created.as_deref(), now),
            if workloads.is_empty() {
                "-".to_owned()
            } else {
                workloads.join("\n")
            },
        ];
        if all_namespaces {
            row.insert(0, e.namespace.clone());
        }
        t.row(row);
        let attention = *local == Local::Changed || e.workloads.iter().any(|w| w.stale);
        flagged.push((attention, e.workloads.len().max(1)));
    }
    let text = t.to_text();
    if !colour {
        return text;
    }
    let mut lines = text.lines();
    let mut out = String::new();
    if let Some(h) = lines.next() {
        out.push_str(h);
        out.push('\n');
    }
    for (attention, height) in flagged {
        for line in lines.by_ref().take(height) {
            if attention {
                out.push_str(&format!("\x1b[1;33m{line}\x1b[0m\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}
