//! What the pinecone provider takes and what the container gets.

use kt_provider_pinecone::PROVIDER;
use kt_secrets_testkit::env_provider::EnvProvider;

#[tokio::test]
async fn behaves_as_described() {
    EnvProvider::new(&PROVIDER)
        .sources(&["PINECONE_API_KEY"])
        .targets(&["PINECONE_API_KEY"])
        .optional(&["PINECONE_CONTROLLER_HOST"])
        .run()
        .await;
}
