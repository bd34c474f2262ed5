//! Rotation through the loopback API server: `status` (local comparison, workloads, request
//! counts that do not grow with the number of secrets or pods) and `sync_providers` (updates,
//! dry runs, rollouts, faults mid-sync).

mod common;

use std::collections::BTreeMap;

use common::Env;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec, Secret as KubeSecret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kt_secrets_core::{Registry, ResolveContext, Secret, SecretData};
use kt_secrets_kube::compute::{Compute, ResolvedCompute, SECRET_HASHES_ANNOTATION};
use kt_secrets_kube::manifest;
use kt_secrets_kube::{
    Local, MountedSecret, SecretSync, StatusOptions, SyncOptions, WorkloadKind, WorkloadSync,
    local_state,
};
use kt_secrets_testkit::apiserver::Fault;
use kube::Api;
use kube::api::PostParams;

const CANARY: &str = "canary-rotation-5d21";

/// The token is env var `ROT_TOKEN` (read through the context), mounted as a file.
fn registry() -> Registry {
    common::token::registry_of(common::token::Token {
        name: "rot",
        var: "ROT_TOKEN",
        file: "~/.rot/token",
        env_too: false,
    })
}

fn ctx(token: &str) -> ResolveContext {
    ResolveContext::new("/nonexistent-home").with_env("ROT_TOKEN", token)
}

async fn provider_secret(name: &str, token: &str) -> Secret {
    Secret::from_provider_in(&registry(), &ctx(token), "rot", Some(name))
        .await
        .unwrap()
}

fn no_env_file(_: &std::path::Path) -> Option<SecretData> {
    None
}

/// The pod template kt-secrets renders for `secrets`, named `name`.
fn template(env: &Env, name: &str, secrets: &[&Secret]) -> PodTemplateSpec {
    let mounted = secrets
        .iter()
        .map(|s| MountedSecret::managed((*s).clone(), "global"))
        .collect();
    ResolvedCompute::new(
        Compute::new().name(name).with_namespace(&env.namespace),
        mounted,
    )
    .unwrap()
    .pod_template()
}

fn selector() -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([("app".into(), "x".into())])),
        ..Default::default()
    }
}

async fn create<K>(env: &Env, obj: &K)
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::Serialize
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    Api::<K>::namespaced(env.server().backend(), &env.namespace)
        .create(&PostParams::default(), obj)
        .await
        .expect("seed a workload");
}

async fn deployment(env: &Env, name: &str, t: PodTemplateSpec) {
    let mut d = Deployment {
        spec: Some(DeploymentSpec {
            selector: selector(),
            template: t,
            ..Default::default()
        }),
        ..Default::default()
    };
    d.metadata.name = Some(name.into());
    create(env, &d).await;
}

async fn bare_pod(env: &Env, name: &str, t: PodTemplateSpec) {
    let mut p = Pod {
        metadata: t.metadata.unwrap_or_default(),
        spec: t.spec,
        status: None,
    };
    p.metadata.name = Some(name.into());
    p.metadata.namespace = None;
    create(env, &p).await;
}

async fn seed_secret(env: &Env, s: &Secret) {
    env.seed(manifest::to_manifest(s, "global")).await;
}

async fn stored_token(env: &Env, object: &str) -> Vec<u8> {
    let obj: KubeSecret = env.object(object).await.expect("the object exists");
    obj.data.unwrap()["token"].0.clone()
}

#[tokio::test]
async fn status_lists_once_per_kind_for_1_and_500_secrets() {
    let mut counts = Vec::new();
    for n in [1usize, 500] {
        let env = Env::loopback().await;
        let first = provider_secret("rot", "v1").await;
        seed_secret(&env, &first).await;
        for i in 1..n {
            let s =
                Secret::from_values(&format!("lit-{i:03}"), [("KEY", format!("x{i}"))]).unwrap();
            seed_secret(&env, &s).await;
        }
        // Another owner's secret and a foreign one are not the owner's.
        env.seed(manifest::to_manifest(
            &provider_secret("rot", "other").await,
            "bob",
        ))
        .await;
        env.seed(common::foreign("plain", &[("k", b"v")])).await;
        for i in 0..n.min(50) {
            bare_pod(&env, &format!("pod-{i}"), template(&env, "p", &[&first])).await;
        }
        deployment(&env, "web", template(&env, "web", &[&first])).await;
        env.server().clear_requests();

        let entries = env.store.status(&StatusOptions::default()).await.unwrap();
        let log = env.server().requests();
        assert!(log.iter().all(|r| r.method == "GET"), "only lists: {log:?}");
        counts.push(log.len());
        assert_eq!(entries.len(), n, "the owner's {n} secrets");
        let rot = entries.iter().find(|e| e.name() == "rot").unwrap();
        assert_eq!(rot.provider(), Some("rot"));
        let kinds: Vec<(WorkloadKind, &str, bool)> = rot
            .workloads
            .iter()
            .map(|w| (w.kind, w.name.as_str(), w.stale))
            .collect();
        assert_eq!(kinds[0], (WorkloadKind::Deployment, "web", false));
        assert_eq!(kinds.len(), 1 + n.min(50));
        assert!(kinds[1..].iter().all(|k| k.0 == WorkloadKind::Pod && !k.2));
        let lit = entries.iter().find(|e| e.name() != "rot");
        if let Some(lit) = lit {
            assert!(lit.workloads.is_empty());
            assert_eq!(
                local_state(&lit.secret, &registry(), &ctx("v1"), &no_env_file).await,
                Local::NotApplicable
            );
        }
        assert_eq!(
            local_state(&rot.secret, &registry(), &ctx("v1"), &no_env_file).await,
            Local::Same
        );
        assert_eq!(
            local_state(&rot.secret, &registry(), &ctx("v2"), &no_env_file).await,
            Local::Changed
        );
        assert_eq!(
            local_state(
                &rot.secret,
                &registry(),
                &ResolveContext::new("/nonexistent-home"),
                &no_env_file
            )
            .await,
            Local::Absent
        );
    }
    // Secrets, and Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods.
    assert_eq!(counts, [7, 7], "one list per kind, whatever the number");
}

