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

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    Pod, PodSpec, PodTemplate, PodTemplateSpec, ReplicationController, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize as _, Serialize};
use serde_json::{Map, Value};

use crate::compute::{ComputeError, SECRET_HASHES_ANNOTATION};
use crate::pod::{MountError, MountPlanner, MountedSecret};

/// The group and read bits the kubelet ORs into the mode of every file of a read-only volume
/// when the pod sets `fsGroup` (`roMask` in kubernetes `pkg/volume/volume_linux.go`).
pub const FS_GROUP_READ_MASK: u32 = 0o440;

/// A kind whose pod templates are known, by API group and kind.
#[derive(Clone, Copy, Debug)]
pub struct KnownKind {
    /// API group (`""` for core).
    pub group: &'static str,
    pub kind: &'static str,
    /// JSON pointers to the pod templates; `*` stands for every element of a list or every
    /// value of a map. `""` is the object itself (a Pod is its own template).
    pub templates: &'static [&'static str],
    check: Option<TypedCheck>,
}

/// Parses a document as its `k8s-openapi` type.
type TypedCheck = fn(&Value) -> Result<(), serde_json::Error>;

fn parses_as<T: DeserializeOwned>(v: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(v).map(|_| ())
}

/// Every kind `inject` finds templates in without `--template-path`.
pub const KNOWN_KINDS: &[KnownKind] = &[
    KnownKind {
        group: "",
        kind: "Pod",
        templates: &[""],
        check: Some(parses_as::<Pod>),
    },
    KnownKind {
        group: "",
        kind: "PodTemplate",
        templates: &["/template"],
        check: Some(parses_as::<PodTemplate>),
    },
    KnownKind {
        group: "",
        kind: "ReplicationController",
        templates: &["/spec/template"],
        check: Some(parses_as::<ReplicationController>),
    },
    KnownKind {
        group: "apps",
        kind: "Deployment",
        templates: &["/spec/template"],
        check: Some(parses_as::<Deployment>),
    },
    KnownKind {
        group: "apps",
        kind: "StatefulSet",
        templates: &["/spec/template"],
        check: Some(parses_as::<StatefulSet>),
    },
    KnownKind {
        group: "apps",
        kind: "DaemonSet",
        templates: &["/spec/template"],
        check: Some(parses_as::<DaemonSet>),
    },
    KnownKind {
        group: "apps",
        kind: "ReplicaSet",
        templates: &["/spec/template"],
        check: Some(parses_as::<ReplicaSet>),
    },
    KnownKind {
        group: "batch",
        kind: "Job",
        templates: &["/spec/template"],
        check: Some(parses_as::<Job>),
    },
    KnownKind {
        group: "batch",
        kind: "CronJob",
        templates: &["/spec/jobTemplate/spec/template"],
        check: Some(parses_as::<CronJob>),
    },
    // KubeRay (ray-operator/apis/ray/v1: RayClusterSpec.HeadGroupSpec.Template,
    // WorkerGroupSpecs[].Template; RayJobSpec.RayClusterSpec).
    KnownKind {
        group: "ray.io",
        kind: "RayCluster",
        templates: &[
            "/spec/headGroupSpec/template",
            "/spec/workerGroupSpecs/*/template",
        ],
        check: None,
    },
    KnownKind {
        group: "ray.io",
        kind: "RayJob",
        templates: &[
            "/spec/rayClusterSpec/headGroupSpec/template",
            "/spec/rayClusterSpec/workerGroupSpecs/*/template",
        ],
        check: None,
    },
    // Kubeflow training-operator v1: a map of replica type (Master, Worker, ...) to ReplicaSpec.
    KnownKind {
        group: "kubeflow.org",
        kind: "PyTorchJob",
        templates: &["/spec/pytorchReplicaSpecs/*/template"],
        check: None,
    },
    KnownKind {
        group: "kubeflow.org",
        kind: "TFJob",
        templates: &["/spec/tfReplicaSpecs/*/template"],
        check: None,
    },
    KnownKind {
        group: "kubeflow.org",
        kind: "MPIJob",
        templates: &["/spec/mpiReplicaSpecs/*/template"],
        check: None,
    },
    // JobSet: each replicated job holds a batch/v1 JobTemplateSpec.
    KnownKind {
        group: "jobset.x-k8s.io",
        kind: "JobSet",
        templates: &["/spec/replicatedJobs/*/template/spec/template"],
        check: None,
    },
];

