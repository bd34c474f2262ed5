//! The store's side of [`crate::pair`]: a secret of env vars and files is two objects, and is
//! applied, read, listed and deleted as one secret.

use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::{Secret, SecretData};
use kube::api::Api;

use super::{ApplyOutcome, DeleteOutcome, SecretInfo, SecretStore, replace_command};
use crate::error::{Error, Result, Target};
use crate::manifest::{self, ObjectGuard};
use crate::pair;
use crate::pod::MountedSecret;

impl SecretStore {
    /// [`SecretStore::apply`] of a secret stored as a pair ([`pair::split`]).
    ///
    /// The override rule holds for the secret as a whole: what the two objects hold together
    /// is compared with the secret's data, so that the same values pass whatever their layout
    /// was (this pair; one object, as before pairs; Kubetorch's one `env` object of the same
    /// values), and other values without override are refused before either is written.
    pub(super) async fn apply_pair(
        &self,
        secret: &Secret,
        (files, env): (Secret, Secret),
        ns: &str,
    ) -> Result<ApplyOutcome> {
        let mut objects = pair::manifests(secret, &self.owner)
            .into_iter()
            .map(|mut o| {
                o.metadata.namespace = Some(ns.to_owned());
                ObjectGuard::new(o)
            });
        let (files_obj, env_obj) = match (objects.next(), objects.next()) {
            (Some(f), Some(e)) => (f, e),
            _ => unreachable!("a split secret has two manifests"),
        };
        let files_name = files_obj.metadata.name.clone().unwrap_or_default();
        let env_name = env_obj.metadata.name.clone().unwrap_or_default();
        if !secret.override_existing() {
            let mut current = SecretData::new();
            let mut writer = None;
            let mut absent = Vec::new();
            for (object, half) in [(&files_name, &files), (&env_name, &env)] {
                match self.read_in(object, ns).await? {
                    Some(obj) => {
                        for (k, v) in manifest::data_of(&obj)?.iter() {
                            current.insert(k, v.clone())?;
                        }
                        writer.get_or_insert(manifest::writer_of(&obj));
                    }
                    None => absent.push(half),
                }
            }
            let mut keys = secret.data().differing_keys(&current);
            // The two halves are two writes: when the second failed (a server fault, a lost
            // connection), its keys are missing, not different, and applying the same secret
            // again must finish the pair rather than be refused as other values.
            keys.retain(|k| {
                current.contains_key(k) || !absent.iter().any(|h| h.data().contains_key(k))
            });
            drop(current);
            if let Some(writer) = writer
                && !keys.is_empty()
            {
                return Err(Error::DataDiffers {
                    target: Target::object(&files_name, ns),
                    name: secret.name().to_owned(),
                    keys: keys.into(),
                    writer,
                    replace: replace_command(secret, ns).into(),
                });
            }
        }
        // Checked above for both: each half is written as the whole secret allows.
        let f = self
            .apply_manifest(
                &files.with_override_existing(true),
                &files_obj,
                &files_name,
                ns,
            )
            .await?;
        let e = self
            .apply_manifest(&env.with_override_existing(true), &env_obj, &env_name, ns)
            .await?;
        Ok(match (f, e) {
            (ApplyOutcome::Unchanged, ApplyOutcome::Unchanged) => ApplyOutcome::Unchanged,
            (ApplyOutcome::Created, ApplyOutcome::Created) => ApplyOutcome::Created,
            _ => ApplyOutcome::Replaced,
        })
    }

    /// The secret the object `object` holds, as a pod mounts it: for half of a pair, the whole
    /// secret (its other half read too), files from the files half, env vars from the env half.
    pub(super) async fn decode(&self, obj: ObjectGuard, object: String) -> Result<MountedSecret> {
        let Some(other) = pair::partner(&obj).map(str::to_owned) else {
            return Ok(MountedSecret::existing(
                manifest::from_manifest(&obj)?,
                object,
            ));
        };
        let Some(partner) = self.read(&other).await? else {
            return Err(Error::Corrupt {
                target: Target::object(&object, &self.namespace),
                detail: format!(
                    "it is half of a secret of env vars and files whose other half, {other}, \
                     is missing; create the secret again to restore it"
                ),
            });
        };
        let (files, env) = pair::order(&obj, &partner);
        let secret = pair::join(files, env)?;
        Ok(
            MountedSecret::existing(secret, files.metadata.name.clone().unwrap_or_default())
                .with_env_object(env.metadata.name.clone()),
        )
    }

    /// The object `object` in namespace `ns`, if it exists.
    pub(super) async fn read_in(&self, object: &str, ns: &str) -> Result<Option<ObjectGuard>> {
        let api: Api<KubeSecret> = Api::namespaced(self.client.clone(), ns);
        let read = self
            .call(|| api.get_opt(object))
            .await
            .map_err(|(f, n)| f.into_error(Target::object(object, ns), n, self.server()))?;
        Ok(read.map(ObjectGuard::new))
    }

    /// Deletes the object `object` (read as `obj`) and, when it is half of a pair, the other
    /// half: the outcome names the files half.
    pub(super) async fn delete_found(
        &self,
        obj: &KubeSecret,
        object: &str,
        ns: &str,
    ) -> Result<DeleteOutcome> {
        match pair::partner(obj) {
            None => self.delete_object(object, ns).await,
            Some(other) if pair::is_env_half(obj) => {
                self.delete_both(other, Some(object), ns).await
            }
            Some(other) => self.delete_both(object, Some(other), ns).await,
        }
    }

    /// Deletes `files` and then `env`, if given; deleted when either was.
    pub(super) async fn delete_both(
        &self,
        files: &str,
        env: Option<&str>,
        ns: &str,
    ) -> Result<DeleteOutcome> {
        let first = self.delete_object(files, ns).await?;
        let Some(env) = env else { return Ok(first) };
        match (first, self.delete_object(env, ns).await?) {
            (DeleteOutcome::AlreadyGone { mut tried }, DeleteOutcome::AlreadyGone { tried: t }) => {
                tried.extend(t);
                Ok(DeleteOutcome::AlreadyGone { tried })
            }
            _ => Ok(DeleteOutcome::Deleted {
                object_name: files.to_owned(),
            }),
        }
    }
}

/// Listed objects with each pair's halves as one secret: the files half's object, and its
/// info with the whole secret's keys, mounts and content hash.
pub(super) fn fold(
    items: Vec<(SecretInfo, ObjectGuard)>,
) -> Result<Vec<(SecretInfo, ObjectGuard)>> {
    let groups = {
        let refs: Vec<&KubeSecret> = items.iter().map(|(_, o)| &**o).collect();
        pair::group(&refs)
    };
    let mut slots: Vec<Option<(SecretInfo, ObjectGuard)>> = items.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(groups.len());
    for (i, env) in groups {
        let Some((mut info, files)) = slots[i].take() else {
            continue;
        };
        if let Some((_, env)) = env.and_then(|j| slots[j].take()) {
            let secret = pair::join(&files, &env)?;
            info.keys = secret.data().keys().map(str::to_owned).collect();
            info.mounts = secret.mounts().to_vec();
            info.content_hash = secret.data().content_hash();
            info.env_object_name = env.metadata.name.clone();
        }
        out.push((info, files));
    }
    Ok(out)
}
