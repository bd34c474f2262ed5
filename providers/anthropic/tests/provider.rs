//! What the anthropic provider takes and what the container gets.

use kt_provider_anthropic::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved};
use kt_secrets_testkit::FixtureHome;

async fn resolve(home: FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

#[tokio::test]
async fn api_key_alone() {
    let r = resolve(FixtureHome::new().env("ANTHROPIC_API_KEY", "sk-ant-1"))
        .await
        .unwrap();
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["ANTHROPIC_API_KEY"]);
    assert_eq!(
        r.data.get("ANTHROPIC_API_KEY").unwrap().expose(),
        b"sk-ant-1"
    );
    assert_eq!(
        r.origins["ANTHROPIC_API_KEY"],
        Origin::Env("ANTHROPIC_API_KEY".into())
    );
    assert_eq!(
        r.mounts,
        [Mount::env("ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY")]
    );
}

#[tokio::test]
async fn base_url_comes_along_when_set() {
    let r = resolve(
        FixtureHome::new()
            .env("ANTHROPIC_API_KEY", "sk-ant-1")
            .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/"),
    )
    .await
    .unwrap();
    assert_eq!(
        r.data.get("ANTHROPIC_BASE_URL").unwrap().expose(),
        b"http://127.0.0.1:9/"
    );
    assert_eq!(
        r.mounts,
        [
            Mount::env("ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY"),
            Mount::env("ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL"),
        ]
    );
}

#[tokio::test]
async fn an_empty_base_url_is_left_out() {
    let r = resolve(
        FixtureHome::new()
            .env("ANTHROPIC_API_KEY", "sk-ant-1")
            .env("ANTHROPIC_BASE_URL", ""),
    )
    .await
    .unwrap();
    assert!(!r.data.contains_key("ANTHROPIC_BASE_URL"));
    assert_eq!(r.mounts.len(), 1);
}

#[tokio::test]
async fn a_base_url_without_a_key_is_nothing_found() {
    for home in [
        FixtureHome::new().env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/"),
        FixtureHome::new()
            .env("ANTHROPIC_API_KEY", "")
            .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/"),
    ] {
        let e = resolve(home).await.unwrap_err();
        assert!(matches!(e, Error::NothingFound { .. }), "{e}");
        assert!(e.to_string().contains("env ANTHROPIC_API_KEY"), "{e}");
    }
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        ["env ANTHROPIC_API_KEY", "env ANTHROPIC_BASE_URL (optional)"]
    );
    assert_eq!(
        info.targets,
        ["env ANTHROPIC_API_KEY", "env ANTHROPIC_BASE_URL"]
    );
    assert!(Registry::builtin().unwrap().contains("anthropic"));
}