/// The known kind of `doc` (by `apiVersion` group and `kind`).
pub fn known_kind(doc: &Value) -> Option<&'static KnownKind> {
    let kind = doc.get("kind")?.as_str()?;
    let api_version = doc.get("apiVersion")?.as_str()?;
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    KNOWN_KINDS
        .iter()
        .find(|k| k.kind == kind && k.group == group)
}

/// What can go wrong while injecting. Messages name the document, template, container and
/// field at fault, never a value from the manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// Between the secrets themselves (two secrets claiming one env var), or a bad setting.
    #[error(transparent)]
    Compute(#[from] ComputeError),

    #[error("{at}: {claim} is claimed twice: by the workload ({existing}) and by {secret}")]
    Clash {
        at: String,
        claim: String,
        existing: String,
        secret: String,
    },

    #[error("{at}: not a valid {expected}: {reason}")]
    Invalid {
        at: String,
        expected: String,
        reason: String,
    },

    #[error(
        "{at}: secret {secret:?} is in namespace {secret_namespace:?}, but the object is in \
         namespace {namespace:?}; a pod can only read Secrets of its own namespace"
    )]
    NamespaceMismatch {
        at: String,
        secret: String,
        secret_namespace: String,
        namespace: String,
    },

    #[error("invalid template path {pointer:?}: {reason}")]
    BadPointer { pointer: String, reason: String },
}

impl From<MountError> for InjectError {
    /// As [`ComputeError`]: the secrets among themselves, whatever they are mounted into.
    fn from(e: MountError) -> Self {
        InjectError::Compute(e.into())
    }
}

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

/// One planned entry and the secret it comes from.
struct Planned<T> {
    item: T,
    who: String,
}

struct Plan {
    env: Vec<Planned<Value>>,
    volumes: Vec<Planned<Volume>>,
    mounts: Vec<Planned<Value>>,
    object_names: BTreeSet<String>,
    hashes: BTreeMap<String, String>,
}

impl Injector {
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

    pub fn secrets(&self) -> &[MountedSecret] {
        &self.secrets
    }

    pub fn selected_containers(&self) -> &[String] {
        &self.containers
    }

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

    fn plan(&self, non_root: bool) -> Result<Plan, InjectError> {
        let mut planner = MountPlanner::new(&self.container_home)?;
        let mut plan = Plan {
            env: Vec::new(),
            volumes: Vec::new(),
            mounts: Vec::new(),
            object_names: BTreeSet::new(),
            hashes: BTreeMap::new(),
        };
        for s in &self.secrets {
            let before = planner.planned().clone();
            planner.secret(s)?;
            let who = format!("secret {:?}", s.secret.name());
            let now = planner.planned();
            for e in &now.env[before.env.len()..] {
                plan.env.push(Planned {
                    item: to_value(e, "an env var")?,
                    who: who.clone(),
                });
            }
            for v in &now.volumes[before.volumes.len()..] {
                let mut v = v.clone();
                if non_root && let Some(items) = v.secret.as_mut().and_then(|s| s.items.as_mut()) {
                    for i in items {
                        i.mode = i.mode.map(|m| m | FS_GROUP_READ_MASK as i32);
                    }
                }
                plan.volumes.push(Planned {
                    item: v,
                    who: who.clone(),
                });
            }
            for m in &now.volume_mounts[before.volume_mounts.len()..] {
                plan.mounts.push(Planned {
                    item: to_value(m, "a volume mount")?,
                    who: who.clone(),
                });
            }
            plan.object_names.insert(s.object_name.clone());
            plan.hashes
                .insert(s.object_name.clone(), s.secret.data().content_hash());
        }
        Ok(plan)
    }

