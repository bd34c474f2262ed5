//! Precedence of the cohere provider (`CO_API_KEY`, else the older `COHERE_API_KEY`), the
//! two names the container gets the key under, and the optional API URL.

use kt_provider_cohere::PROVIDER;
use kt_secrets_core::{Mount, Origin, Provider, Registry};
use kt_secrets_testkit::FixtureHome;

fn key_mounts() -> Vec<Mount> {
    vec![
        Mount::env("CO_API_KEY", "CO_API_KEY"),
        Mount::env("COHERE_API_KEY", "CO_API_KEY"),
    ]
}

#[tokio::test]
async fn co_api_key_wins_and_goes_under_both_names() {
    let home = FixtureHome::new()
        .env("CO_API_KEY", "co-key")
        .env("COHERE_API_KEY", "other-key");
    let r = PROVIDER.resolve(&home.context()).await.unwrap();
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["CO_API_KEY"]);
    assert_eq!(r.data.get("CO_API_KEY").unwrap().expose(), b"co-key");
    assert_eq!(r.mounts, key_mounts());
}

#[tokio::test]
async fn cohere_api_key_when_co_api_key_is_unset_with_the_api_url() {
    let home = FixtureHome::new()
        .env("COHERE_API_KEY", "old-key")
        .env("CO_API_URL", "https://cohere.corp.example");
    let r = PROVIDER.resolve(&home.context()).await.unwrap();
    assert_eq!(r.data.get("CO_API_KEY").unwrap().expose(), b"old-key");
    assert_eq!(
        r.origins["CO_API_KEY"],
        Origin::Env("COHERE_API_KEY".into())
    );
    let mut want = key_mounts();
    want.push(Mount::env("CO_API_URL", "CO_API_URL"));
    assert_eq!(r.mounts, want);
}

#[tokio::test]
async fn an_empty_co_api_key_hides_cohere_api_key_as_in_the_sdk() {
    let home = FixtureHome::new()
        .env("CO_API_KEY", "")
        .env("COHERE_API_KEY", "canary-hidden-key");
    let e = PROVIDER.resolve(&home.context()).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("set but empty"), "{msg}");
    assert!(!msg.contains("canary-hidden-key"), "{msg}");
}

#[tokio::test]
async fn neither_is_nothing_found_naming_both() {
    let home = FixtureHome::new().env("CO_API_URL", "https://cohere.corp.example");
    let e = PROVIDER.resolve(&home.context()).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("CO_API_KEY") && msg.contains("COHERE_API_KEY"),
        "{msg}"
    );
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env CO_API_KEY | COHERE_API_KEY",
            "env CO_API_URL (optional)"
        ]
    );
    assert_eq!(
        info.targets,
        ["env CO_API_KEY", "env COHERE_API_KEY", "env CO_API_URL"]
    );
    assert!(Registry::builtin().unwrap().contains("cohere"));
}
