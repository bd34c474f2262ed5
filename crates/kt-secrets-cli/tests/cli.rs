//! The built `kt-secrets` binary against the loopback API server: every command and flag,
//! exit codes, error format, and a canary value that never reaches stderr, logs, or stdout
//! other than `describe --show` and the Secret manifests that are printed for
//! `kubectl apply` (where it is base64-encoded, as Kubernetes requires).

mod common;

use std::collections::BTreeMap;
use std::process::Output;

use base64::Engine;
use common::{Cluster, kt, text};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::apiserver::{CONTEXT, Fault};
use kube::api::{Api, PostParams};
use serde_json::Value;

const CANARY: &str = "canary-cli-4f9b2d7e";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A finished command: exit code and what it printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out: Output = cmd.output().expect("run kt-secrets");
    let (stdout, stderr) = text(&out);
    Run {
        code: out.status.code().expect("exited, not killed"),
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
        self.quiet_stderr()
    }

    #[track_caller]
    fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "stderr:\n{}\nstdout:\n{}",
            self.stderr, self.stdout
        );
        // After any logs or a question, one `error:` line, then only its causes.
        let tail: Vec<&str> = self
            .stderr
            .lines()
            .skip_while(|l| !l.starts_with("error:"))
            .collect();
        assert!(!tail.is_empty(), "no `error:` line:\n{}", self.stderr);
        assert!(
            tail[1..].iter().all(|l| l.starts_with("  caused by: ")),
            "after `error:` only `  caused by:` lines:\n{}",
            self.stderr
        );
        self.quiet_stderr()
    }

    /// No value in stderr, in any form.
    #[track_caller]
    fn quiet_stderr(self) -> Run {
        assert!(
            !self.stderr.contains(CANARY) && !self.stderr.contains(&b64(CANARY)),
            "a value reached stderr:\n{}",
            self.stderr
        );
        self
    }

    /// No value in stdout, in any form: everything but `describe --show` and manifests.
    #[track_caller]
    fn quiet(self) -> Run {
        assert!(
            !self.stdout.contains(CANARY) && !self.stdout.contains(&b64(CANARY)),
            "a value reached stdout:\n{}",
            self.stdout
        );
        self.quiet_stderr()
    }

    /// stdout holds manifests: the value appears only base64-encoded, inside `data`.
    #[track_caller]
    fn manifests_only(self) -> Run {
        assert!(
            !self.stdout.contains(CANARY),
            "a plain value reached stdout"
        );
        let mut v: Value = serde_json::from_str(&self.stdout)
            .or_else(|_| serde_saphyr::from_str(&self.stdout))
            .expect("manifests are JSON or YAML");
        strip_data(&mut v);
        assert!(
            !v.to_string().contains(&b64(CANARY)),
            "a value appears outside `data`"
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).expect("JSON on stdout")
    }
}

fn strip_data(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("data");
            m.values_mut().for_each(strip_data);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_data),
        _ => {}
    }
}

fn backend_secret(cluster: &Cluster, ns: &str, name: &str) -> Option<KubeSecret> {
    let api: Api<KubeSecret> = Api::namespaced(cluster.server.backend(), ns);
    cluster.block_on(api.get_opt(name)).unwrap()
}

fn backend_value(cluster: &Cluster, ns: &str, name: &str, key: &str) -> Vec<u8> {
    backend_secret(cluster, ns, name)
        .unwrap_or_else(|| panic!("no secret {ns}/{name}"))
        .data
        .unwrap()[key]
        .0
        .clone()
}

/// A Secret made by another tool (no labels or annotations of ours).
fn foreign_secret(cluster: &Cluster, name: &str, data: &[(&str, &str)]) {
    let api: Api<KubeSecret> = Api::namespaced(cluster.server.backend(), cluster.namespace());
    let obj = KubeSecret {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(cluster.namespace().to_owned()),
            ..Default::default()
        },
        data: Some(
            data.iter()
                .map(|(k, v)| ((*k).to_owned(), ByteString(v.as_bytes().to_vec())))
                .collect::<BTreeMap<_, _>>(),
        ),
        type_: Some("Opaque".to_owned()),
        ..Default::default()
    };
    cluster
        .block_on(api.create(&PostParams::default(), &obj))
        .unwrap();
}