    fn inject_template_value(
        &self,
        t: &mut Value,
        at: &str,
        pointer: &str,
    ) -> Result<Injected, InjectError> {
        let typed: PodTemplateSpec =
            PodTemplateSpec::deserialize(&*t).map_err(|e| InjectError::Invalid {
                at: at.to_owned(),
                expected: "pod template".to_owned(),
                reason: redact(&e.to_string()),
            })?;
        let Some(spec) = typed.spec.as_ref() else {
            return Err(InjectError::Invalid {
                at: at.to_owned(),
                expected: "pod template".to_owned(),
                reason: "it has no spec".to_owned(),
            });
        };
        let mut out = Injected::default();
        let mut selected: Vec<(&'static str, usize, String, Option<i64>)> = Vec::new();
        let pod_sc = spec.security_context.as_ref();
        let pod_uid = pod_sc.and_then(|s| s.run_as_user).or(self.run_as_user);
        let pod_non_root = pod_sc.and_then(|s| s.run_as_non_root);
        // runAsNonRoot without a runAsUser: the image's user, whose id is not known here.
        let mut unknown_non_root = false;
        let lists: [(&'static str, &[k8s_openapi::api::core::v1::Container], bool); 2] = [
            ("containers", &spec.containers, true),
            (
                "initContainers",
                spec.init_containers.as_deref().unwrap_or_default(),
                self.init_containers,
            ),
        ];
        for (field, list, wanted) in lists {
            for (i, c) in list.iter().enumerate() {
                out.containers_seen.insert(c.name.clone());
                let picked =
                    wanted && (self.containers.is_empty() || self.containers.contains(&c.name));
                if picked {
                    let sc = c.security_context.as_ref();
                    let uid = sc.and_then(|s| s.run_as_user).or(pod_uid);
                    if uid.is_none()
                        && sc.and_then(|s| s.run_as_non_root).or(pod_non_root) == Some(true)
                    {
                        unknown_non_root = true;
                    }
                    selected.push((field, i, c.name.clone(), uid));
                }
            }
        }
        if selected.is_empty() || self.secrets.is_empty() {
            return Ok(out);
        }
        let non_root_uid = selected
            .iter()
            .find_map(|(_, _, _, uid)| uid.filter(|u| *u != 0));
        let existing_fs_group = pod_sc.and_then(|s| s.fs_group);
        let chosen_gid = self
            .fs_group
            .or_else(|| pod_sc.and_then(|s| s.run_as_group));
        let non_root = non_root_uid.is_some()
            || (unknown_non_root && (existing_fs_group.is_some() || chosen_gid.is_some()));
        let plan = self.plan(non_root)?;

        let spec_v = t
            .get_mut("spec")
            .and_then(Value::as_object_mut)
            .expect("the typed parse found a spec object");

        // Volumes: ours (same name, same Secret object) are replaced in place.
        let volumes = array_field(spec_v, "volumes");
        let mut our_volume_names = BTreeSet::new();
        for pv in &plan.volumes {
            let want = to_value(&pv.item, "a volume")?;
            let secret_name = pv.item.secret.as_ref().and_then(|s| s.secret_name.clone());
            match volumes
                .iter_mut()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(&pv.item.name))
            {
                Some(existing) => {
                    let theirs = existing
                        .pointer("/secret/secretName")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    if theirs.is_none() || theirs != secret_name {
                        return Err(InjectError::Clash {
                            at: at.to_owned(),
                            claim: format!("volume name {}", pv.item.name),
                            existing: describe_volume(existing),
                            secret: pv.who.clone(),
                        });
                    }
                    *existing = want;
                }
                None => volumes.push(want),
            }
            our_volume_names.insert(pv.item.name.clone());
        }
        if volumes.is_empty() {
            spec_v.remove("volumes");
        }

        let mut injected_into = Vec::new();
        for (field, i, name, _) in &selected {
            let c = spec_v
                .get_mut(*field)
                .and_then(|l| l.get_mut(*i))
                .and_then(Value::as_object_mut)
                .expect("the typed parse found this container");
            let cat = format!("{at}, container {name:?}");
            merge_env(c, &plan, &cat)?;
            merge_mounts(c, &plan, &our_volume_names, &cat)?;
            injected_into.push(name.clone());
        }

        // A non-root user reads the files through the pod's fsGroup.
        let has_files = !plan.volumes.is_empty();
        if unknown_non_root && !non_root && has_files {
            out.warnings.push(format!(
                "{at}: a container sets runAsNonRoot but no runAsUser, so its user is the \
                 image's; give --run-as-user UID (and --fs-group GID) so its files are made \
                 readable to that user"
            ));
        }
        if non_root && has_files {
            let user =
                non_root_uid.map_or_else(|| "a non-root user".to_owned(), |u| format!("user {u}"));
            if existing_fs_group.is_none() {
                let gid = chosen_gid
                    .or(non_root_uid)
                    .expect("non-root with a known user or group");
                let sc = spec_v
                    .entry("securityContext")
                    .or_insert_with(|| Value::Object(Map::new()));
                if !sc.is_object() {
                    *sc = Value::Object(Map::new());
                }
                sc.as_object_mut()
                    .expect("just made an object")
                    .insert("fsGroup".to_owned(), gid.into());
            }
            if self.container_home == kt_secrets_core::DEFAULT_CONTAINER_HOME
                && self.secrets.iter().any(|s| {
                    s.secret.mounts().iter().any(|m| {
                        matches!(m, kt_secrets_core::Mount::File { path, .. } if path.starts_with('~'))
                    })
                })
            {
                out.warnings.push(format!(
                    "{at}: a container runs as {user}, but files for `~` go under /root; give \
                     the image user's home with --container-home"
                ));
            }
        }
        let fs_group_now = existing_fs_group.is_some() || (non_root && has_files);
        if fs_group_now {
            for (_, _, name, uid) in &selected {
                if *uid == Some(0) && has_private_files(&self.secrets) {
                    out.warnings.push(format!(
                        "{at}, container {name:?}: runs as root in a pod with fsGroup, so its \
                         private key files are group-readable, which OpenSSH refuses for a key \
                         its reader owns (sshkey_perm_ok); mount them only into non-root \
                         containers (-c)"
                    ));
                }
            }
        }

        // The content hashes: a changed secret changes the template and rolls the workload.
        let t_obj = t.as_object_mut().expect("a pod template is an object");
        let meta = t_obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        let annotations = meta
            .as_object_mut()
            .expect("just made an object")
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !annotations.is_object() {
            *annotations = Value::Object(Map::new());
        }
        let annotations = annotations.as_object_mut().expect("just made an object");
        let mut hashes: BTreeMap<String, String> = annotations
            .get(SECRET_HASHES_ANNOTATION)
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        hashes.extend(plan.hashes.clone());
        annotations.insert(
            SECRET_HASHES_ANNOTATION.to_owned(),
            serde_json::to_string(&hashes)
                .expect("a map of strings serializes")
                .into(),
        );
        out.templates.push((pointer.to_owned(), injected_into));
        Ok(out)
    }
}

/// Whether a secret mounts a file that only its owner may read (an SSH key).
fn has_private_files(secrets: &[MountedSecret]) -> bool {
    secrets.iter().any(|s| {
        s.secret
            .mounts()
            .iter()
            .any(|m| matches!(m, kt_secrets_core::Mount::File { mode, .. } if mode & 0o077 == 0))
    })
}

fn merge_env(c: &mut Map<String, Value>, plan: &Plan, at: &str) -> Result<(), InjectError> {
    let reads_ours = |e: &Value| {
        e.pointer("/valueFrom/secretKeyRef/name")
            .and_then(Value::as_str)
            .is_some_and(|n| plan.object_names.contains(n))
    };
    let planned_names: BTreeSet<&str> = plan
        .env
        .iter()
        .filter_map(|p| p.item.get("name").and_then(Value::as_str))
        .collect();
    let env = array_field(c, "env");
    // What an earlier injection added from these secrets and is no longer planned goes.
    env.retain(|e| {
        !reads_ours(e)
            || e.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| planned_names.contains(n))
    });
    for pe in &plan.env {
        let name = pe
            .item
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match env
            .iter_mut()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(existing) if reads_ours(existing) || *existing == pe.item => {
                *existing = pe.item.clone();
            }
            Some(existing) => {
                return Err(InjectError::Clash {
                    at: at.to_owned(),
                    claim: format!("env var {name}"),
                    existing: describe_env(existing),
                    secret: pe.who.clone(),
                });
            }
            None => env.push(pe.item.clone()),
        }
    }
    if env.is_empty() {
        c.remove("env");
    }
    Ok(())
}

