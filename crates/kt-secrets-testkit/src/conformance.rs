//! The provider conformance suite: what every provider, built in or loaded at run time, must
//! do given fixtures of its own.
//!
//! ```no_run
//! # async fn t(provider: &dyn kt_secrets_core::Provider) {
//! use kt_secrets_testkit::{FixtureHome, conformance::Conformance};
//! Conformance::new(provider)
//!     .found("env", FixtureHome::new().env("MY_TOKEN", "canary-1").canary("canary-1"))
//!     .unreadable("file", FixtureHome::new().file(".my/token", "canary-2"), "~/.my/token")
//!     .looks_at(&["env MY_TOKEN", "~/.my/token"])
//!     .run()
//!     .await;
//! # }
//! ```
//!
//! Checks, for each `found` fixture: it resolves; every data key is valid; every mount is
//! valid and every `Env`/`File` mount's key exists in the data; file mounts have absolute,
//! unique container paths and a mode within 0777, and files holding a private key or a canary
//! have no group/other bits; every `PathEnv` points at a mounted file; no env var or path is
//! claimed twice; resolving twice gives the same data; no canary reaches `Debug`, `Display`,
//! or the logs emitted while resolving.
//! For an empty HOME and env: it fails with "nothing found", naming every `looks_at` place.
//! For each `unreadable` fixture: with the named path replaced by a directory, and then by a
//! symlink loop (unreadable even for root), it fails with an error that names the path.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use kt_secrets_core::validate::{validate_data_key, validate_provider_name};
use kt_secrets_core::{
    DEFAULT_CONTAINER_HOME, Error, Mount, Provider, ResolveContext, Resolved, Secret,
    check_mount_clashes, expand_container_path,
};
use tracing::instrument::WithSubscriber;

use crate::fixture::FixtureHome;

/// A conformance run for one provider. Build it up, then [`run`](Conformance::run) it.
pub struct Conformance<'a> {
    provider: &'a dyn Provider,
    found: Vec<(String, FixtureHome)>,
    unreadable: Vec<(String, FixtureHome, String)>,
    looks_at: Vec<String>,
}

