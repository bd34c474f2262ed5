//! A throw-away HOME directory and env map for a provider to resolve against.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kt_secrets_core::ResolveContext;

/// A temporary HOME with files, an env map, and the canary values planted in them.
///
/// The directory is removed when the fixture is dropped.
#[derive(Debug)]
pub struct FixtureHome {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    canaries: Vec<String>,
}

impl Default for FixtureHome {
    fn default() -> Self {
        Self::new()
    }
}

impl FixtureHome {
    /// An empty HOME in a fresh temporary directory, removed on drop, with no env vars.
    pub fn new() -> Self {
        FixtureHome {
            dir: tempfile::Builder::new()
                .prefix("kt-home-")
                .tempdir()
                .expect("create fixture HOME"),
            env: BTreeMap::new(),
            canaries: Vec::new(),
        }
    }

    /// The HOME directory itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` under the fixture HOME (a leading `~/` is accepted and stripped).
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        let rel = rel.as_ref();
        let rel = rel.strip_prefix("~").unwrap_or(rel);
        self.dir.path().join(rel)
    }

    /// Writes `contents` at `rel` (parents created), mode 0600.
    pub fn file(self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Self {
        self.file_mode(rel, contents, 0o600)
    }

    /// As [`FixtureHome::file`], with file mode `mode`.
    pub fn file_mode(self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>, mode: u32) -> Self {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create fixture dir");
        }
        std::fs::write(&p, contents).expect("write fixture file");
        set_mode(&p, mode);
        self
    }

    /// Creates the directory `rel` (and its parents).
    pub fn dir(self, rel: impl AsRef<Path>) -> Self {
        std::fs::create_dir_all(self.path(rel)).expect("create fixture dir");
        self
    }

    /// Sets env var `var` in the fixture's environment (never the process's).
    pub fn env(mut self, var: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(var.into(), value.into());
        self
    }

    /// Sets env var `var` to a path under the fixture HOME.
    pub fn env_path(self, var: impl Into<String>, rel: impl AsRef<Path>) -> Self {
        let p = self.path(rel).display().to_string();
        self.env(var, p)
    }

    /// Records a value planted in this fixture that must never appear in output.
    pub fn canary(mut self, value: impl Into<String>) -> Self {
        self.canaries.push(value.into());
        self
    }

    /// The values recorded with [`FixtureHome::canary`].
    pub fn canaries(&self) -> &[String] {
        &self.canaries
    }

    /// The fixture's env vars (without `HOME`, which [`FixtureHome::context`] adds).
    pub fn env_map(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// The context a provider resolves against: this HOME and this env (with `HOME` set).
    pub fn context(&self) -> ResolveContext {
        ResolveContext::new(self.root())
            .with_envs(self.env.clone())
            .with_env("HOME", self.root().display().to_string())
    }
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod fixture");
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}
