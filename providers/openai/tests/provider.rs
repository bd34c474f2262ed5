//! What the openai provider takes (the key, and the optional organisation, project and base
//! URL) and what the container gets.

use kt_provider_openai::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved};
use kt_secrets_testkit::FixtureHome;

const OPTIONAL: [&str; 3] = ["OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_BASE_URL"];

async fn resolve(home: FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

#[tokio::test]
async fn api_key_alone() {
    let r = resolve(FixtureHome::new().env("OPENAI_API_KEY", "sk-1"))
        .await
        .unwrap();
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["OPENAI_API_KEY"]);
    assert_eq!(r.data.get("OPENAI_API_KEY").unwrap().expose(), b"sk-1");
    assert_eq!(
        r.origins["OPENAI_API_KEY"],
        Origin::Env("OPENAI_API_KEY".into())
    );
    assert_eq!(r.mounts, [Mount::env("OPENAI_API_KEY", "OPENAI_API_KEY")]);
}

#[tokio::test]
async fn optional_vars_come_along_under_their_own_names() {
    let mut home = FixtureHome::new().env("OPENAI_API_KEY", "sk-1");
    for v in OPTIONAL {
        home = home.env(v, format!("value-of-{v}"));
    }
    let r = resolve(home).await.unwrap();
    let mut want = vec![Mount::env("OPENAI_API_KEY", "OPENAI_API_KEY")];
    for v in OPTIONAL {
        assert_eq!(
            r.data.get(v).unwrap().expose(),
            format!("value-of-{v}").as_bytes()
        );
        assert_eq!(r.origins[v], Origin::Env(v.into()));
        want.push(Mount::env(v, v));
    }
    assert_eq!(r.mounts, want);
}

#[tokio::test]
async fn each_optional_var_is_independent_and_empty_ones_are_left_out() {
    let r = resolve(
        FixtureHome::new()
            .env("OPENAI_API_KEY", "sk-1")
            .env("OPENAI_ORG_ID", "")
            .env("OPENAI_PROJECT_ID", "proj_1"),
    )
    .await
    .unwrap();
    assert_eq!(
        r.data.keys().collect::<Vec<_>>(),
        ["OPENAI_API_KEY", "OPENAI_PROJECT_ID"]
    );
}

#[tokio::test]
async fn optional_vars_without_a_key_are_nothing_found() {
    for home in [
        FixtureHome::new(),
        FixtureHome::new()
            .env("OPENAI_API_KEY", "")
            .env("OPENAI_ORG_ID", "org-1")
            .env("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
    ] {
        let e = resolve(home).await.unwrap_err();
        assert!(matches!(e, Error::NothingFound { .. }), "{e}");
        assert!(e.to_string().contains("env OPENAI_API_KEY"), "{e}");
    }
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env OPENAI_API_KEY",
            "env OPENAI_ORG_ID (optional)",
            "env OPENAI_PROJECT_ID (optional)",
            "env OPENAI_BASE_URL (optional)",
        ]
    );
    assert_eq!(
        info.targets,
        [
            "env OPENAI_API_KEY",
            "env OPENAI_ORG_ID",
            "env OPENAI_PROJECT_ID",
            "env OPENAI_BASE_URL",
        ]
    );
    assert!(Registry::builtin().unwrap().contains("openai"));
}
