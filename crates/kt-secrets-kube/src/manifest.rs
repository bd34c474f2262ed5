//! [`Secret`] ⇄ Kubernetes `Secret` object, as pure functions.
//!
//! The object is what Python kubetorch writes (object name `kt.secret.<owner>.<name>`, its
//! labels and annotations, type `Opaque`), plus annotations of our own: the full mount list,
//! where each key came from (paths and env var names, never values) and a content hash.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::validate::{
    self, validate_data_key, validate_dns1123_subdomain, validate_label_value,
};
use kt_secrets_core::{Mount, Origin, Resolved, Secret, SecretData, generic_mount};

use crate::error::{Error, Result, Target};

mod guard;

#[cfg(test)]
pub(crate) use guard::tests::dropped as guard_drops;
pub use guard::{ANNOTATION_LAST_APPLIED, ObjectGuard, scrub, strip_values};

/// The owner when no user name is configured (kubetorch's default).
pub const GLOBAL_OWNER: &str = "global";
/// Object names of kubetorch secrets start with this, then `<owner>.<name>`.
pub const OBJECT_PREFIX: &str = "kt.secret.";

pub const LABEL_MOUNT_TYPE: &str = "kubetorch.com/mount-type";
pub const LABEL_SECRET_NAME: &str = "kubetorch.com/secret-name";
pub const LABEL_PROVIDER: &str = "kubetorch.com/provider";
pub const LABEL_USERNAME: &str = "kubetorch.com/username";
pub const ANNOTATION_OVERRIDE: &str = "kubetorch.com/override";
pub const ANNOTATION_SECRET_PATH: &str = "kubetorch.com/secret-path";
pub const ANNOTATION_SECRET_FILENAMES: &str = "kubetorch.com/secret-filenames";
/// JSON list of [`Mount`]s: restores the mounts exactly.
pub const ANNOTATION_MOUNTS: &str = "kt-secrets.dev/mounts";
/// JSON map key → [`Origin`]: where each key came from, for `describe`.
pub const ANNOTATION_ORIGINS: &str = "kt-secrets.dev/origins";
/// [`SecretData::content_hash`]: changes whenever a key or value does, reveals neither.
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
];

/// The API server's limit on a Secret's data (sum of key and value lengths).
pub const MAX_DATA_SIZE: usize = 1024 * 1024;
/// The API server's limit on all annotations of an object together.
pub const MAX_ANNOTATIONS_SIZE: usize = 256 * 1024;
pub use kt_secrets_core::validate::{MAX_LABEL_VALUE_LEN, MAX_NAMESPACE_LEN};
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

/// The Kubernetes object for `secret`, owned by `owner`. Pure: no I/O, no validation (see
/// [`validate`]). `metadata.namespace` is the secret's own namespace, if it has one.
pub fn to_manifest(secret: &Secret, owner: &str) -> KubeSecret {
    let mut labels = BTreeMap::new();
    labels.insert(LABEL_MOUNT_TYPE.to_owned(), secret.mount_type().to_owned());
    labels.insert(LABEL_SECRET_NAME.to_owned(), kubetorch_name(secret, owner));
    if let Some(p) = secret.provider() {
        labels.insert(LABEL_PROVIDER.to_owned(), p.to_owned());
    }
    if owner != GLOBAL_OWNER {
        labels.insert(LABEL_USERNAME.to_owned(), owner.to_owned());
    }

    let mut annotations = BTreeMap::new();
    // Python's str(bool), which is what kubetorch writes and compares.
    let flag = if secret.override_existing() {
        "True"
    } else {
        "False"
    };
    annotations.insert(ANNOTATION_OVERRIDE.to_owned(), flag.to_owned());
    if let Some((dir, files)) = file_layout(secret.mounts()) {
        annotations.insert(ANNOTATION_SECRET_PATH.to_owned(), dir);
        annotations.insert(
            ANNOTATION_SECRET_FILENAMES.to_owned(),
            python_json_list(&files),
        );
    }
    annotations.insert(
        ANNOTATION_MOUNTS.to_owned(),
        serde_json::to_string(secret.mounts()).expect("mounts serialise to JSON"),
    );
    annotations.insert(
        ANNOTATION_ORIGINS.to_owned(),
        serde_json::to_string(secret.origins()).expect("origins serialise to JSON"),
    );
    annotations.insert(
        ANNOTATION_CONTENT_HASH.to_owned(),
        secret.data().content_hash(),
    );

    let data = secret
        .data()
        .iter()
        .map(|(k, v)| (k.to_owned(), ByteString(v.expose().to_vec())))
        .collect();

    let mut obj = KubeSecret {
        data: Some(data),
        type_: Some("Opaque".to_owned()),
        ..Default::default()
    };
    obj.metadata.name = Some(object_name_of(secret, owner));
    obj.metadata.namespace = secret.namespace().map(str::to_owned);
    obj.metadata.labels = Some(labels);
    obj.metadata.annotations = Some(annotations);
    obj
}

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

