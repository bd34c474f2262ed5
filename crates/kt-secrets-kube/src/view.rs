//! A rendered compute's container view on this machine: every file the pod mounts, at its
//! container path under a root directory and with its rendered mode, and the container's env
//! with `secretKeyRef`s resolved and container paths pointing into that directory.
//!
//! The view is read from the rendered [`Pod`] itself
//! (volumes, items, `subPath`s, modes and env as the kubelet would see them), so a command run
//! in it meets what the container meets, rendering mistakes included.
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

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{EnvVar, KeyToPath, Pod, Volume};
use kt_secrets_core::{ResolveContext, Secret, SecretValue, validate_container_path};

use crate::compute::{CONTAINER_NAME, ResolvedCompute};
use crate::pod::MountedSecret;

/// The caller's env vars a command run in a view keeps: what finds programs and what the
/// terminal needs. Everything else of the caller's environment stays out.
pub const CALLER_ENV_KEPT: &[&str] = &["PATH", "LANG", "TERM"];

/// Mode of a secret volume's files when neither the item nor the volume sets one: the
/// Kubernetes default (`SecretVolumeSource.defaultMode`).
const KUBERNETES_DEFAULT_MODE: u32 = 0o644;

/// Mode of the directories the container runtime creates above a mount point.
const DIR_MODE: u32 = 0o755;

/// What can keep a view from being built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    #[error("the rendered pod has no container {CONTAINER_NAME:?}")]
    NoContainer,

    #[error("{what} reads Secret {object:?}, which is not one of the compute's secrets")]
    UnknownSecret { what: String, object: String },

    #[error("{what} reads key {key:?} of Secret {object:?}, which has no such key")]
    MissingKey {
        what: String,
        object: String,
        key: String,
    },

    #[error("volume mount at {mount_path} names volume {volume:?}, which the pod does not have")]
    UnknownVolume { mount_path: String, volume: String },

    #[error("volume {volume:?} is not a secret volume; only secret volumes can be materialised")]
    NotASecretVolume { volume: String },

    #[error(
        "volume mount at {mount_path} takes subPath {sub_path:?}, which is not an item of \
         volume {volume:?}"
    )]
    UnknownSubPath {
        mount_path: String,
        volume: String,
        sub_path: String,
    },

    #[error("container path {path:?} cannot be materialised: {reason}")]
    BadPath { path: String, reason: String },

    #[error("env var {var} comes from a source other than a value or a secretKeyRef")]
    UnsupportedEnvSource { var: String },

    #[error("env var {var}: its value contains a NUL byte, which no process environment holds")]
    NulInEnv { var: String },

    #[error("{path} must be an empty directory to hold the container view")]
    NotEmpty { path: PathBuf },

    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ViewError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        ViewError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

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
/// Built by [`ResolvedCompute::materialize`] (into a directory of the caller's) or
/// [`ResolvedCompute::materialize_temp`] (into a fresh temporary directory that is removed when
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
    /// [`materialize_temp`](ResolvedCompute::materialize_temp) owns one); what a command run in
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

/// A file to write: container path, value, mode.
struct Planned<'a> {
    container_path: String,
    value: &'a SecretValue,
    mode: u32,
}

impl ResolvedCompute {
    /// Writes the container's view of this compute under `dir`, which must be an empty
    /// directory: each mounted file at `dir` + its container path with its rendered mode, and
    /// the env as [`ContainerView::env`] describes. Everything is checked before anything is
    /// written; if writing fails, what was written is removed again.
    pub fn materialize(&self, dir: &Path) -> Result<ContainerView, ViewError> {
        materialize_pod(
            &self.pod(),
            self.secrets(),
            self.compute().get_container_home(),
            dir,
        )
    }

    /// Like [`materialize`](Self::materialize), into a fresh private temporary directory
    /// (mode 0700) that is removed when the view is dropped or [removed](ContainerView::remove).
    pub fn materialize_temp(&self) -> Result<ContainerView, ViewError> {
        let temp = tempfile::Builder::new()
            .prefix("kt-secrets-view-")
            .tempdir()
            .map_err(|e| ViewError::io(&std::env::temp_dir(), e))?;
        // Other local users must not read the credentials; it is still empty here.
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(|e| ViewError::io(temp.path(), e))?;
        let mut view = self.materialize(temp.path())?;
        view.temp = Some(temp);
        Ok(view)
    }
}