/// Every row of a table has its columns where the header has them.
#[track_caller]
fn assert_aligned(table: &str) {
    let mut lines = table.lines();
    let header = lines.next().expect("a header");
    let starts: Vec<usize> = header
        .match_indices("  ")
        .map(|(i, _)| i)
        .filter_map(|i| {
            let rest = &header[i..];
            let skip = rest.len() - rest.trim_start().len();
            (i + skip < header.len()).then_some(i + skip)
        })
        .collect();
    for line in lines {
        for &s in &starts {
            if line.len() > s {
                let before = &line.as_bytes()[..s];
                assert!(
                    before.ends_with(b" "),
                    "column at {s} not aligned in {line:?} (header {header:?})"
                );
            }
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let home = FixtureHome::new();
    let r = run(kt(&home).arg("--help")).ok();
    for c in [
        "providers",
        "create",
        "list",
        "describe",
        "delete",
        "render",
    ] {
        assert!(r.stdout.contains(c), "{c} missing from --help");
        run(kt(&home).args([c, "--help"])).ok();
    }
    assert!(r.stdout.contains("Exit status"));
    run(kt(&home).arg("--version")).ok();

    let usage: &[&[&str]] = &[
        &["create"],
        &["create", "x", "--env", "A=B", "--from-literal", "C=D"],
        &["create", "--from-literal", "A=b"],
        &["create", "x", "--provider", "openai", "--env", "A=B"],
        &["create", "x", "--env", "NOEQUALS"],
        &["create", "Bad_Name", "--from-literal", "A=b", "--dry-run"],
        &["create", "x", "--provider", "no-such-provider", "--dry-run"],
        &["create", "x", "--from-literal", "A=b", "-o", "xml"],
        &[
            "create",
            "x",
            "--from-literal",
            "A=b",
            "-n",
            "Bad_NS",
            "--dry-run",
        ],
        &["list", "-n", "x", "-A"],
        &["list", "-n", "Bad_NS"],
        &["describe"],
        &["delete"],
        &["delete", "--prefix", ""],
        &["render", "--gpus", "lots"],
        &["render", "--cpus", "lots", "--dry-run"],
        &["render", "--memory", "4GB", "--dry-run"],
        &["render", "--name", "Bad_Pod", "--dry-run"],
        &["render", "--container-home", "relative", "--dry-run"],
        &["render", "--env", "1BAD=x", "--dry-run"],
        &["render", "--secret", "not-a-provider", "--dry-run"],
        &["providers", "-o", "yaml"],
        &["frobnicate"],
    ];
    // No command at all shows the help, on stderr.
    let r = run(&mut kt(&home));
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.is_empty() && r.stderr.contains("Usage: kt-secrets"),
        "{}",
        r.stderr
    );
    for args in usage {
        let r = run(kt(&home).args(*args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("error:"), "{args:?}: {}", r.stderr);
    }

    // A literal without `=` may be a value: it is not repeated.
    let r = run(kt(&home).args(["create", "x", "--from-literal", CANARY])).fails(2);
    assert!(r.stderr.contains("--from-literal number 1"), "{}", r.stderr);
    // A pair given without its flag lands where clap or the NAME check would repeat it.
    let stray = format!("B={CANARY}");
    let r = run(kt(&home).args(["create", "x", "--from-literal", "A=1", &stray])).quiet();
    assert!(
        r.code == 2 && r.stderr.contains("not shown"),
        "{}",
        r.stderr
    );
    let r = run(kt(&home).args(["create", "--from-literal", "A=1", &stray, "--dry-run"])).fails(2);
    assert!(r.stderr.contains("invalid NAME"), "{}", r.stderr);
    let r = run(kt(&home).args(["render", "--secret", "not-a-provider", "--dry-run"])).fails(2);
    assert!(r.stderr.contains("not-a-provider") && r.stderr.contains("not a registered provider"));
    let r = run(kt(&home).args(["render", "--cpus", "lots", "--dry-run"])).fails(2);
    assert!(r.stderr.contains("cpus"), "{}", r.stderr);

    let bad_user = FixtureHome::new().env("KT_USERNAME", "Bad.User");
    let r = run(kt(&bad_user).args(["create", "x", "--from-literal", "A=b", "--dry-run"])).fails(2);
    assert!(r.stderr.contains("KT_USERNAME"), "{}", r.stderr);
}

#[test]
fn runtime_errors_exit_1_with_their_causes() {
    let home = FixtureHome::new();
    // A cause chain: one `error:` line, then one `caused by:` line per cause.
    let bad = home.path("bad.env");
    std::fs::write(&bad, format!("A=1\n{CANARY}\n")).unwrap();
    let r = run(kt(&home)
        .args(["create", "x", "--from-env-file"])
        .arg(&bad)
        .arg("--dry-run"))
    .fails(1);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(lines[0].starts_with("error: cannot parse env file") && lines[0].contains("bad.env"));
    assert!(lines[1].starts_with("  caused by: line 2"), "{}", r.stderr);

    let r = run(kt(&home)
        .args(["create", "x", "--from-env-file"])
        .arg(home.path("missing.env"))
        .arg("--dry-run"))
    .fails(1);
    assert!(r.stderr.contains("missing.env"), "{}", r.stderr);

    let r = run(kt(&home).args([
        "create",
        "x",
        "--env",
        "API_KEY=UNSET_LOCAL_VAR",
        "--dry-run",
    ]))
    .fails(1);
    assert!(r.stderr.contains("UNSET_LOCAL_VAR"), "{}", r.stderr);
    // A value where the local var's name goes (`docker run -e` style) is not repeated; it is
    // what was typed, so a usage error.
    let r = run(kt(&home).args([
        "create",
        "x",
        "--env",
        &format!("API_KEY={CANARY}"),
        "--dry-run",
    ]))
    .fails(2);
    assert!(r.stderr.contains("key API_KEY"), "{}", r.stderr);

    let r = run(kt(&home).args(["--kubeconfig", "/nonexistent/kubeconfig", "list"])).fails(1);
    assert!(r.stderr.contains("/nonexistent/kubeconfig"), "{}", r.stderr);

    let cluster = Cluster::start();
    run(cluster.kt(&home).args(["--context", CONTEXT, "list"])).ok();
    let r = run(cluster.kt(&home).args(["--context", "nope", "list"])).fails(1);
    assert!(r.stderr.contains("nope"), "{}", r.stderr);

    cluster
        .server
        .inject(Fault::status(403).path_contains("/secrets"));
    let r = run(cluster.kt(&home).arg("list")).fails(1);
    assert!(
        r.stderr.contains("403") && r.stderr.contains(cluster.namespace()),
        "{}",
        r.stderr
    );
    cluster.server.clear_faults();

    cluster.server.stop();
    let r = run(cluster
        .kt(&home)
        .args(["create", "x", "--from-literal", &format!("K={CANARY}")]))
    .fails(1);
    assert!(r.stderr.contains("cannot reach"), "{}", r.stderr);
}

#[test]
fn providers_lists_builtins_and_plugins() {
    let home = FixtureHome::new();
    let r = run(kt(&home).arg("providers")).ok().quiet();
    assert!(r.stdout.starts_with("NAME"), "{}", r.stdout);
    assert_aligned(&r.stdout);
    for p in kt_secrets::ENABLED_PROVIDERS {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(&format!("{p} "))),
            "{p} missing:\n{}",
            r.stdout
        );
    }

    let r = run(kt(&home).args(["providers", "-o", "json"])).ok();
    let v = r.json();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in kt_secrets::ENABLED_PROVIDERS {
        assert!(names.contains(p), "{p} missing from {names:?}");
    }
    let ssh = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ssh")
        .unwrap();
    assert_eq!(ssh["origin"]["type"], "builtin");
    assert!(!ssh["sources"].as_array().unwrap().is_empty());
    assert!(ssh["targets"].to_string().contains("~/.ssh/id_rsa"));

    // A plugin directory that cannot be read is a warning; the built-in providers still work.
    let broken = FixtureHome::new().env("KT_SECRETS_PLUGIN_PATH", "/nonexistent/kt-plugins");
    let r = run(kt(&broken).args(["providers", "-o", "json"])).ok();
    assert!(
        r.stderr.starts_with("warning:") && r.stderr.contains("/nonexistent/kt-plugins"),
        "{}",
        r.stderr
    );
    assert!(r.json().as_array().unwrap().len() >= kt_secrets::ENABLED_PROVIDERS.len());

    // A real plugin is listed and usable like a built-in provider.
    let lib = kt_secrets_testkit::plugins::build_cdylib("kt-provider-example-plugin");
    let home = FixtureHome::new()
        .file(".config/envdir/DEMO_TOKEN", format!("{CANARY}\n"))
        .canary(CANARY);
    common::install_plugin(&lib, &home.path(".config/kt-secrets/plugins"));
    let r = run(kt(&home).args(["providers", "-o", "json"])).ok();
    let envdir = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "envdir")
        .cloned()
        .unwrap_or_else(|| panic!("plugin not listed: {}", r.stdout));
    assert_eq!(envdir["origin"]["type"], "plugin");
    let r = run(kt(&home).arg("providers")).ok();
    assert!(
        r.stdout.contains("envdir") && r.stdout.contains("plugin "),
        "{}",
        r.stdout
    );
    let r = run(kt(&home).args(["render", "--secret", "envdir", "--dry-run", "-o", "json"]))
        .ok()
        .manifests_only();
    assert!(r.stdout.contains(&b64(CANARY)));

    // The same through KT_SECRETS_PLUGIN_PATH, with nothing in the default directory.
    let elsewhere = FixtureHome::new()
        .file(".config/envdir/DEMO_TOKEN", format!("{CANARY}\n"))
        .canary(CANARY);
    let installed = common::install_plugin(&lib, &elsewhere.path("opt/kt-plugins"));
    let elsewhere = elsewhere.env_path("KT_SECRETS_PLUGIN_PATH", "opt/kt-plugins");
    let r = run(kt(&elsewhere).arg("providers")).ok();
    assert!(
        r.stdout
            .contains(&format!("plugin {}", installed.display())),
        "{}",
        r.stdout
    );
    let r = run(kt(&elsewhere).args(["render", "--secret", "envdir", "--dry-run", "-o", "json"]))
        .ok()
        .manifests_only();
    assert!(r.stdout.contains(&b64(CANARY)));
}

