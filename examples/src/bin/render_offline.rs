//! Resolve secrets and render the pod that mounts them, without a cluster:
//!
//! ```text
//! OPENAI_API_KEY=sk-... cargo run -p kt-secrets-examples --bin render-offline [PROVIDER]...
//! ```
//!
//! Prints the pod as YAML. The pod refers to its Secrets by name and holds no value; to print
//! the Secret manifests too, as `kubectl apply -f -` takes them, use `render::compute`.

use kt_secrets::kube::render::{self, Format};
use kt_secrets::{Compute, Secret};

#[tokio::main]
async fn main() -> kt_secrets::Result<()> {
    let providers: Vec<String> = std::env::args().skip(1).collect();
    let providers = if providers.is_empty() {
        vec!["openai".to_owned()]
    } else {
        providers
    };
    let compute = Compute::new()
        .name("train")
        .cpus("2")
        .gpus(1)
        // A value given here: secret key and container env var API_KEY.
        .secret(Secret::from_values(
            "my-api-key",
            [("API_KEY", "not-a-real-key")],
        )?)
        // Provider names: each resolves from this machine's env and files, as kt.Compute does.
        .with_secrets(providers);
    // The process's providers and env; `None`: no cluster, so no existing Secrets by name.
    let resolved = compute.resolve_default(None).await?;
    print!(
        "{}",
        render::to_string(&render::object(&resolved.pod())?, Format::Yaml)?
    );
    Ok(())
}
