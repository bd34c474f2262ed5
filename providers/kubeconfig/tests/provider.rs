//! Which kubeconfig files the provider reads, how it merges and flattens them, and what the
//! container gets.

use std::path::Path;

use base64::Engine;
use kt_provider_kubeconfig::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::kubeconfig::{Kubeconfig, pem};
use serde_json::Value;

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

/// The shipped kubeconfig, parsed.
fn shipped(r: &Resolved) -> Value {
    serde_saphyr::from_slice(r.data.get("config").unwrap().expose()).unwrap()
}

fn entry<'a>(doc: &'a Value, list: &str, name: &str) -> &'a Value {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

fn names(doc: &Value, list: &str) -> Vec<String> {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn ca() -> String {
    pem("CERTIFICATE", "TUlJQ2lEQ0NBWENnQXdJQkFnSUJBREFOQmdr")
}

fn dev_cert() -> String {
    pem("CERTIFICATE", "TUlJREl6Q0NBZ3VnQXdJQkFnSUlkZXY=")
}

fn dev_key() -> String {
    pem("PRIVATE KEY", "canary-kube-dev-key")
}

/// `~/.kube/config` with certificate files next to it (relative paths) and three kinds of user.
fn home_config() -> FixtureHome {
    FixtureHome::new()
        .file(
            ".kube/config",
            Kubeconfig::new()
                .cluster_ca_file("prod", "https://10.0.0.1:6443", "certs/ca.crt")
                .cluster_ca_data("staging", "https://10.0.0.2:6443", &b64(&ca()))
                .user_cert_files("dev", "certs/dev.crt", "certs/dev.key")
                .user_token("ci", "canary-kube-ci-token")
                .user_exec(
                    "eks",
                    "aws",
                    &["eks", "get-token", "--cluster-name", "prod"],
                )
                .context("prod", "prod", "dev", Some("ml"))
                .context("staging", "staging", "ci", None)
                .current("prod")
                .build(),
        )
        .file(".kube/certs/ca.crt", ca())
        .file(".kube/certs/dev.crt", dev_cert())
        .file(".kube/certs/dev.key", dev_key())
}

#[tokio::test]
async fn home_config_is_flattened_and_mounted_with_kubeconfig_pointing_at_it() {
    let home = home_config();
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        r.mounts,
        [
            Mount::file("config", "~/.kube/config", 0o600),
            Mount::path_env("KUBECONFIG", "~/.kube/config")
        ]
    );
    assert_eq!(r.origins["config"], Origin::File(home.path(".kube/config")));
    let doc = shipped(&r);
    let prod = &entry(&doc, "clusters", "prod")["cluster"];
    assert_eq!(prod["certificate-authority-data"], b64(&ca()));
    assert!(prod.get("certificate-authority").is_none());
    let dev = &entry(&doc, "users", "dev")["user"];
    assert_eq!(dev["client-certificate-data"], b64(&dev_cert()));
    assert_eq!(dev["client-key-data"], b64(&dev_key()));
    assert!(dev.get("client-certificate").is_none() && dev.get("client-key").is_none());
    assert_eq!(
        entry(&doc, "users", "ci")["user"]["token"],
        "canary-kube-ci-token"
    );
    assert_eq!(
        entry(&doc, "users", "eks")["user"]["exec"]["args"][1],
        "get-token"
    );
    assert_eq!(
        entry(&doc, "contexts", "prod")["context"]["namespace"],
        "ml"
    );
    assert_eq!(doc["current-context"], "prod");
    assert_eq!(doc["kind"], "Config");
    assert_eq!(doc["apiVersion"], "v1");
    // Fields this crate does not know survive.
    assert_eq!(
        entry(&doc, "clusters", "staging")["cluster"]["x-fixture-extra"],
        "kept"
    );
}

