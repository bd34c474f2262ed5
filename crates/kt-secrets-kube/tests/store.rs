//! The SecretStore over HTTP: the real `kube` client stack against the loopback API server
//! (and a real cluster when `KT_SECRETS_TEST_KUBECONFIG` is set).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use common::{Env, LOOPBACK_NAMESPACE, fast_retry, foreign, on_every_backend, summary};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::{Mount, Origin, Resolved, Secret};
use kt_secrets_kube::manifest::{self, ANNOTATION_CONTENT_HASH, ANNOTATION_OVERRIDE};
use kt_secrets_kube::{ApplyOutcome, DeleteOutcome, Error, ListOptions, RetryPolicy, SecretStore};
use kt_secrets_testkit::apiserver::Fault;

/// Planted in secret values; must never show in an error, a `Debug` or the request log.
const CANARY: &str = "kt-canary-5be1d7";

fn canary(tag: &str) -> String {
    format!("{CANARY}-{tag}")
}

fn assert_no_canary(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "{what} leaks a secret value: {text}"
    );
}

fn assert_error_clean<T: std::fmt::Debug>(r: &Result<T, Error>) {
    if let Err(e) = r {
        assert_no_canary("error", &format!("{e} / {e:?}"));
    }
}

fn values(name: &str, pairs: &[(&str, &str)]) -> Secret {
    Secret::from_values(name, pairs.iter().map(|(k, v)| (*k, *v))).unwrap()
}

fn data_of(obj: &KubeSecret) -> Vec<(String, Vec<u8>)> {
    obj.data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect()
}

fn expected_data(s: &Secret) -> Vec<(String, Vec<u8>)> {
    s.data()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.expose().to_vec()))
        .collect()
}

fn annotation<'a>(obj: &'a KubeSecret, key: &str) -> Option<&'a str> {
    obj.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

#[tokio::test]
async fn override_rule_with_server_state_checked_after_a_refusal() {
    on_every_backend("override_rule", async |env: &Env| {
        let store = &env.store;
        // Env keys only, so one object (a secret of env vars and files is two: tests/pair.rs).
        let v1 = values("db", &[("PASSWORD", &canary("one")), ("CFG_JSON", "{}")]);
        let v2 = values("db", &[("PASSWORD", &canary("two")), ("CFG_JSON", "{}")]);
        assert_eq!(store.apply(&v1).await.unwrap(), ApplyOutcome::Created);
        assert_eq!(store.apply(&v1).await.unwrap(), ApplyOutcome::Unchanged);

        let refused = store.apply(&v2).await;
        assert_error_clean(&refused);
        match refused.unwrap_err() {
            e @ Error::DataDiffers { .. } => {
                let msg = e.to_string();
                for needle in ["kt.secret.global.db", &env.namespace, "PASSWORD"] {
                    assert!(msg.contains(needle), "{msg} should name {needle}");
                }
                assert!(!msg.contains("CFG_JSON"), "only differing keys: {msg}");
                assert!(msg.contains("nothing was written"), "{msg}");
            }
            other => panic!("expected DataDiffers on the {}, got {other}", env.name()),
        }
        // The refusal wrote nothing: the server still holds v1, whole.
        let obj = env
            .object("kt.secret.global.db")
            .await
            .expect("still there");
        assert_eq!(data_of(&obj), expected_data(&v1));
        assert_eq!(
            annotation(&obj, ANNOTATION_CONTENT_HASH),
            Some(v1.data().content_hash().as_str())
        );

        let v2o = v2.clone().with_override_existing(true);
        assert_eq!(store.apply(&v2o).await.unwrap(), ApplyOutcome::Replaced);
        let obj = env.object("kt.secret.global.db").await.unwrap();
        assert_eq!(data_of(&obj), expected_data(&v2));
        assert_eq!(annotation(&obj, ANNOTATION_OVERRIDE), Some("True"));
        assert_eq!(
            store.get("db").await.unwrap(),
            v2o.clone().with_namespace(&env.namespace)
        );
        assert_eq!(store.apply(&v2o).await.unwrap(), ApplyOutcome::Unchanged);
    })
    .await;
}

