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
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, NamespaceStatus, Pod, Secret as KubeSecret, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
    ServerAddressByClientCIDR, Status, Time,
};
use k8s_openapi::apimachinery::pkg::version::Info;
use kube::config::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

mod openapi;

/// Name of the context (and cluster and user) in the written kubeconfig.
pub const CONTEXT: &str = "kt-loopback";

/// Namespace of the kubeconfig's context unless [`ApiServerOptions::namespace`] says otherwise.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Kubernetes version the discovery endpoints report.
const SERVED_MINOR: &str = "32";

/// One request as the server saw it. No bodies are kept, so no secret value can land here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The response came from an injected [`Fault`] (the in-memory API may still have acted on
    /// the request if the fault was [`Fault::after_forward`]).
    pub faulted: bool,
}

impl LoggedRequest {
    /// A request for namespaced or cluster-wide secrets (not discovery, not namespaces).
    pub fn is_secrets(&self) -> bool {
        self.path.starts_with("/api/v1/") && self.path.split('/').any(|seg| seg == "secrets")
    }
}

/// A failure or delay the server injects into matching requests.
///
/// Built with [`Fault::status`] or [`Fault::delay`], then narrowed: [`Fault::every`] fires on
/// every Nth matching request, [`Fault::times`] caps the number of firings, [`Fault::method`] and
/// [`Fault::path_contains`] restrict which requests count as matching.
#[derive(Clone, Debug)]
pub struct Fault {
    status: Option<u16>,
    delay: Duration,
    every: u64,
    times: Option<u64>,
    method: Option<String>,
    path_contains: Option<String>,
    after_forward: bool,
}

impl Fault {
    /// Answer with this HTTP status (and a Kubernetes `Status` body) instead of the real answer.
    pub fn status(code: u16) -> Fault {
        Fault {
            status: Some(code),
            ..Fault::delay(Duration::ZERO)
        }
    }

    /// Hold the request this long, then serve it normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault {
            status: None,
            delay,
            every: 1,
            times: None,
            method: None,
            path_contains: None,
            after_forward: false,
        }
    }

    /// Also hold the request this long before the status is returned.
    pub fn with_delay(mut self, delay: Duration) -> Fault {
        self.delay = delay;
        self
    }

    /// Fire on every `n`th matching request (the `n`th, `2n`th, …). `n = 0` counts as 1.
    pub fn every(mut self, n: u64) -> Fault {
        self.every = n.max(1);
        self
    }

    /// Fire at most `n` times.
    pub fn times(mut self, n: u64) -> Fault {
        self.times = Some(n);
        self
    }

    /// Only requests with this HTTP method match (`"PUT"`, `"post"`).
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path contains this string match.
    pub fn path_contains(mut self, s: impl Into<String>) -> Fault {
        self.path_contains = Some(s.into());
        self
    }

    /// Let the in-memory API act on the request, then answer with the fault's status anyway:
    /// a write that happened although the client saw it fail.
    pub fn after_forward(mut self) -> Fault {
        self.after_forward = true;
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method.as_str())
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

struct FaultRule {
    fault: Fault,
    seen: u64,
    fired: u64,
}

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

