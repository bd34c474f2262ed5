//! Secrets into existing workloads: the env vars, secret volumes and volume mounts of
//! [`crate::pod`] added to every pod template of a manifest, whatever kind holds it.
//!
//! Documents are worked on as JSON values, so the field order and the fields that
//! `k8s-openapi` does not know survive (serde_json's `preserve_order` is on for the whole
//! workspace). Known Kubernetes kinds are first parsed into their `k8s-openapi` type, and every
//! template into a `PodTemplateSpec`, so a malformed workload is an error rather than a guess.
//!
//! Injecting is idempotent: what an earlier injection added (env vars that read one of the
//! secrets' objects, mounts of their volumes, the volumes themselves) is replaced in place,
//! never duplicated; anything else the workload already has at the same env var, mount path
//! or volume name is a clash, reported with both sides.
//!
//! Non-root containers: a secret volume is written by the kubelet as root. With the pod's
//! `fsGroup` set, the kubelet (`pkg/volume/volume_linux.go`, `SetVolumeOwnership` →
//! `changeFilePermission`) gives every file of a read-only volume the group `fsGroup` and ORs
//! its mode with `roMask` (0440), and the container's processes get `fsGroup` as a
//! supplementary group. OpenSSH checks a key's mode only when the reading user owns the file
//! (`sshkey_perm_ok` in `authfile.c`: `st_uid == getuid() && (st_mode & 077) != 0`), so a
//! root-owned key at 0440 read through the group is accepted; botocore checks no modes. For a
//! container known to run as another user than root, the template therefore gets an `fsGroup`
//! when it has none, and the items the modes the kubelet will give them (mode | 0440), so the
//! manifest says what the container sees.
//!
//! Where each kind keeps its pod templates is `kinds`; `plan` lays out what the secrets add,
//! `template` puts it into one template and `merge` into its containers; `stream` reads and
//! writes manifest streams.

mod error;
mod kinds;
mod merge;
mod plan;
mod stream;
mod template;

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::pod::MountedSecret;

pub use error::{InjectError, redact};
pub use kinds::{KNOWN_KINDS, KnownKind, known_kind};
pub use stream::{parse_stream, to_list, to_yaml_stream};

use error::{from_value, to_value};
use kinds::expand;

/// The group and read bits the kubelet ORs into the mode of every file of a read-only volume
/// when the pod sets `fsGroup` (`roMask` in kubernetes `pkg/volume/volume_linux.go`).
pub const FS_GROUP_READ_MASK: u32 = 0o440;

/// What one injection did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Injected {
    /// Each template injected (its JSON pointer in the object) and the containers that got
    /// the secrets.
    pub templates: Vec<(String, Vec<String>)>,
    /// Every container name seen in the templates (selected or not).
    pub containers_seen: BTreeSet<String>,
    /// Warnings for the user: facts the manifest cannot express (an image's home directory,
    /// a root container reading group-readable keys).
    pub warnings: Vec<String>,
}

impl Injected {
    fn absorb(&mut self, other: Injected) {
        self.templates.extend(other.templates);
        self.containers_seen.extend(other.containers_seen);
        self.warnings.extend(other.warnings);
    }
}

/// Adds a set of secrets to pod templates. Built once, applied to any number of objects.
///
/// ```
/// use kt_secrets_core::Secret;
/// use kt_secrets_kube::inject::Injector;
/// use kt_secrets_kube::MountedSecret;
///
/// let key = Secret::from_values("my-api-key", [("API_KEY", "not-a-real-key")])?;
/// let mut doc: serde_json::Value = serde_json::json!({
///     "apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web"},
///     "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
///         "metadata": {"labels": {"app": "web"}},
///         "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}
/// });
/// let injector = Injector::new(vec![MountedSecret::managed(key, "global")]);
/// injector.inject_value(&mut doc, None)?;
/// assert_eq!(
///     doc["spec"]["template"]["spec"]["containers"][0]["env"][0]["name"],
///     "API_KEY"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Injector {
    secrets: Vec<MountedSecret>,
    container_home: String,
    containers: Vec<String>,
    init_containers: bool,
    run_as_user: Option<i64>,
    fs_group: Option<i64>,
    template_paths: Vec<String>,
}

impl Injector {
    /// An injector of `secrets` into every app container, with `~` as `/root`.
    pub fn new(secrets: Vec<MountedSecret>) -> Self {
        Injector {
            secrets,
            container_home: kt_secrets_core::DEFAULT_CONTAINER_HOME.to_owned(),
            containers: Vec::new(),
            init_containers: false,
            run_as_user: None,
            fs_group: None,
            template_paths: Vec::new(),
        }
    }

    /// What `~` means in mount paths: the home of the image's user (`/root` by default).
    pub fn container_home(mut self, home: impl Into<String>) -> Self {
        self.container_home = home.into();
        self
    }

