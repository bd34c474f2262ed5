//! Which of the owner's Secrets are out of date with the laptop, and which workloads still run
//! an old copy: [`SecretStore::status`] and [`local_state`].
//!
//! Everything is compared by content hash ([`kt_secrets_core::SecretData::content_hash`]),
//! computed here from data read from the cluster and from local sources; no value and no full
//! hash leaves this module.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::validate::{validate_namespace, validate_owner};
use kt_secrets_core::{Origin, Registry, ResolveContext, Secret, SecretData};
use kube::api::{Api, ListParams};
use serde::Serialize;

use crate::error::{Result, Target};
use crate::manifest::{self, ObjectGuard};
use crate::store::SecretStore;
use crate::workloads::{Workload, WorkloadKind};

/// How the stored Secret compares with where its values came from on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Local {
    /// The local source gives the same content.
    Same,
    /// The local source gives other content: `sync` (or `create --override`) updates it.
    Changed,
    /// The local source is gone (no credentials found, file or env var missing).
    Absent,
    /// Nothing local to compare with (literal values, or secrets of other tools).
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl fmt::Display for Local {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Local::Same => "same",
            Local::Changed => "changed",
            Local::Absent => "absent",
            Local::NotApplicable => "n/a",
        })
    }
}

/// A workload that reads a Secret, as `status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkloadUse {
    /// Its kind (Deployment, Job, ...).
    pub kind: WorkloadKind,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its pod template records another content hash for the Secret, or none.
    pub stale: bool,
}

impl Serialize for WorkloadKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One of the owner's Secrets: no values, no full hash.
#[derive(Clone, Debug)]
pub struct StatusEntry {
    /// The secret as stored, data included, for [`local_state`]; callers print only its name,
    /// provider and origins.
    pub secret: Secret,
    /// The object's name.
    pub object_name: String,
    /// The object's namespace.
    pub namespace: String,
    /// Seconds since the object was created, when the server says.
    pub age_s: Option<i64>,
    /// When the object was created (RFC 3339), when the server says.
    pub created: Option<String>,
    /// Content hash of the stored data.
    pub content_hash: String,
    /// The workloads whose pods read this Secret (filled in by [`SecretStore::status`]).
    pub workloads: Vec<WorkloadUse>,
}

impl StatusEntry {
    /// The secret's name.
    pub fn name(&self) -> &str {
        self.secret.name()
    }

    /// The provider the secret was made from, when one was.
    pub fn provider(&self) -> Option<&str> {
        self.secret.provider()
    }
}

/// Filters for [`SecretStore::status`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusOptions {
    /// Every namespace's secrets, not only the store's namespace's.
    pub all_namespaces: bool,
    /// Only secrets of these providers (all when empty).
    pub providers: Vec<String>,
}

impl SecretStore {
    /// The owner's kt-secrets Secrets with the workloads that read each, sorted by namespace
    /// and object name. One list request per resource kind (Secrets, and the six kinds of
    /// [`SecretStore::workloads`]), however many secrets and pods there are.
    pub async fn status(&self, options: &StatusOptions) -> Result<Vec<StatusEntry>> {
        validate_owner(self.owner())?;
        let mut entries = self.owned_secrets(options).await?;
        if entries.is_empty() {
            return Ok(entries);
        }
        let workloads = self.workloads(options.all_namespaces).await?;
        for e in &mut entries {
            e.workloads = uses(&workloads, &e.namespace, &e.object_name, &e.content_hash);
        }
        Ok(entries)
    }