fn merge_mounts(
    c: &mut Map<String, Value>,
    plan: &Plan,
    ours: &BTreeSet<String>,
    at: &str,
) -> Result<(), InjectError> {
    let of_ours = |m: &Value| {
        m.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| ours.contains(n))
    };
    let planned_paths: BTreeSet<&str> = plan
        .mounts
        .iter()
        .filter_map(|p| p.item.get("mountPath").and_then(Value::as_str))
        .collect();
    let mounts = array_field(c, "volumeMounts");
    mounts.retain(|m| {
        !of_ours(m)
            || m.get("mountPath")
                .and_then(Value::as_str)
                .is_some_and(|p| planned_paths.contains(p))
    });
    for pm in &plan.mounts {
        let path = pm
            .item
            .get("mountPath")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match mounts.iter_mut().find(|m| {
            m.get("mountPath")
                .and_then(Value::as_str)
                .map(|p| p.trim_end_matches('/'))
                == Some(path)
        }) {
            Some(existing) if of_ours(existing) => *existing = pm.item.clone(),
            Some(existing) => {
                let vol = existing.get("name").and_then(Value::as_str).unwrap_or("?");
                return Err(InjectError::Clash {
                    at: at.to_owned(),
                    claim: format!("mount path {path}"),
                    existing: format!("volume {vol}"),
                    secret: pm.who.clone(),
                });
            }
            None => mounts.push(pm.item.clone()),
        }
    }
    if mounts.is_empty() {
        c.remove("volumeMounts");
    }
    Ok(())
}