fn write_kubeconfig(path: &Path, server: &str, ca_pem: &str, namespace: &str, token: &str) {
    let kc = Kubeconfig {
        clusters: vec![NamedCluster {
            name: CONTEXT.to_owned(),
            cluster: Some(Cluster {
                server: Some(server.to_owned()),
                certificate_authority_data: Some(
                    base64::engine::general_purpose::STANDARD.encode(ca_pem),
                ),
                ..Default::default()
            }),
            ..Default::default()
        }],
        auth_infos: vec![NamedAuthInfo {
            name: CONTEXT.to_owned(),
            auth_info: Some(AuthInfo {
                token: Some(token.to_owned().into()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        contexts: vec![NamedContext {
            name: CONTEXT.to_owned(),
            context: Some(Context {
                cluster: CONTEXT.to_owned(),
                user: Some(CONTEXT.to_owned()),
                namespace: Some(namespace.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        current_context: Some(CONTEXT.to_owned()),
        kind: Some("Config".to_owned()),
        api_version: Some("v1".to_owned()),
        ..Default::default()
    };
    // JSON is YAML, and both kube and kubectl read it.
    let text = serde_json::to_vec_pretty(&kc).expect("serialise the kubeconfig");
    std::fs::write(path, text)
        .unwrap_or_else(|e| panic!("write kubeconfig {}: {e}", path.display()));
}

/// A fresh CA and a server certificate it signed for 127.0.0.1 and localhost, as a TLS
/// acceptor and the CA's PEM.
fn make_tls() -> (TlsAcceptor, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kt-secrets loopback CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().expect("CA key");
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");

    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server certificate parameters");
    params
        .distinguished_name
        .push(DnType::CommonName, "kt-secrets loopback API server");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &ca).expect("server certificate");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("TLS server configuration");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (TlsAcceptor::from(Arc::new(config)), ca.pem())
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    // Connections live in this set, so aborting the accept task closes them all.
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = Arc::clone(&state);
                let acceptor = acceptor.clone();
                conns.spawn(async move {
                    // Handshakes run here, not in the accept loop, so one slow client does not
                    // hold up the others; a failed one just drops the connection.
                    let Ok(stream) = acceptor.accept(stream).await else { return };
                    let svc = service_fn(move |req| handle(Arc::clone(&state), req));
                    // A client hanging up mid-request is normal here (timeouts are tested).
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

type Reply = Response<Full<Bytes>>;

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let (reply, faulted) = respond(&state, req, &method, &path, query.as_deref()).await;
    state.served.fetch_add(1, Ordering::SeqCst);
    lock(&state.log).push(LoggedRequest {
        method: method.to_string(),
        path,
        query,
        status: reply.status().as_u16(),
        faulted,
    });
    Ok(reply)
}

async fn respond(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> (Reply, bool) {
    let authorised = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == state.token);
    if !authorised {
        return (
            status_reply(StatusCode::UNAUTHORIZED, "Unauthorized"),
            false,
        );
    }

    let fault = pick_fault(state, method, path);
    if let Some(f) = &fault
        && !f.delay.is_zero()
    {
        tokio::time::sleep(f.delay).await;
    }
    let fault_status = fault
        .as_ref()
        .and_then(|f| f.status.map(|s| (s, f.after_forward)));
    if let Some((code, false)) = fault_status {
        return (fault_reply(code), true);
    }

    let reply = match (method, path) {
        (&Method::GET, "/version" | "/version/") => json_reply(StatusCode::OK, &version()),
        (&Method::GET, "/api" | "/api/") => json_reply(StatusCode::OK, &api_versions(state.addr)),
        (&Method::GET, "/apis" | "/apis/") => json_reply(StatusCode::OK, &api_groups()),
        (&Method::GET, "/api/v1" | "/api/v1/") => json_reply(StatusCode::OK, &core_resources()),
        (&Method::GET, "/apis/apps/v1" | "/apis/apps/v1/") => {
            json_reply(StatusCode::OK, &group_resources("apps/v1"))
        }
        (&Method::GET, "/apis/batch/v1" | "/apis/batch/v1/") => {
            json_reply(StatusCode::OK, &group_resources("batch/v1"))
        }
        (&Method::GET, "/openapi/v2" | "/openapi/v2/") => openapi_v2(&req),
        _ if namespace_route(path).is_some() => {
            let route = namespace_route(path).unwrap_or(NamespaceRoute::Collection);
            namespaces(state, req, method, route).await
        }
        _ if path.starts_with("/api/v1/") || path.starts_with("/apis/") => {
            forward(state, req, method, path, query).await
        }
        _ => status_reply(StatusCode::NOT_FOUND, "NotFound"),
    };
    match fault_status {
        Some((code, true)) => (fault_reply(code), true),
        _ => (reply, fault.is_some()),
    }
}

enum NamespaceRoute {
    Collection,
    One(String),
}

/// `/api/v1/namespaces` and `/api/v1/namespaces/<name>`; deeper paths are namespaced resources.
fn namespace_route(path: &str) -> Option<NamespaceRoute> {
    let rest = path.strip_prefix("/api/v1/namespaces")?;
    match rest.trim_end_matches('/') {
        "" => Some(NamespaceRoute::Collection),
        one => {
            let name = one.strip_prefix('/')?;
            (!name.contains('/')).then(|| NamespaceRoute::One(name.to_owned()))
        }
    }
}

fn new_namespace(name: &str, version: u64) -> Namespace {
    let mut ns = Namespace {
        status: Some(NamespaceStatus {
            phase: Some("Active".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    ns.metadata.name = Some(name.to_owned());
    ns.metadata.uid = Some(format!("kt-loopback-namespace-{version}"));
    ns.metadata.resource_version = Some(version.to_string());
    ns.metadata.creation_timestamp = Some(Time(k8s_openapi::jiff::Timestamp::now()));
    ns
}

async fn namespaces(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    route: NamespaceRoute,
) -> Reply {
    let not_found = |name: &str| {
        status_message(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("namespaces \"{name}\" not found"),
        )
    };
    match (method, route) {
        (&Method::GET, NamespaceRoute::Collection) => {
            let list = k8s_openapi::List::<Namespace> {
                items: lock(&state.namespaces).values().cloned().collect(),
                ..Default::default()
            };
            json_reply(StatusCode::OK, &list)
        }
        (&Method::POST, NamespaceRoute::Collection) => {
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return status_reply(StatusCode::BAD_REQUEST, "BadRequest"),
            };
            let Ok(posted) = serde_json::from_slice::<Namespace>(&body) else {
                return status_reply(StatusCode::BAD_REQUEST, "BadRequest");
            };
            let Some(name) = posted.metadata.name.clone() else {
                return status_message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid",
                    "metadata.name: Required value".to_owned(),
                );
            };
            let mut all = lock(&state.namespaces);
            if all.contains_key(&name) {
                return status_message(
                    StatusCode::CONFLICT,
                    "AlreadyExists",
                    format!("namespaces \"{name}\" already exists"),
                );
            }
            let mut ns = new_namespace(&name, state.served.load(Ordering::SeqCst) + 1000);
            ns.metadata.labels = posted.metadata.labels;
            ns.metadata.annotations = posted.metadata.annotations;
            all.insert(name, ns.clone());
            json_reply(StatusCode::CREATED, &ns)
        }
        (&Method::GET, NamespaceRoute::One(name)) => match lock(&state.namespaces).get(&name) {
            Some(ns) => json_reply(StatusCode::OK, ns),
            None => not_found(&name),
        },
        (&Method::DELETE, NamespaceRoute::One(name)) => {
            let Some(mut ns) = lock(&state.namespaces).remove(&name) else {
                return not_found(&name);
            };
            // What a namespace's deletion takes with it, for the kinds this server lists.
            let (dp, lp) = (Default::default(), Default::default());
            let c = &state.backend;
            let _ = kube::Api::<KubeSecret>::namespaced(c.clone(), &name)
                .delete_collection(&dp, &lp)
                .await;
            let _ = kube::Api::<ConfigMap>::namespaced(c.clone(), &name)
                .delete_collection(&dp, &lp)
                .await;
            let _ = kube::Api::<Pod>::namespaced(c.clone(), &name)
                .delete_collection(&dp, &lp)
                .await;
            let _ = kube::Api::<ServiceAccount>::namespaced(c.clone(), &name)
                .delete_collection(&dp, &lp)
                .await;
            if let Some(status) = ns.status.as_mut() {
                status.phase = Some("Terminating".to_owned());
            }
            json_reply(StatusCode::OK, &ns)
        }
        _ => status_reply(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
    }
}

fn pick_fault(state: &State, method: &Method, path: &str) -> Option<Fault> {
    let mut rules = lock(&state.faults);
    for rule in rules.iter_mut() {
        if !rule.fault.matches(method, path) {
            continue;
        }
        if rule.fault.times.is_some_and(|t| rule.fired >= t) {
            continue;
        }
        rule.seen += 1;
        if rule.seen % rule.fault.every == 0 {
            rule.fired += 1;
            return Some(rule.fault.clone());
        }
    }
    None
}

async fn forward(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Reply {
    let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return status_reply(StatusCode::BAD_REQUEST, "BadRequest"),
    };
    let uri = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    let Ok(inner) = builder.body(kube::client::Body::from(body.to_vec())) else {
        return status_reply(StatusCode::BAD_REQUEST, "BadRequest");
    };
    match state.backend.send(inner).await {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            match body.collect().await {
                Ok(b) => Response::from_parts(parts, Full::new(b.to_bytes())),
                Err(_) => status_reply(StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
            }
        }
        // The in-memory API rejects bodies that are not JSON (kubectl's protobuf, for one) and
        // paths it cannot parse with an error rather than a response.
        Err(_) => status_reply(StatusCode::BAD_REQUEST, "BadRequest"),
    }
}

/// kubectl asks for protobuf, the only form it validates against; anything else gets JSON, as
/// from a cluster.
fn openapi_v2(req: &Request<Incoming>) -> Reply {
    let wants_protobuf = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(openapi::PROTOBUF_V2));
    let (content_type, body) = if wants_protobuf {
        (openapi::PROTOBUF_V2_CONTENT_TYPE, openapi::v2_protobuf())
    } else {
        ("application/json", openapi::v2_json())
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from_static(body)))
        .expect("build a response")
}

fn json_reply<T: serde::Serialize>(code: StatusCode, value: &T) -> Reply {
    let body = serde_json::to_vec(value).expect("serialise a response");
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("build a response")
}

fn status_reply(code: StatusCode, reason: &str) -> Reply {
    let message = format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("")
    );
    status_message(code, reason, message)
}

fn status_message(code: StatusCode, reason: &str, message: String) -> Reply {
    let status = Status {
        code: Some(i32::from(code.as_u16())),
        message: Some(message),
        reason: Some(reason.to_owned()),
        status: Some("Failure".to_owned()),
        ..Default::default()
    };
    json_reply(code, &status)
}

fn fault_reply(code: u16) -> Reply {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = match code.as_u16() {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
    status_reply(code, reason)
}

fn version() -> Info {
    Info {
        major: "1".to_owned(),
        minor: SERVED_MINOR.to_owned(),
        git_version: format!("v1.{SERVED_MINOR}.0-kt-loopback"),
        git_commit: "0000000000000000000000000000000000000000".to_owned(),
        git_tree_state: "clean".to_owned(),
        build_date: "2025-01-01T00:00:00Z".to_owned(),
        go_version: "go1.23".to_owned(),
        compiler: "gc".to_owned(),
        platform: "linux/amd64".to_owned(),
    }
}

fn api_versions(addr: SocketAddr) -> APIVersions {
    APIVersions {
        versions: vec!["v1".to_owned()],
        server_address_by_client_cidrs: vec![ServerAddressByClientCIDR {
            client_cidr: "0.0.0.0/0".to_owned(),
            server_address: addr.to_string(),
        }],
    }
}

/// The API groups besides core whose workload kinds kubectl can map and validate here
/// (`kt-secrets inject` and `render --kind` print them).
fn api_groups() -> APIGroupList {
    let group = |name: &str| {
        let gv = GroupVersionForDiscovery {
            group_version: format!("{name}/v1"),
            version: "v1".to_owned(),
        };
        APIGroup {
            name: name.to_owned(),
            versions: vec![gv.clone()],
            preferred_version: Some(gv),
            server_address_by_client_cidrs: None,
        }
    };
    APIGroupList {
        groups: vec![group("apps"), group("batch")],
    }
}

fn resource(
    name: &str,
    singular: &str,
    kind: &str,
    namespaced: bool,
    short: &[&str],
) -> APIResource {
    let verbs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    APIResource {
        name: name.to_owned(),
        singular_name: singular.to_owned(),
        kind: kind.to_owned(),
        namespaced,
        verbs: verbs(&[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
        ]),
        short_names: (!short.is_empty()).then(|| verbs(short)),
        ..Default::default()
    }
}

fn core_resources() -> APIResourceList {
    let res = resource;
    APIResourceList {
        group_version: "v1".to_owned(),
        resources: vec![
            res("configmaps", "configmap", "ConfigMap", true, &["cm"]),
            res("namespaces", "namespace", "Namespace", false, &["ns"]),
            res("pods", "pod", "Pod", true, &["po"]),
            res("podtemplates", "podtemplate", "PodTemplate", true, &[]),
            res(
                "replicationcontrollers",
                "replicationcontroller",
                "ReplicationController",
                true,
                &["rc"],
            ),
            res("secrets", "secret", "Secret", true, &[]),
            res(
                "serviceaccounts",
                "serviceaccount",
                "ServiceAccount",
                true,
                &["sa"],
            ),
            res("services", "service", "Service", true, &["svc"]),
        ],
    }
}

fn group_resources(group_version: &str) -> APIResourceList {
    let res = resource;
    let resources = match group_version {
        "apps/v1" => vec![
            res("daemonsets", "daemonset", "DaemonSet", true, &["ds"]),
            res("deployments", "deployment", "Deployment", true, &["deploy"]),
            res("replicasets", "replicaset", "ReplicaSet", true, &["rs"]),
            res("statefulsets", "statefulset", "StatefulSet", true, &["sts"]),
        ],
        "batch/v1" => vec![
            res("cronjobs", "cronjob", "CronJob", true, &["cj"]),
            res("jobs", "job", "Job", true, &[]),
        ],
        _ => Vec::new(),
    };
    APIResourceList {
        group_version: group_version.to_owned(),
        resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::Api;
    use kube::api::PostParams;
    use serde_json::{Value, json};
    use std::process::{Output, Stdio};

    fn config_map(name: &str) -> ConfigMap {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some(name.to_owned());
        cm
    }

    #[tokio::test]
    async fn serves_the_api_through_the_kubeconfig_and_logs_requests() {
        let server = ApiServer::start().await;
        assert!(server.url().starts_with("https://127.0.0.1:"));
        assert!(server.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let api: Api<ConfigMap> = Api::default_namespaced(server.client().await);
        api.create(&PostParams::default(), &config_map("a"))
            .await
            .unwrap();
        assert_eq!(
            api.get("a").await.unwrap().metadata.namespace.as_deref(),
            Some(DEFAULT_NAMESPACE)
        );
        let log = server.requests();
        let seen: Vec<(&str, &str, u16)> = log
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
            .collect();
        assert_eq!(
            seen,
            [
                ("POST", "/api/v1/namespaces/default/configmaps", 201),
                ("GET", "/api/v1/namespaces/default/configmaps/a", 200)
            ]
        );
        // The state is shared with the in-memory backend.
        let direct: Api<ConfigMap> = Api::namespaced(server.backend(), DEFAULT_NAMESPACE);
        assert!(direct.get("a").await.is_ok());
        assert_eq!(server.requests().len(), 2, "backend access is not logged");
    }

    #[tokio::test]
    async fn discovery_endpoints_answer() {
        let server = ApiServer::start().await;
        let client = server.client().await;
        assert_eq!(
            client.apiserver_version().await.unwrap().minor,
            SERVED_MINOR
        );
        let core = client.list_core_api_versions().await.unwrap();
        assert_eq!(core.versions, ["v1"]);
        let res = client.list_core_api_resources("v1").await.unwrap();
        assert!(
            res.resources
                .iter()
                .any(|r| r.name == "secrets" && r.namespaced)
        );
        let groups: Vec<String> = client
            .list_api_groups()
            .await
            .unwrap()
            .groups
            .into_iter()
            .map(|g| g.name)
            .collect();
        assert_eq!(groups, ["apps", "batch"]);
        let apps = client.list_api_group_resources("apps/v1").await.unwrap();
        assert!(apps.resources.iter().any(|r| r.kind == "Deployment"));
    }

    /// `kubectl create --dry-run=client -f - -o name` against `server`, `manifest` on stdin.
    async fn kubectl_dry_run(server: &ApiServer, manifest: &Value, extra: &[&str]) -> Output {
        use tokio::io::AsyncWriteExt;
        let scratch = tempfile::tempdir().unwrap();
        let spawned = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(server.kubeconfig_path())
            .arg("--cache-dir")
            .arg(scratch.path().join("cache"))
            .args(["--request-timeout", "20s", "create", "--dry-run=client"])
            .args(extra)
            .args(["-f", "-", "-o", "name"])
            .env("HOME", scratch.path())
            .env_remove("KUBECONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "kubectl not found on PATH: this test checks that kubectl validates against the \
                 loopback server's schema (Debian package kubectl)"
            ),
            Err(e) => panic!("cannot run kubectl: {e}"),
        };
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(&serde_json::to_vec(manifest).unwrap())
            .await
            .unwrap();
        drop(stdin);
        tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
            .await
            .expect("kubectl finished in time")
            .unwrap()
    }

    fn valid_list() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": "s", "labels": {"a": "b"}, "creationTimestamp": null},
                    "type": "Opaque",
                    "data": {"k": "aGVsbG8="},
                },
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "p", "annotations": {"kt/hash": "1"}},
                    "spec": {
                        "terminationGracePeriodSeconds": 30,
                        "containers": [{
                            "name": "c",
                            "image": "busybox",
                            "resources": {"limits": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": 1}},
                            "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                            "volumeMounts": [{"name": "v", "mountPath": "/root/k", "subPath": "k"}],
                        }],
                        "volumes": [{
                            "name": "v",
                            "secret": {"secretName": "s", "items": [{"key": "k", "path": "k", "mode": 256}]},
                        }],
                    },
                },
            ],
        })
    }

    #[tokio::test]
    async fn kubectl_validates_manifests_against_the_served_schema() {
        let server = ApiServer::start().await;
        let accepted = |out: &Output| {
            assert!(
                out.status.success(),
                "kubectl refused: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let refused = |out: &Output, why: &str| {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success(),
                "kubectl accepted what it should refuse ({why})"
            );
            assert!(stderr.contains(why), "expected {why:?} in: {stderr}");
        };

        let good = valid_list();
        let out = kubectl_dry_run(&server, &good, &[]).await;
        assert_eq!(accepted(&out), "secret/s\npod/p\n");
        assert!(
            server
                .requests()
                .iter()
                .any(|r| r.path == "/openapi/v2" && r.status == 200),
            "kubectl fetched the schema"
        );

        let mut unknown = good.clone();
        unknown["items"][1]["spec"]["containers"][0]["bogusField"] = json!(1);
        refused(
            &kubectl_dry_run(&server, &unknown, &[]).await,
            "unknown field \"bogusField\" in io.k8s.api.core.v1.Container",
        );
        // The same manifest passes unchecked, so the refusal above came from the schema.
        accepted(&kubectl_dry_run(&server, &unknown, &["--validate=false"]).await);

        let mut wrong_type = good.clone();
        wrong_type["items"][1]["spec"]["terminationGracePeriodSeconds"] = json!("soon");
        refused(
            &kubectl_dry_run(&server, &wrong_type, &[]).await,
            "invalid type for io.k8s.api.core.v1.PodSpec.terminationGracePeriodSeconds: got \
             \"string\", expected \"integer\"",
        );

        let mut missing = good.clone();
        missing["items"][1]["spec"]["volumes"][0]["secret"]["items"][0]
            .as_object_mut()
            .unwrap()
            .remove("path");
        refused(
            &kubectl_dry_run(&server, &missing, &[]).await,
            "missing required field \"path\" in io.k8s.api.core.v1.KeyToPath",
        );

        // A lone Secret (not in a List) with a misspelt field.
        let mut secret = good["items"][0].clone();
        secret["stringdata"] = json!({"k": "v"});
        refused(
            &kubectl_dry_run(&server, &secret, &[]).await,
            "unknown field \"stringdata\" in io.k8s.api.core.v1.Secret",
        );
    }

    #[tokio::test]
    async fn the_schema_is_served_as_json_unless_protobuf_is_asked_for() {
        let server = ApiServer::start().await;
        let client = server.client().await;
        let get = |accept: &str| {
            Request::builder()
                .uri("/openapi/v2")
                .header(header::ACCEPT, accept)
                .body(Vec::new())
                .unwrap()
        };
        let doc: Value = client.request(get("application/json")).await.unwrap();
        assert_eq!(doc["swagger"], "2.0");
        assert!(doc["definitions"]["io.k8s.api.core.v1.Pod"].is_object());
        let proto = client
            .send(get(openapi::PROTOBUF_V2).map(kube::client::Body::from))
            .await
            .unwrap();
        assert_eq!(
            proto.headers()[header::CONTENT_TYPE],
            openapi::PROTOBUF_V2_CONTENT_TYPE
        );
        let body = proto.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.as_ref(), openapi::v2_protobuf());
    }

    #[tokio::test]
    async fn namespaces_are_served_by_the_front() {
        let server = ApiServer::start().await;
        let client = server.client().await;
        let nss: Api<Namespace> = Api::all(client.clone());
        let mut ns = Namespace::default();
        ns.metadata.name = Some("team-a".to_owned());
        nss.create(&PostParams::default(), &ns).await.unwrap();
        let again = nss.create(&PostParams::default(), &ns).await.unwrap_err();
        assert!(matches!(again, kube::Error::Api(s) if s.code == 409));
        let names: Vec<String> = nss
            .list(&Default::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect();
        assert_eq!(names, ["default", "kube-system", "team-a"]);
        let cms: Api<ConfigMap> = Api::namespaced(client, "team-a");
        cms.create(&PostParams::default(), &config_map("c"))
            .await
            .unwrap();
        nss.delete("team-a", &Default::default()).await.unwrap();
        assert!(nss.get_opt("team-a").await.unwrap().is_none());
        assert!(
            cms.get_opt("c").await.unwrap().is_none(),
            "deleted with its namespace"
        );
    }

    #[tokio::test]
    async fn wrong_token_is_unauthorised() {
        let server = ApiServer::start().await;
        let path = server.write_kubeconfig("bad", "default", "not-the-token");
        let kc = Kubeconfig::read_from(&path).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let api: Api<ConfigMap> = Api::default_namespaced(kube::Client::try_from(config).unwrap());
        let err = api.get("x").await.unwrap_err();
        assert!(
            matches!(err, kube::Error::Api(s) if s.code == 401),
            "unexpected error"
        );
        assert_eq!(server.requests()[0].status, 401);
    }

    #[tokio::test]
    async fn faults_fire_on_every_nth_matching_request_up_to_a_limit() {
        let server = ApiServer::start().await;
        let api: Api<ConfigMap> = Api::default_namespaced(server.client().await);
        server.inject(Fault::status(503).method("GET").every(2).times(2));
        for _ in 0..6 {
            let _ = api.get("missing").await;
        }
        let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [404, 503, 404, 503, 404, 404]);
        assert_eq!(server.faults_fired(), 2);
        // POSTs do not match the GET-only rule.
        api.create(&PostParams::default(), &config_map("b"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_fault_after_forward_still_writes() {
        let server = ApiServer::start().await;
        let api: Api<ConfigMap> = Api::default_namespaced(server.client().await);
        server.inject(Fault::status(500).method("POST").after_forward().times(1));
        assert!(
            api.create(&PostParams::default(), &config_map("c"))
                .await
                .is_err()
        );
        assert!(api.get("c").await.is_ok(), "the write happened");
        assert!(server.requests()[0].faulted);
    }

    #[tokio::test]
    async fn path_filter_and_delay() {
        let server = ApiServer::start().await;
        let api: Api<ConfigMap> = Api::default_namespaced(server.client().await);
        server.inject(Fault::delay(Duration::from_millis(150)).path_contains("/slow"));
        let t = std::time::Instant::now();
        let _ = api.get("fast").await;
        let fast = t.elapsed();
        let t = std::time::Instant::now();
        let _ = api.get("slow").await;
        assert!(t.elapsed() >= Duration::from_millis(150));
        assert!(fast < Duration::from_millis(150));
    }

    #[tokio::test]
    async fn stop_closes_the_port() {
        let server = ApiServer::start().await;
        let api: Api<ConfigMap> = Api::default_namespaced(server.client().await);
        let _ = api.get("x").await;
        server.stop();
        tokio::task::yield_now().await;
        let err = tokio::time::timeout(Duration::from_secs(10), api.get("x"))
            .await
            .expect("a stopped server fails fast")
            .unwrap_err();
        assert!(
            !matches!(err, kube::Error::Api(_)),
            "no API answer once stopped"
        );
    }
}