#[tokio::test]
async fn round_trip_counts() {
    let env = Env::loopback().await;
    let (server, store) = (env.server(), &env.store);
    let ns = format!("/api/v1/namespaces/{LOOPBACK_NAMESPACE}");
    let v1 = values("rt", &[("TOKEN", &canary("a"))]);
    let v2 = values("rt", &[("TOKEN", &canary("b"))]);
    let row = |m: &str, p: &str, s: u16| (m.to_owned(), p.to_owned(), s);
    let mut report = Vec::new();
    let mut step = |what: &str, expect: Vec<(String, String, u16)>| {
        let log = env.secret_requests();
        assert!(log.iter().all(|r| r.path.starts_with(&ns)), "{log:?}");
        assert_eq!(summary(&log), expect, "{what}");
        report.push(format!("{what}: {}", log.len()));
        server.clear_requests();
    };

    server.clear_requests();
    assert_eq!(store.apply(&v1).await.unwrap(), ApplyOutcome::Created);
    step(
        "create new",
        vec![
            row("GET", "secrets/kt.secret.global.rt", 404),
            row("POST", "secrets", 201),
        ],
    );
    assert_eq!(store.apply(&v1).await.unwrap(), ApplyOutcome::Unchanged);
    step(
        "unchanged",
        vec![row("GET", "secrets/kt.secret.global.rt", 200)],
    );
    assert!(store.apply(&v2).await.is_err());
    step(
        "refused (differs, no override)",
        vec![row("GET", "secrets/kt.secret.global.rt", 200)],
    );
    assert_eq!(
        store
            .apply(&v2.clone().with_override_existing(true))
            .await
            .unwrap(),
        ApplyOutcome::Replaced
    );
    step(
        "override",
        vec![
            row("GET", "secrets/kt.secret.global.rt", 200),
            row("PUT", "secrets/kt.secret.global.rt", 200),
        ],
    );
    store.get("rt").await.unwrap();
    step(
        "from_name by short name",
        vec![
            row("GET", "secrets/rt", 404),
            row("GET", "secrets/kt.secret.global.rt", 200),
        ],
    );
    store.get("kt.secret.global.rt").await.unwrap();
    step(
        "from_name by object name",
        vec![row("GET", "secrets/kt.secret.global.rt", 200)],
    );
    assert_eq!(store.list(&ListOptions::default()).await.unwrap().len(), 1);
    step("list", vec![row("GET", "secrets", 200)]);
    assert!(matches!(
        store.delete("rt").await.unwrap(),
        DeleteOutcome::Deleted { .. }
    ));
    step(
        "delete",
        vec![
            row("GET", "secrets/rt", 404),
            row("GET", "secrets/kt.secret.global.rt", 200),
            row("DELETE", "secrets/kt.secret.global.rt", 200),
        ],
    );
    assert!(matches!(
        store.delete("rt").await.unwrap(),
        DeleteOutcome::AlreadyGone { .. }
    ));
    step(
        "delete of what is gone",
        vec![
            row("GET", "secrets/rt", 404),
            row("GET", "secrets/kt.secret.global.rt", 404),
        ],
    );
    eprintln!("round trips per operation:\n  {}", report.join("\n  "));
    for r in server.requests() {
        assert_no_canary("request log", &format!("{r:?}"));
    }
}

#[tokio::test]
async fn conflict_is_retried_then_bounded() {
    let env = Env::loopback().await;
    let (server, store) = (env.server(), &env.store);
    let v1 = values("cf", &[("K", &canary("1"))]);
    let v2 = values("cf", &[("K", &canary("2"))]).with_override_existing(true);
    let v3 = values("cf", &[("K", &canary("3"))]).with_override_existing(true);
    store.apply(&v1).await.unwrap();

    server.inject(Fault::status(409).method("PUT").times(1));
    server.clear_requests();
    assert_eq!(store.apply(&v2).await.unwrap(), ApplyOutcome::Replaced);
    let statuses: Vec<(String, u16)> = env
        .secret_requests()
        .iter()
        .map(|r| (r.method.clone(), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("GET".to_owned(), 200),
            ("PUT".to_owned(), 409),
            ("GET".to_owned(), 200),
            ("PUT".to_owned(), 200)
        ]
    );
    assert_eq!(
        data_of(&env.object("kt.secret.global.cf").await.unwrap()),
        expected_data(&v2)
    );

    server.clear_faults();
    server.inject(Fault::status(409).method("PUT"));
    server.clear_requests();
    let r = store.apply(&v3).await;
    assert_error_clean(&r);
    let e = r.unwrap_err();
    assert!(
        matches!(e, Error::Conflict { attempts, .. } if attempts == fast_retry().conflict_attempts),
        "{e}"
    );
    assert!(e.to_string().contains("kt.secret.global.cf"), "{e}");
    let puts = env
        .secret_requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts as u32, fast_retry().conflict_attempts);
    assert_eq!(
        data_of(&env.object("kt.secret.global.cf").await.unwrap()),
        expected_data(&v2),
        "the server keeps the last successful write"
    );
}

