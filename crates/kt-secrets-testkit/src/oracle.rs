//! SDK oracles: the real SDK or CLI of a provider decides whether the pod's credentials are the
//! laptop's. An oracle (a Python snippet run by the pinned SDKs of `.ci/requirements.txt`, or a
//! CLI such as `gh`) runs twice:
//!
//! 1. **on the laptop**: the [`FixtureHome`] as HOME, the fixture's env, `PATH`, nothing else;
//! 2. **in the pod**: the provider resolves the same fixture, the secret is rendered into a pod,
//!    and the pod's container view is materialised exactly as `kt-secrets run` does
//!    ([`ResolvedCompute::materialize_temp`]): files at their container paths, `HOME` the
//!    container home inside the tree, the container env, `PATH`, nothing of the laptop.
//!
//! Each run returns an [`Observed`]: exit status, stdout, stderr. A Python oracle prints one JSON
//! object of identity fields (key id, secret, token, project, region, host, user...) so the test
//! compares them with [`Observed::json`]. A [`PodRun`] also holds the pod's files and env, so a
//! test can check that a value the SDK would not use on the laptop never reached the pod
//! ([`PodRun::carries`]).
//!
//! ```no_run
//! # async fn t(provider: &dyn kt_secrets_core::Provider) {
//! use kt_secrets_testkit::FixtureHome;
//! use kt_secrets_testkit::oracle::Oracle;
//! # // An integration test passes env!("CARGO_TARGET_TMPDIR"); doctests have none.
//! # let target_tmpdir = "target/tmp";
//!
//! // botocore's own chain, as `aws sts get-caller-identity` would run it.
//! let oracle = Oracle::python(
//!     target_tmpdir, // env!("CARGO_TARGET_TMPDIR") in an integration test
//!     &["botocore"],
//!     r#"
//! import botocore.session
//! s = botocore.session.Session()
//! c = s.get_credentials().get_frozen_credentials()
//! out({"key": c.access_key, "secret": c.secret_key, "token": c.token,
//!      "region": s.get_config_variable("region")})
//! "#,
//! )
//! .env("AWS_EC2_METADATA_DISABLED", "true");
//! let home = FixtureHome::new().file(".aws/credentials", "[default]\n...");
//! let laptop = oracle.on_laptop(&home).json();
//! let pod = oracle.in_pod(&home, provider).await;
//! assert_eq!(pod.observed.json(), laptop);
//! assert!(!pod.carries("old-key-in-a-comment"));
//! # }
//! ```
//!
//! Python snippets get a function `out(obj)` that prints `obj` as the JSON line the harness
//! reads, and run with sockets disabled (`connect`, `getaddrinfo` raise `OSError`): an oracle
//! never reaches the network, so credentials that need it (a refresh, a metadata server) show
//! up as an error or as what the SDK configured, never as traffic. The interpreter runs with
//! `-I` (no `PYTHON*` variables, no user site), the same in both runs.
//!
//! A missing oracle (no venv, a module not installed, a CLI not on `PATH`) panics with the
//! command that installs it: the oracle tests never pass without their oracle. The interpreter
//! is `$KT_SECRETS_TEST_PYTHON`, else `<target dir>/py-venv/bin/python`, where the target dir is
//! the parent of the `CARGO_TARGET_TMPDIR` the test passes in (`.ci/venv.sh` creates it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use kt_secrets_core::{Provider, ResolveContext, Secret};
use kt_secrets_kube::compute::{Compute, ResolvedCompute};
use kt_secrets_kube::pod::MountedSecret;
use kt_secrets_kube::view::ContainerView;

use crate::FixtureHome;

/// What [`Observed::json`] returns, so oracle tests need no JSON dependency of their own.
pub use serde_json::{Value, json};

/// Where the oracle venv comes from, for the messages of a missing oracle.
pub const VENV_INSTALL: &str =
    "bash .ci/venv.sh (with the same CARGO_TARGET_DIR; it installs .ci/requirements.txt)";

/// What the harness prepends to every Python snippet.
const PY_PRELUDE: &str = r#"
import json as _kt_json, socket as _kt_socket, sys as _kt_sys
def _kt_no_network(*a, **k):
    raise OSError("network disabled by the kt-secrets oracle harness")
