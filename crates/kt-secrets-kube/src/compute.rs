//! `Compute`: the resources, image and secrets of a workload, rendered as a `Pod` or as the
//! `PodTemplateSpec` of a controller.
//!
//! Resolving turns each secret given by name into a [`MountedSecret`]: a registered provider's
//! name resolves that provider locally; any other name is a Secret already in the cluster.
//! Rendering is then a pure function of the resolved secrets ([`ResolvedCompute::new`]).

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, Pod, PodSpec, PodTemplateSpec, ResourceRequirements, Secret as KubeSecret,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kt_secrets_core::validate::{validate_dns1123_subdomain, validate_namespace, validate_owner};
use kt_secrets_core::{DEFAULT_CONTAINER_HOME, Registry, ResolveContext, Secret};

use crate::SecretStore;
use crate::manifest::GLOBAL_OWNER;
use crate::pod::{MountError, MountedSecret, Ownership, PodMounts, pod_mounts};

/// Image used when a compute names none.
pub const DEFAULT_IMAGE: &str = "python:3.12-slim";
/// Pod name used when a compute names none.
pub const DEFAULT_NAME: &str = "kt-compute";
/// Name of the one container of the pod.
pub const CONTAINER_NAME: &str = "main";
/// Annotation of the pod template: JSON object of Secret object name → content hash. A changed
/// secret changes the template, which is what makes a Deployment roll its pods.
pub const SECRET_HASHES_ANNOTATION: &str = "kt-secrets.dev/secret-hashes";
/// Label naming the compute; a Deployment selects its pods by it.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
/// Extended resource that GPUs are requested under.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

/// Everything that can go wrong while resolving or rendering a compute.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComputeError {
    /// A secret could not be built or resolved.
    #[error(transparent)]
    Secret(#[from] kt_secrets_core::Error),

    /// Reading a Secret that already exists in the cluster failed.
    #[error(transparent)]
    Store(#[from] crate::Error),

    /// Secrets (or the compute's env vars) that cannot share one pod, or a container home
    /// that is not valid.
    #[error(transparent)]
    Mount(MountError),

    /// A secret of another namespace than the compute's.
    #[error(
        "secret {secret:?} is in namespace {secret_namespace:?}, but the compute {}; \
         a pod can only read Secrets of its own namespace",
        match .compute_namespace {
            Some(ns) => format!("runs in namespace {ns:?}"),
            None => "names no namespace".to_owned(),
        }
    )]
    NamespaceMismatch {
        secret: String,
        secret_namespace: String,
        compute_namespace: Option<String>,
    },

    /// A name that is no provider, resolved without a cluster to read it from.
    #[error(
        "{name:?} is not a registered provider, and reading an existing Kubernetes secret needs \
         a cluster; known providers: {}",
        .known.join(", ")
    )]
    NeedsCluster { name: String, known: Vec<String> },

    /// A setting of the compute (name, namespace, image, quantity, owner) that is not valid.
    #[error("invalid {field} {value:?}: {reason}")]
    InvalidSetting {
        field: &'static str,
        value: String,
        reason: String,
    },

    /// A plain env var value that cannot be given to a container.
    #[error("invalid value of env var {var}: {reason}")]
    InvalidEnvValue { var: String, reason: String },
}

impl From<MountError> for ComputeError {
    /// A core error stays [`ComputeError::Secret`], however it was reached.
    fn from(e: MountError) -> Self {
        match e {
            MountError::Secret(e) => ComputeError::Secret(e),
            e => ComputeError::Mount(e),
        }
    }
}

/// A secret of a [`Compute`]: a value, or a name resolved when the compute is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    Secret(Box<Secret>),
    /// A registered provider's name, else the name of a Secret in the cluster.
    Name(String),
}

impl From<Secret> for SecretRef {
    fn from(s: Secret) -> Self {
        SecretRef::Secret(Box::new(s))
    }
}
impl From<&str> for SecretRef {
    fn from(s: &str) -> Self {
        SecretRef::Name(s.to_owned())
    }
}
impl From<String> for SecretRef {
    fn from(s: String) -> Self {
        SecretRef::Name(s)
    }
}
impl From<&String> for SecretRef {
    fn from(s: &String) -> Self {
        SecretRef::Name(s.clone())
    }
}

