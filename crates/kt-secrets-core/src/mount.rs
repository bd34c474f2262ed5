//! [`Mount`]: where one piece of a secret appears in the container (an env var or a file),
//! [`Origin`]: where it came from locally, and the rules for env var names and container paths.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Container home used when a workload does not say otherwise.
pub const DEFAULT_CONTAINER_HOME: &str = "/root";

/// Where one piece of a secret appears inside the container.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Mount {
    /// Env var `var` takes its value from data key `key`.
    Env {
        /// The container env var.
        var: String,
        /// The data key it reads.
        key: String,
    },
    /// Data key `key` appears as the file at `path` (absolute, `~` = container home) with `mode`.
    File {
        /// The data key the file holds.
        key: String,
        /// The container path (`~/.aws/credentials`, `/secrets/app/key`).
        path: String,
        /// The file's permission bits (`0o600`).
        mode: u32,
    },
    /// Env var `var` holds the container path of a mounted file, such as
    /// `GOOGLE_APPLICATION_CREDENTIALS`. It is not secret, and its value depends on the
    /// container home, so it is resolved when the pod is rendered rather than stored as data.
    PathEnv {
        /// The container env var.
        var: String,
        /// The container path it is set to (`~` = container home).
        path: String,
    },
}

impl Mount {
    /// Env var `var` from data key `key`.
    pub fn env(var: impl Into<String>, key: impl Into<String>) -> Self {
        Mount::Env {
            var: var.into(),
            key: key.into(),
        }
    }

    /// Data key `key` as the file at container path `path`, with `mode`.
    pub fn file(key: impl Into<String>, path: impl Into<String>, mode: u32) -> Self {
        Mount::File {
            key: key.into(),
            path: path.into(),
            mode,
        }
    }

    /// Env var `var` set to the container path `path` of a mounted file.
    pub fn path_env(var: impl Into<String>, path: impl Into<String>) -> Self {
        Mount::PathEnv {
            var: var.into(),
            path: path.into(),
        }
    }

    /// The data key this mount reads, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Mount::Env { key, .. } | Mount::File { key, .. } => Some(key),
            Mount::PathEnv { .. } => None,
        }
    }

    /// The env var this mount sets, if any.
    pub fn env_var(&self) -> Option<&str> {
        match self {
            Mount::Env { var, .. } | Mount::PathEnv { var, .. } => Some(var),
            Mount::File { .. } => None,
        }
    }

    /// Checks names and paths; does not look at the data.
    pub fn validate(&self) -> Result<()> {
        match self {
            Mount::Env { var, key } => {
                validate_env_var(var)?;
                crate::validate::validate_data_key(key)
            }
            Mount::File { key, path, mode } => {
                crate::validate::validate_data_key(key)?;
                validate_container_path(path)?;
                if *mode > 0o777 {
                    return Err(Error::InvalidPath {
                        path: path.clone(),
                        reason: format!("mode {mode:o} is not a file permission (0..=0777)"),
                    });
                }
                Ok(())
            }
            Mount::PathEnv { var, path } => {
                validate_env_var(var)?;
                validate_container_path(path)
            }
        }
    }
}

impl fmt::Display for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mount::Env { var, key } => write!(f, "env {var} <- {key}"),
            Mount::File { key, path, mode } => write!(f, "file {path} ({mode:04o}) <- {key}"),
            Mount::PathEnv { var, path } => write!(f, "env {var} = {path}"),
        }
    }
}

/// An env var name as POSIX shells and Kubernetes accept it: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Refuses `var` unless it is an env var name (see [`is_env_var_name`]).
pub fn validate_env_var(var: &str) -> Result<()> {
    if is_env_var_name(var) {
        Ok(())
    } else {
        Err(Error::InvalidEnvVar {
            var: var.to_owned(),
            reason: "use letters, digits and '_', not starting with a digit".to_owned(),
        })
    }
}

/// A container path must be absolute or start with `~/`, and have no `..` component.
pub fn validate_container_path(path: &str) -> Result<()> {
    let bad = |reason: &str| {
        Err(Error::InvalidPath {
            path: path.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let rest = if path == "~" {
        return bad("names the home directory, not a file");
    } else if let Some(rest) = path.strip_prefix("~/") {
        rest
    } else if let Some(rest) = path.strip_prefix('/') {
        rest
    } else {
        return bad("must be absolute or start with ~/");
    };
    if rest.is_empty() || rest.ends_with('/') {
        return bad("must name a file");
    }
    if rest
        .split('/')
        .any(|c| c == ".." || c == "." || c.is_empty())
    {
        return bad("must not contain '.', '..' or empty components");
    }
    Ok(())
}

/// Expands a leading `~` of a container path to `home`.
pub fn expand_container_path(path: &str, home: &str) -> String {
    let home = home.trim_end_matches('/');
    if path == "~" {
        home.to_owned()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{home}/{rest}")
    } else {
        path.to_owned()
    }
}

/// Where a key's value came from on the developer's machine, for `describe`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "from", rename_all = "camelCase")]
pub enum Origin {
    /// Read from this local file.
    File(PathBuf),
    /// Read from this local env var.
    Env(String),
    /// Given as a value (`from_values`, `--from-literal`).
    Literal,
    /// The output of this command line (`gh auth token`).
    Command(String),
    /// Copied from this Kubernetes secret.
    Kubernetes(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(p) => write!(f, "file {}", p.display()),
            Origin::Env(v) => write!(f, "env {v}"),
            Origin::Literal => f.write_str("literal value"),
            Origin::Command(c) => write!(f, "output of `{c}`"),
            Origin::Kubernetes(s) => write!(f, "Kubernetes secret {s}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_to_container_home() {
        assert_eq!(
            expand_container_path("~/.ssh/id_rsa", "/root"),
            "/root/.ssh/id_rsa"
        );
        assert_eq!(
            expand_container_path("~/.ssh/id_rsa", "/home/me/"),
            "/home/me/.ssh/id_rsa"
        );
        assert_eq!(
            expand_container_path("/secrets/x/a", "/home/me"),
            "/secrets/x/a"
        );
    }

    #[test]
    fn container_paths() {
        for ok in ["/a", "~/a/b", "/secrets/n/.env"] {
            validate_container_path(ok).unwrap();
        }
        for bad in ["", "a", "~", "~/", "/a/../b", "/a//b", "/a/", "~user/x"] {
            assert!(validate_container_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names() {
        assert!(is_env_var_name("AWS_PROFILE"));
        assert!(is_env_var_name("_x1"));
        assert!(!is_env_var_name("1A"));
        assert!(!is_env_var_name("a-b"));
        assert!(!is_env_var_name(""));
    }

    #[test]
    fn mounts_round_trip_as_json() {
        let m = vec![
            Mount::env("A", "a"),
            Mount::file("k", "~/.k", 0o400),
            Mount::path_env("P", "~/.k"),
        ];
        let s = serde_json::to_string(&m).unwrap();
        let back: Vec<Mount> = serde_json::from_str(&s).unwrap();
        assert_eq!(m, back);
    }
}
