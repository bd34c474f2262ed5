//! The `cohere` SDK itself (pinned in .ci/requirements.txt) reads each layout twice, on the
//! laptop and in the container view of what the provider resolved: the client it builds must
//! carry the same key and base URL both times.

use kt_provider_cohere::PROVIDER;
use kt_secrets_core::Provider;
use std::sync::LazyLock;

use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

/// The key and base URL of `cohere.ClientV2()` (cohere/client.py, `ClientV2.__init__`; the
/// key is kept in its client wrapper).
const CLIENT: &str = "import cohere\n\
c = cohere.ClientV2()\n\
w = c._client_wrapper\n\
out({'api_key': w._token if isinstance(w._token, str) else w._token(), 'base_url': w.get_base_url()})";

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["cohere"], CLIENT));

async fn same_client(home: FixtureHome, key: &str, unused: &[&str]) {
    ORACLE
        .assert_pod_matches_laptop(&home, &PROVIDER, "api_key", key, unused)
        .await;
}

#[tokio::test]
async fn co_api_key_alone() {
    let home = FixtureHome::new().env("CO_API_KEY", "canary-co-1");
    same_client(home, "canary-co-1", &[]).await;
}

#[tokio::test]
async fn the_older_cohere_api_key_alone() {
    let home = FixtureHome::new().env("COHERE_API_KEY", "canary-co-2");
    same_client(home, "canary-co-2", &[]).await;
}

#[tokio::test]
async fn both_names_co_api_key_wins_and_the_other_stays() {
    let home = FixtureHome::new()
        .env("CO_API_KEY", "canary-co-3")
        .env("COHERE_API_KEY", "canary-unused-3");
    same_client(home, "canary-co-3", &["canary-unused-3"]).await;
}

#[tokio::test]
async fn a_private_deployment_url() {
    let home = FixtureHome::new()
        .env("CO_API_KEY", "canary-co-4")
        .env("CO_API_URL", "https://cohere.corp.example");
    same_client(home, "canary-co-4", &[]).await;
}

#[tokio::test]
async fn other_services_keys_beside_it_stay_on_the_laptop() {
    let home = FixtureHome::new()
        .env("CO_API_KEY", "canary-co-5")
        .env("OPENAI_API_KEY", "sk-other-5")
        .env("PINECONE_API_KEY", "other-pinecone-5");
    same_client(home, "canary-co-5", &["sk-other-5", "other-pinecone-5"]).await;
}

#[tokio::test]
async fn an_empty_co_api_key_leaves_the_laptop_without_a_key_and_nothing_is_shipped() {
    let home = FixtureHome::new()
        .env("CO_API_KEY", "")
        .env("COHERE_API_KEY", "canary-hidden-6");
    let sdk = ORACLE.on_laptop(&home).json();
    assert!(
        sdk["api_key"] == "",
        "the laptop's client took COHERE_API_KEY after all"
    );
    let e = PROVIDER.resolve(&home.context()).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
}
