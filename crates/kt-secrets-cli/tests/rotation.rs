//! `kt-secrets status` and `kt-secrets sync` (with `--dry-run`, `--rollout` and faults
//! mid-sync) through the built binary against the loopback API server. A rotated key is a
//! canary: it never reaches stdout or stderr.

mod common;

use std::process::Output;

use common::{Cluster, text};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec, Secret as KubeSecret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::apiserver::Fault;
use kube::Api;
use kube::api::PostParams;
use serde_json::Value;

const V1: &str = "sk-canary-rotation-v1-7c3e";
const V2: &str = "sk-canary-rotation-v2-91ad";
const V3: &str = "sk-canary-rotation-v3-0b54";
const OBJECT: &str = "kt.secret.global.openai";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out: Output = cmd.output().expect("run kt-secrets");
    let (stdout, stderr) = text(&out);
    for canary in [V1, V2, V3, "env-file-canary-1", "env-file-canary-2"] {
        assert!(
            !stdout.contains(canary) && !stderr.contains(canary),
            "a value was printed:\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    }
    Run {
        code: out.status.code().expect("exited"),
        stdout,
        stderr,
    }
}

impl Run {
    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stderr:\n{}\nstdout:\n{}",
            self.stderr, self.stdout
        );
        self
    }
}

fn home(key: &str, env_file_value: &str) -> FixtureHome {
    FixtureHome::new()
        .env("OPENAI_API_KEY", key)
        .file("app.env", format!("DB_PASSWORD={env_file_value}\n"))
}

fn stored_key(cluster: &Cluster) -> Vec<u8> {
    let api: Api<KubeSecret> = Api::namespaced(cluster.server.backend(), cluster.namespace());
    let obj = cluster.block_on(api.get(OBJECT)).unwrap();
    obj.data.unwrap()["OPENAI_API_KEY"].0.clone()
}

/// The pod `kt-secrets render` prints for the openai secret, as a template.
fn rendered_template(cluster: &Cluster, home: &FixtureHome) -> PodTemplateSpec {
    let r = run(cluster.kt(home).args([
        "render", "--secret", "openai", "--name", "web", "-o", "json",
    ]))
    .ok();
    let list: Value = serde_json::from_str(&r.stdout).unwrap();
    let pod = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "Pod")
        .unwrap();
    let pod: Pod = serde_json::from_value(pod.clone()).unwrap();
    PodTemplateSpec {
        metadata: Some(pod.metadata),
        spec: pod.spec,
    }
}

fn seed_workloads(cluster: &Cluster, t: PodTemplateSpec) {
    let ns = cluster.namespace();
    let backend = cluster.server.backend();
    let mut labels = t
        .metadata
        .clone()
        .unwrap_or_default()
        .labels
        .unwrap_or_default();
    labels.insert("app".into(), "web".into());
    let mut t = t;
    if let Some(m) = t.metadata.as_mut() {
        m.labels = Some(labels.clone());
        m.name = None;
        m.namespace = None;
    }
    let mut d = Deployment {
        spec: Some(DeploymentSpec {
            selector: LabelSelector {
                match_labels: Some(labels),
                ..Default::default()
            },
            template: t.clone(),
            ..Default::default()
        }),
        ..Default::default()
    };
    d.metadata.name = Some("web".into());
    cluster
        .block_on(
            Api::<Deployment>::namespaced(backend.clone(), ns).create(&PostParams::default(), &d),
        )
        .unwrap();
    let mut p = Pod {
        metadata: t.metadata.clone().unwrap_or_default(),
        spec: t.spec.clone(),
        status: None,
    };
    p.metadata.name = Some("solo".into());
    cluster
        .block_on(Api::<Pod>::namespaced(backend, ns).create(&PostParams::default(), &p))
        .unwrap();
}

