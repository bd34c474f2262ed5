//! How secrets appear in a pod: env vars read from the Secret (`secretKeyRef`), one secret
//! volume per secret with one item per file, and one volume mount per file.
//!
//! Files are mounted one by one with `subPath` rather than as a whole directory, because a
//! volume mounted over `~/.ssh` would hide what the image put there (`known_hosts`, `config`).
//! The price is that a `subPath` file does not follow later changes of the Secret; the pod
//! template carries each secret's content hash, so a changed secret can roll the pods. Where
//! an SDK finds its file through an env var, the whole volume is mounted too, as a directory
//! of its own that kubelet keeps current, and the env var points there
//! ([`MountPlanner::secret`]).
//!
//! [`MountPlanner`] (`planner`) lays the mounts out, [`MountError`] (`error`) is why a set of
//! secrets cannot share a pod, and [`Rotation`] (`rotation`) says which changes reach running
//! pods without a rollout.

mod error;
mod planner;
mod rotation;
#[cfg(test)]
mod tests;

use k8s_openapi::api::core::v1::{EnvVar, Volume, VolumeMount};
use kt_secrets_core::Secret;

pub use error::MountError;
pub use planner::MountPlanner;
pub use rotation::{Rotation, SDK_FILE_ENVS, live_keys, rotation, rotation_of_targets};

/// Where a secret's whole volume is mounted when an env var points into it: a directory of its
/// own, so the mount hides nothing of the image. One directory per Secret object
/// ([`live_dir`]).
pub const LIVE_ROOT: &str = "/var/run/kt-secrets";

/// The directory kubelet keeps current with the Secret `object_name`.
pub fn live_dir(object_name: &str) -> String {
    format!("{LIVE_ROOT}/{object_name}")
}

/// Whether the pod's secret is one we write, or one that already exists in the cluster and is
/// only referred to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Built locally (a `Secret` value or a provider); its manifest is part of what is applied.
    Managed,
    /// Read from the cluster by name; the pod refers to it as it is.
    Existing,
}

/// A secret as a pod refers to it: the Kubernetes object holding its data, and its mounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountedSecret {
    /// Name of the Kubernetes Secret object the pod reads.
    pub object_name: String,
    /// The secret: its data and where the pod wants each key.
    pub secret: Secret,
    /// Whether its object is written with the pod, or only referred to.
    pub ownership: Ownership,
    /// The object holding the keys of its env vars, when that is not `object_name`: a secret
    /// of env vars and files is a pair of objects ([`crate::pair`]).
    pub env_object_name: Option<String>,
}

impl MountedSecret {
    /// A secret written with the pod, as `owner`'s: its object is
    /// `kt.secret.<owner>.<name>` ([`manifest::object_name`](crate::manifest::object_name)).
    pub fn managed(secret: Secret, owner: &str) -> Self {
        let object_name = crate::manifest::object_name_of(&secret, owner);
        MountedSecret {
            env_object_name: crate::pair::split(&secret)
                .map(|_| crate::pair::env_object(&object_name)),
            object_name,
            secret,
            ownership: Ownership::Managed,
        }
    }

    /// A secret already in the cluster as the object `object_name`.
    pub fn existing(secret: Secret, object_name: impl Into<String>) -> Self {
        MountedSecret {
            object_name: object_name.into(),
            secret,
            ownership: Ownership::Existing,
            env_object_name: None,
        }
    }

    /// The same, with its env vars' keys in the object `env_object` (a pair's env half).
    pub fn with_env_object(mut self, env_object: Option<String>) -> Self {
        self.env_object_name = env_object;
        self
    }

    /// The object the `secretKeyRef` of each of its env vars names.
    pub fn env_object(&self) -> &str {
        self.env_object_name.as_deref().unwrap_or(&self.object_name)
    }

    /// The secret as clash errors name it.
    fn who(&self) -> String {
        format!("secret {:?}", self.secret.name())
    }
}

/// The container env vars, secret volumes and volume mounts that deliver a set of secrets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodMounts {
    /// The container's env vars: plain values, and `secretKeyRef`s into the secrets' objects.
    pub env: Vec<EnvVar>,
    /// One secret volume per secret with files.
    pub volumes: Vec<Volume>,
    /// One mount per file (`subPath`), and a secret's whole volume at its [`live_dir`].
    pub volume_mounts: Vec<VolumeMount>,
}

/// The env vars, volumes and volume mounts for `secrets`, after the plain env vars `env`
/// (attributed to `env_owner` in clash errors). `~` in container paths is `container_home`.
pub fn pod_mounts(
    env: &[(String, String)],
    env_owner: &str,
    secrets: &[MountedSecret],
    container_home: &str,
) -> Result<PodMounts, MountError> {
    let mut p = MountPlanner::new(container_home)?;
    for (k, v) in env {
        p.plain_env(k, v, env_owner)?;
    }
    for s in secrets {
        p.secret(s)?;
    }
    Ok(p.finish())
}
