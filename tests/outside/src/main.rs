//! A pod with one secret, rendered as `kubectl apply -f -` takes it: the Secret manifest and
//! the pod in one `v1` `List`.

use kt_secrets::kube::render::{self, Format};
use kt_secrets::{Compute, Secret};

#[tokio::main]
async fn main() -> kt_secrets::Result<()> {
    let key = Secret::from_values("my-api-key", [("API_KEY", "not-a-real-key")])?;
    let resolved = Compute::new()
        .name("outside")
        .secret(key)
        .resolve_default(None)
        .await?;
    print!("{}", *render::compute(&resolved, Format::Yaml)?);
    Ok(())
}