/// The view of container [`CONTAINER_NAME`] of any `pod` whose secret volumes and
/// `secretKeyRef`s read `secrets` (by object name), as [`ResolvedCompute::materialize`]
/// writes it; `container_home` is the home of the image's user.
pub fn materialize_pod(
    pod: &Pod,
    secrets: &[MountedSecret],
    container_home: &str,
    dir: &Path,
) -> Result<ContainerView, ViewError> {
    let empty = std::fs::read_dir(dir)
        .map_err(|e| ViewError::io(dir, e))?
        .next()
        .is_none();
    if !empty {
        return Err(ViewError::NotEmpty {
            path: dir.to_path_buf(),
        });
    }
    let (files, env) = plan(pod, secrets)?;
    let trimmed = container_home.trim_end_matches('/');
    let container_home = if trimmed.is_empty() { "/" } else { trimmed }.to_owned();
    if container_home != "/" {
        check_path(&container_home)?;
    }
    let root = dir.to_path_buf();
    let into_root = |p: &str| root.join(p.trim_start_matches('/'));
    let home = into_root(&container_home);
    let mut view = ContainerView {
        root: root.clone(),
        home: home.clone(),
        container_home: container_home.clone(),
        env: Vec::with_capacity(env.len()),
        files: Vec::with_capacity(files.len()),
        temp: None,
    };
    let written = (|| {
        create_dirs(&root, &home)?;
        for f in &files {
            let path = into_root(&f.container_path);
            if let Some(parent) = path.parent() {
                create_dirs(&root, parent)?;
            }
            write_new(&path, f.value.expose(), f.mode)?;
            view.files.push(ViewFile {
                container_path: f.container_path.clone(),
                path,
                mode: f.mode,
            });
        }
        Ok(())
    })();
    if let Err(e) = written {
        clear_dir(dir);
        return Err(e);
    }
    let file_paths: Vec<&str> = files.iter().map(|f| f.container_path.as_str()).collect();
    for (var, value, plain) in env {
        // Only plain values can be paths; a secret's value is never looked at.
        let rewritten = plain
            .then(|| value.expose_str())
            .flatten()
            .filter(|v| in_tree(v, &container_home, &file_paths))
            .map(|v| SecretValue::from(rewrite(v, &root)));
        view.env.push((var, rewritten.unwrap_or(value)));
    }
    Ok(view)
}

/// Env entries of a plan: (var, value, whether it is a plain value rather than a secret's).
type PlannedEnv = Vec<(String, SecretValue, bool)>;

