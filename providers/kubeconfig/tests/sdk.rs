//! kubectl decides: `kubectl config view --raw --minify --flatten` (the current context, its
//! cluster and user, every file it names inlined) is the same on the laptop and in the pod,
//! for kubeconfigs as `kubectl config`, cloud CLIs (`aws eks update-kubeconfig`, `gcloud
//! container clusters get-credentials`) and kind write them.

use kt_provider_kubeconfig::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::kubeconfig::{Kubeconfig, pem};
use kt_secrets_testkit::oracle::{Oracle, PodRun, Value};

fn oracle() -> Oracle {
    Oracle::cli(
        "kubectl",
        &[
            "config",
            "view",
            "--raw",
            "--minify",
            "--flatten",
            "-o",
            "json",
        ],
        "kubectl",
    )
}

async fn same(home: &FixtureHome) -> (Value, PodRun) {
    let o = oracle();
    let laptop = o.on_laptop(home);
    laptop.success();
    let laptop: Value = serde_json::from_str(&laptop.stdout).expect("kubectl prints JSON");
    let pod = o.in_pod(home, &PROVIDER).await;
    pod.observed.success();
    let in_pod: Value = serde_json::from_str(&pod.observed.stdout).expect("kubectl prints JSON");
    assert_eq!(
        in_pod, laptop,
        "kubectl in the pod (left) vs on the laptop (right)"
    );
    (laptop, pod)
}

const CA: &str = "Y2EtZGF0YS1mb3ItdGhlLWNsdXN0ZXI=";

#[tokio::test]
async fn kind_cluster_with_a_token() {
    let kc = Kubeconfig::new()
        .cluster_ca_data("kind-dev", "https://127.0.0.1:6443", CA)
        .user_token("kind-dev", "kind-token-1")
        .context("kind-dev", "kind-dev", "kind-dev", None)
        .current("kind-dev")
        .build();
    let home = FixtureHome::new().file(".kube/config", kc);
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["users"][0]["user"]["token"], "kind-token-1");
}

#[tokio::test]
async fn several_contexts_and_a_namespace() {
    let kc = Kubeconfig::new()
        .cluster_ca_data("prod", "https://prod.example:6443", CA)
        .cluster_ca_data("staging", "https://staging.example:6443", CA)
        .user_token("prod-admin", "prod-token-canary")
        .user_token("staging-dev", "staging-token")
        .context("prod", "prod", "prod-admin", Some("default"))
        .context("staging", "staging", "staging-dev", Some("ml"))
        .current("staging")
        .build();
    let home = FixtureHome::new().file(".kube/config", kc);
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["contexts"][0]["context"]["namespace"], "ml");
}

#[tokio::test]
async fn client_certificate_files_relative_to_the_kubeconfig() {
    let kc = Kubeconfig::new()
        .cluster_ca_file("k3s", "https://10.0.0.5:6443", "certs/ca.crt")
        .user_cert_files("k3s-admin", "certs/admin.crt", "/abs/admin.key")
        .context("k3s", "k3s", "k3s-admin", None)
        .current("k3s")
        .build();
    let home = FixtureHome::new()
        .file(
            ".kube/config",
            kc.replace("/abs/admin.key", "certs/admin.key"),
        )
        .file(".kube/certs/ca.crt", pem("CERTIFICATE", "Y2E="))
        .file(".kube/certs/admin.crt", pem("CERTIFICATE", "Y2VydA=="))
        .file(".kube/certs/admin.key", pem("PRIVATE KEY", "a2V5"));
    let (laptop, _) = same(&home).await;
    assert!(laptop["users"][0]["user"]["client-key-data"].is_string());
}

#[tokio::test]
async fn kubeconfig_list_merged_first_wins() {
    let a = Kubeconfig::new()
        .cluster_ca_data("eks", "https://eks.example", CA)
        .user_exec(
            "eks-user",
            "aws",
            &[
                "eks",
                "get-token",
                "--cluster-name",
                "ml",
                "--output",
                "json",
            ],
        )
        .context("eks", "eks", "eks-user", None)
        .current("eks")
        .build();
    let b = Kubeconfig::new()
        .cluster_ca_data("eks", "https://shadowed.example", CA)
        .user_token("other", "other-token")
        .context("other", "eks", "other", None)
        .current("other")
        .build();
    let home = FixtureHome::new()
        .file("kube/a.yaml", a)
        .file("kube/b.yaml", b);
    // A listed file that does not exist is skipped, by kubectl and by the provider.
    let list = format!(
        "{}:{}:{}",
        home.path("kube/missing.yaml").display(),
        home.path("kube/a.yaml").display(),
        home.path("kube/b.yaml").display()
    );
    let home = home.env("KUBECONFIG", list);
    let (laptop, _) = same(&home).await;
    assert_eq!(
        laptop["clusters"][0]["cluster"]["server"],
        "https://eks.example"
    );
    assert_eq!(laptop["users"][0]["user"]["exec"]["command"], "aws");
}

#[tokio::test]
async fn gke_exec_plugin_user() {
    let kc = Kubeconfig::new()
        .cluster_ca_data("gke_proj_us-central1_ml", "https://34.1.2.3", CA)
        .user_exec("gke_proj_us-central1_ml", "gke-gcloud-auth-plugin", &[])
        .context(
            "gke_proj_us-central1_ml",
            "gke_proj_us-central1_ml",
            "gke_proj_us-central1_ml",
            None,
        )
        .current("gke_proj_us-central1_ml")
        .build()
        .replace("      args:\n", "");
    let home = FixtureHome::new().file(".kube/config", kc);
    same(&home).await;
}

#[tokio::test]
async fn token_file_user() {
    let kc = Kubeconfig::new()
        .cluster_ca_data("c", "https://c.example", CA)
        .user_token_file("u", "tokens/sa-token")
        .context("c", "c", "u", None)
        .current("c")
        .build();
    let home = FixtureHome::new()
        .file(".kube/config", kc)
        .file(".kube/tokens/sa-token", "file-token-value");
    let o = oracle();
    let pod = o.in_pod(&home, &PROVIDER).await;
    pod.observed.success();
    let in_pod: Value = serde_json::from_str(&pod.observed.stdout).unwrap();
    // kubectl's flatten keeps tokenFile a path; the pod has the token itself, which is what
    // the path held on the laptop.
    assert_eq!(in_pod["users"][0]["user"]["token"], "file-token-value");
}
