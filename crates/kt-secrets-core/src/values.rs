//! Secrets made of values: kubetorch's `from_values`, and the same rule for values that come
//! from files (the CLI's `--from-env-file` and `--from-file`), each key remembering where it
//! came from.

use crate::data::SecretValue;
use crate::error::{Error, Result};
use crate::mount::{Mount, Origin, is_env_var_name};
use crate::provider::Resolved;
use crate::secret::{GENERIC_FILE_MODE, GENERIC_MOUNT_ROOT, Secret};
use crate::validate::normalize_name;

/// How a key of a generic secret reaches the pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyMount {
    /// An env var when the key is an env var name, else a file under `/secrets/<name>/`:
    /// kubetorch's rule for values.
    #[default]
    ByName,
    /// A file under `/secrets/<name>/` whatever the key, as `kubectl create secret
    /// --from-file` keeps a file a file.
    File,
}

/// How a key of a secret without mounts of its own is mounted (values, and Secrets made by
/// other tools): an env var when the key is an env var name, else a file under
/// `/secrets/<name>/`, mode [`GENERIC_FILE_MODE`].
pub fn generic_mount(secret_name: &str, key: &str) -> Mount {
    generic_mount_as(secret_name, key, KeyMount::ByName)
}

/// [`generic_mount`] by the rule `how`.
pub fn generic_mount_as(secret_name: &str, key: &str, how: KeyMount) -> Mount {
    if how == KeyMount::ByName && is_env_var_name(key) {
        Mount::env(key, key)
    } else {
        Mount::file(
            key,
            format!("{GENERIC_MOUNT_ROOT}/{secret_name}/{key}"),
            GENERIC_FILE_MODE,
        )
    }
}

/// A secret of values added one at a time, each with its origin and how it mounts, so a
/// caller can tell which of its sources a bad or repeated key came from.
/// [`Secret::from_values`] is the common case: literals, mounted by name.
#[derive(Debug)]
pub struct ValuesBuilder {
    /// As given, for the error of a secret with no values.
    given_name: String,
    /// Normalized, for the mount paths.
    name: String,
    resolved: Resolved,
}

impl ValuesBuilder {
    /// A secret called `name` (normalized as [`normalize_name`] does), with no values yet.
    pub fn new(name: &str) -> Result<Self> {
        Ok(ValuesBuilder {
            given_name: name.to_owned(),
            name: normalize_name(name)?,
            resolved: Resolved::new(),
        })
    }

    /// Adds `key`, mounted as `how` says; a key that is invalid or already added is an error.
    pub fn add(
        &mut self,
        key: impl Into<String>,
        value: impl Into<SecretValue>,
        origin: Origin,
        how: KeyMount,
    ) -> Result<()> {
        let key = key.into();
        let mount = generic_mount_as(&self.name, &key, how);
        self.resolved.add(key, value, origin)?;
        self.resolved.mounts.push(mount);
        Ok(())
    }

    /// The secret; one without values is an error.
    pub fn build(self) -> Result<Secret> {
        if self.resolved.is_empty() {
            return Err(Error::NoSource {
                name: Some(self.given_name),
            });
        }
        Secret::from_parts(&self.name, None, self.resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_stay_files_and_origins_are_kept() {
        let mut b = ValuesBuilder::new("my_values").unwrap();
        b.add("API_KEY", "canary-lit", Origin::Literal, KeyMount::ByName)
            .unwrap();
        let from = std::path::PathBuf::from("/tmp/TOKEN");
        b.add(
            "TOKEN",
            "canary-file",
            Origin::File(from.clone()),
            KeyMount::File,
        )
        .unwrap();
        let e = b
            .add("TOKEN", "canary-again", Origin::Literal, KeyMount::ByName)
            .unwrap_err();
        assert!(
            matches!(e, Error::DuplicateKey { ref key } if key == "TOKEN"),
            "{e}"
        );
        let s = b.build().unwrap();
        assert_eq!(s.name(), "my-values");
        assert_eq!(
            s.mounts(),
            [
                Mount::env("API_KEY", "API_KEY"),
                Mount::file("TOKEN", "/secrets/my-values/TOKEN", GENERIC_FILE_MODE),
            ]
        );
        assert_eq!(s.origins()["TOKEN"], Origin::File(from));
        assert_eq!(s.origins()["API_KEY"], Origin::Literal);
    }

    #[test]
    fn no_values_is_no_source_under_the_name_given() {
        let e = ValuesBuilder::new("my_values")
            .unwrap()
            .build()
            .unwrap_err();
        assert!(
            matches!(e, Error::NoSource { name: Some(ref n) } if n == "my_values"),
            "{e}"
        );
    }
}
