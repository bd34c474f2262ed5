//! The provider shapes most providers are made of, declared as data.
//!
//! An API-key provider is an [`EnvShape`]; a provider of files under a directory is a
//! [`FileShape`]; a provider that prefers env vars and falls back to files is a [`Declared`]
//! with both, tried in order. A [`Hooked`] is a `Declared` whose find goes through a function
//! that checks or rewrites it (gcp's ADC check, lambda's key file). Providers with real special
//! cases (profiles, netrc, merged kubeconfigs) implement [`Provider`] themselves and still use
//! these pieces.

use std::path::{Path, PathBuf};

use crate::context::{ResolveContext, read_optional, read_optional_string};
use crate::data::SecretValue;
use crate::error::{Error, Result};
use crate::mount::{Mount, Origin};
use crate::provider::{Looked, Provider, ProviderInfo, Resolved};

/// What a shape finds: `Ok(None)` when it finds nothing (and the next shape is tried), an
/// error when what it found is broken.
pub type Found = Result<Option<Resolved>>;

/// One value read from the first set, non-empty env var of `sources`.
#[derive(Clone, Copy, Debug)]
pub struct EnvVar {
    /// The data key.
    pub key: &'static str,
    /// Local env vars, first set one wins.
    pub sources: &'static [&'static str],
    /// Container env vars that receive the value.
    pub targets: &'static [&'static str],
    /// Without a required value the shape finds nothing; optional ones come along when set.
    pub required: bool,
}

impl EnvVar {
    /// A value read from env var `var` and given to the container under the same name.
    pub const fn same(var: &'static [&'static str; 1], required: bool) -> Self {
        EnvVar {
            key: var[0],
            sources: var,
            targets: var,
            required,
        }
    }
}

/// Env vars on the laptop → env vars in the container.
#[derive(Clone, Copy, Debug)]
pub struct EnvShape {
    /// The values, each from its env vars; every required one must be set.
    pub vars: &'static [EnvVar],
}

impl EnvShape {
    /// `Ok(None)` when a required var is unset or empty; every var tried is added to `looked`.
    pub fn resolve(&self, ctx: &ResolveContext, looked: &mut Looked) -> Found {
        let mut out = Resolved::new();
        for v in self.vars {
            let found = v.sources.iter().find_map(|s| {
                looked.env(s);
                ctx.env_nonempty(s).map(|val| (*s, val))
            });
            match found {
                Some((src, val)) => {
                    out.add(v.key, val, Origin::Env(src.to_owned()))?;
                    for t in v.targets {
                        out.mounts.push(Mount::env(*t, v.key));
                    }
                }
                None if v.required => return Ok(None),
                None => {}
            }
        }
        Ok(Some(out))
    }

    fn describe(&self, info: &mut ProviderInfo) {
        for v in self.vars {
            let opt = if v.required { "" } else { " (optional)" };
            info.sources
                .push(format!("env {}{opt}", v.sources.join(" | ")));
            for t in v.targets {
                push_unique(&mut info.targets, format!("env {t}"));
            }
        }
    }
}

/// One file of a [`FileShape`].
#[derive(Clone, Copy, Debug)]
pub struct FileSpec {
    /// File name under the shape's directory.
    pub name: &'static str,
    /// The data key.
    pub key: &'static str,
    /// An env var that names this file directly (`AWS_SHARED_CREDENTIALS_FILE`); when set, the
    /// file must exist.
    pub env: Option<&'static str>,
    /// Container path (`~` = container home).
    pub target: &'static str,
    /// The file's permission bits in the container (`0o600`).
    pub mode: u32,
    /// The shape finds something only if at least one primary file exists; the others come
    /// along when present (public keys next to private ones, say).
    pub primary: bool,
}

/// Files under a local directory → files in the container.
#[derive(Clone, Copy, Debug)]
pub struct FileShape {
    /// Default directory, relative to the local home (`.ssh`).
    pub dir: &'static str,
    /// Env vars that relocate the directory, first set one wins (`AZURE_CONFIG_DIR`).
    pub dir_env: &'static [&'static str],
    /// The files looked for in the directory.
    pub files: &'static [FileSpec],
    /// Env vars set in the container to a container path, when something was found.
    pub path_envs: &'static [(&'static str, &'static str)],
}

impl FileShape {
    /// The local directory: the context's path override, else a relocating env var, else the default.
    pub fn local_dir(&self, ctx: &ResolveContext) -> PathBuf {
        if let Some(p) = ctx.path() {
            return p.to_path_buf();
        }
        self.dir_env
            .iter()
            .find_map(|v| ctx.env_path(v))
            .unwrap_or_else(|| ctx.home().join(self.dir))
    }