    /// Only these containers (by name) get the secrets; all app containers when none is given.
    pub fn containers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.containers.extend(names.into_iter().map(Into::into));
        self
    }

    /// Init containers get the secrets too.
    pub fn init_containers(mut self, yes: bool) -> Self {
        self.init_containers = yes;
        self
    }

    /// The user the image runs as when no `securityContext` says so.
    pub fn run_as_user(mut self, uid: i64) -> Self {
        self.run_as_user = Some(uid);
        self
    }

    /// The `fsGroup` to set when a non-root template has none (default: its `runAsGroup`,
    /// else the user's id).
    pub fn fs_group(mut self, gid: i64) -> Self {
        self.fs_group = Some(gid);
        self
    }

    /// A JSON pointer to a pod template in objects of kinds not in [`KNOWN_KINDS`];
    /// `*` matches every element of a list or value of a map.
    pub fn template_path(mut self, pointer: impl Into<String>) -> Result<Self, InjectError> {
        let pointer = pointer.into();
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            return Err(InjectError::BadPointer {
                pointer,
                reason: "a JSON pointer starts with '/' (e.g. /spec/template)".to_owned(),
            });
        }
        self.template_paths.push(pointer);
        Ok(self)
    }

    /// The secrets it adds.
    pub fn secrets(&self) -> &[MountedSecret] {
        &self.secrets
    }

    /// The containers selected by name; empty when all app containers get the secrets.
    pub fn selected_containers(&self) -> &[String] {
        &self.containers
    }

    /// The template paths given for kinds not in [`KNOWN_KINDS`].
    pub fn template_paths(&self) -> &[String] {
        &self.template_paths
    }

    /// The JSON pointers of the pod templates this injector works on in `doc`: its known
    /// kind's, else those the template paths resolve to.
    pub fn template_pointers(&self, doc: &Value) -> Vec<String> {
        let mut out = Vec::new();
        match known_kind(doc) {
            Some(k) => k.templates.iter().for_each(|p| expand(doc, p, &mut out)),
            None => self
                .template_paths
                .iter()
                .for_each(|p| expand(doc, p, &mut out)),
        }
        out
    }

    /// Into a typed pod spec; `meta` is the metadata that gets the content-hash annotation
    /// (the template's, or the Pod's).
    pub fn inject_pod_spec(
        &self,
        spec: &mut PodSpec,
        meta: &mut ObjectMeta,
    ) -> Result<Injected, InjectError> {
        let mut t = PodTemplateSpec {
            metadata: Some(std::mem::take(meta)),
            spec: Some(std::mem::take(spec)),
        };
        let r = self.inject_template(&mut t);
        *meta = t.metadata.unwrap_or_default();
        *spec = t.spec.unwrap_or_default();
        r
    }

    /// Into a typed pod template.
    pub fn inject_template(&self, t: &mut PodTemplateSpec) -> Result<Injected, InjectError> {
        let mut v = to_value(t, "the pod template")?;
        let r = self.inject_template_value(&mut v, "the pod template", "")?;
        *t = from_value(v, "the pod template")?;
        Ok(r)
    }

    /// Into any typed workload (`Deployment`, `Job`, `CronJob`, ...): every template its kind
    /// holds.
    pub fn inject_object<K>(&self, obj: &mut K) -> Result<Injected, InjectError>
    where
        K: k8s_openapi::Resource + Serialize + DeserializeOwned,
    {
        let mut v = to_value(obj, K::KIND)?;
        if let Value::Object(m) = &mut v {
            m.insert("apiVersion".to_owned(), K::API_VERSION.into());
            m.insert("kind".to_owned(), K::KIND.into());
        }
        let r = self.inject_value(&mut v, None)?;
        *obj = from_value(v, K::KIND)?;
        Ok(r)
    }

    /// Into a dynamic object: a known kind's templates, else those at the template paths
    /// (an object where none resolves is left as it is). `default_namespace` is the namespace
    /// of an object that names none.
    pub fn inject_value(
        &self,
        doc: &mut Value,
        default_namespace: Option<&str>,
    ) -> Result<Injected, InjectError> {
        let at = describe(doc, default_namespace);
        let known = known_kind(doc);
        if let Some(check) = known.and_then(|k| k.check) {
            check(doc).map_err(|e| InjectError::Invalid {
                at: at.clone(),
                expected: known.map_or("object", |k| k.kind).to_owned(),
                reason: redact(&e.to_string()),
            })?;
        }
        let pointers = self.template_pointers(doc);
        if let Some(k) = known
            && pointers.is_empty()
        {
            return Err(InjectError::Invalid {
                at,
                expected: k.kind.to_owned(),
                reason: format!("no pod template at {}", k.templates.join(" or ")),
            });
        }
        let mut out = Injected::default();
        if pointers.is_empty() {
            return Ok(out);
        }
        let namespace = doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .or(default_namespace)
            .map(str::to_owned);
        for s in &self.secrets {
            if let Some(sns) = s.secret.namespace()
                && Some(sns) != namespace.as_deref()
            {
                return Err(InjectError::NamespaceMismatch {
                    at,
                    secret: s.secret.name().to_owned(),
                    secret_namespace: sns.to_owned(),
                    namespace: namespace.unwrap_or_else(|| "(none given)".to_owned()),
                });
            }
        }
        for p in pointers {
            let where_ = if p.is_empty() {
                at.clone()
            } else {
                format!("{at} at {p}")
            };
            let t = doc
                .pointer_mut(&p)
                .expect("pointers come from walking this document");
            let r = self.inject_template_value(t, &where_, &p)?;
            out.absorb(r);
        }
        Ok(out)
    }
}

/// `Kind namespace/name` of a document, for messages.
pub fn describe(doc: &Value, default_namespace: Option<&str>) -> String {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("object");
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)");
    match doc
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .or(default_namespace)
    {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}
