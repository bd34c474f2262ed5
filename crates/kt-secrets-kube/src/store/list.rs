//! Listing: the [`ListOptions`] filters, the [`SecretInfo`] each listed object becomes (names
//! and metadata, no values), and [`Listed`], the same with the object less its values.

use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::validate::validate_namespace;
use kube::api::{Api, ListParams};

use super::SecretStore;
use crate::error::{Result, Target};
use crate::manifest::{self, LABEL_MOUNT_TYPE, LABEL_PROVIDER, LABEL_USERNAME, ObjectGuard};

/// Filters for [`SecretStore::list`]; the default lists every secret of the store's namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Every namespace's secrets, not only the store's namespace's.
    pub all_namespaces: bool,
    /// Only secrets whose name (kubetorch's secret name, else the object name) starts with this.
    pub prefix: Option<String>,
    /// Only secrets of this owner (`global` for those written without a user name).
    pub owner: Option<String>,
    /// A label selector (`app=x,tier!=db`, `env in (a,b)`, `!legacy`), sent as is for the API
    /// server to parse and apply, as `kubectl get -l` does.
    pub selector: Option<String>,
}

/// A listed secret: names and metadata, no values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    /// The object's name.
    pub object_name: String,
    /// The object's namespace.
    pub namespace: String,
    /// Kubetorch's secret name, else the object name.
    pub name: String,
    /// The owner, for objects named `kt.secret.<owner>.<name>` or labelled with one.
    pub owner: Option<String>,
    /// The provider it was made from, when its labels say.
    pub provider: Option<String>,
    /// `env` or `volume`, when the object says.
    pub mount_type: Option<String>,
    /// Its data keys, sorted (names only).
    pub keys: Vec<String>,
    /// The Secret's `type` (`Opaque`, `kubernetes.io/tls`, ...).
    pub secret_type: Option<String>,
    /// Where the pod gets each key, as the object says (ours, kubetorch's) or as a pod mounts
    /// any other Secret; empty when the object's mount list does not parse.
    pub mounts: Vec<kt_secrets_core::Mount>,
    /// Whether this crate wrote it (it carries the mount list).
    pub managed: bool,
    /// For a secret of env vars and files, the object holding its env vars' keys
    /// ([`crate::pair`]); `object_name` holds its files.
    pub env_object_name: Option<String>,
    /// [`kt_secrets_core::SecretData::content_hash`] of its data.
    pub content_hash: String,
    /// When the object was created (RFC 3339), when the server says.
    pub created: Option<String>,
}

impl SecretInfo {
    fn of(obj: &KubeSecret) -> Result<SecretInfo> {
        let object_name = obj.metadata.name.clone().unwrap_or_default();
        let labels = obj.metadata.labels.clone().unwrap_or_default();
        let annotations = obj.metadata.annotations.clone().unwrap_or_default();
        let name = labels
            .get(manifest::LABEL_SECRET_NAME)
            .cloned()
            .unwrap_or_else(|| object_name.clone());
        let owner = labels
            .get(LABEL_USERNAME)
            .cloned()
            .or_else(|| owner_in_object_name(&object_name, &name));
        let data = manifest::data_of(obj)?;
        let mounts = manifest::from_manifest(obj)
            .map(|s| s.mounts().to_vec())
            .unwrap_or_default();
        Ok(SecretInfo {
            namespace: obj.metadata.namespace.clone().unwrap_or_default(),
            name,
            owner,
            provider: labels.get(LABEL_PROVIDER).cloned(),
            mount_type: labels.get(LABEL_MOUNT_TYPE).cloned(),
            keys: data.keys().map(str::to_owned).collect(),
            secret_type: obj.type_.clone(),
            mounts,
            managed: annotations.contains_key(manifest::ANNOTATION_MOUNTS),
            env_object_name: None,
            content_hash: data.content_hash(),
            created: obj
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string()),
            object_name,
        })
    }
}

