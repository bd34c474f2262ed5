//! The pinecone provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn pinecone_conforms() {
    Conformance::new(&kt_provider_pinecone::PROVIDER)
        .found(
            "api key",
            FixtureHome::new()
                .env("PINECONE_API_KEY", "canary-pinecone-key")
                .canary("canary-pinecone-key"),
        )
        .looks_at(&["env PINECONE_API_KEY"])
        .run()
        .await;
}
