//! The error of the secret model and of providers: every variant names the file, key, env
//! var, flag or provider at fault, and none carries a value.

use std::path::PathBuf;

/// Everything that can go wrong while building or resolving a secret.
///
/// Every variant names the file, key, env var, flag or provider at fault. None carries a
/// secret value: messages are built from names and paths only, so an error can be logged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(
        "no source for secret{}: give exactly one of provider, values, path or env_vars",
        fmt_name(.name)
    )]
    NoSource { name: Option<String> },

    #[error(
        "secret{} has {} sources ({}): give exactly one of provider, values, path or env_vars",
        fmt_name(.name), .given.len(), .given.join(" + ")
    )]
    MultipleSources {
        name: Option<String>,
        given: Vec<&'static str>,
    },

    #[error("secret name is required{}", .context.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    NameRequired { context: Option<String> },

    #[error("invalid secret name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("invalid data key {key:?}: {reason}")]
    InvalidKey { key: String, reason: String },

    #[error("duplicate data key {key:?}")]
    DuplicateKey { key: String },

    #[error("invalid env var name {var:?}: {reason}")]
    InvalidEnvVar { var: String, reason: String },

    #[error("invalid container path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },

    #[error("mount refers to data key {key:?}, which the secret does not have")]
    MountKeyMissing { key: String },

    #[error("env var {var} is not set")]
    EnvUnset { var: String },

    #[error("env var {var} is set but empty")]
    EnvEmpty { var: String },

    #[error(
        "the local env var for key {key} is not set, and what names it is not an env var name: \
         it is not repeated here, as it may be a value; give the name of the env var that holds \
         the value"
    )]
    EnvNameWithheld { key: String },

    #[error("{} does not exist", .path.display())]
    FileNotFound { path: PathBuf },

    #[error("{} is a directory, expected a file", .path.display())]
    IsADirectory { path: PathBuf },

    #[error("{} is not a regular file or directory", .path.display())]
    NotAFile { path: PathBuf },

    /// A FIFO, socket or device where a file was expected: never read, as a read could block
    /// forever or never end.
    #[error("{} is a {kind}, not a regular file; it was not read", .path.display())]
    SpecialFile { path: PathBuf, kind: &'static str },

    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot parse {what}: {detail}")]
    Parse { what: String, detail: String },

    #[error("provider {provider}: nothing found; looked in {}", .looked.join(", "))]
    NothingFound {
        provider: String,
        looked: Vec<String>,
    },

    #[error("provider {provider}: {message}")]
    Provider { provider: String, message: String },

    #[error("unknown provider {name:?}; known providers: {}", .known.join(", "))]
    UnknownProvider { name: String, known: Vec<String> },

    #[error("provider name {name:?} is registered twice: by {first} and by {second}")]
    DuplicateProvider {
        name: String,
        first: String,
        second: String,
    },

    #[error("plugin {}: {source}", .path.display())]
    Plugin {
        path: PathBuf,
        source: crate::plugin::PluginError,
    },
}

fn fmt_name(name: &Option<String>) -> String {
    name.as_deref()
        .map(|n| format!(" {n:?}"))
        .unwrap_or_default()
}

impl Error {
    /// Whether this error means "the provider found no credentials", as opposed to "found
    /// something broken". Precedence chains move on after the former and stop at the latter.
    pub fn is_nothing_found(&self) -> bool {
        matches!(self, Error::NothingFound { .. })
    }

    /// Whether only a different request can fix this: a name, key, env var or path that is
    /// not allowed, sources that are missing or combined, an unknown provider. A command line
    /// exits with its usage status (2) for these.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::NoSource { .. }
                | Error::MultipleSources { .. }
                | Error::NameRequired { .. }
                | Error::InvalidName { .. }
                | Error::InvalidKey { .. }
                | Error::DuplicateKey { .. }
                | Error::InvalidEnvVar { .. }
                | Error::EnvNameWithheld { .. }
                | Error::InvalidPath { .. }
                | Error::UnknownProvider { .. }
        )
    }

    pub(crate) fn unreadable(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Unreadable {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
