//! Rotation: [`SecretStore::sync_providers`] re-resolves the owner's provider secrets on this
//! machine, replaces those whose content changed, and rolls the workloads that read them.
//!
//! Requests: one list of Secrets; nothing more for a secret that is unchanged or has no local
//! credentials; for a changed one, the read and replace of [`SecretStore::apply`]; and, only
//! when something changed or a rollout is asked for, one list per workload kind and one patch
//! per workload rolled.
//!
//! A rollout rolls every workload that is stale for any synced secret, changed in this run or
//! before (a `sync` without `--rollout`, then `sync --rollout`, rolls what the first left).

use std::collections::BTreeMap;
use std::fmt;

use futures::{StreamExt, stream};
use kt_secrets_core::{Registry, ResolveContext, Secret};

use crate::error::{Error, Result};
use crate::status::StatusOptions;
use crate::store::{ApplyOutcome, Progress, SecretStore};
use crate::workloads::Workload;

/// Settings of [`SecretStore::sync_providers`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncOptions {
    /// Only secrets of these providers (all when empty).
    pub providers: Vec<String>,
    /// Patch the pod template of each workload that reads a changed secret.
    pub rollout: bool,
    /// Compare and report, write nothing.
    pub dry_run: bool,
    /// Secrets written at once.
    pub concurrency: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            providers: Vec::new(),
            rollout: false,
            dry_run: false,
            concurrency: 8,
        }
    }
}

/// What happened to one secret.
#[derive(Debug)]
pub enum SecretSync {
    /// The stored data already was the local data; nothing was written.
    Unchanged,
    /// The stored data differed in these keys (names only) and was replaced (or, in a dry
    /// run, would be).
    Updated {
        /// The keys that differed.
        keys: Vec<String>,
    },
    /// The stored data now is the new data, but the server never confirmed that this sync
    /// wrote it (a write whose answer was lost, then a conflict): the goal is reached, and
    /// workloads are rolled as for [`SecretSync::Updated`].
    Unconfirmed {
        /// The keys that differed.
        keys: Vec<String>,
    },
    /// The provider found no credentials here; the stored secret was left alone.
    NoLocalCredentials,
    /// Resolving locally or writing failed; the stored secret is as it was before, or as
    /// another writer left it, never half-written.
    Failed(Error),
}

/// One secret of a sync.
#[derive(Debug)]
pub struct SecretResult {
    /// The secret's name.
    pub name: String,
    /// The provider it was resolved with.
    pub provider: String,
    /// The object it is stored in.
    pub object_name: String,
    /// The object's namespace.
    pub namespace: String,
    /// What happened to it.
    pub outcome: SecretSync,
    /// Content hash of the data now stored (or that would be, in a dry run); `None` when the
    /// sync of this secret failed.
    pub content_hash: Option<String>,
}

/// What happened to one workload whose pod template records another hash than the cluster
/// now holds for a synced secret (see [`Workload::is_stale`]).
#[derive(Debug)]
pub enum WorkloadSync {
    /// Its pod template was patched (or would be, in a dry run): its pods are being replaced.
    RolledOut,
    /// Not rolled (no `--rollout`).
    Stale,
    /// A bare Pod or a Job: it must be recreated to see the new data.
    NeedsRestart,
    /// Patching its pod template failed; it runs as before.
    Failed(Error),
}

/// One workload a sync found stale, and what was done about it.
#[derive(Debug)]
pub struct WorkloadResult {
    /// The workload.
    pub workload: Workload,
    /// Object names of the synced secrets it is stale for.
    pub secrets: Vec<String>,
    /// What happened to it.
    pub outcome: WorkloadSync,
}

/// Everything one sync did.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Each secret synced, in the order given.
    pub secrets: Vec<SecretResult>,
    /// Each workload found stale for a synced secret.
    pub workloads: Vec<WorkloadResult>,
    /// The workloads could not be listed (the secrets were synced nonetheless).
    pub workloads_error: Option<Error>,
    /// Nothing was written: the report says what a sync would do.
    pub dry_run: bool,
}

impl SyncReport {
    /// How many secrets and workloads failed (a failed workload listing counts as one).
    pub fn failed(&self) -> usize {
        self.secrets
            .iter()
            .filter(|s| matches!(s.outcome, SecretSync::Failed(_)))
            .count()
            + self
                .workloads
                .iter()
                .filter(|w| matches!(w.outcome, WorkloadSync::Failed(_)))
                .count()
            + usize::from(self.workloads_error.is_some())
    }

    fn count(&self, f: impl Fn(&SecretSync) -> bool) -> usize {
        self.secrets.iter().filter(|s| f(&s.outcome)).count()
    }

    fn count_w(&self, f: impl Fn(&WorkloadSync) -> bool) -> usize {
        self.workloads.iter().filter(|w| f(&w.outcome)).count()
    }
}

impl fmt::Display for SyncReport {
    /// The summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let updated = if self.dry_run { "to update" } else { "updated" };
        let rolled = if self.dry_run {
            "to roll out"
        } else {
            "rolled out"
        };
        write!(
            f,
            "{} secrets: {} {updated}, {} unchanged, {} without local credentials, {} failed; \
             workloads: {} {rolled}, {} stale, {} need a restart, {} failed",
            self.secrets.len(),
            self.count(|o| matches!(
                o,
                SecretSync::Updated { .. } | SecretSync::Unconfirmed { .. }
            )),
            self.count(|o| matches!(o, SecretSync::Unchanged)),
            self.count(|o| matches!(o, SecretSync::NoLocalCredentials)),
            self.count(|o| matches!(o, SecretSync::Failed(_))),
            self.count_w(|o| matches!(o, WorkloadSync::RolledOut)),
            self.count_w(|o| matches!(o, WorkloadSync::Stale)),
            self.count_w(|o| matches!(o, WorkloadSync::NeedsRestart)),
            self.count_w(|o| matches!(o, WorkloadSync::Failed(_)))
                + usize::from(self.workloads_error.is_some()),
        )
    }
}