/// A workload's resources, image, env and secrets: kubetorch's `kt.Compute`.
///
/// ```
/// use kt_secrets_core::Secret;
/// use kt_secrets_kube::{Compute, MountedSecret, ResolvedCompute};
///
/// let key = Secret::from_values("my-api-key", [("API_KEY", "not-a-real-key")])?;
/// let compute = Compute::new()
///     .cpus("1")
///     .gpus(1)
///     .env_var("HF_HOME", "/cache/huggingface");
/// // `Compute::resolve` does this for secrets given by value, provider or name.
/// let resolved = ResolvedCompute::new(compute, vec![MountedSecret::managed(key, "global")])?;
/// let pod = resolved.pod();
/// let env = &pod.spec.unwrap().containers[0].env;
/// assert_eq!(env.as_ref().unwrap()[1].name, "API_KEY");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Compute {
    name: String,
    image: String,
    cpus: Option<String>,
    memory: Option<String>,
    gpus: Option<u32>,
    env_vars: Vec<(String, String)>,
    namespace: Option<String>,
    container_home: String,
    owner: Option<String>,
    secrets: Vec<SecretRef>,
    override_providers: bool,
}

impl Default for Compute {
    fn default() -> Self {
        Compute::new()
    }
}

impl fmt::Debug for Compute {
    // Env var values are configuration, but a user may still put a token there by mistake.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compute")
            .field("name", &self.name)
            .field("image", &self.image)
            .field("cpus", &self.cpus)
            .field("memory", &self.memory)
            .field("gpus", &self.gpus)
            .field(
                "env_vars",
                &self.env_vars.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("namespace", &self.namespace)
            .field("container_home", &self.container_home)
            .field("owner", &self.owner)
            .field("secrets", &self.secrets)
            .field("override_providers", &self.override_providers)
            .finish()
    }
}

impl Compute {
    pub fn new() -> Self {
        Compute {
            name: DEFAULT_NAME.to_owned(),
            image: DEFAULT_IMAGE.to_owned(),
            cpus: None,
            memory: None,
            gpus: None,
            env_vars: Vec::new(),
            namespace: None,
            container_home: DEFAULT_CONTAINER_HOME.to_owned(),
            owner: None,
            secrets: Vec::new(),
            override_providers: false,
        }
    }

    /// Lets the secrets resolved from providers replace Secrets in the cluster that hold
    /// other data (a rotated key), as `Secret`'s `override` does. Off by default, so a
    /// changed credential is reported rather than silently rolled out.
    pub fn override_existing(mut self, yes: bool) -> Self {
        self.override_providers = yes;
        self
    }