_kt_socket.socket.connect = _kt_no_network
_kt_socket.socket.connect_ex = _kt_no_network
_kt_socket.create_connection = _kt_no_network
_kt_socket.getaddrinfo = _kt_no_network
def out(obj):
    _kt_sys.stdout.write("KT-ORACLE " + _kt_json.dumps(obj, sort_keys=True, default=str) + "\n")
"#;

/// The prefix of the line [`Observed::json`] reads.
const OUT_PREFIX: &str = "KT-ORACLE ";

type Hook = Arc<dyn Fn(&Path) + Send + Sync>;

/// One SDK or CLI that says which identity a HOME and env give.
#[derive(Clone)]
pub struct Oracle {
    program: PathBuf,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    container_home: String,
    wrapper: Vec<String>,
    before: Option<Hook>,
    what: String,
}

impl std::fmt::Debug for Oracle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oracle")
            .field("what", &self.what)
            .field("program", &self.program)
            .field("container_home", &self.container_home)
            .finish()
    }
}

/// The interpreter of the oracle venv: `$KT_SECRETS_TEST_PYTHON`, else
/// `<target dir>/py-venv/bin/python`, with `target_tmpdir` the `CARGO_TARGET_TMPDIR` of the
/// test. Panics with [`VENV_INSTALL`] when there is none.
pub fn python(target_tmpdir: &str) -> PathBuf {
    if let Some(p) = std::env::var_os("KT_SECRETS_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let target = Path::new(target_tmpdir)
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent");
    let p = target.join("py-venv/bin/python");
    if !p.is_file() {
        panic!(
            "the SDK oracles need the Python venv {}, which is missing; create it with: {VENV_INSTALL}",
            p.display()
        );
    }
    p
}

impl Oracle {
    /// A Python snippet run by the oracle venv; `modules` are imported first, and a missing one
    /// panics with the install command. The snippet calls `out({...})` once with the identity
    /// fields.
    pub fn python(target_tmpdir: &str, modules: &[&str], snippet: &str) -> Oracle {
        let py = python(target_tmpdir);
        for m in modules {
            let ok = Command::new(&py)
                .args(["-I", "-c", &format!("import {m}")])
                .env_clear()
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                panic!(
                    "the SDK oracle needs the Python module {m}, which {} cannot import; \
                     install the pinned SDKs with: {VENV_INSTALL}",
                    py.display()
                );
            }
        }
        let code = format!("{PY_PRELUDE}\n{}", dedent(snippet));
        Oracle {
            program: py,
            args: vec!["-I".into(), "-c".into(), code],
            env: BTreeMap::new(),
            container_home: kt_secrets_core::DEFAULT_CONTAINER_HOME.to_owned(),
            wrapper: Vec::new(),
            before: None,
            what: format!("python ({})", modules.join(", ")),
        }
    }

    /// A CLI found on `PATH`; panics naming the Debian package `debian_package` when missing.
    pub fn cli(program: &str, args: &[&str], debian_package: &str) -> Oracle {
        let found = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        });
        let Some(found) = found else {
            panic!(
                "the SDK oracle needs `{program}`, which is not on PATH; install it with: \
                 apt-get install -y {debian_package} (as .ci/run does)"
            );
        };
        Oracle {
            program: found,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: BTreeMap::new(),
            container_home: kt_secrets_core::DEFAULT_CONTAINER_HOME.to_owned(),
            wrapper: Vec::new(),
            before: None,
            what: program.to_owned(),
        }
    }

    /// An env var of the harness, set in both runs (after the fixture's or the pod's env), such
    /// as `AWS_EC2_METADATA_DISABLED=true`. It is the same on both sides, so it never explains a
    /// difference.
    pub fn env(mut self, var: &str, value: &str) -> Oracle {
        self.env.insert(var.to_owned(), value.to_owned());
        self
    }

    /// The container home of the pod (default `/root`).
    pub fn container_home(mut self, home: &str) -> Oracle {
        self.container_home = home.to_owned();
        self
    }

    /// Runs the oracle through `prefix` (as in `["setpriv", "--reuid=65534", "--"]`), in both
    /// runs.
    pub fn wrapper(mut self, prefix: &[&str]) -> Oracle {
        self.wrapper = prefix.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// Called with the directory standing for HOME's filesystem before each run: the fixture
    /// root on the laptop, the view's root in the pod (to chown it for a non-root run, say).
    pub fn before_run(mut self, hook: impl Fn(&Path) + Send + Sync + 'static) -> Oracle {
        self.before = Some(Arc::new(hook));
        self
    }

    /// The oracle on the laptop: `home` as HOME, its env, `PATH`, the oracle's env.
    pub fn on_laptop(&self, home: &FixtureHome) -> Observed {
        if let Some(h) = &self.before {
            h(home.root());
        }
        let mut cmd = self.base_command();
        cmd.env_clear()
            .envs(home.env_map())
            .env("HOME", home.root());
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.envs(&self.env);
        self.observe(cmd, "on the laptop")
    }

    /// The check an SDK test makes of one layout: the laptop's SDK reads `value` as `field` (so a
    /// run where both sides read nothing cannot pass), the pod's SDK reads the same identity,
    /// and none of `unused` (values the laptop's SDK ignores) reached the pod.
    pub async fn assert_pod_matches_laptop(
        &self,
        home: &FixtureHome,
        provider: &dyn Provider,
        field: &str,
        value: &str,
        unused: &[&str],
    ) {
        let laptop = self.on_laptop(home).json();
        let pod = self.in_pod(home, provider).await;
        assert!(
            laptop[field] == value,
            "the laptop's SDK has another {field}"
        );
        assert_same(&laptop, &pod.observed.json());
        for v in unused {
            pod.assert_not_carried(v, "the laptop's SDK does not use it");
        }
    }

    /// The oracle in the pod that `provider`, resolved against `home`, renders.
    pub async fn in_pod(&self, home: &FixtureHome, provider: &dyn Provider) -> PodRun {
        let resolved = provider
            .resolve(&home.context())
            .await
            .unwrap_or_else(|e| panic!("provider {} on this fixture: {e}", provider.name()));
        let secret =
            Secret::from_parts(provider.name(), Some(provider.name().to_owned()), resolved)
                .unwrap_or_else(|e| panic!("provider {}: {e}", provider.name()));
        self.in_pod_with(vec![secret])
    }

    /// The oracle in a pod that mounts `secrets`.
    pub fn in_pod_with(&self, secrets: Vec<Secret>) -> PodRun {
        let compute = Compute::new().with_container_home(&self.container_home);
        let mounted = secrets
            .into_iter()
            .map(|s| MountedSecret::managed(s, "global"))
            .collect();
        let resolved = ResolvedCompute::new(compute, mounted)
            .unwrap_or_else(|e| panic!("rendering the pod: {e}"));
        let view = resolved
            .materialize_temp()
            .unwrap_or_else(|e| panic!("materialising the pod's view: {e}"));
        if let Some(h) = &self.before {
            h(view.root());
        }
        let caller = match std::env::var("PATH") {
            Ok(path) => ResolveContext::new("/nonexistent").with_env("PATH", path),
            Err(_) => ResolveContext::new("/nonexistent"),
        };
        let std_cmd = view.command(&self.program, &caller, &[]);
        let mut cmd = self.base_command();
        cmd.env_clear();
        for (k, v) in std_cmd.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        cmd.envs(&self.env);
        let observed = self.observe(cmd, "in the pod");
        PodRun {
            files: view
                .files()
                .iter()
                .map(|f| {
                    (
                        f.container_path.clone(),
                        std::fs::read(&f.path).expect("read the view's file"),
                    )
                })
                .collect(),
            env: view
                .env()
                .map(|(k, v)| (k.to_owned(), v.expose().to_vec()))
                .collect(),
            observed,
            view,
        }
    }

    fn base_command(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((w, rest)) => {
                let mut c = Command::new(w);
                c.args(rest).arg(&self.program);
                c
            }
            None => Command::new(&self.program),
        };
        cmd.args(&self.args).stdin(Stdio::null());
        cmd
    }

    fn observe(&self, mut cmd: Command, side: &str) -> Observed {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run the oracle {} {side}: {e}", self.what));
        Observed {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            side: side.to_owned(),
        }
    }
}

