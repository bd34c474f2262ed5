//! [`Secret`], kubetorch's secret: a name, its data and its mounts, built from a provider,
//! values, a path or env vars.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::context::{ResolveContext, read_file};
use crate::data::{SecretData, SecretValue};
use crate::error::{Error, Result};
use crate::mount::{Mount, Origin};
use crate::provider::Resolved;
use crate::registry::Registry;
use crate::validate::{normalize_name, validate_data_key};
use crate::values::{KeyMount, ValuesBuilder};

/// Where files of a generic (`from_path`, `from_values`) secret are mounted: `/secrets/<name>/`.
pub const GENERIC_MOUNT_ROOT: &str = "/secrets";

/// Mode of files of generic secrets that carry no mode of their own: Kubernetes' default.
pub const GENERIC_FILE_MODE: u32 = 0o644;

/// A named set of secret values and how a pod receives them.
///
/// `Debug` and `Display` show key names and sizes, never values.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    name: String,
    namespace: Option<String>,
    provider: Option<String>,
    override_existing: bool,
    data: SecretData,
    mounts: Vec<Mount>,
    origins: BTreeMap<String, Origin>,
}

impl Secret {
    /// A builder taking kubetorch's constructor arguments: exactly one source, and the options.
    pub fn builder() -> SecretBuilder {
        SecretBuilder::default()
    }

    /// Assembles a secret from parts, validating the name, the mounts against the data, and
    /// that no two mounts claim one env var or path.
    pub fn from_parts(name: &str, provider: Option<String>, resolved: Resolved) -> Result<Secret> {
        let name = normalize_name(name)?;
        resolved.validate()?;
        check_mount_clashes(&resolved.mounts)?;
        Ok(Secret {
            name,
            namespace: None,
            provider,
            override_existing: false,
            data: resolved.data,
            mounts: resolved.mounts,
            origins: resolved.origins,
        })
    }

    /// Literal values. Keys that are env var names become env vars; others become files
    /// under `/secrets/<name>/`.
    pub fn from_values<K, V>(name: &str, values: impl IntoIterator<Item = (K, V)>) -> Result<Secret>
    where
        K: Into<String>,
        V: Into<SecretValue>,
    {
        let mut secret = ValuesBuilder::new(name)?;
        for (k, v) in values {
            secret.add(k, v, Origin::Literal, KeyMount::ByName)?;
        }
        secret.build()
    }

    /// Values of local env vars. `env_vars` maps *key in the secret, which is also the
    /// container's env var* → *local env var to read*, as kubetorch's `from_env` documents.
    pub fn from_env<K, V>(name: &str, env_vars: impl IntoIterator<Item = (K, V)>) -> Result<Secret>
    where
        K: Into<String>,
        V: Into<String>,
    {
        Secret::from_env_in(&ResolveContext::from_process(), name, env_vars)
    }

    /// [`Secret::from_env`] reading `ctx` instead of the process.
    pub fn from_env_in<K, V>(
        ctx: &ResolveContext,
        name: &str,
        env_vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Secret>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut r = Resolved::new();
        for (key, local) in env_vars {
            let (key, local) = (key.into(), local.into());
            crate::mount::validate_env_var(&key)?;
            let value = match ctx.require_env(&local) {
                Ok(v) => v,
                // A name no shell can set is most likely the value given in its place
                // (`API_KEY=sk-…`, as `docker run -e` takes it).
                Err(_) if !crate::mount::is_env_var_name(&local) => {
                    return Err(Error::EnvNameWithheld { key });
                }
                Err(e) => return Err(e),
            };
            r.add(key.clone(), value, Origin::Env(local))?;
            r.mounts.push(Mount::env(key.clone(), key));
        }
        if r.is_empty() {
            return Err(Error::NoSource {
                name: Some(name.to_owned()),
            });
        }
        Secret::from_parts(name, None, r)
    }

    /// The contents of a file or directory (binary-safe). Files mount under
    /// `/secrets/<name>/`, keeping their local permission bits. A `name` is required unless
    /// `path` is a provider's default directory (`~/.aws`, `~/.ssh`), which yields that
    /// provider's secret.
    pub async fn from_path(path: impl AsRef<Path>, name: Option<&str>) -> Result<Secret> {
        Secret::from_path_in(
            Registry::global()?,
            &ResolveContext::from_process(),
            path.as_ref(),
            name,
        )
        .await
    }