impl std::fmt::Debug for Conformance<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conformance")
            .field("provider", &self.provider.name())
            .field(
                "found",
                &self.found.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl<'a> Conformance<'a> {
    /// The suite for `provider`, with no fixtures yet.
    pub fn new(provider: &'a dyn Provider) -> Self {
        Conformance {
            provider,
            found: Vec::new(),
            unreadable: Vec::new(),
            looks_at: Vec::new(),
        }
    }

    /// A fixture in which the provider must find credentials. Plant every secret value with
    /// [`FixtureHome::canary`] so the suite can check that none leaks.
    pub fn found(mut self, label: &str, home: FixtureHome) -> Self {
        self.found.push((label.to_owned(), home));
        self
    }

    /// A fixture in which the provider reads `path` (`~/…` = the fixture HOME). The suite
    /// replaces that path with a directory, then with an unreadable entry, and expects an
    /// error naming it each time.
    pub fn unreadable(mut self, label: &str, home: FixtureHome, path: &str) -> Self {
        self.unreadable
            .push((label.to_owned(), home, path.to_owned()));
        self
    }

    /// Places (`env VAR`, `~/.dir/file`) the "nothing found" error for an empty HOME must name.
    pub fn looks_at(mut self, places: &[&str]) -> Self {
        self.looks_at.extend(places.iter().map(|s| (*s).to_owned()));
        self
    }

    /// Runs every check and panics with the list of failures, if any.
    pub async fn run(self) {
        let name = self.provider.name().to_owned();
        let (passed, failures) = self.check().await;
        if !failures.is_empty() {
            panic!(
                "provider {name}: {} conformance check(s) failed ({passed} passed):\n  - {}",
                failures.len(),
                failures.join("\n  - ")
            );
        }
        eprintln!("provider {name}: {passed} conformance checks passed");
    }

    /// Runs every check; returns how many passed and a line per failure.
    pub async fn check(self) -> (usize, Vec<String>) {
        let mut r = Report::default();
        let p = self.provider;
        let name = p.name().to_owned();
        r.check(
            "name is a valid provider name",
            validate_provider_name(&name).map_err(|e| e.to_string()),
        );
        let info = p.info();
        r.check(
            "info has a description, sources and targets",
            if info.description.is_empty() || info.sources.is_empty() || info.targets.is_empty() {
                Err(format!("{info:?}"))
            } else {
                Ok(())
            },
        );
        r.check(
            "at least one `found` fixture is given",
            if self.found.is_empty() {
                Err("none".to_owned())
            } else {
                Ok(())
            },
        );

        for (label, home) in &self.found {
            check_found(&mut r, p, label, home).await;
        }

        let empty = FixtureHome::new();
        let (res, logs) = resolve_logged(p, &empty.context()).await;
        match res {
            Ok(got) => r.fail(
                "empty HOME: nothing found",
                format!(
                    "resolved {} key(s) from an empty HOME and env",
                    got.data.len()
                ),
            ),
            Err(e) => {
                let msg = e.to_string();
                r.check(
                    "empty HOME: error is NothingFound",
                    if e.is_nothing_found() {
                        Ok(())
                    } else {
                        Err(msg.clone())
                    },
                );
                for place in &self.looks_at {
                    let want = expand_home(place, empty.root());
                    r.check(
                        &format!("empty HOME: error names {place}"),
                        if msg.contains(&want) {
                            Ok(())
                        } else {
                            Err(format!("{want:?} not in: {msg}"))
                        },
                    );
                }
                let _ = logs;
            }
        }

        for (label, home, path) in &self.unreadable {
            check_unreadable(&mut r, p, label, home, path).await;
        }
        (r.passed, r.failures)
    }
}

#[derive(Default)]
struct Report {
    passed: usize,
    failures: Vec<String>,
}

impl Report {
    fn check(&mut self, what: &str, res: Result<(), String>) {
        match res {
            Ok(()) => self.passed += 1,
            Err(why) => self.fail(what, why),
        }
    }

    fn fail(&mut self, what: &str, why: String) {
        self.failures.push(format!("{what}: {why}"));
    }
}

fn expand_home(place: &str, home: &Path) -> String {
    match place.strip_prefix("~/") {
        Some(rest) => home.join(rest).display().to_string(),
        None => place.to_owned(),
    }
}

async fn check_found(r: &mut Report, p: &dyn Provider, label: &str, home: &FixtureHome) {
    let ctx = home.context();
    let (res, logs) = resolve_logged(p, &ctx).await;
    let got = match res {
        Ok(got) => got,
        Err(e) => {
            let msg = e.to_string();
            r.fail(&format!("[{label}] resolves"), msg.clone());
            no_canary(r, &format!("[{label}] error"), &msg, home);
            return;
        }
    };
    r.passed += 1;
    let what = |s: &str| format!("[{label}] {s}");

    r.check(
        &what("finds at least one key"),
        if got.data.is_empty() {
            Err("no data".to_owned())
        } else {
            Ok(())
        },
    );
    for key in got.data.keys() {
        r.check(
            &what(&format!("data key {key:?} is valid")),
            validate_data_key(key).map_err(|e| e.to_string()),
        );
    }
    r.check(
        &what("mounts are valid and their keys exist"),
        got.validate().map_err(|e| e.to_string()),
    );
    r.check(
        &what("some mount uses the data"),
        if got.mounts.iter().any(|m| m.key().is_some()) {
            Ok(())
        } else {
            Err("no Env or File mount".to_owned())
        },
    );
    r.check(
        &what("no env var or path is claimed twice"),
        check_mount_clashes(&got.mounts).map_err(|e| e.to_string()),
    );

    let mut paths = BTreeSet::new();
    for m in &got.mounts {
        let Mount::File { key, path, mode } = m else {
            continue;
        };
        let abs = expand_container_path(path, DEFAULT_CONTAINER_HOME);
        r.check(
            &what(&format!("file {path} is absolute")),
            if abs.starts_with('/') {
                Ok(())
            } else {
                Err(abs.clone())
            },
        );
        r.check(
            &what(&format!("file {path} is mounted once")),
            if paths.insert(abs.clone()) {
                Ok(())
            } else {
                Err("duplicate".to_owned())
            },
        );
        r.check(
            &what(&format!("file {path} has a file mode")),
            if *mode <= 0o777 && *mode & 0o400 != 0 {
                Ok(())
            } else {
                Err(format!("{mode:o}"))
            },
        );
        let bytes = got.data.get(key).map(|v| v.expose()).unwrap_or_default();
        let private = contains(bytes, b"PRIVATE KEY")
            || home
                .canaries()
                .iter()
                .any(|c| contains(bytes, c.as_bytes()));
        if private {
            r.check(
                &what(&format!("secret file {path} has no group/other bits")),
                if *mode & 0o077 == 0 {
                    Ok(())
                } else {
                    Err(format!("mode {mode:04o}"))
                },
            );
        }
    }
    for m in &got.mounts {
        if let Mount::PathEnv { var, path } = m {
            let abs = expand_container_path(path, DEFAULT_CONTAINER_HOME);
            r.check(
                &what(&format!("env {var} points at a mounted file")),
                if paths.contains(&abs) || paths.iter().any(|p| p.starts_with(&format!("{abs}/"))) {
                    Ok(())
                } else {
                    Err(format!("{path} is not mounted"))
                },
            );
        }
    }

    match Secret::from_parts(p.name(), Some(p.name().to_owned()), got.clone()) {
        Ok(secret) => {
            no_canary(r, &what("Secret Debug"), &format!("{secret:?}"), home);
            no_canary(r, &what("Secret Display"), &secret.to_string(), home);
        }
        Err(e) => r.fail(&what("makes a Secret"), e.to_string()),
    }
    no_canary(r, &what("Resolved Debug"), &format!("{got:?}"), home);
    no_canary(r, &what("SecretData Display"), &got.data.to_string(), home);
    no_canary(r, &what("logs"), &logs, home);

    let (again, _) = resolve_logged(p, &ctx).await;
    r.check(
        &what("resolving twice gives the same data and mounts"),
        match again {
            Ok(a) if a.data == got.data && a.mounts == got.mounts => Ok(()),
            Ok(_) => Err("different result".to_owned()),
            Err(e) => Err(e.to_string()),
        },
    );
}

async fn check_unreadable(
    r: &mut Report,
    p: &dyn Provider,
    label: &str,
    home: &FixtureHome,
    path: &str,
) {
    let target = home.path(path.strip_prefix("~/").unwrap_or(path));
    let shown = target.display().to_string();
    let what = |s: &str| format!("[{label}] {s} at {path}");

    let (before, _) = resolve_logged(p, &home.context()).await;
    r.check(
        &format!("[{label}] resolves before {path} is broken"),
        before.map(|_| ()).map_err(|e| e.to_string()),
    );

    let _ = std::fs::remove_file(&target);
    let _ = std::fs::remove_dir_all(&target);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::create_dir(&target).expect("replace with a directory");
    std::fs::write(target.join("inner"), "x").expect("fill directory");
    expect_error_naming(r, p, home, &what("a directory"), &shown).await;

    std::fs::remove_dir_all(&target).expect("remove directory");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&target, &target).expect("make a symlink loop");
        expect_error_naming(
            r,
            p,
            home,
            &what("an unreadable entry (symlink loop)"),
            &shown,
        )
        .await;
        let _ = std::fs::remove_file(&target);
    }
}