/// Fails unless the laptop's and the pod's answers are equal, naming the fields that differ
/// (never their values, which are credentials).
#[track_caller]
pub fn assert_same(laptop: &serde_json::Value, pod: &serde_json::Value) {
    if laptop == pod {
        return;
    }
    let (Some(l), Some(p)) = (laptop.as_object(), pod.as_object()) else {
        panic!("the oracle's answers in the pod and on the laptop differ");
    };
    let mut differ: Vec<&str> = l
        .keys()
        .chain(p.keys())
        .filter(|k| l.get(*k) != p.get(*k))
        .map(String::as_str)
        .collect();
    differ.dedup();
    panic!("in the pod the SDK sees other {differ:?} than on the laptop");
}

/// What one run of an oracle printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// Exit code (-1 when killed by a signal).
    pub status: i32,
    /// What it wrote to stdout.
    pub stdout: String,
    /// What it wrote to stderr.
    pub stderr: String,
    /// `on the laptop` or `in the pod`, for messages.
    pub side: String,
}

impl Observed {
    /// The object a Python oracle gave `out()`; panics with stderr when it gave none (an SDK
    /// exception, say).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match self.try_json() {
            Some(v) => v,
            None => panic!(
                "the oracle printed no result {} (exit {}):\nstdout:\n{}\nstderr:\n{}",
                self.side, self.status, self.stdout, self.stderr
            ),
        }
    }

    /// [`json`](Self::json), or `None` when the oracle printed no result.
    pub fn try_json(&self) -> Option<serde_json::Value> {
        self.stdout
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(OUT_PREFIX))
            .map(|l| serde_json::from_str(l).expect("out() prints JSON"))
    }

    /// stdout without its trailing newline, for CLI oracles such as `gh auth token`.
    pub fn text(&self) -> &str {
        self.stdout.trim_end_matches('\n')
    }

    /// Panics, with what it printed, unless the run exited 0.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.status, 0,
            "the oracle failed {}:\nstdout:\n{}\nstderr:\n{}",
            self.side, self.stdout, self.stderr
        );
        self
    }
}

