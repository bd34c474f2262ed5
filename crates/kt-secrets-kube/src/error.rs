//! The error of the Kubernetes side, and the [`Target`] (object, namespace) each one is about.

use std::fmt;
use std::path::PathBuf;

/// What an operation was acting on: one object in a namespace, or secrets of a namespace or of
/// all namespaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Object name, when the operation is about one object.
    pub object: Option<String>,
    /// `None` means all namespaces.
    pub namespace: Option<String>,
}

impl Target {
    pub fn object(object: impl Into<String>, namespace: impl Into<String>) -> Target {
        Target {
            object: Some(object.into()),
            namespace: Some(namespace.into()),
        }
    }

    pub fn namespace(namespace: impl Into<String>) -> Target {
        Target {
            object: None,
            namespace: Some(namespace.into()),
        }
    }

    pub fn all_namespaces() -> Target {
        Target {
            object: None,
            namespace: None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.object, &self.namespace) {
            (Some(o), Some(ns)) => write!(f, "secret {o} in namespace {ns}"),
            (Some(o), None) => write!(f, "secret {o}"),
            (None, Some(ns)) => write!(f, "secrets in namespace {ns}"),
            (None, None) => f.write_str("secrets in all namespaces"),
        }
    }
}

/// Everything the Kubernetes side can fail with.
///
/// Messages name the secret, object and namespace (and the data keys at fault), never a value.
/// Server messages are passed through: the API server does not echo Secret data in them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Client-side validation failed; nothing was sent.
    #[error("{subject}: {reason} (nothing was sent to the API server)")]
    Invalid { subject: String, reason: String },

    /// The data or annotations are over the API server's size limit; nothing was sent. Apart
    /// from [`Error::Invalid`] because the cause is what was read, not what was typed.
    #[error("{subject}: {reason} (nothing was sent to the API server)")]
    TooLarge { subject: String, reason: String },

    /// A secret could not be built or resolved (the core's error, unchanged).
    #[error(transparent)]
    Core(#[from] kt_secrets_core::Error),

    /// The kubeconfig could not be read or used (file, context, credentials).
    #[error(
        "kubeconfig{}{}: {detail}",
        .path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default(),
        .context.as_deref().map(|c| format!(", context {c}")).unwrap_or_default()
    )]
    Kubeconfig {
        path: Option<PathBuf>,
        context: Option<String>,
        detail: String,
    },

    /// No such Secret object: kt-secrets' object name and the other names tried.
    #[error("{target} not found (looked for {})", .tried.join(", "))]
    NotFound { target: Target, tried: Vec<String> },

    /// The object exists with other data and the secret does not allow override.
    #[error(
        "{target}, written by {writer}, already exists with different data in key(s) {} and \
         secret {name} does not allow override; nothing was written (to replace it: {replace})",
        .keys.join(", ")
    )]
    DataDiffers {
        target: Target,
        name: String,
        keys: Box<[String]>,
        /// Who wrote the object.
        writer: crate::manifest::Writer,
        /// What replaces it with this secret (boxed: keeps the error small).
        replace: Box<str>,
    },

    /// The API server refused the credentials or the permission (401, 403).
    #[error("{target}: access denied by the API server ({code}): {message}")]
    Forbidden {
        target: Target,
        code: u16,
        message: String,
    },

    /// Concurrent writers kept changing the object through every retry.
    #[error("{target}: still conflicting with concurrent writers after {attempts} attempts")]
    Conflict { target: Target, attempts: u32 },

    /// The API server refused the object as invalid (422).
    #[error("{target}: rejected by the API server as invalid: {message}")]
    Rejected { target: Target, message: String },

    /// The API server could not be reached through every retry.
    #[error(
        "{target}: cannot reach the API server{} after {attempts} attempt(s): {detail}",
        .server.as_deref().map(|s| format!(" at {s}")).unwrap_or_default()
    )]
    Unreachable {
        target: Target,
        server: Option<String>,
        attempts: u32,
        detail: String,
    },

    /// The API server kept failing (5xx, 429) through every retry.
    #[error("{target}: API server error {code} after {attempts} attempt(s): {message}")]
    Server {
        target: Target,
        code: u16,
        message: String,
        attempts: u32,
    },

    /// An answer of the API server that none of the other variants describes.
    #[error("{target}: unexpected API answer{}: {message}", .code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Api {
        target: Target,
        code: Option<u16>,
        message: String,
    },

    /// A write whose answer was lost (an API server error or no answer), after which the
    /// retry cannot tell whether that write landed: the server never said what happened, so
    /// no outcome is claimed.
    #[error("{target}: {operation} not confirmed by the API server: {detail}")]
    Unconfirmed {
        target: Target,
        operation: &'static str,
        detail: &'static str,
    },

    /// An object exists but our annotations on it cannot be read back.
    #[error("{target}: {detail}")]
    Corrupt { target: Target, detail: String },

    /// An object could not be written as JSON or YAML ([`crate::render`]).
    #[error("cannot write {what}: {detail}")]
    Render { what: &'static str, detail: String },
}

impl Error {
    /// The object or namespace this error is about, when it is about one.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Error::NotFound { target, .. }
            | Error::DataDiffers { target, .. }
            | Error::Forbidden { target, .. }
            | Error::Conflict { target, .. }
            | Error::Rejected { target, .. }
            | Error::Unreachable { target, .. }
            | Error::Server { target, .. }
            | Error::Api { target, .. }
            | Error::Unconfirmed { target, .. }
            | Error::Corrupt { target, .. } => Some(target),
            Error::Invalid { .. }
            | Error::TooLarge { .. }
            | Error::Core(_)
            | Error::Kubeconfig { .. }
            | Error::Render { .. } => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether only a different request can fix this (see [`kt_secrets_core::Error::is_usage`]).
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Core(e) => e.is_usage(),
            // Client-side checks of names, namespaces and label lengths; sizes are TooLarge.
            Error::Invalid { .. } => true,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<kt_secrets_core::validate::Invalid> for Error {
    fn from(e: kt_secrets_core::validate::Invalid) -> Self {
        Error::Invalid {
            subject: e.subject,
            reason: e.reason,
        }
    }
}
