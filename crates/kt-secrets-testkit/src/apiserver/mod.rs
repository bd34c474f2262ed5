//! A Kubernetes API server on 127.0.0.1 for tests: `kube-fake-client`'s in-memory API behind a
//! small HTTPS/1.1 front, with the discovery endpoints `kubectl` needs, a request log, fault
//! injection and a kubeconfig (bearer-token auth, the server's CA) pointing at it.
//!
//! `/openapi/v2` serves the schemas of the kinds it holds (generated from k8s-openapi's), so
//! kubectl's default client-side validation runs against it as against a cluster: unknown
//! fields, wrong types and missing required fields are refused. `/openapi/v3` is not served;
//! kubectl then falls back to v2.
//!
//! Clients reach it through the real `kube` stack (config loading, TLS verification, auth
//! header, hyper over TCP), so what the tests see is what a cluster would see on the wire.
//! TLS is not decoration: kubectl (client-go) sends bearer tokens only over TLS. A fresh CA
//! and server certificate (for `127.0.0.1` and `localhost`) are made per server.
//!
//! One idea a file: `serve` (the HTTPS front: connections, routing, forwarding to the in-memory
//! API), `tls` (the CA and certificate), `kubeconfig`, `log` (the request log), `faults`
//! (injection), `namespaces` (which the front keeps itself), `discovery` and `openapi` (what
//! kubectl asks before it sends anything).
//!
//! ```no_run
//! # async fn demo() {
//! use kt_secrets_testkit::apiserver::{ApiServer, Fault};
//!
//! let server = ApiServer::start().await;
//! let client = server.client().await; // through server.kubeconfig_path()
//! server.inject(Fault::status(500).method("PUT").times(1));
//! // ... use `client` ...
//! let puts = server.requests().iter().filter(|r| r.method == "PUT").count();
//! # let _ = (client, puts);
//! # }
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use k8s_openapi::api::core::v1::Namespace;
use kube::config::Kubeconfig;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

mod discovery;
mod faults;
mod kubeconfig;
mod log;
mod namespaces;
mod openapi;
mod serve;
#[cfg(test)]
mod tests;
mod tls;

pub use faults::Fault;
use faults::FaultRule;
use kubeconfig::write_kubeconfig;
pub use log::LoggedRequest;
use namespaces::new_namespace;
use serve::accept_loop;
use tls::make_tls;

/// Name of the context (and cluster and user) in the written kubeconfig.
pub const CONTEXT: &str = "kt-loopback";

/// Namespace of the kubeconfig's context unless [`ApiServerOptions::namespace`] says otherwise.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Kubernetes version the discovery endpoints report.
const SERVED_MINOR: &str = "32";

/// Settings for [`ApiServer::start_with`].
#[derive(Clone, Debug)]
pub struct ApiServerOptions {
    /// Namespace of the kubeconfig's context.
    pub namespace: String,
    /// Bearer token the server demands and the kubeconfig carries.
    pub token: String,
}

impl Default for ApiServerOptions {
    fn default() -> Self {
        ApiServerOptions {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            token: format!("kt-loopback-token-{}", std::process::id()),
        }
    }
}

struct State {
    backend: kube::Client,
    /// The in-memory API cannot serve the cluster-scoped namespace paths, so the front keeps
    /// namespaces itself.
    namespaces: Mutex<BTreeMap<String, Namespace>>,
    token: String,
    addr: SocketAddr,
    ca_pem: String,
    log: Mutex<Vec<LoggedRequest>>,
    faults: Mutex<Vec<FaultRule>>,
    served: AtomicU64,
}

