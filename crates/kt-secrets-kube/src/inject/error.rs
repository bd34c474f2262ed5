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

    #[error("{at}: {claim} is claimed twice: by the workload ({existing}) and by {secret}")]
    Clash {
        at: String,
        claim: String,
        existing: String,
        secret: String,
    },

    #[error("{at}: not a valid {expected}: {reason}")]
    Invalid {
        at: String,
        expected: String,
        reason: String,
    },

    #[error(
        "{at}: secret {secret:?} is in namespace {secret_namespace:?}, but the object is in \
         namespace {namespace:?}; a pod can only read Secrets of its own namespace"
    )]
    NamespaceMismatch {
        at: String,
        secret: String,
        secret_namespace: String,
        namespace: String,
    },

    #[error("invalid template path {pointer:?}: {reason}")]
    BadPointer { pointer: String, reason: String },
}

impl From<MountError> for InjectError {
    /// As [`ComputeError`]: the secrets among themselves, whatever they are mounted into.
    fn from(e: MountError) -> Self {
        InjectError::Compute(e.into())
    }
}

pub(super) fn to_value(v: &impl Serialize, what: &str) -> Result<Value, InjectError> {
    serde_json::to_value(v).map_err(|e| InjectError::Invalid {
        at: what.to_owned(),
        expected: what.to_owned(),
        reason: redact(&e.to_string()),
    })
}

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
