//! Precedence of the langchain provider (`LANGSMITH_*`, else the older `LANGCHAIN_*`), the
//! two names the container gets each value under, and blank values, which count as unset.

use kt_provider_langchain::PROVIDER;
use kt_secrets_core::{Mount, Origin, Provider, Registry};
use kt_secrets_testkit::FixtureHome;

fn both(var: &str) -> [Mount; 2] {
    let key = format!("LANGSMITH_{var}");
    [
        Mount::env(key.clone(), key.clone()),
        Mount::env(format!("LANGCHAIN_{var}"), key),
    ]
}

#[tokio::test]
async fn langsmith_names_win_and_each_value_goes_under_both_names() {
    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", "ls-key")
        .env("LANGCHAIN_API_KEY", "other-key")
        .env("LANGCHAIN_ENDPOINT", "https://eu.api.smith.langchain.com")
        .env("LANGSMITH_WORKSPACE_ID", "ws-1");
    let r = PROVIDER.resolve(&home.context()).await.unwrap();
    assert_eq!(r.data.get("LANGSMITH_API_KEY").unwrap().expose(), b"ls-key");
    assert_eq!(
        r.origins["LANGSMITH_ENDPOINT"],
        Origin::Env("LANGCHAIN_ENDPOINT".into())
    );
    let want: Vec<Mount> = ["API_KEY", "ENDPOINT", "WORKSPACE_ID"]
        .into_iter()
        .flat_map(both)
        .collect();
    assert_eq!(r.mounts, want);
}

#[tokio::test]
async fn a_blank_value_counts_as_unset() {
    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", "  ")
        .env("LANGCHAIN_API_KEY", "lc-key")
        .env("LANGSMITH_ENDPOINT", "\t");
    let r = PROVIDER.resolve(&home.context()).await.unwrap();
    assert_eq!(r.data.get("LANGSMITH_API_KEY").unwrap().expose(), b"lc-key");
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["LANGSMITH_API_KEY"]);

    let home = FixtureHome::new()
        .env("LANGSMITH_API_KEY", " ")
        .env("LANGCHAIN_API_KEY", "");
    let e = PROVIDER.resolve(&home.context()).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("LANGSMITH_API_KEY") && msg.contains("LANGCHAIN_API_KEY"),
        "{msg}"
    );
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env LANGSMITH_API_KEY | LANGCHAIN_API_KEY",
            "env LANGSMITH_ENDPOINT | LANGCHAIN_ENDPOINT (optional)",
            "env LANGSMITH_WORKSPACE_ID | LANGCHAIN_WORKSPACE_ID (optional)",
        ]
    );
    assert_eq!(info.targets.len(), 6);
    assert!(Registry::builtin().unwrap().contains("langchain"));
}
