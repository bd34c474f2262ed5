//! `kubectl kt-secrets …`: the binary under the name kubectl's plugin mechanism looks for on
//! the PATH, found by `kubectl plugin list` and run by kubectl against the loopback API
//! server; and the krew manifest template installs it under that name.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::{Cluster, text};
use kt_secrets_testkit::FixtureHome;

const CANARY: &str = "canary-kubectl-plugin-93b1";

/// The plugin's file name (`kubectl-` and the command, `-` in it written `_`).
const PLUGIN: &str = "kubectl-kt_secrets";

/// A directory holding the built binary as `kubectl-kt_secrets` (a symlink, as the README
/// tells users to make).
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("kt-secrets");
    std::os::unix::fs::symlink(&bin, dir.path().join(PLUGIN)).unwrap();
    dir
}

/// `kubectl ARGS` with `dir` first on the PATH and `home` as HOME, nothing else of the test's
/// environment but `envs`.
fn kubectl(dir: &Path, home: &FixtureHome, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let path = std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut c = assert_cmd::Command::new("kubectl");
    c.args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home.root())
        .timeout(Duration::from_secs(60));
    for (k, v) in envs {
        c.env(k, v);
    }
    match c.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "kubectl not found on PATH: this test runs kt-secrets as a kubectl plugin; install \
             kubectl (apt-get install -y kubectl, or a release binary) and run it again"
        ),
        Err(e) => panic!("cannot run kubectl: {e}"),
    }
}

#[test]
fn kubectl_finds_and_runs_the_plugin() {
    let dir = plugin_dir();
    let home = FixtureHome::new();
    let cluster = Cluster::start();

    let out = kubectl(dir.path(), &home, &["plugin", "list"], &[]);
    let (stdout, stderr) = text(&out);
    let listed: PathBuf = dir.path().join(PLUGIN);
    assert!(
        stdout
            .lines()
            .any(|l| l.trim() == listed.display().to_string()),
        "kubectl plugin list:\n{stdout}\n{stderr}"
    );

    let kc = [("KUBECONFIG", cluster.kubeconfig())];
    let out = kubectl(
        dir.path(),
        &home,
        &[
            "kt-secrets",
            "create",
            "app",
            "--from-literal",
            &format!("API_KEY={CANARY}"),
        ],
        &kc,
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "secret/kt.secret.global.app created\n");
    assert!(!stderr.contains(CANARY));

    // kubectl's own spelling with `_` reaches the same plugin; flags pass through untouched.
    for word in ["kt-secrets", "kt_secrets"] {
        let out = kubectl(dir.path(), &home, &[word, "get", "-o", "name"], &kc);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{word}: {stderr}");
        assert_eq!(stdout, "secret/kt.secret.global.app\n", "{word}");
    }
    let kc_flag = cluster.kubeconfig().to_str().unwrap();
    let out = kubectl(
        dir.path(),
        &home,
        &["kt-secrets", "--kubeconfig", kc_flag, "describe", "app"],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Object:     secret/kt.secret.global.app"),
        "{stdout}"
    );
    assert!(!stdout.contains(CANARY));

    // Usage errors keep their exit status through kubectl and speak of `kubectl kt-secrets`.
    let out = kubectl(dir.path(), &home, &["kt-secrets", "get", "--bogus"], &kc);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Usage: kubectl kt-secrets list"),
        "{stderr}"
    );
    let out = kubectl(dir.path(), &home, &["kt-secrets", "--help"], &[]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("Usage: kubectl kt-secrets"), "{stdout}");
}

#[test]
fn the_krew_manifest_installs_the_plugin_name() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist/krew/kt-secrets.yaml");
    let text = std::fs::read_to_string(&path).expect("the krew manifest template");
    let m: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "kt-secrets");
    let platforms = m["spec"]["platforms"].as_array().expect("platforms");
    assert!(!platforms.is_empty());
    for p in platforms {
        assert_eq!(p["bin"], PLUGIN, "{p}");
        assert!(
            p["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["from"] == PLUGIN),
            "{p}"
        );
    }
}
