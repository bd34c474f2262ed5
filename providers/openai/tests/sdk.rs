//! The `openai` SDK itself (pinned in .ci/requirements.txt) reads each layout twice, on the
//! laptop and in the container view of what the provider resolved: the client it builds must
//! carry the same key, organisation, project, admin key and base URL both times.

use kt_provider_openai::PROVIDER;
use std::sync::LazyLock;

use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

/// What `openai.OpenAI()` configures from the environment (openai/lib/_client_auth.py,
/// `sync__init__`).
const CLIENT: &str = "import openai\n\
c = openai.OpenAI()\n\
out({'api_key': c.api_key, 'organization': c.organization, 'project': c.project, \
'admin_api_key': c.admin_api_key, 'webhook_secret': c.webhook_secret, 'base_url': str(c.base_url)})";

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["openai"], CLIENT));

async fn same_client(home: FixtureHome, key: &str, unused: &[&str]) {
    ORACLE
        .assert_pod_matches_laptop(&home, &PROVIDER, "api_key", key, unused)
        .await;
}

#[tokio::test]
async fn key_alone() {
    let home = FixtureHome::new().env("OPENAI_API_KEY", "sk-proj-canary-oai-1");
    same_client(home, "sk-proj-canary-oai-1", &[]).await;
}

#[tokio::test]
async fn key_with_organisation_and_project() {
    let home = FixtureHome::new()
        .env("OPENAI_API_KEY", "sk-canary-oai-2")
        .env("OPENAI_ORG_ID", "org-kt7Fixture")
        .env("OPENAI_PROJECT_ID", "proj_kt7Fixture");
    same_client(home, "sk-canary-oai-2", &[]).await;
}

#[tokio::test]
async fn key_for_a_proxy_base_url() {
    let home = FixtureHome::new()
        .env("OPENAI_API_KEY", "sk-canary-oai-3")
        .env(
            "OPENAI_BASE_URL",
            "https://llm-gateway.corp.example/openai/v1",
        );
    same_client(home, "sk-canary-oai-3", &[]).await;
}

#[tokio::test]
async fn key_with_an_admin_key_and_a_webhook_secret() {
    let home = FixtureHome::new()
        .env("OPENAI_API_KEY", "sk-canary-oai-4")
        .env("OPENAI_ADMIN_KEY", "sk-admin-canary-oai-4")
        .env("OPENAI_WEBHOOK_SECRET", "whsec_canary-oai-4");
    same_client(home, "sk-canary-oai-4", &[]).await;
}

#[tokio::test]
async fn other_services_keys_beside_it_stay_on_the_laptop() {
    let home = FixtureHome::new()
        .env("OPENAI_API_KEY", "sk-canary-oai-5")
        .env("ANTHROPIC_API_KEY", "sk-ant-canary-other-5")
        .env("AZURE_OPENAI_API_KEY", "canary-azure-other-5")
        .env("OPENAI_LOG", "debug");
    same_client(
        home,
        "sk-canary-oai-5",
        &["sk-ant-canary-other-5", "canary-azure-other-5"],
    )
    .await;
}

#[tokio::test]
async fn a_key_pasted_with_its_newline() {
    let home = FixtureHome::new()
        .env("OPENAI_API_KEY", "sk-canary-oai-6\n")
        .env("OPENAI_PROJECT_ID", "proj_kt7Fixture");
    same_client(home, "sk-canary-oai-6\n", &[]).await;
}
