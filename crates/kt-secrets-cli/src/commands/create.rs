//! `kt-secrets create`: a Secret from a provider, a path, env vars or values (literals, a
//! dotenv file, files), applied or printed.

use std::path::{Path, PathBuf};

use anyhow::Context;
use kt_secrets::kube::manifest::ObjectGuard;
use kt_secrets::kube::pair;
use kt_secrets::{KeyMount, Origin, Registry, Secret, ValuesBuilder};

use super::{Echo, Env, Result, pairs};
use crate::cli::{CreateArgs, ManifestFormat};
use crate::output::{self, print};
use crate::report::Failure;

/// The secret's object, or the `v1` `List` of its two objects when it has env vars and files
/// (`kt_secrets::kube::pair`).
fn print_manifest(secret: &Secret, owner: &str, format: ManifestFormat) -> Result<()> {
    let objects: Vec<ObjectGuard> = pair::manifests(secret, owner)
        .into_iter()
        .map(ObjectGuard::new)
        .collect();
    let text = match &objects[..] {
        [one] => output::to_value(&**one),
        all => all
            .iter()
            .map(|o| output::to_value(&**o))
            .collect::<Result<Vec<_>, _>>()
            .map(|items| serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items})),
    }
    .and_then(|v| output::render(&v, format));
    Ok(print(&text?)?)
}

pub(super) async fn create(env: &Env, a: CreateArgs) -> Result<()> {
    let registry = env.registry()?;
    let secret = build_secret(env, &a, registry).await?;
    if a.dry_run {
        // The checks a real apply makes before sending anything.
        let ns = secret.namespace().unwrap_or("default").to_owned();
        pair::validate(&secret, &env.owner, &ns)?;
        return print_manifest(
            &secret,
            &env.owner,
            a.output.unwrap_or(ManifestFormat::Yaml),
        );
    }
    let store = env.store().await?;
    let secret = secret.with_namespace(store.namespace());
    let outcome = store.apply(&secret).await?;
    tracing::info!(secret = secret.name(), %outcome, "applied");
    match a.output {
        Some(format) => print_manifest(&secret, &env.owner, format)?,
        None => print(&format!(
            "secret/{} {outcome}\n",
            store.object_name_of(&secret)
        ))?,
    }
    Ok(())
}

async fn build_secret(env: &Env, a: &CreateArgs, registry: Registry) -> Result<Secret> {
    let secret =
        if !a.from_literal.is_empty() || a.from_env_file.is_some() || !a.from_file.is_empty() {
            let name = a.name.as_deref().ok_or_else(|| {
                Failure::usage(
                    "a secret from --from-literal, --from-env-file or --from-file needs a NAME",
                )
            })?;
            values_secret(name, a)?.with_override_existing(a.override_existing)
        } else {
            let mut b = Secret::builder()
                .registry(registry)
                .context(env.ctx.clone())
                .override_existing(a.override_existing);
            if let Some(n) = &a.name {
                b = b.name(n);
            }
            if let Some(p) = &a.provider {
                b = b.provider(p);
            }
            if let Some(p) = &a.path {
                b = b.path(p);
            }
            if !a.env.is_empty() {
                b = b.env_vars(pairs("--env", "KEY=LOCAL_VAR", &a.env, Echo::Names)?);
            }
            b.build().await?
        };
    Ok(match &env.namespace {
        Some(ns) => secret.with_namespace(ns),
        None => secret,
    })
}

