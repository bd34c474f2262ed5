//! [`SecretStore`]: Kubernetes Secrets through `kube::Api<Secret>`, with kubetorch's naming
//! and the override rule: create, compare, replace, read. Listing, deleting, retries, failures
//! and connecting each have a module of their own.

mod connect;
mod delete;
mod failure;
mod list;
mod pair;
mod retry;
#[cfg(test)]
mod tests;

use std::fmt;

use futures::{StreamExt, stream};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::Secret;
use kt_secrets_core::validate::{normalize_name, validate_namespace, validate_owner};
use kube::api::{Api, PostParams};

pub use delete::{DeleteOutcome, Deletion};
use failure::Failure;
pub use list::{ListOptions, Listed, SecretInfo};
pub use retry::RetryPolicy;

use crate::error::{Error, Result, Target};
use crate::manifest::{self, GLOBAL_OWNER, ObjectGuard};
use crate::pod::MountedSecret;

/// What [`SecretStore::apply`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApplyOutcome {
    /// The object did not exist and was created.
    Created,
    /// The object already held this data and our metadata; nothing was written.
    Unchanged,
    /// The object was rewritten: new data under override, or the same data with updated
    /// mounts or labels.
    Replaced,
}

impl fmt::Display for ApplyOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApplyOutcome::Created => "created",
            ApplyOutcome::Unchanged => "unchanged",
            ApplyOutcome::Replaced => "replaced",
        })
    }
}

/// What a secret name resolved to: the object and its name, or the names looked for.
enum Found {
    Object(Box<ObjectGuard>, String),
    Neither(Vec<String>),
}

/// What replaces an object with `secret`: for a provider's secret the exact `kt-secrets`
/// command, otherwise the same call again with override set (`--override`).
fn replace_command(secret: &Secret, ns: &str) -> String {
    match secret.provider() {
        Some(p) if p == secret.name() => {
            format!("kt-secrets create --provider {p} -n {ns} --override")
        }
        Some(p) => format!(
            "kt-secrets create {} --provider {p} -n {ns} --override",
            secret.name()
        ),
        // The CLI shows this as its flag (report::FLAG_WORDS).
        None => "set override".to_owned(),
    }
}

/// Kubernetes Secrets of one namespace (by default) and one owner.
///
/// Cheap to clone; every operation is independent, so one store can serve concurrent tasks.
#[derive(Clone)]
pub struct SecretStore {
    client: kube::Client,
    namespace: String,
    owner: String,
    retry: RetryPolicy,
    server: Option<String>,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("namespace", &self.namespace)
            .field("owner", &self.owner)
            .field("server", &self.server)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Told after each object of a many-object operation (deleting by prefix, syncing) ends,
/// whatever its outcome: how many have ended, of how many, and that object's name. Names and
/// counts only, never a value, so a caller may print them.
pub type Progress<'a> = &'a (dyn Fn(usize, usize, &str) + Sync);

impl SecretStore {
    /// A store over `client`, in `namespace` or else the client's default namespace (the
    /// kubeconfig context's), owned by [`GLOBAL_OWNER`] until [`SecretStore::with_owner`].
    ///
    /// Transient failures are retried here, so a client built with kube's own retry layer
    /// (`Config::default_retry`) retries twice over; [`SecretStore::from_kubeconfig`] turns
    /// kube's off.
    pub fn new(client: kube::Client, namespace: Option<String>) -> SecretStore {
        let namespace = namespace.unwrap_or_else(|| client.default_namespace().to_owned());
        SecretStore {
            client,
            namespace,
            owner: GLOBAL_OWNER.to_owned(),
            retry: RetryPolicy::default(),
            server: None,
        }
    }

    /// The owner (kubetorch's `KT_USERNAME`; see [`manifest::owner_from`]).
    pub fn with_owner(mut self, owner: impl Into<String>) -> SecretStore {
        self.owner = owner.into();
        self
    }

    /// The namespace secrets are read, listed and deleted in, and applied to when they name
    /// none of their own.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> SecretStore {
        self.namespace = namespace.into();
        self
    }

