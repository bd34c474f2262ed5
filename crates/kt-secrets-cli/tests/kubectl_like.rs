//! What a kubectl user reaches for: `get`, `-o name|wide`, `--no-headers`, `-l`, ages, global
//! flags on either side of the command, `--from-file`, `--request-timeout` against a server
//! that never answers, kubeconfig lists and in-cluster fallback, tables that fit the
//! terminal, colour only on a terminal, and shell completions.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use base64::Engine;
use common::{Cluster, kt, text};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::apiserver::{CONTEXT, Fault};
use serde_json::Value;

const CANARY: &str = "canary-kubectl-like-7d1e";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out: Output = cmd.output().expect("run kt-secrets");
    let (stdout, stderr) = text(&out);
    let r = Run {
        code: out.status.code().expect("exited, not killed"),
        stdout,
        stderr,
    };
    assert!(
        !r.stderr.contains(CANARY),
        "a value reached stderr:\n{}",
        r.stderr
    );
    r
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

    #[track_caller]
    fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "stderr:\n{}\nstdout:\n{}",
            self.stderr, self.stdout
        );
        assert!(self.stderr.contains("error:"), "{}", self.stderr);
        self
    }
}

fn literal(cluster: &Cluster, home: &FixtureHome, name: &str, ns: Option<&str>) {
    let mut c = cluster.kt(home);
    c.args([
        "create",
        name,
        "--from-literal",
        &format!("API_KEY={CANARY}"),
    ]);
    if let Some(ns) = ns {
        c.args(["-n", ns]);
    }
    run(&mut c).ok();
}

