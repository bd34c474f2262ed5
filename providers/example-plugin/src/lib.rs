//! envdir: env vars kept as a directory with one file per variable, the format of daemontools'
//! `envdir` (and of runit's `chpst -e` and s6's `s6-envdir`), given to the container as env
//! vars of the same names.
//!
//! The directory is the one the user named (`from_path`), else `$ENVDIR`, else
//! `~/.config/envdir`. In it, a file `NAME` sets `NAME` to the file's first line, with trailing
//! spaces and tabs removed and NUL bytes turned into newlines; an empty file leaves `NAME`
//! unset; names starting with `.` are ignored.
//!
//! This crate is the template for a provider written outside kt-secrets. It depends only on
//! `kt-secrets-core`, and it can be added both ways:
//! - as a plugin: built as a `cdylib` and copied into `~/.config/kt-secrets/plugins` (or a
//!   directory of `KT_SECRETS_PLUGIN_PATH`), where kt-secrets loads it at run time
//!   (`export_provider!` below);
//! - linked in: a program that depends on this crate, and names it so that the linker keeps
//!   it, finds the provider in `Registry::builtin()` (`register_provider!` below).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use kt_secrets_core::{
    Error, Looked, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result, SecretValue,
    is_env_var_name, read_file,
};

/// The provider's name.
pub const NAME: &str = "envdir";
/// Env var naming the directory.
pub const DIR_ENV: &str = "ENVDIR";
/// The directory when nothing names one, relative to the home directory.
pub const DEFAULT_DIR: &str = ".config/envdir";

/// The envdir provider: each file of the directory is an env var of the file's name, its
/// first line the value, as daemontools' `envdir` reads it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Envdir;

/// The provider, registered when the crate is linked in and exported when it is loaded as a
/// plugin.
pub const PROVIDER: Envdir = Envdir;

kt_secrets_core::register_provider!(PROVIDER);
kt_secrets_core::export_provider!(Envdir);

/// Where the directory came from: a user who named a directory expects it to exist.
enum Chosen {
    Path,
    Env,
    Default,
}

impl Envdir {
    fn dir(ctx: &ResolveContext) -> (PathBuf, Chosen) {
        if let Some(p) = ctx.path() {
            (p.to_path_buf(), Chosen::Path)
        } else if let Some(p) = ctx.env_path(DIR_ENV) {
            (p, Chosen::Env)
        } else {
            (ctx.home().join(DEFAULT_DIR), Chosen::Default)
        }
    }
}

/// The value `envdir` sets from a file's contents, or `None` for an empty file (unset).
pub fn envdir_value(contents: &[u8]) -> Option<SecretValue> {
    if contents.is_empty() {
        return None;
    }
    let line = contents.split(|&b| b == b'\n').next().unwrap_or_default();
    let end = line
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    let value: Vec<u8> = line[..end]
        .iter()
        .map(|&b| if b == 0 { b'\n' } else { b })
        .collect();
    Some(SecretValue::new(value))
}