#[tokio::test]
async fn concurrent_overrides_of_one_secret_all_land_whole() {
    on_every_backend("concurrent_overrides", async |env: &Env| {
        let versions: Vec<Secret> = (0..4)
            .map(|i| {
                values(
                    "shared",
                    &[("K", &canary(&format!("v{i}"))), ("N", &i.to_string())],
                )
                .with_override_existing(true)
            })
            .collect();
        let results = futures::future::join_all(versions.iter().map(|s| env.store.apply(s))).await;
        for r in &results {
            assert_error_clean(r);
            assert!(r.is_ok(), "{r:?}");
        }
        let obj = env.object("kt.secret.global.shared").await.unwrap();
        let stored = data_of(&obj);
        assert!(
            versions.iter().any(|v| expected_data(v) == stored),
            "the object holds exactly one writer's data"
        );
        let hash = kt_secrets_kube::manifest::from_manifest(&obj)
            .unwrap()
            .data()
            .content_hash();
        assert_eq!(
            annotation(&obj, ANNOTATION_CONTENT_HASH),
            Some(hash.as_str())
        );
        if let Some(server) = &env.server {
            let conflicts = server
                .secret_requests()
                .iter()
                .filter(|r| r.status == 409)
                .count();
            eprintln!("concurrent overrides: {conflicts} conflicts resolved by retrying");
        }
    })
    .await;
}

#[tokio::test]
async fn validation_sends_nothing() {
    let env = Env::loopback().await;
    let server = env.server();
    server.clear_requests();
    let ok = values("fine", &[("K", "v")]);
    let invalid = |r: Result<ApplyOutcome, Error>| {
        let e = r.unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{e}");
    };
    // Namespace.
    invalid(
        env.store
            .apply(&ok.clone().with_namespace("Not_A_Namespace"))
            .await,
    );
    invalid(env.store.clone().with_namespace("a.b").apply(&ok).await);
    // Object name too long once prefixed; name too long for kubetorch's label.
    invalid(
        env.store
            .apply(&values(&"n".repeat(250), &[("K", "v")]))
            .await,
    );
    invalid(
        env.store
            .apply(&values(&"n".repeat(64), &[("K", "v")]))
            .await,
    );
    // Owner unusable in object names and labels.
    invalid(env.store_of("Alice").apply(&ok).await);
    invalid(env.store_of("al.ice").apply(&ok).await);
    // Over the API server's 1 MiB.
    let big = Secret::from_values(
        "big",
        [("a", vec![b'x'; 600 * 1024]), ("b", vec![b'y'; 500 * 1024])],
    )
    .unwrap();
    let e = env.store.apply(&big).await.unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    // Reads, lists and deletes check their inputs too.
    let bad_ns = env.store.clone().with_namespace("UPPER");
    assert!(matches!(bad_ns.get("x").await, Err(Error::Invalid { .. })));
    assert!(matches!(
        bad_ns.list(&ListOptions::default()).await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        bad_ns.delete("x").await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        env.store.get("not a name").await,
        Err(Error::Core(kt_secrets_core::Error::InvalidName { .. }))
    ));
    assert!(matches!(
        env.store.delete_prefix("").await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        env.store_of("BAD").delete_owned().await,
        Err(Error::Invalid { .. })
    ));
    // A sync of invalid secrets reports each and sends nothing either.
    let results = env
        .store
        .sync(&[big.clone(), values(&"m".repeat(64), &[("K", "v")])], 4)
        .await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(Error::Invalid { .. } | Error::TooLarge { .. })))
    );
    assert_eq!(
        server.requests(),
        [],
        "validation failures must send nothing"
    );
    assert_eq!(server.served(), 0);
}

/// Secrets `bulk-000` … `bulk-199`: a quarter exist with other data and are overridden, a
/// quarter exist unchanged, the rest are new.
fn bulk(i: usize, version: &str) -> Secret {
    values(
        &format!("bulk-{i:03}"),
        &[
            ("API_KEY", &canary(&format!("{version}-{i}"))),
            // An env key, so one object per secret (env vars and files would be two).
            ("CONFIG_YAML", &format!("n: {i}\nversion: {version}\n")),
        ],
    )
}