fn status_json(cluster: &Cluster, home: &FixtureHome) -> Vec<Value> {
    let r = run(cluster.kt(home).args(["status", "-o", "json"])).ok();
    serde_json::from_str::<Value>(&r.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn entry<'a>(entries: &'a [Value], name: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {entries:?}"))
}

#[test]
fn status_and_sync_follow_a_rotated_key_to_the_workloads() {
    let cluster = Cluster::start();
    let v1 = home(V1, "env-file-canary-1");
    run(cluster.kt(&v1).args(["create", "--provider", "openai"])).ok();
    run(cluster
        .kt(&v1)
        .args(["create", "lit", "--from-literal", "A=literal-value"]))
    .ok();
    let env_file = v1.path("app.env");
    run(cluster
        .kt(&v1)
        .args(["create", "app", "--from-env-file"])
        .arg(&env_file))
    .ok();
    seed_workloads(&cluster, rendered_template(&cluster, &v1));

    // Everything current.
    let r = run(cluster.kt(&v1).arg("status")).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "PROVIDER", "LOCAL", "AGE", "WORKLOADS"],
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\x1b'), "no colour off a terminal");
    let row = |name: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row {name}:\n{}", r.stdout))
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(row("openai")[..3], ["openai", "openai", "same"]);
    assert_eq!(row("openai")[4], "deployment/web");
    assert_eq!(row("lit")[..3], ["lit", "-", "n/a"]);
    assert_eq!(row("app")[..3], ["app", "-", "same"]);
    assert!(r.stdout.contains("\n  ") || r.stdout.contains("pod/solo"));
    let all = status_json(&cluster, &v1);
    let openai = entry(&all, "openai");
    assert_eq!(openai["local"], "same");
    assert!(openai["age_s"].as_i64().is_some());
    assert_eq!(
        openai["workloads"],
        serde_json::json!([
            {"kind": "Deployment", "namespace": cluster.namespace(), "name": "web", "stale": false},
            {"kind": "Pod", "namespace": cluster.namespace(), "name": "solo", "stale": false},
        ])
    );
    assert_eq!(entry(&all, "lit")["local"], "n/a");

    // The key rotates, and so does the env file.
    let v2 = home(V2, "env-file-canary-2");
    std::fs::write(&env_file, "DB_PASSWORD=env-file-canary-2\n").unwrap();
    let all = status_json(&cluster, &v2);
    assert_eq!(entry(&all, "openai")["local"], "changed");
    assert_eq!(entry(&all, "app")["local"], "changed");
    std::fs::remove_file(&env_file).unwrap();
    assert_eq!(entry(&status_json(&cluster, &v2), "app")["local"], "absent");
    let r = run(cluster
        .kt(&v2)
        .args(["status", "--provider", "openai", "-o", "json"]))
    .ok();
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A dry run says what would change and writes nothing.
    cluster.server.clear_requests();
    let r = run(cluster.kt(&v2).args(["sync", "--dry-run", "--rollout"])).ok();
    assert!(
        r.stdout.contains(&format!(
            "secret/{OBJECT} would update (changed keys: OPENAI_API_KEY)"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("deployment/web would restart"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("dry run: nothing was written"));
    assert!(cluster.server.requests().iter().all(|q| q.method == "GET"));
    assert_eq!(stored_key(&cluster), V1.as_bytes());

    // Sync without --rollout: the secret is updated, the workloads are reported stale.
    let r = run(cluster.kt(&v2).arg("sync")).ok();
    let out: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        out,
        [
            format!("secret/{OBJECT} updated (changed keys: OPENAI_API_KEY)").as_str(),
            &format!("deployment/web stale: run with --rollout to restart it (reads {OBJECT})"),
            &format!(
                "pod/solo stale: a bare Pod cannot be rolled; delete and recreate it (reads {OBJECT})"
            ),
            "1 secrets: 1 updated, 0 unchanged, 0 without local credentials, 0 failed; \
             workloads: 0 rolled out, 1 stale, 1 need a restart, 0 failed",
        ],
        "{}",
        r.stdout
    );
    assert_eq!(stored_key(&cluster), V2.as_bytes());
    let all = status_json(&cluster, &v2);
    assert_eq!(entry(&all, "openai")["local"], "same");
    assert_eq!(entry(&all, "openai")["workloads"][0]["stale"], true);

    // Nothing changed and no rollout: one request, the list.
    cluster.server.clear_requests();
    let r = run(cluster.kt(&v2).arg("sync")).ok();
    assert!(r.stdout.contains(&format!("secret/{OBJECT} unchanged")));
    assert_eq!(
        cluster.server.requests().len(),
        1,
        "{:?}",
        cluster.server.requests()
    );

    // --rollout rolls what was left stale.
    let r = run(cluster.kt(&v2).args(["sync", "--rollout"])).ok();
    assert!(
        r.stdout
            .contains(&format!("deployment/web restarted (reads {OBJECT})")),
        "{}",
        r.stdout
    );
    let all = status_json(&cluster, &v2);
    let w = &entry(&all, "openai")["workloads"];
    assert_eq!(
        (w[0]["name"].as_str(), w[0]["stale"].as_bool()),
        (Some("web"), Some(false))
    );
    assert_eq!(
        (w[1]["name"].as_str(), w[1]["stale"].as_bool()),
        (Some("solo"), Some(true))
    );

    // A provider that finds nothing leaves its secret alone.
    let none = FixtureHome::new();
    let r = run(cluster.kt(&none).arg("sync")).ok();
    assert!(
        r.stdout
            .contains("skipped: provider openai finds no credentials here"),
        "{}",
        r.stdout
    );
    assert_eq!(stored_key(&cluster), V2.as_bytes());

    // Which rotations reach running pods: per provider, and per key of a stored secret.
    let r = run(cluster.kt(&v2).args(["providers", "-o", "json"])).ok();
    let providers: Value = serde_json::from_str(&r.stdout).unwrap();
    let rotation = |name: &str| {
        providers
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["rotation"]
            .clone()
    };
    assert_eq!(rotation("kubeconfig"), "live");
    assert_eq!(rotation("aws"), "partial");
    assert_eq!(rotation("openai"), "rollout");
    let r = run(cluster.kt(&v2).arg("providers")).ok();
    assert!(r.stdout.lines().next().unwrap().contains("ROTATION"));
    let r = run(cluster.kt(&v2).args(["describe", "openai"])).ok();
    assert!(
        r.stdout.contains(
            "Rotation:   a change reaches running pods only after `kt-secrets sync --rollout`"
        ),
        "{}",
        r.stdout
    );
    let key_row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("OPENAI_API_KEY"))
        .unwrap();
    assert!(key_row.contains("--rollout"), "{key_row}");

    // Unknown provider: a usage error naming it.
    let r = run(cluster.kt(&v2).args(["sync", "--provider", "no-such"]));
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("no-such"), "{}", r.stderr);
}