/// The variable files of `dir`, sorted by name; dot files are left out.
fn var_files(dir: &Path, chosen: Chosen, looked: Looked) -> Result<Vec<(String, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(match chosen {
                Chosen::Default => looked.into_error(NAME),
                Chosen::Env => Error::provider_in(
                    NAME,
                    dir,
                    format!("{DIR_ENV} names this directory, which does not exist"),
                ),
                Chosen::Path => Error::FileNotFound {
                    path: dir.to_path_buf(),
                },
            });
        }
        Err(e) if e.kind() == ErrorKind::NotADirectory => {
            return Err(Error::provider_in(NAME, dir, "is not a directory"));
        }
        Err(source) => {
            return Err(Error::Unreadable {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Unreadable {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            return Err(Error::provider_in(
                NAME,
                path,
                "the file name is not UTF-8, so it cannot be an env var name",
            ));
        };
        if name.starts_with('.') {
            continue;
        }
        if !is_env_var_name(&name) {
            return Err(Error::provider_in(
                NAME,
                path,
                format!(
                    "{name:?} is not an env var name (letters, digits and '_', not starting \
                     with a digit)"
                ),
            ));
        }
        files.push((name, path));
    }
    files.sort();
    Ok(files)
}

#[kt_secrets_core::async_trait]
impl Provider for Envdir {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            description: "Env vars from an envdir: one file per variable, named after it \
                          (daemontools style)"
                .to_owned(),
            sources: vec![format!(
                "files under ${DIR_ENV} or ~/{DEFAULT_DIR}, one per env var"
            )],
            targets: vec!["env NAME for each file NAME".to_owned()],
            default_dirs: vec![DEFAULT_DIR.to_owned()],
        }
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let (dir, chosen) = Envdir::dir(ctx);
        let mut looked = Looked::new();
        looked.env(DIR_ENV);
        looked.file(&dir);
        let mut out = Resolved::new();
        for (name, path) in var_files(&dir, chosen, looked.clone())? {
            // Held as a SecretValue so the file's bytes are wiped when dropped.
            let contents = SecretValue::new(read_file(&path)?);
            if let Some(value) = envdir_value(contents.expose()) {
                out.add_env(&name, value, Origin::File(path))?;
            }
        }
        if out.is_empty() {
            return Err(looked.into_error(NAME));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use kt_secrets_core::Mount;
    use kt_secrets_testkit::FixtureHome;

    use super::*;

    async fn resolve(home: &FixtureHome) -> Result<Resolved> {
        Envdir.resolve(&home.context()).await
    }

    fn value(r: &Resolved, key: &str) -> Vec<u8> {
        r.data.get(key).expect(key).expose().to_vec()
    }

    #[test]
    fn values_follow_envdir() {
        let v = |b: &[u8]| envdir_value(b).map(|v| v.expose().to_vec());
        assert_eq!(v(b"tok\nignored\n"), Some(b"tok".to_vec()));
        assert_eq!(v(b"tok \t \n"), Some(b"tok".to_vec()));
        assert_eq!(v(b"  lead"), Some(b"  lead".to_vec()));
        assert_eq!(v(b"a\0b"), Some(b"a\nb".to_vec()));
        assert_eq!(v(b"\n"), Some(Vec::new()));
        assert_eq!(v(b""), None);
        assert_eq!(v(b"\xff\xfe"), Some(b"\xff\xfe".to_vec()));
    }

    #[tokio::test]
    async fn default_dir_as_env_vars() {
        let home = FixtureHome::new()
            .file(".config/envdir/API_TOKEN", "t-1\n")
            .file(".config/envdir/REGION", "eu-west-1")
            .file(".config/envdir/UNSET_ME", "")
            .file(".config/envdir/.hidden", "x");
        let r = resolve(&home).await.unwrap();
        assert_eq!(r.data.keys().collect::<Vec<_>>(), ["API_TOKEN", "REGION"]);
        assert_eq!(value(&r, "API_TOKEN"), b"t-1");
        assert_eq!(
            r.mounts,
            [
                Mount::env("API_TOKEN", "API_TOKEN"),
                Mount::env("REGION", "REGION")
            ]
        );
        assert_eq!(
            r.origins["REGION"],
            Origin::File(home.path(".config/envdir/REGION"))
        );
    }

    #[tokio::test]
    async fn envdir_env_var_and_given_path_move_the_directory() {
        let home = FixtureHome::new()
            .file(".config/envdir/A", "default")
            .file("elsewhere/A", "from-env")
            .file("given/A", "from-path")
            .env_path("ENVDIR", "elsewhere");
        assert_eq!(value(&resolve(&home).await.unwrap(), "A"), b"from-env");
        let ctx = home.context().with_path(home.path("given"));
        assert_eq!(
            value(&Envdir.resolve(&ctx).await.unwrap(), "A"),
            b"from-path"
        );
    }

    #[tokio::test]
    async fn nothing_found_names_where_it_looked() {
        for home in [
            FixtureHome::new(),
            FixtureHome::new().file(".config/envdir/EMPTY", ""),
        ] {
            let e = resolve(&home).await.unwrap_err();
            assert!(e.is_nothing_found(), "{e}");
            let msg = e.to_string();
            assert!(msg.contains("env ENVDIR"), "{msg}");
            assert!(
                msg.contains(&home.path(".config/envdir").display().to_string()),
                "{msg}"
            );
        }
    }

    #[tokio::test]
    async fn a_named_directory_must_exist() {
        let home = FixtureHome::new().env_path("ENVDIR", "missing");
        let msg = resolve(&home).await.unwrap_err().to_string();
        assert!(
            msg.contains("ENVDIR names") && msg.contains("missing"),
            "{msg}"
        );

        let ctx = FixtureHome::new()
            .context()
            .with_path("/nonexistent/envdir");
        let e = Envdir.resolve(&ctx).await.unwrap_err();
        assert!(matches!(e, Error::FileNotFound { .. }), "{e}");

        let home = FixtureHome::new()
            .file("plain", "x")
            .env_path("ENVDIR", "plain");
        let msg = resolve(&home).await.unwrap_err().to_string();
        assert!(msg.contains("is not a directory"), "{msg}");
    }

    #[tokio::test]
    async fn bad_names_and_subdirectories_are_errors_naming_the_file() {
        let home = FixtureHome::new().file(".config/envdir/MY-VAR", "x");
        let msg = resolve(&home).await.unwrap_err().to_string();
        assert!(
            msg.contains("MY-VAR") && msg.contains("not an env var name"),
            "{msg}"
        );

        let home = FixtureHome::new()
            .file(".config/envdir/OK", "x")
            .dir(".config/envdir/SUB");
        let e = resolve(&home).await.unwrap_err();
        assert!(matches!(e, Error::IsADirectory { .. }), "{e}");
        assert!(e.to_string().contains("SUB"), "{e}");
    }

    #[test]
    fn listed_with_its_sources_and_targets() {
        let info = Envdir.info();
        assert_eq!(
            info.sources,
            ["files under $ENVDIR or ~/.config/envdir, one per env var"]
        );
        assert_eq!(info.default_dirs, [".config/envdir"]);
        assert!(!info.targets.is_empty());
    }
}
