//! The loopback server through the real `kube` client and kubectl: the API, discovery, the
//! schema, namespaces, auth, faults and stopping.

use std::process::{Output, Stdio};
use std::time::Duration;

use http::{Request, header};
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::Api;
use kube::api::PostParams;
use kube::config::Kubeconfig;
use serde_json::{Value, json};

use super::*;

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