    /// The owner's Secrets written by kt-secrets (they carry the mount list), decoded. One
    /// request.
    pub(crate) async fn owned_secrets(&self, options: &StatusOptions) -> Result<Vec<StatusEntry>> {
        let (api, target): (Api<KubeSecret>, Target) = if options.all_namespaces {
            (Api::all(self.client().clone()), Target::all_namespaces())
        } else {
            validate_namespace(self.namespace())?;
            (
                Api::namespaced(self.client().clone(), self.namespace()),
                Target::namespace(self.namespace()),
            )
        };
        let params = ListParams::default();
        let list = self
            .call(|| api.list(&params))
            .await
            .map_err(|(f, n)| f.into_error(target, n, self.server()))?;
        let now = k8s_openapi::jiff::Timestamp::now();
        let own = format!("{}{}.", manifest::OBJECT_PREFIX, self.owner());
        // Guarded before anything is read of them, so the `?` below wipes them all.
        let objects: Vec<ObjectGuard> = list.items.into_iter().map(ObjectGuard::new).collect();
        let mut out = Vec::new();
        let refs: Vec<&KubeSecret> = objects.iter().map(|o| &**o).collect();
        // A secret of env vars and files is two objects, one entry (crate::pair).
        for (i, env) in crate::pair::group(&refs) {
            if let Some(mut e) = entry_of(refs[i], &own, self.owner(), options, now)? {
                if let Some(j) = env {
                    e.secret = crate::pair::join(refs[i], refs[j])?;
                    e.content_hash = e.secret.data().content_hash();
                }
                out.push(e);
            }
        }
        out.sort_by(|a, b| (&a.namespace, &a.object_name).cmp(&(&b.namespace, &b.object_name)));
        Ok(out)
    }
}

fn entry_of(
    obj: &KubeSecret,
    own_prefix: &str,
    owner: &str,
    options: &StatusOptions,
    now: k8s_openapi::jiff::Timestamp,
) -> Result<Option<StatusEntry>> {
    let object_name = obj.metadata.name.clone().unwrap_or_default();
    let managed = obj
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(manifest::ANNOTATION_MOUNTS));
    // A user's provider secrets are `<user>-<provider>`, as Kubetorch names them
    // (manifest::object_name_of); the username label says whose they are.
    let labelled = obj
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(manifest::LABEL_USERNAME))
        .is_some_and(|u| u == owner);
    if !managed || !(object_name.starts_with(own_prefix) || labelled) {
        return Ok(None);
    }
    let secret = manifest::from_manifest(obj)?;
    if !options.providers.is_empty()
        && !secret
            .provider()
            .is_some_and(|p| options.providers.iter().any(|w| w == p))
    {
        return Ok(None);
    }
    let age_s = obj
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| now.as_second().saturating_sub(t.0.as_second()).max(0));
    Ok(Some(StatusEntry {
        content_hash: secret.data().content_hash(),
        secret,
        namespace: obj.metadata.namespace.clone().unwrap_or_default(),
        object_name,
        age_s,
        created: obj
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string()),
        workloads: Vec::new(),
    }))
}

fn uses(workloads: &[Workload], ns: &str, object: &str, hash: &str) -> Vec<WorkloadUse> {
    workloads
        .iter()
        .filter(|w| w.namespace == ns && w.secrets.contains(object))
        .map(|w| WorkloadUse {
            kind: w.kind,
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            stale: w.is_stale(object, hash),
        })
        .collect()
}

/// Files larger than a Secret can hold are not read: they cannot be what was stored.
const MAX_ORIGIN_FILE: u64 = manifest::MAX_DATA_SIZE as u64;

/// The files a secret's values came from.
fn origin_files(s: &Secret) -> std::collections::BTreeSet<&Path> {
    s.origins()
        .values()
        .filter_map(|o| match o {
            Origin::File(p) => Some(p.as_path()),
            _ => None,
        })
        .collect()
}

/// `stored`'s provider resolved again here, the way `stored` was: from the provider's usual
/// places, or, when those give other files than `stored` came from and all of those share a
/// directory, from that directory (a secret made with `create --provider P --path DIR`).
pub async fn resolve_again(
    registry: &Registry,
    ctx: &ResolveContext,
    stored: &Secret,
) -> kt_secrets_core::Result<Secret> {
    let provider = stored.provider().unwrap_or_default();
    let usual = Secret::from_provider_in(registry, ctx, provider, Some(stored.name())).await;
    let was = origin_files(stored);
    let same_files = |s: &Secret| origin_files(s) == was;
    if was.is_empty() || usual.as_ref().is_ok_and(same_files) {
        return usual;
    }
    let mut dirs = was.iter().filter_map(|p| p.parent());
    let Some(dir) = dirs.next() else {
        return usual;
    };
    if !dirs.all(|d| d == dir) || ctx.home().join(".") == dir.join(".") {
        return usual;
    }
    let from_dir = ctx.clone().with_path(dir);
    match Secret::from_provider_in(registry, &from_dir, provider, Some(stored.name())).await {
        Ok(s) if same_files(&s) => Ok(s),
        _ => usual,
    }
}