#[tokio::test]
async fn a_token_file_becomes_the_token() {
    let home = FixtureHome::new()
        .file(
            ".kube/config",
            Kubeconfig::new()
                .cluster_ca_data("c", "https://10.0.0.3:6443", &b64(&ca()))
                .user_token_file("sa", "tokens/sa")
                .context("c", "c", "sa", None)
                .build(),
        )
        .file(".kube/tokens/sa", "canary-kube-sa-token\n");
    let doc = shipped(&resolve(&home).await.unwrap());
    let sa = &entry(&doc, "users", "sa")["user"];
    assert_eq!(sa["token"], "canary-kube-sa-token");
    assert!(sa.get("tokenFile").is_none());
}

/// Two files as `KUBECONFIG` lists them: `first` defines `prod` differently from the home
/// config, and each names a relative `ca.crt` in its own directory.
fn two_files() -> FixtureHome {
    home_config()
        .file(
            "first/kube.yaml",
            Kubeconfig::new()
                .cluster_ca_file("prod", "https://first.example:6443", "ca.crt")
                .user_token("dev", "canary-kube-first-dev")
                .context("first", "prod", "dev", None)
                .build(),
        )
        .file("first/ca.crt", pem("CERTIFICATE", "Zmlyc3Q="))
        .file(
            "second/kube.yaml",
            Kubeconfig::new()
                .cluster_ca_file("prod", "https://second.example:6443", "ca.crt")
                .cluster_ca_file("work", "https://work.example:6443", "ca.crt")
                .user_token("worker", "canary-kube-worker")
                .context("work", "work", "worker", None)
                .current("work")
                .build(),
        )
        .file("second/ca.crt", pem("CERTIFICATE", "c2Vjb25k"))
}