    /// `Ok(None)` when no primary file exists. A file that exists but cannot be read, or that
    /// an env var names and is missing, is an error; `provider` is whose, for the latter.
    pub fn resolve(&self, provider: &str, ctx: &ResolveContext, looked: &mut Looked) -> Found {
        let dir = self.local_dir(ctx);
        let mut out = Resolved::new();
        let mut primary = false;
        // Env vars that move the files count as places looked, so "nothing found" tells the
        // user which ones would have helped.
        let env_lookup = ctx.path().is_none();
        if env_lookup {
            self.dir_env.iter().for_each(|v| looked.env(v));
        }
        for f in self.files {
            // A directory the user named beats env vars that point elsewhere.
            let named = f.env.filter(|_| env_lookup).and_then(|v| {
                looked.env(v);
                ctx.env_path(v).map(|p| (v, p))
            });
            let path = named
                .as_ref()
                .map_or_else(|| dir.join(f.name), |(_, p)| p.clone());
            looked.file(&path);
            let bytes = match (read_optional(&path)?, &named) {
                (Some(b), _) => b,
                (None, Some((var, _))) => {
                    return Err(Error::provider_in(
                        provider,
                        path,
                        format!("{var} names this file, which does not exist"),
                    ));
                }
                (None, None) => continue,
            };
            primary |= f.primary;
            out.add_file(f.key, bytes, Origin::File(path), f.target, f.mode)?;
        }
        if !primary {
            return Ok(None);
        }
        for (var, path) in self.path_envs {
            out.mounts.push(Mount::path_env(*var, *path));
        }
        Ok(Some(out))
    }

    fn describe(&self, info: &mut ProviderInfo) {
        let dir = match self.dir_env {
            [] => format!("~/{}", self.dir),
            vars => format!("${} or ~/{}", vars.join(" | $"), self.dir),
        };
        // Listed in precedence order: a file an env var names beats the directory.
        for v in self.files.iter().filter_map(|f| f.env) {
            info.sources.push(format!("file named by env {v}"));
        }
        let names: Vec<&str> = self.files.iter().map(|f| f.name).collect();
        info.sources
            .push(format!("files {} under {dir}", names.join(", ")));
        for f in self.files {
            push_unique(
                &mut info.targets,
                format!("file {} ({:04o})", f.target, f.mode),
            );
        }
        for (var, path) in self.path_envs {
            push_unique(&mut info.targets, format!("env {var}={path}"));
        }
        push_unique(&mut info.default_dirs, self.dir.to_owned());
    }
}

/// A token kept in a file of its own (`~/.cache/huggingface/token`) or inside a config file
/// (`~/.netrc`, gh's `hosts.yml`), given to the container as env vars. Only the token leaves
/// the laptop, never the file, so whatever else the file holds (other machines' passwords,
/// other accounts) stays where it is.
#[derive(Clone, Copy, Debug)]
pub struct TokenFile {
    /// The data key.
    pub key: &'static str,
    /// Env vars naming the file itself, first set one wins (`HF_TOKEN_PATH`, `NETRC`).
    pub file_env: &'static [&'static str],
    /// Env vars naming a base directory, first set one wins, each with the file's directory
    /// below that base (`("XDG_CACHE_HOME", "huggingface")`; `""` for the base itself).
    pub dir_env: &'static [(&'static str, &'static str)],
    /// Default directory under the local home (`.cache/huggingface`); `""` for the home itself.
    pub dir: &'static str,
    /// The file's name in its directory.
    pub name: &'static str,
    /// Whether `dir` is this provider's own, so that `from_path` of it yields this provider
    /// (`.cache/huggingface` is; the home that holds `.netrc` is not).
    pub owns_dir: bool,
    /// Finds the token in the file's text; `Ok(None)` when the file holds none. Errors must
    /// not quote the text: it is a credentials file.
    pub read: fn(&ResolveContext, &Path, &str) -> Result<Option<SecretValue>>,
    /// What `read` takes from the file, for the listing (`token`, `password of machine …`).
    pub what: &'static str,
    /// Container env vars that receive the token.
    pub targets: &'static [&'static str],
}

impl TokenFile {
    /// The one file this shape reads: `name` in the context's path override, else the file an
    /// env var names, else `name` under a relocated directory, else under the default one.
    pub fn local_path(&self, ctx: &ResolveContext) -> PathBuf {
        if let Some(p) = ctx.path() {
            return p.join(self.name);
        }
        if let Some(p) = self.file_env.iter().find_map(|v| ctx.env_path(v)) {
            return p;
        }
        let dir = self
            .dir_env
            .iter()
            .find_map(|(v, sub)| ctx.env_path(v).map(|d| join_nonempty(d, sub)))
            .unwrap_or_else(|| join_nonempty(ctx.home().to_path_buf(), self.dir));
        dir.join(self.name)
    }

