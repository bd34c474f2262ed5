//! The workloads that read Secrets: Pods, Deployments, StatefulSets, DaemonSets, Jobs and
//! CronJobs, found with one list request per kind whatever their number, and the pod-template
//! annotation that rolls them when a Secret changes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::serde::de::DeserializeOwned;
use kube::api::{Api, ListParams, Patch, PatchParams};

use crate::compute::SECRET_HASHES_ANNOTATION;
use crate::error::{Result, Target};
use crate::store::SecretStore;

/// A kind of workload whose pods can read Secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `batch/v1` CronJob.
    CronJob,
    /// `batch/v1` Job.
    Job,
    /// `v1` Pod.
    Pod,
}

impl WorkloadKind {
    /// Every kind, in the order they are listed.
    pub const ALL: [WorkloadKind; 6] = [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::CronJob,
        WorkloadKind::Job,
        WorkloadKind::Pod,
    ];

    /// The kind as Kubernetes spells it (`Deployment`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::Job => "Job",
            WorkloadKind::Pod => "Pod",
        }
    }

    /// kubectl's resource name (`deployment`), as in `deployment/web`.
    pub fn resource(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
            WorkloadKind::CronJob => "cronjob",
            WorkloadKind::Job => "job",
            WorkloadKind::Pod => "pod",
        }
    }

    /// Whether patching its pod template restarts its pods. A Job's template is immutable
    /// and a Pod has none: both must be recreated. A CronJob's next runs get the new template.
    pub fn rolls(self) -> bool {
        !matches!(self, WorkloadKind::Job | WorkloadKind::Pod)
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A workload and the Secrets its pods read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Names of the Secret objects its pod spec reads (volumes, projected volumes, env,
    /// envFrom, in every container).
    pub secrets: BTreeSet<String>,
    /// The pod template's `kt-secrets.dev/secret-hashes`, object name → content hash; `None`
    /// when the annotation is absent or is not such a map.
    pub hashes: Option<BTreeMap<String, String>>,
}

impl Workload {
    /// Whether it mounts `object` with content other than `hash` (or does not say which).
    pub fn is_stale(&self, object: &str, hash: &str) -> bool {
        self.secrets.contains(object)
            && self
                .hashes
                .as_ref()
                .and_then(|h| h.get(object))
                .is_none_or(|h| h != hash)
    }

    /// `deployment/web`.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind.resource(), self.name)
    }
}

/// Secret object names a pod spec reads.
pub fn secrets_of(spec: &PodSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in spec.volumes.iter().flatten() {
        if let Some(name) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
            out.insert(name);
        }
        for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(s) = &p.secret {
                out.insert(s.name.clone());
            }
        }
    }
    // Containers and ephemeral containers are types of their own with the same env fields.
    let envs = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .map(|c| (&c.env, &c.env_from))
        .chain(
            spec.ephemeral_containers
                .iter()
                .flatten()
                .map(|c| (&c.env, &c.env_from)),
        );
    for (env, env_from) in envs {
        for e in env.iter().flatten() {
            if let Some(r) = e
                .value_from
                .as_ref()
                .and_then(|f| f.secret_key_ref.as_ref())
            {
                out.insert(r.name.clone());
            }
        }
        for f in env_from.iter().flatten() {
            if let Some(r) = &f.secret_ref {
                out.insert(r.name.clone());
            }
        }
    }
    out
}

/// The secret-hashes annotation of `meta`.
pub fn hashes_of(meta: Option<&ObjectMeta>) -> Option<BTreeMap<String, String>> {
    let json = meta?.annotations.as_ref()?.get(SECRET_HASHES_ANNOTATION)?;
    serde_json::from_str(json).ok()
}

/// A workload kind as its `k8s-openapi` type: what it is listed as, where the spec and
/// metadata of its pods sit, and how a patch reaches its pod template.
trait KindObject:
    kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + Clone
    + DeserializeOwned
    + fmt::Debug
{
    const KIND: WorkloadKind;

    /// The spec and metadata of its pods: its pod template's, or a Pod's own.
    fn pods(&self) -> (Option<&PodSpec>, Option<&ObjectMeta>);

    /// A merge patch setting `template` (a partial pod template) in the object.
    fn template_patch(template: serde_json::Value) -> serde_json::Value {
        serde_json::json!({ "spec": { "template": template } })
    }
}

/// The spec and metadata of the pods of `template`.
fn of_template(template: Option<&PodTemplateSpec>) -> (Option<&PodSpec>, Option<&ObjectMeta>) {
    (
        template.and_then(|t| t.spec.as_ref()),
        template.and_then(|t| t.metadata.as_ref()),
    )
}