/// The array at `field` of `m`, created when absent (a `null` counts as absent).
fn array_field<'a>(m: &'a mut Map<String, Value>, field: &str) -> &'a mut Vec<Value> {
    let v = m.entry(field).or_insert_with(|| Value::Array(Vec::new()));
    if !v.is_array() {
        *v = Value::Array(Vec::new());
    }
    v.as_array_mut().expect("just made an array")
}

fn describe_env(e: &Value) -> String {
    if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
        format!(
            "from Secret {} key {}",
            r.get("name").and_then(Value::as_str).unwrap_or("?"),
            r.get("key").and_then(Value::as_str).unwrap_or("?")
        )
    } else if e.get("valueFrom").is_some() {
        "its own valueFrom".to_owned()
    } else {
        "its own value".to_owned()
    }
}

fn describe_volume(v: &Value) -> String {
    match v.pointer("/secret/secretName").and_then(Value::as_str) {
        Some(s) => format!("a volume of Secret {s}"),
        None => "its own volume".to_owned(),
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

/// Every concrete pointer that `pattern` (with `*` segments) names in `doc`.
fn expand(doc: &Value, pattern: &str, out: &mut Vec<String>) {
    fn walk(v: &Value, segs: &[&str], at: String, out: &mut Vec<String>) {
        let Some((first, rest)) = segs.split_first() else {
            if v.is_object() {
                out.push(at);
            }
            return;
        };
        let seg = first.replace("~1", "/").replace("~0", "~");
        match (v, seg.as_str()) {
            (Value::Array(a), "*") => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, rest, format!("{at}/{i}"), out);
                }
            }
            (Value::Object(m), "*") => {
                for (k, x) in m {
                    walk(x, rest, format!("{at}/{}", escape(k)), out);
                }
            }
            (Value::Object(m), k) => {
                if let Some(x) = m.get(k) {
                    walk(x, rest, format!("{at}/{}", escape(k)), out);
                }
            }
            (Value::Array(a), k) => {
                if let Some(x) = k.parse::<usize>().ok().and_then(|i| a.get(i)) {
                    walk(x, rest, format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
    }
    let segs: Vec<&str> = if pattern.is_empty() {
        Vec::new()
    } else {
        pattern[1..].split('/').collect()
    };
    walk(doc, &segs, String::new(), out);
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn to_value(v: &impl Serialize, what: &str) -> Result<Value, InjectError> {
    serde_json::to_value(v).map_err(|e| InjectError::Invalid {
        at: what.to_owned(),
        expected: what.to_owned(),
        reason: redact(&e.to_string()),
    })
}

fn from_value<T: DeserializeOwned>(v: Value, what: &str) -> Result<T, InjectError> {
    serde_json::from_value(v).map_err(|e| InjectError::Invalid {
        at: what.to_owned(),
        expected: what.to_owned(),
        reason: redact(&e.to_string()),
    })
}

/// A parser's message without the text it quotes: a manifest's values (an env var's literal
/// value) are not repeated.
pub fn redact(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut quoted = false;
    for c in msg.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("(value not shown)");
            }
            '"' => quoted = false,
            _ if !quoted => out.push(c),
            _ => {}
        }
    }
    out
}

/// Documents of a manifest stream: YAML (`---`-separated) or JSON (one or more values), with
/// `v1` `List`s flattened into their items and empty documents left out. `source` names the
/// input in errors (a file name, or `stdin`).
pub fn parse_stream(text: &str, source: &str) -> Result<Vec<Value>, InjectError> {
    let bad = |reason: String| InjectError::Invalid {
        at: source.to_owned(),
        expected: "YAML or JSON manifest stream".to_owned(),
        reason,
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::Deserializer::from_str(trimmed)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .map_err(|e| {
                bad(format!(
                    "invalid JSON at line {}, column {}",
                    e.line(),
                    e.column()
                ))
            })?
    } else {
        // kubectl reads YAML 1.1 (go-yaml v2): `0644` is octal, `yes` a boolean.
        let options = serde_saphyr::options! {
            legacy_octal_numbers: true,
        };
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
            // The parser's message quotes the text around the fault, which may be a value.
            bad(match e.location() {
                Some(l) => format!("invalid YAML at line {}, column {}", l.line(), l.column()),
                None => "invalid YAML".to_owned(),
            })
        })?
    };
    let mut out = Vec::new();
    for (i, d) in docs.into_iter().enumerate() {
        flatten(d, &mut out, source, i + 1)?;
    }
    Ok(out)
}

