//! Why a set of secrets cannot be mounted into one pod: two claims on one env var or file,
//! files nested in each other, a container home that is not valid.

/// Why a set of secrets cannot be mounted into one pod.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MountError {
    /// A mount or a plain env var that is not valid (an env var name, a container path).
    #[error(transparent)]
    Secret(#[from] kt_secrets_core::Error),

    /// Two sources claim one env var or container path.
    #[error("{claim} is claimed twice: by {first} and by {second}")]
    Clash {
        /// The env var or file claimed (`env var API_KEY`, `file /root/.k`).
        claim: String,
        /// Who claimed it first (`secret "aws"`, `the compute's env_vars`).
        first: String,
        /// Who claimed it again.
        second: String,
    },

    /// Two mounted files where one path is a directory of the other.
    #[error(
        "file {first_path} (from {first}) and file {second_path} (from {second}) cannot both \
         exist: one path is a directory of the other"
    )]
    NestedFiles {
        /// The path claimed first.
        first_path: String,
        /// Who claimed it.
        first: String,
        /// The path claimed second, inside or above `first_path`.
        second_path: String,
        /// Who claimed it.
        second: String,
    },

    /// What `~` means in the container is not an absolute path of plain components.
    #[error("invalid container home {home:?}: {reason}")]
    InvalidHome {
        /// The home as given.
        home: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl MountError {
    /// Whether only a different request can fix this: always, but for a core error that
    /// says otherwise (see [`kt_secrets_core::Error::is_usage`]).
    pub fn is_usage(&self) -> bool {
        match self {
            MountError::Secret(e) => e.is_usage(),
            MountError::Clash { .. }
            | MountError::NestedFiles { .. }
            | MountError::InvalidHome { .. } => true,
        }
    }
}
