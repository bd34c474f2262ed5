//! Precedence of the cohere provider (`CO_API_KEY`, else the older `COHERE_API_KEY`) and the
//! two names the container gets the key under.

use kt_provider_cohere::PROVIDER;
use kt_secrets_testkit::env_provider::EnvProvider;

#[tokio::test]
async fn behaves_as_described() {
    EnvProvider::new(&PROVIDER)
        .sources(&["CO_API_KEY", "COHERE_API_KEY"])
        .targets(&["CO_API_KEY", "COHERE_API_KEY"])
        .run()
        .await;
}
