//! Encoding: a [`Secret`] as the Kubernetes object kubetorch reads (its labels, annotations,
//! mount list, origins and content hash), and our metadata onto an object that exists.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::{Mount, Secret};

use super::{
    ANNOTATION_CONTENT_HASH, ANNOTATION_MOUNTS, ANNOTATION_ORIGINS, ANNOTATION_OVERRIDE,
    ANNOTATION_SECRET_FILENAMES, ANNOTATION_SECRET_PATH, GLOBAL_OWNER, LABEL_MOUNT_TYPE,
    LABEL_PROVIDER, LABEL_SECRET_NAME, LABEL_USERNAME, MANAGED_ANNOTATIONS, MANAGED_LABELS,
    kubetorch_name, object_name_of,
};

/// The Kubernetes object for `secret`, owned by `owner`. Pure: no I/O, no validation (see
/// [`validate`](super::validate)). `metadata.namespace` is the secret's own namespace, if it
/// has one.
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

/// The directory holding every file mount and each file's path under it, which is how
/// kubetorch describes a volume secret. `None` without file mounts, or when the files share
/// no directory but `/`.
pub(super) fn file_layout(mounts: &[Mount]) -> Option<(String, Vec<String>)> {
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
