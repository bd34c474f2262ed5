//! The seed's three examples ("AWS + HuggingFace Training", "SSH Key for Git Access",
//! "Custom API Key"), end to end: credentials in a fixture HOME, the facade's providers, a
//! `Compute`, the rendered List, and `kubectl create --dry-run=client` against the loopback
//! API server accepting it. Each example runs through the library and through the binary.

mod common;

use common::{Cluster, assert_kubectl_accepts, text};
use k8s_openapi::api::core::v1::{Container, Pod};
use kt_secrets::{Compute, ResolvedCompute};
use kt_secrets::{Registry, ResolveContext, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::aws::AwsCredentials;
use serde_json::{Value, json};

const AWS_SECRET: &str = "canary-seed-aws-secret-5b1c";
const HF_TOKEN: &str = "hf_canarySeedToken9e2f";
const SSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\ncanary-seed-ssh-4d7a\n-----END OPENSSH PRIVATE KEY-----\n";
const API_KEY: &str = "canary-seed-api-key-8c3e";

fn registry() -> Registry {
    Registry::builtin().expect("the facade's providers register without clashes")
}

/// The seed's List: the Secret manifests, then the Pod, as `kt-secrets render` prints it.
fn list_json(r: &ResolvedCompute) -> String {
    let mut items: Vec<Value> = r
        .secret_manifests()
        .iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .collect();
    items.push(serde_json::to_value(r.pod()).unwrap());
    serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
        .unwrap()
}

fn container(pod: &Pod) -> &Container {
    &pod.spec.as_ref().unwrap().containers[0]
}

fn env_value<'a>(c: &'a Container, var: &str) -> Option<&'a k8s_openapi::api::core::v1::EnvVar> {
    c.env.iter().flatten().find(|e| e.name == var)
}

fn secret_ref(c: &Container, var: &str) -> (String, String) {
    let r = env_value(c, var)
        .and_then(|e| e.value_from.as_ref())
        .and_then(|v| v.secret_key_ref.as_ref())
        .unwrap_or_else(|| panic!("env {var} is not read from a secret"));
    (r.name.clone(), r.key.clone())
}

fn mount_paths(c: &Container) -> Vec<String> {
    c.volume_mounts
        .iter()
        .flatten()
        .map(|m| m.mount_path.clone())
        .collect()
}

fn assert_no_canary(what: &str, s: &str, canaries: &[&str]) {
    for c in canaries {
        assert!(!s.contains(c), "{what} holds a secret value");
    }
}

fn aws_hf_home() -> FixtureHome {
    FixtureHome::new()
        .file(
            ".aws/credentials",
            AwsCredentials::new()
                .profile("default", "AKIACANARYSEED", AWS_SECRET)
                .build(),
        )
        .env("HF_TOKEN", HF_TOKEN)
}

