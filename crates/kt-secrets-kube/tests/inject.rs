//! `inject`: every known kind's templates get the secrets; everything else stays as it was.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kt_secrets_core::{Origin, Resolved, Secret};
use kt_secrets_kube::MountedSecret;
use kt_secrets_kube::compute::SECRET_HASHES_ANNOTATION;
use kt_secrets_kube::inject::{self, InjectError, Injector, KNOWN_KINDS};
use serde_json::{Value, json};

const CANARY: &str = "kt-canary-inject-77";

fn env_secret() -> MountedSecret {
    let s = Secret::from_values("hf", [("HF_TOKEN", CANARY)]).unwrap();
    MountedSecret::managed(s, "global")
}

fn ssh_secret() -> MountedSecret {
    let mut r = Resolved::new();
    r.add_file(
        "id_ed25519",
        format!("{CANARY}-key"),
        Origin::Literal,
        "~/.ssh/id_ed25519",
        0o400,
    )
    .unwrap();
    r.add_file(
        "id_ed25519.pub",
        "ssh-ed25519 AAAA test",
        Origin::Literal,
        "~/.ssh/id_ed25519.pub",
        0o644,
    )
    .unwrap();
    MountedSecret::managed(
        Secret::from_parts("ssh", Some("ssh".to_owned()), r).unwrap(),
        "global",
    )
}

fn injector() -> Injector {
    Injector::new(vec![env_secret(), ssh_secret()])
}

fn pod_spec(containers: &[&str]) -> Value {
    json!({
        "containers": containers.iter().map(|c| json!({
            "name": c,
            "image": "busybox",
            "env": [{"name": "OWN", "value": "kept"}],
            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
        })).collect::<Vec<_>>(),
        "volumes": [{"name": "cache", "emptyDir": {}}],
    })
}

fn template(containers: &[&str]) -> Value {
    json!({"metadata": {"labels": {"app": "x"}}, "spec": pod_spec(containers)})
}

