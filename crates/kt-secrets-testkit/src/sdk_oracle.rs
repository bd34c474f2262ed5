//! Runs a provider's own SDK or CLI (the oracle) twice on one layout: on the laptop fixture,
//! and in what the container would see, and hands back both outputs to compare.
//!
//! The container view is built from what the provider resolves: every file mount written at
//! its container path (mode as rendered) under a fresh directory, `HOME` the container home
//! inside it, the env mounts set, path env vars pointing into the tree, and nothing of this
//! process's environment but `PATH` and `LANG`.
//!
//! A missing oracle (the Python venv, `gh`, `ssh-keygen`) fails the test with the command that
//! installs it under `CI=true`; elsewhere it fails too, with the same message: no oracle test
//! passes without its oracle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kt_secrets_core::{Mount, Provider, Resolved};

use crate::fixture::FixtureHome;

/// The uid and gid an oracle runs as when it must not be root (`ssh-keygen` checks key modes
/// against the file's owner, and root reads any file).
pub const NOBODY: u32 = 65534;

/// How to start the oracle.
#[derive(Clone, Debug)]
pub struct Oracle {
    argv: Vec<String>,
    /// Env vars of this process passed through as they are (a proxy address, say).
    pass: BTreeMap<String, String>,
    as_nobody: bool,
    offline: bool,
}

impl Oracle {
    /// `python -c code` with the oracle venv's python, without network where this process
    /// may make a network namespace (as root): an SDK that would call home fails instead.
    pub fn python(code: &str) -> Self {
        let mut o = Oracle::command(&[python().display().to_string().as_str(), "-c", code]);
        o.offline = true;
        o
    }

    /// A command found on `PATH` (or an absolute path).
    pub fn command(argv: &[&str]) -> Self {
        Oracle {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            pass: BTreeMap::new(),
            as_nobody: false,
            offline: false,
        }
    }

    /// `sh -c script`.
    pub fn shell(script: &str) -> Self {
        Oracle::command(&["sh", "-c", script])
    }

    /// Also sets `var` to `value` on both runs (not a credential: a proxy, a locale).
    pub fn with_env(mut self, var: &str, value: &str) -> Self {
        self.pass.insert(var.to_owned(), value.to_owned());
        self
    }

    /// Runs as [`NOBODY`], the tree it reads chowned to that user first (we are root on CI).
    pub fn as_nobody(mut self) -> Self {
        self.as_nobody = true;
        self
    }

    fn run(&self, root: &Path, home: &Path, env: &BTreeMap<String, String>) -> Output {
        let mut cmd = if self.as_nobody {
            chown_tree(root);
            let mut c = Command::new(need("setpriv", "apt-get install -y util-linux"));
            c.args([
                format!("--reuid={NOBODY}"),
                format!("--regid={NOBODY}"),
                "--clear-groups".to_owned(),
                "--".to_owned(),
            ]);
            c.args(&self.argv);
            c
        } else if self.offline && can_unshare_net() {
            let mut c = Command::new("unshare");
            c.args(["--net", "--"]).args(&self.argv);
            c
        } else {
            let mut c = Command::new(&self.argv[0]);
            c.args(&self.argv[1..]);
            c
        };
        cmd.env_clear()
            .envs(base_env())
            .envs(env)
            .envs(&self.pass)
            .env("HOME", home)
            .current_dir(home)
            .stdin(Stdio::null());
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run oracle {:?}: {e}", self.argv))
    }
}

/// What one oracle run printed.
#[derive(Debug)]
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Self {
        Run {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// stdout parsed as one JSON value; panics (with stderr, never stdout: it holds the
    /// credentials) when the oracle failed or printed something else.
    pub fn json(&self) -> serde_json::Value {
        assert!(
            self.status.success(),
            "oracle failed ({}): {}",
            self.status,
            self.stderr
        );
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|_| panic!("oracle printed no JSON; stderr: {}", self.stderr))
    }
}

/// Fails unless the two JSON objects are equal, naming the fields that differ (never their
/// values, which are credentials).
pub fn assert_same(laptop: &serde_json::Value, pod: &serde_json::Value) {
    if laptop == pod {
        return;
    }
    let (Some(l), Some(p)) = (laptop.as_object(), pod.as_object()) else {
        panic!("the oracle's answers in the pod and on the laptop differ");
    };
    let differ: Vec<&str> = l
        .keys()
        .chain(p.keys())
        .filter(|k| l.get(*k) != p.get(*k))
        .map(String::as_str)
        .collect();
    panic!("in the pod, the SDK sees other {differ:?} than on the laptop");
}

