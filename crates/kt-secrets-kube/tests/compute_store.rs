//! `Compute::resolve` against the loopback API server: provider names resolve locally, other
//! names are Secrets read from the cluster and referred to by their object names.

mod common;

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Pod, Secret as KubeSecret};
use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};
use kt_secrets_core::{Registry, ResolveContext, Secret};
use kt_secrets_kube::compute::SECRET_HASHES_ANNOTATION;
use kt_secrets_kube::{Compute, ComputeError, Ownership, SecretStore};
use kt_secrets_testkit::apiserver::ApiServer;
use kube::api::{Api, PostParams};

const CANARY: &str = "canary-compute-store-7f3a";

const TOKEN_PROVIDER: Declared = Declared {
    name: "demo-token",
    description: "a test provider",
    shapes: &[Shape::Env(EnvShape {
        vars: &[EnvVar::same(&["DEMO_TOKEN"], true)],
    })],
};

fn registry() -> Registry {
    common::token::registry_of(TOKEN_PROVIDER)
}

async fn store(server: &ApiServer) -> SecretStore {
    SecretStore::from_kubeconfig(Some(server.kubeconfig_path()), None)
        .await
        .unwrap()
}

/// A Secret made by another tool: no kubetorch labels, no annotations of ours.
async fn foreign_secret(server: &ApiServer, name: &str) {
    let api: Api<KubeSecret> = Api::namespaced(server.backend(), server.namespace());
    let obj = KubeSecret {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(server.namespace().to_owned()),
            ..Default::default()
        },
        data: Some(BTreeMap::from([
            (
                "DB_PASSWORD".to_owned(),
                ByteString(CANARY.as_bytes().to_vec()),
            ),
            (
                "ca.crt".to_owned(),
                ByteString(b"-----BEGIN CERT-----".to_vec()),
            ),
        ])),
        type_: Some("Opaque".to_owned()),
        ..Default::default()
    };
    api.create(&PostParams::default(), &obj).await.unwrap();
}

fn env_ref(pod: &Pod, var: &str) -> (String, String) {
    let ctr = &pod.spec.as_ref().unwrap().containers[0];
    let e = ctr
        .env
        .iter()
        .flatten()
        .find(|e| e.name == var)
        .unwrap_or_else(|| panic!("no env var {var}"));
    let r = e
        .value_from
        .as_ref()
        .and_then(|v| v.secret_key_ref.as_ref())
        .unwrap();
    (r.name.clone(), r.key.clone())
}

#[tokio::test]
async fn providers_resolve_locally_and_other_names_come_from_the_cluster() {
    let server = ApiServer::start().await;
    let store = store(&server).await;
    foreign_secret(&server, "db-creds").await;
    // One of ours, written earlier: the pod must refer to kt.secret.global.app.
    let app = Secret::from_values("app", [("APP_KEY", CANARY)]).unwrap();
    store.apply(&app).await.unwrap();

    let ctx = ResolveContext::new("/nonexistent").with_env("DEMO_TOKEN", CANARY);
    let resolved = Compute::new()
        .cpus("1")
        .secret("demo-token")
        .secret("db-creds")
        .secret("app")
        .resolve(&registry(), &ctx, Some(&store))
        .await
        .unwrap();
    assert_eq!(resolved.namespace(), Some(server.namespace()));

    let owned: Vec<_> = resolved
        .secrets()
        .iter()
        .map(|m| (m.object_name.as_str(), m.ownership))
        .collect();
    assert_eq!(
        owned,
        vec![
            ("kt.secret.global.demo-token", Ownership::Managed),
            ("db-creds", Ownership::Existing),
            ("kt.secret.global.app", Ownership::Existing),
        ]
    );

    let pod = resolved.pod();
    assert_eq!(
        env_ref(&pod, "DEMO_TOKEN"),
        ("kt.secret.global.demo-token".into(), "DEMO_TOKEN".into())
    );
    assert_eq!(
        env_ref(&pod, "DB_PASSWORD"),
        ("db-creds".into(), "DB_PASSWORD".into())
    );
    assert_eq!(
        env_ref(&pod, "APP_KEY"),
        ("kt.secret.global.app".into(), "APP_KEY".into())
    );
    // The foreign secret's non-env key is a file under /secrets/<name>/, from its own object.
    let spec = pod.spec.as_ref().unwrap();
    let vm = &spec.containers[0].volume_mounts.as_ref().unwrap()[0];
    assert_eq!(vm.mount_path, "/secrets/db-creds/ca.crt");
    let vol = spec
        .volumes
        .as_ref()
        .unwrap()
        .iter()
        .find(|v| v.name == vm.name)
        .unwrap();
    assert_eq!(
        vol.secret.as_ref().unwrap().secret_name.as_deref(),
        Some("db-creds")
    );

    // Only the provider's secret is written by this compute; the others already exist.
    let manifests = resolved.secret_manifests();
    assert_eq!(manifests.len(), 1);
    assert_eq!(
        manifests[0].metadata.name.as_deref(),
        Some("kt.secret.global.demo-token")
    );
    let hashes = &pod.metadata.annotations.as_ref().unwrap()[SECRET_HASHES_ANNOTATION];
    for obj in [
        "kt.secret.global.demo-token",
        "db-creds",
        "kt.secret.global.app",
    ] {
        assert!(hashes.contains(obj), "{hashes}");
    }
    let printed = serde_json::to_string(&pod).unwrap() + &format!("{resolved:?}");
    assert!(
        !printed.contains(CANARY),
        "a value reached the pod or Debug"
    );
}

#[tokio::test]
async fn unknown_names_and_foreign_namespaces_are_errors() {
    let server = ApiServer::start().await;
    let store = store(&server).await;
    let ctx = ResolveContext::new("/nonexistent");

    let e = Compute::new()
        .secret("nowhere")
        .resolve(&registry(), &ctx, Some(&store))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ComputeError::Store(s) if s.is_not_found()),
        "{e}"
    );
    assert!(e.to_string().contains("nowhere"), "{e}");

    // The compute runs elsewhere than the store reads: the secret it finds is not usable.
    foreign_secret(&server, "db-creds").await;
    let e = Compute::new()
        .with_namespace("other")
        .secret("db-creds")
        .resolve(&registry(), &ctx, Some(&store))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("db-creds") && e.contains("\"other\"") && e.contains(server.namespace()),
        "{e}"
    );

    // The owner comes from the store unless the compute says otherwise.
    let alice = store.clone().with_owner("alice");
    let c = Compute::new().secret(Secret::from_values("x", [("X", "1")]).unwrap());
    let r = c.resolve(&registry(), &ctx, Some(&alice)).await.unwrap();
    assert_eq!(r.secrets()[0].object_name, "kt.secret.alice.x");
    let r = c
        .with_owner("bob")
        .resolve(&registry(), &ctx, Some(&alice))
        .await
        .unwrap();
    assert_eq!(r.secrets()[0].object_name, "kt.secret.bob.x");
}
