//! `kt-secrets inject` and `render --kind`: the built binary on manifest streams, with and
//! without a cluster, and kubectl validating what it prints against the loopback server.

mod common;

use std::process::Output;

use base64::Engine;
use common::{Cluster, kt, kubectl_create_dry_run, text};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_testkit::FixtureHome;
use kube::api::Api;
use serde_json::{Value, json};

const CANARY: &str = "canary-inject-5c1e";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out: Output = cmd.output().expect("run kt-secrets");
    let (stdout, stderr) = text(&out);
    let b64 = base64::engine::general_purpose::STANDARD.encode(CANARY);
    assert!(
        !stderr.contains(CANARY) && !stderr.contains(&b64),
        "a value reached stderr:\n{stderr}"
    );
    Run {
        code: out.status.code().expect("exited"),
        stdout,
        stderr,
    }
}

impl Run {
    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "stderr:\n{}", self.stderr);
        self
    }

    #[track_caller]
    fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "stderr:\n{}\nstdout:\n{}",
            self.stderr, self.stdout
        );
        assert!(self.stderr.contains("error:"), "{}", self.stderr);
        assert!(
            self.stdout.is_empty(),
            "nothing printed on failure: {}",
            self.stdout
        );
        self
    }

    fn docs(&self) -> Vec<Value> {
        serde_saphyr::from_multiple(&self.stdout).expect("a YAML stream")
    }
}

fn home() -> FixtureHome {
    FixtureHome::new()
        .env("HF_TOKEN", CANARY)
        .file(".ssh/id_ed25519", format!("{CANARY}-private-key\n"))
        .file(".ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3Nz test@laptop\n")
}

/// What `helm template` prints for a small chart: comments, `---` separators, a ServiceAccount,
/// a ConfigMap and a Service that pass through, and workloads of every built-in kind.
const CHART: &str = r#"---
# Source: trainer/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: trainer
---
# Source: trainer/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: trainer-config
data:
  USE_AMP: "yes"
  MODE: "0644"
---
# Source: trainer/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: trainer
spec:
  selector:
    app: trainer
  ports:
    - port: 80
      targetPort: 9090
---
# Source: trainer/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: trainer
spec:
  replicas: 1
  selector:
    matchLabels:
      app: trainer
  template:
    metadata:
      labels:
        app: trainer
    spec:
      securityContext:
        runAsUser: 1000
      containers:
        - name: trainer
          image: ghcr.io/acme/trainer:1.4
          env:
            - name: EPOCHS
              value: "10"
        - name: exporter
          image: prom/statsd-exporter
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: db
          image: postgres:16
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: agent
          image: agent:1
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: rs
spec:
  selector:
    matchLabels:
      app: rs
  template:
    metadata:
      labels:
        app: rs
    spec:
      containers:
        - name: rs
          image: rs:1
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
        - name: wait
          image: busybox
      containers:
        - name: migrate
          image: ghcr.io/acme/trainer:1.4
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: nightly
              image: ghcr.io/acme/trainer:1.4
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: debug
      image: busybox
---
apiVersion: v1
kind: PodTemplate
metadata:
  name: tpl
template:
  spec:
    containers:
      - name: tpl
        image: busybox
---
apiVersion: v1
kind: ReplicationController
metadata:
  name: rc
spec:
  selector:
    app: rc
  template:
    metadata:
      labels:
        app: rc
    spec:
      containers:
        - name: rc
          image: busybox
"#;

fn chart_file(home: &FixtureHome) -> String {
    let p = home.path("chart.yaml");
    std::fs::write(&p, CHART).unwrap();
    p.display().to_string()
}

fn kubectl_accepts(cluster: &Cluster, input: &str) -> String {
    let out = kubectl_create_dry_run(cluster, input);
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.success(),
        "kubectl create --dry-run=client refused the output:\n{stderr}\ninput:\n{input}"
    );
    stdout
}

