//! Server faults at each step of delete and apply: an outcome is reported only when the API
//! server said it. A write whose answer was lost and whose retry cannot tell whether it
//! landed is `Error::Unconfirmed`, never "deleted" or "created".

mod common;

use common::{Env, foreign, summary};
use kt_secrets_core::Secret;
use kt_secrets_kube::{ApplyOutcome, DeleteOutcome, Error};
use kt_secrets_testkit::apiserver::Fault;

fn values(name: &str, v: &str) -> Secret {
    Secret::from_values(name, [("TOKEN", v)]).unwrap()
}

fn row(m: &str, p: &str, s: u16) -> (String, String, u16) {
    (m.to_owned(), p.to_owned(), s)
}

#[tokio::test]
async fn a_lost_delete_answer_then_not_found_is_unconfirmed() {
    let env = Env::loopback().await;
    let server = env.server();
    env.store.apply(&values("app", "v")).await.unwrap();
    server.inject(Fault::status(500).method("DELETE").after_forward().times(1));
    server.clear_requests();
    let e = env.store.delete("app").await.unwrap_err();
    assert!(matches!(e, Error::Unconfirmed { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("kt.secret.global.app") && msg.contains("not confirmed"),
        "{msg}"
    );
    assert_eq!(
        summary(&env.secret_requests()),
        [
            row("GET", "secrets/app", 404),
            row("GET", "secrets/kt.secret.global.app", 200),
            row("DELETE", "secrets/kt.secret.global.app", 500),
            row("DELETE", "secrets/kt.secret.global.app", 404),
        ]
    );
    assert!(env.object("kt.secret.global.app").await.is_none());
}

#[tokio::test]
async fn a_delete_that_fails_then_succeeds_is_deleted() {
    let env = Env::loopback().await;
    let server = env.server();
    env.store.apply(&values("app", "v")).await.unwrap();
    // Refused before the API acted: the retry's 200 is the server saying it deleted it.
    server.inject(Fault::status(503).method("DELETE").times(1));
    assert_eq!(
        env.store.delete("app").await.unwrap(),
        DeleteOutcome::Deleted {
            object_name: "kt.secret.global.app".to_owned()
        }
    );
}

#[tokio::test]
async fn a_lookup_that_fails_deletes_nothing_and_claims_nothing() {
    for failing in ["/secrets/app", "/secrets/kt.secret.global.app"] {
        let env = Env::loopback().await;
        let server = env.server();
        env.store.apply(&values("app", "v")).await.unwrap();
        server.inject(Fault::status(500).method("GET").path_contains(failing));
        server.clear_requests();
        let e = env.store.delete("app").await.unwrap_err();
        assert!(
            matches!(e, Error::Server { code: 500, .. }),
            "{failing}: {e}"
        );
        let log = env.secret_requests();
        assert!(log.iter().all(|r| r.method == "GET"), "{failing}: {log:?}");
        assert!(env.object("kt.secret.global.app").await.is_some());
    }
}

#[tokio::test]
async fn a_delete_that_keeps_failing_is_an_error_and_the_object_stays() {
    let env = Env::loopback().await;
    let server = env.server();
    env.store.apply(&values("app", "v")).await.unwrap();
    server.inject(Fault::status(502).method("DELETE"));
    let e = env.store.delete("app").await.unwrap_err();
    assert!(matches!(e, Error::Server { code: 502, .. }), "{e}");
    assert!(env.object("kt.secret.global.app").await.is_some());
}

/// `describe NAME` and `delete NAME` mean the same object: the one of exactly that name,
/// else the owner's.
#[tokio::test]
async fn delete_resolves_a_name_as_get_does() {
    let env = Env::loopback().await;
    env.store.apply(&values("app", "ours")).await.unwrap();
    env.seed(foreign("app", &[("K", b"theirs")])).await;
    let (_, object) = env.store.get_object("app").await.unwrap();
    assert_eq!(object, "app");
    assert_eq!(
        env.store.delete("app").await.unwrap(),
        DeleteOutcome::Deleted {
            object_name: "app".to_owned()
        }
    );
    let (_, object) = env.store.get_object("app").await.unwrap();
    assert_eq!(object, "kt.secret.global.app");
    assert_eq!(
        env.store.delete("app").await.unwrap(),
        DeleteOutcome::Deleted {
            object_name: "kt.secret.global.app".to_owned()
        }
    );
    assert_eq!(
        env.store.delete("app").await.unwrap(),
        DeleteOutcome::AlreadyGone {
            tried: vec!["app".to_owned(), "kt.secret.global.app".to_owned()]
        }
    );
}

#[tokio::test]
async fn a_lost_delete_answer_in_a_prefix_delete_is_unconfirmed_for_that_object_only() {
    let env = Env::loopback().await;
    let server = env.server();
    for n in ["p-a", "p-b", "p-c"] {
        env.store.apply(&values(n, "v")).await.unwrap();
    }
    server.inject(
        Fault::status(500)
            .method("DELETE")
            .path_contains("kt.secret.global.p-b")
            .after_forward()
            .times(1),
    );
    let gone = env.store.delete_prefix("p-").await.unwrap();
    assert_eq!(gone.len(), 3);
    for d in gone {
        match d.object_name.as_str() {
            "kt.secret.global.p-b" => {
                assert!(matches!(d.result, Err(Error::Unconfirmed { .. })), "{d:?}")
            }
            _ => assert!(
                matches!(d.result, Ok(DeleteOutcome::Deleted { .. })),
                "{d:?}"
            ),
        }
    }
}

#[tokio::test]
async fn a_lost_create_answer_is_unconfirmed_though_the_data_is_there() {
    let env = Env::loopback().await;
    let server = env.server();
    server.inject(Fault::status(500).method("POST").after_forward().times(1));
    let e = env.store.apply(&values("app", "v")).await.unwrap_err();
    assert!(matches!(e, Error::Unconfirmed { .. }), "{e}");
    assert!(e.to_string().contains("creation not confirmed"), "{e}");
    assert!(env.object("kt.secret.global.app").await.is_some());
    // The next apply sees it and says so.
    assert_eq!(
        env.store.apply(&values("app", "v")).await.unwrap(),
        ApplyOutcome::Unchanged
    );
}

#[tokio::test]
async fn a_create_refused_then_accepted_is_created() {
    let env = Env::loopback().await;
    let server = env.server();
    server.inject(Fault::status(500).method("POST").times(1));
    assert_eq!(
        env.store.apply(&values("app", "v")).await.unwrap(),
        ApplyOutcome::Created
    );
}

/// Someone else created the object between our read and our create: their 409 on a first
/// attempt is the server speaking, and the data being ours already makes it "unchanged".
#[tokio::test]
async fn a_first_attempt_conflict_is_not_taken_for_our_write() {
    let env = Env::loopback().await;
    let server = env.server();
    env.seed(kt_secrets_kube::manifest::to_manifest(
        &values("app", "v"),
        "global",
    ))
    .await;
    // The store's read says "absent", as if it came just before the other writer's create;
    // its POST then meets the real object (409 on the first attempt).
    server.inject(
        Fault::status(404)
            .method("GET")
            .path_contains("kt.secret.global.app")
            .times(1),
    );
    server.clear_requests();
    assert_eq!(
        env.store.apply(&values("app", "v")).await.unwrap(),
        ApplyOutcome::Unchanged
    );
    assert!(
        env.secret_requests()
            .iter()
            .any(|r| r.method == "POST" && r.status == 409 && !r.faulted)
    );
}

#[tokio::test]
async fn a_lost_replace_answer_is_unconfirmed() {
    let env = Env::loopback().await;
    let server = env.server();
    env.store.apply(&values("app", "old")).await.unwrap();
    server.inject(Fault::status(503).method("PUT").after_forward().times(1));
    let e = env
        .store
        .apply(&values("app", "new").with_override_existing(true))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unconfirmed { .. }), "{e}");
    assert!(e.to_string().contains("replacement not confirmed"), "{e}");
}

#[tokio::test]
async fn a_read_that_keeps_failing_writes_nothing() {
    let env = Env::loopback().await;
    let server = env.server();
    server.inject(Fault::status(500).method("GET"));
    server.clear_requests();
    let e = env.store.apply(&values("app", "v")).await.unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e}");
    assert!(env.secret_requests().iter().all(|r| r.method == "GET"));
}