#[test]
fn get_is_list_with_kubectls_output_modes_and_selectors() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    literal(&cluster, &home, "app1", None);
    literal(&cluster, &home, "app2", None);
    let kt = || cluster.kt(&home);

    let list = run(kt().arg("list")).ok();
    let get = run(kt().arg("get")).ok();
    // The AGE column may tick between the two calls, so it is left out of the comparison.
    let without_age = |out: &str| -> Vec<String> {
        out.lines()
            .map(|l| {
                l.rsplit_once(' ')
                    .map_or(l, |(rest, _)| rest)
                    .trim_end()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(without_age(&list.stdout), without_age(&get.stdout));
    let header = list.stdout.lines().next().unwrap();
    for col in ["NAME", "OBJECT", "PROVIDER", "MOUNT", "KEYS", "AGE"] {
        assert!(header.contains(col), "{header}");
    }
    // Columns three spaces apart, as kubectl's tabwriter pads them.
    assert!(header.starts_with("NAME   "), "{header}");
    // A second-old secret: kubectl's seconds.
    let row = list.stdout.lines().nth(1).unwrap();
    let age = row.split_whitespace().last().unwrap();
    assert!(
        age.ends_with('s') && age[..age.len() - 1].parse::<u32>().is_ok(),
        "{row}"
    );

    let r = run(kt().args(["get", "--no-headers"])).ok();
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.starts_with("app1 "), "{}", r.stdout);

    let r = run(kt().args(["get", "-o", "name"])).ok();
    assert_eq!(
        r.stdout,
        "secret/kt.secret.global.app1\nsecret/kt.secret.global.app2\n"
    );

    let r = run(kt().args(["get", "-o", "wide"])).ok();
    let mut lines = r.stdout.lines();
    let header = lines.next().unwrap();
    for col in ["NAMESPACE", "TYPE", "IN THE POD", "KEYS", "AGE"] {
        assert!(header.contains(col), "{header}");
    }
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(&format!("{} ", cluster.namespace()))
            && row.contains("Opaque")
            && row.contains("env:API_KEY"),
        "{row}"
    );
    let r = run(kt().args(["get", "-o", "wide", "--no-headers"])).ok();
    assert!(!r.stdout.contains("NAMESPACE"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 2);

    // The selector goes to the API server, which applies it.
    cluster.server.clear_requests();
    let r = run(kt().args(["get", "-l", "kubetorch.com/secret-name=app2", "-o", "name"])).ok();
    assert_eq!(r.stdout, "secret/kt.secret.global.app2\n");
    let lists: Vec<_> = cluster
        .server
        .secret_requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert!(
        !lists.is_empty()
            && lists.iter().all(|r| r
                .query
                .as_deref()
                .is_some_and(|q| q.contains("labelSelector="))),
        "{lists:?}"
    );
    cluster.server.clear_requests();
    let r = run(kt().args([
        "get",
        "--selector",
        "kubetorch.com/secret-name!=app1,kubetorch.com/mount-type=env",
        "-o",
        "json",
    ]))
    .ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    // The objects printed are those of the one listing, not of a second one.
    let gets = cluster.server.secret_requests();
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert_eq!(items[0]["metadata"]["name"], "kt.secret.global.app2");
    let r = run(kt().args(["get", "-l", "kubetorch.com/provider"])).ok();
    assert_eq!(r.stdout, "");
    assert!(r.stderr.starts_with("No secrets found"), "{}", r.stderr);

    // A selector the server refuses is the command line's fault.
    cluster
        .server
        .inject(Fault::status(400).path_contains("/secrets").times(1));
    let r = run(kt().args(["get", "-l", "a in (b"])).fails(2);
    assert!(r.stderr.contains("--selector \"a in (b\""), "{}", r.stderr);
    cluster.server.clear_faults();
    let r = run(kt().args(["get", "-l", " "])).fails(2);
    assert!(r.stderr.contains("--selector"), "{}", r.stderr);
}

#[test]
fn global_flags_go_before_or_after_the_command() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    literal(&cluster, &home, "here", None);
    literal(&cluster, &home, "there", Some("team-a"));
    let kc = cluster.kubeconfig().to_str().unwrap().to_owned();

    let before = run(kt(&home).args(["--kubeconfig", &kc, "-n", "team-a", "get", "-o", "name"]))
        .ok()
        .stdout;
    let after = run(kt(&home).args(["get", "-o", "name", "-n", "team-a", "--kubeconfig", &kc]))
        .ok()
        .stdout;
    assert_eq!(before, "secret/kt.secret.global.there\n");
    assert_eq!(before, after);
    let r = run(kt(&home).args([
        "--namespace=team-a",
        "--kubeconfig",
        &kc,
        "describe",
        "there",
    ]))
    .ok();
    assert!(r.stdout.contains("Namespace:  team-a"), "{}", r.stdout);

    for args in [
        &["--context", CONTEXT, "get", "-o", "name"][..],
        &["get", "-o", "name", "--context", CONTEXT],
    ] {
        let r = run(cluster.kt(&home).args(args)).ok();
        assert_eq!(r.stdout, "secret/kt.secret.global.here\n", "{args:?}");
    }
    for args in [
        &["--context", "nope", "get"][..],
        &["get", "--context", "nope"],
    ] {
        let r = run(cluster.kt(&home).args(args)).fails(1);
        assert!(r.stderr.contains("nope"), "{args:?}: {}", r.stderr);
    }
    // -v on either side logs the cluster it talks to.
    for args in [&["-vv", "get"][..], &["get", "-vv"]] {
        let r = run(cluster.kt(&home).args(args)).ok();
        assert!(r.stderr.contains("cluster"), "{args:?}: {}", r.stderr);
    }
    // -n is checked before anything is sent, wherever it is.
    for args in [&["-n", "Bad_NS", "get"][..], &["get", "-n", "Bad_NS"]] {
        let r = run(cluster.kt(&home).args(args)).fails(2);
        assert!(r.stderr.contains("Bad_NS"), "{}", r.stderr);
    }
    let r = run(cluster.kt(&home).args(["-n", "team-a", "get", "-A"])).fails(2);
    assert!(r.stderr.contains("--all-namespaces"), "{}", r.stderr);
}

