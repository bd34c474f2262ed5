//! Decoding: the [`Secret`] a Kubernetes object holds, whoever wrote it (kt-secrets, Python
//! Kubetorch, or another tool, whose objects get the mounts a pod would give them), and who
//! that was ([`Writer`]).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::{Mount, Origin, Resolved, Secret, SecretData, generic_mount};

use super::{
    ANNOTATION_MOUNTS, ANNOTATION_ORIGINS, ANNOTATION_OVERRIDE, ANNOTATION_SECRET_FILENAMES,
    ANNOTATION_SECRET_PATH, DEFAULT_FILE_MODE, LABEL_MOUNT_TYPE, LABEL_PROVIDER, LABEL_SECRET_NAME,
};
use crate::error::{Error, Result, Target};

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
        .with_override_existing(override_existing);
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