/// One document of each known kind, and where its templates are.
fn every_kind() -> Vec<(Value, Vec<&'static str>)> {
    let t = template(&["main"]);
    let pod = {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "x"}}});
        p["spec"] = pod_spec(&["main"]);
        p
    };
    let with_spec = |api: &str, kind: &str, spec: Value| json!({"apiVersion": api, "kind": kind, "metadata": {"name": kind.to_lowercase()}, "spec": spec});
    let sel = json!({"matchLabels": {"app": "x"}});
    vec![
        (pod, vec![""]),
        (
            json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "pt"}, "template": t}),
            vec!["/template"],
        ),
        (
            with_spec("v1", "ReplicationController", json!({"template": t})),
            vec!["/spec/template"],
        ),
        (
            with_spec(
                "apps/v1",
                "Deployment",
                json!({"selector": sel, "template": t}),
            ),
            vec!["/spec/template"],
        ),
        (
            with_spec(
                "apps/v1",
                "StatefulSet",
                json!({"selector": sel, "serviceName": "s", "template": t}),
            ),
            vec!["/spec/template"],
        ),
        (
            with_spec(
                "apps/v1",
                "DaemonSet",
                json!({"selector": sel, "template": t}),
            ),
            vec!["/spec/template"],
        ),
        (
            with_spec(
                "apps/v1",
                "ReplicaSet",
                json!({"selector": sel, "template": t}),
            ),
            vec!["/spec/template"],
        ),
        (
            with_spec("batch/v1", "Job", json!({"template": t})),
            vec!["/spec/template"],
        ),
        (
            with_spec(
                "batch/v1",
                "CronJob",
                json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": t}}}),
            ),
            vec!["/spec/jobTemplate/spec/template"],
        ),
        (
            with_spec(
                "ray.io/v1",
                "RayCluster",
                json!({
                    "headGroupSpec": {"rayStartParams": {}, "template": t},
                    "workerGroupSpecs": [
                        {"groupName": "a", "template": t},
                        {"groupName": "b", "template": t},
                    ],
                }),
            ),
            vec![
                "/spec/headGroupSpec/template",
                "/spec/workerGroupSpecs/0/template",
                "/spec/workerGroupSpecs/1/template",
            ],
        ),
        (
            with_spec(
                "ray.io/v1",
                "RayJob",
                json!({"entrypoint": "python x.py", "rayClusterSpec": {
                    "headGroupSpec": {"template": t},
                    "workerGroupSpecs": [{"groupName": "w", "template": t}],
                }}),
            ),
            vec![
                "/spec/rayClusterSpec/headGroupSpec/template",
                "/spec/rayClusterSpec/workerGroupSpecs/0/template",
            ],
        ),
        (
            with_spec(
                "kubeflow.org/v1",
                "PyTorchJob",
                json!({"pytorchReplicaSpecs": {
                    "Master": {"replicas": 1, "template": t},
                    "Worker": {"replicas": 2, "template": t},
                }}),
            ),
            vec![
                "/spec/pytorchReplicaSpecs/Master/template",
                "/spec/pytorchReplicaSpecs/Worker/template",
            ],
        ),
        (
            with_spec(
                "kubeflow.org/v1",
                "TFJob",
                json!({"tfReplicaSpecs": {"Chief": {"template": t}, "PS": {"template": t}}}),
            ),
            vec![
                "/spec/tfReplicaSpecs/Chief/template",
                "/spec/tfReplicaSpecs/PS/template",
            ],
        ),
        (
            with_spec(
                "kubeflow.org/v2beta1",
                "MPIJob",
                json!({"mpiReplicaSpecs": {"Launcher": {"template": t}, "Worker": {"template": t}}}),
            ),
            vec![
                "/spec/mpiReplicaSpecs/Launcher/template",
                "/spec/mpiReplicaSpecs/Worker/template",
            ],
        ),
        (
            with_spec(
                "jobset.x-k8s.io/v1alpha2",
                "JobSet",
                json!({"replicatedJobs": [
                    {"name": "leader", "replicas": 1, "template": {"spec": {"template": t}}},
                    {"name": "workers", "replicas": 4, "template": {"spec": {"template": t}}},
                ]}),
            ),
            vec![
                "/spec/replicatedJobs/0/template/spec/template",
                "/spec/replicatedJobs/1/template/spec/template",
            ],
        ),
    ]
}

