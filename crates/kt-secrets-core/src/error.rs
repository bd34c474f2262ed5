//! The error of the secret model and of providers: every variant names the file, key, env
//! var, flag or provider at fault, and none carries a value.

use std::path::PathBuf;
use std::sync::Arc;

/// Everything that can go wrong while building or resolving a secret.
///
/// Every variant names the file, key, env var, flag or provider at fault. None carries a
/// secret value: messages are built from names and paths only, so an error can be logged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A secret was given none of its sources.
    #[error(
        "no source for secret{}: give exactly one of provider, values, path or env_vars",
        fmt_name(.name)
    )]
    NoSource {
        /// The secret's name, if it has one yet.
        name: Option<String>,
    },

    /// A secret was given more than one source.
    #[error(
        "secret{} has {} sources ({}): give exactly one of provider, values, path or env_vars",
        fmt_name(.name), .given.len(), .given.join(" + ")
    )]
    MultipleSources {
        /// The secret's name, if it has one yet.
        name: Option<String>,
        /// The sources given (`provider`, `values`, `path`, `env_vars`).
        given: Vec<&'static str>,
    },

    /// A secret needs a name that nothing gave it.
    #[error("secret name is required{}", .context.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    NameRequired {
        /// Why no name could be derived, when that helps.
        context: Option<String>,
    },

    /// A secret (or provider) name that Kubernetes or kubetorch would refuse.
    #[error("invalid secret name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// The rule it breaks.
        reason: String,
    },

    /// A data key that the API server would refuse.
    #[error("invalid data key {key:?}: {reason}")]
    InvalidKey {
        /// The key as given.
        key: String,
        /// The rule it breaks.
        reason: String,
    },

    /// One data key given twice.
    #[error("duplicate data key {key:?}")]
    DuplicateKey {
        /// The key.
        key: String,
    },

    /// A name that cannot be an env var in a container.
    #[error("invalid env var name {var:?}: {reason}")]
    InvalidEnvVar {
        /// The name as given.
        var: String,
        /// The rule it breaks.
        reason: String,
    },

    /// A container path that cannot be mounted.
    #[error("invalid container path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// The rule it breaks.
        reason: String,
    },

    /// A mount reads a data key the secret does not have.
    #[error("mount refers to data key {key:?}, which the secret does not have")]
    MountKeyMissing {
        /// The missing key.
        key: String,
    },

    /// A local env var that a secret reads is not set.
    #[error("env var {var} is not set")]
    EnvUnset {
        /// The env var.
        var: String,
    },

    /// A local env var that a secret reads is set to the empty string.
    #[error("env var {var} is set but empty")]
    EnvEmpty {
        /// The env var.
        var: String,
    },

    /// What names a local env var is no env var name, so it may be a value pasted in its
    /// place: it is withheld.
    #[error(
        "the local env var for key {key} is not set, and what names it is not an env var name: \
         it is not repeated here, as it may be a value; give the name of the env var that holds \
         the value"
    )]
    EnvNameWithheld {
        /// The data key whose source it is.
        key: String,
    },

    /// A file that was named does not exist.
    #[error("{} does not exist", .path.display())]
    FileNotFound {
        /// The file.
        path: PathBuf,
    },

    /// A directory where a file was expected.
    #[error("{} is a directory, expected a file", .path.display())]
    IsADirectory {
        /// The directory.
        path: PathBuf,
    },

    /// Something that is neither a regular file nor a directory, inside a tree being read.
    #[error("{} is not a regular file or directory", .path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },

    /// A FIFO, socket or device where a file was expected: never read, as a read could block
    /// forever or never end.
    #[error("{} is a {kind}, not a regular file; it was not read", .path.display())]
    SpecialFile {
        /// The path.
        path: PathBuf,
        /// `FIFO`, `socket`, `device`.
        kind: &'static str,
    },

    /// A file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// A file or value is not in the format expected; the detail gives a position, never the
    /// content.
    #[error("cannot parse {what}: {detail}")]
    Parse {
        /// What was parsed (a file, a flag).
        what: String,
        /// Where and why, without the content.
        detail: String,
    },

    /// A provider found no credentials in any of the places it looks.
    #[error("provider {provider}: nothing found; looked in {}", .looked.join(", "))]
    NothingFound {
        /// The provider.
        provider: String,
        /// Every place looked, in order (`env OPENAI_API_KEY`, `~/.aws/credentials`).
        looked: Vec<String>,
    },

    /// A provider found credentials that are broken, or could not use what it found.
    ///
    /// Built with [`Error::provider`], or [`Error::provider_in`] when one file is at fault.
    #[error("provider {provider}: {}{message}", fmt_path(.path))]
    #[non_exhaustive]
    Provider {
        /// The provider.
        provider: String,
        /// The file at fault, when one is; shown before the message.
        path: Option<PathBuf>,
        /// What is wrong, naming the key or env var (and the file, when it is not `path`).
        message: String,
    },

    /// The process-wide registry could not be built (two linked provider crates claim one
    /// name, say), so no provider can be looked up by name in it.
    #[error("provider registry: {source}")]
    RegistryUnavailable {
        /// Why the registry could not be built. Shared: every call to
        /// [`Registry::global`](crate::Registry::global) answers with the same error.
        source: Arc<Error>,
    },

    /// No provider of that name is registered.
    #[error("unknown provider {name:?}; known providers: {}", .known.join(", "))]
    UnknownProvider {
        /// The name asked for.
        name: String,
        /// The registered names.
        known: Vec<String>,
    },

    /// Two providers registered under one name.
    #[error("provider name {name:?} is registered twice: by {first} and by {second}")]
    DuplicateProvider {
        /// The name.
        name: String,
        /// Where the first came from.
        first: String,
        /// Where the second came from.
        second: String,
    },

    /// A plugin, or a directory of plugins, was left out.
    #[error("plugin {}: {source}", .path.display())]
    Plugin {
        /// The library or directory.
        path: PathBuf,
        /// Why.
        source: crate::plugin::PluginError,
    },
}

fn fmt_path(path: &Option<PathBuf>) -> String {
    path.as_deref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
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

    /// What a provider says when what it found is broken or unusable: `message` names the
    /// key, env var or file at fault, and never holds a value.
    pub fn provider(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Provider {
            provider: provider.into(),
            path: None,
            message: message.into(),
        }
    }

    /// As [`Error::provider`], for a fault in the file `path`, which the error shows before
    /// `message`.
    pub fn provider_in(
        provider: impl Into<String>,
        path: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Error::Provider {
            provider: provider.into(),
            path: Some(path.into()),
            message: message.into(),
        }
    }

    pub(crate) fn unreadable(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Unreadable {
            path: path.into(),
            source,
        }
    }
}

/// A result whose error is the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_error_shows_the_file_at_fault_before_the_message() {
        let e = Error::provider_in("demo", "/home/me/.demo/config", "not valid UTF-8");
        assert_eq!(
            e.to_string(),
            "provider demo: /home/me/.demo/config: not valid UTF-8"
        );
        assert_eq!(
            Error::provider("demo", "broken").to_string(),
            "provider demo: broken"
        );
    }
}
