//! The langchain provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn langchain_conforms() {
    Conformance::new(&kt_provider_langchain::PROVIDER)
        .found(
            "LANGSMITH_API_KEY",
            FixtureHome::new()
                .env("LANGSMITH_API_KEY", "canary-langsmith-key")
                .canary("canary-langsmith-key"),
        )
        .found(
            "LANGCHAIN_API_KEY",
            FixtureHome::new()
                .env("LANGCHAIN_API_KEY", "canary-langchain-key")
                .canary("canary-langchain-key"),
        )
        .looks_at(&["env LANGSMITH_API_KEY", "env LANGCHAIN_API_KEY"])
        .run()
        .await;
}
