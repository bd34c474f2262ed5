//! Where the store tests run: always the loopback API server, and also a real cluster when
//! `KT_SECRETS_TEST_KUBECONFIG` names a kubeconfig (each test in a namespace of its own,
//! deleted afterwards).

#![allow(dead_code)]

pub mod token;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::FutureExt;
use k8s_openapi::api::core::v1::{Namespace, Secret as KubeSecret};
use kt_secrets_kube::{RetryPolicy, SecretStore};
use kt_secrets_testkit::apiserver::{ApiServer, ApiServerOptions, LoggedRequest};
use kube::Api;
use kube::api::{DeleteParams, PostParams};

pub const REAL_CLUSTER_ENV: &str = "KT_SECRETS_TEST_KUBECONFIG";
pub const LOOPBACK_NAMESPACE: &str = "kt-test";

/// Fast retries, so tests that exhaust them stay quick.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        conflict_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        request_timeout: Duration::from_secs(5),
        deadline: None,
    }
}

pub struct Env {
    /// The store under test: owner `global`, the test's namespace.
    pub store: SecretStore,
    /// The loopback server, or `None` on a real cluster.
    pub server: Option<ApiServer>,
    /// Client for seeding and checking state around the store: the in-memory backend for the
    /// loopback server (so the request log only shows the store's requests).
    raw: kube::Client,
    pub namespace: String,
}

impl Env {
    pub async fn loopback() -> Env {
        let server = ApiServer::start_with(ApiServerOptions {
            namespace: LOOPBACK_NAMESPACE.to_owned(),
            ..Default::default()
        })
        .await;
        let store = SecretStore::from_kubeconfig(Some(server.kubeconfig_path()), None)
            .await
            .expect("store from the loopback kubeconfig")
            .with_retry(fast_retry());
        assert_eq!(
            store.namespace(),
            LOOPBACK_NAMESPACE,
            "namespace from the context"
        );
        Env {
            raw: server.backend(),
            namespace: LOOPBACK_NAMESPACE.to_owned(),
            store,
            server: Some(server),
        }
    }

    async fn real_cluster(kubeconfig: PathBuf, test: &str) -> Env {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let store = SecretStore::from_kubeconfig(Some(&kubeconfig), None)
            .await
            .expect("store from KT_SECRETS_TEST_KUBECONFIG");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let namespace = format!(
            "kt-secrets-test-{}-{}-{nanos:x}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let raw = store.client().clone();
        let mut ns = Namespace::default();
        ns.metadata.name = Some(namespace.clone());
        Api::<Namespace>::all(raw.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("{test}: create test namespace {namespace}: {e}"));
        Env {
            store: store.with_namespace(&namespace).with_retry(RetryPolicy {
                request_timeout: Duration::from_secs(30),
                ..fast_retry()
            }),
            server: None,
            raw,
            namespace,
        }
    }

    pub fn is_loopback(&self) -> bool {
        self.server.is_some()
    }

    pub fn name(&self) -> &'static str {
        if self.is_loopback() {
            "loopback API server"
        } else {
            "real cluster"
        }
    }

    /// The loopback server; tests that count requests or inject faults run only there.
    pub fn server(&self) -> &ApiServer {
        self.server
            .as_ref()
            .expect("this test needs the loopback server")
    }

    /// The store's requests for secrets since the log was last cleared.
    pub fn secret_requests(&self) -> Vec<LoggedRequest> {
        self.server().secret_requests()
    }

    pub fn store_of(&self, owner: &str) -> SecretStore {
        self.store.clone().with_owner(owner)
    }

    fn raw_api(&self) -> Api<KubeSecret> {
        Api::namespaced(self.raw.clone(), &self.namespace)
    }

    /// The object as the server holds it, read around the store.
    pub async fn object(&self, name: &str) -> Option<KubeSecret> {
        self.raw_api().get_opt(name).await.expect("read an object")
    }

    /// Creates an object around the store, as another tool would.
    pub async fn seed(&self, mut obj: KubeSecret) {
        obj.metadata.namespace = Some(self.namespace.clone());
        self.raw_api()
            .create(&PostParams::default(), &obj)
            .await
            .expect("seed an object");
    }

    async fn cleanup(&self) {
        if !self.is_loopback()
            && let Err(e) = Api::<Namespace>::all(self.raw.clone())
                .delete(&self.namespace, &DeleteParams::default())
                .await
        {
            eprintln!("could not delete test namespace {}: {e}", self.namespace);
        }
    }
}

/// Runs `scenario` against the loopback server, then against the real cluster if one is
/// configured (saying so when it is not).
pub async fn on_every_backend(test: &str, scenario: impl AsyncFn(&Env)) {
    let env = Env::loopback().await;
    scenario(&env).await;
    match std::env::var_os(REAL_CLUSTER_ENV) {
        Some(path) if !path.is_empty() => {
            let env = Env::real_cluster(PathBuf::from(path), test).await;
            let outcome = AssertUnwindSafe(scenario(&env)).catch_unwind().await;
            env.cleanup().await;
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        }
        _ => eprintln!(
            "{test}: real cluster skipped ({REAL_CLUSTER_ENV} is not set); ran against the \
             loopback API server only"
        ),
    }
}

/// A Kubernetes object with this name and data, no labels or annotations (what kubectl or
/// Helm would create).
pub fn foreign(name: &str, data: &[(&str, &[u8])]) -> KubeSecret {
    let mut obj = KubeSecret {
        data: Some(
            data.iter()
                .map(|(k, v)| ((*k).to_owned(), k8s_openapi::ByteString(v.to_vec())))
                .collect(),
        ),
        type_: Some("Opaque".to_owned()),
        ..Default::default()
    };
    obj.metadata.name = Some(name.to_owned());
    obj
}

/// `(method, path-after-namespace)` pairs, for asserting request sequences compactly.
pub fn summary(log: &[LoggedRequest]) -> Vec<(String, String, u16)> {
    log.iter()
        .map(|r| {
            let path = r
                .path
                .split_once("/secrets")
                .map(|(_, rest)| format!("secrets{rest}"))
                .unwrap_or_else(|| r.path.clone());
            (r.method.clone(), path, r.status)
        })
        .collect()
}
