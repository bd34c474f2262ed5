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
    /// The object called `object` in `namespace`.
    pub fn object(object: impl Into<String>, namespace: impl Into<String>) -> Target {
        Target {
            object: Some(object.into()),
            namespace: Some(namespace.into()),
        }
    }

    /// The secrets of `namespace`, no one object (a listing).
    pub fn namespace(namespace: impl Into<String>) -> Target {
        Target {
            object: None,
            namespace: Some(namespace.into()),
        }
    }

    /// The secrets of every namespace (a listing with `--all-namespaces`).
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
    Invalid {
        /// What was checked, naming it: `namespace "Bad_NS"`, `secret db`.
        subject: String,
        /// The rule it breaks.
        reason: String,
    },

    /// The data or annotations are over the API server's size limit; nothing was sent. Apart
    /// from [`Error::Invalid`] because the cause is what was read, not what was typed.
    #[error("{subject}: {reason} (nothing was sent to the API server)")]
    TooLarge {
        /// The secret that is too large.
        subject: String,
        /// How large it is, and the limit.
        reason: String,
    },

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
        /// The kubeconfig file, when one was named or found.
        path: Option<PathBuf>,
        /// The context asked for, when one was.
        context: Option<String>,
        /// What went wrong, without the credentials the file holds.
        detail: String,
    },

    /// No such Secret object: kt-secrets' object name and the other names tried.
    #[error("{target} not found (looked for {})", .tried.join(", "))]
    NotFound {
        /// The secret looked for, in its namespace.
        target: Target,
        /// Every object name looked for, in the order tried.
        tried: Vec<String>,
    },

    /// The object exists with other data and the secret does not allow override.
    #[error(
        "{target}, written by {writer}, already exists with different data in key(s) {} and \
         secret {name} does not allow override; nothing was written (to replace it: {replace})",
        .keys.join(", ")
    )]
    DataDiffers {
        /// The object that exists.
        target: Target,
        /// The secret being applied.
        name: String,
        /// The data keys whose values differ, or that one side lacks (names only).
        keys: Box<[String]>,
        /// Who wrote the object.
        writer: crate::manifest::Writer,
        /// What replaces it with this secret (boxed: keeps the error small).
        replace: Box<str>,
    },

    /// The API server refused the credentials or the permission (401, 403).
    #[error("{target}: access denied by the API server ({code}): {message}")]
    Forbidden {
        /// What the request was for.
        target: Target,
        /// 401 (not authenticated) or 403 (not allowed).
        code: u16,
        /// The API server's message.
        message: String,
    },

    /// Concurrent writers kept changing the object through every retry.
    #[error("{target}: still conflicting with concurrent writers after {attempts} attempts")]
    Conflict {
        /// The object that kept changing.
        target: Target,
        /// Read-compare-write rounds made ([`crate::RetryPolicy::conflict_attempts`]).
        attempts: u32,
    },

    /// The API server refused the object as invalid (422).
    #[error("{target}: rejected by the API server as invalid: {message}")]
    Rejected {
        /// The object or listing refused.
        target: Target,
        /// The API server's message, which names the field at fault.
        message: String,
    },

    /// The API server could not be reached through every retry.
    #[error(
        "{target}: cannot reach the API server{} after {attempts} attempt(s): {detail}",
        .server.as_deref().map(|s| format!(" at {s}")).unwrap_or_default()
    )]
    Unreachable {
        /// What the request was for.
        target: Target,
        /// The API server's URL, when the store knows it.
        server: Option<String>,
        /// Attempts made ([`crate::RetryPolicy::attempts`]).
        attempts: u32,
        /// The last connection error or timeout.
        detail: String,
    },

    /// The API server kept failing (5xx, 429) through every retry.
    #[error("{target}: API server error {code} after {attempts} attempt(s): {message}")]
    Server {
        /// What the request was for.
        target: Target,
        /// The last status (429 or 5xx).
        code: u16,
        /// The API server's last message.
        message: String,
        /// Attempts made ([`crate::RetryPolicy::attempts`]).
        attempts: u32,
    },

    /// An answer of the API server that none of the other variants describes.
    #[error("{target}: unexpected API answer{}: {message}", .code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Api {
        /// What the request was for.
        target: Target,
        /// The HTTP status, when there was an answer.
        code: Option<u16>,
        /// The API server's message, or kube's.
        message: String,
    },

    /// A write whose answer was lost (an API server error or no answer), after which the
    /// retry cannot tell whether that write landed: the server never said what happened, so
    /// no outcome is claimed.
    #[error("{target}: {operation} not confirmed by the API server: {detail}")]
    Unconfirmed {
        /// The object written or deleted.
        target: Target,
        /// What was not confirmed: `creation`, `replacement` or `deletion`.
        operation: &'static str,
        /// What happened, and what is known of the object now.
        detail: &'static str,
    },

    /// An object exists but our annotations on it cannot be read back.
    #[error("{target}: {detail}")]
    Corrupt {
        /// The object read.
        target: Target,
        /// What of it does not parse: the annotation or data key, never a value.
        detail: String,
    },

    /// An object could not be written as JSON or YAML ([`crate::render`]).
    #[error("cannot write {what}: {detail}")]
    Render {
        /// What was being written: `JSON`, `YAML`, `a Kubernetes object`.
        what: &'static str,
        /// The serialiser's message.
        detail: String,
    },
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

    /// Whether no object of the name exists ([`Error::NotFound`]).
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

/// The result of the Kubernetes side's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<kt_secrets_core::validate::Invalid> for Error {
    fn from(e: kt_secrets_core::validate::Invalid) -> Self {
        Error::Invalid {
            subject: e.subject,
            reason: e.reason,
        }
    }
}