/// Kinds whose pod template is `spec.template`.
macro_rules! template_in_spec {
    ($($ty:ty => $kind:ident),* $(,)?) => {$(
        impl KindObject for $ty {
            const KIND: WorkloadKind = WorkloadKind::$kind;

            fn pods(&self) -> (Option<&PodSpec>, Option<&ObjectMeta>) {
                of_template(self.spec.as_ref().map(|s| &s.template))
            }
        }
    )*};
}

template_in_spec!(
    Deployment => Deployment,
    StatefulSet => StatefulSet,
    DaemonSet => DaemonSet,
    Job => Job,
);

impl KindObject for CronJob {
    const KIND: WorkloadKind = WorkloadKind::CronJob;

    fn pods(&self) -> (Option<&PodSpec>, Option<&ObjectMeta>) {
        of_template(
            self.spec
                .as_ref()
                .and_then(|s| s.job_template.spec.as_ref())
                .map(|s| &s.template),
        )
    }

    fn template_patch(template: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"spec": {"jobTemplate": {"spec": {"template": template}}}})
    }
}

impl KindObject for Pod {
    const KIND: WorkloadKind = WorkloadKind::Pod;

    fn pods(&self) -> (Option<&PodSpec>, Option<&ObjectMeta>) {
        (self.spec.as_ref(), Some(&self.metadata))
    }
}

/// Whether `meta` names a controller among its owners: such an object is shown through that
/// controller (a Deployment's pods through the Deployment, a CronJob's Jobs through the
/// CronJob), and rolled by it.
fn controlled(meta: &ObjectMeta) -> bool {
    meta.owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true))
}

impl SecretStore {
    /// Every workload of the store's namespace (or of all namespaces) that reads a Secret,
    /// sorted by namespace, kind and name. One list request per kind; Pods and Jobs owned by
    /// a controller are left out, as their controller stands for them.
    pub async fn workloads(&self, all_namespaces: bool) -> Result<Vec<Workload>> {
        let mut out = Vec::new();
        for kind in WorkloadKind::ALL {
            out.extend(match kind {
                WorkloadKind::Deployment => self.list_of::<Deployment>(all_namespaces).await?,
                WorkloadKind::StatefulSet => self.list_of::<StatefulSet>(all_namespaces).await?,
                WorkloadKind::DaemonSet => self.list_of::<DaemonSet>(all_namespaces).await?,
                WorkloadKind::CronJob => self.list_of::<CronJob>(all_namespaces).await?,
                WorkloadKind::Job => self.list_of::<Job>(all_namespaces).await?,
                WorkloadKind::Pod => self.list_of::<Pod>(all_namespaces).await?,
            });
        }
        out.retain(|w| !w.secrets.is_empty());
        out.sort_by(|a, b| (&a.namespace, a.kind, &a.name).cmp(&(&b.namespace, b.kind, &b.name)));
        Ok(out)
    }

    /// The workloads of kind `K`, with one list request; those of a kind that its controller
    /// stands for (Jobs, Pods) are left out when a controller owns them.
    async fn list_of<K: KindObject>(&self, all_namespaces: bool) -> Result<Vec<Workload>> {
        let shown_when_controlled = !matches!(K::KIND, WorkloadKind::Job | WorkloadKind::Pod);
        let items = self.list_kind::<K>(all_namespaces).await?;
        Ok(items
            .iter()
            .filter(|o| shown_when_controlled || !controlled(o.meta()))
            .map(|o| {
                let meta = o.meta();
                let (spec, pod_meta) = o.pods();
                Workload {
                    kind: K::KIND,
                    namespace: meta.namespace.clone().unwrap_or_default(),
                    name: meta.name.clone().unwrap_or_default(),
                    secrets: spec.map(secrets_of).unwrap_or_default(),
                    hashes: hashes_of(pod_meta),
                }
            })
            .collect())
    }

    async fn list_kind<K>(&self, all_namespaces: bool) -> Result<Vec<K>>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + fmt::Debug,
        K::DynamicType: Default,
    {
        let (api, target): (Api<K>, Target) = if all_namespaces {
            (Api::all(self.client().clone()), Target::all_namespaces())
        } else {
            kt_secrets_core::validate::validate_namespace(self.namespace())?;
            (
                Api::namespaced(self.client().clone(), self.namespace()),
                Target::namespace(self.namespace()),
            )
        };
        let params = ListParams::default();
        self.call(|| api.list(&params))
            .await
            .map(|l| l.items)
            .map_err(|(f, n)| f.into_error(target, n, self.server()))
    }

