//! Precedence and overrides of the langchain provider.

use kt_provider_langchain::PROVIDER;
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
        Mount::env("LANGSMITH_API_KEY", "LANGSMITH_API_KEY"),
        Mount::env("LANGCHAIN_API_KEY", "LANGSMITH_API_KEY"),
    ]
}

#[tokio::test]
async fn langsmith_api_key_wins_over_langchain_api_key() {
    let r = resolve(
        FixtureHome::new()
            .env("LANGSMITH_API_KEY", "ls-new")
            .env("LANGCHAIN_API_KEY", "lc-old"),
    )
    .await
    .unwrap();
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["LANGSMITH_API_KEY"]);
    assert_eq!(value(&r, "LANGSMITH_API_KEY"), "ls-new");
    assert_eq!(
        r.origins["LANGSMITH_API_KEY"],
        Origin::Env("LANGSMITH_API_KEY".into())
    );
    assert_eq!(r.mounts, both_targets());
}

#[tokio::test]
async fn langchain_api_key_is_the_fallback() {
    let r = resolve(FixtureHome::new().env("LANGCHAIN_API_KEY", "lc-old"))
        .await
        .unwrap();
    assert_eq!(value(&r, "LANGSMITH_API_KEY"), "lc-old");
    assert_eq!(
        r.origins["LANGSMITH_API_KEY"],
        Origin::Env("LANGCHAIN_API_KEY".into())
    );
    assert_eq!(r.mounts, both_targets());
}

#[tokio::test]
async fn an_empty_langsmith_api_key_counts_as_unset() {
    let r = resolve(
        FixtureHome::new()
            .env("LANGSMITH_API_KEY", "")
            .env("LANGCHAIN_API_KEY", "lc-old"),
    )
    .await
    .unwrap();
    assert_eq!(value(&r, "LANGSMITH_API_KEY"), "lc-old");
}

#[tokio::test]
async fn nothing_found_names_both_vars() {
    for home in [
        FixtureHome::new(),
        FixtureHome::new()
            .env("LANGSMITH_API_KEY", "")
            .env("LANGCHAIN_API_KEY", ""),
    ] {
        let e = resolve(home).await.unwrap_err();
        assert!(matches!(e, Error::NothingFound { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("env LANGSMITH_API_KEY") && msg.contains("env LANGCHAIN_API_KEY"),
            "{msg}"
        );
    }
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(info.sources, ["env LANGSMITH_API_KEY | LANGCHAIN_API_KEY"]);
    assert_eq!(
        info.targets,
        ["env LANGSMITH_API_KEY", "env LANGCHAIN_API_KEY"]
    );
    assert!(Registry::builtin().unwrap().contains("langchain"));
}