#[tokio::test]
async fn sync_updates_changed_secrets_and_rolls_what_reads_them() {
    let env = Env::loopback().await;
    let store = &env.store;
    let v1 = provider_secret("rot", "v1").await;
    store.apply(&v1).await.unwrap();
    let object = manifest::object_name("rot", "global");
    deployment(&env, "web", template(&env, "web", &[&v1])).await;
    bare_pod(&env, "solo", template(&env, "solo", &[&v1])).await;
    let mut job = Job {
        spec: Some(JobSpec {
            template: template(&env, "batch", &[&v1]),
            ..Default::default()
        }),
        ..Default::default()
    };
    job.metadata.name = Some("batch".into());
    create(&env, &job).await;
    let mut cron = CronJob {
        spec: Some(CronJobSpec {
            schedule: "0 * * * *".into(),
            job_template: JobTemplateSpec {
                spec: Some(JobSpec {
                    template: template(&env, "nightly", &[&v1]),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    cron.metadata.name = Some("nightly".into());
    create(&env, &cron).await;
    // Reads nothing of ours: never touched.
    let mut other = StatefulSet {
        spec: Some(StatefulSetSpec {
            selector: selector(),
            template: template(&env, "db", &[]),
            ..Default::default()
        }),
        ..Default::default()
    };
    other.metadata.name = Some("db".into());
    create(&env, &other).await;

    // Unchanged: one request, nothing else.
    env.server().clear_requests();
    let report = store
        .sync_providers(&registry(), &ctx("v1"), &SyncOptions::default())
        .await
        .unwrap();
    assert!(matches!(report.secrets[0].outcome, SecretSync::Unchanged));
    assert!(report.workloads.is_empty());
    assert_eq!(env.server().requests().len(), 1);

    // A dry run writes nothing and says what would change.
    let rotated = format!("v2-{CANARY}");
    env.server().clear_requests();
    let dry = store
        .sync_providers(
            &registry(),
            &ctx(&rotated),
            &SyncOptions {
                dry_run: true,
                rollout: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(matches!(&dry.secrets[0].outcome, SecretSync::Updated { keys } if keys == &["token"]));
    assert!(
        env.server().requests().iter().all(|r| r.method == "GET"),
        "a dry run only reads"
    );
    assert_eq!(stored_token(&env, &object).await, b"v1");
    let summary = dry.to_string();
    assert!(summary.contains("1 to update"), "{summary}");
    assert!(!format!("{dry:?}").contains(CANARY));

    // Without --rollout: updated, workloads reported, not touched.
    env.server().clear_requests();
    let report = store
        .sync_providers(&registry(), &ctx(&rotated), &SyncOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        report.secrets[0].outcome,
        SecretSync::Updated { .. }
    ));
    assert_eq!(stored_token(&env, &object).await, rotated.as_bytes());
    let seen: Vec<(WorkloadKind, &str, &str)> = report
        .workloads
        .iter()
        .map(|w| {
            let o = match w.outcome {
                WorkloadSync::Stale => "stale",
                WorkloadSync::NeedsRestart => "restart",
                WorkloadSync::RolledOut => "rolled",
                WorkloadSync::Failed(_) => "failed",
            };
            (w.workload.kind, w.workload.name.as_str(), o)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (WorkloadKind::Deployment, "web", "stale"),
            (WorkloadKind::CronJob, "nightly", "stale"),
            (WorkloadKind::Job, "batch", "restart"),
            (WorkloadKind::Pod, "solo", "restart"),
        ]
    );
    assert!(
        env.server().requests().iter().all(|r| r.method != "PATCH"),
        "no rollout asked for"
    );
    let status = store.status(&StatusOptions::default()).await.unwrap();
    assert!(status[0].workloads.iter().all(|w| w.stale));

    // --rollout then rolls what the previous sync left, with no secret changed.
    env.server().clear_requests();
    let report = store
        .sync_providers(
            &registry(),
            &ctx(&rotated),
            &SyncOptions {
                rollout: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(matches!(report.secrets[0].outcome, SecretSync::Unchanged));
    let patches: Vec<String> = env
        .server()
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(patches.len(), 2, "{patches:?}");
    assert!(patches[0].ends_with("/deployments/web") && patches[1].ends_with("/cronjobs/nightly"));
    let new_hash = provider_secret("rot", &rotated).await.data().content_hash();
    let d: Deployment = Api::namespaced(env.server().backend(), &env.namespace)
        .get("web")
        .await
        .unwrap();
    let ann = d
        .spec
        .unwrap()
        .template
        .metadata
        .unwrap()
        .annotations
        .unwrap();
    let hashes: BTreeMap<String, String> =
        serde_json::from_str(&ann[SECRET_HASHES_ANNOTATION]).unwrap();
    assert_eq!(
        hashes[&object], new_hash,
        "the template records the new hash"
    );
    let status = store.status(&StatusOptions::default()).await.unwrap();
    let stale: Vec<(&str, bool)> = status[0]
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), w.stale))
        .collect();
    assert_eq!(
        stale,
        [
            ("web", false),
            ("nightly", false),
            ("batch", true),
            ("solo", true)
        ]
    );
}

#[tokio::test]
async fn faults_mid_sync_leave_each_secret_correct_or_reported() {
    let env = Env::loopback().await;
    let store = &env.store;
    let names = ["a", "b", "c", "d"];
    for n in names {
        store.apply(&provider_secret(n, "old").await).await.unwrap();
    }
    deployment(
        &env,
        "web",
        template(&env, "web", &[&provider_secret("a", "old").await]),
    )
    .await;
    deployment(
        &env,
        "web-b",
        template(&env, "web-b", &[&provider_secret("b", "old").await]),
    )
    .await;
    deployment(
        &env,
        "api",
        template(&env, "api", &[&provider_secret("c", "old").await]),
    )
    .await;
    // b: every write fails, past the retries. c: the write lands but its answer is lost.
    // d: the read fails once and is retried. The deployment `api` cannot be patched.
    env.server()
        .inject(Fault::status(500).method("PUT").path_contains("global.b"));
    env.server().inject(
        Fault::status(500)
            .method("PUT")
            .path_contains("global.c")
            .after_forward()
            .times(1),
    );
    env.server().inject(
        Fault::status(503)
            .method("GET")
            .path_contains("global.d")
            .times(1),
    );
    env.server().inject(
        Fault::status(500)
            .method("PATCH")
            .path_contains("/deployments/api"),
    );
    let report = store
        .sync_providers(
            &registry(),
            &ctx("new"),
            &SyncOptions {
                rollout: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let outcome = |n: &str| &report.secrets.iter().find(|s| s.name == n).unwrap().outcome;
    // c's lost answer is followed by a conflict: the data is there, unconfirmed.
    assert!(matches!(outcome("c"), SecretSync::Unconfirmed { .. }));
    for n in ["a", "c", "d"] {
        assert!(
            matches!(
                outcome(n),
                SecretSync::Updated { .. } | SecretSync::Unconfirmed { .. }
            ),
            "{n}: {:?}",
            outcome(n)
        );
        assert_eq!(
            stored_token(&env, &manifest::object_name(n, "global")).await,
            b"new"
        );
    }
    match outcome("b") {
        SecretSync::Failed(e) => {
            let msg = e.to_string();
            assert!(msg.contains("kt.secret.global.b"), "{msg}");
        }
        other => panic!("b: {other:?}"),
    }
    assert_eq!(
        stored_token(&env, &manifest::object_name("b", "global")).await,
        b"old",
        "b is whole and old"
    );
    let w = |n: &str| {
        &report
            .workloads
            .iter()
            .find(|w| w.workload.name == n)
            .unwrap()
            .outcome
    };
    assert!(matches!(w("web"), WorkloadSync::RolledOut));
    assert!(matches!(w("api"), WorkloadSync::Failed(_)));
    assert_eq!(report.failed(), 2);
    // b's state is not known for sure after its failure, so what reads it is not rolled.
    assert!(report.workloads.iter().all(|w| w.workload.name != "web-b"));
    // The rollout of web records a's new hash.
    let d: Deployment = Api::namespaced(env.server().backend(), &env.namespace)
        .get("web")
        .await
        .unwrap();
    let ann = d
        .spec
        .unwrap()
        .template
        .metadata
        .unwrap()
        .annotations
        .unwrap();
    let hashes: BTreeMap<String, String> =
        serde_json::from_str(&ann[SECRET_HASHES_ANNOTATION]).unwrap();
    assert_eq!(
        hashes["kt.secret.global.a"],
        provider_secret("a", "new").await.data().content_hash()
    );
    assert_eq!(hashes.len(), 1);
}
