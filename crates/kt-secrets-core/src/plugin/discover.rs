//! Which files are plugins: the directories of `KT_SECRETS_PLUGIN_PATH` and the per-user
//! plugin directory, in order, and the library files in each.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::PluginError;
use super::host::{insecure, load_plugin};
use crate::context::ResolveContext;
use crate::error::{Error, Result};
use crate::registry::Registry;

/// `:`-separated directories searched for plugins, before [`DEFAULT_PLUGIN_DIR`].
pub const PLUGIN_PATH_ENV: &str = "KT_SECRETS_PLUGIN_PATH";

/// The per-user plugin directory, relative to the home directory.
pub const DEFAULT_PLUGIN_DIR: &str = ".config/kt-secrets/plugins";

/// The directories searched for plugins, in order: those of `KT_SECRETS_PLUGIN_PATH`, then
/// `~/.config/kt-secrets/plugins`. The flag says whether the user named it explicitly (a
/// missing explicit directory is an error; a missing default one is not).
pub fn plugin_dirs(ctx: &ResolveContext) -> Vec<(PathBuf, bool)> {
    let mut dirs: Vec<(PathBuf, bool)> = ctx
        .env(PLUGIN_PATH_ENV)
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| (ctx.expand(d), true))
        .collect();
    dirs.push((ctx.home().join(DEFAULT_PLUGIN_DIR), false));
    dirs
}

/// Loads every plugin of [`plugin_dirs`] into `registry`. A plugin that fails is left out and
/// its error returned (each names the file or directory at fault); the others are loaded.
/// Files are taken in name order; only names ending in the platform's library suffix
/// (`.so`, `.dylib`, `.dll`) are considered, so a README next to them is not an error.
pub fn load_plugins(ctx: &ResolveContext, registry: &mut Registry) -> Vec<Error> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (dir, explicit) in plugin_dirs(ctx) {
        let files = match plugin_files(&dir, explicit) {
            Ok(files) => files,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for file in files {
            // The same library reached twice (a directory listed twice, or a symlink) is
            // loaded once rather than reported as a clash with itself.
            let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if !seen.insert(canonical) {
                continue;
            }
            if let Err(e) = load_plugin(&file, registry) {
                errors.push(e);
            }
        }
    }
    errors
}

fn plugin_files(dir: &Path, explicit: bool) -> Result<Vec<PathBuf>> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if explicit {
                Err(PluginError::DirNotFound.at(dir))
            } else {
                Ok(Vec::new())
            };
        }
        Err(e) => return Err(PluginError::DirUnreadable(e).at(dir)),
        Ok(m) if !m.is_dir() => {
            return Err(PluginError::NotADirectory.at(dir));
        }
        Ok(_) => {}
    }
    match insecure(dir) {
        Ok(None) => {}
        Ok(Some(why)) => {
            return Err(PluginError::InsecureDir { why }.at(dir));
        }
        Err(e) => return Err(PluginError::DirUnreadable(e).at(dir)),
    }
    let entries = std::fs::read_dir(dir).map_err(|e| PluginError::DirUnreadable(e).at(dir))?;
    let suffix = std::env::consts::DLL_SUFFIX;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| PluginError::DirUnreadable(e).at(dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || !name.ends_with(suffix) {
            tracing::debug!(file = %entry.path().display(), "not a plugin library name; ignored");
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirs_in_order() {
        let ctx = ResolveContext::new("/h").with_env(PLUGIN_PATH_ENV, "/a::~/b:");
        assert_eq!(
            plugin_dirs(&ctx),
            vec![
                (PathBuf::from("/a"), true),
                (PathBuf::from("/h/b"), true),
                (PathBuf::from("/h/.config/kt-secrets/plugins"), false),
            ]
        );
    }
}