/// The running server. Dropping it (or [`ApiServer::stop`]) closes the port and every
/// connection; the kubeconfig directory is removed on drop.
pub struct ApiServer {
    state: Arc<State>,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    namespace: String,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("url", &self.url())
            .field("kubeconfig", &self.kubeconfig)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock must not hide the log from the others.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ApiServer {
    /// Starts a server on a random port of 127.0.0.1 with the default options.
    ///
    /// Must be called inside a tokio runtime; the server runs on it until dropped.
    pub async fn start() -> ApiServer {
        ApiServer::start_with(ApiServerOptions::default()).await
    }

    /// Starts a server on a random port of 127.0.0.1 with these options, in a tokio runtime
    /// as [`ApiServer::start`].
    pub async fn start_with(options: ApiServerOptions) -> ApiServer {
        install_crypto_provider();
        let backend = kube_fake_client::ClientBuilder::new()
            .build()
            .await
            .expect("build the in-memory Kubernetes API");
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0 for the loopback API server");
        let addr = listener
            .local_addr()
            .expect("local address of the listener");
        let (acceptor, ca_pem) = make_tls();
        let namespaces = ["default", "kube-system", options.namespace.as_str()]
            .into_iter()
            .enumerate()
            .map(|(i, name)| (name.to_owned(), new_namespace(name, i as u64 + 1)))
            .collect();
        let state = Arc::new(State {
            backend,
            namespaces: Mutex::new(namespaces),
            token: options.token.clone(),
            addr,
            ca_pem,
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            served: AtomicU64::new(0),
        });
        let dir = tempfile::Builder::new()
            .prefix("kt-apiserver-")
            .tempdir()
            .expect("create the kubeconfig directory");
        let kubeconfig = dir.path().join("kubeconfig");
        write_kubeconfig(
            &kubeconfig,
            &format!("https://{addr}"),
            &state.ca_pem,
            &options.namespace,
            &options.token,
        );
        let accept = tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&state)));
        ApiServer {
            state,
            dir,
            kubeconfig,
            namespace: options.namespace,
            accept,
        }
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://{}", self.state.addr)
    }

    /// PEM of the CA that signed the server's certificate (also in the kubeconfig).
    pub fn ca_pem(&self) -> &str {
        &self.state.ca_pem
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.state.addr
    }

    /// A kubeconfig whose current context ([`CONTEXT`]) points at this server, with its
    /// namespace and bearer token.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// Writes another kubeconfig for this server (in the server's temp dir) with its own
    /// namespace and token; a wrong token makes every request fail with 401.
    pub fn write_kubeconfig(&self, file_name: &str, namespace: &str, token: &str) -> PathBuf {
        let path = self.dir.path().join(file_name);
        write_kubeconfig(&path, &self.url(), &self.state.ca_pem, namespace, token);
        path
    }

    /// Namespace of the kubeconfig's context.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The bearer token it demands ([`ApiServerOptions::token`]).
    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// A `kube::Client` for this server built from [`ApiServer::kubeconfig_path`] through the
    /// regular config loader, with kube's own retry layer off so that every attempt a caller
    /// makes shows in the request log.
    pub async fn client(&self) -> kube::Client {
        let kc = Kubeconfig::read_from(&self.kubeconfig).expect("read the loopback kubeconfig");
        let mut config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .expect("load the loopback kubeconfig");
        config.default_retry = false;
        kube::Client::try_from(config).expect("build a client for the loopback server")
    }

    /// The in-memory API itself, bypassing HTTP, the log and faults: for seeding and checking
    /// server state without disturbing what a test counts.
    pub fn backend(&self) -> kube::Client {
        self.state.backend.clone()
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.state.log).clone()
    }

    /// Requests for secrets (see [`LoggedRequest::is_secrets`]) served so far, in order.
    pub fn secret_requests(&self) -> Vec<LoggedRequest> {
        lock(&self.state.log)
            .iter()
            .filter(|r| r.is_secrets())
            .cloned()
            .collect()
    }

    /// Empties the request log, so a test counts only what follows.
    pub fn clear_requests(&self) {
        lock(&self.state.log).clear();
    }

    /// Adds a fault rule. Rules are checked in the order added; the first that fires wins.
    pub fn inject(&self, fault: Fault) {
        lock(&self.state.faults).push(FaultRule {
            fault,
            seen: 0,
            fired: 0,
        });
    }

    /// Removes every fault rule; requests are served normally again.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// How many times injected faults have fired.
    pub fn faults_fired(&self) -> u64 {
        lock(&self.state.faults).iter().map(|r| r.fired).sum()
    }

    /// Total requests answered (including faulted and unauthorised ones).
    pub fn served(&self) -> u64 {
        self.state.served.load(Ordering::SeqCst)
    }

    /// Closes the port and drops every open connection; later requests find nothing listening.
    pub fn stop(&self) {
        self.accept.abort();
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Makes ring rustls's process-wide crypto provider unless one is installed already.
///
/// Test builds link both ring (kube) and aws-lc-rs (kube-fake-client's schema validator), and
/// rustls then refuses to choose, so building any `kube::Client` would panic.
pub fn install_crypto_provider() {
    // Err only means a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
