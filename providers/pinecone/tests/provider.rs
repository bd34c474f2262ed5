//! What the pinecone provider takes and what the container gets.

use kt_provider_pinecone::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved};
use kt_secrets_testkit::FixtureHome;

async fn resolve(home: FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

#[tokio::test]
async fn api_key_as_the_same_env_var() {
    let r = resolve(FixtureHome::new().env("PINECONE_API_KEY", "pc-1"))
        .await
        .unwrap();
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["PINECONE_API_KEY"]);
    assert_eq!(r.data.get("PINECONE_API_KEY").unwrap().expose(), b"pc-1");
    assert_eq!(
        r.origins["PINECONE_API_KEY"],
        Origin::Env("PINECONE_API_KEY".into())
    );
    assert_eq!(
        r.mounts,
        [Mount::env("PINECONE_API_KEY", "PINECONE_API_KEY")]
    );
}

#[tokio::test]
async fn unset_or_empty_is_nothing_found() {
    for home in [
        FixtureHome::new(),
        FixtureHome::new().env("PINECONE_API_KEY", ""),
    ] {
        let e = resolve(home).await.unwrap_err();
        assert!(matches!(e, Error::NothingFound { .. }), "{e}");
        assert!(e.to_string().contains("env PINECONE_API_KEY"), "{e}");
    }
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(info.sources, ["env PINECONE_API_KEY"]);
    assert_eq!(info.targets, ["env PINECONE_API_KEY"]);
    assert!(Registry::builtin().unwrap().contains("pinecone"));
}