/// Every file and env var of the pod's container, looked up in the secrets' data; nothing
/// written yet.
fn plan<'a>(
    pod: &Pod,
    secrets: &'a [MountedSecret],
) -> Result<(Vec<Planned<'a>>, PlannedEnv), ViewError> {
    let spec = pod.spec.clone().unwrap_or_default();
    let container = spec
        .containers
        .into_iter()
        .find(|c| c.name == CONTAINER_NAME)
        .ok_or(ViewError::NoContainer)?;
    let by_object: BTreeMap<&str, &Secret> = secrets
        .iter()
        .map(|m| (m.object_name.as_str(), &m.secret))
        .collect();
    let value_of = |what: &dyn Fn() -> String,
                    object: &str,
                    key: &str|
     -> Result<&'a SecretValue, ViewError> {
        let secret = by_object
            .get(object)
            .ok_or_else(|| ViewError::UnknownSecret {
                what: what(),
                object: object.to_owned(),
            })?;
        secret.data().get(key).ok_or_else(|| ViewError::MissingKey {
            what: what(),
            object: object.to_owned(),
            key: key.to_owned(),
        })
    };
    let volumes: BTreeMap<&str, &Volume> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| (v.name.as_str(), v))
        .collect();
    let mut files = Vec::new();
    for vm in container.volume_mounts.iter().flatten() {
        let mount_path = &vm.mount_path;
        check_path(mount_path)?;
        let volume = volumes
            .get(vm.name.as_str())
            .ok_or_else(|| ViewError::UnknownVolume {
                mount_path: mount_path.clone(),
                volume: vm.name.clone(),
            })?;
        let src = volume
            .secret
            .as_ref()
            .ok_or_else(|| ViewError::NotASecretVolume {
                volume: vm.name.clone(),
            })?;
        let object = src.secret_name.clone().unwrap_or_default();
        let default_mode = src
            .default_mode
            .map_or(KUBERNETES_DEFAULT_MODE, |m| m as u32);
        // Without items the kubelet projects every key, each at a path of its own name.
        let items: Vec<KeyToPath> = match &src.items {
            Some(items) => items.clone(),
            None => by_object
                .get(object.as_str())
                .map(|s| {
                    s.data()
                        .keys()
                        .map(|k| KeyToPath {
                            key: k.to_owned(),
                            path: k.to_owned(),
                            mode: None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let what = || format!("volume mount at {mount_path}");
        let mode = |i: &KeyToPath| i.mode.map_or(default_mode, |m| m as u32);
        match vm.sub_path.as_deref().filter(|s| !s.is_empty()) {
            Some(sub) => {
                let item = items.iter().find(|i| i.path == sub).ok_or_else(|| {
                    ViewError::UnknownSubPath {
                        mount_path: mount_path.clone(),
                        volume: vm.name.clone(),
                        sub_path: sub.to_owned(),
                    }
                })?;
                files.push(Planned {
                    container_path: mount_path.clone(),
                    value: value_of(&what, &object, &item.key)?,
                    mode: mode(item),
                });
            }
            // The whole volume as a directory: every item below the mount path.
            None => {
                for item in &items {
                    let path = format!("{}/{}", mount_path.trim_end_matches('/'), item.path);
                    check_path(&path)?;
                    files.push(Planned {
                        container_path: path,
                        value: value_of(&what, &object, &item.key)?,
                        mode: mode(item),
                    });
                }
            }
        }
    }
    check_no_nesting(&files)?;

    let mut env: Vec<(String, SecretValue, bool)> = Vec::new();
    for EnvVar {
        name,
        value,
        value_from,
    } in container.env.into_iter().flatten()
    {
        let (v, plain) = match (value, value_from) {
            (_, Some(from)) => {
                let r = from
                    .secret_key_ref
                    .filter(|_| {
                        from.config_map_key_ref.is_none()
                            && from.field_ref.is_none()
                            && from.resource_field_ref.is_none()
                    })
                    .ok_or_else(|| ViewError::UnsupportedEnvSource { var: name.clone() })?;
                let what = || format!("env var {name}");
                (value_of(&what, &r.name, &r.key)?.clone(), false)
            }
            (value, None) => {
                let value = value.unwrap_or_default();
                (SecretValue::from(expand_refs(&value, &env)), true)
            }
        };
        if v.expose().contains(&0) {
            return Err(ViewError::NulInEnv { var: name });
        }
        // A later entry of the same name replaces the earlier one, as in the kubelet.
        env.retain(|(k, _, _)| *k != name);
        env.push((name, v, plain));
    }
    Ok((files, env))
}

/// A mount path that stays inside the view: absolute, no `.`, `..` or empty components.
fn check_path(path: &str) -> Result<(), ViewError> {
    if !path.starts_with('/') {
        return Err(ViewError::BadPath {
            path: path.to_owned(),
            reason: "not absolute".to_owned(),
        });
    }
    validate_container_path(path).map_err(|_| ViewError::BadPath {
        path: path.to_owned(),
        reason: "must name a file without '.', '..' or empty components".to_owned(),
    })
}

fn check_no_nesting(files: &[Planned<'_>]) -> Result<(), ViewError> {
    let mut paths: Vec<&str> = files.iter().map(|f| f.container_path.as_str()).collect();
    paths.sort_unstable();
    for w in paths.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a == b || (b.starts_with(a) && b.as_bytes()[a.len()] == b'/') {
            return Err(ViewError::BadPath {
                path: b.to_owned(),
                reason: format!("collides with the mounted file {a}"),
            });
        }
    }
    Ok(())
}

/// The kubelet's `$(VAR)` expansion of an env value against the vars defined before it
/// (kubernetes `third_party/forked/golang/expansion/expand.go`, `Expand`): `$$` is a literal
/// `$`, `$(VAR)` of an undefined VAR stays as written, any other `$` stays.
fn expand_refs(value: &str, defined: &[(String, SecretValue, bool)]) -> Vec<u8> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'$' => {
                out.push(b'$');
                i += 2;
            }
            b'(' => match b[i + 2..].iter().position(|&c| c == b')') {
                Some(len) => {
                    let name = &value[i + 2..i + 2 + len];
                    match defined.iter().rev().find(|(k, _, _)| k == name) {
                        Some((_, v, _)) => out.extend_from_slice(v.expose()),
                        None => out.extend_from_slice(&b[i..i + 3 + len]),
                    }
                    i += 3 + len;
                }
                // An unclosed `$(` is kept, and what follows it is read on.
                None => {
                    out.extend_from_slice(b"$(");
                    i += 2;
                }
            },
            _ => {
                out.push(b'$');
                i += 1;
            }
        }
    }
    out
}

/// Whether `value` names something of the view: the container home or below it, a mounted
/// file, or a directory holding one. A `:` list (`KUBECONFIG`) counts when one of its parts
/// does.
fn in_tree(value: &str, home: &str, files: &[&str]) -> bool {
    value
        .split(':')
        .any(|part| names_tree_path(part, home, files))
}

fn names_tree_path(p: &str, home: &str, files: &[&str]) -> bool {
    if !p.starts_with('/') || p == "/" || p.split('/').any(|c| c == "..") {
        return false;
    }
    let p = p.trim_end_matches('/');
    let under = |outer: &str, inner: &str| {
        inner == outer || (inner.starts_with(outer) && inner.as_bytes()[outer.len()] == b'/')
    };
    (home != "/" && under(home, p)) || files.iter().any(|f| under(p, f))
}

/// `value` with each absolute part of a `:` list moved under `root`.
fn rewrite(value: &str, root: &Path) -> String {
    value
        .split(':')
        .map(|part| match part.strip_prefix('/') {
            Some(rest) if !part.is_empty() => root.join(rest).display().to_string(),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// Creates `dir` and its parents below `root` with the runtime's directory mode.
fn create_dirs(root: &Path, dir: &Path) -> Result<(), ViewError> {
    debug_assert!(dir.starts_with(root));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| ViewError::io(dir, e))
}

/// Writes a file that must not exist yet (a symlink in its place is refused, not followed).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ViewError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| ViewError::io(path, e))?;
    f.write_all(bytes).map_err(|e| ViewError::io(path, e))?;
    // The mode is set after writing, so a read-only mode (0400) does not stop the write, and
    // exactly as rendered, whatever the umask.
    f.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| ViewError::io(path, e))
}

/// Removes what a failed materialisation left in `dir`, keeping `dir` itself.
fn clear_dir(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => {
                    let _ = remove_tree(&p);
                }
                _ => {
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Compute;
    use kt_secrets_core::{Mount, Origin, Resolved};

    const CANARY: &str = "canary-view-5e1d";

    fn secret(
        name: &str,
        files: &[(&str, &str, u32)],
        envs: &[&str],
        paths: &[(&str, &str)],
    ) -> Secret {
        let mut r = Resolved::new();
        for (key, path, mode) in files {
            r.add_file(key, format!("{CANARY}-{key}"), Origin::Literal, path, *mode)
                .unwrap();
        }
        for var in envs {
            r.add_env(var, format!("{CANARY}-{var}"), Origin::Literal)
                .unwrap();
        }
        for (var, path) in paths {
            r.mounts.push(Mount::path_env(*var, *path));
        }
        Secret::from_parts(name, None, r).unwrap()
    }

    fn resolved(c: Compute, secrets: Vec<Secret>) -> ResolvedCompute {
        ResolvedCompute::new(
            c,
            secrets
                .into_iter()
                .map(|s| MountedSecret::managed(s, "global"))
                .collect(),
        )
        .unwrap()
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn files_env_and_paths() {
        let r = resolved(
            Compute::new()
                .container_home("/home/dev")
                .env_var("PLAIN", "x")
                .env_var("CACHE", "/home/dev/.cache/hf")
                .env_var("ELSEWHERE", "/opt/tool")
                .env_var("KUBECONFIG_LIKE", "/home/dev/.kube/config:/etc/other")
                .env_var("RELATIVE", "~/.kube/config")
                .env_var("REF", "$(PLAIN)-$(NOPE)-$$(PLAIN)-$"),
            vec![secret(
                "kc",
                &[
                    ("config", "~/.kube/config", 0o600),
                    ("key.json", "/secrets/gcp/key.json", 0o400),
                ],
                &["API_TOKEN"],
                &[
                    ("KUBECONFIG", "~/.kube/config"),
                    ("GOOGLE_APPLICATION_CREDENTIALS", "/secrets/gcp/key.json"),
                    ("SECRETS_DIR", "/secrets/gcp"),
                ],
            )],
        );
        let dir = tempfile::tempdir().unwrap();
        let v = r.materialize(dir.path()).unwrap();
        let root = dir.path();
        assert_eq!(v.home(), root.join("home/dev"));
        let kc = root.join("home/dev/.kube/config");
        let key = root.join("secrets/gcp/key.json");
        assert_eq!(
            std::fs::read_to_string(&kc).unwrap(),
            format!("{CANARY}-config")
        );
        assert_eq!(mode(&kc), 0o600);
        assert_eq!(mode(&key), 0o400);
        assert_eq!(mode(&root.join("secrets/gcp")), DIR_MODE);
        let env = |k: &str| v.env_var(k).unwrap().expose_str().unwrap().to_owned();
        assert_eq!(env("API_TOKEN"), format!("{CANARY}-API_TOKEN"));
        assert_eq!(env("PLAIN"), "x");
        // Env vars that name a mounted file name its copy in the live directory, which
        // holds the same bytes.
        let live = root.join("var/run/kt-secrets/kt.secret.global.kc");
        assert_eq!(env("KUBECONFIG"), live.join("config").display().to_string());
        assert_eq!(
            env("GOOGLE_APPLICATION_CREDENTIALS"),
            live.join("key.json").display().to_string()
        );
        assert_eq!(
            std::fs::read(live.join("config")).unwrap(),
            std::fs::read(&kc).unwrap()
        );
        assert_eq!(
            env("SECRETS_DIR"),
            root.join("secrets/gcp").display().to_string()
        );
        assert_eq!(
            env("CACHE"),
            root.join("home/dev/.cache/hf").display().to_string()
        );
        assert_eq!(env("ELSEWHERE"), "/opt/tool");
        assert_eq!(
            env("KUBECONFIG_LIKE"),
            format!("{}:{}", kc.display(), root.join("etc/other").display())
        );
        // Not a container path: `~` in an env value is not expanded by the kubelet.
        assert_eq!(env("RELATIVE"), "~/.kube/config");
        assert_eq!(env("REF"), "x-$(NOPE)-$(PLAIN)-$");
        assert_eq!(v.host_path("~/.kube/config"), kc);
        assert_eq!(
            v.files().len(),
            4,
            "each file at its path and in the live directory"
        );
        let d = format!("{v:?}");
        assert!(d.contains("API_TOKEN") && !d.contains(CANARY), "{d}");
    }

    #[test]
    fn command_env_is_the_containers_and_the_kept_vars() {
        let r = resolved(Compute::new(), vec![secret("s", &[], &["API_TOKEN"], &[])]);
        let v = r.materialize_temp().unwrap();
        let caller = ResolveContext::new("/caller")
            .with_env("PATH", "/usr/bin:/bin")
            .with_env("AWS_PROFILE", "leaks")
            .with_env("KEEP_ME", "kept")
            .with_env("API_TOKEN", "caller-value");
        let cmd = v.command("env", &caller, &["KEEP_ME".to_owned(), "UNSET".to_owned()]);
        let envs: BTreeMap<String, Option<String>> = cmd
            .get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect();
        assert_eq!(
            envs.keys().map(String::as_str).collect::<Vec<_>>(),
            vec!["API_TOKEN", "HOME", "KEEP_ME", "PATH"]
        );
        assert_eq!(
            envs["API_TOKEN"].as_deref(),
            Some(format!("{CANARY}-API_TOKEN").as_str())
        );
        assert_eq!(envs["HOME"].as_deref(), v.home().to_str());
        let out = {
            let mut cmd = cmd;
            cmd.output().unwrap()
        };
        let printed = String::from_utf8(out.stdout).unwrap();
        assert!(!printed.contains("AWS_PROFILE"), "{printed}");
    }

    #[test]
    fn temp_view_is_removed_on_drop_and_on_remove() {
        let r = resolved(
            Compute::new(),
            vec![secret("s", &[("k", "~/.a/k", 0o400)], &[], &[])],
        );
        let v = r.materialize_temp().unwrap();
        let root = v.root().to_path_buf();
        assert!(root.join("root/.a/k").is_file());
        assert_eq!(mode(&root), 0o700);
        drop(v);
        assert!(!root.exists());
        let v = r.materialize_temp().unwrap();
        let root = v.root().to_path_buf();
        // A command made a directory unwritable: removal still succeeds.
        std::fs::set_permissions(root.join("root/.a"), std::fs::Permissions::from_mode(0o500))
            .unwrap();
        v.remove().unwrap();
        assert!(!root.exists());
    }

    #[test]
    fn refuses_a_dir_that_is_not_empty_and_writes_nothing() {
        let r = resolved(
            Compute::new(),
            vec![secret("s", &[("k", "~/.a/k", 0o600)], &[], &[])],
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "x").unwrap();
        let e = r.materialize(dir.path()).unwrap_err();
        assert!(matches!(e, ViewError::NotEmpty { .. }), "{e}");
        assert!(!dir.path().join("root").exists());
    }

    #[test]
    fn a_rendering_mistake_is_an_error_naming_it() {
        // A pod whose env reads a key its secret lacks cannot start; neither can the view.
        let mut r = Resolved::new();
        r.add("present", CANARY, Origin::Literal).unwrap();
        r.mounts.push(Mount::env("WANTS", "present"));
        let s = Secret::from_parts("s", None, r).unwrap();
        let rc = resolved(Compute::new(), vec![s]);
        // The secret in the cluster lacks the key, as a stale Secret would.
        let stale = vec![MountedSecret::existing(
            Secret::from_values("s", [("OTHER", CANARY)]).unwrap(),
            rc.secrets()[0].object_name.clone(),
        )];
        let dir = tempfile::tempdir().unwrap();
        let e = materialize_pod(&rc.pod(), &stale, "/root", dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("WANTS") && e.contains("present") && !e.contains(CANARY),
            "{e}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let e = materialize_pod(&rc.pod(), &[], "/root", dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("kt.secret.global.s"), "{e}");
    }

    #[test]
    fn directory_mounts_project_every_item_and_paths_stay_inside() {
        use k8s_openapi::api::core::v1::VolumeMount;
        let r = resolved(
            Compute::new(),
            vec![secret(
                "d",
                &[("a", "/secrets/d/a", 0o600), ("b", "/secrets/d/b", 0o644)],
                &[],
                &[],
            )],
        );
        // The same pod with the volume mounted whole, as a live-rotating mount would be.
        let mut pod = r.pod();
        let spec = pod.spec.as_mut().unwrap();
        let vol = spec.volumes.as_ref().unwrap()[0].name.clone();
        spec.containers[0].volume_mounts = Some(vec![VolumeMount {
            name: vol.clone(),
            mount_path: "/etc/d".to_owned(),
            ..Default::default()
        }]);
        let dir = tempfile::tempdir().unwrap();
        let v = materialize_pod(&pod, r.secrets(), "/root", dir.path()).unwrap();
        let got: Vec<_> = v
            .files()
            .iter()
            .map(|f| (f.container_path.as_str(), f.mode))
            .collect();
        assert_eq!(got, vec![("/etc/d/a", 0o600), ("/etc/d/b", 0o644)]);
        assert_eq!(mode(&dir.path().join("etc/d/a")), 0o600);
        drop(v);

        for bad in ["/etc/../../escape", "relative/x", "/a//b"] {
            spec_mount(&mut pod, &vol, bad);
            let dir = tempfile::tempdir().unwrap();
            let e = materialize_pod(&pod, r.secrets(), "/root", dir.path()).unwrap_err();
            assert!(matches!(e, ViewError::BadPath { .. }), "{bad}: {e}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    fn spec_mount(pod: &mut Pod, vol: &str, path: &str) {
        use k8s_openapi::api::core::v1::VolumeMount;
        pod.spec.as_mut().unwrap().containers[0].volume_mounts = Some(vec![VolumeMount {
            name: vol.to_owned(),
            mount_path: path.to_owned(),
            sub_path: Some("a".to_owned()),
            ..Default::default()
        }]);
    }

    #[test]
    fn a_symlink_in_the_way_is_not_followed() {
        let r = resolved(
            Compute::new(),
            vec![secret("s", &[("k", "/out/k", 0o600)], &[], &[])],
        );
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Not empty: refused before anything is written.
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        assert!(r.materialize(dir.path()).is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn expansion_like_the_kubelet() {
        let defined = vec![("A".to_owned(), SecretValue::from("1"), true)];
        let x = |s: &str| String::from_utf8(expand_refs(s, &defined)).unwrap();
        assert_eq!(x("$(A)"), "1");
        assert_eq!(x("$$(A)"), "$(A)");
        assert_eq!(x("$(B)"), "$(B)");
        assert_eq!(x("$A"), "$A");
        assert_eq!(x("$(A"), "$(A");
        assert_eq!(x("$(B$(A)"), "$(B$(A)");
        assert_eq!(x("$(x$(A)"), "$(x$(A)");
        assert_eq!(x("$"), "$");
        assert_eq!(x("a$$b"), "a$b");
    }
}
