//! The anthropic provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn anthropic_conforms() {
    Conformance::new(&kt_provider_anthropic::PROVIDER)
        .found(
            "api key",
            FixtureHome::new()
                .env("ANTHROPIC_API_KEY", "canary-anthropic-key")
                .canary("canary-anthropic-key"),
        )
        .found(
            "api key and base URL",
            FixtureHome::new()
                .env("ANTHROPIC_API_KEY", "canary-anthropic-key-2")
                .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/")
                .canary("canary-anthropic-key-2"),
        )
        .looks_at(&["env ANTHROPIC_API_KEY", "env ANTHROPIC_AUTH_TOKEN"])
        .run()
        .await;
}
