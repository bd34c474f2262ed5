//! What the anthropic provider takes (the key, and the optional base URL) and what the
//! container gets.

use kt_provider_anthropic::PROVIDER;
use kt_secrets_testkit::env_provider::EnvProvider;

#[tokio::test]
async fn behaves_as_described() {
    EnvProvider::new(&PROVIDER)
        .sources(&["ANTHROPIC_API_KEY"])
        .targets(&["ANTHROPIC_API_KEY"])
        .optional(&["ANTHROPIC_BASE_URL"])
        .run()
        .await;
}
