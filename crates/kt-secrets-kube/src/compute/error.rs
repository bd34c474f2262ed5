//! [`ComputeError`]: why a compute cannot be resolved or rendered.

use crate::pod::MountError;

/// Everything that can go wrong while resolving or rendering a compute.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComputeError {
    /// A secret could not be built or resolved.
    #[error(transparent)]
    Secret(#[from] kt_secrets_core::Error),

    /// Reading a Secret that already exists in the cluster failed.
    #[error(transparent)]
    Store(#[from] crate::Error),

    /// Secrets (or the compute's env vars) that cannot share one pod, or a container home
    /// that is not valid.
    #[error(transparent)]
    Mount(MountError),

    /// A secret of another namespace than the compute's.
    #[error(
        "secret {secret:?} is in namespace {secret_namespace:?}, but the compute {}; \
         a pod can only read Secrets of its own namespace",
        match .compute_namespace {
            Some(ns) => format!("runs in namespace {ns:?}"),
            None => "names no namespace".to_owned(),
        }
    )]
    NamespaceMismatch {
        /// The secret's name.
        secret: String,
        /// The secret's namespace.
        secret_namespace: String,
        /// The compute's namespace, if it names one.
        compute_namespace: Option<String>,
    },

    /// A name that is no provider, resolved without a cluster to read it from.
    #[error(
        "{name:?} is not a registered provider, and reading an existing Kubernetes secret needs \
         a cluster; known providers: {}",
        .known.join(", ")
    )]
    NeedsCluster {
        /// The name given.
        name: String,
        /// The registered providers' names.
        known: Vec<String>,
    },

    /// A setting of the compute (name, namespace, image, quantity, owner) that is not valid.
    #[error("invalid {field} {value:?}: {reason}")]
    InvalidSetting {
        /// The setting (`pod name`, `namespace`, `image`, `cpus`, `memory`).
        field: &'static str,
        /// Its value as given (settings are not secret).
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A plain env var value that cannot be given to a container.
    #[error("invalid value of env var {var}: {reason}")]
    InvalidEnvValue {
        /// The env var's name.
        var: String,
        /// What is wrong with its value (the value itself is not shown).
        reason: String,
    },
}

impl From<MountError> for ComputeError {
    /// A core error stays [`ComputeError::Secret`], however it was reached.
    fn from(e: MountError) -> Self {
        match e {
            MountError::Secret(e) => ComputeError::Secret(e),
            e => ComputeError::Mount(e),
        }
    }
}

impl ComputeError {
    /// Whether only a different request can fix this: a setting of the compute, secrets that
    /// cannot share its pod, a name that needs a cluster, or a usage error of a secret (see [`kt_secrets_core::Error::is_usage`]).
    pub fn is_usage(&self) -> bool {
        use ComputeError as C;
        match self {
            C::Secret(e) => e.is_usage(),
            C::Store(e) => e.is_usage(),
            C::Mount(e) => e.is_usage(),
            C::NeedsCluster { .. }
            | C::InvalidSetting { .. }
            | C::NamespaceMismatch { .. }
            | C::InvalidEnvValue { .. } => true,
        }
    }
}