#[tokio::test]
async fn sync_of_200_with_injected_500s_and_delays_leaves_nothing_half_written() {
    let env = Env::loopback().await;
    let server = env.server();
    let store = env.store.clone().with_retry(RetryPolicy {
        attempts: 5,
        conflict_attempts: 5,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        // Far above a loaded CI machine's normal latency (a 250 ms bound timed out ordinary
        // requests there), so only the injected delays below time out.
        request_timeout: Duration::from_secs(1),
        deadline: None,
    });
    let n = 200;
    let old: Vec<Secret> = (0..n).map(|i| bulk(i, "old")).collect();
    let seeded: Vec<Secret> = old
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 < 2)
        .map(|(_, s)| s.clone())
        .collect();
    assert!(store.sync(&seeded, 8).await.iter().all(Result::is_ok));
    let new: Vec<Secret> = (0..n)
        .map(|i| match i % 4 {
            0 => bulk(i, "new").with_override_existing(true),
            1 => bulk(i, "old"),
            _ => bulk(i, "new"),
        })
        .collect();

    // Never reachable: every request for these objects fails (for 100, only its PUT, so it
    // fails mid-update).
    let doomed = ["bulk-013", "bulk-077", "bulk-150", "bulk-199"];
    for d in doomed {
        server.inject(Fault::status(500).path_contains(format!("kt.secret.global.{d}")));
    }
    server.inject(
        Fault::status(500)
            .method("PUT")
            .path_contains("kt.secret.global.bulk-100"),
    );
    // Background noise: failures before the API acts, failures after it acted (the write
    // landed, the client saw 503), and delays past the client's timeout (late writes).
    server.inject(Fault::status(500).every(9));
    server.inject(Fault::status(503).after_forward().every(13));
    server.inject(
        Fault::delay(Duration::from_millis(1300))
            .every(17)
            .times(24),
    );
    server.clear_requests();

    let started = std::time::Instant::now();
    let results = store.sync(&new, 16).await;
    let elapsed = started.elapsed();
    assert_eq!(results.len(), n);
    // Let delayed requests whose clients gave up finish before the state is checked.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (mut ok, mut failed, mut unconfirmed) = (0, 0, 0);
    let mut unexpected = Vec::new();
    for (i, (r, want)) in results.iter().zip(&new).enumerate() {
        assert_error_clean(r);
        let object = format!("kt.secret.global.bulk-{i:03}");
        let stored = env.object(&object).await;
        let is_doomed = doomed.iter().any(|d| object.ends_with(d)) || i == 100;
        match r {
            Ok(outcome) => {
                ok += 1;
                assert!(!is_doomed, "{object} cannot have succeeded");
                let obj =
                    stored.unwrap_or_else(|| panic!("{object} reported {outcome} but is absent"));
                assert_eq!(data_of(&obj), expected_data(want), "{object}");
                let desired = manifest::to_manifest(want, "global");
                assert!(
                    manifest::managed_metadata_matches(&obj, &desired),
                    "{object}"
                );
                let expect = match i % 4 {
                    0 => ApplyOutcome::Replaced,
                    1 => ApplyOutcome::Unchanged,
                    _ => ApplyOutcome::Created,
                };
                assert_eq!(*outcome, expect, "{object}");
            }
            Err(e) => {
                failed += 1;
                let msg = e.to_string();
                // A write whose answer was lost (the 503 after the API acted) is reported
                // unconfirmed, by design; which writes draw that fault depends on the order
                // the 16 workers reach the server, so only its kind is asserted.
                match e {
                    _ if is_doomed => {}
                    Error::Unconfirmed { .. } => unconfirmed += 1,
                    _ => unexpected.push(msg.clone()),
                }
                assert!(
                    msg.contains(&object) && msg.contains(LOOPBACK_NAMESPACE),
                    "{msg}"
                );
                // Absent, or whole: one version's data with its own hash and mounts.
                if let Some(obj) = stored {
                    let data = data_of(&obj);
                    let version = [&old[i], want]
                        .into_iter()
                        .find(|v| expected_data(v) == data)
                        .unwrap_or_else(|| panic!("{object} holds mixed data"));
                    let desired = manifest::to_manifest(version, "global");
                    assert!(
                        manifest::managed_metadata_matches(&obj, &desired),
                        "{object}"
                    );
                }
            }
        }
    }
    for d in doomed {
        let i: usize = d["bulk-".len()..].parse().unwrap();
        assert!(results[i].is_err(), "{d} must be reported failed");
    }
    assert!(results[100].is_err());
    assert_eq!(
        data_of(&env.object("kt.secret.global.bulk-100").await.unwrap()),
        expected_data(&old[100]),
        "a failed override leaves the old version whole"
    );
    assert!(
        server.faults_fired() > 50,
        "faults fired: {}",
        server.faults_fired()
    );
    // Five attempts all drawing a fault is possible but rare; anything more is a retry bug.
    assert!(
        unexpected.len() <= 2,
        "retries should carry every reachable secret through: {ok} ok, {failed} failed, \
         {unconfirmed} unconfirmed; other failures: {unexpected:#?}"
    );
    assert!(
        ok >= 160 && unconfirmed <= 30,
        "{ok} ok, {unconfirmed} unconfirmed"
    );
    eprintln!(
        "sync of {n} with faults: {ok} ok, {failed} reported failed ({unconfirmed} unconfirmed), {} requests, {} faults, {elapsed:?}",
        server.requests().len(),
        server.faults_fired()
    );
}

