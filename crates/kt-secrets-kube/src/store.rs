//! [`SecretStore`]: Kubernetes Secrets through `kube::Api<Secret>`, with kubetorch's naming,
//! the override rule, bounded retries and few round trips.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::{StreamExt, stream};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::Secret;
use kt_secrets_core::validate::{normalize_name, validate_namespace, validate_owner};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::error::{Error, Result, Target};
use crate::manifest::{self, GLOBAL_OWNER, LABEL_MOUNT_TYPE, LABEL_PROVIDER, LABEL_USERNAME};

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

/// What [`SecretStore::delete`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted {
        object_name: String,
    },
    /// Nothing by these names existed: success, since the goal is that it is gone.
    AlreadyGone {
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
    pub object_name: String,
    pub namespace: String,
    pub result: Result<DeleteOutcome>,
}

/// What a secret name resolved to: the object and its name, or the names looked for.
enum Found {
    Object(Box<KubeSecret>, String),
    Neither(Vec<String>),
}

/// Filters for [`SecretStore::list`]; the default lists every secret of the store's namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
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
    pub object_name: String,
    pub namespace: String,
    /// Kubetorch's secret name, else the object name.
    pub name: String,
    /// The owner, for objects named `kt.secret.<owner>.<name>` or labelled with one.
    pub owner: Option<String>,
    pub provider: Option<String>,
    /// `env` or `volume`, when the object says.
    pub mount_type: Option<String>,
    pub keys: Vec<String>,
    /// The Secret's `type` (`Opaque`, `kubernetes.io/tls`, ...).
    pub secret_type: Option<String>,
    /// Where the pod gets each key, as the object says (ours, kubetorch's) or as a pod mounts
    /// any other Secret; empty when the object's mount list does not parse.
    pub mounts: Vec<kt_secrets_core::Mount>,
    /// Whether this crate wrote it (it carries the mount list).
    pub managed: bool,
    /// [`kt_secrets_core::SecretData::content_hash`] of its data.
    pub content_hash: String,
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

/// How hard the store tries before reporting a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request when it fails transiently (429, 5xx, timeout, connection error).
    pub attempts: u32,
    /// Read-compare-write rounds of one apply when writes conflict (409).
    pub conflict_attempts: u32,
    /// First backoff; it doubles per retry (with jitter) up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// One request that takes longer than this is abandoned and counts as a transient failure.
    pub request_timeout: Duration,
    /// All attempts of one request together, backoffs included, give up after this: what
    /// kubectl's `--request-timeout` bounds. `None`: only `attempts` and `request_timeout` do.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            conflict_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            deadline: None,
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (1-based): exponential, capped, with jitter in
    /// [50%, 100%] so that concurrent writers do not retry in lockstep.
    fn delay(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        let jitter = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let fraction = 0.5 + (jitter % 1000) as f64 / 2000.0;
        capped.mul_f64(fraction)
    }
}

/// Why one request failed, before it is tied to a target.
pub(crate) enum Failure {
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    Unreachable(String),
    Timeout(Duration),
    Other(String),
}

impl Failure {
    fn classify(e: kube::Error) -> Failure {
        match e {
            kube::Error::Api(s) => Failure::Api {
                code: s.code,
                reason: s.reason,
                message: s.message,
            },
            kube::Error::HyperError(e) => Failure::Unreachable(e.to_string()),
            kube::Error::Service(e) => Failure::Unreachable(error_chain(&*e)),
            other => Failure::Other(auth_problem(&other).unwrap_or_else(|| other.to_string())),
        }
    }

