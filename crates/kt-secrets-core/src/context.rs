//! [`ResolveContext`], the only view of the machine a provider gets (home, env, the path the
//! user named), and the readers that refuse special files and name the path at fault.

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

    /// Sets the env var `var` to `value`, as the provider will see it.
    pub fn with_env(mut self, var: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(var.into(), value.into());
        self
    }

    /// Sets each `(var, value)` of `vars`.
    pub fn with_envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Unsets the env var `var`.
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

    /// The local home directory: where `~` points and default directories live.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The path a user named (see [`ResolveContext::with_path`]), if any.
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

    /// The names of every env var set, in sorted order.
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

/// Opens `path` for reading when it is a regular file (or a symlink to one). Anything else is
/// refused before a byte is read, with an error naming the path: a directory, or a FIFO,
/// socket or device, whose reads could block forever or never end.
///
/// The type is checked on the opened descriptor (fstat), not by path before the open: a check
/// by path and a later open are two lookups, and the file can be swapped between them.
/// `O_NONBLOCK` makes the open itself return at once: opening a FIFO that has no writer blocks
/// until one appears, which may be never. For a regular file the flag changes nothing, and it
/// is cleared before the file is returned anyway. `O_NOCTTY` keeps a terminal device from
/// becoming the process's controlling terminal.
pub fn open_regular(path: &Path) -> Result<std::fs::File> {
    let file = open_nonblocking(path).map_err(|e| open_error(path, e))?;
    let meta = file.metadata().map_err(|e| Error::unreadable(path, e))?;
    if meta.is_dir() {
        return Err(Error::IsADirectory {
            path: path.to_path_buf(),
        });
    }
    if !meta.is_file() {
        return Err(special_file(path, &meta));
    }
    clear_nonblocking(&file).map_err(|e| Error::unreadable(path, e))?;
    Ok(file)
}

/// [`open_regular`] for a file that something else reads afterwards (the Kubernetes client
/// reads kubeconfigs and the certificate files they name by itself): the check and that read
/// are two opens, but a FIFO or device left in place by mistake is caught before it can hang
/// or flood the reader.
pub fn check_regular(path: &Path) -> Result<()> {
    open_regular(path).map(drop)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(unix)]
fn clear_nonblocking(file: &std::fs::File) -> std::io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    let flags = fcntl_getfl(file)?;
    fcntl_setfl(file, flags - OFlags::NONBLOCK)?;
    Ok(())
}

#[cfg(not(unix))]
fn clear_nonblocking(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

fn open_error(path: &Path, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::FileNotFound {
            path: path.to_path_buf(),
        },
        // open(2) of a Unix socket fails with ENXIO.
        #[cfg(unix)]
        _ if e.raw_os_error() == Some(libc::ENXIO) => Error::SpecialFile {
            path: path.to_path_buf(),
            kind: "socket or device without a driver",
        },
        _ => Error::unreadable(path, e),
    }
}

/// The error for `path`, whose metadata says it is neither a regular file nor a directory.
pub(crate) fn special_file(path: &Path, meta: &std::fs::Metadata) -> Error {
    Error::SpecialFile {
        path: path.to_path_buf(),
        kind: special_kind(&meta.file_type()),
    }
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "FIFO (named pipe)"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "special file"
}

/// Reads a whole regular file, with errors that name it: missing, a directory, a special
/// file (see [`open_regular`]), or unreadable.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::unreadable(path, e))?;
    Ok(bytes)
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

    /// A FIFO with no writer, in place of a file: opening it for reading would block forever.
    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = kt_secrets_testkit::special::mkfifo(dir.path(), "credentials");
        let done = kt_secrets_testkit::special::within_seconds(10, move || {
            (read_file(&fifo), read_optional(&fifo), check_regular(&fifo))
        });
        for e in [
            done.0.unwrap_err(),
            done.1.unwrap_err(),
            done.2.unwrap_err(),
        ] {
            assert!(matches!(e, Error::SpecialFile { .. }), "{e}");
            let msg = e.to_string();
            assert!(msg.contains("credentials") && msg.contains("FIFO"), "{msg}");
        }
        let e =
            kt_secrets_testkit::special::within_seconds(10, || read_file(Path::new("/dev/zero")))
                .unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let sock = kt_secrets_testkit::special::socket(dir.path(), "sock");
        let e = read_file(&sock).unwrap_err();
        assert!(matches!(e, Error::SpecialFile { .. }), "{e}");
        assert!(e.to_string().contains("sock"), "{e}");
        // A symlink to a regular file is read as the file.
        std::fs::write(dir.path().join("real"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        assert_eq!(read_file(&dir.path().join("link")).unwrap(), b"x");
    }
}