/// The oracle's run in the pod, and what the pod was given.
#[derive(Debug)]
pub struct PodRun {
    /// What the oracle printed in the pod.
    pub observed: Observed,
    /// Container path → content of every mounted file.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The container's env (paths already pointing into the view).
    pub env: BTreeMap<String, Vec<u8>>,
    /// The materialised tree; removed when this is dropped.
    pub view: ContainerView,
}

impl PodRun {
    /// Whether `value` is anywhere in the pod: a file's content or an env value.
    pub fn carries(&self, value: &str) -> bool {
        let v = value.as_bytes();
        let has = |b: &[u8]| !v.is_empty() && b.windows(v.len()).any(|w| w == v);
        self.files.values().any(|b| has(b)) || self.env.values().any(|b| has(b))
    }

    /// Panics naming where `value` is, if the pod carries it.
    #[track_caller]
    pub fn assert_not_carried(&self, value: &str, why: &str) {
        let v = value.as_bytes();
        let has = |b: &[u8]| !v.is_empty() && b.windows(v.len()).any(|w| w == v);
        let mut at: Vec<String> = Vec::new();
        at.extend(
            self.files
                .iter()
                .filter(|(_, b)| has(b))
                .map(|(p, _)| format!("file {p}")),
        );
        at.extend(
            self.env
                .iter()
                .filter(|(_, b)| has(b))
                .map(|(k, _)| format!("env {k}")),
        );
        assert!(
            at.is_empty(),
            "a value that must stay on the laptop ({why}) is in the pod: {}",
            at.join(", ")
        );
    }

    /// The content of the mounted file at `container_path` (`~/` is the container home).
    pub fn file(&self, container_path: &str) -> Option<&[u8]> {
        let p = kt_secrets_core::expand_container_path(container_path, self.view.container_home());
        self.files.get(&p).map(Vec::as_slice)
    }
}

/// Removes the indentation common to every non-blank line, so snippets can be indented in
/// Rust source.
fn dedent(s: &str) -> String {
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    s.lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedents() {
        assert_eq!(dedent("\n    a\n      b\n\n    c"), "\na\n  b\n\nc");
    }

    #[test]
    fn json_is_the_last_out_line() {
        let o = Observed {
            status: 0,
            stdout: "noise\nKT-ORACLE {\"a\": 1}\nmore\n".into(),
            stderr: String::new(),
            side: "on the laptop".into(),
        };
        assert_eq!(o.json(), serde_json::json!({"a": 1}));
        let none = Observed {
            stdout: "nothing".into(),
            ..o
        };
        assert!(none.try_json().is_none());
    }
}