    /// [`Secret::from_path`] with an explicit registry and context.
    pub async fn from_path_in(
        registry: &Registry,
        ctx: &ResolveContext,
        path: &Path,
        name: Option<&str>,
    ) -> Result<Secret> {
        let path = ctx.expand(path);
        let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::FileNotFound { path: path.clone() },
            _ => Error::Unreadable {
                path: path.clone(),
                source: e,
            },
        })?;
        if meta.is_dir()
            && let Some(provider) = registry.provider_for_dir(ctx, &path)
        {
            let ctx = ctx.clone().with_path(&path);
            return Secret::from_provider_in(registry, &ctx, provider, name).await;
        }
        let Some(name) = name else {
            return Err(Error::NameRequired {
                context: Some(format!(
                    "{} is not a provider's default directory",
                    path.display()
                )),
            });
        };
        let norm = normalize_name(name)?;
        let mut r = Resolved::new();
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(&path, &path, &mut files)?;
            if files.is_empty() {
                return Err(Error::Parse {
                    what: path.display().to_string(),
                    detail: "directory holds no files".to_owned(),
                });
            }
            for (rel, full) in files {
                add_path_file(&mut r, &norm, &rel, &full)?;
            }
        } else if meta.is_file() {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            add_path_file(&mut r, &norm, &file_name, &path)?;
        } else {
            return Err(crate::context::special_file(&path, &meta));
        }
        Secret::from_parts(&norm, None, r)
    }

    /// The credentials of a registered provider, named after it unless `name` says otherwise.
    pub async fn from_provider(provider: &str) -> Result<Secret> {
        Secret::from_provider_in(
            Registry::global()?,
            &ResolveContext::from_process(),
            provider,
            None,
        )
        .await
    }

    /// [`Secret::from_provider`] with an explicit registry, context and name.
    pub async fn from_provider_in(
        registry: &Registry,
        ctx: &ResolveContext,
        provider: &str,
        name: Option<&str>,
    ) -> Result<Secret> {
        let p = registry.get(provider)?;
        let resolved = p.resolve(ctx).await?;
        if resolved.is_empty() {
            return Err(Error::NothingFound {
                provider: provider.to_owned(),
                looked: vec!["(the provider returned no data)".to_owned()],
            });
        }
        Secret::from_parts(
            name.unwrap_or(provider),
            Some(provider.to_owned()),
            resolved,
        )
    }

    /// The secret's name (`aws`, `my-keys`); its Kubernetes object name derives from it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace it is meant for, when one was set; otherwise the caller's (or the compute's).
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The provider it came from, for provider secrets.
    pub fn provider(&self) -> Option<&str> {
        self.provider.as_deref()
    }

    /// Whether applying may replace an existing Kubernetes secret of this name that holds other
    /// data: kubetorch's `override` and the CLI's `--override` (`override` itself is a Rust
    /// keyword, so the library says `override_existing` throughout).
    pub fn override_existing(&self) -> bool {
        self.override_existing
    }

    /// The keys and values.
    pub fn data(&self) -> &SecretData {
        &self.data
    }

    /// How a pod receives each key.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// Where each key's value came from.
    pub fn origins(&self) -> &BTreeMap<String, Origin> {
        &self.origins
    }

    /// `volume` if any key is mounted as a file, else `env` (kubetorch's mount-type label).
    pub fn mount_type(&self) -> &'static str {
        if self.mounts.iter().any(|m| matches!(m, Mount::File { .. })) {
            "volume"
        } else {
            "env"
        }
    }

    /// The secret, meant for `namespace`.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The secret, allowed (or not) to replace an existing Kubernetes secret of its name that
    /// holds other data; see [`Secret::override_existing`].
    pub fn with_override_existing(mut self, override_existing: bool) -> Self {
        self.override_existing = override_existing;
        self
    }

    /// Renames the secret (validated like any name).
    pub fn with_name(mut self, name: &str) -> Result<Self> {
        self.name = normalize_name(name)?;
        Ok(self)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field("provider", &self.provider)
            .field("override", &self.override_existing)
            .field("data", &self.data)
            .field("mounts", &self.mounts)
            .field("origins", &self.origins)
            .finish()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "secret {}", self.name)?;
        if let Some(p) = &self.provider {
            write!(f, " (provider {p})")?;
        }
        write!(f, ": {}", self.data)
    }
}

fn add_path_file(r: &mut Resolved, secret_name: &str, rel: &str, full: &Path) -> Result<()> {
    let key = rel.replace('/', "__");
    validate_data_key(&key)?;
    let bytes = read_file(full)?;
    let mode = file_mode(full);
    r.add(key.clone(), bytes, Origin::File(full.to_path_buf()))?;
    r.mounts.push(Mount::file(
        key,
        format!("{GENERIC_MOUNT_ROOT}/{secret_name}/{rel}"),
        mode,
    ));
    Ok(())
}

#[cfg(unix)]
fn file_mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o600)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> u32 {
    0o600
}

/// Every regular file under `dir`, as (path relative to `root` with `/`, full path), sorted.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::Unreadable {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let mut entries: Vec<PathBuf> = rd
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::Unreadable {
            path: dir.to_path_buf(),
            source: e,
        })?;
    entries.sort();
    for p in entries {
        let meta = std::fs::metadata(&p).map_err(|e| Error::Unreadable {
            path: p.clone(),
            source: e,
        })?;
        if meta.is_dir() {
            walk(root, &p, out)?;
        } else if meta.is_file() {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, p));
        } else {
            return Err(crate::context::special_file(&p, &meta));
        }
    }
    Ok(())
}

