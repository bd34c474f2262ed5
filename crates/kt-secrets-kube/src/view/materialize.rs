//! Writing a view: each planned file at its container path under the view's root, with its
//! rendered mode, into an empty directory; what a failure left is removed again.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use k8s_openapi::api::core::v1::Pod;
use kt_secrets_core::SecretValue;

use super::env::{in_tree, rewrite};
use super::plan::{check_path, plan};
use super::{ContainerView, ViewError, ViewFile, remove_tree};
use crate::compute::ResolvedCompute;
use crate::pod::MountedSecret;

/// Mode of the directories the container runtime creates above a mount point.
pub(super) const DIR_MODE: u32 = 0o755;

impl ResolvedCompute {
    /// Writes the container's view of this compute under `dir`, which must be an empty
    /// directory: each mounted file at `dir` + its container path with its rendered mode, and
    /// the env as [`ContainerView::env`] describes. Everything is checked before anything is
    /// written; if writing fails, what was written is removed again.
    pub fn materialize(&self, dir: &Path) -> Result<ContainerView, ViewError> {
        materialize_pod(
            &self.pod(),
            self.secrets(),
            self.compute().container_home(),
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

/// The view of container [`CONTAINER_NAME`](crate::compute::CONTAINER_NAME) of any `pod`
/// whose secret volumes and `secretKeyRef`s read `secrets` (by object name), as
/// [`ResolvedCompute::materialize`] writes it; `container_home` is the home of the image's
/// user.
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