    /// Name of the rendered pod.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = image.into();
        self
    }

    /// CPU request as a Kubernetes quantity (`"1"`, `"0.5"`, `"500m"`).
    pub fn cpus(mut self, cpus: impl Into<String>) -> Self {
        self.cpus = Some(cpus.into());
        self
    }

    /// Memory request as a Kubernetes quantity (`"4Gi"`).
    pub fn memory(mut self, memory: impl Into<String>) -> Self {
        self.memory = Some(memory.into());
        self
    }

    /// GPUs, as a `nvidia.com/gpu` limit.
    pub fn gpus(mut self, gpus: u32) -> Self {
        self.gpus = Some(gpus);
        self
    }

    /// A plain (not secret) env var of the container.
    pub fn env_var(mut self, var: impl Into<String>, value: impl Into<String>) -> Self {
        self.env_vars.push((var.into(), value.into()));
        self
    }

    pub fn env_vars<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env_vars
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// What `~` means in container paths; `/root` unless the image runs as another user.
    pub fn container_home(mut self, home: impl Into<String>) -> Self {
        self.container_home = home.into();
        self
    }

    /// The user whose managed secrets these are: Secret objects are `kt.secret.<owner>.<name>`.
    /// Unset, it is the store's owner when resolving with a store, else
    /// [`GLOBAL_OWNER`].
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// A secret: a [`Secret`] value, or a provider or Kubernetes secret name.
    pub fn secret(mut self, secret: impl Into<SecretRef>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    pub fn secrets<S: Into<SecretRef>>(mut self, secrets: impl IntoIterator<Item = S>) -> Self {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// What `~` means in container paths.
    pub fn get_container_home(&self) -> &str {
        &self.container_home
    }

    pub fn get_namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The owner of managed secrets ([`GLOBAL_OWNER`] unless set).
    pub fn get_owner(&self) -> &str {
        self.owner.as_deref().unwrap_or(GLOBAL_OWNER)
    }

    pub fn get_secrets(&self) -> &[SecretRef] {
        &self.secrets
    }

    /// Resolves every secret: values are used as they are, provider names resolve through
    /// `registry` and `ctx`, other names are read from `store`. Without a store, only values
    /// and providers can be resolved. The compute's namespace defaults to the store's.
    pub async fn resolve(
        &self,
        registry: &Registry,
        ctx: &ResolveContext,
        store: Option<&SecretStore>,
    ) -> Result<ResolvedCompute, ComputeError> {
        let mut compute = self.clone();
        if let Some(store) = store {
            compute
                .namespace
                .get_or_insert_with(|| store.namespace().to_owned());
            compute
                .owner
                .get_or_insert_with(|| store.owner().to_owned());
        }
        let owner = compute.get_owner().to_owned();
        let mut mounted = Vec::with_capacity(self.secrets.len());
        let mut notes = Vec::new();
        for s in &self.secrets {
            mounted.push(match s {
                SecretRef::Secret(s) => MountedSecret::managed((**s).clone(), &owner),
                SecretRef::Name(name) if registry.contains(name) => {
                    tracing::debug!(provider = %name, "resolving provider");
                    match Secret::from_provider_in(registry, ctx, name, None).await {
                        Ok(secret) => MountedSecret::managed(
                            secret.with_override(self.override_providers),
                            &owner,
                        ),
                        // Nothing local (a CI runner): the cluster's object for the provider,
                        // as written by us or by Kubetorch, is what the user means.
                        Err(e) if e.is_nothing_found() && store.is_some() => {
                            let store = store.expect("checked");
                            match store.provider_object(name).await? {
                                Some((secret, object)) => {
                                    notes.push(format!(
                                        "{name}: no local credentials found; using the \
                                         cluster's secret {object} (namespace {})",
                                        store.namespace()
                                    ));
                                    MountedSecret::existing(secret, object)
                                }
                                None => return Err(e.into()),
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                SecretRef::Name(name) => match store {
                    Some(store) => {
                        tracing::debug!(secret = %name, "reading existing secret");
                        let (secret, object_name) = store.get_object(name).await?;
                        MountedSecret::existing(secret, object_name)
                    }
                    None => {
                        return Err(ComputeError::NeedsCluster {
                            name: name.clone(),
                            known: registry.names().map(str::to_owned).collect(),
                        });
                    }
                },
            });
        }
        let mut resolved = ResolvedCompute::new(compute, mounted)?;
        resolved.notes = notes;
        Ok(resolved)
    }

    /// [`resolve`](Self::resolve) with the process's providers ([`Registry::global`]: the
    /// built-in ones and its plugins) and the process's env and home
    /// ([`ResolveContext::from_process`]), as kubetorch's `kt.Compute(secrets=[...])` takes
    /// them. The explicit form is for tests and embedders that choose both.
    pub async fn resolve_default(
        &self,
        store: Option<&SecretStore>,
    ) -> Result<ResolvedCompute, ComputeError> {
        let registry = Registry::global()?;
        self.resolve(registry, &ResolveContext::from_process(), store)
            .await
    }
}

/// A compute whose secrets are known: renders its pod and the manifests of its managed secrets.
#[derive(Clone, Debug)]
pub struct ResolvedCompute {
    compute: Compute,
    secrets: Vec<MountedSecret>,
    mounts: PodMounts,
    notes: Vec<String>,
}

impl ResolvedCompute {
    /// Checks the settings, the secrets' namespaces against the compute's, and that no two
    /// sources claim one env var or file. Pure: contacts nothing.
    pub fn new(compute: Compute, secrets: Vec<MountedSecret>) -> Result<Self, ComputeError> {
        check_settings(&compute)?;
        let secrets = secrets
            .into_iter()
            .map(|m| adopt_namespace(m, compute.namespace.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        let mounts = pod_mounts(
            &compute.env_vars,
            "the compute's env_vars",
            &secrets,
            &compute.container_home,
        )?;
        Ok(ResolvedCompute {
            compute,
            secrets,
            mounts,
            notes: Vec::new(),
        })
    }

    /// One line per secret resolved in some other way than asked, for the user to see: a
    /// provider with nothing found locally whose object was taken from the cluster.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn compute(&self) -> &Compute {
        &self.compute
    }

    pub fn namespace(&self) -> Option<&str> {
        self.compute.namespace.as_deref()
    }

    pub fn secrets(&self) -> &[MountedSecret] {
        &self.secrets
    }

    pub fn mounts(&self) -> &PodMounts {
        &self.mounts
    }

    /// The secrets this compute writes (values and providers), in the compute's namespace;
    /// secrets that already exist in the cluster are referred to, not written.
    pub fn managed_secrets(&self) -> impl Iterator<Item = &Secret> {
        self.secrets
            .iter()
            .filter(|m| m.ownership == Ownership::Managed)
            .map(|m| &m.secret)
    }

    /// The Secret manifests of [`managed_secrets`](Self::managed_secrets).
    pub fn secret_manifests(&self) -> Vec<KubeSecret> {
        self.managed_secrets()
            .map(|s| crate::manifest::to_manifest(s, self.compute.get_owner()))
            .collect()
    }

    /// Secret object name → content hash, for every secret the pod reads.
    pub fn secret_hashes(&self) -> BTreeMap<String, String> {
        self.secrets
            .iter()
            .map(|m| (m.object_name.clone(), m.secret.data().content_hash()))
            .collect()
    }

    /// The pod template for a Deployment, Job or other controller.
    pub fn pod_template(&self) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(self.metadata()),
            spec: Some(self.pod_spec()),
        }
    }

    /// A Job running the pod once (`restartPolicy: Never`, as a Job requires Never or
    /// OnFailure).
    pub fn job(&self) -> Job {
        let mut template = self.controller_template();
        if let Some(spec) = template.spec.as_mut() {
            spec.restart_policy = Some("Never".to_owned());
        }
        Job {
            metadata: self.object_metadata(),
            spec: Some(JobSpec {
                template,
                ..Default::default()
            }),
            status: None,
        }
    }

    /// A Deployment of one replica, selecting its pods by the `app.kubernetes.io/name` label.
    pub fn deployment(&self) -> Deployment {
        Deployment {
            metadata: self.object_metadata(),
            spec: Some(DeploymentSpec {
                replicas: Some(1),
                selector: LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        NAME_LABEL.to_owned(),
                        self.compute.name.clone(),
                    )])),
                    ..Default::default()
                },
                template: self.controller_template(),
                ..Default::default()
            }),
            status: None,
        }
    }

    /// The template of a controller: its metadata carries labels and the hashes, not the
    /// object's name and namespace.
    fn controller_template(&self) -> PodTemplateSpec {
        let mut t = self.pod_template();
        if let Some(m) = t.metadata.as_mut() {
            m.name = None;
            m.namespace = None;
        }
        t
    }

    /// The controller's own metadata: name, namespace and labels.
    fn object_metadata(&self) -> ObjectMeta {
        let mut m = self.metadata();
        m.annotations = None;
        m
    }

    /// A standalone pod.
    pub fn pod(&self) -> Pod {
        Pod {
            metadata: self.metadata(),
            spec: Some(self.pod_spec()),
            status: None,
        }
    }

    fn metadata(&self) -> ObjectMeta {
        let hashes =
            serde_json::to_string(&self.secret_hashes()).expect("a map of strings serializes");
        let labels = BTreeMap::from([
            (NAME_LABEL.to_owned(), self.compute.name.clone()),
            (
                "app.kubernetes.io/managed-by".to_owned(),
                "kt-secrets".to_owned(),
            ),
        ]);
        ObjectMeta {
            name: Some(self.compute.name.clone()),
            namespace: self.compute.namespace.clone(),
            labels: Some(labels),
            annotations: Some(BTreeMap::from([(
                SECRET_HASHES_ANNOTATION.to_owned(),
                hashes,
            )])),
            ..Default::default()
        }
    }

    fn pod_spec(&self) -> PodSpec {
        let c = &self.compute;
        let mut requests = BTreeMap::new();
        if let Some(cpus) = &c.cpus {
            requests.insert("cpu".to_owned(), Quantity(cpus.clone()));
        }
        if let Some(memory) = &c.memory {
            requests.insert("memory".to_owned(), Quantity(memory.clone()));
        }
        let mut limits = BTreeMap::new();
        if let Some(gpus) = c.gpus.filter(|g| *g > 0) {
            limits.insert(GPU_RESOURCE.to_owned(), Quantity(gpus.to_string()));
        }
        let resources =
            (!requests.is_empty() || !limits.is_empty()).then(|| ResourceRequirements {
                requests: (!requests.is_empty()).then_some(requests),
                limits: (!limits.is_empty()).then_some(limits),
                ..Default::default()
            });
        let m = &self.mounts;
        PodSpec {
            containers: vec![Container {
                name: CONTAINER_NAME.to_owned(),
                image: Some(c.image.clone()),
                env: (!m.env.is_empty()).then(|| m.env.clone()),
                volume_mounts: (!m.volume_mounts.is_empty()).then(|| m.volume_mounts.clone()),
                resources,
                ..Default::default()
            }],
            volumes: (!m.volumes.is_empty()).then(|| m.volumes.clone()),
            ..Default::default()
        }
    }
}