fn rich_secret() -> Secret {
    let mut r = Resolved::new();
    r.add_file(
        "id_ed25519",
        canary("key").into_bytes(),
        Origin::File(PathBuf::from("/home/dev/.ssh/id_ed25519")),
        "~/.ssh/id_ed25519",
        0o400,
    )
    .unwrap();
    r.add_file(
        "blob.bin",
        vec![0u8, 159, 146, 150, 255],
        Origin::Literal,
        "/etc/app/blob.bin",
        0o600,
    )
    .unwrap();
    r.add_env(
        "DEPLOY_TOKEN",
        canary("tok"),
        Origin::Env("MY_TOKEN".to_owned()),
    )
    .unwrap();
    r.mounts
        .push(Mount::path_env("KEY_PATH", "~/.ssh/id_ed25519"));
    Secret::from_parts("deploy-key", Some("ssh".to_owned()), r)
        .unwrap()
        .with_override_existing(true)
}

#[tokio::test]
async fn from_name_restores_ours_and_reads_foreign_ones() {
    on_every_backend("from_name", async |env: &Env| {
        let store = &env.store;
        let ours = rich_secret();
        store.apply(&ours).await.unwrap();
        let back = store.from_name("deploy-key").await.unwrap();
        assert_eq!(back, ours.clone().with_namespace(&env.namespace));
        assert_eq!(
            store
                .from_name("kt.secret.global.deploy-key")
                .await
                .unwrap(),
            back
        );

        env.seed(foreign(
            "db-creds",
            &[
                ("DB_PASSWORD", canary("db").as_bytes()),
                ("ca.crt", b"CERT"),
            ],
        ))
        .await;
        let theirs = store.from_name("db-creds").await.unwrap();
        assert_eq!(theirs.name(), "db-creds");
        assert_eq!(
            theirs.mounts(),
            [
                Mount::env("DB_PASSWORD", "DB_PASSWORD"),
                Mount::file("ca.crt", "/secrets/db-creds/ca.crt", 0o644),
            ]
        );
        assert_eq!(
            theirs.data().get("DB_PASSWORD").unwrap().expose(),
            canary("db").as_bytes()
        );

        // The exact name wins over the kubetorch-formatted one.
        env.seed(foreign("openai", &[("OPENAI_API_KEY", b"from-elsewhere")]))
            .await;
        store
            .apply(&values("openai", &[("OPENAI_API_KEY", &canary("ours"))]))
            .await
            .unwrap();
        if let Some(server) = &env.server {
            server.clear_requests();
        }
        let got = store.from_name("openai").await.unwrap();
        assert_eq!(
            got.data().get("OPENAI_API_KEY").unwrap().expose(),
            b"from-elsewhere"
        );
        if env.is_loopback() {
            assert_eq!(env.secret_requests().len(), 1);
        }

        let missing = store.from_name("ghost").await;
        let e = missing.unwrap_err();
        assert!(e.is_not_found(), "{e}");
        let msg = e.to_string();
        for needle in ["ghost", "kt.secret.global.ghost", &env.namespace] {
            assert!(msg.contains(needle), "{msg} should name {needle}");
        }
        assert_no_canary("store Debug", &format!("{store:?} {back:?} {theirs:?}"));
    })
    .await;
}