/// The oracle's answers for one layout: on the laptop and in the container view.
#[derive(Debug)]
pub struct Both {
    pub laptop: Run,
    pub pod: Run,
    /// What the provider resolved, to check what the pod holds.
    pub resolved: Resolved,
}

impl Both {
    /// Fails when a value planted in the layout, which the oracle on the laptop does not use,
    /// is anywhere in the pod's data. Names the value's label, never the value.
    pub fn pod_lacks(&self, label: &str, value: &str) -> &Self {
        for (key, v) in self.resolved.data.iter() {
            let bytes = v.expose();
            let hit = bytes
                .windows(value.len().max(1))
                .any(|w| w == value.as_bytes());
            assert!(!hit, "{label} reached the pod (data key {key})");
        }
        self
    }
}

/// Resolves `provider` on `home`, runs `oracle` on the laptop fixture and in the container
/// view of what was resolved.
pub async fn laptop_and_pod(provider: &dyn Provider, home: &FixtureHome, oracle: &Oracle) -> Both {
    let resolved = provider
        .resolve(&home.context())
        .await
        .unwrap_or_else(|e| panic!("{} does not resolve: {e}", provider.name()));
    let laptop = Run::from(oracle.run(home.root(), home.root(), home.env_map()));

    let tree = tempfile::Builder::new()
        .prefix("kt-pod-")
        .tempdir()
        .expect("pod tree");
    let (pod_home, env) = materialize(&resolved, tree.path());
    let pod = Run::from(oracle.run(tree.path(), &pod_home, &env));
    Both {
        laptop,
        pod,
        resolved,
    }
}

/// Runs `oracle` on the laptop fixture only (for layouts where the provider must refuse).
pub fn laptop(home: &FixtureHome, oracle: &Oracle) -> Run {
    Run::from(oracle.run(home.root(), home.root(), home.env_map()))
}

/// Writes the container's files under `root` and returns its home and env.
fn materialize(r: &Resolved, root: &Path) -> (PathBuf, BTreeMap<String, String>) {
    let home = root.join(kt_secrets_core::DEFAULT_CONTAINER_HOME.trim_start_matches('/'));
    std::fs::create_dir_all(&home).expect("pod home");
    let at = |p: &str| match p.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => root.join(p.trim_start_matches('/')),
    };
    let mut env = BTreeMap::new();
    for m in &r.mounts {
        match m {
            Mount::File { key, path, mode } => {
                let p = at(path);
                std::fs::create_dir_all(p.parent().unwrap()).expect("pod dir");
                std::fs::write(&p, r.data.get(key).expect("mounted key").expose())
                    .expect("pod file");
                set_mode(&p, *mode);
            }
            Mount::Env { var, key } => {
                let v = r.data.get(key).expect("mounted key").expose_str();
                env.insert(var.clone(), v.expect("env value is UTF-8").to_owned());
            }
            Mount::PathEnv { var, path } => {
                env.insert(var.clone(), at(path).display().to_string());
            }
        }
    }
    (home, env)
}

fn base_env() -> Vec<(&'static str, String)> {
    let mut v = vec![("LANG", "C.UTF-8".to_owned())];
    if let Ok(path) = std::env::var("PATH") {
        v.push(("PATH", path));
    }
    v
}

/// The oracle venv's python: `$KT_SECRETS_TEST_PYTHON`, else `<target dir>/py-venv/bin/python`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KT_SECRETS_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    // Test binaries live in <target dir>/<profile>/deps.
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("test binary under <target dir>/<profile>/deps");
    let py = target.join("py-venv/bin/python");
    assert!(
        py.is_file(),
        "the oracle venv is missing ({}): run `bash .ci/venv.sh` (with CARGO_TARGET_DIR set as \
         for this build), or set KT_SECRETS_TEST_PYTHON",
        py.display()
    );
    py
}

/// `tool` on `PATH`, or a failure naming how to install it.
pub fn need(tool: &str, install: &str) -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{tool} is needed for this oracle test: {install}"))
}

/// Whether `unshare --net` works here (it needs root or user namespaces).
fn can_unshare_net() -> bool {
    static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OK.get_or_init(|| {
        Command::new("unshare")
            .args(["--net", "--", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn chown_tree(root: &Path) {
    let status = Command::new("chown")
        .args(["-R", &format!("{NOBODY}:{NOBODY}")])
        .arg(root)
        .status()
        .expect("run chown");
    assert!(
        status.success(),
        "chown -R {NOBODY} {} failed: oracle tests that run as nobody need root",
        root.display()
    );
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod pod file");
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}
