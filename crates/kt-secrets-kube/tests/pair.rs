//! A secret of env vars and files is two objects (`kt_secrets_kube::pair`) that every store
//! operation treats as one secret: apply under the override rule, from_name of either half,
//! list, status, delete by name and by prefix.

mod common;

use common::{Env, on_every_backend};
use kt_secrets_core::{ResolveContext, Secret};
use kt_secrets_kube::{
    ApplyOutcome, DeleteOutcome, Error, ListOptions, SecretSync, StatusOptions, SyncOptions,
};
use kt_secrets_testkit::apiserver::Fault;

const CANARY: &str = "canary-pair";

fn mixed(token: &str) -> Secret {
    Secret::from_values(
        "mixed",
        [
            ("API_TOKEN", format!("{CANARY}-{token}")),
            ("ca.pem", format!("{CANARY}-ca")),
        ],
    )
    .unwrap()
}

const FILES: &str = "kt.secret.global.mixed";
const ENV: &str = "kt.secret.global.mixed-env";

async fn keys(env: &Env, object: &str) -> Vec<String> {
    let obj = env
        .object(object)
        .await
        .unwrap_or_else(|| panic!("{object}"));
    obj.data.unwrap_or_default().into_keys().collect()
}

#[tokio::test]
async fn a_mixed_secret_is_one_secret_in_two_objects() {
    on_every_backend("pair", async |env: &Env| {
        let store = &env.store;
        let s = mixed("a").with_namespace(&env.namespace);
        assert_eq!(store.apply(&s).await.unwrap(), ApplyOutcome::Created);
        assert_eq!(keys(env, FILES).await, ["ca.pem"]);
        assert_eq!(keys(env, ENV).await, ["API_TOKEN"]);
        assert_eq!(store.apply(&s).await.unwrap(), ApplyOutcome::Unchanged);

        // Read back whole, by its name or by either object's.
        for name in ["mixed", FILES, ENV] {
            assert_eq!(store.from_name(name).await.unwrap(), s, "{name}");
        }
        let m = store.get_mounted(ENV).await.unwrap();
        assert_eq!(m.object_name, FILES);
        assert_eq!(m.env_object(), ENV);

        // Other values without override: refused before either object is written.
        let e = store.apply(&mixed("b")).await.unwrap_err();
        match &e {
            Error::DataDiffers { keys, .. } => assert_eq!(&keys[..], ["API_TOKEN"]),
            other => panic!("{other}"),
        }
        assert!(!e.to_string().contains(CANARY), "{e}");
        let b = mixed("b")
            .with_override_existing(true)
            .with_namespace(&env.namespace);
        assert_eq!(store.apply(&b).await.unwrap(), ApplyOutcome::Replaced);
        assert_eq!(store.from_name("mixed").await.unwrap(), b);

        // One secret in a listing and in status.
        let list = store.list(&ListOptions::default()).await.unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].object_name, FILES);
        assert_eq!(list[0].env_object_name.as_deref(), Some(ENV));
        assert_eq!(list[0].keys, ["API_TOKEN", "ca.pem"]);
        assert_eq!(list[0].content_hash, b.data().content_hash());
        let status = store.status(&StatusOptions::default()).await.unwrap();
        assert_eq!(status.len(), 1);
        assert_eq!(status[0].secret, b);
        assert_eq!(status[0].content_hash, b.data().content_hash());

        // Deleting it by the env half's name deletes both.
        assert_eq!(
            store.delete(ENV).await.unwrap(),
            DeleteOutcome::Deleted {
                object_name: FILES.to_owned()
            }
        );
        assert!(env.object(FILES).await.is_none() && env.object(ENV).await.is_none());

        // And by prefix.
        store.apply(&b).await.unwrap();
        let gone = store.delete_prefix("mix").await.unwrap();
        assert_eq!(gone.len(), 1, "{gone:?}");
        assert!(env.object(FILES).await.is_none() && env.object(ENV).await.is_none());
    })
    .await;
}

/// The halves are two writes. When the second fails, applying the same secret again
/// finishes the pair; it is not refused as other values.
#[tokio::test]
async fn a_pair_whose_second_write_failed_is_finished_by_applying_it_again() {
    let env = Env::loopback().await;
    let s = mixed("a").with_namespace(&env.namespace);
    // The files half is created first; the env half's create is refused once.
    env.server()
        .inject(Fault::status(403).method("POST").every(2).times(1));
    let e = env.store.apply(&s).await.unwrap_err();
    assert!(!e.to_string().contains(CANARY), "{e}");
    assert_eq!(keys(&env, FILES).await, ["ca.pem"]);
    assert!(env.object(ENV).await.is_none());

    assert_eq!(env.store.apply(&s).await.unwrap(), ApplyOutcome::Replaced);
    assert_eq!(keys(&env, ENV).await, ["API_TOKEN"]);
    assert_eq!(env.store.from_name("mixed").await.unwrap(), s);
    // Other values are still refused over the finished pair.
    assert!(matches!(
        env.store.apply(&mixed("b")).await.unwrap_err(),
        Error::DataDiffers { .. }
    ));
}

#[tokio::test]
async fn one_object_of_the_same_values_becomes_the_pair() {
    on_every_backend("pair_migration", async |env: &Env| {
        // The layout before pairs, or Kubetorch's `Secret(values=...)`: one object of all keys.
        let s = mixed("a").with_namespace(&env.namespace);
        let one = kt_secrets_kube::manifest::to_manifest(&s, "global");
        assert!(kt_secrets_kube::pair::partner(&one).is_none());
        env.seed(one).await;
        assert_eq!(env.store.apply(&s).await.unwrap(), ApplyOutcome::Replaced);
        assert_eq!(keys(env, FILES).await, ["ca.pem"]);
        assert_eq!(keys(env, ENV).await, ["API_TOKEN"]);
        assert_eq!(env.store.from_name("mixed").await.unwrap(), s);
    })
    .await;
}

#[tokio::test]
async fn sync_rewrites_both_objects_of_a_provider_pair() {
    let env = Env::loopback().await;
    let registry = common::token::registry_of(common::token::Token {
        name: "mix",
        var: "MIX_TOKEN",
        file: "~/.mix/token",
        env_too: true,
    });
    let ctx = |v: &str| ResolveContext::new("/nonexistent-home").with_env("MIX_TOKEN", v);
    let s = Secret::from_provider_in(&registry, &ctx("v1"), "mix", None)
        .await
        .unwrap();
    env.store.apply(&s).await.unwrap();
    let (files, envs) = ("kt.secret.global.mix", "kt.secret.global.mix-env");
    let sync = |v: &'static str| {
        let (store, registry) = (&env.store, &registry);
        async move {
            store
                .sync_providers(registry, &ctx(v), &SyncOptions::default())
                .await
                .unwrap()
        }
    };
    let report = sync("v1").await;
    assert_eq!(report.secrets.len(), 1, "one secret, two objects");
    assert!(matches!(report.secrets[0].outcome, SecretSync::Unchanged));
    let report = sync("v2").await;
    assert!(
        matches!(&report.secrets[0].outcome, SecretSync::Updated { keys } if keys == &["MIX_TOKEN", "token"]),
        "{:?}",
        report.secrets[0].outcome
    );
    for object in [files, envs] {
        let obj = env.object(object).await.unwrap();
        assert!(obj.data.unwrap().values().all(|v| v.0 == b"v2"), "{object}");
    }
}
