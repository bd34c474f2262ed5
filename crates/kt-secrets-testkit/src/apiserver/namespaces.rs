//! Namespaces, which the in-memory API cannot serve at their cluster-scoped paths, so the front
//! keeps them: listing, creating, reading, and deleting one with what it holds.

use std::sync::atomic::Ordering;

use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, NamespaceStatus, Pod, Secret as KubeSecret, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::de::DeserializeOwned;

use super::serve::{Reply, json_reply, status_message, status_reply};
use super::{State, lock};

pub(super) enum NamespaceRoute {
    Collection,
    One(String),
}

/// `/api/v1/namespaces` and `/api/v1/namespaces/<name>`; deeper paths are namespaced resources.
pub(super) fn namespace_route(path: &str) -> Option<NamespaceRoute> {
    let rest = path.strip_prefix("/api/v1/namespaces")?;
    match rest.trim_end_matches('/') {
        "" => Some(NamespaceRoute::Collection),
        one => {
            let name = one.strip_prefix('/')?;
            (!name.contains('/')).then(|| NamespaceRoute::One(name.to_owned()))
        }
    }
}

pub(super) fn new_namespace(name: &str, version: u64) -> Namespace {
    let mut ns = Namespace {
        status: Some(NamespaceStatus {
            phase: Some("Active".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    ns.metadata.name = Some(name.to_owned());
    ns.metadata.uid = Some(format!("kt-loopback-namespace-{version}"));
    ns.metadata.resource_version = Some(version.to_string());
    ns.metadata.creation_timestamp = Some(Time(k8s_openapi::jiff::Timestamp::now()));
    ns
}

pub(super) async fn namespaces(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    route: NamespaceRoute,
) -> Reply {
    let not_found = |name: &str| {
        status_message(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("namespaces \"{name}\" not found"),
        )
    };
    match (method, route) {
        (&Method::GET, NamespaceRoute::Collection) => {
            let list = k8s_openapi::List::<Namespace> {
                items: lock(&state.namespaces).values().cloned().collect(),
                ..Default::default()
            };
            json_reply(StatusCode::OK, &list)
        }
        (&Method::POST, NamespaceRoute::Collection) => {
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return status_reply(StatusCode::BAD_REQUEST, "BadRequest"),
            };
            let Ok(posted) = serde_json::from_slice::<Namespace>(&body) else {
                return status_reply(StatusCode::BAD_REQUEST, "BadRequest");
            };
            let Some(name) = posted.metadata.name.clone() else {
                return status_message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid",
                    "metadata.name: Required value".to_owned(),
                );
            };
            let mut all = lock(&state.namespaces);
            if all.contains_key(&name) {
                return status_message(
                    StatusCode::CONFLICT,
                    "AlreadyExists",
                    format!("namespaces \"{name}\" already exists"),
                );
            }
            let mut ns = new_namespace(&name, state.served.load(Ordering::SeqCst) + 1000);
            ns.metadata.labels = posted.metadata.labels;
            ns.metadata.annotations = posted.metadata.annotations;
            all.insert(name, ns.clone());
            json_reply(StatusCode::CREATED, &ns)
        }
        (&Method::GET, NamespaceRoute::One(name)) => match lock(&state.namespaces).get(&name) {
            Some(ns) => json_reply(StatusCode::OK, ns),
            None => not_found(&name),
        },
        (&Method::DELETE, NamespaceRoute::One(name)) => {
            let Some(mut ns) = lock(&state.namespaces).remove(&name) else {
                return not_found(&name);
            };
            // What a namespace's deletion takes with it, for the kinds this server lists.
            delete_all::<KubeSecret>(state, &name).await;
            delete_all::<ConfigMap>(state, &name).await;
            delete_all::<Pod>(state, &name).await;
            delete_all::<ServiceAccount>(state, &name).await;
            if let Some(status) = ns.status.as_mut() {
                status.phase = Some("Terminating".to_owned());
            }
            json_reply(StatusCode::OK, &ns)
        }
        _ => status_reply(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
    }
}

/// Deletes every `K` of `namespace` in the in-memory API. What fails is left: the namespace is
/// gone from the front either way, as on a cluster that has not finished deleting it.
async fn delete_all<K>(state: &State, namespace: &str)
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    let api = kube::Api::<K>::namespaced(state.backend.clone(), namespace);
    let _ = api
        .delete_collection(&Default::default(), &Default::default())
        .await;
}