fn adopt_namespace(
    mut m: MountedSecret,
    compute_ns: Option<&str>,
) -> Result<MountedSecret, ComputeError> {
    match (m.secret.namespace(), compute_ns) {
        (Some(s), Some(c)) if s == c => {}
        (None, Some(c)) => m.secret = m.secret.with_namespace(c),
        (None, None) => {}
        (Some(s), c) => {
            return Err(ComputeError::NamespaceMismatch {
                secret: m.secret.name().to_owned(),
                secret_namespace: s.to_owned(),
                compute_namespace: c.map(str::to_owned),
            });
        }
    }
    Ok(m)
}

fn check_settings(c: &Compute) -> Result<(), ComputeError> {
    let bad = |field: &'static str, value: &str, reason: String| ComputeError::InvalidSetting {
        field,
        value: value.to_owned(),
        reason,
    };
    validate_dns1123_subdomain(&c.name).map_err(|r| bad("pod name", &c.name, r))?;
    if let Some(ns) = &c.namespace {
        validate_namespace(ns).map_err(|e| bad("namespace", ns, e.reason))?;
    }
    if c.image.trim().is_empty() || c.image.chars().any(char::is_whitespace) {
        return Err(bad(
            "image",
            &c.image,
            "must be a non-empty image reference without spaces".to_owned(),
        ));
    }
    if let Some(cpus) = &c.cpus {
        validate_quantity(cpus).map_err(|r| bad("cpus", cpus, r))?;
    }
    if let Some(memory) = &c.memory {
        validate_quantity(memory).map_err(|r| bad("memory", memory, r))?;
    }
    validate_owner(c.get_owner()).map_err(crate::Error::from)?;
    for (var, value) in &c.env_vars {
        if value.contains('\0') {
            return Err(ComputeError::InvalidEnvValue {
                var: var.clone(),
                reason: "contains a NUL byte".to_owned(),
            });
        }
    }
    Ok(())
}

