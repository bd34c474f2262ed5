//! [`ViewError`]: what can keep a container view from being built.

use std::path::{Path, PathBuf};

use crate::compute::CONTAINER_NAME;

/// What can keep a view from being built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// The pod has no container [`CONTAINER_NAME`], the one a view is of.
    #[error("the rendered pod has no container {CONTAINER_NAME:?}")]
    NoContainer,

    /// An env var or volume reads a Secret object that none of the given secrets is.
    #[error("{what} reads Secret {object:?}, which is not one of the compute's secrets")]
    UnknownSecret {
        /// What reads it (`env var API_KEY`, `volume mount at /root/.aws/credentials`).
        what: String,
        /// The Secret object's name.
        object: String,
    },

    /// An env var or volume item reads a key that its Secret does not have.
    #[error("{what} reads key {key:?} of Secret {object:?}, which has no such key")]
    MissingKey {
        /// What reads it (`env var API_KEY`, `volume mount at /root/.aws/credentials`).
        what: String,
        /// The Secret object's name.
        object: String,
        /// The data key it lacks.
        key: String,
    },

    /// A volume mount names a volume that the pod does not have.
    #[error("volume mount at {mount_path} names volume {volume:?}, which the pod does not have")]
    UnknownVolume {
        /// Where the mount is in the container.
        mount_path: String,
        /// The volume name it gives.
        volume: String,
    },

    /// A mounted volume is not a secret volume (an `emptyDir`, a ConfigMap).
    #[error("volume {volume:?} is not a secret volume; only secret volumes can be materialised")]
    NotASecretVolume {
        /// The volume's name.
        volume: String,
    },

    /// A volume mount's `subPath` is not the path of an item of its volume.
    #[error(
        "volume mount at {mount_path} takes subPath {sub_path:?}, which is not an item of \
         volume {volume:?}"
    )]
    UnknownSubPath {
        /// Where the mount is in the container.
        mount_path: String,
        /// The volume's name.
        volume: String,
        /// The `subPath` it takes.
        sub_path: String,
    },

    /// A container path that would leave the view (relative, `..`, empty components) or
    /// collides with another mounted file.
    #[error("container path {path:?} cannot be materialised: {reason}")]
    BadPath {
        /// The container path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An env var read from a ConfigMap, a field or a resource, which a view does not have.
    #[error("env var {var} comes from a source other than a value or a secretKeyRef")]
    UnsupportedEnvSource {
        /// The env var's name.
        var: String,
    },

    /// An env var whose value holds a NUL byte.
    #[error("env var {var}: its value contains a NUL byte, which no process environment holds")]
    NulInEnv {
        /// The env var's name.
        var: String,
    },

    /// The directory given for the view is not empty.
    #[error("{path} must be an empty directory to hold the container view")]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },

    /// Creating, writing or removing a file or directory of the view failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
}

impl ViewError {
    /// An [`Io`](ViewError::Io) error at `path`.
    pub(super) fn io(path: &Path, source: std::io::Error) -> Self {
        ViewError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
