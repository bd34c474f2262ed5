//! The [`Provider`] trait and what a provider returns ([`Resolved`]) and shows
//! ([`ProviderInfo`]), with [`Looked`] for its "nothing found" answer.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::context::ResolveContext;
use crate::data::{SecretData, SecretValue};
use crate::error::{Error, Result};
use crate::mount::{Mount, Origin};

/// What `kt-secrets providers` shows about a provider: where it looks and what the pod gets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// One line on what the provider ships (`AWS access keys, or a profile of the shared files`).
    pub description: String,
    /// Local sources in precedence order, as a user would write them (`AWS_PROFILE`, `~/.aws/credentials`).
    pub sources: Vec<String>,
    /// What the container gets (`env AWS_ACCESS_KEY_ID`, `file ~/.aws/credentials (0600)`).
    pub targets: Vec<String>,
    /// Directories under the local home that are this provider's own (`.aws`, `.ssh`):
    /// `from_path` of one of them yields this provider's secret.
    pub default_dirs: Vec<String>,
}

/// The result of resolving a provider: data, how it is mounted, and where each key came from.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The values found, by data key.
    pub data: SecretData,
    /// How the pod receives each key: env vars and files.
    pub mounts: Vec<Mount>,
    /// Where each key's value came from on this machine.
    pub origins: BTreeMap<String, Origin>,
}

impl Resolved {
    /// Nothing found yet: no data, no mounts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds data key `key` from `origin`, failing if the key is already there.
    pub fn add(
        &mut self,
        key: impl Into<String>,
        value: impl Into<SecretValue>,
        origin: Origin,
    ) -> Result<()> {
        let key = key.into();
        self.data.insert_new(key.clone(), value)?;
        self.origins.insert(key, origin);
        Ok(())
    }

    /// Adds `key` and an env var of the same name that reads it.
    pub fn add_env(
        &mut self,
        var: &str,
        value: impl Into<SecretValue>,
        origin: Origin,
    ) -> Result<()> {
        self.add(var, value, origin)?;
        self.mounts.push(Mount::env(var, var));
        Ok(())
    }

    /// Adds `key` as a file at container path `path` with `mode`.
    pub fn add_file(
        &mut self,
        key: &str,
        value: impl Into<SecretValue>,
        origin: Origin,
        path: &str,
        mode: u32,
    ) -> Result<()> {
        self.add(key, value, origin)?;
        self.mounts.push(Mount::file(key, path, mode));
        Ok(())
    }

    /// Adds everything of `other`; a data key present in both is an error.
    pub fn merge(&mut self, other: Resolved) -> Result<()> {
        for (key, value) in other.data.iter() {
            self.data.insert_new(key, value.clone())?;
        }
        self.mounts.extend(other.mounts);
        self.origins.extend(other.origins);
        Ok(())
    }

    /// Whether no data was found.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Checks every mount and that each one's key exists in the data.
    pub fn validate(&self) -> Result<()> {
        for m in &self.mounts {
            m.validate()?;
            if let Some(k) = m.key()
                && !self.data.contains_key(k)
            {
                return Err(Error::MountKeyMissing { key: k.to_owned() });
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolved")
            .field("data", &self.data)
            .field("mounts", &self.mounts)
            .field("origins", &self.origins)
            .finish()
    }
}

/// A source of credentials: finds them through a [`ResolveContext`] and says how the pod
/// receives them.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The registry name (`aws`, `openai`); lowercase letters, digits and `-`.
    fn name(&self) -> &str;

    /// Where the provider looks and what the pod gets, for `kt-secrets providers`.
    fn info(&self) -> ProviderInfo;

    /// Finds the credentials. "Found nothing" is [`Error::NothingFound`] listing every place
    /// looked; a source that exists but is broken is its own error, naming it.
    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved>;
}

impl fmt::Debug for dyn Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Provider({})", self.name())
    }
}

/// Collects the places a provider looked, for [`Error::NothingFound`].
#[derive(Clone, Debug, Default)]
pub struct Looked(Vec<String>);

impl Looked {
    /// No place looked yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes the env var `var` (shown as `env VAR`).
    pub fn env(&mut self, var: &str) {
        self.0.push(format!("env {var}"));
    }

    /// Notes the file `path`.
    pub fn file(&mut self, path: &std::path::Path) {
        self.0.push(path.display().to_string());
    }

    /// Notes a place of another kind, as a user would name it (`` `gh auth token` ``).
    pub fn other(&mut self, what: impl Into<String>) {
        self.0.push(what.into());
    }

    /// Notes every place `other` looked, after these.
    pub fn extend(&mut self, other: Looked) {
        self.0.extend(other.0);
    }

    /// The [`Error::NothingFound`] of `provider`, listing every place noted.
    pub fn into_error(self, provider: &str) -> Error {
        Error::NothingFound {
            provider: provider.to_owned(),
            looked: self.0,
        }
    }

    /// The places noted so far, in order.
    pub fn places(&self) -> &[String] {
        &self.0
    }
}
