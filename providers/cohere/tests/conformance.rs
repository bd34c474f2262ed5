//! The cohere provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn cohere_conforms() {
    Conformance::new(&kt_provider_cohere::PROVIDER)
        .found(
            "CO_API_KEY",
            FixtureHome::new()
                .env("CO_API_KEY", "canary-co-api-key")
                .canary("canary-co-api-key"),
        )
        .found(
            "COHERE_API_KEY",
            FixtureHome::new()
                .env("COHERE_API_KEY", "canary-cohere-api-key")
                .canary("canary-cohere-api-key"),
        )
        .looks_at(&["env CO_API_KEY", "env COHERE_API_KEY"])
        .run()
        .await;
}
