//! A rendered compute's container view on this machine: every file the pod mounts, at its
//! container path under a root directory and with its rendered mode, and the container's env
//! with `secretKeyRef`s resolved and container paths pointing into that directory.
//!
//! The view is read from the rendered [`Pod`](k8s_openapi::api::core::v1::Pod) itself
//! (volumes, items, `subPath`s, modes and env as the kubelet would see them), so a command run
//! in it meets what the container meets, rendering mistakes included: `plan` reads the pod,
//! `env` gives the env values as the kubelet does, `materialize` writes the view.
//!
//! ```
//! use kt_secrets_core::{Origin, Resolved, Secret};
//! use kt_secrets_kube::{Compute, MountedSecret, ResolvedCompute};
//!
//! let mut r = Resolved::new();
//! r.add_file("adc.json", "{}", Origin::Literal, "~/.config/gcloud/adc.json", 0o600)?;
//! r.mounts.push(kt_secrets_core::Mount::path_env(
//!     "GOOGLE_APPLICATION_CREDENTIALS",
//!     "~/.config/gcloud/adc.json",
//! ));
//! let gcp = Secret::from_parts("gcp", None, r)?;
//! let resolved = ResolvedCompute::new(Compute::new(), vec![MountedSecret::managed(gcp, "global")])?;
//!
//! let view = resolved.materialize_temp()?;
//! let adc = view.root().join("root/.config/gcloud/adc.json");
//! assert!(adc.is_file());
//! assert_eq!(view.home(), view.root().join("root"));
//! // The env var names the copy that kubelet keeps current (see `pod::live_dir`).
//! let live = view.host_path("/var/run/kt-secrets/kt.secret.global.gcp/adc.json");
//! let var = view.env_var("GOOGLE_APPLICATION_CREDENTIALS").unwrap();
//! assert_eq!(var.expose(), live.to_str().unwrap().as_bytes());
//! view.remove()?; // or drop it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod env;
mod error;
mod materialize;
mod plan;
#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use kt_secrets_core::{ResolveContext, SecretValue};

pub use error::ViewError;
pub use materialize::materialize_pod;

/// The caller's env vars a command run in a view keeps: what finds programs and what the
/// terminal needs. Everything else of the caller's environment stays out.
pub const CALLER_ENV_KEPT: &[&str] = &["PATH", "LANG", "TERM"];

/// One file of the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewFile {
    /// Where the container sees it (`/root/.aws/credentials`).
    pub container_path: String,
    /// Where it is on this machine, under [`ContainerView::root`].
    pub path: PathBuf,
    /// Its mode, as rendered.
    pub mode: u32,
}

/// A container's files and env, materialised under a directory of this machine.
///
/// Built by [`ResolvedCompute::materialize`](crate::ResolvedCompute::materialize) (into a
/// directory of the caller's) or
/// [`ResolvedCompute::materialize_temp`](crate::ResolvedCompute::materialize_temp) (into a fresh temporary directory that is removed when
/// the view is dropped). `Debug` shows env var names and file paths, never values.
pub struct ContainerView {
    root: PathBuf,
    home: PathBuf,
    container_home: String,
    env: Vec<(String, SecretValue)>,
    files: Vec<ViewFile>,
    temp: Option<tempfile::TempDir>,
}

impl fmt::Debug for ContainerView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContainerView")
            .field("root", &self.root)
            .field("home", &self.home)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("files", &self.files)
            .finish()
    }
}

impl ContainerView {
    /// The directory standing for the container's `/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The container home inside [`root`](Self::root): what `HOME` is for a command run here.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The container home as the container sees it (`/root`).
    pub fn container_home(&self) -> &str {
        &self.container_home
    }

    /// The container's env vars in the pod's order, values final: `secretKeyRef`s resolved,
    /// `$(VAR)` references expanded as the kubelet does, container paths pointing into the
    /// view.
    pub fn env(&self) -> impl Iterator<Item = (&str, &SecretValue)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The final value of the container's env var `var`, as in [`env`](Self::env).
    pub fn env_var(&self, var: &str) -> Option<&SecretValue> {
        self.env.iter().find(|(k, _)| k == var).map(|(_, v)| v)
    }

    /// Every mounted file, in mount order.
    pub fn files(&self) -> &[ViewFile] {
        &self.files
    }

    /// Where container path `path` is in the view (`~/` is the container home).
    pub fn host_path(&self, path: &str) -> PathBuf {
        let expanded = kt_secrets_core::expand_container_path(path, &self.container_home);
        self.root.join(expanded.trim_start_matches('/'))
    }

    /// `program` set up to run in the view: the container's env and `HOME`, plus only
    /// [`CALLER_ENV_KEPT`] and the `keep` vars of `caller`; a container env var wins over a kept
    /// one of the same name. The working directory is left as it is.
    pub fn command(
        &self,
        program: impl AsRef<OsStr>,
        caller: &ResolveContext,
        keep: &[String],
    ) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear();
        for var in CALLER_ENV_KEPT
            .iter()
            .copied()
            .chain(keep.iter().map(String::as_str))
        {
            if let Some(v) = caller.env(var) {
                cmd.env(var, v);
            }
        }
        cmd.env("HOME", &self.home);
        for (var, value) in &self.env {
            cmd.env(var, OsStr::from_bytes(value.expose()));
        }
        cmd
    }

    /// Removes the view's directory (only a view from
    /// [`materialize_temp`](crate::ResolvedCompute::materialize_temp) owns one); what a command run in
    /// it made unwritable is made writable first.
    pub fn remove(mut self) -> Result<(), ViewError> {
        match self.temp.take() {
            Some(temp) => {
                let path = temp.path().to_path_buf();
                // Keeps the TempDir from retrying on drop: this removal reports its failure.
                let path_kept = temp.keep();
                debug_assert_eq!(path, path_kept);
                remove_tree(&path)
            }
            None => Ok(()),
        }
    }
}

/// Removes `dir` and everything below it, making directories writable and searchable where
/// a first try was refused.
pub fn remove_tree(dir: &Path) -> Result<(), ViewError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) => {}
    }
    fn open_up(dir: &Path) {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    open_up(&e.path());
                }
            }
        }
    }
    open_up(dir);
    std::fs::remove_dir_all(dir).map_err(|e| ViewError::io(dir, e))
}

impl Drop for ContainerView {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = remove_tree(&temp.keep());
        }
    }
}
