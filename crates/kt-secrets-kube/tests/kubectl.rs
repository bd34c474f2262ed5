//! The machine's `kubectl`, pointed at the loopback API server, reads what the store wrote,
//! and the store reads what `kubectl apply` created.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{Env, LOOPBACK_NAMESPACE};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::{Mount, Origin, Resolved, Secret};

const CANARY: &str = "kt-canary-0d4e2a";

/// Runs kubectl against `env`'s server with a private cache and HOME, bounded in time.
async fn kubectl(env: &Env, scratch: &Path, args: &[&str]) -> Output {
    let server = env.server();
    let mut cmd = tokio::process::Command::new("kubectl");
    cmd.arg("--kubeconfig")
        .arg(server.kubeconfig_path())
        .arg("--cache-dir")
        .arg(scratch.join("cache"))
        .args(["--request-timeout", "20s"])
        .args(args)
        .env("HOME", scratch)
        .env_remove("KUBECONFIG")
        .kill_on_drop(true);
    match cmd.output().await {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "kubectl not found on PATH: the kubectl interop tests need the machine's kubectl \
             (Debian package kubectl, or a release binary from kubernetes.io)"
        ),
        Err(e) => panic!("cannot run kubectl: {e}"),
    }
}

async fn kubectl_ok(env: &Env, scratch: &Path, args: &[&str]) -> String {
    let out = tokio::time::timeout(Duration::from_secs(90), kubectl(env, scratch, args))
        .await
        .expect("kubectl finished in time");
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}\nrequests: {:#?}",
        String::from_utf8_lossy(&out.stderr),
        env.server().requests()
    );
    String::from_utf8(out.stdout).expect("kubectl prints UTF-8")
}

#[tokio::test]
async fn kubectl_reads_what_the_store_wrote() {
    let env = Env::loopback().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut r = Resolved::new();
    r.add_file(
        "id_ed25519",
        format!("{CANARY}-key"),
        Origin::File("/home/dev/.ssh/id_ed25519".into()),
        "~/.ssh/id_ed25519",
        0o400,
    )
    .unwrap();
    r.add_env(
        "GIT_TOKEN",
        format!("{CANARY}-tok"),
        Origin::Env("GIT_TOKEN".into()),
    )
    .unwrap();
    let secret = Secret::from_parts("git", Some("ssh".to_owned()), r)
        .unwrap()
        .with_override_existing(true);
    let store = env.store_of("alice");
    store.apply(&secret).await.unwrap();

    let json = kubectl_ok(
        &env,
        scratch.path(),
        &["get", "secret", "kt.secret.alice.git", "-o", "json"],
    )
    .await;
    let seen: KubeSecret = serde_json::from_str(&json).expect("kubectl printed a Secret");
    // A secret of env vars and files is two objects; this one holds the files.
    let pair = kt_secrets_kube::pair::manifests(&secret, "alice");
    assert_eq!(
        pair[1].metadata.name.as_deref(),
        Some("kt.secret.alice.git-env")
    );
    let want = &pair[0];
    assert_eq!(seen.metadata.name, want.metadata.name);
    assert_eq!(seen.metadata.namespace.as_deref(), Some(LOOPBACK_NAMESPACE));
    assert_eq!(seen.metadata.labels, want.metadata.labels);
    assert_eq!(seen.metadata.annotations, want.metadata.annotations);
    assert_eq!(seen.data, want.data);
    assert_eq!(seen.type_.as_deref(), Some("Opaque"));

    // Selecting by kubetorch's labels works as kubetorch does it.
    let names = kubectl_ok(
        &env,
        scratch.path(),
        &[
            "get",
            "secrets",
            "-l",
            "kubetorch.com/username=alice,kubetorch.com/mount-type=volume",
            "-o",
            "name",
        ],
    )
    .await;
    assert_eq!(names.trim(), "secret/kt.secret.alice.git");
}

#[tokio::test]
async fn from_name_reads_a_secret_kubectl_created() {
    let env = Env::loopback().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut obj = KubeSecret {
        data: Some(
            [
                ("API_TOKEN", format!("{CANARY}-api")),
                ("settings.json", "{\"debug\": false}".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), k8s_openapi::ByteString(v.into_bytes())))
            .collect(),
        ),
        type_: Some("Opaque".to_owned()),
        ..Default::default()
    };
    obj.metadata.name = Some("made-by-kubectl".to_owned());
    // `kubectl create secret` sends protobuf, which the in-memory API cannot read; `apply`
    // sends JSON.
    let file = scratch.path().join("secret.json");
    let mut doc = serde_json::to_value(&obj).unwrap();
    doc["apiVersion"] = "v1".into();
    doc["kind"] = "Secret".into();
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    kubectl_ok(
        &env,
        scratch.path(),
        &["apply", "-f", file.to_str().unwrap()],
    )
    .await;

    let secret = env.store.from_name("made-by-kubectl").await.unwrap();
    assert_eq!(secret.namespace(), Some(LOOPBACK_NAMESPACE));
    assert_eq!(
        secret.mounts(),
        [
            Mount::env("API_TOKEN", "API_TOKEN"),
            Mount::file(
                "settings.json",
                "/secrets/made-by-kubectl/settings.json",
                0o644
            ),
        ]
    );
    assert_eq!(
        secret.data().get("API_TOKEN").unwrap().expose(),
        format!("{CANARY}-api").as_bytes()
    );
    assert!(!format!("{secret:?} {secret}").contains(CANARY));
}