    fn code(&self) -> Option<u16> {
        match self {
            Failure::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            Failure::Api { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
            Failure::Unreachable(_) | Failure::Timeout(_) => true,
            Failure::Other(_) => false,
        }
    }

    pub(crate) fn into_error(self, target: Target, attempts: u32, server: Option<&str>) -> Error {
        match self {
            Failure::Api { code: 404, .. } => Error::NotFound {
                tried: target.object.iter().cloned().collect(),
                target,
            },
            Failure::Api {
                code: code @ (401 | 403),
                message,
                ..
            } => Error::Forbidden {
                target,
                code,
                message,
            },
            Failure::Api { code: 409, .. } => Error::Conflict { target, attempts },
            Failure::Api {
                code: 400 | 422,
                message,
                ..
            } => Error::Rejected { target, message },
            Failure::Api { code, message, .. } if code == 429 || code >= 500 => Error::Server {
                target,
                code,
                message,
                attempts,
            },
            Failure::Api {
                code,
                reason,
                message,
            } => Error::Api {
                target,
                code: Some(code),
                message: format!("{reason}: {message}"),
            },
            Failure::Unreachable(detail) => Error::Unreachable {
                target,
                server: server.map(str::to_owned),
                attempts,
                detail,
            },
            Failure::Timeout(t) => Error::Unreachable {
                target,
                server: server.map(str::to_owned),
                attempts,
                detail: format!("no answer within {t:?}"),
            },
            Failure::Other(message) => Error::Api {
                target,
                code: None,
                message,
            },
        }
    }
}

/// The messages of an error and its sources, outermost first: connection errors hide the
/// useful part ("connection refused") in a source.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(auth) = auth_problem(e) {
        return auth;
    }
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// The auth failure in `e`'s chain, if there is one, told without what kube's message carries:
/// an exec credential plugin's output, quoted by a parse error or dumped whole when the plugin
/// fails, and its command line. That output is the cluster token. Errors that wrap it repeat
/// its text, so the whole chain is replaced.
fn auth_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use kube::client::AuthError as A;
    let mut cur = Some(e);
    while let Some(err) = cur {
        let auth = match err.downcast_ref::<kube::Error>() {
            Some(kube::Error::Auth(a)) => Some(a),
            _ => err.downcast_ref::<A>(),
        };
        if let Some(a) = auth {
            let hidden = "(its output is not shown: it may hold credentials)";
            return Some(match a {
                A::AuthExecRun { status, .. } => {
                    format!("auth error: the exec credential plugin failed with {status} {hidden}")
                }
                A::AuthExecParse(_) | A::ParseTokenKey(_) => {
                    format!(
                        "auth error: the exec credential plugin's output does not parse {hidden}"
                    )
                }
                other => format!("auth error: {other}"),
            });
        }
        cur = err.source();
    }
    None
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

    /// A store for the cluster of a kubeconfig, found as kubectl finds it (client-go's
    /// `ClientConfigLoadingRules`): `path`, which must exist; else the files `KUBECONFIG` lists,
    /// merged, first value wins, those that do not exist skipped; else `~/.kube/config`; and
    /// when none of these exists (and no `context` is asked for), the in-cluster config of a
    /// pod's service account. `context`, or else the current one. The namespace is the
    /// context's (`default` if it has none), in a pod its service account's.
    pub async fn from_kubeconfig(
        path: Option<&Path>,
        context: Option<&str>,
    ) -> Result<SecretStore> {
        let err = |path: Option<&Path>, detail: String| Error::Kubeconfig {
            path: path.map(Path::to_path_buf),
            context: context.map(str::to_owned),
            detail,
        };
        crate::kubeconfig_files::check_sources(path).map_err(|(file, detail)| {
            Error::Kubeconfig {
                path: Some(file),
                context: context.map(str::to_owned),
                detail,
            }
        })?;
        let kc = match path {
            Some(p) => match kubeconfig_file(p).map_err(|d| err(Some(p), d))? {
                Some(kc) => Some(kc),
                // kube reports a missing file without naming it.
                None => return Err(err(Some(p), "no such file".to_owned())),
            },
            None => kubeconfig_from_env().map_err(|(p, d)| err(p.as_deref(), d))?,
        };
        let mut config = match kc {
            Some(kc) => {
                crate::kubeconfig_files::check_referenced(&kc, context)
                    .map_err(|d| err(path, d))?;
                let options = KubeConfigOptions {
                    context: context.map(str::to_owned),
                    ..Default::default()
                };
                kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| err(path, kubeconfig_error(&e)))?
            }
            None => {
                let looked = match std::env::var_os(KUBECONFIG) {
                    Some(list) if has_paths(&list) => format!(
                        "none of the files KUBECONFIG lists exists ({})",
                        std::env::split_paths(&list)
                            .filter(|p| !p.as_os_str().is_empty())
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => format!(
                        "KUBECONFIG is not set and {} does not exist",
                        default_kubeconfig().map_or_else(
                            || "~/.kube/config".to_owned(),
                            |p| p.display().to_string()
                        )
                    ),
                };
                if context.is_some() {
                    return Err(err(None, format!("{looked}, so no context can be chosen")));
                }
                let config = kube::Config::incluster().map_err(|e| {
                    err(
                        None,
                        format!("{looked}, and this is not a pod with a service account (in-cluster config: {e})"),
                    )
                })?;
                tracing::debug!("no kubeconfig; using the in-cluster service account");
                config
            }
        };
        // Our own retries are bounded, counted and aware of which requests may repeat.
        config.default_retry = false;
        let server = config.cluster_url.to_string();
        let namespace = config.default_namespace.clone();
        install_crypto_provider();
        let client = kube::Client::try_from(config)
            .map_err(|e| err(path, auth_problem(&e).unwrap_or_else(|| e.to_string())))?;
        Ok(SecretStore {
            server: Some(server.trim_end_matches('/').to_owned()),
            ..SecretStore::new(client, Some(namespace))
        })
    }

    /// The owner (kubetorch's `KT_USERNAME`; see [`manifest::owner_from`]).
    pub fn with_owner(mut self, owner: impl Into<String>) -> SecretStore {
        self.owner = owner.into();
        self
    }

    pub fn with_namespace(mut self, namespace: impl Into<String>) -> SecretStore {
        self.namespace = namespace.into();
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> SecretStore {
        self.retry = retry;
        self
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The API server URL, when the store was made from a kubeconfig.
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

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
    /// Each write sends the whole object, so a failure never leaves it half-written.
    pub async fn apply(&self, secret: &Secret) -> Result<ApplyOutcome> {
        let ns = secret.namespace().unwrap_or(&self.namespace).to_owned();
        manifest::validate(secret, &self.owner, &ns)?;
        let mut desired = manifest::to_manifest(secret, &self.owner);
        desired.metadata.namespace = Some(ns.clone());
        let object = self.object_name_of(secret);
        let outcome = self.apply_manifest(secret, &desired, &object, &ns).await;
        manifest::scrub(&mut desired);
        outcome
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
            let Some(mut existing) = self.call(|| api.get_opt(object)).await.map_err(fail)? else {
                match self.call(|| api.create(&post, desired)).await {
                    Ok(mut created) => {
                        manifest::scrub(&mut created);
                        return Ok(ApplyOutcome::Created);
                    }
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
                manifest::scrub(&mut existing);
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
                manifest::scrub(&mut existing);
                return Err(Error::DataDiffers {
                    target: target(),
                    name: secret.name().to_owned(),
                    keys: keys.into(),
                    writer: manifest::writer_of(&existing),
                    replace: replace_command(secret, ns).into(),
                });
            }
            let mut replacement = manifest::replacement(&existing, desired);
            manifest::scrub(&mut existing);
            let put = self.call(|| api.replace(object, &post, &replacement)).await;
            manifest::scrub(&mut replacement);
            match put {
                Ok(mut replaced) => {
                    manifest::scrub(&mut replaced);
                    return Ok(ApplyOutcome::Replaced);
                }
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
        validate_namespace(&self.namespace)?;
        let name = normalize_name(name)?;
        match self.find(&name).await? {
            Found::Object(obj, object) => Ok((self.decode(*obj)?, object)),
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
        validate_namespace(&self.namespace)?;
        validate_owner(&self.owner)?;
        let mut candidates = vec![self.object_name(&normalize_name(provider)?)];
        if self.owner != manifest::GLOBAL_OWNER {
            candidates.insert(0, format!("{}-{provider}", self.owner));
        }
        for object in candidates {
            if let Some(obj) = self.read(&object).await? {
                return Ok(Some((self.decode(obj)?, object)));
            }
        }
        Ok(None)
    }

    /// Kubetorch's name for [`SecretStore::get`].
    pub async fn from_name(&self, name: &str) -> Result<Secret> {
        self.get(name).await
    }

    fn decode(&self, mut obj: KubeSecret) -> Result<Secret> {
        let secret = manifest::from_manifest(&obj);
        manifest::scrub(&mut obj);
        secret
    }

    async fn read(&self, object: &str) -> Result<Option<KubeSecret>> {
        let api: Api<KubeSecret> = Api::namespaced(self.client.clone(), &self.namespace);
        self.call(|| api.get_opt(object)).await.map_err(|(f, n)| {
            f.into_error(Target::object(object, &self.namespace), n, self.server())
        })
    }

    /// Secrets of the store's namespace (or all namespaces), filtered, sorted by namespace
    /// and object name. One request.
    pub async fn list(&self, options: &ListOptions) -> Result<Vec<SecretInfo>> {
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
        let mut list = self
            .call(|| api.list(&params))
            .await
            .map_err(|(f, n)| f.into_error(target, n, self.server()))?;
        let mut out = Vec::new();
        for obj in &mut list.items {
            let info = SecretInfo::of(obj);
            manifest::scrub(obj);
            let info = info?;
            let keep = options
                .prefix
                .as_deref()
                .is_none_or(|p| info.name.starts_with(p))
                && options
                    .owner
                    .as_deref()
                    .is_none_or(|o| info.owner.as_deref() == Some(o));
            if keep {
                out.push(info);
            }
        }
        out.sort_by(|a, b| (&a.namespace, &a.object_name).cmp(&(&b.namespace, &b.object_name)));
        Ok(out)
    }

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
            Found::Object(mut obj, object) => {
                manifest::scrub(&mut obj);
                self.delete_object(&object).await
            }
            Found::Neither(tried) => Ok(DeleteOutcome::AlreadyGone { tried }),
        }
    }

    async fn delete_object(&self, object: &str) -> Result<DeleteOutcome> {
        let api: Api<KubeSecret> = Api::namespaced(self.client.clone(), &self.namespace);
        let params = DeleteParams::default();
        let target = || Target::object(object, &self.namespace);
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
        if prefix.is_empty() {
            return Err(Error::Invalid {
                subject: "delete by prefix".to_owned(),
                reason: "the prefix is empty; use delete_owned to delete all of the owner's \
                         secrets"
                    .to_owned(),
            });
        }
        self.delete_listed(
            ListOptions {
                prefix: Some(prefix.to_owned()),
                ..Default::default()
            },
            progress,
        )
        .await
    }

    /// Deletes every secret of the owner in the store's namespace.
    pub async fn delete_owned(&self) -> Result<Vec<Deletion>> {
        self.delete_listed(ListOptions::default(), &|_, _, _| {})
            .await
    }

    async fn delete_listed(
        &self,
        mut options: ListOptions,
        progress: Progress<'_>,
    ) -> Result<Vec<Deletion>> {
        validate_owner(&self.owner)?;
        options.owner = Some(self.owner.clone());
        options.all_namespaces = false;
        let found = self.list(&options).await?;
        // A user's provider secrets are `<user>-<provider>` (manifest::object_name_of).
        let users = format!("{}-", self.owner);
        let found: Vec<_> = found
            .into_iter()
            .filter(|i| {
                i.object_name.starts_with(manifest::OBJECT_PREFIX)
                    || i.object_name.starts_with(&users)
            })
            .collect();
        let total = found.len();
        let mut done = 0;
        Ok(stream::iter(found.into_iter().map(|info| async move {
            let result = self.delete_object(&info.object_name).await;
            Deletion {
                object_name: info.object_name,
                namespace: info.namespace,
                result,
            }
        }))
        .buffered(8)
        .inspect(|d| {
            done += 1;
            progress(done, total, &d.object_name);
        })
        .collect()
        .await)
    }

    /// Runs one request, retrying transient failures up to [`RetryPolicy::attempts`] times
    /// with backoff. On failure, returns the last failure and how many attempts were made.
    // Hand-written rather than a retry crate (`backon`'s `Retryable` was weighed): what a
    // crate would take over is only the capped, jittered exponential delay. Everything else
    // stays here either way: kube errors classified into `Failure` (429/5xx, unreachable,
    // timed-out attempts retried; 4xx and auth never), the per-attempt `request_timeout`,
    // the overall `deadline` that also cuts a backoff short, and the number of attempts made,
    // which errors report and the request-count tests check. The 409 read-compare-write rounds
    // of `apply` are not a retry of one future and use the same `RetryPolicy::delay`.
    pub(crate) async fn call<T, F, Fut>(&self, mut op: F) -> std::result::Result<T, (Failure, u32)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = kube::Result<T>>,
    {
        let attempts = self.retry.attempts.max(1);
        let made = AtomicU32::new(0);
        let tries = async {
            loop {
                let attempt = made.fetch_add(1, Ordering::Relaxed) + 1;
                let failure = match tokio::time::timeout(self.retry.request_timeout, op()).await {
                    Ok(Ok(v)) => return Ok(v),
                    Ok(Err(e)) => Failure::classify(e),
                    Err(_) => Failure::Timeout(self.retry.request_timeout),
                };
                if !failure.is_transient() || attempt >= attempts {
                    return Err((failure, attempt));
                }
                tracing::debug!(attempt, "transient API failure; retrying");
                tokio::time::sleep(self.retry.delay(attempt)).await;
            }
        };
        match self.retry.deadline {
            None => tries.await,
            Some(deadline) => match tokio::time::timeout(deadline, tries).await {
                Ok(r) => r,
                Err(_) => Err((
                    Failure::Timeout(deadline),
                    made.load(Ordering::Relaxed).max(1),
                )),
            },
        }
    }
}

const KUBECONFIG: &str = "KUBECONFIG";

/// Whether a `KUBECONFIG` value names any file (kubectl ignores empty entries).
fn has_paths(list: &std::ffi::OsStr) -> bool {
    std::env::split_paths(list).any(|p| !p.as_os_str().is_empty())
}

fn default_kubeconfig() -> Option<std::path::PathBuf> {
    dirs::home_dir().map(|h| h.join(".kube").join("config"))
}

/// The kubeconfig in `path`, `None` if there is no such file.
fn kubeconfig_file(path: &Path) -> std::result::Result<Option<Kubeconfig>, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
        Ok(m) if m.is_dir() => return Err("is a directory, expected a file".to_owned()),
        Ok(_) => {}
    }
    Kubeconfig::read_from(path)
        .map(Some)
        .map_err(|e| kubeconfig_error(&e))
}