/// A Kubernetes quantity: a non-negative decimal number with an optional binary (`Ki`…`Ei`),
/// decimal (`n`, `u`, `m`, `k`, `M`…`E`) or exponent (`e3`) suffix.
pub fn validate_quantity(q: &str) -> Result<(), String> {
    let body = q.strip_prefix('+').unwrap_or(q);
    if body.starts_with('-') {
        return Err("must not be negative".to_owned());
    }
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    let digits = num.chars().filter(char::is_ascii_digit).count();
    if digits == 0 || num.matches('.').count() > 1 {
        return Err("must start with a number, such as 1, 0.5 or 500m".to_owned());
    }
    const SUFFIXES: &[&str] = &[
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E",
    ];
    if SUFFIXES.contains(&suffix) {
        return Ok(());
    }
    if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit()) {
            return Ok(());
        }
    }
    Err(format!(
        "unknown suffix {suffix:?}; use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_secrets_core::{Origin, Resolved};

    fn env_secret(name: &str, var: &str) -> Secret {
        Secret::from_values(name, [(var, "canary-compute-value")]).unwrap()
    }

    fn file_secret(name: &str, path: &str) -> Secret {
        let mut r = Resolved::new();
        r.add_file("k", "canary-file-value", Origin::Literal, path, 0o600)
            .unwrap();
        Secret::from_parts(name, None, r).unwrap()
    }

    #[test]
    fn quantities() {
        for ok in ["1", "0.5", "500m", "4Gi", "1e3", "+2", ".5", "1.5G"] {
            validate_quantity(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["", "-1", "one", "4GB", "1..2", "1e", "Gi"] {
            assert!(validate_quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pod_has_resources_env_and_mounts() {
        let c = Compute::new()
            .name("train")
            .cpus("2")
            .memory("8Gi")
            .gpus(1)
            .image("my/image:1")
            .namespace("ml")
            .env_var("HF_HOME", "/cache/huggingface");
        let secrets = vec![
            MountedSecret::managed(env_secret("hf", "HF_TOKEN"), "global"),
            MountedSecret::managed(file_secret("cfg", "~/.cfg"), "global"),
        ];
        let r = ResolvedCompute::new(c, secrets).unwrap();
        let pod = r.pod();
        assert_eq!(pod.metadata.name.as_deref(), Some("train"));
        assert_eq!(pod.metadata.namespace.as_deref(), Some("ml"));
        let spec = pod.spec.unwrap();
        let ctr = &spec.containers[0];
        assert_eq!(ctr.image.as_deref(), Some("my/image:1"));
        let res = ctr.resources.as_ref().unwrap();
        assert_eq!(res.requests.as_ref().unwrap()["cpu"].0, "2");
        assert_eq!(res.requests.as_ref().unwrap()["memory"].0, "8Gi");
        assert_eq!(res.limits.as_ref().unwrap()[GPU_RESOURCE].0, "1");
        let env: Vec<_> = ctr
            .env
            .as_ref()
            .unwrap()
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(env, vec!["HF_HOME", "HF_TOKEN"]);
        assert_eq!(
            ctr.volume_mounts.as_ref().unwrap()[0].mount_path,
            "/root/.cfg"
        );
        // The managed secrets land in the compute's namespace.
        let manifests = r.secret_manifests();
        assert_eq!(manifests.len(), 2);
        assert!(
            manifests
                .iter()
                .all(|m| m.metadata.namespace.as_deref() == Some("ml"))
        );
        let json = serde_json::to_string(&pod.metadata).unwrap();
        assert!(!json.contains("canary"), "{json}");
    }

    #[test]
    fn template_hash_changes_with_the_secret() {
        let render = |v: &str| {
            let s = Secret::from_values("k", [("API_KEY", v)]).unwrap();
            ResolvedCompute::new(Compute::new(), vec![MountedSecret::managed(s, "global")])
                .unwrap()
                .pod_template()
        };
        let a = render("one");
        let b = render("two");
        let ann = |t: &PodTemplateSpec| {
            t.metadata.as_ref().unwrap().annotations.as_ref().unwrap()[SECRET_HASHES_ANNOTATION]
                .clone()
        };
        assert_ne!(ann(&a), ann(&b));
        assert_eq!(ann(&a), ann(&render("one")));
        let map: BTreeMap<String, String> = serde_json::from_str(&ann(&a)).unwrap();
        assert_eq!(map.keys().collect::<Vec<_>>(), vec!["kt.secret.global.k"]);
        assert_eq!(a.spec, b.spec);
    }

    #[test]
    fn jobs_and_deployments_carry_the_pod() {
        let s = env_secret("hf", "HF_TOKEN");
        let r = ResolvedCompute::new(
            Compute::new().name("train").namespace("ml"),
            vec![MountedSecret::managed(s, "global")],
        )
        .unwrap();
        let job = r.job();
        assert_eq!(job.metadata.name.as_deref(), Some("train"));
        assert_eq!(job.metadata.namespace.as_deref(), Some("ml"));
        let t = job.spec.unwrap().template;
        let meta = t.metadata.unwrap();
        assert!(meta.name.is_none() && meta.namespace.is_none());
        assert!(
            meta.annotations
                .unwrap()
                .contains_key(SECRET_HASHES_ANNOTATION)
        );
        let spec = t.spec.unwrap();
        assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
        assert_eq!(spec.containers[0].env.as_ref().unwrap()[0].name, "HF_TOKEN");

        let d = r.deployment();
        let ds = d.spec.unwrap();
        let selected = ds.selector.match_labels.unwrap();
        let labels = ds.template.metadata.unwrap().labels.unwrap();
        assert!(selected.iter().all(|(k, v)| labels.get(k) == Some(v)));
        assert_eq!(ds.template.spec.unwrap().restart_policy, None);
    }

    #[test]
    fn namespace_rules() {
        let s = env_secret("a", "A").with_namespace("other");
        let e = ResolvedCompute::new(
            Compute::new().namespace("ml"),
            vec![MountedSecret::managed(s.clone(), "global")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("\"a\"") && e.contains("\"other\"") && e.contains("\"ml\""),
            "{e}"
        );
        let e = ResolvedCompute::new(Compute::new(), vec![MountedSecret::managed(s, "global")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("names no namespace"), "{e}");
        let same = env_secret("b", "B").with_namespace("ml");
        ResolvedCompute::new(
            Compute::new().namespace("ml"),
            vec![MountedSecret::managed(same, "global")],
        )
        .unwrap();
    }

    #[test]
    fn bad_settings_are_named() {
        for (c, field) in [
            (Compute::new().cpus("lots"), "cpus"),
            (Compute::new().memory("4GB"), "memory"),
            (Compute::new().name("Bad_Name"), "pod name"),
            (Compute::new().namespace("a.b"), "namespace"),
            (Compute::new().image(""), "image"),
            (Compute::new().container_home("relative"), "container home"),
            (Compute::new().env_var("1BAD", "x"), "1BAD"),
        ] {
            let e = ResolvedCompute::new(c, vec![]).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn compute_env_clashes_with_a_secret() {
        let e = ResolvedCompute::new(
            Compute::new().env_var("HF_TOKEN", "plain"),
            vec![MountedSecret::managed(
                env_secret("hf", "HF_TOKEN"),
                "global",
            )],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("HF_TOKEN") && e.contains("env_vars") && e.contains("\"hf\""),
            "{e}"
        );
    }

    #[test]
    fn debug_hides_env_values() {
        let c = Compute::new()
            .env_var("TOKENISH", "canary-debug-value")
            .secret(env_secret("x", "X"));
        let d = format!("{c:?}");
        assert!(d.contains("TOKENISH") && !d.contains("canary"), "{d}");
    }

    #[tokio::test]
    async fn resolve_without_a_store() {
        let registry = Registry::empty();
        let ctx = ResolveContext::new("/nonexistent");
        let c = Compute::new()
            .secret(env_secret("given", "GIVEN"))
            .secret("not-a-provider");
        let e = c.resolve(&registry, &ctx, None).await.unwrap_err();
        assert!(
            matches!(e, ComputeError::NeedsCluster { ref name, .. } if name == "not-a-provider"),
            "{e}"
        );
        let ok = Compute::new()
            .secret(env_secret("given", "GIVEN"))
            .resolve(&registry, &ctx, None)
            .await
            .unwrap();
        assert_eq!(ok.secrets()[0].ownership, Ownership::Managed);
        assert_eq!(ok.secrets()[0].object_name, "kt.secret.global.given");
    }
}
