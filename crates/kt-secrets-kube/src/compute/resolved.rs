//! [`ResolvedCompute`]: a compute whose secrets are known, and the objects it renders as (a
//! Pod, a pod template, a Job, a Deployment, and the Secret manifests of its managed secrets).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, Pod, PodSpec, PodTemplateSpec, ResourceRequirements, Secret as KubeSecret,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kt_secrets_core::Secret;

use super::settings::{adopt_namespace, check_settings};
use super::{
    CONTAINER_NAME, Compute, ComputeError, GPU_RESOURCE, NAME_LABEL, SECRET_HASHES_ANNOTATION,
};
use crate::pod::{MountedSecret, Ownership, PodMounts, pod_mounts};

/// A compute whose secrets are known: renders its pod and the manifests of its managed secrets.
#[derive(Clone, Debug)]
pub struct ResolvedCompute {
    compute: Compute,
    secrets: Vec<MountedSecret>,
    mounts: PodMounts,
    pub(super) notes: Vec<String>,
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

    /// The compute, with the store's namespace and owner where it set none.
    pub fn compute(&self) -> &Compute {
        &self.compute
    }

    /// The namespace of the pod and of the secrets, if any is set.
    pub fn namespace(&self) -> Option<&str> {
        self.compute.namespace.as_deref()
    }

    /// Every secret the pod reads, in the compute's order.
    pub fn secrets(&self) -> &[MountedSecret] {
        &self.secrets
    }

    /// The env vars, volumes and volume mounts that deliver the secrets.
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
            .flat_map(|s| crate::pair::manifests(s, self.compute.owner()))
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
