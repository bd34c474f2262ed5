//! Deleting: one secret by name, or the owner's secrets by prefix or all of them, each
//! deletion told as a [`DeleteOutcome`].

use std::fmt;

use futures::{StreamExt, stream};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::validate::{normalize_name, validate_namespace, validate_owner};
use kube::api::{Api, DeleteParams};

use super::{Found, ListOptions, Progress, SecretInfo, SecretStore};
use crate::error::{Error, Result, Target};
use crate::manifest;

/// What [`SecretStore::delete`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// The API server deleted the object.
    Deleted {
        /// The object deleted.
        object_name: String,
    },
    /// Nothing by these names existed: success, since the goal is that it is gone.
    AlreadyGone {
        /// Every object name looked for.
        tried: Vec<String>,
    },
}

impl fmt::Display for DeleteOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeleteOutcome::Deleted { object_name } => write!(f, "deleted {object_name}"),
            DeleteOutcome::AlreadyGone { tried } => {
                write!(f, "already gone (no {})", tried.join(" or "))
            }
        }
    }
}

/// One object of a bulk delete and how its deletion went.
#[derive(Debug)]
pub struct Deletion {
    /// The object.
    pub object_name: String,
    /// Its namespace.
    pub namespace: String,
    /// How its deletion went.
    pub result: Result<DeleteOutcome>,
}

impl SecretStore {
    /// Deletes the secret called `name`: the object [`SecretStore::get`] would read (the object
    /// of exactly that name, else the owner's kubetorch object), so that `describe NAME` and
    /// `delete NAME` always mean the same object. Absent under both names is success, said
    /// only after the server answered "not found" for each.
    ///
    /// A DELETE whose answer was lost and whose retry then finds nothing is
    /// [`Error::Unconfirmed`]: the object is gone, but the server never said this call
    /// deleted it.
    pub async fn delete(&self, name: &str) -> Result<DeleteOutcome> {
        validate_namespace(&self.namespace)?;
        validate_owner(&self.owner)?;
        let name = normalize_name(name)?;
        match self.find(&name).await? {
            // Its name and pair annotation are needed; the guard wipes it when this match ends.
            Found::Object(obj, object) => self.delete_found(&obj, &object, &self.namespace).await,
            Found::Neither(tried) => Ok(DeleteOutcome::AlreadyGone { tried }),
        }
    }

    pub(super) async fn delete_object(
        &self,
        object: &str,
        namespace: &str,
    ) -> Result<DeleteOutcome> {
        let api: Api<KubeSecret> = Api::namespaced(self.client.clone(), namespace);
        let params = DeleteParams::default();
        let target = || Target::object(object, namespace);
        match self.call(|| api.delete(object, &params)).await {
            Ok(_) => Ok(DeleteOutcome::Deleted {
                object_name: object.to_owned(),
            }),
            // The failed attempt may have deleted it, or someone else may have.
            Err((f, attempts)) if f.code() == Some(404) && attempts > 1 => {
                Err(Error::Unconfirmed {
                    target: target(),
                    operation: "deletion",
                    detail: "a DELETE failed (an API server error or no answer) and its retry \
                             found no such object; it is gone, but whether this command deleted \
                             it is unknown",
                })
            }
            Err((f, _)) if f.code() == Some(404) => Ok(DeleteOutcome::AlreadyGone {
                tried: vec![object.to_owned()],
            }),
            Err((f, n)) => Err(f.into_error(target(), n, self.server())),
        }
    }

    /// Deletes the owner's secrets (in the store's namespace) whose name starts with
    /// `prefix`. Other owners' and other tools' secrets are never touched.
    ///
    /// To show what will go before it goes, [`SecretStore::plan_delete_prefix`] then
    /// [`SecretStore::delete_listed`] instead: this lists and deletes in one go.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<Vec<Deletion>> {
        self.delete_prefix_with_progress(prefix, &|_, _, _| {})
            .await
    }

    /// [`SecretStore::delete_prefix`], telling `progress` after each deletion ends.
    pub async fn delete_prefix_with_progress(
        &self,
        prefix: &str,
        progress: Progress<'_>,
    ) -> Result<Vec<Deletion>> {
        let planned = self.plan_delete_prefix(prefix).await?;
        Ok(self.delete_listed(&planned, progress).await)
    }

    /// The secrets [`SecretStore::delete_prefix`] would delete, listed (one request) and not
    /// deleted: the owner's, in the store's namespace, whose name starts with `prefix`. Give
    /// them to [`SecretStore::delete_listed`] once confirmed, so that what is confirmed is
    /// what is deleted.
    pub async fn plan_delete_prefix(&self, prefix: &str) -> Result<Vec<SecretInfo>> {
        if prefix.is_empty() {
            return Err(Error::Invalid {
                subject: "delete by prefix".to_owned(),
                reason: "the prefix is empty; use delete_owned to delete all of the owner's \
                         secrets"
                    .to_owned(),
            });
        }
        self.owned(ListOptions {
            prefix: Some(prefix.to_owned()),
            ..Default::default()
        })
        .await
    }

    /// Deletes every secret of the owner in the store's namespace.
    pub async fn delete_owned(&self) -> Result<Vec<Deletion>> {
        let owned = self.owned(ListOptions::default()).await?;
        Ok(self.delete_listed(&owned, &|_, _, _| {}).await)
    }

    /// The owner's secrets among those `options` lists in the store's namespace: objects
    /// named as this crate and Kubetorch name them for the owner.
    async fn owned(&self, mut options: ListOptions) -> Result<Vec<SecretInfo>> {
        validate_owner(&self.owner)?;
        options.owner = Some(self.owner.clone());
        options.all_namespaces = false;
        let found = self.list(&options).await?;
        // A user's provider secrets are `<user>-<provider>` (manifest::object_name_of).
        let users = format!("{}-", self.owner);
        Ok(found
            .into_iter()
            .filter(|i| {
                i.object_name.starts_with(manifest::OBJECT_PREFIX)
                    || i.object_name.starts_with(&users)
            })
            .collect())
    }

    /// Deletes exactly the objects of `listed` (each by its object name, in its namespace),
    /// at most 8 at a time, telling `progress` after each deletion ends; the results come back
    /// in the order of `listed`. Nothing is listed again: what a caller showed (from
    /// [`SecretStore::plan_delete_prefix`] or [`SecretStore::list`]) is what goes, one failure
    /// neither stopping nor undoing the others. An object already gone is
    /// [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_listed(
        &self,
        listed: &[SecretInfo],
        progress: Progress<'_>,
    ) -> Vec<Deletion> {
        let total = listed.len();
        let mut done = 0;
        stream::iter(listed.iter().map(|info| async move {
            let result = match validate_namespace(&info.namespace) {
                Ok(()) => {
                    let env = info.env_object_name.as_deref();
                    self.delete_both(&info.object_name, env, &info.namespace)
                        .await
                }
                Err(e) => Err(e.into()),
            };
            Deletion {
                object_name: info.object_name.clone(),
                namespace: info.namespace.clone(),
                result,
            }
        }))
        .buffered(8)
        .inspect(|d| {
            done += 1;
            progress(done, total, &d.object_name);
        })
        .collect()
        .await
    }
}
