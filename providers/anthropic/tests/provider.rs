//! What the anthropic provider takes (the key or else the auth token, and the optional base
//! URL) and what the container gets.

use kt_provider_anthropic::PROVIDER;
use kt_secrets_core::{Mount, Origin, Provider, Registry};
use kt_secrets_testkit::FixtureHome;

#[tokio::test]
async fn the_api_key_wins_over_the_auth_token_which_then_stays_here() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_API_KEY", "sk-ant-key")
        .env("ANTHROPIC_AUTH_TOKEN", "other-token")
        .env("ANTHROPIC_BASE_URL", "https://gw.example/");
    let r = PROVIDER.resolve(&home.context()).await.unwrap();
    assert_eq!(
        r.data.keys().collect::<Vec<_>>(),
        ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]
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
async fn without_a_key_the_auth_token_with_the_base_url() {
    for home in [
        FixtureHome::new(),
        FixtureHome::new().env("ANTHROPIC_API_KEY", ""),
    ] {
        let home = home
            .env("ANTHROPIC_AUTH_TOKEN", "bearer-token")
            .env("ANTHROPIC_BASE_URL", "https://gw.example/");
        let r = PROVIDER.resolve(&home.context()).await.unwrap();
        assert_eq!(
            r.data.get("ANTHROPIC_AUTH_TOKEN").unwrap().expose(),
            b"bearer-token"
        );
        assert_eq!(
            r.origins["ANTHROPIC_AUTH_TOKEN"],
            Origin::Env("ANTHROPIC_AUTH_TOKEN".into())
        );
        assert_eq!(
            r.mounts,
            [
                Mount::env("ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"),
                Mount::env("ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL"),
            ]
        );
    }
}

#[tokio::test]
async fn neither_is_nothing_found_naming_both() {
    let home = FixtureHome::new()
        .env("ANTHROPIC_AUTH_TOKEN", "")
        .env("ANTHROPIC_BASE_URL", "https://gw.example/");
    let e = PROVIDER.resolve(&home.context()).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("ANTHROPIC_API_KEY") && msg.contains("ANTHROPIC_AUTH_TOKEN"),
        "{msg}"
    );
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env ANTHROPIC_API_KEY",
            "env ANTHROPIC_AUTH_TOKEN",
            "env ANTHROPIC_BASE_URL (optional)"
        ]
    );
    assert_eq!(
        info.targets,
        [
            "env ANTHROPIC_API_KEY",
            "env ANTHROPIC_BASE_URL",
            "env ANTHROPIC_AUTH_TOKEN"
        ]
    );
    assert!(Registry::builtin().unwrap().contains("anthropic"));
}
