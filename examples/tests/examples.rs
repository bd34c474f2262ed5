//! Each example runs as a user would run it, on a fresh machine: an empty HOME and only the
//! env vars it needs. The credentials are canary values, and none may reach the output.

use std::process::{Command, Output};

use kt_secrets::k8s_openapi::api::core::v1::{Pod, Secret as KubeSecret};
use kt_secrets::kube::kube::Api;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::apiserver::ApiServer;
use serde_json::Value;

const CANARY: &str = "canary-examples-7e41";

fn run(bin: &str, home: &FixtureHome, env: &[(&str, &str)], args: &[&str]) -> String {
    let out: Output = Command::new(bin)
        .args(args)
        .env_clear()
        .env("HOME", home.root())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains(CANARY), "a value reached the output:\n{all}");
    assert!(out.status.success(), "{bin} failed:\n{all}");
    stdout
}

/// Container env var → the Secret object it reads.
fn env_from(pod: &Value) -> Vec<(String, String)> {
    pod["spec"]["containers"][0]["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let r = &e["valueFrom"]["secretKeyRef"];
            Some((
                e["name"].as_str()?.to_owned(),
                r["name"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn render_offline_prints_a_pod_that_reads_its_secrets() {
    let home = FixtureHome::new();
    let out = run(
        env!("CARGO_BIN_EXE_render-offline"),
        &home,
        &[("OPENAI_API_KEY", CANARY)],
        &[],
    );
    let pod: Value = serde_saphyr::from_str(&out).expect("the pod as YAML");
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["metadata"]["name"], "train");
    assert_eq!(
        env_from(&pod),
        pairs(&[
            ("API_KEY", "kt.secret.global.my-api-key"),
            ("OPENAI_API_KEY", "kt.secret.global.openai"),
        ])
    );
    // Exactly a Pod: no field is unknown or misplaced.
    let typed: Pod = serde_json::from_value(pod.clone()).unwrap();
    assert_eq!(serde_json::to_value(typed).unwrap(), pod);
}

#[test]
fn render_offline_says_what_a_provider_did_not_find() {
    let home = FixtureHome::new();
    let out = Command::new(env!("CARGO_BIN_EXE_render-offline"))
        .env_clear()
        .env("HOME", home.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("openai") && stderr.contains("OPENAI_API_KEY"),
        "{stderr}"
    );
}

#[test]
fn own_provider_is_found_like_a_builtin_one() {
    let home = FixtureHome::new().file(".config/acme/token", format!("{CANARY}\n"));
    let out = run(env!("CARGO_BIN_EXE_own-provider"), &home, &[], &[]);
    let pod: Value = serde_saphyr::from_str(&out).expect("the pod as YAML");
    assert_eq!(
        env_from(&pod),
        pairs(&[("ACME_TOKEN", "kt.secret.global.acme")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_writes_the_secrets_and_starts_the_pod() {
    let server = ApiServer::start().await;
    let home = FixtureHome::new();
    let kubeconfig = server.kubeconfig_path().to_str().unwrap().to_owned();
    let bin = env!("CARGO_BIN_EXE_apply");
    let out = tokio::task::spawn_blocking(move || {
        run(
            bin,
            &home,
            &[("OPENAI_API_KEY", CANARY), ("KUBECONFIG", &kubeconfig)],
            &["openai"],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out,
        "secret/kt.secret.global.my-api-key created\n\
         secret/kt.secret.global.openai created\n\
         pod/train created\n"
    );
    let client = server.client().await;
    let ns = server.namespace();
    let openai = Api::<KubeSecret>::namespaced(client.clone(), ns)
        .get("kt.secret.global.openai")
        .await
        .unwrap();
    assert_eq!(
        openai.data.unwrap()["OPENAI_API_KEY"].0,
        CANARY.as_bytes(),
        "the cluster holds the value the provider found"
    );
    let pod = Api::<Pod>::namespaced(client, ns)
        .get("train")
        .await
        .unwrap();
    assert_eq!(
        env_from(&serde_json::to_value(pod).unwrap()),
        pairs(&[
            ("API_KEY", "kt.secret.global.my-api-key"),
            ("OPENAI_API_KEY", "kt.secret.global.openai"),
        ])
    );
}
