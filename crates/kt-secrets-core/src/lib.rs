//! The model of kt-secrets: secrets, how they mount into a pod, the [`Provider`] trait and
//! the registry that finds providers by name.
//!
//! Secret values are [`SecretValue`]s: wiped on drop, and never shown by `Debug`, `Display`
//! or any error of this crate.

#![deny(missing_docs)]

// `unsafe_code` cannot be forbidden for the whole crate, as `plugin` allows it; each other
// module forbids it.
#[forbid(unsafe_code)]
mod context;
#[forbid(unsafe_code)]
mod data;
#[forbid(unsafe_code)]
mod error;
#[forbid(unsafe_code)]
mod mount;
#[forbid(unsafe_code)]
pub mod parse_errors;
// The C boundary of dynamic providers: the only module of the workspace with unsafe code.
#[allow(unsafe_code)]
pub mod plugin;
#[forbid(unsafe_code)]
mod provider;
#[forbid(unsafe_code)]
mod registry;
#[forbid(unsafe_code)]
mod secret;
#[forbid(unsafe_code)]
pub mod shapes;
#[forbid(unsafe_code)]
pub mod validate;
mod values;

pub use context::{
    ResolveContext, check_regular, open_regular, read_file, read_optional, read_optional_string,
};
pub use data::{SecretData, SecretValue};
pub use error::{Error, Result};
pub use mount::{
    DEFAULT_CONTAINER_HOME, Mount, Origin, expand_container_path, is_env_var_name,
    validate_container_path, validate_env_var,
};
pub use provider::{Looked, Provider, ProviderInfo, Resolved};
pub use registry::{Found, FoundError, ProviderOrigin, Registration, Registry, RegistryEntry};
pub use secret::{
    GENERIC_FILE_MODE, GENERIC_MOUNT_ROOT, Secret, SecretBuilder, check_mount_clashes,
};
pub use values::{KeyMount, ValuesBuilder, generic_mount, generic_mount_as};
// Also at the root, where existing callers name them.
pub use validate::{
    MAX_KEY_LEN, MAX_NAME_LEN, normalize_name, validate_data_key, validate_dns1123_subdomain,
    validate_provider_name,
};

/// The attribute for `impl Provider for …` blocks, so a provider crate needs no direct
/// dependency on `async-trait`.
pub use async_trait::async_trait;
#[doc(hidden)]
pub use inventory;
