//! Resolve secrets, write them to the cluster, and start the pod that mounts them:
//!
//! ```text
//! KUBECONFIG=~/.kube/config cargo run -p kt-secrets-examples --bin apply [PROVIDER]...
//! ```
//!
//! The cluster and namespace are those of the kubeconfig's current context. A name that is no
//! provider is read as a Secret that already exists there.

use kt_secrets::k8s_openapi::api::core::v1::Pod;
use kt_secrets::kube::kube::api::{Api, PostParams};
use kt_secrets::{Compute, Secret, SecretStore};

/// Every step that is kt-secrets' own: one error type, so `?` goes across all of them.
async fn secrets_applied(names: Vec<String>) -> kt_secrets::Result<(SecretStore, Pod)> {
    let store = SecretStore::from_kubeconfig(None, None).await?;
    let resolved = Compute::new()
        .name("train")
        .secret(Secret::from_values(
            "my-api-key",
            [("API_KEY", "not-a-real-key")],
        )?)
        .with_secrets(names)
        .resolve_default(Some(&store))
        .await?;
    // Creates or updates each Secret the pod reads; a Secret that exists with other data is
    // replaced only when the secret allows override.
    for secret in resolved.managed_secrets() {
        let outcome = store.apply(secret).await?;
        println!("secret/{} {outcome}", store.object_name(secret.name()));
    }
    Ok((store, resolved.pod()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (store, pod) = secrets_applied(std::env::args().skip(1).collect()).await?;
    // The pod itself goes through kube's client, which the facade re-exports.
    let pods: Api<Pod> = Api::namespaced(store.client().clone(), store.namespace());
    let pod = pods.create(&PostParams::default(), &pod).await?;
    println!("pod/{} created", pod.metadata.name.unwrap_or_default());
    Ok(())
}