fn flatten(d: Value, out: &mut Vec<Value>, source: &str, n: usize) -> Result<(), InjectError> {
    match d {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                flatten(item, out, source, n)?;
            }
            Ok(())
        }
        Value::Object(m)
            if m.get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"))
                && m.get("items").is_some_and(Value::is_array) =>
        {
            let Some(Value::Array(items)) =
                m.into_iter().find(|(k, _)| k == "items").map(|(_, v)| v)
            else {
                unreachable!("checked above")
            };
            for item in items {
                flatten(item, out, source, n)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            out.push(Value::Object(m));
            Ok(())
        }
        _ => Err(InjectError::Invalid {
            at: format!("{source}, document {n}"),
            expected: "Kubernetes object".to_owned(),
            reason: "it is not a mapping".to_owned(),
        }),
    }
}

/// A multi-document YAML stream of `docs`.
pub fn to_yaml_stream(docs: &[Value]) -> Result<String, InjectError> {
    serde_saphyr::to_string_multiple(docs).map_err(|e| InjectError::Invalid {
        at: "output".to_owned(),
        expected: "YAML".to_owned(),
        reason: redact(&e.to_string()),
    })
}

/// A `v1` `List` of `docs`, in their order.
pub fn to_list(docs: Vec<Value>) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": docs,
    })
}