/// `--from-literal`, `--from-env-file` and `--from-file` values, mounted like kubetorch's
/// `from_values` (env var names as env vars, other keys as files under `/secrets/<name>/`)
/// but for `--from-file`, whose keys stay files; each key remembers whether it came from the
/// command line or from which file. The values are added one source at a time so that a key
/// given twice is told with the flags that gave it.
fn values_secret(name: &str, a: &CreateArgs) -> Result<Secret> {
    let mut secret = ValuesBuilder::new(name).map_err(|e| match e {
        // `--from-literal A=1 B=2` makes `B=2` the NAME: it is not repeated, as it may be a value.
        kt_secrets::SecretError::InvalidName { reason, .. } => Failure::usage(format!(
            "invalid NAME: {reason} (the NAME is not repeated here: it may be a value; give each \
             KEY=VALUE its own --from-literal)"
        )),
        e => e.into(),
    })?;
    for (k, v) in pairs("--from-literal", "KEY=VALUE", &a.from_literal, Echo::Never)? {
        secret.add(k, v, Origin::Literal, KeyMount::ByName)?;
    }
    if let Some(file) = &a.from_env_file {
        let entries = crate::envfile::read(file, a.allow_unset)?;
        if entries.is_empty() {
            return Err(anyhow::anyhow!("env file {} has no entries", file.display()).into());
        }
        for (k, v) in entries {
            secret
                .add(k, v, Origin::File(file.clone()), KeyMount::ByName)
                .map_err(|e| match e {
                    kt_secrets::SecretError::DuplicateKey { key } => Failure::usage(format!(
                        "key {key} is given by --from-literal and by {}",
                        file.display()
                    )),
                    e => e.into(),
                })?;
        }
    }
    for arg in &a.from_file {
        for (k, path) in from_file_keys(arg)? {
            let bytes = kt_secrets::read_file(&path)?;
            // A file stays a file in the pod, whatever its key.
            secret
                .add(&k, bytes, Origin::File(path.clone()), KeyMount::File)
                .map_err(|e| match e {
                    kt_secrets::SecretError::DuplicateKey { .. } => Failure::usage(format!(
                        "--from-file {arg}: key {k} is already given by another source"
                    )),
                    e => e.into(),
                })?;
        }
    }
    Ok(secret.build()?)
}

/// The keys and files of one `--from-file [KEY=]PATH`, as kubectl reads them
/// (`kubectl create secret generic`, `handleFromFileSources`): a file under KEY or its own
/// name; a directory's regular files under their names (subdirectories, symlinks, devices and
/// pipes in it are skipped), where a KEY is refused. Only a regular file is ever opened, so a
/// FIFO does not block the command.
fn from_file_keys(arg: &str) -> Result<Vec<(String, PathBuf)>> {
    let (key, path) = match arg.split_once('=') {
        Some((k, p)) if !k.is_empty() && !p.is_empty() => (Some(k.to_owned()), PathBuf::from(p)),
        Some(_) => {
            return Err(Failure::usage(format!(
                "--from-file {arg:?}: expected [KEY=]PATH"
            )));
        }
        None => (None, PathBuf::from(arg)),
    };
    let flag = |reason: String| Failure::usage(format!("--from-file {}: {reason}", path.display()));
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => flag("no such file or directory".to_owned()),
        _ => Failure::from(
            anyhow::Error::new(e)
                .context(format!("--from-file {}: cannot read it", path.display())),
        ),
    })?;
    let file_key = |p: &Path| -> Result<String> {
        let k = p
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| flag("the file name is not UTF-8; give a KEY=".to_owned()))?;
        Ok(k.to_owned())
    };
    if meta.is_file() {
        let key = match key {
            Some(k) => k,
            None => file_key(&path)?,
        };
        return Ok(vec![(key, path)]);
    }
    if !meta.is_dir() {
        return Err(flag("not a regular file or a directory".to_owned()));
    }
    if key.is_some() {
        return Err(flag(
            "a KEY= cannot be given for a directory: its files are keyed by their names".to_owned(),
        ));
    }
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&path)
        .with_context(|| format!("--from-file {}: cannot list the directory", path.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| {
            format!("--from-file {}: cannot list the directory", path.display())
        })?;
        let file_type = entry
            .file_type()
            .with_context(|| format!("--from-file {}: cannot read it", entry.path().display()))?;
        if file_type.is_file() {
            out.push((file_key(&entry.path())?, entry.path()));
        } else {
            tracing::debug!(path = %entry.path().display(), "--from-file: not a regular file; skipped");
        }
    }
    if out.is_empty() {
        return Err(flag("the directory has no regular files".to_owned()));
    }
    out.sort();
    Ok(out)
}