/// The directory holding every file mount and each file's path under it, which is how
/// kubetorch describes a volume secret. `None` without file mounts, or when the files share
/// no directory but `/`.
fn file_layout(mounts: &[Mount]) -> Option<(String, Vec<String>)> {
    let files: Vec<&str> = mounts
        .iter()
        .filter_map(|m| match m {
            Mount::File { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    let first = files.first()?;
    let parent = |p: &str| -> Vec<String> {
        let mut parts: Vec<String> = p.split('/').map(str::to_owned).collect();
        parts.pop();
        parts
    };
    let mut common = parent(first);
    for f in &files[1..] {
        let dir = parent(f);
        let same = common.iter().zip(&dir).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    let dir = common.join("/");
    if dir.is_empty() {
        return None;
    }
    let names = files
        .iter()
        .map(|f| f[dir.len() + 1..].to_owned())
        .collect();
    Some((dir, names))
}

/// A JSON list as Python's `json.dumps` writes it (`["a", "b"]`), which is what kubetorch
/// stores in `kubetorch.com/secret-filenames`.
fn python_json_list(items: &[String]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|s| serde_json::to_string(s).expect("a string serialises to JSON"))
        .collect();
    format!("[{}]", parts.join(", "))
}

/// The data of an object: `data`, plus `stringData` if a manifest carries it.
pub fn data_of(obj: &KubeSecret) -> Result<SecretData> {
    let mut data = SecretData::new();
    for (k, v) in obj.data.iter().flatten() {
        data.insert(k.clone(), v.0.as_slice())
            .map_err(|e| corrupt(obj, e.to_string()))?;
    }
    for (k, v) in obj.string_data.iter().flatten() {
        data.insert(k.clone(), v.as_str())
            .map_err(|e| corrupt(obj, e.to_string()))?;
    }
    Ok(data)
}

fn target_of(obj: &KubeSecret) -> Target {
    Target {
        object: Some(obj.metadata.name.clone().unwrap_or_default()),
        namespace: obj.metadata.namespace.clone(),
    }
}

fn corrupt(obj: &KubeSecret, detail: String) -> Error {
    Error::Corrupt {
        target: target_of(obj),
        detail,
    }
}

/// The secret a Kubernetes object holds.
///
/// An object we wrote comes back exactly (mounts, origins, provider, override flag). One
/// written by Python kubetorch mounts its files under `kubetorch.com/secret-path`. Any other
/// (kubectl, Helm) mounts each key that is an env var name as that env var, and the others as
/// files under `/secrets/<name>/`.
pub fn from_manifest(obj: &KubeSecret) -> Result<Secret> {
    let Some(object) = obj.metadata.name.as_deref() else {
        return Err(corrupt(obj, "the object has no name".to_owned()));
    };
    let labels = obj.metadata.labels.clone().unwrap_or_default();
    let annotations = obj.metadata.annotations.clone().unwrap_or_default();
    let data = data_of(obj)?;
    let name = labels
        .get(LABEL_SECRET_NAME)
        .map(String::as_str)
        .unwrap_or(object);
    let provider = labels.get(LABEL_PROVIDER).cloned();
    let override_existing = annotations
        .get(ANNOTATION_OVERRIDE)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));

    let mounts = if let Some(json) = annotations.get(ANNOTATION_MOUNTS) {
        serde_json::from_str::<Vec<Mount>>(json).map_err(|e| {
            corrupt(
                obj,
                format!("annotation {ANNOTATION_MOUNTS} is not a mount list: {e}"),
            )
        })?
    } else if let Some(path) = annotations.get(ANNOTATION_SECRET_PATH) {
        kubetorch_volume_mounts(path, annotations.get(ANNOTATION_SECRET_FILENAMES), &data)
    } else {
        data.keys().map(|k| generic_mount(name, k)).collect()
    };

    let mut origins: BTreeMap<String, Origin> = match annotations.get(ANNOTATION_ORIGINS) {
        Some(json) => serde_json::from_str(json).map_err(|e| {
            corrupt(
                obj,
                format!("annotation {ANNOTATION_ORIGINS} is not an origin map: {e}"),
            )
        })?,
        None => BTreeMap::new(),
    };
    let here = match obj.metadata.namespace.as_deref() {
        Some(ns) => format!("{ns}/{object}"),
        None => object.to_owned(),
    };
    origins.retain(|k, _| data.contains_key(k));
    for k in data.keys() {
        origins
            .entry(k.to_owned())
            .or_insert_with(|| Origin::Kubernetes(here.clone()));
    }

    let resolved = Resolved {
        data,
        mounts,
        origins,
    };
    let secret = Secret::from_parts(name, provider, resolved)
        .map_err(|e| corrupt(obj, e.to_string()))?
        .with_override(override_existing);
    Ok(match obj.metadata.namespace.as_deref() {
        Some(ns) => secret.with_namespace(ns),
        None => secret,
    })
}

/// Kubetorch mounts the whole secret as a volume: at `path` when it lists file names, else at
/// the directory of `path` (a single file).
fn kubetorch_volume_mounts(
    path: &str,
    filenames: Option<&String>,
    data: &SecretData,
) -> Vec<Mount> {
    let listed = filenames
        .and_then(|f| serde_json::from_str::<Option<Vec<String>>>(f).ok())
        .flatten()
        .is_some_and(|f| !f.is_empty());
    let dir = if listed {
        path.trim_end_matches('/')
    } else {
        path.rsplit_once('/').map_or(path, |(d, _)| d)
    };
    data.keys()
        .map(|k| Mount::file(k, format!("{dir}/{k}"), DEFAULT_FILE_MODE))
        .collect()
}

/// Who wrote an object, as far as its metadata tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// It carries our mount list.
    KtSecrets,
    /// It carries Kubetorch's `kubetorch.com/` labels and not our mount list.
    Kubetorch,
    /// Neither (kubectl, Helm, another operator).
    Other,
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Writer::KtSecrets => "kt-secrets",
            Writer::Kubetorch => "Python Kubetorch",
            Writer::Other => "another tool (not kt-secrets or Kubetorch)",
        })
    }
}