fn names(list: &[kt_secrets_kube::SecretInfo]) -> BTreeSet<String> {
    list.iter().map(|i| i.object_name.clone()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn list_and_delete_by_prefix_and_owner() {
    on_every_backend("list_and_delete", async |env: &Env| {
        let alice = env.store_of("alice");
        let bob = env.store_of("bob");
        let global = &env.store;
        for n in ["app-a", "app-b", "other"] {
            alice.apply(&values(n, &[("K", &canary(n))])).await.unwrap();
        }
        bob.apply(&values("app-c", &[("K", "c")])).await.unwrap();
        global.apply(&values("app-d", &[("K", "d")])).await.unwrap();
        env.seed(foreign("app-foreign", &[("K", b"f")])).await;

        let all = global.list(&ListOptions::default()).await.unwrap();
        assert_eq!(
            names(&all),
            set(&[
                "app-foreign",
                "kt.secret.alice.app-a",
                "kt.secret.alice.app-b",
                "kt.secret.alice.other",
                "kt.secret.bob.app-c",
                "kt.secret.global.app-d",
            ])
        );
        let a = all
            .iter()
            .find(|i| i.object_name == "kt.secret.alice.app-a")
            .unwrap();
        assert_eq!(a.name, "app-a");
        assert_eq!(a.owner.as_deref(), Some("alice"));
        assert_eq!(a.keys, ["K"]);
        assert!(a.managed);
        assert_eq!(a.namespace, env.namespace);
        let f = all.iter().find(|i| i.object_name == "app-foreign").unwrap();
        assert!(!f.managed && f.owner.is_none());
        assert_no_canary("SecretInfo", &format!("{all:?}"));

        let opts = |prefix: Option<&str>, owner: Option<&str>| ListOptions {
            prefix: prefix.map(str::to_owned),
            owner: owner.map(str::to_owned),
            all_namespaces: false,
            selector: None,
        };
        assert_eq!(
            global.list(&opts(Some("app-"), None)).await.unwrap().len(),
            5
        );
        assert_eq!(
            names(&global.list(&opts(None, Some("alice"))).await.unwrap()),
            set(&[
                "kt.secret.alice.app-a",
                "kt.secret.alice.app-b",
                "kt.secret.alice.other"
            ])
        );
        assert_eq!(
            names(
                &global
                    .list(&opts(Some("app"), Some("alice")))
                    .await
                    .unwrap()
            ),
            set(&["kt.secret.alice.app-a", "kt.secret.alice.app-b"])
        );
        assert_eq!(
            names(&global.list(&opts(None, Some("global"))).await.unwrap()),
            set(&["kt.secret.global.app-d"])
        );

        // Another namespace shows up only when listing all namespaces.
        let elsewhere = if env.is_loopback() {
            Some(global.clone().with_namespace("kt-other"))
        } else {
            None
        };
        if let Some(other) = &elsewhere {
            other.apply(&values("app-x", &[("K", "x")])).await.unwrap();
            let everywhere = global
                .list(&ListOptions {
                    all_namespaces: true,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(everywhere.iter().any(|i| i.namespace == "kt-other"));
            assert!(everywhere.iter().any(|i| i.namespace == env.namespace));
        }

        // By prefix: only alice's matching secrets go.
        let gone = alice.delete_prefix("app-").await.unwrap();
        let deleted: BTreeSet<String> = gone
            .iter()
            .map(|d| {
                assert!(
                    matches!(d.result, Ok(DeleteOutcome::Deleted { .. })),
                    "{d:?}"
                );
                d.object_name.clone()
            })
            .collect();
        assert_eq!(
            deleted,
            set(&["kt.secret.alice.app-a", "kt.secret.alice.app-b"])
        );
        assert_eq!(
            names(&global.list(&ListOptions::default()).await.unwrap()),
            set(&[
                "app-foreign",
                "kt.secret.alice.other",
                "kt.secret.bob.app-c",
                "kt.secret.global.app-d",
            ])
        );
        // All of alice's.
        let gone = alice.delete_owned().await.unwrap();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].object_name, "kt.secret.alice.other");
        assert!(alice.delete_owned().await.unwrap().is_empty());

        // One by name, then again: already gone, and said so.
        assert_eq!(
            bob.delete("app-c").await.unwrap(),
            DeleteOutcome::Deleted {
                object_name: "kt.secret.bob.app-c".to_owned()
            }
        );
        let again = bob.delete("app-c").await.unwrap();
        assert_eq!(
            again,
            DeleteOutcome::AlreadyGone {
                tried: vec!["app-c".to_owned(), "kt.secret.bob.app-c".to_owned()]
            }
        );
        assert!(again.to_string().contains("already gone"));
        // A foreign secret is deleted by its exact name when the owner has none of that name.
        assert_eq!(
            global.delete("app-foreign").await.unwrap(),
            DeleteOutcome::Deleted {
                object_name: "app-foreign".to_owned()
            }
        );
        assert_eq!(
            names(&global.list(&ListOptions::default()).await.unwrap()),
            set(&["kt.secret.global.app-d"])
        );
    })
    .await;
}

#[tokio::test]
async fn one_listing_shows_objects_and_what_was_confirmed_is_what_is_deleted() {
    on_every_backend("list_once", async |env: &Env| {
        let alice = env.store_of("alice");
        for n in ["app-a", "app-b"] {
            alice.apply(&values(n, &[("K", &canary(n))])).await.unwrap();
        }
        let mut applied = foreign("app-foreign", &[("K", canary("f").as_bytes())]);
        applied.metadata.annotations = Some(
            [(
                manifest::ANNOTATION_LAST_APPLIED.to_owned(),
                format!(
                    r#"{{"kind":"Secret","stringData":{{"K":"{}"}}}}"#,
                    canary("f")
                ),
            )]
            .into(),
        );
        env.seed(applied).await;

        // The objects and the infos of one request, in the same order, less every value.
        if env.is_loopback() {
            env.server().clear_requests();
        }
        let listed = env
            .store
            .list_objects(&ListOptions::default())
            .await
            .unwrap();
        if env.is_loopback() {
            assert_eq!(env.secret_requests().len(), 1, "one request");
        }
        let infos: Vec<_> = listed.iter().map(|l| l.info.clone()).collect();
        assert_eq!(
            infos,
            env.store.list(&ListOptions::default()).await.unwrap()
        );
        for l in &listed {
            assert_eq!(l.object.metadata.name.as_ref(), Some(&l.info.object_name));
            assert!(l.object.data.is_none() && l.object.string_data.is_none());
            assert!(l.object.metadata.managed_fields.is_none());
        }
        assert_no_canary(
            "listed objects",
            &serde_json::to_string(&listed.iter().map(|l| &l.object).collect::<Vec<_>>()).unwrap(),
        );
        assert_no_canary("Listed", &format!("{listed:?}"));

        // Planned, then a secret appears that the plan did not show: it stays.
        let plan = alice.plan_delete_prefix("app-").await.unwrap();
        assert_eq!(
            names(&plan),
            set(&["kt.secret.alice.app-a", "kt.secret.alice.app-b"])
        );
        alice
            .apply(&values("app-late", &[("K", "l")]))
            .await
            .unwrap();
        let told = std::sync::Mutex::new(Vec::new());
        let gone = alice
            .delete_listed(&plan, &|done, total, name| {
                told.lock().unwrap().push((done, total, name.to_owned()));
            })
            .await;
        let deleted: Vec<&str> = gone.iter().map(|d| d.object_name.as_str()).collect();
        assert_eq!(deleted, ["kt.secret.alice.app-a", "kt.secret.alice.app-b"]);
        assert!(
            gone.iter()
                .all(|d| matches!(d.result, Ok(DeleteOutcome::Deleted { .. }))),
            "{gone:?}"
        );
        let told = told.into_inner().unwrap();
        assert_eq!(told.len(), 2);
        assert!(told.iter().all(|(_, total, _)| *total == 2), "{told:?}");
        assert_eq!(
            names(&alice.list(&ListOptions::default()).await.unwrap()),
            set(&["app-foreign", "kt.secret.alice.app-late"])
        );
        // Deleting the same plan again: each is already gone, and said so.
        let again = alice.delete_listed(&plan, &|_, _, _| {}).await;
        assert!(
            again
                .iter()
                .all(|d| matches!(d.result, Ok(DeleteOutcome::AlreadyGone { .. }))),
            "{again:?}"
        );
        assert!(matches!(
            alice.plan_delete_prefix("").await,
            Err(Error::Invalid { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn api_errors_map_to_clear_errors() {
    let env = Env::loopback().await;
    let (server, store) = (env.server(), &env.store);
    let s = values("err", &[("K", &canary("e"))]);

    let check = |r: &Result<ApplyOutcome, Error>| {
        assert_error_clean(r);
        let msg = r.as_ref().unwrap_err().to_string();
        assert!(
            msg.contains("kt.secret.global.err") && msg.contains(LOOPBACK_NAMESPACE),
            "{msg}"
        );
    };

    server.inject(Fault::status(403).times(1));
    server.clear_requests();
    let r = store.apply(&s).await;
    check(&r);
    assert!(matches!(r, Err(Error::Forbidden { code: 403, .. })));
    assert_eq!(server.requests().len(), 1, "403 is not retried");

    server.inject(Fault::status(422).method("POST").times(1));
    let r = store.apply(&s).await;
    check(&r);
    assert!(matches!(r, Err(Error::Rejected { .. })), "{r:?}");

    // Transient: retried, then fine.
    server.inject(Fault::status(429).times(1));
    server.inject(Fault::status(503).times(1));
    server.clear_requests();
    assert_eq!(store.apply(&s).await.unwrap(), ApplyOutcome::Created);
    assert_eq!(
        summary(&server.requests())
            .into_iter()
            .map(|(m, _, st)| (m, st))
            .collect::<Vec<_>>(),
        [
            ("GET".to_owned(), 429),
            ("GET".to_owned(), 503),
            ("GET".to_owned(), 404),
            ("POST".to_owned(), 201),
        ]
    );

    // Transient for good: bounded.
    server.inject(Fault::status(500));
    server.clear_requests();
    let r = store.apply(&s).await;
    check(&r);
    assert!(
        matches!(
            r,
            Err(Error::Server {
                code: 500,
                attempts: 4,
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(server.requests().len(), 4);
    server.clear_faults();

    // Timeouts count as transient too.
    server.inject(Fault::delay(Duration::from_secs(2)));
    let impatient = store.clone().with_retry(RetryPolicy {
        attempts: 2,
        request_timeout: Duration::from_millis(100),
        ..fast_retry()
    });
    let r = impatient.apply(&s).await;
    check(&r);
    assert!(
        matches!(&r, Err(Error::Unreachable { attempts: 2, detail, .. }) if detail.contains("no answer within")),
        "{r:?}"
    );
    server.clear_faults();

    // A wrong token.
    let bad = server.write_kubeconfig("bad-token", LOOPBACK_NAMESPACE, "wrong");
    let denied = SecretStore::from_kubeconfig(Some(&bad), None)
        .await
        .unwrap()
        .with_retry(fast_retry());
    let r = denied.apply(&s).await;
    check(&r);
    assert!(
        matches!(r, Err(Error::Forbidden { code: 401, .. })),
        "{r:?}"
    );

    // Nothing listening any more.
    server.stop();
    let r = store.apply(&s).await;
    check(&r);
    match r.unwrap_err() {
        e @ Error::Unreachable { attempts: 4, .. } => {
            assert!(e.to_string().contains(&server.url()), "{e}");
        }
        other => panic!("expected Unreachable, got {other}"),
    }
}

#[tokio::test]
async fn kubeconfig_loading() {
    let env = Env::loopback().await;
    let server = env.server();
    let store = SecretStore::from_kubeconfig(Some(server.kubeconfig_path()), Some("kt-loopback"))
        .await
        .unwrap();
    assert_eq!(store.namespace(), LOOPBACK_NAMESPACE);
    assert_eq!(store.server(), Some(server.url().as_str()));
    let given = SecretStore::new(server.client().await, Some("given".to_owned()));
    assert_eq!(given.namespace(), "given");
    let from_client = SecretStore::new(server.client().await, None);
    assert_eq!(from_client.namespace(), LOOPBACK_NAMESPACE);

    let missing = PathBuf::from("/nonexistent/kt-kubeconfig");
    let e = SecretStore::from_kubeconfig(Some(&missing), None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Kubeconfig { .. })
            && e.to_string().contains("/nonexistent/kt-kubeconfig"),
        "{e}"
    );
    let e = SecretStore::from_kubeconfig(Some(server.kubeconfig_path()), Some("no-such-context"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no-such-context"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("config");
    std::fs::write(&garbage, format!("users: [{{token: {CANARY}\n")).unwrap();
    let e = SecretStore::from_kubeconfig(Some(&garbage), None)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains(&garbage.display().to_string()),
        "{e}"
    );
    assert_no_canary("kubeconfig error", &format!("{e} {e:?}"));
}