/// The data of the printed Secret, or of both objects of a secret of env vars and files (a
/// `v1` `List` of its two objects, kt_secrets::kube::pair).
fn data_of(manifest: &str) -> Value {
    let v: Value = serde_json::from_str(manifest).expect("a JSON manifest");
    if v["kind"] != "List" {
        return v["data"].clone();
    }
    let mut data = serde_json::Map::new();
    for item in v["items"].as_array().expect("items") {
        data.extend(item["data"].as_object().expect("data").clone());
    }
    Value::Object(data)
}

fn decoded(data: &Value, key: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(
            data[key]
                .as_str()
                .unwrap_or_else(|| panic!("no key {key}: {data}")),
        )
        .unwrap()
}

#[test]
fn create_from_file_reads_files_and_directories_like_kubectl() {
    let home = FixtureHome::new();
    let dir = home.path("keys");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    let binary: Vec<u8> = (0u8..=255).collect();
    std::fs::write(dir.join("id_ed25519"), &binary).unwrap();
    std::fs::write(dir.join("config"), "Host *\n").unwrap();
    std::fs::write(dir.join("nested").join("skipped"), "x").unwrap();
    std::os::unix::fs::symlink(dir.join("config"), dir.join("link")).unwrap();
    let fifo = dir.join("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(status.success());
    let token = home.path("token.txt");
    std::fs::write(&token, CANARY).unwrap();
    let create = || {
        let mut c = kt(&home);
        c.args(["create", "app", "--dry-run", "-o", "json"]);
        c
    };

    // A directory: its regular files under their names; the subdirectory, the symlink and
    // the FIFO are skipped (and the FIFO is never opened, so nothing blocks).
    let r = run(create().arg("--from-file").arg(&dir)).ok();
    let data = data_of(&r.stdout);
    let keys: Vec<&String> = data.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["config", "id_ed25519"], "{data}");
    assert_eq!(decoded(&data, "id_ed25519"), binary);

    // Files, with and without a key, repeated and next to --from-literal.
    let r = run(create()
        .arg("--from-file")
        .arg(format!("TOKEN={}", token.display()))
        .arg("--from-file")
        .arg(dir.join("config"))
        .args(["--from-literal", "MODE=prod"]))
    .ok();
    let data = data_of(&r.stdout);
    assert_eq!(decoded(&data, "TOKEN"), CANARY.as_bytes());
    assert_eq!(decoded(&data, "config"), b"Host *\n");
    assert_eq!(decoded(&data, "MODE"), b"prod");
    // MODE makes it a secret of env vars and files: the files' object keeps the whole mount
    // list (kt_secrets::kube::pair).
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["kind"], "List", "{v}");
    let mounts = v["items"][0]["metadata"]["annotations"]["kt-secrets.dev/pair-mounts"]
        .as_str()
        .unwrap();
    assert!(
        mounts.contains("/secrets/app/config")
            && mounts.contains("/secrets/app/TOKEN")
            && mounts.contains("\"var\":\"MODE\""),
        "{mounts}"
    );

    // What kubectl refuses, refused with the flag named; nothing printed.
    let fifo_arg = fifo.display().to_string();
    let missing = home.path("missing").display().to_string();
    let dir_key = format!("K={}", dir.display());
    let token_key = format!("config={}", token.display());
    for (arg, says) in [
        (fifo_arg.as_str(), "not a regular file"),
        (missing.as_str(), "no such file"),
        (dir_key.as_str(), "cannot be given for a directory"),
        ("=x", "expected [KEY=]PATH"),
    ] {
        let r = run(create().args(["--from-file", arg])).fails(2);
        assert!(
            r.stderr.contains("--from-file") && r.stderr.contains(says),
            "{arg}: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
    let r = run(create()
        .arg("--from-file")
        .arg(dir.join("config"))
        .arg("--from-file")
        .arg(&token_key))
    .fails(2);
    assert!(r.stderr.contains("key config"), "{}", r.stderr);
    let r = run(kt(&home).args(["create", "--from-file"]).arg(&token)).fails(2);
    assert!(r.stderr.contains("NAME"), "{}", r.stderr);
    let r = run(kt(&home)
        .args(["create", "--provider", "openai", "--from-file"])
        .arg(&token))
    .fails(2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}

/// A kubeconfig for a server at `addr` (TLS, any certificate accepted: the server never gets
/// that far).
fn kubeconfig_for(home: &FixtureHome, addr: std::net::SocketAddr) -> std::path::PathBuf {
    let path = home.path("blackhole.kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: hole\nclusters:\n- name: hole\n  \
             cluster:\n    server: https://{addr}\n    insecure-skip-tls-verify: true\n\
             contexts:\n- name: hole\n  context:\n    cluster: hole\n    user: u\n\
             users:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn request_timeout_bounds_a_server_that_never_answers() {
    let home = FixtureHome::new();
    // Accepts connections (the kernel completes the handshake for the backlog) and never
    // reads or writes a byte.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>> = Default::default();
    let keep = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            keep.lock().unwrap().push(s);
        }
    });
    let kc = kubeconfig_for(&home, addr);

    let started = Instant::now();
    let r = run(kt(&home)
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["--request-timeout", "2s", "get"])
        .timeout(Duration::from_secs(50)))
    .fails(1);
    let took = started.elapsed();
    assert!(
        r.stderr.contains("no answer within 2s") && r.stderr.contains(&addr.to_string()),
        "{}",
        r.stderr
    );
    // It waited for the server, and gave up on time rather than at the process timeout.
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(45), "{took:?}");
    assert!(
        !held.lock().unwrap().is_empty(),
        "the client never connected"
    );

    // After the subcommand, in kubectl's integer-seconds form.
    let r = run(kt(&home)
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["get", "--request-timeout", "1"])
        .timeout(Duration::from_secs(50)))
    .fails(1);
    assert!(r.stderr.contains("no answer within 1s"), "{}", r.stderr);

    for bad in ["soon", "-1s", "5x", ""] {
        let r = run(kt(&home).arg(format!("--request-timeout={bad}")).arg("get")).fails(2);
        assert!(
            r.stderr.contains("--request-timeout"),
            "{bad}: {}",
            r.stderr
        );
    }
}