/// How stored secrets compare with their local sources; see [`LocalCheck::check`].
pub struct LocalCheck<'a> {
    registry: &'a Registry,
    ctx: &'a ResolveContext,
    env_file: &'a (dyn Fn(&Path) -> Option<SecretData> + Sync),
}

impl fmt::Debug for LocalCheck<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCheck")
            .field("registry", &self.registry)
            .field("ctx", &self.ctx)
            .finish_non_exhaustive()
    }
}

impl<'a> LocalCheck<'a> {
    /// `env_file` parses a dotenv file (`--from-env-file`) into its keys and values, or
    /// `None` when it cannot.
    pub fn new(
        registry: &'a Registry,
        ctx: &'a ResolveContext,
        env_file: &'a (dyn Fn(&Path) -> Option<SecretData> + Sync),
    ) -> Self {
        LocalCheck {
            registry,
            ctx,
            env_file,
        }
    }

    /// How `stored` compares with its local sources.
    ///
    /// - A provider's secret: the provider is resolved again through the context and the
    ///   content hashes compared (`absent` when it finds nothing; `changed` when it fails
    ///   otherwise, as the credentials here are then not what was stored).
    /// - Otherwise each key by its origin: an env var (read through the context), or a file
    ///   while it exists; a file that is the key's value (`--path`) is compared whole, any
    ///   other is read as a dotenv file (`--from-env-file`). Special files (FIFOs, devices)
    ///   are never opened.
    /// - Literal values and values of other tools: `n/a`.
    pub async fn check(&mut self, stored: &Secret) -> Local {
        if let Some(provider) = stored.provider().filter(|p| self.registry.contains(p)) {
            return match resolve_again(self.registry, self.ctx, stored).await {
                Ok(local) if local.data().content_hash() == stored.data().content_hash() => {
                    Local::Same
                }
                Ok(_) => Local::Changed,
                Err(e) if e.is_nothing_found() => Local::Absent,
                Err(e) => {
                    tracing::debug!(provider, "re-resolving failed: {e}");
                    Local::Changed
                }
            };
        }
        let mut state = Local::NotApplicable;
        let mut env_files: BTreeMap<&Path, Option<SecretData>> = BTreeMap::new();
        for (key, origin) in stored.origins() {
            let Some(value) = stored.data().get(key) else {
                continue;
            };
            let this = match origin {
                Origin::Env(var) => match self.ctx.env(var) {
                    Some(v) if v.as_bytes() == value.expose() => Local::Same,
                    Some(_) => Local::Changed,
                    None => Local::Absent,
                },
                Origin::File(path) => match read_regular(path) {
                    FileState::Missing => Local::Absent,
                    FileState::Unusable => Local::NotApplicable,
                    FileState::Bytes(b) if b.as_slice() == value.expose() => Local::Same,
                    FileState::Bytes(_) => {
                        let parsed = env_files
                            .entry(path.as_path())
                            .or_insert_with(|| (self.env_file)(path));
                        match parsed.as_ref().map(|d| d.get(key)) {
                            Some(Some(v)) if v == value => Local::Same,
                            Some(None) => Local::Absent,
                            _ => Local::Changed,
                        }
                    }
                },
                _ => Local::NotApplicable,
            };
            state = worst(state, this);
        }
        state
    }
}

/// [`LocalCheck::check`] for one secret.
pub async fn local_state(
    stored: &Secret,
    registry: &Registry,
    ctx: &ResolveContext,
    env_file: &(dyn Fn(&Path) -> Option<SecretData> + Sync),
) -> Local {
    LocalCheck::new(registry, ctx, env_file).check(stored).await
}

