//! Where the azure provider looks, in which order, and what the container gets.

use std::path::Path;

use kt_provider_azure::PROVIDER;
use kt_secrets_core::{Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::azure;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUB: &str = "3b6a1c8e-0d4f-4e2b-9a57-6c1d2e3f4a5b";

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn keys(r: &Resolved) -> Vec<&str> {
    r.data.keys().collect()
}

fn service_principal(home: FixtureHome) -> FixtureHome {
    home.env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_SECRET", "sp-secret")
}

fn cli_login(home: FixtureHome, dir: &str) -> FixtureHome {
    home.file(
        format!("{dir}/azureProfile.json"),
        azure::azure_profile(SUB, TENANT),
    )
    .file(
        format!("{dir}/msal_token_cache.json"),
        azure::msal_token_cache("at", "rt"),
    )
    .file(format!("{dir}/config"), azure::config())
    .file(format!("{dir}/az.sess"), "{}")
}

#[tokio::test]
async fn service_principal_env_wins_over_the_cli_login() {
    let home = cli_login(service_principal(FixtureHome::new()), ".azure")
        .env("AZURE_SUBSCRIPTION_ID", SUB);
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        keys(&r),
        [
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_SUBSCRIPTION_ID",
            "AZURE_TENANT_ID"
        ]
    );
    assert!(
        r.mounts
            .contains(&Mount::env("AZURE_CLIENT_SECRET", "AZURE_CLIENT_SECRET"))
    );
    assert!(r.mounts.iter().all(|m| matches!(m, Mount::Env { .. })));
    assert_eq!(
        r.data.get("AZURE_CLIENT_SECRET").unwrap().expose(),
        b"sp-secret"
    );
}

#[tokio::test]
async fn subscription_is_optional() {
    let r = resolve(&service_principal(FixtureHome::new()))
        .await
        .unwrap();
    assert_eq!(
        keys(&r),
        ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"]
    );
}

#[tokio::test]
async fn a_partial_service_principal_falls_back_to_the_cli_login() {
    let home =
        cli_login(service_principal(FixtureHome::new()), ".azure").env("AZURE_CLIENT_SECRET", "");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        keys(&r),
        ["azureProfile.json", "config", "msal_token_cache.json"]
    );
}

#[tokio::test]
async fn cli_login_ships_the_files_present_byte_for_byte_and_sets_the_config_dir() {
    let home = cli_login(FixtureHome::new(), ".azure").file(
        ".azure/service_principal_entries.json",
        azure::service_principal_entries(TENANT, "a", "b"),
    );
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        keys(&r),
        [
            "azureProfile.json",
            "config",
            "msal_token_cache.json",
            "service_principal_entries.json"
        ]
    );
    // The CLI writes azureProfile.json with a byte order mark; it must survive.
    assert_eq!(
        r.data.get("azureProfile.json").unwrap().expose(),
        azure::azure_profile(SUB, TENANT).as_bytes()
    );
    assert!(r.mounts.contains(&Mount::file(
        "msal_token_cache.json",
        "~/.azure/msal_token_cache.json",
        0o600
    )));
    assert!(
        r.mounts
            .contains(&Mount::path_env("AZURE_CONFIG_DIR", "~/.azure"))
    );
    assert_eq!(
        r.origins["config"],
        Origin::File(home.path(".azure/config"))
    );
}

#[tokio::test]
async fn azure_config_dir_relocates_the_cli_files() {
    let home = cli_login(FixtureHome::new(), "az-work")
        .file(
            ".azure/msal_token_cache.json",
            azure::msal_token_cache("home", "home"),
        )
        .env_path("AZURE_CONFIG_DIR", "az-work");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        r.origins["msal_token_cache.json"],
        Origin::File(home.path("az-work/msal_token_cache.json"))
    );
    // In the pod the files sit at ~/.azure whatever the local directory was called.
    assert!(
        r.mounts
            .contains(&Mount::path_env("AZURE_CONFIG_DIR", "~/.azure"))
    );
}

#[tokio::test]
async fn settings_without_a_login_are_nothing_found() {
    let home = FixtureHome::new()
        .file(
            ".azure/azureProfile.json",
            azure::azure_profile(SUB, TENANT),
        )
        .file(".azure/clouds.config", azure::clouds_config(SUB))
        .file(".azure/config", azure::config());
    let e = resolve(&home).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    let msg = e.to_string();
    for place in [
        "env AZURE_CLIENT_ID",
        ".azure/msal_token_cache.json",
        ".azure/service_principal_entries.json",
    ] {
        assert!(msg.contains(place), "{place} not in {msg}");
    }
}

#[tokio::test]
async fn from_path_of_the_default_dir_reads_that_dir_even_with_a_service_principal_set() {
    let home = cli_login(service_principal(FixtureHome::new()), ".azure");
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(&registry, &home.context(), Path::new("~/.azure"), None)
        .await
        .unwrap();
    assert_eq!(s.provider(), Some("azure"));
    assert!(s.data().contains_key("msal_token_cache.json"));
    assert!(!s.data().contains_key("AZURE_CLIENT_SECRET"));
}

#[test]
fn listing_names_sources_targets_and_the_default_dir() {
    let info = PROVIDER.info();
    assert!(
        info.sources
            .iter()
            .any(|s| s.contains("AZURE_CLIENT_SECRET"))
    );
    assert!(
        info.sources
            .iter()
            .any(|s| s.contains("$AZURE_CONFIG_DIR or ~/.azure"))
    );
    assert!(info.targets.contains(&"env AZURE_CLIENT_ID".to_owned()));
    assert!(
        info.targets
            .contains(&"file ~/.azure/msal_token_cache.json (0600)".to_owned())
    );
    assert!(
        info.targets
            .contains(&"env AZURE_CONFIG_DIR=~/.azure".to_owned())
    );
    assert_eq!(info.default_dirs, [".azure"]);
}

#[tokio::test]
async fn a_certificate_principal_whose_file_is_missing_is_an_error_naming_it() {
    let home = cli_login(FixtureHome::new(), ".azure")
        .env("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("AZURE_TENANT_ID", TENANT)
        .env_path("AZURE_CLIENT_CERTIFICATE_PATH", "certs/gone.pem");
    let e = resolve(&home).await.unwrap_err().to_string();
    assert!(
        e.contains("AZURE_CLIENT_CERTIFICATE_PATH") && e.contains("gone.pem"),
        "{e}"
    );
}