fn env_names(c: &Value) -> Vec<String> {
    c["env"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn mount_paths(c: &Value) -> Vec<String> {
    c["volumeMounts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["mountPath"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn assert_injected(t: &Value, what: &str) {
    let c = &t["spec"]["containers"][0];
    assert_eq!(env_names(c), ["OWN", "HF_TOKEN"], "{what}");
    assert_eq!(
        mount_paths(c),
        [
            "/cache",
            "/root/.ssh/id_ed25519",
            "/root/.ssh/id_ed25519.pub"
        ],
        "{what}"
    );
    let vols: Vec<&str> = t["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(vols, ["cache", "kt-secret-global-ssh"], "{what}");
    let hashes: Value = serde_json::from_str(
        t["metadata"]["annotations"][SECRET_HASHES_ANNOTATION]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        hashes.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["kt.secret.global.hf", "kt.secret.global.ssh"],
        "{what}"
    );
    assert_eq!(t["metadata"]["labels"]["app"], "x", "{what}");
}

#[test]
fn every_known_kind_gets_every_template_injected() {
    let docs = every_kind();
    let mut covered: Vec<&str> = docs
        .iter()
        .map(|(d, _)| d["kind"].as_str().unwrap())
        .collect();
    covered.sort();
    let mut listed: Vec<&str> = KNOWN_KINDS.iter().map(|k| k.kind).collect();
    listed.sort();
    assert_eq!(covered, listed, "a test document for every known kind");

    for (mut doc, pointers) in docs {
        let kind = doc["kind"].as_str().unwrap().to_owned();
        let r = injector().inject_value(&mut doc, Some("default")).unwrap();
        let got: Vec<&str> = r.templates.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(got, pointers, "{kind}");
        for p in &pointers {
            assert_injected(doc.pointer(p).unwrap(), &format!("{kind} {p}"));
        }
        assert!(!doc.to_string().contains(CANARY), "{kind}: a value");
    }
}

#[test]
fn injecting_twice_is_injecting_once() {
    for (mut doc, _) in every_kind() {
        let inj = injector();
        inj.inject_value(&mut doc, None).unwrap();
        let once = doc.clone();
        inj.inject_value(&mut doc, None).unwrap();
        assert_eq!(doc, once, "{}", doc["kind"]);
    }
    // Also after the secrets changed: the stale entries of the same objects are replaced.
    let mut doc = every_kind().remove(3).0;
    injector().inject_value(&mut doc, None).unwrap();
    let changed = Secret::from_values("hf", [("HF_HOME_TOKEN", CANARY)]).unwrap();
    Injector::new(vec![
        MountedSecret::managed(changed, "global"),
        ssh_secret(),
    ])
    .inject_value(&mut doc, None)
    .unwrap();
    let c = &doc["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(env_names(c), ["OWN", "HF_HOME_TOKEN"]);
}

const STREAM: &str = r#"# Source: app/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  mode: "0644"
  enabled: "yes"
  ratio: "1e3"
  empty: ""
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  zeta: 1
  alpha: 2
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ml
  labels:
    helm.sh/chart: app-0.1.0
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
      annotations:
        checksum/config: abc
    spec:
      futureField: {keep: me}
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 80
          env:
            - name: OWN
              value: kept
        - name: sidecar
          image: envoy
      volumes:
        - name: cfg
          configMap:
            name: app-config
            defaultMode: 0644
"#;

#[test]
fn a_stream_keeps_order_unknown_fields_and_other_documents() {
    let before = inject::parse_stream(STREAM, "stdin").unwrap();
    let mut docs = before.clone();
    assert_eq!(docs.len(), 4);
    let inj = Injector::new(vec![env_secret()]);
    for d in &mut docs {
        inj.inject_value(d, Some("default")).unwrap();
    }
    // Untouched documents are equal, key order included.
    for i in 0..3 {
        assert_eq!(docs[i], before[i]);
        assert_eq!(
            serde_json::to_string(&docs[i]).unwrap(),
            serde_json::to_string(&before[i]).unwrap()
        );
    }
    let widget: Vec<&String> = docs[2]["spec"].as_object().unwrap().keys().collect();
    assert_eq!(widget, ["zeta", "alpha"]);
    let d = &docs[3];
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
    let spec_keys: Vec<&String> = d["spec"]["template"]["spec"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(spec_keys, ["futureField", "containers", "volumes"]);
    assert_eq!(d["spec"]["template"]["spec"]["futureField"]["keep"], "me");
    // YAML 1.1 octal, as kubectl reads it.
    assert_eq!(
        d["spec"]["template"]["spec"]["volumes"][0]["configMap"]["defaultMode"],
        0o644
    );
    let t = &d["spec"]["template"];
    assert_eq!(t["metadata"]["annotations"]["checksum/config"], "abc");
    assert_eq!(env_names(&t["spec"]["containers"][0]), ["OWN", "HF_TOKEN"]);
    assert_eq!(env_names(&t["spec"]["containers"][1]), ["HF_TOKEN"]);
    assert_eq!(t["spec"]["containers"][0]["ports"][0]["containerPort"], 80);

    // Out as YAML and back: strings that look like numbers or booleans stay strings.
    let yaml = inject::to_yaml_stream(&docs).unwrap();
    let again = inject::parse_stream(&yaml, "output").unwrap();
    assert_eq!(again, docs);
    assert_eq!(again[0]["data"]["mode"], "0644");
    assert_eq!(again[0]["data"]["enabled"], "yes");
    assert_eq!(again[0]["data"]["ratio"], "1e3");
    // And as a JSON v1 List, read back item by item.
    let list = serde_json::to_string(&inject::to_list(docs.clone())).unwrap();
    assert_eq!(inject::parse_stream(&list, "output").unwrap(), docs);
}

#[test]
fn json_input_and_lists_are_flattened() {
    let docs = inject::parse_stream(STREAM, "stdin").unwrap();
    let list = serde_json::to_string_pretty(&inject::to_list(docs.clone())).unwrap();
    assert_eq!(inject::parse_stream(&list, "x").unwrap(), docs);
    // Concatenated JSON objects, and a YAML List.
    let concat: String = docs
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(inject::parse_stream(&concat, "x").unwrap(), docs);
    let yaml_list = inject::to_yaml_stream(&[inject::to_list(docs.clone())]).unwrap();
    assert_eq!(inject::parse_stream(&yaml_list, "x").unwrap(), docs);
    // Empty documents are dropped; a scalar document is an error naming it.
    assert_eq!(
        inject::parse_stream("---\n---\n", "x").unwrap(),
        Vec::<Value>::new()
    );
    let e = inject::parse_stream("a: 1\n---\n42\n", "in.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("in.yaml, document 2"), "{e}");
    let e = inject::parse_stream(&format!("a: [{CANARY}\n"), "in.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("in.yaml") && e.contains("line") && !e.contains(CANARY),
        "{e}"
    );
    let e = inject::parse_stream(&format!("{{\"a\": \"{CANARY}\""), "in.json")
        .unwrap_err()
        .to_string();
    assert!(e.contains("in.json") && !e.contains(CANARY), "{e}");
}

fn deployment_with(container: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ml"},
        "spec": {"selector": {}, "template": {"spec": {"containers": [container]}}}
    })
}

#[test]
fn clashes_name_both_sides() {
    let mut d =
        deployment_with(json!({"name": "web", "env": [{"name": "HF_TOKEN", "value": CANARY}]}));
    let e = injector().inject_value(&mut d, None).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, InjectError::Clash { .. }), "{msg}");
    for part in [
        "Deployment ml/web",
        "/spec/template",
        "\"web\"",
        "env var HF_TOKEN",
        "the workload (its own value)",
        "secret \"hf\"",
    ] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    assert!(!msg.contains(CANARY), "{msg}");

    let mut d = deployment_with(json!({"name": "web", "volumeMounts": [
        {"name": "keys", "mountPath": "/root/.ssh/id_ed25519"}
    ]}));
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("mount path /root/.ssh/id_ed25519")
            && msg.contains("volume keys")
            && msg.contains("secret \"ssh\""),
        "{msg}"
    );

    let mut d = deployment_with(json!({"name": "web"}));
    d["spec"]["template"]["spec"]["volumes"] =
        json!([{"name": "kt-secret-global-ssh", "emptyDir": {}}]);
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("volume name kt-secret-global-ssh") && msg.contains("its own volume"),
        "{msg}"
    );

    // An env var from another Secret under the same name is the workload's, not ours.
    let mut d = deployment_with(json!({"name": "web", "env": [
        {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "theirs", "key": "t"}}}
    ]}));
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("from Secret theirs key t"), "{msg}");
}

