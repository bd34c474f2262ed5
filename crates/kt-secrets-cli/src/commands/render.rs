//! `kt-secrets render`: the provider Secrets applied (or printed with `--dry-run`) and the
//! Pod, Job or Deployment that mounts them.

use kt_secrets::kube::{manifest, render};
use kt_secrets::{Compute, Secret};

use super::{Echo, Env, Result, SYNC_CONCURRENCY, found_providers, pairs};
use crate::cli::{RenderArgs, WorkloadKind};
use crate::output::print;

pub(super) async fn render(env: &Env, a: RenderArgs) -> Result<()> {
    let registry = env.registry()?;
    let mut compute = Compute::new()
        .name(&a.name)
        .image(&a.image)
        .with_container_home(&a.container_home)
        .with_owner(&env.owner)
        .override_existing(a.override_existing)
        .env_vars(pairs("--env", "K=V", &a.env, Echo::Always)?)
        .with_secrets(&a.secrets);
    if a.all_found {
        let found = found_providers(&registry, &env.ctx, &a.secrets).await?;
        compute = compute.with_secrets(
            found
                .into_iter()
                .map(|s| s.with_override_existing(a.override_existing)),
        );
    }
    if let Some(c) = &a.cpus {
        compute = compute.cpus(c);
    }
    if let Some(m) = &a.memory {
        compute = compute.memory(m);
    }
    if let Some(g) = a.gpus {
        compute = compute.gpus(g);
    }
    if let Some(ns) = &env.namespace {
        compute = compute.with_namespace(ns);
    }
    let resolved = if a.dry_run {
        let resolved = compute.resolve(&registry, &env.ctx, None).await?;
        let ns = resolved.namespace().unwrap_or("default").to_owned();
        for s in resolved.managed_secrets() {
            manifest::validate(s, &env.owner, &ns)?;
        }
        resolved
    } else {
        let store = env.store().await?;
        let resolved = compute.resolve(&registry, &env.ctx, Some(&store)).await?;
        for note in resolved.notes() {
            eprintln!("{note}");
        }
        let managed: Vec<Secret> = resolved.managed_secrets().cloned().collect();
        // Every secret is checked before any is written: one over a limit stops them all.
        for s in &managed {
            let ns = s.namespace().unwrap_or(store.namespace()).to_owned();
            manifest::validate(s, &env.owner, &ns)?;
        }
        let results = {
            let bar = crate::progress::Bar::new("applying");
            store
                .sync_with_progress(&managed, SYNC_CONCURRENCY, &|done, total, name| {
                    bar.tell(done, total, name)
                })
                .await
        };
        let mut failed = 0;
        for (s, r) in managed.iter().zip(results) {
            match r {
                Ok(outcome) => eprintln!("secret/{} {outcome}", store.object_name_of(s)),
                // One line per secret, like the successes, so the command's own error
                // stays the single `error:` line.
                Err(e) => {
                    eprintln!(
                        "secret/{} failed: {}",
                        store.object_name_of(s),
                        crate::report::cli_text(&e.to_string())
                    );
                    failed += 1;
                }
            }
        }
        if failed > 0 {
            return Err(anyhow::anyhow!(
                "{failed} of {} secrets could not be applied; the pod was not printed",
                managed.len()
            )
            .into());
        }
        resolved
    };
    let workload = match a.kind {
        WorkloadKind::Pod => render::Kind::Pod,
        WorkloadKind::Job => render::Kind::Job,
        WorkloadKind::Deployment => render::Kind::Deployment,
    };
    // Without --dry-run the Secrets are in the cluster already; printing them would send their
    // values through `kubectl apply` into its last-applied-configuration annotation.
    print(&render::compute_as(
        &resolved,
        workload,
        a.dry_run,
        a.output.into(),
    )?)?;
    Ok(())
}