impl SecretStore {
    /// Re-resolves each of the owner's provider secrets (in the store's namespace) whose
    /// provider finds credentials through `ctx`, and replaces those whose data changed:
    /// override is implied, as bringing the cluster up to date is the point. One secret's
    /// failure neither stops nor undoes the others. See the module doc for requests.
    pub async fn sync_providers(
        &self,
        registry: &Registry,
        ctx: &ResolveContext,
        options: &SyncOptions,
    ) -> Result<SyncReport> {
        self.sync_providers_with_progress(registry, ctx, options, &|_, _, _| {})
            .await
    }

    /// [`SecretStore::sync_providers`], telling `progress` after each secret's sync ends
    /// (the workloads' rollouts that may follow are not counted).
    pub async fn sync_providers_with_progress(
        &self,
        registry: &Registry,
        ctx: &ResolveContext,
        options: &SyncOptions,
        progress: Progress<'_>,
    ) -> Result<SyncReport> {
        let listed = self
            .owned_secrets(&StatusOptions {
                all_namespaces: false,
                providers: options.providers.clone(),
            })
            .await?;
        let listed: Vec<_> = listed
            .into_iter()
            .filter(|e| e.provider().is_some_and(|p| registry.contains(p)))
            .collect();
        let total = listed.len();
        let mut done = 0;
        let jobs = listed.into_iter().map(|e| async move {
            let provider = e.provider().unwrap_or_default().to_owned();
            let (outcome, content_hash) = self.sync_one(registry, ctx, &e.secret, options).await;
            SecretResult {
                name: e.name().to_owned(),
                provider,
                object_name: e.object_name,
                namespace: e.namespace,
                outcome,
                content_hash,
            }
        });
        let secrets: Vec<SecretResult> = stream::iter(jobs)
            .buffered(options.concurrency.max(1))
            .inspect(|s| {
                done += 1;
                progress(done, total, &s.object_name);
            })
            .collect()
            .await;
        let mut report = SyncReport {
            secrets,
            dry_run: options.dry_run,
            ..Default::default()
        };
        let any_changed = report.secrets.iter().any(|s| match &s.outcome {
            SecretSync::Updated { keys } | SecretSync::Unconfirmed { keys } => !keys.is_empty(),
            _ => false,
        });
        if !any_changed && !options.rollout {
            return Ok(report);
        }
        // The hash of what the cluster now holds (or would hold) for each synced secret; a
        // failed one is left out, as its state is not known for sure.
        let current: BTreeMap<&str, &str> = report
            .secrets
            .iter()
            .filter_map(|s| Some((s.object_name.as_str(), s.content_hash.as_deref()?)))
            .collect();
        let workloads = match self.workloads(false).await {
            Ok(w) => w,
            Err(e) => {
                report.workloads_error = Some(e);
                return Ok(report);
            }
        };
        let mut results = Vec::new();
        for w in workloads {
            let stale: Vec<String> = current
                .iter()
                .filter(|(o, h)| w.is_stale(o, h))
                .map(|(o, _)| (*o).to_owned())
                .collect();
            if stale.is_empty() {
                continue;
            }
            let outcome = if !w.kind.rolls() {
                WorkloadSync::NeedsRestart
            } else if !options.rollout {
                WorkloadSync::Stale
            } else if options.dry_run {
                WorkloadSync::RolledOut
            } else {
                let mut map = w.hashes.clone().unwrap_or_default();
                for o in &stale {
                    map.insert(o.clone(), current[o.as_str()].to_owned());
                }
                match self.roll(&w, &map).await {
                    Ok(()) => WorkloadSync::RolledOut,
                    Err(e) => WorkloadSync::Failed(e),
                }
            };
            results.push(WorkloadResult {
                workload: w,
                secrets: stale,
                outcome,
            });
        }
        report.workloads = results;
        Ok(report)
    }

    async fn sync_one(
        &self,
        registry: &Registry,
        ctx: &ResolveContext,
        stored: &Secret,
        options: &SyncOptions,
    ) -> (SecretSync, Option<String>) {
        let stored_hash = stored.data().content_hash();
        let local = match crate::status::resolve_again(registry, ctx, stored).await {
            Ok(s) => s
                .with_override_existing(true)
                .with_namespace(self.namespace()),
            Err(e) if e.is_nothing_found() => {
                return (SecretSync::NoLocalCredentials, Some(stored_hash));
            }
            Err(e) => return (SecretSync::Failed(e.into()), None),
        };
        let keys = local.data().differing_keys(stored.data());
        // The same data under an older mount list (a provider that now mounts differently)
        // is rewritten too, so that pods rendered later match what is stored.
        if keys.is_empty() && local.mounts() == stored.mounts() {
            return (SecretSync::Unchanged, Some(stored_hash));
        }
        let hash = Some(local.data().content_hash());
        if options.dry_run {
            return (SecretSync::Updated { keys }, hash);
        }
        match self.apply(&local).await {
            Ok(ApplyOutcome::Unchanged) => (SecretSync::Unchanged, hash),
            Ok(_) => (SecretSync::Updated { keys }, hash),
            Err(Error::Unconfirmed { .. }) => (SecretSync::Unconfirmed { keys }, hash),
            Err(e) => (SecretSync::Failed(e), None),
        }
    }
}