/// The files `KUBECONFIG` lists that exist, merged, else `~/.kube/config` if it exists; `None`
/// when there is no such file. A file that exists but does not parse is an error naming it.
fn kubeconfig_from_env()
-> std::result::Result<Option<Kubeconfig>, (Option<std::path::PathBuf>, String)> {
    let paths: Vec<std::path::PathBuf> = match std::env::var_os(KUBECONFIG) {
        // client-go's loading rules split it with filepath.SplitList; empty entries are ignored.
        Some(list) if has_paths(&list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        _ => default_kubeconfig().into_iter().collect(),
    };
    let mut merged: Option<Kubeconfig> = None;
    for p in paths {
        let Some(kc) = kubeconfig_file(&p).map_err(|d| (Some(p.clone()), d))? else {
            tracing::debug!(path = %p.display(), "no such kubeconfig file; skipped, as kubectl does");
            continue;
        };
        merged = Some(match merged {
            None => kc,
            Some(m) => m
                .merge(kc)
                .map_err(|e| (Some(p.clone()), kubeconfig_error(&e)))?,
        });
    }
    Ok(merged)
}

/// Kubeconfig errors without the parser's echo of the offending text, which may be a token.
fn kubeconfig_error(e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::Parse(e) => match e.location() {
            Some(l) => format!(
                "cannot parse it as a kubeconfig: invalid YAML or fields at line {}, column {}",
                l.line(),
                l.column()
            ),
            None => "cannot parse it as a kubeconfig (YAML)".into(),
        },
        other => other.to_string(),
    }
}