#[test]
fn request_timeout_lets_a_live_server_answer() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    literal(&cluster, &home, "app", None);
    for t in ["0", "30s", "1m30s", "20"] {
        let r = run(cluster
            .kt(&home)
            .args(["--request-timeout", t, "get", "-o", "name"]))
        .ok();
        assert_eq!(r.stdout, "secret/kt.secret.global.app\n", "{t}");
    }
}

#[test]
fn kubeconfig_lists_skip_missing_files_as_kubectl_does() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    literal(&cluster, &home, "app", None);
    let missing = home.path("nope.kubeconfig");
    let list = std::env::join_paths([missing.as_path(), cluster.kubeconfig()]).unwrap();
    let r = run(kt(&home)
        .env("KUBECONFIG", &list)
        .args(["get", "-o", "name"]))
    .ok();
    assert_eq!(r.stdout, "secret/kt.secret.global.app\n");

    // Nothing usable: the error names the list, not a default location.
    let other = home.path("also-missing");
    let list = std::env::join_paths([missing.as_path(), other.as_path()]).unwrap();
    let r = run(kt(&home).env("KUBECONFIG", &list).arg("get")).fails(1);
    assert!(
        r.stderr
            .contains("none of the files KUBECONFIG lists exists")
            && r.stderr.contains(&missing.display().to_string())
            && r.stderr.contains(&other.display().to_string()),
        "{}",
        r.stderr
    );

    // A listed file that exists but is broken is an error naming it, not skipped.
    let broken = home.path("broken.kubeconfig");
    std::fs::write(&broken, "clusters: [unclosed\n").unwrap();
    let list = std::env::join_paths([broken.as_path(), cluster.kubeconfig()]).unwrap();
    let r = run(kt(&home).env("KUBECONFIG", &list).arg("get")).fails(1);
    assert!(
        r.stderr.contains(&broken.display().to_string()),
        "{}",
        r.stderr
    );

    // No KUBECONFIG, no ~/.kube/config, not in a pod: the error says where it looked.
    let r = run(kt(&home).arg("get")).fails(1);
    let default = home.path(".kube/config").display().to_string();
    assert!(
        r.stderr.contains(&default) && r.stderr.contains("in-cluster"),
        "{}",
        r.stderr
    );
    // ~/.kube/config when KUBECONFIG is unset.
    std::fs::create_dir_all(home.path(".kube")).unwrap();
    std::fs::copy(cluster.kubeconfig(), home.path(".kube/config")).unwrap();
    let r = run(kt(&home).args(["get", "-o", "name"])).ok();
    assert_eq!(r.stdout, "secret/kt.secret.global.app\n");
}