#[test]
fn create_dry_run_contacts_no_cluster() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    let r = run(cluster.kt(&home).args([
        "create",
        "demo",
        "--from-literal",
        &format!("API_KEY={CANARY}"),
        "--dry-run",
    ]))
    .ok()
    .manifests_only();
    assert!(r.stdout.starts_with("apiVersion: v1\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains("name: kt.secret.global.demo"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&b64(CANARY)));

    let r = run(cluster.kt(&home).args([
        "create",
        "demo",
        "--from-literal",
        &format!("API_KEY={CANARY}"),
        "--dry-run",
        "-o",
        "json",
        "-n",
        "team",
        "--override",
    ]))
    .ok()
    .manifests_only();
    assert!(
        r.stdout.starts_with("{\n    \"apiVersion\": \"v1\","),
        "{}",
        r.stdout
    );
    let v = r.json();
    assert_eq!(v["kind"], "Secret");
    assert_eq!(v["metadata"]["namespace"], "team");
    assert_eq!(
        v["metadata"]["annotations"]["kubetorch.com/override"],
        "True"
    );
    assert_eq!(v["data"]["API_KEY"], b64(CANARY));

    let alice = FixtureHome::new().env("KT_USERNAME", "alice");
    let r = run(cluster.kt(&alice).args([
        "create",
        "demo",
        "--from-literal",
        "A=1",
        "--dry-run",
        "-o",
        "json",
    ]))
    .ok();
    let v = r.json();
    assert_eq!(v["metadata"]["name"], "kt.secret.alice.demo");
    assert_eq!(v["metadata"]["labels"]["kubetorch.com/username"], "alice");

    // The example the repository ships.
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo.env");
    let r = run(kt(&home).args([
        "create",
        "demo",
        "--from-env-file",
        demo,
        "--dry-run",
        "-o",
        "json",
    ]))
    .ok();
    let keys: Vec<String> = r.json()["data"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["DEMO_API_KEY", "DEMO_DB_PASSWORD", "DEMO_GREETING"]);

    // Nothing was sent, and no kubeconfig is needed.
    assert!(
        cluster.server.requests().is_empty(),
        "{:?}",
        cluster.server.requests()
    );
    run(kt(&home).args([
        "--kubeconfig",
        "/nonexistent/kc",
        "create",
        "x",
        "--from-literal",
        "A=1",
        "--dry-run",
    ]))
    .ok();
}

#[test]
fn create_applies_with_the_override_rule() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    let ns = cluster.namespace().to_owned();
    let create = |value: &str, extra: &[&str]| {
        run(cluster
            .kt(&home)
            .args([
                "create",
                "app",
                "--from-literal",
                &format!("API_KEY={value}"),
            ])
            .args(extra))
    };
    let r = create(CANARY, &[]).ok().quiet();
    assert_eq!(r.stdout, "secret/kt.secret.global.app created\n");
    assert_eq!(
        backend_value(&cluster, &ns, "kt.secret.global.app", "API_KEY"),
        CANARY.as_bytes()
    );
    let r = create(CANARY, &[]).ok().quiet();
    assert_eq!(r.stdout, "secret/kt.secret.global.app unchanged\n");

    let r = create("another-value", &[]).fails(1);
    assert!(
        r.stderr.contains("API_KEY") && r.stderr.contains("override"),
        "{}",
        r.stderr
    );
    assert_eq!(
        backend_value(&cluster, &ns, "kt.secret.global.app", "API_KEY"),
        CANARY.as_bytes()
    );

    let r = create("another-value", &["--override"]).ok();
    assert_eq!(r.stdout, "secret/kt.secret.global.app replaced\n");
    assert_eq!(
        backend_value(&cluster, &ns, "kt.secret.global.app", "API_KEY"),
        b"another-value"
    );

    let r = create(CANARY, &["--override", "-o", "json"])
        .ok()
        .manifests_only();
    assert_eq!(r.json()["metadata"]["namespace"], ns.as_str());

    run(cluster
        .kt(&home)
        .args(["create", "app", "--from-literal", "K=v", "-n", "other"]))
    .ok();
    assert!(backend_secret(&cluster, "other", "kt.secret.global.app").is_some());
}

