//! [`InjectError`], and parser messages made free of the manifest's values.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::compute::ComputeError;
use crate::pod::MountError;

/// What can go wrong while injecting. Messages name the document, template, container and
/// field at fault, never a value from the manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// Between the secrets themselves (two secrets claiming one env var), or a bad setting.
    #[error(transparent)]
    Compute(#[from] ComputeError),

    /// The workload already has, at an env var, mount path or volume name a secret needs,
    /// something an earlier injection of these secrets did not add.
    #[error("{at}: {claim} is claimed twice: by the workload ({existing}) and by {secret}")]
    Clash {
        /// The document, template and container (`Deployment ns/web at /spec/template,
        /// container "web"`).
        at: String,
        /// What both claim (`env var API_KEY`, `mount path /root/.ssh/id_rsa`).
        claim: String,
        /// What the workload has there (`its own value`, `volume cache`).
        existing: String,
        /// The secret that needs it (`secret "aws"`).
        secret: String,
    },

    /// A document, template or stream that is not what its kind says, or that cannot be
    /// parsed; the reason quotes none of its values.
    #[error("{at}: not a valid {expected}: {reason}")]
    Invalid {
        /// The document or template (or `stdin`, a file name, `output`).
        at: String,
        /// What it should have been (`Deployment`, `pod template`, `YAML`).
        expected: String,
        /// What is wrong, with the parser's quotes of the text left out.
        reason: String,
    },

    /// A secret of another namespace than the object's, which its pods cannot read.
    #[error(
        "{at}: secret {secret:?} is in namespace {secret_namespace:?}, but the object is in \
         namespace {namespace:?}; a pod can only read Secrets of its own namespace"
    )]
    NamespaceMismatch {
        /// The document (`Deployment ns/web`).
        at: String,
        /// The secret's name.
        secret: String,
        /// The secret's namespace.
        secret_namespace: String,
        /// The object's namespace (`(none given)` when it has none and none was given).
        namespace: String,
    },

    /// A template path that is not a JSON pointer.
    #[error("invalid template path {pointer:?}: {reason}")]
    BadPointer {
        /// The path as given.
        pointer: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<MountError> for InjectError {
    /// As [`ComputeError`]: the secrets among themselves, whatever they are mounted into.
    fn from(e: MountError) -> Self {
        InjectError::Compute(e.into())
    }
}

/// `v` as JSON, or an [`InjectError::Invalid`] about `what`.
pub(super) fn to_value(v: &impl Serialize, what: &str) -> Result<Value, InjectError> {
    serde_json::to_value(v).map_err(|e| InjectError::Invalid {
        at: what.to_owned(),
        expected: what.to_owned(),
        reason: redact(&e.to_string()),
    })
}

/// `v` as a `T`, or an [`InjectError::Invalid`] about `what`.
pub(super) fn from_value<T: DeserializeOwned>(v: Value, what: &str) -> Result<T, InjectError> {
    serde_json::from_value(v).map_err(|e| InjectError::Invalid {
        at: what.to_owned(),
        expected: what.to_owned(),
        reason: redact(&e.to_string()),
    })
}

/// A parser's message without the text it quotes: a manifest's values (an env var's literal
/// value) are not repeated.
pub fn redact(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut quoted = false;
    for c in msg.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("(value not shown)");
            }
            '"' => quoted = false,
            _ if !quoted => out.push(c),
            _ => {}
        }
    }
    out
}
