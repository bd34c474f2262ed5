//! `kt-secrets delete`: Secrets by name or by prefix, after a confirmation unless `-y`.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use kt_secrets::kube::DeleteOutcome;

use super::{Env, Result};
use crate::cli::DeleteArgs;
use crate::output::print;
use crate::report::Failure;

pub(super) async fn delete(env: &Env, a: DeleteArgs) -> Result<()> {
    if a.prefix.as_deref() == Some("") {
        return Err(Failure::usage("--prefix must not be empty"));
    }
    for n in &a.names {
        kt_secrets::normalize_name(n)?;
    }
    let store = env.store().await?;
    let ns = store.namespace().to_owned();
    // Listed once, before the question: what the user confirms is exactly what goes.
    let planned = match &a.prefix {
        Some(p) => Some(store.plan_delete_prefix(p).await?),
        None => None,
    };
    if !a.yes {
        let mut what: Vec<String> = a.names.clone();
        if let (Some(p), Some(planned)) = (&a.prefix, &planned) {
            if planned.is_empty() && a.names.is_empty() {
                print(&format!(
                    "no secrets of {} whose name starts with {p:?} in namespace {ns}\n",
                    store.owner()
                ))?;
                return Ok(());
            }
            what.extend(planned.iter().map(|i| i.name.clone()));
        }
        let question = format!("Delete {} in namespace {ns}?", what.join(", "));
        if !confirm(&question)? {
            return Err(anyhow::anyhow!(
                "not confirmed; nothing was deleted (use -y to skip the question)"
            )
            .into());
        }
    }
    // One line per outcome (stdout for what was done, stderr for what failed or is
    // unknown); the command's own error is then the single `error:` line.
    let mut failed: Vec<(String, kt_secrets::kube::Error)> = Vec::new();
    let mut deleted_by_name = Vec::new();
    for name in &a.names {
        match store.delete(name).await {
            Ok(DeleteOutcome::Deleted { object_name }) => {
                print(&format!("secret/{object_name} deleted\n"))?;
                deleted_by_name.push(object_name);
            }
            Ok(DeleteOutcome::AlreadyGone { tried }) => print(&format!(
                "secret {name} not found in namespace {ns} (looked for {}); nothing to delete\n",
                tried.join(", ")
            ))?,
            Err(e) => failed.push((name.clone(), e)),
        }
    }
    if let Some(mut planned) = planned {
        // A name given and matched by the prefix too is deleted once, and told once.
        planned.retain(|i| !deleted_by_name.contains(&i.object_name));
        let deletions = {
            let bar = crate::progress::Bar::new("deleting");
            store
                .delete_listed(&planned, &|done, total, name| bar.tell(done, total, name))
                .await
        };
        for d in deletions {
            match d.result {
                Ok(DeleteOutcome::Deleted { object_name }) => {
                    print(&format!("secret/{object_name} deleted\n"))?;
                }
                Ok(DeleteOutcome::AlreadyGone { .. }) => {
                    print(&format!("secret/{} was already gone\n", d.object_name))?
                }
                Err(e) => failed.push((d.object_name, e)),
            }
        }
    }
    if failed.len() == 1 {
        let (name, e) = failed.remove(0);
        return Err(anyhow::Error::new(e)
            .context(format!("secret {name} was not deleted, or not surely"))
            .into());
    }
    if failed.is_empty() {
        return Ok(());
    }
    for (_, e) in &failed {
        eprintln!("{}", crate::report::cli_text(&e.to_string()));
    }
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    Err(anyhow::anyhow!(
        "{} of the deletions failed or are not confirmed (each is told above): {}",
        failed.len(),
        names.join(", ")
    )
    .into())
}

/// Asks on stderr; only `y` or `yes` on stdin goes ahead, and no answer is a no.
fn confirm(question: &str) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ").context("cannot write to stderr")?;
    err.flush().context("cannot write to stderr")?;
    let mut answer = String::new();
    let stdin = std::io::stdin();
    stdin
        .lock()
        .read_line(&mut answer)
        .context("cannot read the answer from stdin")?;
    // A terminal echoes the answer and its newline; a pipe does not.
    if !stdin.is_terminal() {
        writeln!(err).ok();
    }
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