fn kubeconfig_var(home: &FixtureHome, rels: &[&str]) -> String {
    rels.iter()
        .map(|r| home.path(r).display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

#[tokio::test]
async fn kubeconfig_files_merge_first_definition_wins_paths_relative_to_their_own_file() {
    let home = two_files();
    let list = kubeconfig_var(&home, &["first/kube.yaml", "second/kube.yaml"]);
    let home = home.env("KUBECONFIG", list);
    let r = resolve(&home).await.unwrap();
    assert_eq!(r.origins["config"], Origin::Env("KUBECONFIG".into()));
    let doc = shipped(&r);
    assert_eq!(names(&doc, "clusters"), ["prod", "work"]);
    assert_eq!(names(&doc, "users"), ["dev", "worker"]);
    assert_eq!(names(&doc, "contexts"), ["first", "work"]);
    let prod = &entry(&doc, "clusters", "prod")["cluster"];
    assert_eq!(prod["server"], "https://first.example:6443");
    assert_eq!(
        prod["certificate-authority-data"],
        b64(&pem("CERTIFICATE", "Zmlyc3Q="))
    );
    assert_eq!(
        entry(&doc, "clusters", "work")["cluster"]["certificate-authority-data"],
        b64(&pem("CERTIFICATE", "c2Vjb25k"))
    );
    // The first file sets no current-context, so the second's holds.
    assert_eq!(doc["current-context"], "work");
    // ~/.kube/config is not read when KUBECONFIG is set.
    assert!(!names(&doc, "clusters").contains(&"staging".to_owned()));
}

#[tokio::test]
async fn current_context_comes_from_the_first_file_that_sets_it() {
    let home = two_files();
    let list = kubeconfig_var(&home, &[".kube/config", "second/kube.yaml"]);
    let doc = shipped(&resolve(&home.env("KUBECONFIG", list)).await.unwrap());
    assert_eq!(doc["current-context"], "prod");
    assert_eq!(
        entry(&doc, "clusters", "prod")["cluster"]["server"],
        "https://10.0.0.1:6443"
    );
    assert_eq!(names(&doc, "clusters"), ["prod", "staging", "work"]);
}

#[tokio::test]
async fn missing_listed_files_are_skipped_as_kubectl_does() {
    let home = two_files();
    let list = format!(
        "{}::{}",
        home.path("gone.yaml").display(),
        home.path("second/kube.yaml").display()
    );
    let doc = shipped(&resolve(&home.env("KUBECONFIG", list)).await.unwrap());
    assert_eq!(names(&doc, "clusters"), ["prod", "work"]);
}

#[tokio::test]
async fn only_missing_files_is_nothing_found_naming_each() {
    let home = FixtureHome::new();
    let list = kubeconfig_var(&home, &["a.yaml", "b.yaml"]);
    let home = home.env("KUBECONFIG", list);
    let e = resolve(&home).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("env KUBECONFIG"), "{msg}");
    for f in ["a.yaml", "b.yaml"] {
        assert!(msg.contains(&home.path(f).display().to_string()), "{msg}");
    }
}

#[tokio::test]
async fn a_listed_directory_is_an_error_naming_it() {
    let home = two_files().dir("kubedir");
    let list = kubeconfig_var(&home, &["kubedir", "second/kube.yaml"]);
    let e = resolve(&home.env("KUBECONFIG", list)).await.unwrap_err();
    assert!(matches!(e, Error::IsADirectory { .. }), "{e}");
}

#[tokio::test]
async fn a_missing_certificate_is_an_error_naming_it_and_its_user() {
    let home = home_config();
    std::fs::remove_file(home.path(".kube/certs/dev.key")).unwrap();
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(
        msg.contains(&home.path(".kube/config").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("user \"dev\""), "{msg}");
    assert!(
        msg.contains(&home.path(".kube/certs/dev.key").display().to_string()),
        "{msg}"
    );
}

#[tokio::test]
async fn a_name_defined_twice_in_one_file_is_an_error() {
    let home = FixtureHome::new().file(
        ".kube/config",
        Kubeconfig::new()
            .user_token("dev", "a")
            .user_token("dev", "b")
            .build(),
    );
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(msg.contains("user \"dev\" is defined twice"), "{msg}");
}

#[tokio::test]
async fn invalid_yaml_is_an_error_with_a_position_and_without_the_text() {
    let home = FixtureHome::new().file(
        ".kube/config",
        "users:\n- name: dev\n  user:\n    token: [canary-kube-broken\n  : x\n",
    );
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(
        msg.contains(&home.path(".kube/config").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("line"), "{msg}");
    assert!(!msg.contains("canary-kube-broken"), "{msg}");
}

#[tokio::test]
async fn an_empty_config_is_an_error_naming_it() {
    let home = FixtureHome::new().file(".kube/config", "# nothing yet\n");
    let e = resolve(&home).await.unwrap_err();
    assert!(!e.is_nothing_found());
    assert!(
        e.to_string()
            .contains("define no clusters, users or contexts"),
        "{e}"
    );
}

#[tokio::test]
async fn from_path_of_the_default_dir_reads_its_config_even_with_kubeconfig_set() {
    let home = two_files();
    let list = kubeconfig_var(&home, &["second/kube.yaml"]);
    let home = home.env("KUBECONFIG", list);
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(&registry, &home.context(), Path::new("~/.kube"), None)
        .await
        .unwrap();
    assert_eq!(s.provider(), Some("kubeconfig"));
    let doc: Value = serde_saphyr::from_slice(s.data().get("config").unwrap().expose()).unwrap();
    assert_eq!(doc["current-context"], "prod");
}

#[tokio::test]
async fn the_shipped_file_resolves_to_itself() {
    let first = resolve(&home_config()).await.unwrap();
    let pod = FixtureHome::new().file(".kube/config", first.data.get("config").unwrap().expose());
    let second = resolve(&pod).await.unwrap();
    assert_eq!(shipped(&first), shipped(&second));
}

#[test]
fn listing_names_sources_targets_and_the_default_dir() {
    let info = PROVIDER.info();
    assert!(info.sources[0].contains("KUBECONFIG"));
    assert_eq!(info.sources[1], "~/.kube/config");
    assert_eq!(
        info.targets,
        [
            "file ~/.kube/config (0600)",
            "env KUBECONFIG=~/.kube/config"
        ]
    );
    assert_eq!(info.default_dirs, [".kube"]);
}
