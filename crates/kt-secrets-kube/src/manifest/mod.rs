//! [`Secret`] ⇄ Kubernetes `Secret` object, as pure functions: [`to_manifest`] writes the
//! object (`encode`), [`from_manifest`] reads one back, ours or another tool's (`decode`),
//! [`validate`] makes the API server's checks before anything is sent (`limits`), and an
//! [`ObjectGuard`] wipes an object's values when it drops (`guard`). The names and the labels
//! and annotations both directions share are here.
//!
//! The object is what Python kubetorch writes (object name `kt.secret.<owner>.<name>`, its
//! labels and annotations, type `Opaque`), plus annotations of our own: the full mount list,
//! where each key came from (paths and env var names, never values) and a content hash.

use kt_secrets_core::Secret;

mod decode;
mod encode;
mod guard;
mod limits;
#[cfg(test)]
mod tests;

pub use decode::{Writer, data_of, from_manifest, writer_of};
pub use encode::{managed_metadata_matches, replacement, to_manifest};
#[cfg(test)]
pub(crate) use guard::tests::dropped as guard_drops;
pub use guard::{ANNOTATION_LAST_APPLIED, ObjectGuard, scrub, strip_values};
pub use limits::{
    MAX_ANNOTATIONS_SIZE, MAX_DATA_SIZE, MAX_LABEL_VALUE_LEN, MAX_NAMESPACE_LEN, validate,
    validate_namespace, validate_owner,
};

/// The owner when no user name is configured (kubetorch's default).
pub const GLOBAL_OWNER: &str = "global";
/// Object names of kubetorch secrets start with this, then `<owner>.<name>`.
pub const OBJECT_PREFIX: &str = "kt.secret.";

/// Kubetorch's label saying how a pod gets the secret: `env` or `volume`.
pub const LABEL_MOUNT_TYPE: &str = "kubetorch.com/mount-type";
/// Kubetorch's label holding the secret's name (the object name may add the owner).
pub const LABEL_SECRET_NAME: &str = "kubetorch.com/secret-name";
/// Kubetorch's label naming the provider the secret was made from.
pub const LABEL_PROVIDER: &str = "kubetorch.com/provider";
/// Kubetorch's label naming the owner, set for a user (not for [`GLOBAL_OWNER`]).
pub const LABEL_USERNAME: &str = "kubetorch.com/username";
/// Kubetorch's annotation saying whether the secret may replace an object with other data
/// (`True` or `False`, as Python writes them).
pub const ANNOTATION_OVERRIDE: &str = "kubetorch.com/override";
/// Kubetorch's annotation holding the directory (or single file) a volume secret mounts at.
pub const ANNOTATION_SECRET_PATH: &str = "kubetorch.com/secret-path";
/// Kubetorch's annotation listing a volume secret's files under
/// [`ANNOTATION_SECRET_PATH`], as a JSON list.
pub const ANNOTATION_SECRET_FILENAMES: &str = "kubetorch.com/secret-filenames";
/// JSON list of [`Mount`](kt_secrets_core::Mount)s: restores the mounts exactly.
pub const ANNOTATION_MOUNTS: &str = "kt-secrets.dev/mounts";
/// JSON map key → [`Origin`](kt_secrets_core::Origin): where each key came from, for `describe`.
pub const ANNOTATION_ORIGINS: &str = "kt-secrets.dev/origins";
/// [`SecretData::content_hash`](kt_secrets_core::SecretData::content_hash): changes whenever
/// a key or value does, reveals neither.
pub const ANNOTATION_CONTENT_HASH: &str = "kt-secrets.dev/content-hash";

/// Labels this crate writes and owns on an object.
pub const MANAGED_LABELS: &[&str] = &[
    LABEL_MOUNT_TYPE,
    LABEL_SECRET_NAME,
    LABEL_PROVIDER,
    LABEL_USERNAME,
];
/// Annotations this crate writes and owns on an object.
pub const MANAGED_ANNOTATIONS: &[&str] = &[
    ANNOTATION_OVERRIDE,
    ANNOTATION_SECRET_PATH,
    ANNOTATION_SECRET_FILENAMES,
    ANNOTATION_MOUNTS,
    ANNOTATION_ORIGINS,
    ANNOTATION_CONTENT_HASH,
    crate::pair::ANNOTATION_PAIR,
    crate::pair::ANNOTATION_PAIR_MOUNTS,
];

/// Mode of files from a secret volume when nothing says otherwise (Kubernetes' default).
pub const DEFAULT_FILE_MODE: u32 = kt_secrets_core::GENERIC_FILE_MODE;

/// The owner for a configured user name: the name itself, or [`GLOBAL_OWNER`] when unset or
/// empty. The CLI passes `KT_USERNAME` here.
pub fn owner_from(username: Option<&str>) -> String {
    match username.map(str::trim) {
        Some(u) if !u.is_empty() => u.to_owned(),
        _ => GLOBAL_OWNER.to_owned(),
    }
}

/// Kubetorch's object name for a secret called `name`: `kt.secret.<owner>.<name>`, unless
/// `name` contains the owner anywhere, in which case it is used as it is. That is what
/// Kubetorch 0.5.1 does (`KubernetesSecretsClient._format_secret_name`: `if user in name:
/// return name`), a substring test: with `KT_USERNAME=al`, a secret called `metal` is the
/// object `metal`.
pub fn object_name(name: &str, owner: &str) -> String {
    if name.contains(owner) {
        name.to_owned()
    } else {
        format!("{OBJECT_PREFIX}{owner}.{name}")
    }
}

/// The name Kubetorch gives `secret`: a provider's secret under its default name (the
/// provider's) is `<owner>-<provider>` when a user is set, as Kubetorch 0.5.1's `Secret`
/// constructor names it (`name or f"{config.username}-{provider}"`); any other name stays.
pub fn kubetorch_name(secret: &Secret, owner: &str) -> String {
    match secret.provider() {
        Some(p) if p == secret.name() && owner != GLOBAL_OWNER => format!("{owner}-{p}"),
        _ => secret.name().to_owned(),
    }
}

/// The object `secret` is stored in: [`object_name`] of its [`kubetorch_name`]. With
/// `KT_USERNAME=alice`, the provider secret `huggingface` is the object `alice-huggingface`,
/// where Kubetorch writes and mounts it.
pub fn object_name_of(secret: &Secret, owner: &str) -> String {
    object_name(&kubetorch_name(secret, owner), owner)
}