/// Picks ring as rustls's process-wide crypto provider unless one is installed: builds that
/// also link aws-lc-rs (kube-fake-client does) leave rustls unable to choose, and building a
/// client would panic.
fn install_crypto_provider() {
    // Err only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
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

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            ..Default::default()
        };
        for _ in 0..20 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d2 = p.delay(2);
            assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200));
            assert!(p.delay(30) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn transient_classification() {
        let api = |code| Failure::Api {
            code,
            reason: String::new(),
            message: String::new(),
        };
        for code in [429, 500, 502, 503, 504] {
            assert!(api(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 422] {
            assert!(!api(code).is_transient(), "{code}");
        }
        assert!(Failure::Timeout(Duration::from_secs(1)).is_transient());
        assert!(Failure::Unreachable("refused".into()).is_transient());
    }

    const CANARY: &str = "canary-exec-token-5c1e";

    /// A kubeconfig whose user gets its token from `script` (a shell script body).
    fn exec_kubeconfig(dir: &Path, script: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let exe = dir.join("credential-plugin");
        std::fs::write(&exe, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o700)).unwrap();
        let kc = dir.join("config");
        std::fs::write(
            &kc,
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: x\n\
                 clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:1'}}}}]\n\
                 contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n\
                 users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1, \
                 interactiveMode: Never, command: '{}', args: ['--token', '{CANARY}']}}}}}}]\n",
                exe.display()
            ),
        )
        .unwrap();
        kc
    }

    #[tokio::test]
    async fn credential_plugin_output_stays_out_of_errors() {
        let dir = tempfile::tempdir().unwrap();
        for (script, says) in [
            // Output that does not parse: kube's parser quotes it.
            (
                format!(
                    "printf '{{\"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{CANARY}\" ]'"
                ),
                "does not parse",
            ),
            // A failing plugin: kube dumps its stdout and stderr, and its command line.
            (
                format!("echo {CANARY}; echo {CANARY} >&2; exit 3"),
                "failed with exit status: 3",
            ),
        ] {
            let kc = exec_kubeconfig(dir.path(), &script);
            let e = SecretStore::from_kubeconfig(Some(&kc), None)
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains(says) && !e.contains(CANARY), "{e}");
        }
        // A token refreshed during a request fails inside the client's service stack.
        use std::os::unix::process::ExitStatusExt;
        let status = std::process::ExitStatus::from_raw(3 << 8);
        let auth = kube::client::AuthError::AuthExecRun {
            cmd: format!("plugin --token {CANARY}"),
            status,
            out: std::process::Output {
                status,
                stdout: CANARY.into(),
                stderr: CANARY.into(),
            },
        };
        let e = Failure::classify(kube::Error::Service(Box::new(auth)))
            .into_error(Target::namespace("ns"), 1, None)
            .to_string();
        assert!(e.contains("failed with") && !e.contains(CANARY), "{e}");
    }
}
