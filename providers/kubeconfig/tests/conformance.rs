//! The kubeconfig provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::kubeconfig::{Kubeconfig, pem};
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

fn with_cert_files(tag: &str) -> FixtureHome {
    let key = format!("canary-kube-{tag}-key");
    FixtureHome::new()
        .file(
            ".kube/config",
            Kubeconfig::new()
                .cluster_ca_file("prod", "https://10.0.0.1:6443", "pki/ca.crt")
                .user_cert_files("dev", "pki/dev.crt", "pki/dev.key")
                .user_token("ci", &format!("canary-kube-{tag}-token"))
                .context("prod", "prod", "dev", None)
                .current("prod")
                .build(),
        )
        .file(".kube/pki/ca.crt", pem("CERTIFICATE", "Y2E="))
        .file(".kube/pki/dev.crt", pem("CERTIFICATE", "ZGV2"))
        .file(".kube/pki/dev.key", pem("PRIVATE KEY", &key))
        .canary(key)
        .canary(format!("canary-kube-{tag}-token"))
}

#[tokio::test]
async fn kubeconfig_conforms() {
    let listed = FixtureHome::new()
        .file(
            "clusters/a.yaml",
            Kubeconfig::new()
                .user_token("a", "canary-kube-listed-a")
                .current("a")
                .build(),
        )
        .file(
            "clusters/b.yaml",
            Kubeconfig::new()
                .user_token("b", "canary-kube-listed-b")
                .build(),
        )
        .canary("canary-kube-listed-a")
        .canary("canary-kube-listed-b");
    let list = format!(
        "{}:{}",
        listed.path("clusters/a.yaml").display(),
        listed.path("clusters/b.yaml").display()
    );
    let listed = listed.env("KUBECONFIG", list);
    let unreadable_listed = FixtureHome::new().file(
        "k.yaml",
        Kubeconfig::new().user_token("k", "canary-kube-k").build(),
    );
    let path = unreadable_listed.path("k.yaml").display().to_string();
    let unreadable_listed = unreadable_listed.env("KUBECONFIG", path);

    Conformance::new(&kt_provider_kubeconfig::PROVIDER)
        .found("home config with certificate files", with_cert_files("a"))
        .found("KUBECONFIG list", listed)
        .unreadable("home config", with_cert_files("b"), "~/.kube/config")
        .unreadable("client key", with_cert_files("c"), "~/.kube/pki/dev.key")
        .unreadable("listed file", unreadable_listed, "~/k.yaml")
        .looks_at(&["env KUBECONFIG", "~/.kube/config"])
        .run()
        .await;
}
