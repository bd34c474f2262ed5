//! The Kubernetes side of kt-secrets: a [`kt_secrets_core::Secret`] becomes a Kubernetes
//! `Secret` object ([`manifest`]), and the [`SecretStore`] creates, compares, replaces, reads,
//! lists and deletes those objects through `kube`.
//!
//! Objects stay readable by Python kubetorch (its object names, labels and annotations), and
//! carry the full mount list so [`SecretStore::from_name`] restores a secret exactly.
//!
//! The library never reads the process environment for its settings: the owner (kubetorch's
//! `KT_USERNAME`, else [`manifest::GLOBAL_OWNER`]) is given with [`SecretStore::with_owner`].
//! It enables no `k8s-openapi` version feature; the final binary picks one.

#![deny(missing_docs)]

pub mod compute;
pub mod error;
pub mod inject;
mod kubeconfig_files;
pub mod manifest;
pub mod pair;
pub mod pod;
pub mod render;
pub mod status;
pub mod store;
pub mod sync;
pub mod view;
pub mod workloads;

pub use compute::{Compute, ComputeError, ResolvedCompute, SecretRef};
pub use error::{Error, Result, Target};
pub use inject::{InjectError, Injected, Injector, KNOWN_KINDS};
pub use manifest::{ObjectGuard, Writer};
pub use pod::{
    MountError, MountPlanner, MountedSecret, Ownership, PodMounts, Rotation, live_dir, live_keys,
    pod_mounts, rotation, rotation_of_targets,
};
pub use status::{Local, LocalCheck, StatusEntry, StatusOptions, WorkloadUse, local_state};
pub use store::{
    ApplyOutcome, DeleteOutcome, Deletion, ListOptions, Listed, Progress, RetryPolicy, SecretInfo,
    SecretStore,
};
pub use sync::{SecretResult, SecretSync, SyncOptions, SyncReport, WorkloadResult, WorkloadSync};
pub use view::{ContainerView, ViewError, ViewFile, materialize_pod};
pub use workloads::{Workload, WorkloadKind};

// Re-exported so callers name the exact versions this crate was built against.
pub use k8s_openapi;
pub use kube;