#[test]
fn namespaces_come_from_each_object() {
    let pinned = MountedSecret::managed(
        Secret::from_values("hf", [("HF_TOKEN", CANARY)])
            .unwrap()
            .with_namespace("ml"),
        "global",
    );
    let inj = Injector::new(vec![pinned]);
    let mut ok = deployment_with(json!({"name": "web"}));
    inj.inject_value(&mut ok, Some("other")).unwrap();
    let mut elsewhere = deployment_with(json!({"name": "web"}));
    elsewhere["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    inj.inject_value(&mut elsewhere.clone(), Some("ml"))
        .unwrap();
    let msg = inj
        .inject_value(&mut elsewhere, Some("prod"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("Deployment prod/web") && msg.contains("\"ml\"") && msg.contains("\"prod\""),
        "{msg}"
    );
}

#[test]
fn containers_and_init_containers_are_chosen() {
    let mut d = deployment_with(json!({"name": "web"}));
    let spec = &mut d["spec"]["template"]["spec"];
    spec["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "sidecar"}));
    spec["initContainers"] = json!([{"name": "setup"}]);
    let base = d.clone();

    let mut all = base.clone();
    let r = injector().inject_value(&mut all, None).unwrap();
    assert_eq!(r.templates[0].1, ["web", "sidecar"]);
    assert!(
        all["spec"]["template"]["spec"]["initContainers"][0]
            .get("env")
            .is_none()
    );

    let mut picked = base.clone();
    let r = injector()
        .containers(["sidecar"])
        .inject_value(&mut picked, None)
        .unwrap();
    assert_eq!(r.templates[0].1, ["sidecar"]);
    let s = &picked["spec"]["template"]["spec"];
    assert!(s["containers"][0].get("env").is_none());
    assert_eq!(env_names(&s["containers"][1]), ["HF_TOKEN"]);
    assert_eq!(
        r.containers_seen.iter().collect::<Vec<_>>(),
        ["setup", "sidecar", "web"]
    );

    let mut init = base.clone();
    let r = injector()
        .init_containers(true)
        .containers(["setup"])
        .inject_value(&mut init, None)
        .unwrap();
    assert_eq!(r.templates[0].1, ["setup"]);
    assert_eq!(
        env_names(&init["spec"]["template"]["spec"]["initContainers"][0]),
        ["HF_TOKEN"]
    );

    // A name no template has leaves the document as it was.
    let mut none = base.clone();
    let r = injector()
        .containers(["nope"])
        .inject_value(&mut none, None)
        .unwrap();
    assert!(r.templates.is_empty());
    assert_eq!(none, base);
}

#[test]
fn non_root_templates_get_an_fs_group_and_group_readable_items() {
    let modes = |d: &Value| -> Vec<i64> {
        d["spec"]["template"]["spec"]["volumes"][0]["secret"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["mode"].as_i64().unwrap())
            .collect()
    };
    let fs_group = |d: &Value| d["spec"]["template"]["spec"]["securityContext"]["fsGroup"].clone();

    // As root (nothing said): the modes the provider chose, no fsGroup.
    let mut root = deployment_with(json!({"name": "web"}));
    injector().inject_value(&mut root, None).unwrap();
    assert_eq!(modes(&root), [0o400, 0o644]);
    assert_eq!(fs_group(&root), Value::Null);

    // The container's own runAsUser.
    let mut d = deployment_with(json!({"name": "web", "securityContext": {"runAsUser": 1000}}));
    let r = injector()
        .container_home("/home/app")
        .inject_value(&mut d, None)
        .unwrap();
    assert_eq!(modes(&d), [0o440, 0o644]);
    assert_eq!(fs_group(&d), 1000);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // Idempotent, and an existing fsGroup is kept.
    let once = d.clone();
    injector()
        .container_home("/home/app")
        .inject_value(&mut d, None)
        .unwrap();
    assert_eq!(d, once);

    let mut d = deployment_with(json!({"name": "web"}));
    d["spec"]["template"]["spec"]["securityContext"] =
        json!({"runAsUser": 1000, "runAsGroup": 3000});
    injector().inject_value(&mut d, None).unwrap();
    assert_eq!(fs_group(&d), 3000);

    let mut d = deployment_with(json!({"name": "web"}));
    d["spec"]["template"]["spec"]["securityContext"] = json!({"runAsUser": 1000, "fsGroup": 5});
    injector().inject_value(&mut d, None).unwrap();
    assert_eq!(fs_group(&d), 5);

    // The image's user, given on the command line, and its group.
    let mut d = deployment_with(json!({"name": "web"}));
    let r = injector()
        .run_as_user(1000)
        .fs_group(2000)
        .inject_value(&mut d, None)
        .unwrap();
    assert_eq!(fs_group(&d), 2000);
    assert_eq!(modes(&d), [0o440, 0o644]);
    assert!(
        r.warnings.iter().any(|w| w.contains("--container-home")),
        "{:?}",
        r.warnings
    );

    // runAsNonRoot alone: the user is the image's; with a group to use, the files are made
    // readable through it, else the user is told what to give.
    let mut d = deployment_with(json!({"name": "web", "securityContext": {"runAsNonRoot": true}}));
    let r = injector().inject_value(&mut d, None).unwrap();
    assert_eq!(fs_group(&d), Value::Null);
    assert_eq!(modes(&d), [0o400, 0o644]);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("runAsNonRoot") && w.contains("--run-as-user")),
        "{:?}",
        r.warnings
    );
    let mut d = deployment_with(json!({"name": "web", "securityContext": {"runAsNonRoot": true}}));
    injector()
        .fs_group(4000)
        .container_home("/home/app")
        .inject_value(&mut d, None)
        .unwrap();
    assert_eq!(fs_group(&d), 4000);
    assert_eq!(modes(&d), [0o440, 0o644]);

    // A root container next to a non-root one is told that ssh will refuse its key.
    let mut d = deployment_with(json!({"name": "web", "securityContext": {"runAsUser": 1000}}));
    d["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "root", "securityContext": {"runAsUser": 0}}));
    let r = injector()
        .container_home("/home/app")
        .inject_value(&mut d, None)
        .unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("\"root\"") && w.contains("sshkey_perm_ok")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn template_paths_reach_other_kinds() {
    let mut d = json!({
        "apiVersion": "serving.knative.dev/v1", "kind": "Service",
        "metadata": {"name": "kn"},
        "spec": {"template": {"spec": {"containers": [{"image": "x", "name": "user-container"}]}}}
    });
    let before = d.clone();
    let r = injector().inject_value(&mut d, None).unwrap();
    assert!(r.templates.is_empty());
    assert_eq!(d, before, "an unknown kind passes unchanged");
    let r = injector()
        .template_path("/spec/template")
        .unwrap()
        .template_path("/spec/nothing/*/here")
        .unwrap()
        .inject_value(&mut d, None)
        .unwrap();
    assert_eq!(r.templates[0].0, "/spec/template");
    assert_eq!(
        env_names(&d["spec"]["template"]["spec"]["containers"][0]),
        ["HF_TOKEN"]
    );
    assert!(
        Injector::new(vec![])
            .template_path("spec/template")
            .is_err()
    );
}

#[test]
fn malformed_known_kinds_are_errors_without_values() {
    let mut d = deployment_with(
        json!({"name": "web", "image": 5, "env": [{"name": "X", "value": CANARY}]}),
    );
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("Deployment ml/web") && msg.contains("not a valid Deployment"),
        "{msg}"
    );
    let mut d = deployment_with(json!({"name": "web", "env": {"X": CANARY}}));
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(!msg.contains(CANARY), "{msg}");
    let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"selector": {}}});
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no pod template at /spec/template"), "{msg}");
    let mut d = json!({"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "r"},
        "spec": {"headGroupSpec": {"template": {"spec": {"containers": 1}}}}});
    let msg = injector()
        .inject_value(&mut d, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("RayCluster r at /spec/headGroupSpec/template")
            && msg.contains("pod template"),
        "{msg}"
    );
}

