//! Shared by the CLI tests: a loopback API server kept running on its own runtime while the
//! built `kt-secrets` binary runs, a clean environment for it, and `kubectl`.

#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::apiserver::ApiServer;
use serde_json::Value;

/// A loopback API server on a multi-threaded runtime of its own, so that it keeps serving
/// while the test thread blocks on a child process.
pub struct Cluster {
    pub server: ApiServer,
    pub rt: tokio::runtime::Runtime,
}

impl Cluster {
    pub fn start() -> Cluster {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime");
        let server = rt.block_on(ApiServer::start());
        Cluster { server, rt }
    }

    pub fn kubeconfig(&self) -> &Path {
        self.server.kubeconfig_path()
    }

    pub fn namespace(&self) -> &str {
        self.server.namespace()
    }

    /// `kt-secrets --kubeconfig <this server> …` with `home` as HOME and nothing else of the
    /// test's environment.
    pub fn kt(&self, home: &FixtureHome) -> Command {
        let mut c = kt(home);
        c.arg("--kubeconfig").arg(self.kubeconfig());
        c
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

/// `kt-secrets` with a clean environment: `home` as HOME, its env vars, PATH, and nothing
/// else (no KUBECONFIG, KT_USERNAME or plugin path from the test's own environment).
pub fn kt(home: &FixtureHome) -> Command {
    let mut c = Command::cargo_bin("kt-secrets").expect("the kt-secrets binary is built");
    c.env_clear()
        .env("HOME", home.root())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(home.env_map())
        .timeout(Duration::from_secs(60));
    c
}

/// Everything a command printed, for canary checks.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `kubectl create --dry-run=client -f - -o json` against `cluster` with `input` on stdin.
/// Panics with a clear message when kubectl is not on PATH.
///
/// kubectl parses the input, validates each item against the schema the loopback server serves
/// (`/openapi/v2`: unknown fields, wrong types and missing required fields are refused), maps
/// each item's apiVersion and kind through the server's discovery, and checks names and
/// namespaces.
pub fn kubectl_create_dry_run(cluster: &Cluster, input: &str) -> Output {
    let scratch = tempfile::tempdir().unwrap();
    let result = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .arg("--cache-dir")
        .arg(scratch.path().join("cache"))
        .args(["--request-timeout", "20s"])
        .args(["create", "--dry-run=client", "-f", "-", "-o", "json"])
        .env("HOME", scratch.path())
        .env_remove("KUBECONFIG")
        .write_stdin(input.to_owned())
        .timeout(Duration::from_secs(90))
        .output();
    match result {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "kubectl not found on PATH: these tests check that kubectl accepts what kt-secrets \
             renders; install kubectl (Debian package `kubectl`) and run them again"
        ),
        Err(e) => panic!("cannot run kubectl: {e}"),
    }
}

/// Every item of a `v1` `List` (JSON or YAML) is exactly a Kubernetes object: deserializing it
/// into the `k8s-openapi` type of its kind and serializing it back gives the same JSON, so no
/// field is unknown, misplaced or of the wrong type.
pub fn assert_schema_round_trip(input: &str) {
    use k8s_openapi::api::core::v1::{Pod, Secret};
    let list: Value = serde_json::from_str(input)
        .or_else(|_| serde_saphyr::from_str(input))
        .expect("the List is JSON or YAML");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    for item in list["items"].as_array().expect("a List has items") {
        let back = match item["kind"].as_str() {
            Some("Secret") => serde_json::to_value(
                serde_json::from_value::<Secret>(item.clone()).expect("a Secret"),
            ),
            Some("Pod") => {
                serde_json::to_value(serde_json::from_value::<Pod>(item.clone()).expect("a Pod"))
            }
            other => panic!("unexpected kind {other:?} in the List"),
        }
        .unwrap();
        assert_eq!(&back, item, "an item does not match its Kubernetes type");
    }
}

/// kubectl accepted `input` (and its items match their schema): exits 0 and echoes back
/// objects of these kinds and names.
pub fn assert_kubectl_accepts(cluster: &Cluster, input: &str, expected: &[(&str, &str)]) {
    assert_schema_round_trip(input);
    let out = kubectl_create_dry_run(cluster, input);
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.success(),
        "kubectl create --dry-run=client rejected the List:\n{stderr}\ninput:\n{input}"
    );
    for (kind, name) in expected {
        assert!(
            stdout.contains(&format!("\"kind\": \"{kind}\""))
                && stdout.contains(&format!("\"name\": \"{name}\"")),
            "kubectl's output lacks {kind} {name}:\n{stdout}"
        );
    }
}

/// Installs a plugin library into `dir` under its own file name.
pub fn install_plugin(lib: &Path, dir: &Path) -> std::path::PathBuf {
    let name = lib.file_name().expect("a library file").to_string_lossy();
    kt_secrets_testkit::plugins::install_plugin(lib, dir, &name)
}
