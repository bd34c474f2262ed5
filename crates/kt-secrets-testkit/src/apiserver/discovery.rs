//! Discovery: the version, API groups and resources the server reports, which kubectl reads
//! before it maps or validates a kind.

use std::net::SocketAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
    ServerAddressByClientCIDR,
};
use k8s_openapi::apimachinery::pkg::version::Info;

use super::SERVED_MINOR;

pub(super) fn version() -> Info {
    Info {
        major: "1".to_owned(),
        minor: SERVED_MINOR.to_owned(),
        git_version: format!("v1.{SERVED_MINOR}.0-kt-loopback"),
        git_commit: "0000000000000000000000000000000000000000".to_owned(),
        git_tree_state: "clean".to_owned(),
        build_date: "2025-01-01T00:00:00Z".to_owned(),
        go_version: "go1.23".to_owned(),
        compiler: "gc".to_owned(),
        platform: "linux/amd64".to_owned(),
    }
}

pub(super) fn api_versions(addr: SocketAddr) -> APIVersions {
    APIVersions {
        versions: vec!["v1".to_owned()],
        server_address_by_client_cidrs: vec![ServerAddressByClientCIDR {
            client_cidr: "0.0.0.0/0".to_owned(),
            server_address: addr.to_string(),
        }],
    }
}

/// The API groups besides core whose workload kinds kubectl can map and validate here
/// (`kt-secrets inject` and `render --kind` print them).
pub(super) fn api_groups() -> APIGroupList {
    let group = |name: &str| {
        let gv = GroupVersionForDiscovery {
            group_version: format!("{name}/v1"),
            version: "v1".to_owned(),
        };
        APIGroup {
            name: name.to_owned(),
            versions: vec![gv.clone()],
            preferred_version: Some(gv),
            server_address_by_client_cidrs: None,
        }
    };
    APIGroupList {
        groups: vec![group("apps"), group("batch")],
    }
}

pub(super) fn resource(
    name: &str,
    singular: &str,
    kind: &str,
    namespaced: bool,
    short: &[&str],
) -> APIResource {
    let verbs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    APIResource {
        name: name.to_owned(),
        singular_name: singular.to_owned(),
        kind: kind.to_owned(),
        namespaced,
        verbs: verbs(&[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
        ]),
        short_names: (!short.is_empty()).then(|| verbs(short)),
        ..Default::default()
    }
}

pub(super) fn core_resources() -> APIResourceList {
    let res = resource;
    APIResourceList {
        group_version: "v1".to_owned(),
        resources: vec![
            res("configmaps", "configmap", "ConfigMap", true, &["cm"]),
            res("namespaces", "namespace", "Namespace", false, &["ns"]),
            res("pods", "pod", "Pod", true, &["po"]),
            res("podtemplates", "podtemplate", "PodTemplate", true, &[]),
            res(
                "replicationcontrollers",
                "replicationcontroller",
                "ReplicationController",
                true,
                &["rc"],
            ),
            res("secrets", "secret", "Secret", true, &[]),
            res(
                "serviceaccounts",
                "serviceaccount",
                "ServiceAccount",
                true,
                &["sa"],
            ),
            res("services", "service", "Service", true, &["svc"]),
        ],
    }
}

pub(super) fn group_resources(group_version: &str) -> APIResourceList {
    let res = resource;
    let resources = match group_version {
        "apps/v1" => vec![
            res("daemonsets", "daemonset", "DaemonSet", true, &["ds"]),
            res("deployments", "deployment", "Deployment", true, &["deploy"]),
            res("replicasets", "replicaset", "ReplicaSet", true, &["rs"]),
            res("statefulsets", "statefulset", "StatefulSet", true, &["sts"]),
        ],
        "batch/v1" => vec![
            res("cronjobs", "cronjob", "CronJob", true, &["cj"]),
            res("jobs", "job", "Job", true, &[]),
        ],
        _ => Vec::new(),
    };
    APIResourceList {
        group_version: group_version.to_owned(),
        resources,
    }
}
