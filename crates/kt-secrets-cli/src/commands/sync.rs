//! `kt-secrets sync`: provider Secrets brought up to date with this machine, and optionally
//! the workloads that read them rolled.

use crate::report::escape_controls;
use kt_secrets::kube::{SecretSync, SyncOptions, WorkloadSync};

use super::{Env, Result};
use crate::cli::SyncArgs;
use crate::output::print;

pub(super) async fn run(env: &Env, a: SyncArgs) -> Result<()> {
    let registry = env.registry()?;
    for p in &a.providers {
        // An unknown name is a typo, not "nothing to sync".
        registry.get(p)?;
    }
    let store = env.store().await?;
    let report = {
        let bar = crate::progress::Bar::new("syncing");
        store
            .sync_providers_with_progress(
                &registry,
                &env.ctx,
                &SyncOptions {
                    providers: a.providers.clone(),
                    rollout: a.rollout,
                    dry_run: a.dry_run,
                    ..Default::default()
                },
                &|done, total, name| bar.tell(done, total, name),
            )
            .await?
    };
    let would = |done: &str, planned: &str| {
        if a.dry_run {
            planned.to_owned()
        } else {
            done.to_owned()
        }
    };
    let mut out = String::new();
    for s in &report.secrets {
        let line = match &s.outcome {
            SecretSync::Unchanged => "unchanged".to_owned(),
            SecretSync::Updated { keys } if keys.is_empty() => {
                format!(
                    "{} (same data, new mounts)",
                    would("updated", "would update")
                )
            }
            SecretSync::Updated { keys } => format!(
                "{} (changed keys: {})",
                would("updated", "would update"),
                keys.join(", ")
            ),
            SecretSync::Unconfirmed { keys } => format!(
                "updated (changed keys: {}; the server did not confirm this write, but the \
                 Secret now holds the new data)",
                keys.join(", ")
            ),
            SecretSync::NoLocalCredentials => format!(
                "skipped: provider {} finds no credentials here; left as it is",
                s.provider
            ),
            SecretSync::Failed(e) => format!("failed: {e}"),
        };
        // Error texts name paths and keys from the user's files: one line each, as the error
        // printer keeps them.
        out.push_str(&format!(
            "secret/{} {}\n",
            escape_controls(&s.object_name),
            escape_controls(&line)
        ));
    }
    for w in &report.workloads {
        let kind = w.workload.kind.resource();
        let line = match &w.outcome {
            WorkloadSync::RolledOut => would("restarted", "would restart"),
            WorkloadSync::Stale => "stale: run with --rollout to restart it".to_owned(),
            WorkloadSync::NeedsRestart => format!(
                "stale: a {} cannot be rolled; delete and recreate it",
                if kind == "job" { "Job" } else { "bare Pod" }
            ),
            WorkloadSync::Failed(e) => format!("failed: {e}"),
        };
        out.push_str(&format!(
            "{kind}/{} {} (reads {})\n",
            escape_controls(&w.workload.name),
            escape_controls(&line),
            escape_controls(&w.secrets.join(", "))
        ));
    }
    if let Some(e) = &report.workloads_error {
        out.push_str(&format!(
            "workloads could not be listed: {}\n",
            escape_controls(&e.to_string())
        ));
    }
    if a.dry_run {
        out.push_str("dry run: nothing was written\n");
    }
    out.push_str(&format!("{report}\n"));
    print(&out)?;
    let failed = report.failed();
    if failed > 0 {
        return Err(anyhow::anyhow!(
            "{failed} of the updates failed; each secret above is either updated or as it was"
        )
        .into());
    }
    Ok(())
}