    /// Sets the pod template's secret-hashes annotation of `workload` to `hashes`: a change
    /// of the template, so its controller replaces its pods as `kubectl rollout restart`
    /// does (which patches an annotation of the template too). A merge patch touches nothing
    /// else, and one request either lands whole or not at all.
    pub async fn roll(&self, workload: &Workload, hashes: &BTreeMap<String, String>) -> Result<()> {
        match workload.kind {
            WorkloadKind::Deployment => self.roll_of::<Deployment>(workload, hashes).await,
            WorkloadKind::StatefulSet => self.roll_of::<StatefulSet>(workload, hashes).await,
            WorkloadKind::DaemonSet => self.roll_of::<DaemonSet>(workload, hashes).await,
            WorkloadKind::CronJob => self.roll_of::<CronJob>(workload, hashes).await,
            WorkloadKind::Job | WorkloadKind::Pod => Err(crate::Error::Invalid {
                subject: workload.reference(),
                reason: "its pods cannot be rolled by a template change; recreate it".to_owned(),
            }),
        }
    }

    /// [`roll`](Self::roll) of a workload of kind `K`.
    async fn roll_of<K: KindObject>(
        &self,
        workload: &Workload,
        hashes: &BTreeMap<String, String>,
    ) -> Result<()> {
        let json = serde_json::to_string(hashes).expect("a map of strings serializes");
        let annotations = serde_json::json!({ SECRET_HASHES_ANNOTATION: json });
        let body =
            K::template_patch(serde_json::json!({ "metadata": { "annotations": annotations } }));
        let ns = workload.namespace.as_str();
        let target = Target::object(workload.reference(), ns);
        let params = PatchParams::default();
        let patch = Patch::Merge(&body);
        let api: Api<K> = Api::namespaced(self.client().clone(), ns);
        self.call(|| api.patch(&workload.name, &params, &patch))
            .await
            .map(drop)
            .map_err(|(f, n)| f.into_error(target, n, self.server()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        Container, EnvFromSource, EnvVar, EnvVarSource, ProjectedVolumeSource, SecretEnvSource,
        SecretKeySelector, SecretProjection, SecretVolumeSource, Volume, VolumeProjection,
    };

    #[test]
    fn every_way_a_pod_reads_a_secret_is_found() {
        let spec = PodSpec {
            containers: vec![Container {
                name: "c".into(),
                env: Some(vec![EnvVar {
                    name: "A".into(),
                    value_from: Some(EnvVarSource {
                        secret_key_ref: Some(SecretKeySelector {
                            name: "by-env".into(),
                            key: "k".into(),
                            optional: None,
                        }),
                        ..Default::default()
                    }),
                    value: None,
                }]),
                env_from: Some(vec![EnvFromSource {
                    secret_ref: Some(SecretEnvSource {
                        name: "by-env-from".into(),
                        optional: None,
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }],
            init_containers: Some(vec![Container {
                name: "i".into(),
                env_from: Some(vec![EnvFromSource {
                    secret_ref: Some(SecretEnvSource {
                        name: "by-init".into(),
                        optional: None,
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }]),
            volumes: Some(vec![
                Volume {
                    name: "v".into(),
                    secret: Some(SecretVolumeSource {
                        secret_name: Some("by-volume".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                Volume {
                    name: "p".into(),
                    projected: Some(ProjectedVolumeSource {
                        sources: Some(vec![VolumeProjection {
                            secret: Some(SecretProjection {
                                name: "by-projection".into(),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        let found: Vec<String> = secrets_of(&spec).into_iter().collect();
        assert_eq!(
            found,
            [
                "by-env",
                "by-env-from",
                "by-init",
                "by-projection",
                "by-volume"
            ]
        );
    }

    #[test]
    fn stale_unless_the_template_carries_the_current_hash() {
        let mut w = Workload {
            kind: WorkloadKind::Deployment,
            namespace: "ns".into(),
            name: "web".into(),
            secrets: BTreeSet::from(["s".to_owned()]),
            hashes: None,
        };
        assert!(
            w.is_stale("s", "h1"),
            "no annotation: nothing says it is current"
        );
        w.hashes = Some(BTreeMap::from([("s".to_owned(), "h1".to_owned())]));
        assert!(!w.is_stale("s", "h1"));
        assert!(w.is_stale("s", "h2"));
        assert!(!w.is_stale("other", "h2"), "it does not mount other");
    }
}
