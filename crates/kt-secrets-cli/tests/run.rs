//! `kt-secrets run`: the command gets exactly the container's view (files and modes as
//! `render` renders them, env with container paths rewritten into the tree, nothing else of the
//! caller's env), its exit status is passed through, and the tree is gone afterwards, also
//! after SIGINT and SIGTERM or when the command is killed.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Cluster;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::{aws, gcp, kubeconfig};
use serde_json::Value;

const CANARY: &str = "canary-run-3c8e1f";

/// A laptop with AWS keys, a GCP service-account key named by GOOGLE_APPLICATION_CREDENTIALS,
/// a kubeconfig and an OpenAI key, plus env vars of the caller that must stay out.
fn laptop() -> FixtureHome {
    let sa = gcp::service_account("kt-run-project", &format!("{CANARY}-gcp-key"));
    let kc = kubeconfig::Kubeconfig::new()
        .cluster_ca_data("c", "https://10.0.0.1:6443", "Y2EtZGF0YQ==")
        .user_token("u", &format!("{CANARY}-kube-token"))
        .context("ctx", "c", "u", None)
        .current("ctx")
        .build();
    FixtureHome::new()
        .file(
            ".aws/credentials",
            aws::AwsCredentials::new()
                .profile("default", "AKIARUNFIXTURE000001", &format!("{CANARY}-aws"))
                .build(),
        )
        .file(
            ".aws/config",
            aws::AwsConfig::new()
                .profile("default", &[("region", "eu-west-1")])
                .build(),
        )
        .file("keys/sa.json", &sa)
        .env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/sa.json")
        .file(".kube/config", &kc)
        .env("OPENAI_API_KEY", format!("sk-{CANARY}-openai"))
        .env("CALLER_ONLY", format!("{CANARY}-caller"))
        .env("AWS_PROFILE_UNRELATED", "x")
        .env("LANG", "C.UTF-8")
        .canary(CANARY)
}

fn kt_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kt-secrets")
}

/// `kt-secrets` with `home` as HOME, its env, PATH, and nothing else of the test's env.
fn kt(home: &FixtureHome) -> Command {
    let mut c = Command::new(kt_bin());
    c.env_clear()
        .env("HOME", home.root())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(home.env_map());
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn output(mut c: Command) -> Out {
    let out = c.stdin(Stdio::null()).output().expect("run kt-secrets");
    let o = Out {
        code: out.status.code().expect("kt-secrets exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !o.stderr.contains(CANARY),
        "a value reached stderr:\n{}",
        o.stderr
    );
    o
}

fn run_args(home: &FixtureHome, args: &[&str], cmd: &[&str]) -> Command {
    let mut c = kt(home);
    c.arg("run").args(args).arg("--").args(cmd);
    c
}

/// The tree's root, from the HOME the command saw and the container home.
fn tree_root(seen_home: &str, container_home: &str) -> PathBuf {
    let depth = container_home.trim_matches('/').split('/').count();
    let mut p = PathBuf::from(seen_home.trim());
    for _ in 0..depth {
        p = p.parent().expect("HOME is inside the tree").to_path_buf();
    }
    p
}

#[test]
fn exit_status_is_passed_through() {
    let home = laptop();
    for (cmd, code) in [
        (&["true"][..], 0),
        (&["sh", "-c", "exit 7"], 7),
        (&["sh", "-c", "exit 255"], 255),
        // Killed: 128 + the signal, as a shell reports it.
        (&["sh", "-c", "kill -KILL $$"], 137),
        (&["sh", "-c", "kill -TERM $$"], 143),
    ] {
        let o = output(run_args(&home, &["--secret", "openai"], cmd));
        assert_eq!(o.code, code, "{cmd:?}: {}", o.stderr);
    }
    let o = output(run_args(
        &home,
        &["--secret", "openai"],
        &["no-such-program-kt"],
    ));
    assert_eq!(o.code, 127, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error: cannot run \"no-such-program-kt\""),
        "{}",
        o.stderr
    );
}

#[test]
fn the_tree_is_removed_after_the_command_and_when_it_is_killed() {
    let home = laptop();
    for (cmd, code) in [
        ("echo \"$HOME\"", 0),
        ("echo \"$HOME\"; exit 3", 3),
        ("echo \"$HOME\"; kill -KILL $$", 137),
    ] {
        let o = output(run_args(
            &home,
            &["--secret", "aws", "--secret", "kubeconfig"],
            &["sh", "-c", cmd],
        ));
        assert_eq!(o.code, code, "{}", o.stderr);
        let root = tree_root(&o.stdout, "/root");
        assert!(
            root.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("kt-secrets-view-"),
            "{root:?}"
        );
        assert!(!root.exists(), "{root:?} is still there after {cmd:?}");
    }
    // A command that locks a directory of the tree does not keep it from being removed.
    let o = output(run_args(
        &home,
        &["--secret", "aws"],
        &[
            "sh",
            "-c",
            "echo \"$HOME\"; chmod 0500 \"$HOME/.aws\" \"$HOME\"",
        ],
    ));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!tree_root(&o.stdout, "/root").exists());
}

