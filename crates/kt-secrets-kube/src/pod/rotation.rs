//! Whether a change of a Secret reaches running pods: the keys kubelet keeps current in a
//! live directory, and those that need a rollout.

use std::collections::BTreeSet;
use std::fmt;

use kt_secrets_core::{Mount, Secret};

use super::{MountPlanner, MountedSecret, live_dir};

/// Files that an SDK reads from a fixed path unless an env var names another: a secret with a
/// file at such a path also gets the env var, pointing at its copy in [`live_dir`].
///
/// - botocore (`botocore/configprovider.py`, `BOTOCORE_DEFAUT_SESSION_VARIABLES`):
///   `credentials_file` is `AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`;
///   `config_file` is `AWS_CONFIG_FILE`, default `~/.aws/config`. Every new `Session` reads
///   them again (`botocore/credentials.py`, `SharedCredentialProvider.load`, and
///   `Session.full_config`), and the AWS CLI and the other AWS SDKs honour the same vars.
///
/// Others need no entry here because their providers already set the env var as a
/// [`Mount::PathEnv`]: `GOOGLE_APPLICATION_CREDENTIALS` (google-auth,
/// `google/auth/_default.py`, `_get_explicit_environ_credentials`, read on each
/// `google.auth.default()`), `KUBECONFIG` (client-go `clientcmd`, and the Python client's
/// `load_kube_config`, read on each load). `AZURE_CONFIG_DIR` names a directory the Azure CLI
/// writes to, so it stays on the image's writable path, and Hugging Face's token reaches the
/// pod as `HF_TOKEN`, which `huggingface_hub` prefers to `HF_TOKEN_PATH`
/// (`huggingface_hub/utils/_auth.py`, `get_token`): both need a rollout.
pub const SDK_FILE_ENVS: &[(&str, &str)] = &[
    ("~/.aws/credentials", "AWS_SHARED_CREDENTIALS_FILE"),
    ("~/.aws/config", "AWS_CONFIG_FILE"),
];

/// Whether a change of a Secret reaches running pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Every key reaches the pod as a file that an env var names in [`live_dir`]: kubelet
    /// updates it in place (within its sync period), and the SDK reads it again.
    Live,
    /// Some keys do; the others (env vars from `secretKeyRef`, files at fixed paths) need
    /// `sync --rollout`.
    Partial,
    /// None does: every change needs `sync --rollout` (env vars are read at container start,
    /// and kubelet never updates `subPath` files).
    Rollout,
}

impl Rotation {
    /// `live`, `partial` or `rollout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rotation::Live => "live",
            Rotation::Partial => "partial",
            Rotation::Rollout => "rollout",
        }
    }

    fn of(live: usize, other: usize) -> Rotation {
        match (live, other) {
            (0, _) => Rotation::Rollout,
            (_, 0) => Rotation::Live,
            _ => Rotation::Partial,
        }
    }
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rotation::Live => "live",
            Rotation::Partial => "partly live",
            Rotation::Rollout => "needs --rollout",
        })
    }
}

/// The keys of `secret` that reach a pod live (see [`Rotation::Live`]), as
/// [`MountPlanner::secret`] mounts them.
pub fn live_keys(secret: &Secret) -> BTreeSet<String> {
    let m = MountedSecret::managed(secret.clone(), crate::manifest::GLOBAL_OWNER);
    let mut p = match MountPlanner::new(kt_secrets_core::DEFAULT_CONTAINER_HOME) {
        Ok(p) => p,
        Err(_) => return BTreeSet::new(),
    };
    if p.secret(&m).is_err() {
        return BTreeSet::new();
    }
    let out = p.finish();
    let dir = format!("{}/", live_dir(&m.object_name));
    let named: BTreeSet<&str> = out
        .env
        .iter()
        .filter_map(|e| e.value.as_deref())
        .filter_map(|v| v.strip_prefix(&dir))
        .collect();
    let items = out
        .volumes
        .iter()
        .filter_map(|v| v.secret.as_ref())
        .flat_map(|s| s.items.iter().flatten());
    items
        .filter(|i| named.contains(i.path.as_str()))
        .map(|i| i.key.clone())
        .collect()
}

/// How a change of `secret` reaches running pods.
pub fn rotation(secret: &Secret) -> Rotation {
    let live = live_keys(secret);
    let mounted: BTreeSet<&str> = secret.mounts().iter().filter_map(Mount::key).collect();
    Rotation::of(
        live.len(),
        mounted.iter().filter(|k| !live.contains(**k)).count(),
    )
}

/// [`rotation`] from a provider's description ([`kt_secrets_core::ProviderInfo::targets`]:
/// `file PATH (MODE)`, `env VAR=PATH`, `env VAR`), for what it gives when it finds its files.
pub fn rotation_of_targets(targets: &[String]) -> Rotation {
    let mut files = Vec::new();
    let mut named = BTreeSet::new();
    let mut secret_env = 0;
    for t in targets {
        if let Some(rest) = t.strip_prefix("file ") {
            files.push(rest.split_whitespace().next().unwrap_or_default());
        } else if let Some(rest) = t.strip_prefix("env ") {
            let word = rest.split_whitespace().next().unwrap_or_default();
            match word.split_once('=') {
                Some((_, path)) => {
                    named.insert(path);
                }
                None => secret_env += 1,
            }
        }
    }
    let live = files
        .iter()
        .filter(|f| named.contains(**f) || SDK_FILE_ENVS.iter().any(|(p, _)| p == *f))
        .count();
    Rotation::of(live, files.len() - live + secret_env)
}