/// `changed` beats `absent` beats `same` beats `n/a`: one changed key makes the secret changed.
fn worst(a: Local, b: Local) -> Local {
    let rank = |l: Local| match l {
        Local::NotApplicable => 0,
        Local::Same => 1,
        Local::Absent => 2,
        Local::Changed => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

enum FileState {
    Missing,
    /// Not a regular file, unreadable or too large.
    Unusable,
    Bytes(zeroize::Zeroizing<Vec<u8>>),
}

fn read_regular(path: &Path) -> FileState {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
        Ok(m) if m.is_file() && m.len() <= MAX_ORIGIN_FILE => {
            let mut buf = zeroize::Zeroizing::new(Vec::new());
            match std::fs::File::open(path)
                .and_then(|f| f.take(MAX_ORIGIN_FILE + 1).read_to_end(&mut buf))
            {
                Ok(_) => FileState::Bytes(buf),
                Err(_) => FileState::Unusable,
            }
        }
        _ => FileState::Unusable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_secrets_core::{Mount, Resolved};

    fn stored(origins: Vec<(&str, &str, Origin)>) -> Secret {
        let mut r = Resolved::new();
        for (k, v, o) in origins {
            r.add(k, v, o).unwrap();
            r.mounts.push(Mount::env(k, k));
        }
        Secret::from_parts("s", None, r).unwrap()
    }

    fn no_env_file(_: &Path) -> Option<SecretData> {
        None
    }

    #[tokio::test]
    async fn env_and_file_origins_compare_while_the_source_exists() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::empty();
        let ctx = ResolveContext::new(dir.path()).with_env("LOCAL_KEY", "v1");
        let s = stored(vec![("KEY", "v1", Origin::Env("LOCAL_KEY".into()))]);
        assert_eq!(
            local_state(&s, &registry, &ctx, &no_env_file).await,
            Local::Same
        );
        let ctx2 = ctx.clone().with_env("LOCAL_KEY", "v2");
        assert_eq!(
            local_state(&s, &registry, &ctx2, &no_env_file).await,
            Local::Changed
        );
        let ctx3 = ctx.clone().without_env("LOCAL_KEY");
        assert_eq!(
            local_state(&s, &registry, &ctx3, &no_env_file).await,
            Local::Absent
        );

        let file = dir.path().join("token");
        std::fs::write(&file, "file-v1").unwrap();
        let s = stored(vec![("token", "file-v1", Origin::File(file.clone()))]);
        assert_eq!(
            local_state(&s, &registry, &ctx, &no_env_file).await,
            Local::Same
        );
        std::fs::write(&file, "file-v2").unwrap();
        assert_eq!(
            local_state(&s, &registry, &ctx, &no_env_file).await,
            Local::Changed
        );
        std::fs::remove_file(&file).unwrap();
        assert_eq!(
            local_state(&s, &registry, &ctx, &no_env_file).await,
            Local::Absent
        );

        let lit = stored(vec![("KEY", "x", Origin::Literal)]);
        assert_eq!(
            local_state(&lit, &registry, &ctx, &no_env_file).await,
            Local::NotApplicable
        );
    }

    #[tokio::test]
    async fn env_file_origins_are_read_once_and_special_files_never() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::empty();
        let ctx = ResolveContext::new(dir.path());
        let env = dir.path().join(".env");
        std::fs::write(&env, "A=1\nB=2\n").unwrap();
        let s = stored(vec![
            ("A", "1", Origin::File(env.clone())),
            ("B", "2", Origin::File(env.clone())),
        ]);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let parse = |p: &Path| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let text = std::fs::read_to_string(p).ok()?;
            let mut d = SecretData::new();
            for line in text.lines() {
                let (k, v) = line.split_once('=')?;
                d.insert(k, v).ok()?;
            }
            Some(d)
        };
        assert_eq!(local_state(&s, &registry, &ctx, &parse).await, Local::Same);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        std::fs::write(&env, "A=1\nB=3\n").unwrap();
        assert_eq!(
            local_state(&s, &registry, &ctx, &parse).await,
            Local::Changed
        );
        std::fs::write(&env, "A=1\n").unwrap();
        assert_eq!(
            local_state(&s, &registry, &ctx, &parse).await,
            Local::Absent
        );

        // A FIFO would block a reader forever; it is not opened.
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let s = stored(vec![("k", "v", Origin::File(fifo))]);
        assert_eq!(
            local_state(&s, &registry, &ctx, &no_env_file).await,
            Local::NotApplicable
        );
    }
}