async fn expect_error_naming(
    r: &mut Report,
    p: &dyn Provider,
    home: &FixtureHome,
    what: &str,
    shown: &str,
) {
    let (res, logs) = resolve_logged(p, &home.context()).await;
    match res {
        Ok(_) => r.fail(
            what,
            "resolved anyway: the broken path was skipped".to_owned(),
        ),
        Err(e) => {
            let msg = e.to_string();
            r.check(
                what,
                if matches!(e, Error::NothingFound { .. }) {
                    Err(format!("reported as nothing found: {msg}"))
                } else if msg.contains(shown) {
                    Ok(())
                } else {
                    Err(format!("error does not name {shown}: {msg}"))
                },
            );
            no_canary(r, &format!("{what}: error"), &msg, home);
            no_canary(r, &format!("{what}: logs"), &logs, home);
        }
    }
}

fn no_canary(r: &mut Report, what: &str, text: &str, home: &FixtureHome) {
    let leaked: Vec<&String> = home
        .canaries()
        .iter()
        .filter(|c| !c.is_empty() && text.contains(c.as_str()))
        .collect();
    r.check(
        &format!("{what} holds no secret value"),
        if leaked.is_empty() {
            Ok(())
        } else {
            Err(format!("{} canary value(s) leaked", leaked.len()))
        },
    );
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Resolves with every log event, at every level, captured as text.
pub async fn resolve_logged(
    p: &dyn Provider,
    ctx: &ResolveContext,
) -> (kt_secrets_core::Result<Resolved>, String) {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let res = p.resolve(ctx).with_subscriber(subscriber).await;
    let logs = String::from_utf8_lossy(&buf.0.lock().expect("log buffer")).into_owned();
    (res, logs)
}
