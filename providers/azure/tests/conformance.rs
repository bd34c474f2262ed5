//! The azure provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::azure;
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUB: &str = "3b6a1c8e-0d4f-4e2b-9a57-6c1d2e3f4a5b";

fn cli_login(access: &str, refresh: &str) -> FixtureHome {
    FixtureHome::new()
        .file(
            ".azure/azureProfile.json",
            azure::azure_profile(SUB, TENANT),
        )
        .file(".azure/clouds.config", azure::clouds_config(SUB))
        .file(".azure/config", azure::config())
        .file(
            ".azure/msal_token_cache.json",
            azure::msal_token_cache(access, refresh),
        )
        .canary(access)
        .canary(refresh)
}

#[tokio::test]
async fn azure_conforms() {
    Conformance::new(&kt_provider_azure::PROVIDER)
        .found(
            "service principal",
            FixtureHome::new()
                .env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
                .env("AZURE_TENANT_ID", TENANT)
                .env("AZURE_CLIENT_SECRET", "canary-azure-sp-secret")
                .env("AZURE_SUBSCRIPTION_ID", SUB)
                .canary("canary-azure-sp-secret"),
        )
        .found("cli login", cli_login("canary-azure-at", "canary-azure-rt"))
        .found(
            "service principal login",
            FixtureHome::new()
                .file(
                    ".azure/service_principal_entries.json",
                    azure::service_principal_entries(
                        TENANT,
                        "canary-azure-spe-a",
                        "canary-azure-spe-b",
                    ),
                )
                .canary("canary-azure-spe-a")
                .canary("canary-azure-spe-b"),
        )
        .unreadable(
            "token cache",
            cli_login("canary-azure-at-2", "canary-azure-rt-2"),
            "~/.azure/msal_token_cache.json",
        )
        .unreadable(
            "profile",
            cli_login("canary-azure-at-3", "canary-azure-rt-3"),
            "~/.azure/azureProfile.json",
        )
        .looks_at(&[
            "env AZURE_CLIENT_ID",
            "~/.azure/azureProfile.json",
            "~/.azure/msal_token_cache.json",
            "~/.azure/service_principal_entries.json",
        ])
        .run()
        .await;
}