#[test]
fn a_sync_that_fails_mid_way_reports_it_and_writes_nothing_half() {
    let cluster = Cluster::start();
    let v1 = home(V1, "x");
    run(cluster.kt(&v1).args(["create", "--provider", "openai"])).ok();
    seed_workloads(&cluster, rendered_template(&cluster, &v1));
    // Every write of the secret fails, beyond the retries.
    cluster
        .server
        .inject(Fault::status(500).method("PUT").path_contains(OBJECT));
    let v3 = home(V3, "x");
    let r = run(cluster.kt(&v3).args(["sync", "--rollout"]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with(&format!("secret/{OBJECT} failed: ")) && l.contains("500")),
        "{}",
        r.stdout
    );
    // A failed secret's readers are not rolled: what it holds is not known for sure.
    assert!(
        !r.stdout.contains("deployment/web restarted"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 failed"), "{}", r.stdout);
    let tail: Vec<&str> = r
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("error:"))
        .collect();
    assert_eq!(tail.len(), 1, "{}", r.stderr);
    assert_eq!(stored_key(&cluster), V1.as_bytes(), "the old secret, whole");

    // The answer to a write that landed is lost: the retry sees it, and says updated.
    cluster.server.clear_faults();
    cluster.server.inject(
        Fault::status(500)
            .method("PUT")
            .path_contains(OBJECT)
            .after_forward()
            .times(1),
    );
    let r = run(cluster.kt(&v3).args(["sync", "--rollout"])).ok();
    assert!(
        r.stdout.contains(&format!("secret/{OBJECT} updated")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("deployment/web restarted"),
        "{}",
        r.stdout
    );
    assert_eq!(stored_key(&cluster), V3.as_bytes());

    // The rollout's patch fails: reported, the secret stays updated, and a second run rolls.
    let v2 = home(V2, "x");
    cluster.server.inject(
        Fault::status(500)
            .method("PATCH")
            .path_contains("/deployments/web"),
    );
    let r = run(cluster.kt(&v2).args(["sync", "--rollout"]));
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("deployment/web failed: "), "{}", r.stdout);
    assert_eq!(stored_key(&cluster), V2.as_bytes());
    cluster.server.clear_faults();
    let r = run(cluster.kt(&v2).args(["sync", "--rollout"])).ok();
    assert!(
        r.stdout.contains("deployment/web restarted"),
        "{}",
        r.stdout
    );
}