/// Who wrote `obj`: we keep the mount list in an annotation; Python Kubetorch writes its
/// `kubetorch.com/` labels without it.
pub fn writer_of(obj: &KubeSecret) -> Writer {
    let has = |m: &Option<BTreeMap<String, String>>, k: &str| {
        m.as_ref().is_some_and(|m| m.contains_key(k))
    };
    if has(&obj.metadata.annotations, ANNOTATION_MOUNTS) {
        Writer::KtSecrets
    } else if has(&obj.metadata.labels, LABEL_MOUNT_TYPE)
        || has(&obj.metadata.labels, LABEL_SECRET_NAME)
    {
        Writer::Kubetorch
    } else {
        Writer::Other
    }
}

/// Whether `existing` carries the labels and annotations of ours that `desired` has, with the
/// same values (and none of ours that `desired` lacks).
pub fn managed_metadata_matches(existing: &KubeSecret, desired: &KubeSecret) -> bool {
    let same = |keys: &[&str],
                a: &Option<BTreeMap<String, String>>,
                b: &Option<BTreeMap<String, String>>| {
        keys.iter()
            .all(|k| a.as_ref().and_then(|m| m.get(*k)) == b.as_ref().and_then(|m| m.get(*k)))
    };
    same(
        MANAGED_LABELS,
        &existing.metadata.labels,
        &desired.metadata.labels,
    ) && same(
        MANAGED_ANNOTATIONS,
        &existing.metadata.annotations,
        &desired.metadata.annotations,
    )
}

