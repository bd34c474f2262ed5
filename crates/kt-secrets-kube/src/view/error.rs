//! [`ViewError`]: what can keep a container view from being built.

use std::path::{Path, PathBuf};

use crate::compute::CONTAINER_NAME;

/// What can keep a view from being built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    #[error("the rendered pod has no container {CONTAINER_NAME:?}")]
    NoContainer,

    #[error("{what} reads Secret {object:?}, which is not one of the compute's secrets")]
    UnknownSecret { what: String, object: String },

    #[error("{what} reads key {key:?} of Secret {object:?}, which has no such key")]
    MissingKey {
        what: String,
        object: String,
        key: String,
    },

    #[error("volume mount at {mount_path} names volume {volume:?}, which the pod does not have")]
    UnknownVolume { mount_path: String, volume: String },

    #[error("volume {volume:?} is not a secret volume; only secret volumes can be materialised")]
    NotASecretVolume { volume: String },

    #[error(
        "volume mount at {mount_path} takes subPath {sub_path:?}, which is not an item of \
         volume {volume:?}"
    )]
    UnknownSubPath {
        mount_path: String,
        volume: String,
        sub_path: String,
    },

    #[error("container path {path:?} cannot be materialised: {reason}")]
    BadPath { path: String, reason: String },

    #[error("env var {var} comes from a source other than a value or a secretKeyRef")]
    UnsupportedEnvSource { var: String },

    #[error("env var {var}: its value contains a NUL byte, which no process environment holds")]
    NulInEnv { var: String },

    #[error("{path} must be an empty directory to hold the container view")]
    NotEmpty { path: PathBuf },

    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ViewError {
    pub(super) fn io(path: &Path, source: std::io::Error) -> Self {
        ViewError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