#[test]
fn without_a_kubeconfig_the_pods_service_account_is_tried() {
    let home = FixtureHome::new();
    // What a pod's environment says; this machine has no service account token, so the
    // in-cluster config fails, and the error says so.
    let r = run(kt(&home)
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", "1")
        .arg("get"))
    .fails(1);
    assert!(
        r.stderr.contains("not a pod with a service account")
            && r.stderr.contains("in-cluster config: failed to read"),
        "{}",
        r.stderr
    );
    // --context needs a kubeconfig: no in-cluster fallback.
    let r = run(kt(&home).args(["--context", "x", "get"])).fails(1);
    assert!(
        r.stderr.contains("no context can be chosen"),
        "{}",
        r.stderr
    );
}

/// `cmd` with stdout and stderr on a pseudo-terminal (util-linux `script`), as a user sees it.
fn on_a_terminal(home: &FixtureHome, shell_cmd: &str, envs: &[(&str, &str)]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("kt-secrets");
    let mut c = std::process::Command::new("script");
    c.args(["-q", "-e", "-c"])
        .arg(format!("{} {shell_cmd}", bin.display()))
        .arg("/dev/null")
        .env_clear()
        .env("HOME", home.root())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null());
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = match c.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`script` (util-linux) is needed for terminal tests: apt-get install bsdutils")
        }
        Err(e) => panic!("cannot run script: {e}"),
    };
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn tables_fit_the_terminal_and_colour_only_a_terminal() {
    let home = FixtureHome::new();
    // Piped: no colour, and whole lines (the `providers` table is wide).
    let r = run(kt(&home).arg("providers")).ok();
    assert!(!r.stdout.contains('\x1b'));
    let widest = r.stdout.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest > 100, "{widest}");
    // $COLUMNS is honoured, every row kept.
    let r80 = run(kt(&home).env("COLUMNS", "80").arg("providers")).ok();
    assert!(
        r80.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        r80.stdout
    );
    for name in ["aws", "gcp", "openai", "kubeconfig"] {
        assert!(
            r80.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name} "))),
            "{name}:\n{}",
            r80.stdout
        );
    }
    let r = run(kt(&home).args(["providers", "--no-headers"])).ok();
    assert!(r.stdout.starts_with("anthropic ") || !r.stdout.starts_with("NAME"));

    // On a terminal: the header in bold, unless NO_COLOR.
    let tty = on_a_terminal(&home, "providers", &[("COLUMNS", "90")]);
    assert!(tty.contains("\x1b[1mNAME"), "{tty:?}");
    let plain = on_a_terminal(&home, "providers", &[("COLUMNS", "90"), ("NO_COLOR", "1")]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // Logs on a terminal are coloured, unless NO_COLOR.
    let cluster = Cluster::start();
    let logging = format!("-vv --kubeconfig {} get", cluster.kubeconfig().display());
    let logging = logging.as_str();
    let logs = on_a_terminal(&home, logging, &[]);
    assert!(logs.contains("DEBUG") && logs.contains('\x1b'), "{logs:?}");
    let logs = on_a_terminal(&home, logging, &[("NO_COLOR", "1")]);
    assert!(logs.contains("DEBUG") && !logs.contains('\x1b'), "{logs:?}");
}