#[test]
fn typed_pod_specs_templates_and_workloads() {
    let mut spec = PodSpec {
        containers: vec![Container {
            name: "main".to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut meta = ObjectMeta::default();
    injector().inject_pod_spec(&mut spec, &mut meta).unwrap();
    assert_eq!(spec.containers[0].env.as_ref().unwrap()[0].name, "HF_TOKEN");
    assert_eq!(spec.volumes.as_ref().unwrap().len(), 1);
    assert!(
        meta.annotations
            .unwrap()
            .contains_key(SECRET_HASHES_ANNOTATION)
    );

    let mut t: PodTemplateSpec = serde_json::from_value(template(&["a", "b"])).unwrap();
    injector()
        .containers(["b"])
        .inject_template(&mut t)
        .unwrap();
    let s = t.spec.unwrap();
    assert_eq!(s.containers[0].env.as_ref().unwrap().len(), 1);
    assert_eq!(s.containers[1].env.as_ref().unwrap().len(), 2);

    let mut dep: Deployment = serde_json::from_value(every_kind().remove(3).0).unwrap();
    injector().inject_object(&mut dep).unwrap();
    let again = dep.clone();
    injector().inject_object(&mut dep).unwrap();
    assert_eq!(dep, again);
    let c = &dep.spec.unwrap().template.spec.unwrap().containers[0];
    assert_eq!(c.volume_mounts.as_ref().unwrap().len(), 3);
}
