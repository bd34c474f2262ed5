//! The `pinecone` SDK itself (pinned in .ci/requirements.txt) reads each layout twice, on the
//! laptop and in the container view of what the provider resolved: the client it builds must
//! carry the same key both times.

use std::sync::LazyLock;

use kt_provider_pinecone::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

/// What `pinecone.Pinecone()` configures from the environment (pinecone/_client.py,
/// `Pinecone.__init__`, and pinecone/config/pinecone_config.py).
const CLIENT: &str = "import pinecone\n\
p = pinecone.Pinecone()\n\
out({'api_key': p.config.api_key, 'host': p.config.host})";

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["pinecone"], CLIENT));

async fn same_client(home: FixtureHome, key: &str, unused: &[&str]) {
    ORACLE
        .assert_pod_matches_laptop(&home, &PROVIDER, "api_key", key, unused)
        .await;
}

#[tokio::test]
async fn key_alone() {
    let home = FixtureHome::new().env("PINECONE_API_KEY", "pcsk_canary_1");
    same_client(home, "pcsk_canary_1", &[]).await;
}

#[tokio::test]
async fn key_with_the_legacy_environment_name_beside_it() {
    let home = FixtureHome::new()
        .env("PINECONE_API_KEY", "pcsk_canary_2")
        .env("PINECONE_ENVIRONMENT", "us-west1-gcp");
    same_client(home, "pcsk_canary_2", &[]).await;
}

#[tokio::test]
async fn other_services_keys_beside_it_stay_on_the_laptop() {
    let home = FixtureHome::new()
        .env("PINECONE_API_KEY", "pcsk_canary_3")
        .env("OPENAI_API_KEY", "sk-other-3")
        .env("CO_API_KEY", "other-cohere-3");
    same_client(home, "pcsk_canary_3", &["sk-other-3", "other-cohere-3"]).await;
}

#[tokio::test]
async fn key_for_a_private_control_plane() {
    let home = FixtureHome::new()
        .env("PINECONE_API_KEY", "pcsk_canary_4")
        .env(
            "PINECONE_CONTROLLER_HOST",
            "https://api.pinecone.corp.example",
        );
    same_client(home, "pcsk_canary_4", &[]).await;
}

#[tokio::test]
async fn a_key_with_shell_metacharacters() {
    let home = FixtureHome::new().env("PINECONE_API_KEY", "pcsk_$canary 5;'\"`");
    same_client(home, "pcsk_$canary 5;'\"`", &[]).await;
}

#[tokio::test]
async fn a_long_key_with_a_debug_flag_beside_it() {
    let key = format!("pcsk_{}", "k".repeat(4000));
    let home = FixtureHome::new()
        .env("PINECONE_API_KEY", &key)
        .env("PINECONE_DEBUG_CURL", "false");
    same_client(home, &key, &[]).await;
}