#[test]
fn completion_scripts_load_in_their_shells() {
    let home = FixtureHome::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(kt(&home).args(["completion", shell])).ok();
        assert!(r.stdout.contains("kt-secrets"), "{shell}");
        for sub in ["providers", "create", "describe", "render", "completion"] {
            assert!(r.stdout.contains(sub), "{shell} lacks {sub}");
        }
    }
    let bin = assert_cmd::cargo::cargo_bin("kt-secrets");
    let dir = bin.parent().unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("source <(kt-secrets completion bash) && complete -p kt-secrets")
        .env(
            "PATH",
            std::env::join_paths(
                std::iter::once(dir.to_path_buf())
                    .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
            )
            .unwrap(),
        )
        .env("HOME", home.root())
        .output()
        .expect("run bash");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("complete ") && stdout.trim_end().ends_with(" kt-secrets"),
        "{stdout}"
    );
    let r = run(kt(&home).args(["completion", "tcsh"])).fails(2);
    assert!(r.stderr.contains("tcsh"), "{}", r.stderr);
    for help in [&["completion", "--help"][..], &["--help"]] {
        let r = run(kt(&home).args(help)).ok();
        assert!(
            r.stdout.contains("source <(kt-secrets completion bash)"),
            "{help:?}: {}",
            r.stdout
        );
    }
}

/// In a pod, with no kubeconfig, the service account kubelet mounts at
/// `/var/run/secrets/kubernetes.io/serviceaccount` (token, ca.crt, namespace) and the
/// `KUBERNETES_SERVICE_HOST`/`_PORT` env vars are the cluster, as kubectl and client-go's
/// `rest.InClusterConfig` use them. The test lays that mount down in a private mount namespace
/// (`unshare -m`, a tmpfs over /run), so the machine's own /run is untouched; it needs root.
#[test]
fn in_a_pod_the_service_account_is_the_cluster() {
    let root = rustix::process::geteuid().is_root();
    if !root && std::env::var_os("CI").is_none() {
        eprintln!("skipped: needs root for `unshare -m`; CI runs it as root");
        return;
    }
    assert!(root, "CI runs this test as root: it needs `unshare -m`");
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    literal(&cluster, &home, "in-pod", None);

    let sa = tempfile::tempdir().unwrap();
    std::fs::write(sa.path().join("token"), cluster.server.token()).unwrap();
    std::fs::write(sa.path().join("ca.crt"), cluster.server.ca_pem()).unwrap();
    std::fs::write(sa.path().join("namespace"), cluster.namespace()).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("kt-secrets");
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "set -e; mount -t tmpfs tmpfs /run; \
             d=/run/secrets/kubernetes.io/serviceaccount; mkdir -p $d; cp \"$SA\"/* $d/; \
             exec \"$KT\" get -o name",
        )
        .env_clear()
        .env("HOME", home.root())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SA", sa.path())
        .env("KT", &bin)
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env(
            "KUBERNETES_SERVICE_PORT",
            cluster.server.addr().port().to_string(),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run unshare (util-linux)");
    let (stdout, stderr) = text(&out);
    assert!(!stderr.contains(CANARY), "{stderr}");
    assert!(out.status.success(), "stderr:\n{stderr}\nstdout:\n{stdout}");
    assert_eq!(stdout, "secret/kt.secret.global.in-pod\n", "{stderr}");
}