#[test]
fn create_from_every_source() {
    let cluster = Cluster::start();
    let pem = format!("-----BEGIN KEY-----\n{CANARY}\n-----END KEY-----");
    let home = FixtureHome::new()
        .env("LOCAL_API_KEY_VAR", CANARY)
        .env("OPENAI_API_KEY", CANARY)
        .file_mode(".ssh/id_ed25519", format!("{CANARY}-ssh"), 0o600)
        .file_mode("elsewhere/id_rsa", format!("{CANARY}-rsa"), 0o600)
        .file("app/config.json", format!("{{\"token\": \"{CANARY}\"}}"))
        .file(
            "app.env",
            format!("# settings\nexport PLAIN={CANARY}\nSINGLE='a $NOT_EXPANDED'\nPEM=\"{pem}\"\n"),
        );
    let ns = cluster.namespace().to_owned();
    let kt = || cluster.kt(&home);

    run(kt().args(["create", "my-api-key", "--env", "API_KEY=LOCAL_API_KEY_VAR"]))
        .ok()
        .quiet();
    assert_eq!(
        backend_value(&cluster, &ns, "kt.secret.global.my-api-key", "API_KEY"),
        CANARY.as_bytes()
    );

    let r = run(kt().args(["create", "--provider", "openai"]))
        .ok()
        .quiet();
    assert_eq!(r.stdout, "secret/kt.secret.global.openai created\n");
    let obj = backend_secret(&cluster, &ns, "kt.secret.global.openai").unwrap();
    assert_eq!(
        obj.metadata.labels.unwrap()["kubetorch.com/provider"],
        "openai"
    );

    run(kt().args(["create", "--provider", "ssh"])).ok().quiet();
    let r = run(kt().args(["describe", "ssh"])).ok().quiet();
    assert!(
        r.stdout.contains("file ~/.ssh/id_ed25519 (0400)"),
        "{}",
        r.stdout
    );

    // A provider reading another directory than its default.
    run(kt()
        .args(["create", "ssh-other", "--provider", "ssh", "--path"])
        .arg(home.path("elsewhere")))
    .ok()
    .quiet();
    let r = run(kt().args(["describe", "ssh-other"])).ok().quiet();
    assert!(
        r.stdout.contains("id_rsa") && !r.stdout.contains("id_ed25519"),
        "{}",
        r.stdout
    );

    run(kt()
        .args(["create", "cfg", "--path"])
        .arg(home.path("app/config.json")))
    .ok()
    .quiet();
    let r = run(kt().args(["describe", "cfg"])).ok().quiet();
    assert!(
        r.stdout.contains("file /secrets/cfg/config.json"),
        "{}",
        r.stdout
    );
    // A path that is no provider's directory needs a name.
    run(kt().arg("create").arg("--path").arg(home.path("app"))).fails(2);

    run(kt()
        .args([
            "create",
            "env-file",
            "--from-literal",
            "EXTRA=1",
            "--from-env-file",
        ])
        .arg(home.path("app.env")))
    .ok()
    .quiet();
    let obj = "kt.secret.global.env-file";
    assert_eq!(
        backend_value(&cluster, &ns, obj, "PLAIN"),
        CANARY.as_bytes()
    );
    assert_eq!(
        backend_value(&cluster, &ns, obj, "SINGLE"),
        b"a $NOT_EXPANDED"
    );
    assert_eq!(backend_value(&cluster, &ns, obj, "PEM"), pem.as_bytes());
    assert_eq!(backend_value(&cluster, &ns, obj, "EXTRA"), b"1");
    let r = run(kt().args(["describe", "env-file"])).ok().quiet();
    let env_file = home.path("app.env").display().to_string();
    let line = |key: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no row for {key}:\n{}", r.stdout))
            .to_owned()
    };
    assert!(
        line("PLAIN").ends_with(&format!("file {env_file}")),
        "{}",
        r.stdout
    );
    assert!(line("EXTRA").ends_with("literal value"), "{}", r.stdout);
    let r = run(kt()
        .args([
            "create",
            "dup",
            "--from-literal",
            "PLAIN=1",
            "--from-env-file",
        ])
        .arg(home.path("app.env")))
    .fails(2);
    assert!(r.stderr.contains("key PLAIN"), "{}", r.stderr);

    let r = run(kt().args(["describe", "env-file", "--show"])).ok();
    assert!(
        r.stdout.contains(&format!(
            "PEM: |\n  -----BEGIN KEY-----\n  {CANARY}\n  -----END KEY-----\n"
        )),
        "{}",
        r.stdout
    );

    let r = run(kt().args(["create", "x", "--provider", "nope"])).fails(2);
    assert!(
        r.stderr.contains("nope") && r.stderr.contains("openai"),
        "{}",
        r.stderr
    );
}

