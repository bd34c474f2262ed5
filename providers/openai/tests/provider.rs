//! What the openai provider takes (the key, and the optional organisation, project and base
//! URL) and what the container gets.

use kt_provider_openai::PROVIDER;
use kt_secrets_testkit::env_provider::EnvProvider;

#[tokio::test]
async fn behaves_as_described() {
    EnvProvider::new(&PROVIDER)
        .sources(&["OPENAI_API_KEY"])
        .targets(&["OPENAI_API_KEY"])
        .optional(&[
            "OPENAI_ORG_ID",
            "OPENAI_PROJECT_ID",
            "OPENAI_BASE_URL",
            "OPENAI_ADMIN_KEY",
            "OPENAI_WEBHOOK_SECRET",
        ])
        .run()
        .await;
}