    /// `Ok(None)` when the file is missing or holds no token (an empty token counts as none,
    /// as the SDKs treat it). A file that exists but cannot be read or parsed is an error.
    pub fn resolve(&self, ctx: &ResolveContext, looked: &mut Looked) -> Found {
        // As for FileShape: the env vars that would have moved the file are places looked too.
        if ctx.path().is_none() {
            self.file_env.iter().for_each(|v| looked.env(v));
            self.dir_env.iter().for_each(|(v, _)| looked.env(v));
        }
        let path = self.local_path(ctx);
        looked.file(&path);
        let Some(text) = read_optional_string(&path)? else {
            return Ok(None);
        };
        let text = zeroize::Zeroizing::new(text);
        let token = match (self.read)(ctx, &path, &text)? {
            Some(t) if !t.is_empty() => t,
            _ => return Ok(None),
        };
        let mut out = Resolved::new();
        out.add(self.key, token, Origin::File(path))?;
        for t in self.targets {
            out.mounts.push(Mount::env(*t, self.key));
        }
        Ok(Some(out))
    }

    fn describe(&self, info: &mut ProviderInfo) {
        let in_dir = |d: &str| match d {
            "" => self.name.to_owned(),
            d => format!("{d}/{}", self.name),
        };
        let mut places: Vec<String> = self.file_env.iter().map(|v| format!("${v}")).collect();
        places.extend(
            self.dir_env
                .iter()
                .map(|(v, sub)| format!("${v}/{}", in_dir(sub))),
        );
        places.push(format!("~/{}", in_dir(self.dir)));
        info.sources
            .push(format!("{} in file {}", self.what, places.join(" | ")));
        for t in self.targets {
            push_unique(&mut info.targets, format!("env {t}"));
        }
        if self.owns_dir {
            push_unique(&mut info.default_dirs, self.dir.to_owned());
        }
    }
}

fn join_nonempty(base: PathBuf, sub: &str) -> PathBuf {
    if sub.is_empty() { base } else { base.join(sub) }
}

/// A [`TokenFile`] reader for a file that holds only the token: its text, trimmed.
pub fn trimmed_token(_: &ResolveContext, _: &Path, text: &str) -> Result<Option<SecretValue>> {
    let t = text.trim();
    Ok((!t.is_empty()).then(|| SecretValue::from(t)))
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// One way a [`Declared`] provider can find its credentials.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// Env vars, to env vars.
    Env(EnvShape),
    /// Files of a directory, to files.
    Files(FileShape),
    /// A token inside a file, to env vars.
    TokenFile(TokenFile),
}

impl Shape {
    /// What this shape finds, `Ok(None)` when nothing; every place tried is added to
    /// `looked`, and `provider` is named in the errors that need it.
    pub fn resolve(&self, provider: &str, ctx: &ResolveContext, looked: &mut Looked) -> Found {
        match self {
            Shape::Env(s) => s.resolve(ctx, looked),
            Shape::Files(s) => s.resolve(provider, ctx, looked),
            Shape::TokenFile(s) => s.resolve(ctx, looked),
        }
    }

    /// Adds to `info` where this shape looks and what the pod gets.
    pub fn describe(&self, info: &mut ProviderInfo) {
        match self {
            Shape::Env(s) => s.describe(info),
            Shape::Files(s) => s.describe(info),
            Shape::TokenFile(s) => s.describe(info),
        }
    }
}

/// A provider that is only declarations: shapes tried in order, first one that finds
/// something wins.
#[derive(Clone, Copy, Debug)]
pub struct Declared {
    /// The registry name (`pinecone`).
    pub name: &'static str,
    /// What it ships, in one line, for the listing.
    pub description: &'static str,
    /// The ways it finds credentials, in precedence order.
    pub shapes: &'static [Shape],
}

impl Declared {
    /// Tries the shapes in order; the first that finds something wins.
    pub fn resolve_shapes(&self, ctx: &ResolveContext) -> Result<Resolved> {
        first_found(self.name, ctx, self.shapes)
    }
}

/// Tries `shapes` in order and returns the first hit, or [`Error::NothingFound`] listing every
/// place looked. Errors name `provider`.
///
/// When the context carries a path (`from_path` of the provider's directory), env shapes are
/// skipped if the provider has file shapes: the user asked for what is in that directory.
pub fn first_found(provider: &str, ctx: &ResolveContext, shapes: &[Shape]) -> Result<Resolved> {
    let mut looked = Looked::new();
    let dir_only = ctx.path().is_some()
        && shapes
            .iter()
            .any(|s| matches!(s, Shape::Files(_) | Shape::TokenFile(_)));
    for s in shapes {
        if dir_only && matches!(s, Shape::Env(_)) {
            continue;
        }
        if let Some(r) = s.resolve(provider, ctx, &mut looked)? {
            return Ok(r);
        }
    }
    Err(looked.into_error(provider))
}