#[test]
fn list_filters_and_formats() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    let kt = || cluster.kt(&home);
    for name in ["app1", "app2"] {
        run(kt().args([
            "create",
            name,
            "--from-literal",
            &format!("API_KEY={CANARY}"),
        ]))
        .ok();
    }
    run(kt().args(["create", "far", "--from-literal", "K=v", "-n", "other"])).ok();
    foreign_secret(&cluster, "db-creds", &[("DB_PASSWORD", CANARY)]);

    let r = run(kt().arg("list")).ok().quiet();
    assert!(r.stdout.starts_with("NAME "), "{}", r.stdout);
    assert_aligned(&r.stdout);
    for n in ["app1", "app2", "db-creds", "kt.secret.global.app1"] {
        assert!(r.stdout.contains(n), "{n}:\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("far"));

    let r = run(kt().args(["list", "-A"])).ok().quiet();
    assert!(r.stdout.starts_with("NAMESPACE "), "{}", r.stdout);
    assert_aligned(&r.stdout);
    assert!(
        r.stdout.contains("other ") && r.stdout.contains("far"),
        "{}",
        r.stdout
    );

    let r = run(kt().args(["list", "--prefix", "app"])).ok().quiet();
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);

    let r = run(kt().args(["list", "-n", "other"])).ok().quiet();
    assert!(
        r.stdout.contains("far") && !r.stdout.contains("app1"),
        "{}",
        r.stdout
    );

    let r = run(kt().args(["list", "-o", "json"])).ok().quiet();
    let v = r.json();
    assert_eq!(
        (v["apiVersion"].as_str(), v["kind"].as_str()),
        (Some("v1"), Some("List"))
    );
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for i in items {
        assert_eq!(i["kind"], "Secret");
        assert!(i.get("data").is_none(), "{i}");
    }
    assert_eq!(items[0]["metadata"]["name"], "db-creds");

    let r = run(kt().args(["list", "-A", "--prefix", "far", "-o", "yaml"]))
        .ok()
        .quiet();
    let v: Value = serde_saphyr::from_str(&r.stdout).unwrap();
    assert_eq!(v["items"][0]["metadata"]["namespace"], "other");
    assert_eq!(v["items"].as_array().unwrap().len(), 1);

    let r = run(kt().args(["describe", "far", "-n", "other"]))
        .ok()
        .quiet();
    assert!(r.stdout.contains("Namespace:  other\n"), "{}", r.stdout);

    let r = run(kt().args(["list", "-n", "empty"])).ok();
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "No secrets found in namespace empty.\n");
}