    /// How hard each request is tried ([`RetryPolicy`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> SecretStore {
        self.retry = retry;
        self
    }

    /// The store's namespace ([`SecretStore::with_namespace`]).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The owner ([`SecretStore::with_owner`]).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The retry policy ([`SecretStore::with_retry`]).
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The API server URL, when the store was made from a kubeconfig.
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// The `kube` client every request goes through.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The owner's object name for a secret called `name` ([`manifest::object_name`]).
    pub fn object_name(&self, name: &str) -> String {
        manifest::object_name(name, &self.owner)
    }

    /// The object `secret` is stored in ([`manifest::object_name_of`]: a provider's secret of
    /// user `alice` is `alice-<provider>`, as Kubetorch names it).
    pub fn object_name_of(&self, secret: &Secret) -> String {
        manifest::object_name_of(secret, &self.owner)
    }

    /// Creates or updates `secret` (in its own namespace if it has one, else the store's)
    /// under the seed's override rule:
    ///
    /// - absent → created (2 requests: read, create);
    /// - present with the same data and metadata → nothing written (1 request);
    /// - present with other data and no override → [`Error::DataDiffers`] naming the keys,
    ///   nothing written (1 request);
    /// - otherwise replaced, guarded by the `resourceVersion` just read (2 requests), the
    ///   whole read-compare-write repeated on conflict up to
    ///   [`RetryPolicy::conflict_attempts`] times.
    ///
    /// Each write sends the whole object, so a failure never leaves it half-written. A secret
    /// of env vars and files is two objects ([`crate::pair`]), under one override rule for
    /// both, written one after the other.
    pub async fn apply(&self, secret: &Secret) -> Result<ApplyOutcome> {
        let ns = secret.namespace().unwrap_or(&self.namespace).to_owned();
        crate::pair::validate(secret, &self.owner, &ns)?;
        if let Some(halves) = crate::pair::split(secret) {
            return self.apply_pair(secret, halves, &ns).await;
        }
        let mut desired = manifest::to_manifest(secret, &self.owner);
        desired.metadata.namespace = Some(ns.clone());
        let desired = ObjectGuard::new(desired);
        let object = self.object_name_of(secret);
        self.apply_manifest(secret, &desired, &object, &ns).await
    }

    async fn apply_manifest(
        &self,
        secret: &Secret,
        desired: &KubeSecret,
        object: &str,
        ns: &str,
    ) -> Result<ApplyOutcome> {
        let api: Api<KubeSecret> = Api::namespaced(self.client.clone(), ns);
        let target = || Target::object(object, ns);
        let fail = |(f, n): (Failure, u32)| f.into_error(target(), n, self.server());
        // Set when a write of ours may have landed although we saw it fail (a lost answer,
        // then a 409 to its retry). If the next read shows our content, some write put it
        // there, but the server never said it was ours: no outcome is claimed.
        let mut lost: Option<(&'static str, &'static str)> = None;
        let post = PostParams::default();
        for round in 1..=self.retry.conflict_attempts.max(1) {
            if round > 1 {
                tokio::time::sleep(self.retry.delay(round - 1)).await;
            }
            // Every object the server sends back is guarded as it arrives, so the `?`s below
            // (a key of `existing` that does not parse, say) cannot skip wiping it.
            let existing = self.call(|| api.get_opt(object)).await.map_err(fail)?;
            let Some(existing) = existing.map(ObjectGuard::new) else {
                match self
                    .call(|| api.create(&post, desired))
                    .await
                    .map(ObjectGuard::new)
                {
                    Ok(_created) => return Ok(ApplyOutcome::Created),
                    Err((f, attempts)) if f.code() == Some(409) => {
                        if attempts > 1 {
                            lost = Some((
                                "creation",
                                "a create failed (an API server error or no answer) and its \
                                 retry found the object existing; it holds this data now, but \
                                 whether this command wrote it is unknown",
                            ));
                        }
                        continue;
                    }
                    Err(e) => return Err(fail(e)),
                }
            };
            let current = manifest::data_of(&existing)?;
            let keys = secret.data().differing_keys(&current);
            drop(current);
            if keys.is_empty() && manifest::managed_metadata_matches(&existing, desired) {
                return match lost {
                    None => Ok(ApplyOutcome::Unchanged),
                    Some((operation, detail)) => Err(Error::Unconfirmed {
                        target: target(),
                        operation,
                        detail,
                    }),
                };
            }
            if !keys.is_empty() && !secret.override_existing() {
                return Err(Error::DataDiffers {
                    target: target(),
                    name: secret.name().to_owned(),
                    keys: keys.into(),
                    writer: manifest::writer_of(&existing),
                    replace: replace_command(secret, ns).into(),
                });
            }
            let replacement = ObjectGuard::new(manifest::replacement(&existing, desired));
            let put = self.call(|| api.replace(object, &post, &replacement)).await;
            match put.map(ObjectGuard::new) {
                Ok(_replaced) => return Ok(ApplyOutcome::Replaced),
                Err((f, attempts)) if f.code() == Some(409) => {
                    if attempts > 1 {
                        lost = Some((
                            "replacement",
                            "a replace failed (an API server error or no answer) and its retry \
                             conflicted with a newer version; the object holds this data now, \
                             but whether this command wrote it is unknown",
                        ));
                    }
                }
                // Deleted since we read it: the next round creates it.
                Err((f, _)) if f.code() == Some(404) => {}
                Err(e) => return Err(fail(e)),
            }
        }
        Err(Error::Conflict {
            target: target(),
            attempts: self.retry.conflict_attempts.max(1),
        })
    }

    /// [`SecretStore::apply`] for each secret, at most `concurrency` at a time. Results come
    /// back in the order of `secrets`; one failure neither stops nor undoes the others.
    pub async fn sync(&self, secrets: &[Secret], concurrency: usize) -> Vec<Result<ApplyOutcome>> {
        self.sync_with_progress(secrets, concurrency, &|_, _, _| {})
            .await
    }

    /// [`SecretStore::sync`], telling `progress` after each apply ends, with the name of the
    /// object it wrote (or tried to).
    pub async fn sync_with_progress(
        &self,
        secrets: &[Secret],
        concurrency: usize,
        progress: Progress<'_>,
    ) -> Vec<Result<ApplyOutcome>> {
        let mut done = 0;
        stream::iter(secrets.iter().map(|s| self.apply(s)))
            .buffered(concurrency.max(1))
            .inspect(|_| {
                // `buffered` keeps the order of `secrets`.
                if let Some(s) = secrets.get(done) {
                    progress(done + 1, secrets.len(), &self.object_name_of(s));
                }
                done += 1;
            })
            .collect()
            .await
    }

    /// The secret called `name`: the object of exactly that name first, then the owner's
    /// kubetorch object (`kt.secret.<owner>.<name>`), as kubetorch looks them up.
    pub async fn get(&self, name: &str) -> Result<Secret> {
        self.get_object(name).await.map(|(secret, _)| secret)
    }

    /// [`SecretStore::get`], with the name of the object the secret was read from: a pod
    /// that mounts it must refer to that object.
    pub async fn get_object(&self, name: &str) -> Result<(Secret, String)> {
        let m = self.get_mounted(name).await?;
        Ok((m.secret, m.object_name))
    }

    /// [`SecretStore::get`], as a pod mounts it: with the object it reads files from and, for
    /// a secret of env vars and files ([`crate::pair`]), the one it reads env vars from.
    pub async fn get_mounted(&self, name: &str) -> Result<MountedSecret> {
        validate_namespace(&self.namespace)?;
        let name = normalize_name(name)?;
        match self.find(&name).await? {
            Found::Object(obj, object) => self.decode(*obj, object).await,
            Found::Neither(tried) => Err(Error::NotFound {
                target: Target::object(name, &self.namespace),
                tried,
            }),
        }
    }

    /// The object a (normalized) secret name means, for every command alike: the object of
    /// exactly that name, else the owner's kubetorch object (`kt.secret.<owner>.<name>`), as
    /// kubetorch looks them up. Either lookup failing is an error: a name whose first
    /// candidate could not be read is never taken for the second.
    async fn find(&self, name: &str) -> Result<Found> {
        let ours = self.object_name(name);
        let mut tried = vec![name.to_owned()];
        if let Some(obj) = self.read(name).await? {
            return Ok(Found::Object(Box::new(obj), name.to_owned()));
        }
        if ours != name {
            validate_owner(&self.owner)?;
            tried.push(ours.clone());
            if let Some(obj) = self.read(&ours).await? {
                return Ok(Found::Object(Box::new(obj), ours));
            }
        }
        Ok(Found::Neither(tried))
    }

    /// The cluster's secret for `provider`, if there is one: the object a provider secret of
    /// the owner is stored in (`<owner>-<provider>` for a user, as Kubetorch writes it, else
    /// `kt.secret.global.<provider>`), then `kt.secret.<owner>.<provider>`.
    pub async fn provider_object(&self, provider: &str) -> Result<Option<(Secret, String)>> {
        let m = self.provider_mounted(provider).await?;
        Ok(m.map(|m| (m.secret, m.object_name)))
    }

    /// [`SecretStore::provider_object`], as a pod mounts it ([`SecretStore::get_mounted`]).
    pub async fn provider_mounted(&self, provider: &str) -> Result<Option<MountedSecret>> {
        validate_namespace(&self.namespace)?;
        validate_owner(&self.owner)?;
        let mut candidates = vec![self.object_name(&normalize_name(provider)?)];
        if self.owner != manifest::GLOBAL_OWNER {
            candidates.insert(0, format!("{}-{provider}", self.owner));
        }
        for object in candidates {
            if let Some(obj) = self.read(&object).await? {
                return Ok(Some(self.decode(obj, object).await?));
            }
        }
        Ok(None)
    }

    /// Kubetorch's name for [`SecretStore::get`].
    pub async fn from_name(&self, name: &str) -> Result<Secret> {
        self.get(name).await
    }

    async fn read(&self, object: &str) -> Result<Option<ObjectGuard>> {
        self.read_in(object, &self.namespace).await
    }
}