/// Starts `run`, waits until its command has written its HOME to a file, sends `signal` to
/// `run` (not to the command), and returns `run`'s exit code and the tree's root.
fn run_then_signal(signal: &str) -> (i32, PathBuf, String) {
    let home = laptop();
    let marker = home.path("started");
    let mut child = run_args(
        &home,
        &["--secret", "aws"],
        &[
            "sh",
            "-c",
            "echo \"$HOME\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\" && exec sleep 60",
            "sh",
            marker.to_str().unwrap(),
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start kt-secrets run");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the command never started");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("kt-secrets ended early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen_home = std::fs::read_to_string(&marker).unwrap();
    let root = tree_root(&seen_home, "/root");
    assert!(root.join("root/.aws/credentials").is_file());
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kt-secrets did not end after SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains(CANARY), "{stderr}");
    (
        status.code().expect("kt-secrets exited itself"),
        root,
        stderr,
    )
}

#[test]
fn the_tree_is_removed_after_sigterm() {
    let (code, root, stderr) = run_then_signal("TERM");
    // The signal went on to the command, which it ended.
    assert_eq!(code, 143, "{stderr}");
    assert!(!root.exists(), "{root:?} is still there");
}

#[test]
fn the_tree_is_removed_after_sigint() {
    let (code, root, stderr) = run_then_signal("INT");
    assert_eq!(code, 130, "{stderr}");
    assert!(!root.exists(), "{root:?} is still there");
}

#[test]
fn nothing_of_the_callers_env_leaks_in() {
    let home = laptop().env("KEEP_THIS", "kept-value");
    let o = output(run_args(
        &home,
        &["--secret", "openai", "--keep-env", "KEEP_THIS"],
        &["env"],
    ));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let env: BTreeMap<&str, &str> = o.stdout.lines().filter_map(|l| l.split_once('=')).collect();
    assert_eq!(
        env.keys().copied().collect::<Vec<_>>(),
        vec!["HOME", "KEEP_THIS", "LANG", "OPENAI_API_KEY", "PATH"],
        "{}",
        o.stdout
    );
    assert_eq!(env["OPENAI_API_KEY"], format!("sk-{CANARY}-openai"));
    assert_eq!(env["KEEP_THIS"], "kept-value");
    assert!(!o.stdout.contains(&format!("{CANARY}-caller")));
    assert!(!o.stdout.contains(home.root().to_str().unwrap()));

    // A kept var the container sets too keeps the container's value.
    let o = output(run_args(
        &home.env("KEEP_THIS", "x"),
        &["--secret", "openai", "--keep-env", "OPENAI_API_KEY"],
        &["printenv", "OPENAI_API_KEY"],
    ));
    assert_eq!(o.stdout.trim(), format!("sk-{CANARY}-openai"));

    let o = output(run_args(
        &laptop(),
        &["--secret", "openai", "--keep-env", "NOT A NAME"],
        &["true"],
    ));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--keep-env"), "{}", o.stderr);
}

/// Container path → mode of every file the pod mounts, from `render --dry-run -o json`.
fn rendered_files(home: &FixtureHome, args: &[&str]) -> BTreeMap<String, u32> {
    let mut c = kt(home);
    c.args(["render", "--dry-run", "-o", "json"]).args(args);
    let o = output(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let list: Value = serde_json::from_str(&o.stdout).unwrap();
    let pod = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "Pod")
        .unwrap();
    let mut modes: BTreeMap<(String, String), u32> = BTreeMap::new();
    for v in pod["spec"]["volumes"].as_array().unwrap() {
        for item in v["secret"]["items"].as_array().unwrap() {
            modes.insert(
                (
                    v["name"].as_str().unwrap().to_owned(),
                    item["path"].as_str().unwrap().to_owned(),
                ),
                item["mode"].as_u64().unwrap() as u32,
            );
        }
    }
    let mut files = BTreeMap::new();
    for m in pod["spec"]["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
    {
        let volume = m["name"].as_str().unwrap().to_owned();
        let mount_path = m["mountPath"].as_str().unwrap();
        match m["subPath"].as_str() {
            Some(sub) => {
                files.insert(mount_path.to_owned(), modes[&(volume, sub.to_owned())]);
            }
            // The whole volume (the live directory): every item under the mount path.
            None => {
                for ((v, item), mode) in &modes {
                    if *v == volume {
                        files.insert(format!("{mount_path}/{item}"), *mode);
                    }
                }
            }
        }
    }
    files
}

#[test]
fn files_and_modes_are_as_rendered_and_env_paths_point_into_the_tree() {
    let home = laptop();
    let secrets = [
        "--secret",
        "aws",
        "--secret",
        "gcp",
        "--secret",
        "kubeconfig",
        "--container-home",
        "/home/dev",
    ];
    let want = rendered_files(&home, &secrets);
    assert!(want.len() >= 4, "{want:?}");
    let script = r#"
        root="${HOME%/home/dev}"
        echo "ROOT $root"
        cd "$root" && find . -type f -printf 'FILE %m /%P\n'
        echo "GAC $GOOGLE_APPLICATION_CREDENTIALS"
        echo "KUBECONFIG $KUBECONFIG"
        cmp "$GOOGLE_APPLICATION_CREDENTIALS" "$1" && echo "GAC-SAME"
        grep -q -- "$2" "$KUBECONFIG" && echo "KUBECONFIG-HAS-TOKEN"
    "#;
    let o = output(run_args(
        &home,
        &secrets,
        &[
            "sh",
            "-c",
            script,
            "sh",
            home.path("keys/sa.json").to_str().unwrap(),
            // The provider writes a minified kubeconfig; the token is what must be in it.
            &format!("{CANARY}-kube-token"),
        ],
    ));
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let line = |tag: &str| -> Vec<&str> {
        o.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(tag))
            .collect()
    };
    let root = line("ROOT ")[0];
    let got: BTreeMap<String, u32> = line("FILE ")
        .iter()
        .map(|l| {
            let (mode, path) = l.split_once(' ').unwrap();
            (path.to_owned(), u32::from_str_radix(mode, 8).unwrap())
        })
        .collect();
    assert_eq!(got, want, "files of the tree vs. the rendered pod");
    // Env vars that name a file name its copy in the Secret's live directory.
    let gac = line("GAC ")[0];
    assert_eq!(gac, format!("{root}{}", gcp_path(&want)));
    let kc = line("KUBECONFIG ")[0];
    assert_eq!(
        kc,
        format!("{root}/var/run/kt-secrets/kt.secret.global.kubeconfig/config")
    );
    assert_eq!(line("GAC-SAME").len(), 1, "{}", o.stdout);
    assert_eq!(line("KUBECONFIG-HAS-TOKEN").len(), 1, "{}", o.stdout);
    assert!(!Path::new(root).exists());
}

/// The rendered path of the GCP credentials file in the gcp Secret's live directory.
fn gcp_path(want: &BTreeMap<String, u32>) -> String {
    want.keys()
        .find(|p| p.starts_with("/var/run/kt-secrets/kt.secret.global.gcp/"))
        .expect("a GCP credentials file")
        .clone()
}

#[test]
fn verbose_logs_name_things_never_values() {
    let home = laptop();
    let mut c = kt(&home);
    c.args(["-vvv", "run", "--all-found", "--", "true"]);
    let o = output(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("container view"), "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
}

#[test]
fn a_secret_already_in_the_cluster_is_read_from_it() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    let mut create = cluster.kt(&home);
    create.args([
        "create",
        "app",
        "--from-literal",
        &format!("APP_TOKEN={CANARY}-cluster"),
        "--from-literal",
        "settings.json={}",
    ]);
    let o = create.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut run = cluster.kt(&home);
    run.args([
        "run",
        "--secret",
        "app",
        "--",
        "sh",
        "-c",
        "printenv APP_TOKEN; cat \"${HOME%/root}/secrets/app/settings.json\"",
    ]);
    let o = run.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(!stderr.contains(CANARY), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{CANARY}-cluster\n{{}}")
    );
}
