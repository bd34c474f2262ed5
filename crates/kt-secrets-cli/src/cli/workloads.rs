//! The arguments of the commands that give secrets to workloads: `render` (a pod of its
//! own), `run` (a command here, as the container sees it) and `inject` (the pod templates of
//! any manifest), with `inject`'s help.

use std::path::PathBuf;

use clap::Args;

use super::{ManifestFormat, WorkloadKind};

pub(super) const INJECT_ABOUT: &str = "\
Read Kubernetes manifests (YAML, multi-document `---` streams, JSON, or a v1 List) from files or \
stdin, and add the secrets' env vars, secret volumes and volume mounts to every pod template, \
plus the secrets' content-hash annotation on the template so a changed secret rolls the \
workload. Each --secret is a provider name (resolved from this machine's credentials) or the \
name of a Secret already in the cluster.

Nothing else changes: field order, unknown fields, the workload's own env, mounts and \
annotations stay, and documents of other kinds pass through (comments aside). Injecting twice \
gives the same output. An env var, mount path or volume the workload already has and a secret \
also claims is an error naming both.

All app containers get the secrets, or those named with -c; init containers only with \
--init-containers. Each object's namespace is its metadata.namespace, else -n, else the \
context's; provider secrets are created in every namespace a workload uses.

Without --dry-run, provider secrets are created or updated first and the output holds the input \
objects only. With --dry-run, no cluster is contacted and the provider Secret manifests come \
first.

Non-root images: when a securityContext sets runAsUser other than 0, or --run-as-user is given, \
the pod gets an fsGroup (--fs-group, else runAsGroup, else the user id) unless it has one, and \
file modes readable through that group; OpenSSH accepts such root-owned keys. Give the image \
user's home with --container-home, since `~` in mount paths means /root otherwise.";

/// The kinds `inject` knows; a test checks the list against the library's.
pub(super) const INJECT_KINDS: &str = "\
Known kinds and their pod templates:
  Pod                                     the object itself
  PodTemplate                             template
  Deployment, StatefulSet, DaemonSet,
  ReplicaSet, ReplicationController, Job  spec.template
  CronJob                                 spec.jobTemplate.spec.template
  RayCluster (ray.io)                     spec.headGroupSpec.template,
                                          spec.workerGroupSpecs[*].template
  RayJob (ray.io)                         the same under spec.rayClusterSpec
  PyTorchJob, TFJob, MPIJob (kubeflow.org) spec.{pytorch,tf,mpi}ReplicaSpecs.*.template
  JobSet (jobset.x-k8s.io)                spec.replicatedJobs[*].template.spec.template
Other kinds: --template-path /spec/template (a JSON pointer; * matches every element).

