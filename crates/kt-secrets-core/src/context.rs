use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a provider may look at: a home directory, an environment, and optionally a path the
/// user pointed at. Providers read files and env vars only through this, never through the
/// process, so tests can hand them a fixture HOME and env map.
///
/// `Debug` lists env var names, never their values.
#[derive(Clone, Serialize, Deserialize)]
pub struct ResolveContext {
    home: PathBuf,
    env: BTreeMap<String, String>,
    path: Option<PathBuf>,
}

impl ResolveContext {
    /// An empty environment rooted at `home`.
    pub fn new(home: impl Into<PathBuf>) -> Self {
        ResolveContext {
            home: home.into(),
            env: BTreeMap::new(),
            path: None,
        }
    }

    /// The current process: `$HOME` (or the platform's home) and every UTF-8 env var.
    pub fn from_process() -> Self {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(dirs::home_dir)
            .unwrap_or_else(|| PathBuf::from("/"));
        ResolveContext {
            home,
            env,
            path: None,
        }
    }

    pub fn with_env(mut self, var: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(var.into(), value.into());
        self
    }

    pub fn with_envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn without_env(mut self, var: &str) -> Self {
        self.env.remove(var);
        self
    }

    /// The path a user named (as with `from_path` of a provider's default directory); a
    /// provider that reads a directory uses it instead of its default.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The value of `var`, as set (possibly empty).
    pub fn env(&self, var: &str) -> Option<&str> {
        self.env.get(var).map(String::as_str)
    }

    /// The value of `var` when it is set and not empty; that is what SDKs treat as "set".
    pub fn env_nonempty(&self, var: &str) -> Option<&str> {
        self.env(var).filter(|v| !v.is_empty())
    }

    /// The value of `var`, or an error saying it is unset or empty.
    pub fn require_env(&self, var: &str) -> Result<&str> {
        match self.env(var) {
            None => Err(Error::EnvUnset {
                var: var.to_owned(),
            }),
            Some("") => Err(Error::EnvEmpty {
                var: var.to_owned(),
            }),
            Some(v) => Ok(v),
        }
    }

    pub fn env_names(&self) -> impl Iterator<Item = &str> {
        self.env.keys().map(String::as_str)
    }

    /// Expands a leading `~` to the context's home. Other paths are left as they are: a
    /// relative path stays relative to the working directory, as the SDKs treat one.
    pub fn expand(&self, path: impl AsRef<Path>) -> PathBuf {
        let path = path.as_ref();
        match path.strip_prefix("~") {
            Ok(rest) => self.home.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }

    /// The path of env var `var` when set and non-empty (with `~` expanded).
    pub fn env_path(&self, var: &str) -> Option<PathBuf> {
        self.env_nonempty(var).map(|v| self.expand(v))
    }
}

impl fmt::Debug for ResolveContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveContext")
            .field("home", &self.home)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("path", &self.path)
            .finish()
    }
}

/// Reads a whole file, with errors that name it: missing, a directory, or unreadable.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::FileNotFound {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(Error::unreadable(path, e)),
        Ok(m) if m.is_dir() => {
            return Err(Error::IsADirectory {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {}
    }
    std::fs::read(path).map_err(|e| Error::unreadable(path, e))
}

/// Like [`read_file`], but a missing file is `Ok(None)`: for optional sources, where absence
/// means "look elsewhere" while a file that exists and cannot be read is still an error.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match read_file(path) {
        Ok(b) => Ok(Some(b)),
        Err(Error::FileNotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Like [`read_optional`], for text files.
pub fn read_optional_string(path: &Path) -> Result<Option<String>> {
    read_optional(path)?
        .map(|b| {
            String::from_utf8(b).map_err(|_| Error::Parse {
                what: path.display().to_string(),
                detail: "not valid UTF-8".to_owned(),
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values() {
        let ctx = ResolveContext::new("/h").with_env("TOKEN", "canary-ctx-value");
        let s = format!("{ctx:?}");
        assert!(s.contains("TOKEN"));
        assert!(!s.contains("canary-ctx-value"));
    }

    #[test]
    fn env_states() {
        let ctx = ResolveContext::new("/h")
            .with_env("E", "")
            .with_env("S", "x");
        assert!(matches!(ctx.require_env("U"), Err(Error::EnvUnset { .. })));
        assert!(matches!(ctx.require_env("E"), Err(Error::EnvEmpty { .. })));
        assert_eq!(ctx.require_env("S").unwrap(), "x");
        assert_eq!(ctx.env_nonempty("E"), None);
        assert_eq!(ctx.expand("~/.aws"), PathBuf::from("/h/.aws"));
    }

    #[test]
    fn read_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert!(
            read_file(&missing)
                .unwrap_err()
                .to_string()
                .contains("nope")
        );
        assert!(read_optional(&missing).unwrap().is_none());
        let e = read_optional(dir.path()).unwrap_err();
        assert!(matches!(e, Error::IsADirectory { .. }), "{e}");
    }
}
