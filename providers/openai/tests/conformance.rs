//! The openai provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn openai_conforms() {
    Conformance::new(&kt_provider_openai::PROVIDER)
        .found(
            "api key",
            FixtureHome::new()
                .env("OPENAI_API_KEY", "canary-openai-key")
                .canary("canary-openai-key"),
        )
        .found(
            "api key, organisation, project and base URL",
            FixtureHome::new()
                .env("OPENAI_API_KEY", "canary-openai-key-2")
                .env("OPENAI_ORG_ID", "org-1")
                .env("OPENAI_PROJECT_ID", "proj_1")
                .env("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
                .canary("canary-openai-key-2"),
        )
        .looks_at(&["env OPENAI_API_KEY"])
        .run()
        .await;
}
