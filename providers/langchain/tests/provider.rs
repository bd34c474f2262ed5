//! Precedence of the langchain provider (`LANGSMITH_API_KEY`, else the older
//! `LANGCHAIN_API_KEY`) and the two names the container gets the key under.

use kt_provider_langchain::PROVIDER;
use kt_secrets_testkit::env_provider::EnvProvider;

#[tokio::test]
async fn behaves_as_described() {
    EnvProvider::new(&PROVIDER)
        .sources(&["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"])
        .targets(&["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"])
        .run()
        .await;
}