#[test]
fn a_chart_stream_is_injected_and_kubectl_accepts_it() {
    let cluster = Cluster::start();
    let home = home();
    let file = chart_file(&home);
    let r = run(kt(&home).args([
        "inject",
        "-f",
        &file,
        "--secret",
        "huggingface",
        "--secret",
        "ssh",
        "--container-home",
        "/home/app",
        "--dry-run",
    ]))
    .ok();
    let docs = r.docs();
    let input: Vec<Value> = serde_saphyr::from_multiple(CHART).unwrap();
    // The Secret manifests first, then every input object in input order.
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(&kinds[..2], ["Secret", "Secret"]);
    assert_eq!(docs.len(), input.len() + 2);
    for (i, d) in input.iter().enumerate() {
        assert_eq!(docs[i + 2]["kind"], d["kind"]);
        assert_eq!(docs[i + 2]["metadata"]["name"], d["metadata"]["name"]);
    }
    // Objects without templates are unchanged, strings that look like other types included.
    for i in 0..3 {
        assert_eq!(docs[i + 2], input[i]);
    }
    assert_eq!(docs[3]["data"]["MODE"], "0644");
    let dep = &docs[5]["spec"]["template"];
    let trainer = &dep["spec"]["containers"][0];
    let names: Vec<&str> = trainer["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["EPOCHS", "HF_TOKEN"]);
    assert_eq!(
        trainer["volumeMounts"][0]["mountPath"],
        "/home/app/.ssh/id_ed25519"
    );
    // runAsUser 1000: an fsGroup, and the private key readable through it.
    assert_eq!(dep["spec"]["securityContext"]["fsGroup"], 1000);
    assert_eq!(
        dep["spec"]["volumes"][0]["secret"]["items"][0]["mode"],
        0o440
    );
    // The Job's init container is left alone without --init-containers.
    let job = &docs[9]["spec"]["template"]["spec"];
    assert!(job["initContainers"][0].get("env").is_none());
    assert!(job["containers"][0].get("env").is_some());

    // kubectl validates every object against the served schema, in YAML and as a JSON List.
    let out = kubectl_accepts(&cluster, &r.stdout);
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "Pod",
        "PodTemplate",
        "ReplicationController",
    ] {
        assert!(
            out.contains(&format!("\"kind\": \"{kind}\"")),
            "{kind}:\n{out}"
        );
    }
    // The apps/v1 and batch/v1 schemas are checked, not skipped: a misplaced field is refused.
    let bad = r
        .stdout
        .replacen("replicas: 1", "replicas: 1\n  replica: 1", 1);
    let refused = kubectl_create_dry_run(&cluster, &bad);
    assert!(
        !refused.status.success(),
        "kubectl accepted a bogus Deployment field"
    );
    assert!(
        text(&refused).1.contains("unknown field \"replica\""),
        "{}",
        text(&refused).1
    );
    let json = run(kt(&home).args([
        "inject",
        "-f",
        &file,
        "--secret",
        "huggingface",
        "--dry-run",
        "-o",
        "json",
    ]))
    .ok();
    let list: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"].as_array().unwrap().len(), input.len() + 1);
    kubectl_accepts(&cluster, &json.stdout);

    // The JSON List goes back in (stdin) and comes out the same: idempotent.
    let again = run(kt(&home)
        .args([
            "inject",
            "--secret",
            "huggingface",
            "--dry-run",
            "-o",
            "json",
        ])
        .write_stdin(
            serde_json::to_string(&json!({
                "apiVersion": "v1", "kind": "List",
                "items": list["items"].as_array().unwrap()[1..].to_vec(),
            }))
            .unwrap(),
        ))
    .ok();
    assert_eq!(again.stdout, json.stdout);
    let yaml_again = run(kt(&home)
        .args(["inject", "--secret", "huggingface", "--secret", "ssh"])
        .args(["--container-home", "/home/app", "--dry-run"])
        .write_stdin(
            docs[2..]
                .iter()
                .map(|d| serde_json::to_string(d).unwrap())
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    .ok();
    assert_eq!(yaml_again.docs(), docs);
}

#[test]
fn containers_init_containers_and_bad_input_from_the_command_line() {
    let home = home();
    let file = chart_file(&home);
    let base = |extra: &[&str]| {
        run(kt(&home)
            .args([
                "inject",
                "-f",
                &file,
                "--secret",
                "huggingface",
                "--dry-run",
            ])
            .args(extra))
    };
    let r = base(&["-c", "wait", "--init-containers", "-c", "exporter"]).ok();
    let docs = r.docs();
    let dep = &docs[4]["spec"]["template"]["spec"]["containers"];
    assert!(
        dep[0]["env"].as_array().unwrap().len() == 1,
        "trainer untouched"
    );
    assert_eq!(dep[1]["env"][0]["name"], "HF_TOKEN");
    let job = &docs[8]["spec"]["template"]["spec"];
    assert_eq!(job["initContainers"][0]["env"][0]["name"], "HF_TOKEN");
    assert!(job["containers"][0].get("env").is_none());
    // Templates without a chosen container carry no hash annotation either.
    assert!(
        docs[5]["spec"]["template"]["metadata"]
            .get("annotations")
            .is_none()
    );

    let e = base(&["-c", "wait"]).fails(2);
    assert!(
        e.stderr.contains("-c wait") && e.stderr.contains("--init-containers"),
        "{}",
        e.stderr
    );
    let e = base(&["-c", "nope"]).fails(2);
    assert!(
        e.stderr.contains("-c nope") && e.stderr.contains("trainer"),
        "{}",
        e.stderr
    );
    let e = base(&["--template-path", "/spec/template"]).fails(2);
    assert!(e.stderr.contains("--template-path"), "{}", e.stderr);

    // A clash names both sides and prints nothing.
    let clash = home.path("clash.yaml");
    std::fs::write(
        &clash,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ml}\nspec:\n  containers:\n  - name: app\n    env:\n    - {name: HF_TOKEN, value: mine}\n",
    )
    .unwrap();
    let e = run(kt(&home).args([
        "inject",
        "-f",
        clash.to_str().unwrap(),
        "--secret",
        "huggingface",
        "--dry-run",
    ]))
    .fails(1);
    assert!(
        e.stderr.contains("Pod ml/p")
            && e.stderr.contains("env var HF_TOKEN")
            && e.stderr.contains("the workload")
            && e.stderr.contains("secret \"huggingface\""),
        "{}",
        e.stderr
    );

    // Files that are not manifests.
    let e = run(kt(&home).args([
        "inject",
        "-f",
        home.root().to_str().unwrap(),
        "--secret",
        "huggingface",
        "--dry-run",
    ]))
    .fails(2);
    assert!(e.stderr.contains("is a directory"), "{}", e.stderr);
    let bad = home.path("bad.yaml");
    std::fs::write(&bad, format!("kind: Pod\nmetadata: [{CANARY}\n")).unwrap();
    let e = run(kt(&home).args([
        "inject",
        "-f",
        bad.to_str().unwrap(),
        "--secret",
        "huggingface",
        "--dry-run",
    ]))
    .fails(1);
    assert!(
        e.stderr.contains("bad.yaml") && e.stderr.contains("line"),
        "{}",
        e.stderr
    );
    let e = run(kt(&home).args(["inject", "-f", "/nonexistent/x.yaml", "--dry-run"])).fails(1);
    assert!(e.stderr.contains("/nonexistent/x.yaml"), "{}", e.stderr);
    // A FIFO is read like a pipe (`-f <(helm template ...)`).
    let fifo = home.path("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, CHART).unwrap())
    };
    let r = run(kt(&home).args([
        "inject",
        "-f",
        fifo.to_str().unwrap(),
        "--secret",
        "huggingface",
        "--dry-run",
    ]))
    .ok();
    writer.join().unwrap();
    assert_eq!(r.docs().len(), 13);
    // An empty input is an empty output.
    let r = run(kt(&home)
        .args(["inject", "--secret", "huggingface", "--dry-run"])
        .write_stdin(""))
    .ok();
    assert!(
        r.docs().iter().all(|d| d["kind"] == "Secret"),
        "{}",
        r.stdout
    );
}

#[test]
fn with_a_cluster_secrets_are_created_per_namespace_and_not_printed() {
    let cluster = Cluster::start();
    let home = home();
    let default_ns = cluster.namespace().to_owned();
    let stream: String = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: a, image: x}]\n---\n\
         apiVersion: batch/v1\nkind: Job\nmetadata: {name: b, namespace: other}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: b, image: x}]\n"
    )
    .to_owned();
    let r = run(cluster
        .kt(&home)
        .args(["inject", "--secret", "huggingface"])
        .write_stdin(stream.clone()))
    .ok();
    assert!(
        r.stderr.contains(&format!(
            "secret/kt.secret.global.huggingface created (namespace {default_ns})"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("secret/kt.secret.global.huggingface created (namespace other)"),
        "{}",
        r.stderr
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(CANARY);
    assert!(
        !r.stdout.contains(CANARY) && !r.stdout.contains(&b64),
        "{}",
        r.stdout
    );
    let docs = r.docs();
    assert_eq!(
        docs.iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Job", "Job"]
    );
    for ns in [default_ns.as_str(), "other"] {
        let api: Api<KubeSecret> = Api::namespaced(cluster.server.backend(), ns);
        let s = cluster
            .block_on(api.get_opt("kt.secret.global.huggingface"))
            .unwrap();
        assert!(s.is_some(), "created in {ns}");
    }
    kubectl_accepts(&cluster, &r.stdout);
    // A second run changes nothing and prints the same.
    let again = run(cluster
        .kt(&home)
        .args(["inject", "--secret", "huggingface"])
        .write_stdin(stream))
    .ok();
    assert!(again.stderr.contains("unchanged"), "{}", again.stderr);
    assert_eq!(again.stdout, r.stdout);
}

#[test]
fn render_kinds_and_no_secrets_without_dry_run() {
    let cluster = Cluster::start();
    let home = home();
    for kind in ["job", "deployment"] {
        let r = run(kt(&home).args([
            "render",
            "--secret",
            "huggingface",
            "--dry-run",
            "--kind",
            kind,
        ]))
        .ok();
        let list: Value = serde_saphyr::from_str(&r.stdout).unwrap();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items[0]["kind"], "Secret");
        let w = &items[1];
        assert_eq!(w["kind"].as_str().unwrap().to_lowercase(), kind);
        assert_eq!(
            w["spec"]["template"]["spec"]["containers"][0]["env"][0]["name"],
            "HF_TOKEN"
        );
        kubectl_accepts(&cluster, &r.stdout);
    }
    let r =
        run(cluster
            .kt(&home)
            .args(["render", "--secret", "huggingface", "--kind", "deployment"]))
        .ok();
    let list: Value = serde_saphyr::from_str(&r.stdout).unwrap();
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Deployment"]);
    assert!(r.stderr.contains("created"), "{}", r.stderr);
}