/// Builds the listing of a provider made of `shapes`.
pub fn describe(description: &str, shapes: &[Shape]) -> ProviderInfo {
    let mut info = ProviderInfo {
        description: description.to_owned(),
        ..Default::default()
    };
    for s in shapes {
        s.describe(&mut info);
    }
    info
}

#[async_trait::async_trait]
impl Provider for Declared {
    fn name(&self) -> &str {
        self.name
    }

    fn info(&self) -> ProviderInfo {
        describe(self.description, self.shapes)
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        self.resolve_shapes(ctx)
    }
}

/// A [`Declared`] provider with a hook on what its shapes found, for the rules data cannot
/// say: a check of the file found (gcp refuses what is not ADC JSON), or a rewrite of it
/// (lambda's key file cut down to its key).
#[derive(Clone, Copy, Debug)]
pub struct Hooked {
    /// The shapes, tried as a [`Declared`] tries them; its name and description are the
    /// provider's.
    pub declared: Declared,
    /// Runs on what the first shape to find something found, and returns what the provider
    /// answers: checked, completed or rewritten. "Nothing found" never reaches it. Its errors
    /// name the file or key at fault, never a value.
    pub after: fn(&ResolveContext, Resolved) -> Result<Resolved>,
    /// Adds to the listing what `after` reads or gives beyond the shapes (`|_| {}` when
    /// nothing).
    pub describe: fn(&mut ProviderInfo),
}

#[async_trait::async_trait]
impl Provider for Hooked {
    fn name(&self) -> &str {
        self.declared.name
    }

    fn info(&self) -> ProviderInfo {
        let mut info = self.declared.info();
        (self.describe)(&mut info);
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        (self.after)(ctx, self.declared.resolve_shapes(ctx)?)
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    const TOKEN: Declared = Declared {
        name: "demo",
        description: "demo",
        shapes: &[
            Shape::Env(EnvShape {
                vars: &[EnvVar::same(&["DEMO_TOKEN"], true)],
            }),
            Shape::Files(FileShape {
                dir: ".demo",
                dir_env: &[],
                files: &[FileSpec {
                    name: "token",
                    key: "token",
                    env: Some("DEMO_TOKEN_FILE"),
                    target: "~/.demo/token",
                    mode: 0o600,
                    primary: true,
                }],
                path_envs: &[],
            }),
        ],
    };

    #[test]
    fn a_named_directory_beats_env_values_and_env_paths() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("elsewhere");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("token"), "from-dir").unwrap();
        std::fs::write(home.path().join("other"), "from-env-file").unwrap();
        let ctx = ResolveContext::new(home.path())
            .with_env("DEMO_TOKEN", "from-env")
            .with_env(
                "DEMO_TOKEN_FILE",
                home.path().join("other").display().to_string(),
            );

        let r = TOKEN.resolve_shapes(&ctx).unwrap();
        assert_eq!(r.data.get("DEMO_TOKEN").unwrap().expose(), b"from-env");

        let r = TOKEN
            .resolve_shapes(&ctx.clone().without_env("DEMO_TOKEN"))
            .unwrap();
        assert_eq!(r.data.get("token").unwrap().expose(), b"from-env-file");

        let r = TOKEN.resolve_shapes(&ctx.with_path(&dir)).unwrap();
        assert_eq!(r.data.keys().collect::<Vec<_>>(), ["token"]);
        assert_eq!(r.data.get("token").unwrap().expose(), b"from-dir");
    }

    #[test]
    fn a_file_an_env_var_names_and_that_is_missing_names_the_provider_and_the_file() {
        let home = tempfile::tempdir().unwrap();
        let missing = home.path().join("missing");
        let ctx = ResolveContext::new(home.path())
            .with_env("DEMO_TOKEN_FILE", missing.display().to_string());
        let e = TOKEN.resolve_shapes(&ctx).unwrap_err();
        assert!(
            matches!(&e, Error::Provider { provider, path: Some(p), .. }
                if provider == "demo" && *p == missing),
            "{e:?}"
        );
        assert!(e.to_string().contains("DEMO_TOKEN_FILE"), "{e}");
    }

    #[test]
    fn merge_adds_everything_and_refuses_a_shared_key() {
        let mut a = Resolved::new();
        a.add_env("A", "1", Origin::Literal).unwrap();
        let mut b = Resolved::new();
        b.add_file("b", "2", Origin::Literal, "~/b", 0o600).unwrap();
        a.merge(b.clone()).unwrap();
        assert_eq!(a.data.keys().collect::<Vec<_>>(), ["A", "b"]);
        assert_eq!(a.mounts.len(), 2);
        assert_eq!(a.origins.len(), 2);
        assert!(matches!(a.merge(b), Err(Error::DuplicateKey { .. })));
    }
}
