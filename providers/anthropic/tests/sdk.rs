//! The `anthropic` SDK itself (pinned in .ci/requirements.txt) reads each layout twice, on the
//! laptop and in the container view of what the provider resolved: the client it builds must
//! carry the same API key, auth token and base URL both times.

use kt_provider_anthropic::PROVIDER;
use std::sync::LazyLock;

use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

/// What `anthropic.Anthropic()` configures from the environment (anthropic/_client.py,
/// `Anthropic.__init__`).
const CLIENT: &str = "import anthropic\n\
c = anthropic.Anthropic()\n\
out({'api_key': c.api_key, 'auth_token': c.auth_token, 'base_url': str(c.base_url)})";

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["anthropic"], CLIENT));

async fn same_client(home: FixtureHome, field: &str, value: &str, unused: &[&str]) {
    ORACLE
        .assert_pod_matches_laptop(&home, &PROVIDER, field, value, unused)
        .await;
}

#[tokio::test]
async fn key_alone() {
    let home = FixtureHome::new().env("ANTHROPIC_API_KEY", "sk-ant-api03-canary-1");
    same_client(home, "api_key", "sk-ant-api03-canary-1", &[]).await;
}

#[tokio::test]
async fn key_for_a_gateway_base_url() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_API_KEY", "sk-ant-api03-canary-2")
        .env(
            "ANTHROPIC_BASE_URL",
            "https://llm-gateway.corp.example/anthropic",
        );
    same_client(home, "api_key", "sk-ant-api03-canary-2", &[]).await;
}

#[tokio::test]
async fn auth_token_of_a_gateway() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_AUTH_TOKEN", "gw-bearer-canary-3")
        .env(
            "ANTHROPIC_BASE_URL",
            "https://llm-gateway.corp.example/anthropic",
        );
    same_client(home, "auth_token", "gw-bearer-canary-3", &[]).await;
}

#[tokio::test]
async fn key_and_token_the_key_wins_and_the_token_stays() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_API_KEY", "sk-ant-api03-canary-4")
        .env("ANTHROPIC_AUTH_TOKEN", "gw-bearer-unused-4");
    same_client(
        home,
        "api_key",
        "sk-ant-api03-canary-4",
        &["gw-bearer-unused-4"],
    )
    .await;
}

#[tokio::test]
async fn an_empty_key_gives_way_to_the_token() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_API_KEY", "")
        .env("ANTHROPIC_AUTH_TOKEN", "gw-bearer-canary-5");
    same_client(home, "auth_token", "gw-bearer-canary-5", &[]).await;
}

#[tokio::test]
async fn other_services_keys_beside_it_stay_on_the_laptop() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_API_KEY", "sk-ant-api03-canary-6")
        .env("OPENAI_API_KEY", "sk-other-6")
        .env("AWS_SECRET_ACCESS_KEY", "other-aws-6");
    same_client(
        home,
        "api_key",
        "sk-ant-api03-canary-6",
        &["sk-other-6", "other-aws-6"],
    )
    .await;
}
