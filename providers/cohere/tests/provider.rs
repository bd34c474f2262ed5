//! Precedence and overrides of the cohere provider.

use kt_provider_cohere::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved};
use kt_secrets_testkit::FixtureHome;

async fn resolve(home: FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn value<'a>(r: &'a Resolved, key: &str) -> &'a str {
    r.data.get(key).and_then(|v| v.expose_str()).unwrap()
}

fn both_targets() -> Vec<Mount> {
    vec![
        Mount::env("CO_API_KEY", "CO_API_KEY"),
        Mount::env("COHERE_API_KEY", "CO_API_KEY"),
    ]
}

#[tokio::test]
async fn co_api_key_wins_over_cohere_api_key() {
    let r = resolve(
        FixtureHome::new()
            .env("CO_API_KEY", "co-new")
            .env("COHERE_API_KEY", "co-old"),
    )
    .await
    .unwrap();
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["CO_API_KEY"]);
    assert_eq!(value(&r, "CO_API_KEY"), "co-new");
    assert_eq!(r.origins["CO_API_KEY"], Origin::Env("CO_API_KEY".into()));
    assert_eq!(r.mounts, both_targets());
}

#[tokio::test]
async fn cohere_api_key_is_the_fallback() {
    let r = resolve(FixtureHome::new().env("COHERE_API_KEY", "co-old"))
        .await
        .unwrap();
    assert_eq!(value(&r, "CO_API_KEY"), "co-old");
    assert_eq!(
        r.origins["CO_API_KEY"],
        Origin::Env("COHERE_API_KEY".into())
    );
    assert_eq!(r.mounts, both_targets());
}

#[tokio::test]
async fn an_empty_co_api_key_counts_as_unset() {
    let r = resolve(
        FixtureHome::new()
            .env("CO_API_KEY", "")
            .env("COHERE_API_KEY", "co-old"),
    )
    .await
    .unwrap();
    assert_eq!(value(&r, "CO_API_KEY"), "co-old");
}

#[tokio::test]
async fn nothing_found_names_both_vars() {
    for home in [
        FixtureHome::new(),
        FixtureHome::new()
            .env("CO_API_KEY", "")
            .env("COHERE_API_KEY", ""),
    ] {
        let e = resolve(home).await.unwrap_err();
        assert!(matches!(e, Error::NothingFound { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("env CO_API_KEY") && msg.contains("env COHERE_API_KEY"),
            "{msg}"
        );
    }
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(info.sources, ["env CO_API_KEY | COHERE_API_KEY"]);
    assert_eq!(info.targets, ["env CO_API_KEY", "env COHERE_API_KEY"]);
    assert!(Registry::builtin().unwrap().contains("cohere"));
}