#[test]
fn describe_shows_values_only_with_show() {
    let cluster = Cluster::start();
    let home = FixtureHome::new()
        .env("LOCAL_API_KEY_VAR", CANARY)
        .file_mode("blob.bin", [0u8, 159, 146, 150, 255], 0o600);
    let kt = || cluster.kt(&home);
    run(kt().args(["create", "my-api-key", "--env", "API_KEY=LOCAL_API_KEY_VAR"])).ok();

    let r = run(kt().args(["describe", "my-api-key"])).ok().quiet();
    for want in [
        "Name:       my-api-key",
        "Object:     secret/kt.secret.global.my-api-key",
        "Provider:   <none>",
        "API_KEY",
        &format!("{} bytes", CANARY.len()),
        "env API_KEY",
        "env LOCAL_API_KEY_VAR",
    ] {
        assert!(r.stdout.contains(want), "{want:?} missing:\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("Values:"));

    let r = run(kt().args(["describe", "kt.secret.global.my-api-key", "--show"])).ok();
    assert!(
        r.stdout.contains(&format!("API_KEY: {CANARY}\n")),
        "{}",
        r.stdout
    );

    foreign_secret(
        &cluster,
        "db-creds",
        &[("DB_PASSWORD", CANARY), ("ca.crt", "x")],
    );
    let r = run(kt().args(["describe", "db-creds"])).ok().quiet();
    assert!(
        r.stdout.contains("Object:     secret/db-creds"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("file /secrets/db-creds/ca.crt (0644)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "Kubernetes secret {}/db-creds",
            cluster.namespace()
        )),
        "{}",
        r.stdout
    );

    run(kt()
        .args(["create", "blob", "--path"])
        .arg(home.path("blob.bin")))
    .ok();
    let r = run(kt().args(["describe", "blob", "--show"])).ok();
    assert!(
        r.stdout.contains("blob.bin (binary, base64): AJ+Slv8="),
        "{}",
        r.stdout
    );

    // Env vars and files: one secret in two objects (kt_secrets::kube::pair), under either name.
    run(kt().args([
        "create",
        "mixed",
        "--from-literal",
        "API_TOKEN=t",
        "--from-literal",
        "ca.pem=c",
    ]))
    .ok();
    for name in ["mixed", "kt.secret.global.mixed-env"] {
        let r = run(kt().args(["describe", name])).ok().quiet();
        for want in [
            "Object:     secret/kt.secret.global.mixed (files), \
             secret/kt.secret.global.mixed-env (env vars)",
            "2 keys",
        ] {
            assert!(r.stdout.contains(want), "{want:?} missing:\n{}", r.stdout);
        }
    }

    let r = run(kt().args(["describe", "missing"])).fails(1);
    assert!(
        r.stderr.contains("missing") && r.stderr.contains("not found"),
        "{}",
        r.stderr
    );
}

#[test]
fn delete_asks_first() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    let ns = cluster.namespace().to_owned();
    let kt = || cluster.kt(&home);
    for name in ["a", "b", "c", "app1", "app2"] {
        run(kt().args(["create", name, "--from-literal", &format!("K={CANARY}")])).ok();
    }
    foreign_secret(&cluster, "app-foreign", &[("K", "v")]);
    let exists = |obj: &str| backend_secret(&cluster, &ns, obj).is_some();

    let r = run(kt().args(["delete", "a"]).write_stdin("n\n")).fails(1);
    assert!(
        r.stderr
            .contains(&format!("Delete a in namespace {ns}? [y/N]")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was deleted"), "{}", r.stderr);
    assert!(exists("kt.secret.global.a"));
    run(kt().args(["delete", "a"]).write_stdin("")).fails(1);
    assert!(exists("kt.secret.global.a"));

    let r = run(kt().args(["delete", "a"]).write_stdin("y\n"))
        .ok()
        .quiet();
    assert_eq!(r.stdout, "secret/kt.secret.global.a deleted\n");
    assert!(!exists("kt.secret.global.a"));
    let r = run(kt().args(["delete", "a", "-y"])).ok();
    assert!(
        r.stdout.contains("not found") && r.stdout.contains("nothing to delete"),
        "{}",
        r.stdout
    );

    let r = run(kt().args(["delete", "b", "c", "-y"])).ok();
    assert_eq!(
        r.stdout,
        "secret/kt.secret.global.b deleted\nsecret/kt.secret.global.c deleted\n"
    );

    cluster.server.clear_requests();
    let r = run(kt()
        .args(["delete", "--prefix", "app"])
        .write_stdin("yes\n"))
    .ok()
    .quiet();
    // Listed once: what was confirmed is what was deleted.
    let methods: Vec<String> = cluster
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/secrets"))
        .map(|r| r.method)
        .collect();
    assert_eq!(methods, ["GET", "DELETE", "DELETE"], "{methods:?}");
    assert!(
        r.stderr.contains("Delete app1, app2 in namespace"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("secret/kt.secret.global.app1 deleted"),
        "{}",
        r.stdout
    );
    assert!(!exists("kt.secret.global.app1") && !exists("kt.secret.global.app2"));
    // Another tool's secret is never deleted by prefix.
    assert!(exists("app-foreign"));

    let r = run(kt().args(["delete", "--prefix", "zzz"])).ok();
    assert!(r.stdout.contains("no secrets"), "{}", r.stdout);
    run(kt().args(["delete", "app-foreign", "-y", "-n", &ns])).ok();
    assert!(!exists("app-foreign"));
}

#[test]
fn render_applies_then_prints_the_list() {
    let cluster = Cluster::start();
    let home = FixtureHome::new().env("OPENAI_API_KEY", CANARY).file_mode(
        ".ssh/id_rsa",
        format!("{CANARY}-ssh"),
        0o600,
    );
    let ns = cluster.namespace().to_owned();
    foreign_secret(&cluster, "db-creds", &[("DB_PASSWORD", CANARY)]);
    let render = |extra: &[&str]| {
        run(cluster
            .kt(&home)
            .args(["render", "--secret", "openai", "--secret", "db-creds"])
            .args([
                "--image", "train:1", "--cpus", "2", "--memory", "4Gi", "--gpus", "1",
            ])
            .args(["--env", "HF_HOME=/cache/huggingface", "--name", "train"])
            .args(extra))
    };
    let r = render(&[]).ok().manifests_only();
    assert_eq!(r.stderr, "secret/kt.secret.global.openai created\n");
    assert!(backend_secret(&cluster, &ns, "kt.secret.global.openai").is_some());
    // The Secret is in the cluster; only the pod is printed.
    assert!(!r.stdout.contains("kind: Secret"), "{}", r.stdout);
    common::assert_kubectl_accepts(&cluster, &r.stdout, &[("Pod", "train")]);

    let r = render(&["-o", "json", "-n", &ns]).ok().manifests_only();
    assert_eq!(r.stderr, "secret/kt.secret.global.openai unchanged\n");

    let v = r.json();
    let items = v["items"].as_array().unwrap();
    // The secrets, created or existing, are referred to, not printed.
    assert_eq!(items.len(), 1);
    let pod = &items[0];
    assert_eq!(pod["metadata"]["namespace"], ns.as_str());
    let c = &pod["spec"]["containers"][0];
    assert_eq!(c["image"], "train:1");
    assert_eq!(c["resources"]["requests"]["cpu"], "2");
    assert_eq!(c["resources"]["requests"]["memory"], "4Gi");
    assert_eq!(c["resources"]["limits"]["nvidia.com/gpu"], "1");
    let env = c["env"].to_string();
    assert!(
        env.contains("\"HF_HOME\"") && env.contains("/cache/huggingface"),
        "{env}"
    );
    assert!(env.contains("\"name\":\"db-creds\""), "{env}");
    assert!(
        pod["metadata"]["annotations"]["kt-secrets.dev/secret-hashes"]
            .as_str()
            .unwrap()
            .contains("db-creds")
    );

    // A rotated local key stops render, naming the key, until --override.
    let rotated = FixtureHome::new().env("OPENAI_API_KEY", format!("{CANARY}-rotated"));
    let rerender = |extra: &[&str]| {
        run(cluster
            .kt(&rotated)
            .args(["render", "--secret", "openai"])
            .args(extra))
    };
    let rr = rerender(&[]).fails(1);
    assert!(rr.stderr.contains("OPENAI_API_KEY"), "{}", rr.stderr);
    assert!(!rr.stderr.contains(CANARY), "{}", rr.stderr);
    let rr = rerender(&["--override"]).ok().manifests_only();
    assert_eq!(rr.stderr, "secret/kt.secret.global.openai replaced\n");
    let rr = rerender(&["--override"]).ok().manifests_only();
    assert_eq!(rr.stderr, "secret/kt.secret.global.openai unchanged\n");

    // The container home moves `~`.
    let r = run(cluster.kt(&home).args([
        "render",
        "--secret",
        "ssh",
        "--container-home",
        "/home/app",
        "--dry-run",
        "-o",
        "json",
    ]))
    .ok()
    .manifests_only();
    assert!(
        r.stdout
            .contains("\"mountPath\": \"/home/app/.ssh/id_rsa\""),
        "{}",
        r.stdout
    );

    // A secret the cluster does not have in that namespace.
    let r = render(&["-n", "other"]).fails(1);
    assert!(
        r.stderr.contains("db-creds") && r.stderr.contains("other"),
        "{}",
        r.stderr
    );

    // No secrets at all: just the pod.
    let r = run(kt(&home).args(["render", "--dry-run", "-o", "json"]))
        .ok()
        .quiet();
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
}

#[test]
fn verbose_logs_hold_no_values() {
    let cluster = Cluster::start();
    let home = FixtureHome::new().env("OPENAI_API_KEY", CANARY);
    let kt = || cluster.kt(&home);
    let r = run(kt().args([
        "-vvv",
        "create",
        "app",
        "--from-literal",
        &format!("K={CANARY}"),
    ]))
    .ok()
    .quiet();
    assert!(
        r.stderr.contains("requesting"),
        "no request log:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("applied"), "{}", r.stderr);
    run(kt().args(["-vvv", "describe", "app"])).ok().quiet();
    run(kt().args(["-vvv", "list", "-o", "yaml"])).ok().quiet();
    run(kt().args(["-vv", "render", "--secret", "openai", "--secret", "app"]))
        .ok()
        .manifests_only();
    run(kt().args(["-vvv", "delete", "app", "-y"])).ok().quiet();
    // Failures are logged too, still without values.
    run(kt().args([
        "-vvv",
        "create",
        "app2",
        "--from-literal",
        &format!("K={CANARY}"),
        "-n",
        "x",
    ]))
    .ok();
    run(kt().args([
        "-vvv",
        "create",
        "app2",
        "--from-literal",
        "K=other",
        "-n",
        "x",
    ]))
    .fails(1);
}

#[test]
fn render_all_found_mounts_every_provider_with_credentials_here() {
    let home = FixtureHome::new()
        .env("OPENAI_API_KEY", CANARY)
        .file(".ssh/id_ed25519", format!("{CANARY}-ssh"));
    let r = run(kt(&home).args(["render", "--all-found", "--dry-run", "-o", "json"]))
        .ok()
        .manifests_only();
    let v = r.json();
    let kinds: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["metadata"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = |k: &str, n: &str| (k.to_owned(), n.to_owned());
    assert_eq!(
        kinds,
        [
            want("Secret", "kt.secret.global.openai"),
            want("Secret", "kt.secret.global.ssh"),
            want("Pod", "kt-compute"),
        ]
    );
    assert!(
        r.stderr
            .starts_with("found credentials for: openai, ssh; nothing found for: anthropic, aws"),
        "{}",
        r.stderr
    );

    // A named --secret is not resolved twice.
    let r = run(kt(&home).args([
        "render",
        "--all-found",
        "--secret",
        "ssh",
        "--dry-run",
        "-o",
        "json",
    ]))
    .ok()
    .manifests_only();
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 3);

    // Credentials that are there but broken stop the command, naming the file.
    let broken = FixtureHome::new()
        .env("OPENAI_API_KEY", CANARY)
        .dir(".aws/credentials");
    let r = run(kt(&broken).args(["render", "--all-found", "--dry-run"])).fails(1);
    assert!(
        r.stderr.contains("--all-found: provider aws") && r.stderr.contains(".aws/credentials"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    // Nothing anywhere: just the pod.
    let empty = FixtureHome::new();
    let r = run(kt(&empty).args(["render", "--all-found", "--dry-run", "-o", "json"])).ok();
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    assert!(
        r.stderr.starts_with("found credentials for: none;"),
        "{}",
        r.stderr
    );
}

#[test]
fn list_hides_values_that_kubectl_apply_keeps_in_an_annotation() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    // The README's way: a manifest from kt-secrets, applied by kubectl, which keeps a copy of
    // the whole manifest, data included, in an annotation.
    let manifest = run(cluster.kt(&home).args([
        "create",
        "applied",
        "--from-literal",
        &format!("API_KEY={CANARY}"),
        "--dry-run",
        "-n",
        cluster.namespace(),
    ]))
    .ok()
    .manifests_only()
    .stdout;
    let scratch = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .arg("--cache-dir")
        .arg(scratch.path().join("cache"))
        .args(["--request-timeout", "20s", "apply", "-f", "-"])
        .env("HOME", scratch.path())
        .env_remove("KUBECONFIG")
        .write_stdin(manifest)
        .timeout(std::time::Duration::from_secs(90))
        .output()
        .expect("run kubectl");
    assert!(out.status.success(), "{}", text(&out).1);
    let stored = backend_secret(&cluster, cluster.namespace(), "kt.secret.global.applied").unwrap();
    let annotations = stored.metadata.annotations.unwrap_or_default();
    let applied = &annotations["kubectl.kubernetes.io/last-applied-configuration"];
    assert!(applied.contains(&b64(CANARY)), "{applied}");

    for format in ["json", "yaml"] {
        let r = run(cluster.kt(&home).args(["list", "-o", format]))
            .ok()
            .quiet();
        assert!(
            r.stdout.contains("last-applied-configuration") && r.stdout.contains("applied"),
            "{}",
            r.stdout
        );
    }
}