/// `alice` of `kt.secret.alice.aws`, knowing the secret is called `aws`.
fn owner_in_object_name(object: &str, name: &str) -> Option<String> {
    let rest = object.strip_prefix(manifest::OBJECT_PREFIX)?;
    let owner = match rest.strip_suffix(name).and_then(|r| r.strip_suffix('.')) {
        Some(owner) => owner,
        None => rest.split_once('.')?.0,
    };
    (!owner.is_empty()).then(|| owner.to_owned())
}

/// A listed secret and the object it was read from, less its values: what
/// [`SecretStore::list_objects`] returns, for a listing that shows whole objects (`-o json`).
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    /// The secret's names and metadata, as [`SecretStore::list`] gives them.
    pub info: SecretInfo,
    /// The object as the API server sent it, less `data`, `stringData`, their copy in
    /// kubectl's last-applied annotation, and `managedFields`
    /// ([`ObjectGuard::into_stripped`]).
    pub object: KubeSecret,
}

impl SecretStore {
    /// Secrets of the store's namespace (or all namespaces), filtered, sorted by namespace
    /// and object name. One request.
    pub async fn list(&self, options: &ListOptions) -> Result<Vec<SecretInfo>> {
        let listed = self.listed(options).await?;
        Ok(listed.into_iter().map(|(info, _)| info).collect())
    }

    /// [`SecretStore::list`], each secret with its object less its values: the same request,
    /// the same filter and order, so the objects are exactly the secrets listed.
    pub async fn list_objects(&self, options: &ListOptions) -> Result<Vec<Listed>> {
        let listed = self.listed(options).await?;
        Ok(listed
            .into_iter()
            .map(|(info, obj)| Listed {
                info,
                object: obj.into_stripped(),
            })
            .collect())
    }

    async fn listed(&self, options: &ListOptions) -> Result<Vec<(SecretInfo, ObjectGuard)>> {
        let (api, target): (Api<KubeSecret>, Target) = if options.all_namespaces {
            (Api::all(self.client.clone()), Target::all_namespaces())
        } else {
            validate_namespace(&self.namespace)?;
            (
                Api::namespaced(self.client.clone(), &self.namespace),
                Target::namespace(&self.namespace),
            )
        };
        let params = match options.selector.as_deref() {
            Some(s) => ListParams::default().labels(s),
            None => ListParams::default(),
        };
        let list = self
            .call(|| api.list(&params))
            .await
            .map_err(|(f, n)| f.into_error(target, n, self.server()))?;
        // Guarded before anything is read of them: the `?` below drops this object and the
        // rest of the list, each wiped.
        let objects: Vec<ObjectGuard> = list.items.into_iter().map(ObjectGuard::new).collect();
        let infos = objects
            .into_iter()
            .map(|obj| Ok((SecretInfo::of(&obj)?, obj)))
            .collect::<Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for (info, obj) in super::pair::fold(infos)? {
            let keep = options
                .prefix
                .as_deref()
                .is_none_or(|p| info.name.starts_with(p))
                && options
                    .owner
                    .as_deref()
                    .is_none_or(|o| info.owner.as_deref() == Some(o));
            if keep {
                out.push((info, obj));
            }
        }
        out.sort_by(|(a, _), (b, _)| {
            (&a.namespace, &a.object_name).cmp(&(&b.namespace, &b.object_name))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_from_object_names() {
        assert_eq!(
            owner_in_object_name("kt.secret.alice.aws", "aws").as_deref(),
            Some("alice")
        );
        assert_eq!(
            owner_in_object_name("kt.secret.global.my.dotted", "my.dotted").as_deref(),
            Some("global")
        );
        assert_eq!(
            owner_in_object_name("kt.secret.bob.x", "kt.secret.bob.x").as_deref(),
            Some("bob")
        );
        assert_eq!(owner_in_object_name("db-creds", "db-creds"), None);
    }
}