/// Two mounts that claim one env var or one container path.
pub fn check_mount_clashes(mounts: &[Mount]) -> Result<()> {
    let mut seen: BTreeMap<String, &Mount> = BTreeMap::new();
    for m in mounts {
        let claim = match m {
            Mount::Env { var, .. } | Mount::PathEnv { var, .. } => format!("env {var}"),
            Mount::File { path, .. } => format!("file {path}"),
        };
        if let Some(prev) = seen.insert(claim.clone(), m) {
            return Err(Error::InvalidPath {
                path: claim,
                reason: format!("claimed twice: by `{prev}` and by `{m}`"),
            });
        }
    }
    Ok(())
}

/// kubetorch's constructor: name, provider, values, path, env_vars, override, namespace.
#[derive(Default)]
pub struct SecretBuilder {
    name: Option<String>,
    provider: Option<String>,
    values: Option<Vec<(String, SecretValue)>>,
    path: Option<PathBuf>,
    env_vars: Option<Vec<(String, String)>>,
    override_existing: bool,
    namespace: Option<String>,
    context: Option<ResolveContext>,
    registry: Option<Registry>,
}

impl fmt::Debug for SecretBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBuilder")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field(
                "values",
                &self
                    .values
                    .as_ref()
                    .map(|v| v.iter().map(|(k, _)| k).collect::<Vec<_>>()),
            )
            .field("path", &self.path)
            .field("env_vars", &self.env_vars)
            .field("override", &self.override_existing)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl SecretBuilder {
    /// The secret's name; a provider secret defaults to the provider's.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Source: the registered provider of this name.
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// Source: these literal values (needs a name).
    pub fn values<K: Into<String>, V: Into<SecretValue>>(
        mut self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.values = Some(
            values
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Source: this file or directory; with `provider`, the directory that provider reads instead of its default.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// *key in secret / container env var* → *local env var*.
    pub fn env_vars<K: Into<String>, V: Into<String>>(
        mut self,
        env_vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env_vars = Some(
            env_vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Whether applying may replace an existing Kubernetes secret of this name that holds other data (kubetorch's `override`). Off by default.
    pub fn override_existing(mut self, yes: bool) -> Self {
        self.override_existing = yes;
        self
    }

    /// The namespace the secret is meant for.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Resolve against this context instead of the process's env and home.
    pub fn context(mut self, ctx: ResolveContext) -> Self {
        self.context = Some(ctx);
        self
    }

    /// Look providers up in this registry instead of [`Registry::global`].
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Builds the secret from exactly one source: `provider`, `values`, `path` or `env_vars`.
    /// `provider` with `path` is also accepted: the provider reads that directory instead of
    /// its default one.
    pub async fn build(self) -> Result<Secret> {
        let mut given = Vec::new();
        if self.provider.is_some() {
            given.push("provider");
        }
        if self.values.is_some() {
            given.push("values");
        }
        if self.path.is_some() {
            given.push("path");
        }
        if self.env_vars.is_some() {
            given.push("env_vars");
        }
        match given.as_slice() {
            [] => {
                return Err(Error::NoSource { name: self.name });
            }
            [_] | ["provider", "path"] => {}
            _ => {
                return Err(Error::MultipleSources {
                    name: self.name,
                    given,
                });
            }
        }
        let ctx = self.context.unwrap_or_else(ResolveContext::from_process);
        let registry = match self.registry {
            Some(r) => r,
            None => Registry::global()?.clone(),
        };
        let name = self.name.as_deref();
        let secret = if let Some(provider) = &self.provider {
            let ctx = match &self.path {
                Some(p) => {
                    let p = ctx.expand(p);
                    ctx.with_path(p)
                }
                None => ctx,
            };
            Secret::from_provider_in(&registry, &ctx, provider, name).await?
        } else if let Some(values) = self.values {
            let name = name.ok_or(Error::NameRequired {
                context: Some("a secret from values needs a name".to_owned()),
            })?;
            Secret::from_values(name, values)?
        } else if let Some(path) = &self.path {
            Secret::from_path_in(&registry, &ctx, path, name).await?
        } else {
            let env_vars = self.env_vars.unwrap_or_default();
            let name = name.ok_or(Error::NameRequired {
                context: Some("a secret from env vars needs a name".to_owned()),
            })?;
            Secret::from_env_in(&ctx, name, env_vars)?
        };
        let secret = secret.with_override_existing(self.override_existing);
        Ok(match self.namespace {
            Some(ns) => secret.with_namespace(ns),
            None => secret,
        })
    }
}