Examples:
  helm template my-release ./chart | kt-secrets inject --secret aws --secret huggingface | kubectl apply -f -
  kubectl kustomize . | kt-secrets inject --secret ssh -c trainer --run-as-user 1000 --container-home /home/app --dry-run";

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A provider name, or the name of a Secret in the cluster. Repeatable.
    #[arg(long = "secret", value_name = "NAME_OR_PROVIDER")]
    pub secrets: Vec<String>,

    /// Also mount every provider that finds credentials on this machine (those that find
    /// nothing are left out, and listed on stderr). A provider whose credentials are there
    /// but broken is an error, as with --secret.
    #[arg(long)]
    pub all_found: bool,

    /// Container image.
    #[arg(long, value_name = "IMG", default_value = kt_secrets::kube::compute::DEFAULT_IMAGE)]
    pub image: String,

    /// CPU request, as a Kubernetes quantity (1, 0.5, 500m).
    #[arg(long, value_name = "C")]
    pub cpus: Option<String>,

    /// Memory request, as a Kubernetes quantity (512Mi, 4Gi).
    #[arg(long, value_name = "M")]
    pub memory: Option<String>,

    /// GPUs, as a nvidia.com/gpu limit.
    #[arg(long, value_name = "G")]
    pub gpus: Option<u32>,

    /// A plain (not secret) env var of the container. Repeatable.
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,

    /// Pod name.
    #[arg(long, value_name = "NAME", default_value = kt_secrets::kube::compute::DEFAULT_NAME)]
    pub name: String,

    /// The container's home directory: what `~` means in mount paths.
    #[arg(long, value_name = "DIR", default_value = kt_secrets::DEFAULT_CONTAINER_HOME)]
    pub container_home: String,

    /// Contact no cluster: providers only, nothing applied.
    #[arg(long)]
    pub dry_run: bool,

    /// Let provider secrets replace Secrets in the cluster that hold other data (say, a
    /// rotated key). Without it such a Secret stops the command, naming the keys that differ.
    #[arg(long = "override")]
    pub override_existing: bool,

    /// Print the pod as a Pod, a Job, or a Deployment of one replica.
    #[arg(long, value_enum, default_value_t = WorkloadKind::Pod)]
    pub kind: WorkloadKind,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A provider name, or the name of a Secret in the cluster. Repeatable.
    #[arg(long = "secret", value_name = "NAME_OR_PROVIDER")]
    pub secrets: Vec<String>,

    /// Also every provider that finds credentials on this machine (those that find nothing
    /// are left out, and listed on stderr).
    #[arg(long)]
    pub all_found: bool,

    /// The container's home directory: what `~` means in mount paths.
    #[arg(long, value_name = "DIR", default_value = kt_secrets::DEFAULT_CONTAINER_HOME)]
    pub container_home: String,

    /// Also pass this env var of yours to CMD (the container's own vars win). Repeatable.
    #[arg(long, value_name = "VAR")]
    pub keep_env: Vec<String>,

    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// A manifest file, or - for stdin (the default). Repeatable; objects keep their order.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// A provider name, or the name of a Secret in the cluster. Repeatable.
    #[arg(long = "secret", value_name = "NAME_OR_PROVIDER")]
    pub secrets: Vec<String>,

    /// Also every provider that finds credentials on this machine (as for `render`).
    #[arg(long)]
    pub all_found: bool,

    /// Only this container gets the secrets (repeatable); default: every app container.
    #[arg(short = 'c', long = "container", value_name = "CONTAINER")]
    pub containers: Vec<String>,

    /// Init containers get the secrets too.
    #[arg(long)]
    pub init_containers: bool,

    /// The home directory of the image's user: what `~` means in mount paths. Give it for
    /// images that do not run as root.
    #[arg(long, value_name = "DIR", default_value = kt_secrets::DEFAULT_CONTAINER_HOME)]
    pub container_home: String,

    /// The user the image runs as, where no securityContext says (USER of the Dockerfile).
    #[arg(long, value_name = "UID", value_parser = clap::value_parser!(i64).range(0..=i64::from(u32::MAX)))]
    pub run_as_user: Option<i64>,

    /// The fsGroup to give non-root pods that have none (default: runAsGroup, else the user).
    #[arg(long, value_name = "GID", value_parser = clap::value_parser!(i64).range(0..=i64::from(u32::MAX)))]
    pub fs_group: Option<i64>,

    /// JSON pointer to the pod template in objects of other kinds (e.g. /spec/template; `*`
    /// matches every element of a list or map). Repeatable.
    #[arg(long = "template-path", value_name = "POINTER")]
    pub template_paths: Vec<String>,

    /// Contact no cluster: providers only; their Secret manifests are printed first.
    #[arg(long)]
    pub dry_run: bool,

    /// Let provider secrets replace Secrets in the cluster that hold other data.
    #[arg(long = "override")]
    pub override_existing: bool,

    /// Output format: a multi-document YAML stream, or a JSON v1 List.
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inject_help_lists_every_known_kind() {
        for k in kt_secrets::kube::KNOWN_KINDS {
            assert!(INJECT_KINDS.contains(k.kind), "{} missing", k.kind);
            if !k.group.is_empty() && !["apps", "batch"].contains(&k.group) {
                assert!(INJECT_KINDS.contains(k.group), "{} missing", k.group);
            }
        }
    }
}
