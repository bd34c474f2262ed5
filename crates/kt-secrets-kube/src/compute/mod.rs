//! `Compute`: the resources, image and secrets of a workload, rendered as a `Pod` or as the
//! `PodTemplateSpec` of a controller.
//!
//! Resolving turns each secret given by name into a
//! [`MountedSecret`](crate::pod::MountedSecret): a registered provider's
//! name resolves that provider locally; any other name is a Secret already in the cluster
//! (`resolve`). Rendering is then a pure function of the resolved secrets
//! ([`ResolvedCompute::new`], `resolved`), after its settings are checked (`settings`).

mod error;
mod resolve;
mod resolved;
mod settings;
#[cfg(test)]
mod tests;

use std::fmt;

use kt_secrets_core::{DEFAULT_CONTAINER_HOME, Secret};

use crate::manifest::GLOBAL_OWNER;

pub use error::ComputeError;
pub use resolved::ResolvedCompute;
pub use settings::validate_quantity;

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

/// A secret of a [`Compute`]: a value, or a name resolved when the compute is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    /// A secret given by value: it is written as the compute's owner's.
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
    override_existing: bool,
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
            .field("override_existing", &self.override_existing)
            .finish()
    }
}

impl Compute {
    /// A compute of [`DEFAULT_NAME`] on [`DEFAULT_IMAGE`], with no resources, env or secrets.
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
            override_existing: false,
        }
    }

    /// Lets the secrets resolved from providers replace Secrets in the cluster that hold
    /// other data (a rotated key), as [`Secret::override_existing`] does. Off by default, so a
    /// changed credential is reported rather than silently rolled out.
    pub fn override_existing(mut self, yes: bool) -> Self {
        self.override_existing = yes;
        self
    }

    /// Name of the rendered pod.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The container image.
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

    /// Plain env vars, each as [`env_var`](Self::env_var) takes it.
    pub fn env_vars<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env_vars
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The namespace of the pod and of its managed secrets; unset, the store's when resolving
    /// with a store.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// What `~` means in container paths; `/root` unless the image runs as another user.
    pub fn with_container_home(mut self, home: impl Into<String>) -> Self {
        self.container_home = home.into();
        self
    }

    /// The user whose managed secrets these are: Secret objects are `kt.secret.<owner>.<name>`.
    /// Unset, it is the store's owner when resolving with a store, else
    /// [`GLOBAL_OWNER`].
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// A secret: a [`Secret`] value, or a provider or Kubernetes secret name.
    pub fn secret(mut self, secret: impl Into<SecretRef>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Secrets, each as [`secret`](Self::secret) takes it.
    pub fn with_secrets<S: Into<SecretRef>>(
        mut self,
        secrets: impl IntoIterator<Item = S>,
    ) -> Self {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// What `~` means in container paths.
    pub fn container_home(&self) -> &str {
        &self.container_home
    }

    /// The namespace, if one is set.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The owner of managed secrets ([`GLOBAL_OWNER`] unless set).
    pub fn owner(&self) -> &str {
        self.owner.as_deref().unwrap_or(GLOBAL_OWNER)
    }

    /// The secrets, in the order given.
    pub fn secrets(&self) -> &[SecretRef] {
        &self.secrets
    }
}