#[test]
fn aws_and_hugging_face_training() {
    let cluster = Cluster::start();
    let home = aws_hf_home();
    let ctx = home.context();
    let registry = registry();
    let resolved = cluster.block_on(async {
        let aws = Secret::from_provider_in(&registry, &ctx, "aws", None)
            .await
            .unwrap();
        let hf = Secret::from_provider_in(&registry, &ctx, "huggingface", None)
            .await
            .unwrap();
        Compute::new()
            .gpus(1)
            .with_secrets([aws, hf])
            .env_var("HF_HOME", "/cache/huggingface")
            .resolve(&registry, &ctx, None)
            .await
            .unwrap()
    });
    let pod = resolved.pod();
    let c = container(&pod);
    let limits = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!(limits["nvidia.com/gpu"].0, "1");
    assert_eq!(
        env_value(c, "HF_HOME").unwrap().value.as_deref(),
        Some("/cache/huggingface")
    );
    assert_eq!(
        secret_ref(c, "HF_TOKEN"),
        ("kt.secret.global.huggingface".into(), "HF_TOKEN".into())
    );
    let paths = mount_paths(c);
    assert!(
        paths.contains(&"/root/.aws/credentials".to_owned()),
        "{paths:?}"
    );
    // Files only, never a directory: not ~/.aws, and nothing over the model cache.
    assert!(
        paths
            .iter()
            .all(|p| p != "/root/.aws" && !p.starts_with("/cache/huggingface")),
        "{paths:?}"
    );
    let list = list_json(&resolved);
    assert_no_canary(
        "the pod",
        &serde_json::to_string(&pod).unwrap(),
        &[AWS_SECRET, HF_TOKEN],
    );
    assert_kubectl_accepts(
        &cluster,
        &list,
        &[
            ("Secret", "kt.secret.global.aws"),
            ("Secret", "kt.secret.global.huggingface"),
            ("Pod", "kt-compute"),
        ],
    );

    // The same through the binary, with no cluster contacted.
    let out = common::kt(&home)
        .args([
            "render",
            "--secret",
            "aws",
            "--secret",
            "huggingface",
            "--gpus",
            "1",
        ])
        .args([
            "--env",
            "HF_HOME=/cache/huggingface",
            "--dry-run",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_no_canary("stderr", &stderr, &[AWS_SECRET, HF_TOKEN]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    assert_kubectl_accepts(&cluster, &stdout, &[("Pod", "kt-compute")]);
}

#[test]
fn ssh_key_for_git_access() {
    let cluster = Cluster::start();
    let home = FixtureHome::new()
        .file_mode(".ssh/id_rsa", SSH_KEY, 0o600)
        .file_mode(".ssh/id_rsa.pub", "ssh-rsa AAAAB3Nza canary@seed\n", 0o644);
    let ctx = home.context();
    let registry = registry();
    let resolved = cluster.block_on(async {
        let ssh = Secret::from_provider_in(&registry, &ctx, "ssh", None)
            .await
            .unwrap();
        Compute::new()
            .cpus("1")
            .image("debian-with-git:latest")
            .secret(ssh)
            .resolve(&registry, &ctx, None)
            .await
            .unwrap()
    });
    let pod = resolved.pod();
    let c = container(&pod);
    let mounts = c.volume_mounts.as_ref().unwrap();
    let private = mounts
        .iter()
        .find(|m| m.mount_path == "/root/.ssh/id_rsa")
        .unwrap();
    assert_eq!(private.sub_path.as_deref(), Some("id_rsa"));
    // The image's ~/.ssh/known_hosts stays visible: nothing is mounted over the directory.
    assert!(mounts.iter().all(|m| m.mount_path != "/root/.ssh"));
    assert!(mounts.iter().all(|m| m.sub_path.is_some()));
    let vol = &pod.spec.as_ref().unwrap().volumes.as_ref().unwrap()[0];
    let items = vol.secret.as_ref().unwrap().items.as_ref().unwrap();
    let key = items.iter().find(|i| i.key == "id_rsa").unwrap();
    assert_eq!(key.mode, Some(0o400));
    assert_kubectl_accepts(
        &cluster,
        &list_json(&resolved),
        &[("Secret", "kt.secret.global.ssh"), ("Pod", "kt-compute")],
    );

    let out = common::kt(&home)
        .args([
            "render",
            "--secret",
            "ssh",
            "--cpus",
            "1",
            "--image",
            "debian-with-git:latest",
        ])
        .args(["--dry-run"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_no_canary("stdout", &stdout, &["canary-seed-ssh-4d7a"]);
    assert!(stdout.contains("subPath: id_rsa"), "{stdout}");
    let out = common::kubectl_create_dry_run(&cluster, &stdout);
    assert!(out.status.success(), "{}", text(&out).1);
}

#[test]
fn custom_api_key_from_local_env() {
    let cluster = Cluster::start();
    let home = FixtureHome::new().env("LOCAL_API_KEY_VAR", API_KEY);
    let ctx: ResolveContext = home.context();
    let registry = registry();
    let secret =
        Secret::from_env_in(&ctx, "my-api-key", [("API_KEY", "LOCAL_API_KEY_VAR")]).unwrap();
    let resolved = cluster.block_on(
        Compute::new()
            .cpus("1")
            .secret(secret)
            .resolve(&registry, &ctx, None),
    );
    let resolved = resolved.unwrap();
    let pod = resolved.pod();
    assert_eq!(
        secret_ref(container(&pod), "API_KEY"),
        ("kt.secret.global.my-api-key".into(), "API_KEY".into())
    );
    assert_kubectl_accepts(
        &cluster,
        &list_json(&resolved),
        &[
            ("Secret", "kt.secret.global.my-api-key"),
            ("Pod", "kt-compute"),
        ],
    );

    // Through the binary against the cluster: create the secret, then render a pod that
    // refers to it by name (it is read from the cluster, not printed again).
    let out = cluster
        .kt(&home)
        .args(["create", "my-api-key", "--env", "API_KEY=LOCAL_API_KEY_VAR"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "secret/kt.secret.global.my-api-key created\n");
    let out = cluster
        .kt(&home)
        .args(["render", "--secret", "my-api-key", "--cpus", "1"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_no_canary("render", &(stdout.clone() + &stderr), &[API_KEY]);
    assert!(!stdout.contains("kind: Secret"), "{stdout}");
    assert!(
        stdout.contains("name: kt.secret.global.my-api-key"),
        "{stdout}"
    );
    let out = common::kubectl_create_dry_run(&cluster, &stdout);
    assert!(out.status.success(), "{}", text(&out).1);
}

#[test]
fn the_schema_check_rejects_what_kubernetes_would() {
    let good = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}]}"#;
    common::assert_schema_round_trip(good);
    for bad in [
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[],"volumeMount":[]}}]}"#,
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"not base64!"}}]}"#,
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":7}}]}"#,
    ] {
        let r = std::panic::catch_unwind(|| common::assert_schema_round_trip(bad));
        assert!(r.is_err(), "accepted {bad}");
    }
    // kubectl's own check runs too: the loopback server serves the schema it validates against.
    let cluster = Cluster::start();
    let out = common::kubectl_create_dry_run(&cluster, good);
    assert!(out.status.success(), "{}", text(&out).1);
    let misplaced = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}],"volumeMount":[]}}]}"#;
    let out = common::kubectl_create_dry_run(&cluster, misplaced);
    let stderr = text(&out).1;
    assert!(!out.status.success(), "kubectl accepted {misplaced}");
    assert!(
        stderr.contains("unknown field \"volumeMount\" in io.k8s.api.core.v1.PodSpec"),
        "{stderr}"
    );
}