/// `existing` with `desired`'s data and our labels and annotations, keeping everything else of
/// `existing` (its `resourceVersion`, which guards the replace, other tools' annotations, and
/// its type, which the API server does not let change).
pub fn replacement(existing: &KubeSecret, desired: &KubeSecret) -> KubeSecret {
    let mut obj = existing.clone();
    obj.data = desired.data.clone();
    obj.string_data = None;
    if obj.type_.is_none() {
        obj.type_ = desired.type_.clone();
    }
    let merge = |mine: &[&str],
                 have: &mut Option<BTreeMap<String, String>>,
                 want: &Option<BTreeMap<String, String>>| {
        let map = have.get_or_insert_with(BTreeMap::new);
        for k in mine {
            map.remove(*k);
        }
        map.extend(want.iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
    };
    merge(
        MANAGED_LABELS,
        &mut obj.metadata.labels,
        &desired.metadata.labels,
    );
    merge(
        MANAGED_ANNOTATIONS,
        &mut obj.metadata.annotations,
        &desired.metadata.annotations,
    );
    obj
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_secrets_core::Origin;
    use std::path::PathBuf;

    fn ssh_like() -> Secret {
        let mut r = Resolved::new();
        r.add_file(
            "id_rsa",
            "PRIVATE",
            Origin::File(PathBuf::from("/home/me/.ssh/id_rsa")),
            "~/.ssh/id_rsa",
            0o400,
        )
        .unwrap();
        r.add_file(
            "id_rsa.pub",
            "PUBLIC",
            Origin::File(PathBuf::from("/home/me/.ssh/id_rsa.pub")),
            "~/.ssh/id_rsa.pub",
            0o644,
        )
        .unwrap();
        Secret::from_parts("ssh", Some("ssh".to_owned()), r).unwrap()
    }

    fn env_like() -> Secret {
        let mut r = Resolved::new();
        r.add_env(
            "OPENAI_API_KEY",
            "sk-x",
            Origin::Env("OPENAI_API_KEY".to_owned()),
        )
        .unwrap();
        Secret::from_parts("openai", Some("openai".to_owned()), r).unwrap()
    }

    fn labels(m: &KubeSecret) -> &BTreeMap<String, String> {
        m.metadata.labels.as_ref().unwrap()
    }

    fn annotations(m: &KubeSecret) -> &BTreeMap<String, String> {
        m.metadata.annotations.as_ref().unwrap()
    }

    #[test]
    fn object_names() {
        assert_eq!(object_name("aws", "global"), "kt.secret.global.aws");
        assert_eq!(object_name("aws", "alice"), "kt.secret.alice.aws");
        assert_eq!(
            object_name("kt.secret.alice.aws", "alice"),
            "kt.secret.alice.aws"
        );
        assert_eq!(
            object_name("kt.secret.bob.aws", "alice"),
            "kt.secret.alice.kt.secret.bob.aws"
        );
        assert_eq!(owner_from(None), "global");
        assert_eq!(owner_from(Some(" ")), "global");
        assert_eq!(owner_from(Some("alice")), "alice");
    }

    #[test]
    fn file_secret_manifest_is_kubetorch_compatible() {
        // A user's provider secret is `<user>-<provider>`, as Kubetorch 0.5.1 names it.
        let m = to_manifest(&ssh_like().with_override(true), "alice");
        assert_eq!(m.metadata.name.as_deref(), Some("alice-ssh"));
        assert_eq!(m.type_.as_deref(), Some("Opaque"));
        let l = labels(&m);
        assert_eq!(l[LABEL_MOUNT_TYPE], "volume");
        assert_eq!(l[LABEL_SECRET_NAME], "alice-ssh");
        assert_eq!(l[LABEL_PROVIDER], "ssh");
        assert_eq!(l[LABEL_USERNAME], "alice");
        let a = annotations(&m);
        assert_eq!(a[ANNOTATION_OVERRIDE], "True");
        assert_eq!(a[ANNOTATION_SECRET_PATH], "~/.ssh");
        assert_eq!(
            a[ANNOTATION_SECRET_FILENAMES],
            r#"["id_rsa", "id_rsa.pub"]"#
        );
        let mounts: Vec<Mount> = serde_json::from_str(&a[ANNOTATION_MOUNTS]).unwrap();
        assert_eq!(mounts, ssh_like().mounts());
        assert_eq!(a[ANNOTATION_CONTENT_HASH], ssh_like().data().content_hash());
        let data = m.data.as_ref().unwrap();
        assert_eq!(data["id_rsa"].0, b"PRIVATE");
        assert_eq!(data["id_rsa.pub"].0, b"PUBLIC");
    }

    #[test]
    fn env_secret_manifest_of_the_global_owner() {
        let m = to_manifest(&env_like(), GLOBAL_OWNER);
        assert_eq!(m.metadata.name.as_deref(), Some("kt.secret.global.openai"));
        let l = labels(&m);
        assert_eq!(l[LABEL_MOUNT_TYPE], "env");
        assert!(
            !l.contains_key(LABEL_USERNAME),
            "kubetorch sets it only for a user"
        );
        let a = annotations(&m);
        assert_eq!(a[ANNOTATION_OVERRIDE], "False");
        assert!(!a.contains_key(ANNOTATION_SECRET_PATH));
        assert!(!a.contains_key(ANNOTATION_SECRET_FILENAMES));
        assert!(m.metadata.namespace.is_none());
        let m = to_manifest(&env_like().with_namespace("team"), GLOBAL_OWNER);
        assert_eq!(m.metadata.namespace.as_deref(), Some("team"));
    }

    #[test]
    fn no_value_in_metadata() {
        let s = Secret::from_values("v", [("TOKEN", "canary-3f9a")]).unwrap();
        let m = to_manifest(&s, "global");
        let meta = serde_json::to_string(&m.metadata).unwrap();
        assert!(!meta.contains("canary-3f9a"));
    }

    #[test]
    fn layout_of_nested_and_scattered_files() {
        let files = |paths: &[&str]| -> Vec<Mount> {
            paths
                .iter()
                .enumerate()
                .map(|(i, p)| Mount::file(format!("k{i}"), *p, 0o600))
                .collect()
        };
        assert_eq!(
            file_layout(&files(&["/secrets/n/a", "/secrets/n/d/b"])),
            Some((
                "/secrets/n".to_owned(),
                vec!["a".to_owned(), "d/b".to_owned()]
            ))
        );
        assert_eq!(
            file_layout(&files(&["~/.aws/credentials", "~/.aws/config"]))
                .unwrap()
                .0,
            "~/.aws"
        );
        assert_eq!(file_layout(&files(&["/a/x", "/b/y"])), None);
        assert_eq!(file_layout(&files(&[])), None);
    }

    #[test]
    fn round_trip_restores_the_secret() {
        for s in [
            ssh_like().with_override(true).with_namespace("ns1"),
            env_like().with_namespace("ns1"),
        ] {
            let mut m = to_manifest(&s, GLOBAL_OWNER);
            m.metadata.namespace = Some("ns1".to_owned());
            assert_eq!(from_manifest(&m).unwrap(), s);
            // A user's provider secret comes back under Kubetorch's name, in the same object.
            let mut m = to_manifest(&s, "alice");
            m.metadata.namespace = Some("ns1".to_owned());
            let back = from_manifest(&m).unwrap();
            assert_eq!(back.name(), format!("alice-{}", s.name()));
            assert_eq!(object_name_of(&back, "alice"), object_name_of(&s, "alice"));
            assert_eq!(back.data(), s.data());
        }
    }

    #[test]
    fn names_as_kubetorch_0_5_1_writes_them() {
        // kubernetes_secrets_client.py `_format_secret_name`: a name containing the user (a
        // substring) is the object name as it is.
        assert_eq!(object_name("alice-db", "alice"), "alice-db");
        assert_eq!(object_name("metal", "al"), "metal");
        assert_eq!(object_name("global-x", GLOBAL_OWNER), "global-x");
        assert_eq!(kubetorch_name(&env_like(), GLOBAL_OWNER), "openai");
        assert_eq!(
            object_name_of(&env_like(), GLOBAL_OWNER),
            "kt.secret.global.openai"
        );
        assert_eq!(object_name_of(&env_like(), "alice"), "alice-openai");
        let renamed = env_like().with_name("keys").unwrap();
        assert_eq!(object_name_of(&renamed, "alice"), "kt.secret.alice.keys");
    }

    #[test]
    fn foreign_object_mounts_env_names_as_env_and_the_rest_as_files() {
        let mut obj = KubeSecret::default();
        obj.metadata.name = Some("db-creds".to_owned());
        obj.metadata.namespace = Some("apps".to_owned());
        obj.data = Some(
            [
                ("DB_PASSWORD", &b"pw"[..]),
                ("ca.crt", &b"CERT"[..]),
                ("tls-key", &b"\x00\xff"[..]),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), ByteString(v.to_vec())))
            .collect(),
        );
        let s = from_manifest(&obj).unwrap();
        assert_eq!(s.name(), "db-creds");
        assert_eq!(s.namespace(), Some("apps"));
        assert_eq!(s.provider(), None);
        assert!(!s.override_existing());
        assert_eq!(
            s.mounts(),
            [
                Mount::env("DB_PASSWORD", "DB_PASSWORD"),
                Mount::file("ca.crt", "/secrets/db-creds/ca.crt", 0o644),
                Mount::file("tls-key", "/secrets/db-creds/tls-key", 0o644),
            ]
        );
        assert_eq!(s.data().get("tls-key").unwrap().expose(), b"\x00\xff");
        assert_eq!(
            s.origins()["ca.crt"],
            Origin::Kubernetes("apps/db-creds".to_owned())
        );
    }

    #[test]
    fn object_written_by_python_kubetorch() {
        let mut obj = KubeSecret::default();
        obj.metadata.name = Some("kt.secret.global.aws".to_owned());
        obj.metadata.labels = Some(
            [
                (LABEL_MOUNT_TYPE, "volume"),
                (LABEL_SECRET_NAME, "aws"),
                (LABEL_PROVIDER, "aws"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        );
        obj.metadata.annotations = Some(
            [
                (ANNOTATION_OVERRIDE, "True"),
                (ANNOTATION_SECRET_PATH, "~/.aws"),
                (ANNOTATION_SECRET_FILENAMES, r#"["credentials", "config"]"#),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        );
        obj.data = Some(
            ["credentials", "config"]
                .into_iter()
                .map(|k| (k.to_owned(), ByteString(b"x".to_vec())))
                .collect(),
        );
        let s = from_manifest(&obj).unwrap();
        assert_eq!(s.name(), "aws");
        assert_eq!(s.provider(), Some("aws"));
        assert!(s.override_existing());
        assert_eq!(
            s.mounts(),
            [
                Mount::file("config", "~/.aws/config", 0o644),
                Mount::file("credentials", "~/.aws/credentials", 0o644),
            ]
        );

        // A single-file secret: no file names, the path names the file.
        let a = obj.metadata.annotations.as_mut().unwrap();
        a.insert(
            ANNOTATION_SECRET_PATH.to_owned(),
            "~/.aws/credentials".to_owned(),
        );
        a.insert(ANNOTATION_SECRET_FILENAMES.to_owned(), "null".to_owned());
        let s = from_manifest(&obj).unwrap();
        assert_eq!(
            s.mounts()[1],
            Mount::file("credentials", "~/.aws/credentials", 0o644)
        );
    }

    #[test]
    fn corrupt_mount_annotation_names_the_object() {
        let mut m = to_manifest(&env_like(), "global");
        m.metadata
            .annotations
            .as_mut()
            .unwrap()
            .insert(ANNOTATION_MOUNTS.to_owned(), "{not json".to_owned());
        let e = from_manifest(&m).unwrap_err().to_string();
        assert!(
            e.contains("kt.secret.global.openai") && e.contains(ANNOTATION_MOUNTS),
            "{e}"
        );
    }

    #[test]
    fn validation() {
        let ok = env_like();
        validate(&ok, "global", "default").unwrap();
        let invalid = |r: Result<()>, needle: &str| {
            let e = r.unwrap_err();
            assert!(matches!(e, Error::Invalid { .. }), "{e}");
            let msg = e.to_string();
            assert!(msg.contains(needle), "{msg} should mention {needle}");
            assert!(msg.contains("nothing was sent"), "{msg}");
        };
        invalid(validate(&ok, "global", "Bad_NS"), "namespace \"Bad_NS\"");
        invalid(validate(&ok, "global", &"n".repeat(64)), "namespace");
        invalid(validate(&ok, "Alice", "default"), "owner");
        invalid(validate(&ok, "al.ice", "default"), "owner");
        // The object name exceeds 253 characters although the secret name alone does not.
        let long = Secret::from_values(&"a".repeat(250), [("K", "v")]).unwrap();
        invalid(validate(&long, "global", "default"), "object name");
        // Fits the object name but not the secret-name label.
        let long = Secret::from_values(&"b".repeat(64), [("K", "v")]).unwrap();
        invalid(validate(&long, "global", "default"), LABEL_SECRET_NAME);
        let big = Secret::from_values("big", [("K", vec![0u8; MAX_DATA_SIZE + 1])]).unwrap();
        let e = validate(&big, "global", "default").unwrap_err();
        assert!(matches!(e, Error::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("1 MiB") && e.to_string().contains("nothing was sent"));
        // Exactly 1 MiB of values fits, whatever the keys take: the server counts values only.
        let fits = Secret::from_values(
            "fits",
            [
                ("K", vec![0u8; MAX_DATA_SIZE - 10]),
                (&"k".repeat(200), vec![0u8; 10]),
            ],
        )
        .unwrap();
        validate(&fits, "global", "default").unwrap();
    }

    #[test]
    fn replacement_keeps_foreign_metadata_and_the_resource_version() {
        let mut existing = to_manifest(&ssh_like(), "global");
        existing.metadata.resource_version = Some("42".to_owned());
        existing
            .metadata
            .annotations
            .as_mut()
            .unwrap()
            .insert("other.tool/note".to_owned(), "keep".to_owned());
        let desired = to_manifest(&env_like().with_name("ssh").unwrap(), "global");
        assert!(!managed_metadata_matches(&existing, &desired));
        let r = replacement(&existing, &desired);
        assert_eq!(r.metadata.resource_version.as_deref(), Some("42"));
        assert_eq!(annotations(&r)["other.tool/note"], "keep");
        assert!(!annotations(&r).contains_key(ANNOTATION_SECRET_PATH));
        assert_eq!(labels(&r)[LABEL_MOUNT_TYPE], "env");
        assert_eq!(labels(&r)[LABEL_PROVIDER], "openai");
        assert_eq!(r.data, desired.data);
        assert!(managed_metadata_matches(&r, &desired));
    }

    #[test]
    fn scrub_overwrites_values() {
        let mut m = to_manifest(&env_like(), "global");
        scrub(&mut m);
        assert!(m.data.unwrap().values().all(|v| v.0.is_empty()));
    }
}
