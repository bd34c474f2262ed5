//! The `langsmith` SDK itself (pinned in .ci/requirements.txt) reads each layout twice, on
//! the laptop and in the container view of what the provider resolved: the client it builds
//! must carry the same API key, endpoint and workspace both times.

use kt_provider_langchain::PROVIDER;
use std::sync::LazyLock;

use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

/// What `langsmith.Client()` configures from the environment (langsmith/client.py,
/// `Client.__init__`). `info={}` stands for the server's answer, which the client would
/// otherwise fetch at once.
const CLIENT: &str = "import langsmith\n\
c = langsmith.Client(info={})\n\
out({'api_key': c.api_key, 'api_url': c.api_url, 'workspace_id': c._workspace_id})";

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["langsmith"], CLIENT));

async fn same_client(home: FixtureHome, key: &str, unused: &[&str]) {
    ORACLE
        .assert_pod_matches_laptop(&home, &PROVIDER, "api_key", key, unused)
        .await;
}

#[tokio::test]
async fn langsmith_key_alone() {
    let home = FixtureHome::new().env("LANGSMITH_API_KEY", "lsv2_pt_canary_1");
    same_client(home, "lsv2_pt_canary_1", &[]).await;
}

#[tokio::test]
async fn the_older_langchain_names_for_the_eu_endpoint() {
    let home = FixtureHome::new()
        .env("LANGCHAIN_API_KEY", "lsv2_pt_canary_2")
        .env("LANGCHAIN_ENDPOINT", "https://eu.api.smith.langchain.com")
        .env("LANGCHAIN_TRACING_V2", "true");
    same_client(home, "lsv2_pt_canary_2", &[]).await;
}

#[tokio::test]
async fn both_names_the_langsmith_key_wins_and_the_other_stays() {
    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", "lsv2_pt_canary_3")
        .env("LANGCHAIN_API_KEY", "lsv2_pt_unused_3");
    same_client(home, "lsv2_pt_canary_3", &["lsv2_pt_unused_3"]).await;
}

#[tokio::test]
async fn a_self_hosted_endpoint_and_an_org_scoped_key_with_its_workspace() {
    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", "lsv2_sk_canary_4")
        .env(
            "LANGSMITH_ENDPOINT",
            "https://langsmith.corp.example/api/v1",
        )
        .env(
            "LANGSMITH_WORKSPACE_ID",
            "5f1c2a7e-0000-4c1d-9e8f-000000000004",
        );
    same_client(home, "lsv2_sk_canary_4", &[]).await;
}

#[tokio::test]
async fn a_blank_langsmith_key_gives_way_to_the_langchain_key() {
    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", "   ")
        .env("LANGCHAIN_API_KEY", "lsv2_pt_canary_5");
    same_client(home, "lsv2_pt_canary_5", &[]).await;
}

#[tokio::test]
async fn a_quoted_key_as_dotenv_files_leave_it() {
    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", "\"lsv2_pt_canary_6\"")
        .env("OPENAI_API_KEY", "sk-other-6");
    same_client(home, "lsv2_pt_canary_6", &["sk-other-6"]).await;
}
