//! Limits: the checks the API server makes on an object, made on the [`Secret`] before
//! anything is sent. The rules for names, keys and label values are core's
//! ([`kt_secrets_core::validate`]); this adds what only the object knows (its name, its size).

use kt_secrets_core::Secret;
use kt_secrets_core::validate::{
    self, validate_data_key, validate_dns1123_subdomain, validate_label_value,
};

use super::{LABEL_PROVIDER, LABEL_SECRET_NAME, kubetorch_name, object_name_of, to_manifest};
use crate::error::{Error, Result};

/// The API server's limit on a Secret's data: the sum of its values' lengths.
pub const MAX_DATA_SIZE: usize = 1024 * 1024;
/// The API server's limit on all annotations of an object together.
pub const MAX_ANNOTATIONS_SIZE: usize = 256 * 1024;
pub use kt_secrets_core::validate::{MAX_LABEL_VALUE_LEN, MAX_NAMESPACE_LEN};

/// Every check the API server would make on what [`to_manifest`] produces for `secret` in
/// `namespace`, so that a bad input sends nothing and says what is wrong.
pub fn validate(secret: &Secret, owner: &str, namespace: &str) -> Result<()> {
    validate::validate_namespace(namespace)?;
    validate::validate_owner(owner)?;
    let object = object_name_of(secret, owner);
    validate_dns1123_subdomain(&object).map_err(|reason| Error::Invalid {
        subject: format!("object name {object:?} of secret {}", secret.name()),
        reason,
    })?;
    validate_label_value(LABEL_SECRET_NAME, &kubetorch_name(secret, owner))?;
    if let Some(p) = secret.provider() {
        validate_label_value(LABEL_PROVIDER, p)?;
    }
    for key in secret.data().keys() {
        validate_data_key(key).map_err(|e| Error::Invalid {
            subject: format!("secret {}", secret.name()),
            reason: e.to_string(),
        })?;
    }
    // The API server counts the values only (kubernetes pkg/apis/core/validation,
    // ValidateSecret: `totalSize += len(value)` over `Data`, refused when over MaxSecretSize).
    let size: usize = secret.data().iter().map(|(_, v)| v.len()).sum();
    if size > MAX_DATA_SIZE {
        return Err(Error::TooLarge {
            subject: format!("secret {}", secret.name()),
            reason: format!(
                "its values take {size} bytes; the API server's limit is {MAX_DATA_SIZE} bytes \
                 (1 MiB) of values"
            ),
        });
    }
    for m in secret.mounts() {
        m.validate().map_err(|e| Error::Invalid {
            subject: format!("secret {}", secret.name()),
            reason: e.to_string(),
        })?;
        if let Some(k) = m.key()
            && !secret.data().contains_key(k)
        {
            return Err(Error::Invalid {
                subject: format!("secret {}", secret.name()),
                reason: format!("mount `{m}` reads key {k:?}, which the data does not have"),
            });
        }
    }
    let manifest = to_manifest(secret, owner);
    let annotations_size: usize = manifest
        .metadata
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    if annotations_size > MAX_ANNOTATIONS_SIZE {
        return Err(Error::TooLarge {
            subject: format!("secret {}", secret.name()),
            reason: format!(
                "its annotations (mount list, origins) take {annotations_size} bytes; the API \
                 server's limit is {MAX_ANNOTATIONS_SIZE}"
            ),
        });
    }
    Ok(())
}

/// [`validate::validate_namespace`], failing with this crate's [`Error::Invalid`].
pub fn validate_namespace(namespace: &str) -> Result<()> {
    Ok(validate::validate_namespace(namespace)?)
}

/// [`validate::validate_owner`], failing with this crate's [`Error::Invalid`].
pub fn validate_owner(owner: &str) -> Result<()> {
    Ok(validate::validate_owner(owner)?)
}
