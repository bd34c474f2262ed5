//! Where the gcp provider looks, in which order, and what the container gets.

use std::path::Path;

use kt_provider_gcp::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::gcp;

const ADC: &str = ".config/gcloud/application_default_credentials.json";
const KEY: &str = "application_default_credentials.json";
const TARGET: &str = "~/.config/gcloud/application_default_credentials.json";

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn origin(r: &Resolved) -> &Origin {
    &r.origins[KEY]
}

/// Three candidate files, each holding a different credential.
fn three_files() -> FixtureHome {
    FixtureHome::new()
        .file(
            ADC,
            gcp::authorized_user("default-secret", "default-refresh"),
        )
        .file(
            "gcloud-alt/application_default_credentials.json",
            gcp::authorized_user("alt", "alt"),
        )
        .file(
            "keys/trainer.json",
            gcp::service_account("kt-proj", "TUlJRXZRSUJBREFOQmdrcWhraUc5dzBC"),
        )
}

#[tokio::test]
async fn google_application_credentials_wins_and_the_pod_points_at_the_mounted_copy() {
    let home = three_files()
        .env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/trainer.json")
        .env_path("CLOUDSDK_CONFIG", "gcloud-alt");
    let r = resolve(&home).await.unwrap();
    assert_eq!(origin(&r), &Origin::File(home.path("keys/trainer.json")));
    assert_eq!(
        r.data.get(KEY).unwrap().expose(),
        gcp::service_account("kt-proj", "TUlJRXZRSUJBREFOQmdrcWhraUc5dzBC").as_bytes()
    );
    assert_eq!(
        r.mounts,
        [
            Mount::file(KEY, TARGET, 0o600),
            Mount::path_env("GOOGLE_APPLICATION_CREDENTIALS", TARGET)
        ]
    );
}

#[tokio::test]
async fn cloudsdk_config_wins_over_the_default_dir() {
    let home = three_files().env_path("CLOUDSDK_CONFIG", "gcloud-alt");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        origin(&r),
        &Origin::File(home.path("gcloud-alt/application_default_credentials.json"))
    );
}

#[tokio::test]
async fn default_dir_last() {
    let home = three_files();
    let r = resolve(&home).await.unwrap();
    assert_eq!(origin(&r), &Origin::File(home.path(ADC)));
    assert_eq!(r.data.keys().collect::<Vec<_>>(), [KEY]);
}

#[tokio::test]
async fn google_cloud_project_comes_along_when_set() {
    let home = three_files().env("GOOGLE_CLOUD_PROJECT", "kt-proj");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        r.data.get("GOOGLE_CLOUD_PROJECT").unwrap().expose(),
        b"kt-proj"
    );
    assert!(
        r.mounts
            .contains(&Mount::env("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT"))
    );
}

#[tokio::test]
async fn a_project_alone_is_not_credentials() {
    let home = FixtureHome::new().env("GOOGLE_CLOUD_PROJECT", "kt-proj");
    assert!(resolve(&home).await.unwrap_err().is_nothing_found());
}

#[tokio::test]
async fn a_named_file_that_is_missing_is_an_error_naming_the_var() {
    let home = three_files().env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/gone.json");
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(!e.is_nothing_found(), "{msg}");
    assert!(msg.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{msg}");
    assert!(
        msg.contains(&home.path("keys/gone.json").display().to_string()),
        "{msg}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_json_is_an_error_naming_it_without_its_text() {
    let home = FixtureHome::new().file(ADC, "canary-gcp-not-json {");
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { .. }), "{msg}");
    assert!(msg.contains(&home.path(ADC).display().to_string()), "{msg}");
    assert!(!msg.contains("canary-gcp-not-json"), "{msg}");
}

#[tokio::test]
async fn json_without_a_type_is_an_error_naming_it() {
    let home = FixtureHome::new().file(ADC, "{\"client_secret\": \"canary-gcp-notype\"}\n");
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(msg.contains(&home.path(ADC).display().to_string()), "{msg}");
    assert!(msg.contains("\"type\""), "{msg}");
    assert!(!msg.contains("canary-gcp-notype"), "{msg}");
}

#[tokio::test]
async fn nothing_found_names_the_env_vars_and_the_file() {
    let home = FixtureHome::new();
    let e = resolve(&home).await.unwrap_err();
    assert!(e.is_nothing_found());
    let msg = e.to_string();
    for place in ["env GOOGLE_APPLICATION_CREDENTIALS", "env CLOUDSDK_CONFIG"] {
        assert!(msg.contains(place), "{place} not in {msg}");
    }
    assert!(msg.contains(&home.path(ADC).display().to_string()), "{msg}");
}

#[tokio::test]
async fn from_path_of_the_default_dir_reads_that_dir_even_with_the_env_var_set() {
    let home = three_files().env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/trainer.json");
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(
        &registry,
        &home.context(),
        Path::new("~/.config/gcloud"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(s.provider(), Some("gcp"));
    assert_eq!(
        s.data().get(KEY).unwrap().expose(),
        gcp::authorized_user("default-secret", "default-refresh").as_bytes()
    );
}

#[test]
fn listing_names_sources_in_order_targets_and_the_default_dir() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "file named by env GOOGLE_APPLICATION_CREDENTIALS",
            "files application_default_credentials.json under $CLOUDSDK_CONFIG or ~/.config/gcloud",
            "env GOOGLE_CLOUD_PROJECT | GCLOUD_PROJECT (optional)",
            "project of gcloud's active configuration, for credentials at gcloud's path that name none",
        ]
    );
    assert!(info.targets.contains(&format!("file {TARGET} (0600)")));
    assert!(
        info.targets
            .contains(&format!("env GOOGLE_APPLICATION_CREDENTIALS={TARGET}"))
    );
    assert_eq!(info.default_dirs, [".config/gcloud"]);
}
