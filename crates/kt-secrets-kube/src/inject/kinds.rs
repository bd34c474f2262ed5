//! The kinds whose pod templates are known (where each holds them, as JSON pointers with
//! `*`), and finding those templates in a document.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodTemplate, ReplicationController};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A kind whose pod templates are known, by API group and kind.
#[derive(Clone, Copy, Debug)]
pub struct KnownKind {
    /// API group (`""` for core).
    pub group: &'static str,
    /// The kind (`Deployment`).
    pub kind: &'static str,
    /// JSON pointers to the pod templates; `*` stands for every element of a list or every
    /// value of a map. `""` is the object itself (a Pod is its own template).
    pub templates: &'static [&'static str],
    /// Parses a document as the kind's `k8s-openapi` type, for the kinds it has.
    pub(super) check: Option<TypedCheck>,
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

/// Every concrete pointer that `pattern` (with `*` segments) names in `doc`.
pub(super) fn expand(doc: &Value, pattern: &str, out: &mut Vec<String>) {
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
