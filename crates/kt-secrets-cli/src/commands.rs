//! What each command does.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use kt_secrets::k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets::kube::RetryPolicy;
use kt_secrets::kube::kube::api::{Api, ListParams};
use kt_secrets::kube::manifest;
use kt_secrets::kube::{DeleteOutcome, ListOptions, SecretInfo};
use kt_secrets::{
    Compute, GENERIC_MOUNT_ROOT, Mount, Origin, ProviderOrigin, Registry, ResolveContext, Resolved,
    Secret, SecretStore, SecretValue,
};
use serde_json::json;

use crate::cli::{
    Cli, Command, CompletionArgs, CreateArgs, DeleteArgs, DescribeArgs, ListArgs, ListFormat,
    ManifestFormat, ProvidersArgs, RenderArgs, RequestTimeout, TableOrJson, WorkloadKind,
};
use crate::output::{self, Table, print};
use crate::report::Failure;
use kt_secrets::kube::render;

mod inject;
mod run;
mod status;
mod sync;

type Result<T, E = Failure> = std::result::Result<T, E>;

/// Secrets applied at once by `render`.
const SYNC_CONCURRENCY: usize = 4;

/// What every command shares: the process's env and home (read once, here), the owner of
/// managed secrets, and where the cluster is.
struct Env {
    ctx: ResolveContext,
    owner: String,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    /// `-n`, checked.
    namespace: Option<String>,
    request_timeout: Option<RequestTimeout>,
}

impl Env {
    fn new(cli: &Cli) -> Result<Self> {
        let ctx = ResolveContext::from_process();
        let owner = manifest::owner_from(ctx.env("KT_USERNAME"));
        manifest::validate_owner(&owner).map_err(|e| Failure::usage(format!("{e}")))?;
        check_namespace(cli.namespace.as_deref())?;
        Ok(Env {
            ctx,
            owner,
            kubeconfig: cli.kubeconfig.clone(),
            context: cli.context.clone(),
            namespace: cli.namespace.clone(),
            request_timeout: cli.request_timeout,
        })
    }

    /// The built-in providers and the plugins; a plugin that fails to load is a warning.
    fn registry(&self) -> Result<Registry> {
        let (registry, errors) = Registry::with_plugins(&self.ctx)?;
        for e in errors {
            eprintln!(
                "warning: {}; the other providers are unaffected",
                crate::report::cli_text(&e.to_string())
            );
        }
        Ok(registry)
    }

    /// The store of the cluster and namespace asked for.
    async fn store(&self) -> Result<SecretStore> {
        let mut store =
            SecretStore::from_kubeconfig(self.kubeconfig.as_deref(), self.context.as_deref())
                .await?
                .with_owner(&self.owner);
        if let Some(RequestTimeout(bound)) = self.request_timeout {
            let retry = store.retry().clone();
            store = store.with_retry(RetryPolicy {
                request_timeout: bound.unwrap_or(Duration::MAX),
                deadline: bound,
                ..retry
            });
        }
        tracing::debug!(namespace = store.namespace(), server = ?store.server(), "cluster");
        Ok(match &self.namespace {
            Some(ns) => store.with_namespace(ns),
            None => store,
        })
    }
}

/// `-n` is checked before anything is read or sent.
fn check_namespace(ns: Option<&str>) -> Result<()> {
    if let Some(ns) = ns {
        manifest::validate_namespace(ns).map_err(|e| match e {
            kt_secrets::kube::Error::Invalid { reason, .. } => {
                Failure::usage(format!("--namespace {ns:?}: {reason}"))
            }
            e => e.into(),
        })?;
    }
    Ok(())
}

/// Runs the command; the exit status is 0 unless the command passes one through (`run`).
pub async fn run(cli: Cli) -> Result<u8> {
    let env = Env::new(&cli)?;
    let done = match cli.command {
        Command::Run(a) => return run::run(&env, a).await,
        Command::Providers(a) => providers(&env, a),
        Command::Create(a) => create(&env, a).await,
        Command::List(a) => list(&env, a).await,
        Command::Describe(a) => describe(&env, a).await,
        Command::Delete(a) => delete(&env, a).await,
        Command::Render(a) => render(&env, a).await,
        Command::Status(a) => status::run(&env, a).await,
        Command::Sync(a) => sync::run(&env, a).await,
        Command::Inject(a) => inject::inject(&env, a).await,
        Command::Completion(a) => completion(a),
    };
    done.map(|()| 0)
}

/// The script is generated from the command line itself, so it always matches it.
fn completion(a: CompletionArgs) -> Result<()> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "kt-secrets", &mut out);
    Ok(print(&String::from_utf8_lossy(&out))?)
}

fn providers(env: &Env, a: ProvidersArgs) -> Result<()> {
    let registry = env.registry()?;
    match a.output {
        TableOrJson::Json => {
            let items: Vec<_> = registry
                .entries()
                .map(|e| {
                    let info = e.provider.info();
                    let origin = match &e.origin {
                        ProviderOrigin::Static { crate_name } => {
                            json!({"type": "builtin", "crate": crate_name})
                        }
                        ProviderOrigin::Dynamic { path } => {
                            json!({"type": "plugin", "path": path})
                        }
                    };
                    json!({
                        "name": e.provider.name(),
                        "description": info.description,
                        "origin": origin,
                        "sources": info.sources,
                        "targets": info.targets,
                        "defaultDirs": info.default_dirs,
                        "rotation": kt_secrets::kube::rotation_of_targets(&info.targets).as_str(),
                    })
                })
                .collect();
            print(&output::json(&items)?)?;
        }
        TableOrJson::Table => {
            let mut t = Table::new(&[
                "NAME",
                "LOOKS AT (FIRST FOUND WINS)",
                "POD GETS",
                "ROTATION",
                "FROM",
            ]);
            t.no_headers(a.no_headers);
            for e in registry.entries() {
                let info = e.provider.info();
                t.row(vec![
                    e.provider.name().to_owned(),
                    info.sources.join("\n"),
                    info.targets.join("\n"),
                    kt_secrets::kube::rotation_of_targets(&info.targets).to_string(),
                    e.origin.to_string(),
                ]);
            }
            print(&t.to_text())?;
        }
    }
    Ok(())
}

/// Which bad arguments of a `KEY=VALUE` flag its error may repeat.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Echo {
    /// Plain settings (render's `--env`).
    Always,
    /// Only a valid env var name: anything else may be a value pasted without its `KEY=`.
    Names,
    /// Never: the argument is the secret (`--from-literal`).
    Never,
}

/// `KEY=VALUE` arguments of `flag` (`form` names them in errors).
fn pairs(flag: &str, form: &str, args: &[String], echo: Echo) -> Result<Vec<(String, String)>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ if echo == Echo::Always
                || (echo == Echo::Names && kt_secrets::is_env_var_name(a)) =>
            {
                Err(Failure::usage(format!("{flag} {a:?}: expected {form}")))
            }
            _ => Err(Failure::usage(format!(
                "{flag} number {}: expected {form} (the argument is not repeated here: it may \
                 hold a value)",
                i + 1
            ))),
        })
        .collect()
}

async fn build_secret(env: &Env, a: &CreateArgs, registry: Registry) -> Result<Secret> {
    let secret =
        if !a.from_literal.is_empty() || a.from_env_file.is_some() || !a.from_file.is_empty() {
            let name = a.name.as_deref().ok_or_else(|| {
                Failure::usage(
                    "a secret from --from-literal, --from-env-file or --from-file needs a NAME",
                )
            })?;
            values_secret(name, a)?.with_override(a.override_existing)
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
/// `from_values` (env var names as env vars, other keys as files under `/secrets/<name>/`),
/// each key remembering whether it came from the command line or from which file.
fn values_secret(name: &str, a: &CreateArgs) -> Result<Secret> {
    let norm = kt_secrets::normalize_name(name).map_err(|e| match e {
        // `--from-literal A=1 B=2` makes `B=2` the NAME: it is not repeated, as it may be a value.
        kt_secrets::SecretError::InvalidName { reason, .. } => Failure::usage(format!(
            "invalid NAME: {reason} (the NAME is not repeated here: it may be a value; give each \
             KEY=VALUE its own --from-literal)"
        )),
        e => e.into(),
    })?;
    let mut r = Resolved::new();
    let mut add = |k: String, v: SecretValue, origin: Origin, file: bool| -> Result<()> {
        let mount = if !file && kt_secrets::is_env_var_name(&k) {
            Mount::env(&k, &k)
        } else {
            Mount::file(&k, format!("{GENERIC_MOUNT_ROOT}/{norm}/{k}"), 0o644)
        };
        r.add(k, v, origin)?;
        r.mounts.push(mount);
        Ok(())
    };
    for (k, v) in pairs("--from-literal", "KEY=VALUE", &a.from_literal, Echo::Never)? {
        add(k, SecretValue::from(v), Origin::Literal, false)?;
    }
    if let Some(file) = &a.from_env_file {
        let entries = crate::envfile::read(file, a.allow_unset)?;
        if entries.is_empty() {
            return Err(anyhow::anyhow!("env file {} has no entries", file.display()).into());
        }
        for (k, v) in entries {
            add(k, SecretValue::from(v), Origin::File(file.clone()), false).map_err(|f| match f
                .error
                .downcast_ref()
            {
                Some(kt_secrets::SecretError::DuplicateKey { key }) => Failure::usage(format!(
                    "key {key} is given by --from-literal and by {}",
                    file.display()
                )),
                _ => f,
            })?;
        }
    }
    for arg in &a.from_file {
        for (k, path) in from_file_keys(arg)? {
            let bytes = kt_secrets::read_file(&path)?;
            // A file stays a file in the pod, whatever its key.
            add(
                k.clone(),
                SecretValue::from(bytes),
                Origin::File(path.clone()),
                true,
            )
            .map_err(|f| match f.error.downcast_ref() {
                Some(kt_secrets::SecretError::DuplicateKey { .. }) => Failure::usage(format!(
                    "--from-file {arg}: key {k} is already given by another source"
                )),
                _ => f,
            })?;
        }
    }
    Ok(Secret::from_parts(&norm, None, r)?)
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

fn print_manifest(secret: &Secret, owner: &str, format: ManifestFormat) -> Result<()> {
    let mut m = manifest::to_manifest(secret, owner);
    let text = output::to_value(&m).and_then(|v| output::render(&v, format));
    manifest::scrub(&mut m);
    Ok(print(&text?)?)
}

async fn create(env: &Env, a: CreateArgs) -> Result<()> {
    let registry = env.registry()?;
    let secret = build_secret(env, &a, registry).await?;
    if a.dry_run {
        // The checks a real apply makes before sending anything.
        let ns = secret.namespace().unwrap_or("default").to_owned();
        manifest::validate(&secret, &env.owner, &ns)?;
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

async fn list(env: &Env, a: ListArgs) -> Result<()> {
    if a.selector.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(Failure::usage("--selector must not be empty"));
    }
    if a.all_namespaces && env.namespace.is_some() {
        return Err(Failure::usage(
            "--all-namespaces and --namespace cannot be used together",
        ));
    }
    let store = env.store().await?;
    let options = ListOptions {
        all_namespaces: a.all_namespaces,
        prefix: a.prefix.clone(),
        owner: None,
        selector: a.selector.clone(),
    };
    let infos = store
        .list(&options)
        .await
        .map_err(|e| selector_error(e, &a))?;
    let format = match a.output {
        ListFormat::Table | ListFormat::Wide | ListFormat::Name => {
            if infos.is_empty() {
                match a.all_namespaces {
                    true => eprintln!("No secrets found."),
                    false => eprintln!("No secrets found in namespace {}.", store.namespace()),
                }
                return Ok(());
            }
            if a.output == ListFormat::Name {
                let names: String = infos
                    .iter()
                    .map(|i| format!("secret/{}\n", i.object_name))
                    .collect();
                return Ok(print(&names)?);
            }
            let wide = a.output == ListFormat::Wide;
            let mut t = list_table(&infos, a.all_namespaces || wide, wide);
            t.no_headers(a.no_headers);
            return Ok(print(&t.to_text())?);
        }
        ListFormat::Json => ManifestFormat::Json,
        ListFormat::Yaml => ManifestFormat::Yaml,
    };
    // The objects as the API server has them, less their data: a listing shows no values.
    let api: Api<KubeSecret> = if a.all_namespaces {
        Api::all(store.client().clone())
    } else {
        Api::namespaced(store.client().clone(), store.namespace())
    };
    let params = match a.selector.as_deref() {
        Some(s) => ListParams::default().labels(s),
        None => ListParams::default(),
    };
    let mut objects = api
        .list(&params)
        .await
        .with_context(|| format!("cannot list secrets in namespace {}", store.namespace()))?
        .items;
    let wanted: BTreeSet<(&str, &str)> = infos
        .iter()
        .map(|i| (i.namespace.as_str(), i.object_name.as_str()))
        .collect();
    let mut items = Vec::new();
    for obj in &mut objects {
        manifest::strip_values(obj);
        obj.metadata.managed_fields = None;
        let key = (
            obj.metadata.namespace.as_deref().unwrap_or_default(),
            obj.metadata.name.as_deref().unwrap_or_default(),
        );
        if wanted.contains(&key) {
            items.push(output::to_value(obj)?);
        }
    }
    items.sort_by_key(|v| {
        (
            v["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            v["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    });
    Ok(print(&output::render(&output::list(items), format)?)?)
}

/// A selector the API server refuses (400) is the command line's fault, and says so.
fn selector_error(e: kt_secrets::kube::Error, a: &ListArgs) -> Failure {
    match (&e, &a.selector) {
        (kt_secrets::kube::Error::Rejected { message, .. }, Some(sel)) => Failure::usage(format!(
            "--selector {sel:?}: the API server refused it: {message}"
        )),
        _ => e.into(),
    }
}

fn list_table(infos: &[SecretInfo], namespaces: bool, wide: bool) -> Table {
    let mut header = vec!["NAME", "OBJECT"];
    if wide {
        header.push("TYPE");
    }
    header.extend(["PROVIDER", "MOUNT", "KEYS"]);
    if wide {
        header.push("IN THE POD");
    }
    header.push("AGE");
    if namespaces {
        header.insert(0, "NAMESPACE");
    }
    let dash = |v: Option<&String>| v.cloned().unwrap_or_else(|| "-".to_owned());
    let mut t = Table::new(&header);
    let now = kt_secrets::k8s_openapi::jiff::Timestamp::now();
    for i in infos {
        let mut row = vec![i.name.clone(), i.object_name.clone()];
        if wide {
            row.push(dash(i.secret_type.as_ref()));
        }
        row.push(dash(i.provider.as_ref()));
        row.push(dash(i.mount_type.as_ref()));
        row.push(if i.keys.is_empty() {
            "-".to_owned()
        } else {
            i.keys.join(",")
        });
        if wide {
            let mounts: Vec<String> = i.mounts.iter().map(short_mount_text).collect();
            row.push(if mounts.is_empty() {
                "-".to_owned()
            } else {
                mounts.join(",")
            });
        }
        row.push(age(i.created.as_deref(), now));
        if namespaces {
            row.insert(0, i.namespace.clone());
        }
        t.row(row);
    }
    t
}

/// The age column, as kubectl prints it.
fn age(created: Option<&str>, now: kt_secrets::k8s_openapi::jiff::Timestamp) -> String {
    let Some(t) = created.and_then(|c| c.parse::<kt_secrets::k8s_openapi::jiff::Timestamp>().ok())
    else {
        return "<unknown>".to_owned();
    };
    human_duration(now.as_second().saturating_sub(t.as_second()))
}

/// kubectl's ages (`kubectl get`'s AGE column): apimachinery `pkg/util/duration`,
/// `HumanDuration`, ~2-3 significant figures: `90s`, `5m30s`, `45m`, `3h10m`, `12h`, `5d3h`,
/// `12d`, `3y45d`, `9y`. A creation time a second in the future (clock skew) is `0s`; more is
/// `<invalid>`.
fn human_duration(seconds: i64) -> String {
    let s = seconds;
    if s < -1 {
        return "<invalid>".to_owned();
    }
    if s < 0 {
        return "0s".to_owned();
    }
    if s < 60 * 2 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        return match s % 60 {
            0 => format!("{minutes}m"),
            sec => format!("{minutes}m{sec}s"),
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = s / 3600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Where a mount puts its key, in a table cell.
fn short_mount_text(m: &Mount) -> String {
    match m {
        Mount::Env { var, .. } => format!("env:{var}"),
        Mount::File { path, .. } => format!("file:{path}"),
        Mount::PathEnv { var, path } => format!("env:{var}={path}"),
    }
}

/// Where a mount puts its key, as `describe` shows it.
fn mount_text(m: &Mount) -> String {
    match m {
        Mount::Env { var, .. } => format!("env {var}"),
        Mount::File { path, mode, .. } => format!("file {path} ({mode:04o})"),
        Mount::PathEnv { var, path } => format!("env {var}={path}"),
    }
}

async fn describe(env: &Env, a: DescribeArgs) -> Result<()> {
    let store = env.store().await?;
    let (secret, object) = store.get_object(&a.name).await?;
    let data = secret.data();
    let mut out = String::new();
    let field = |out: &mut String, k: &str, v: &str| out.push_str(&format!("{k:<12}{v}\n"));
    field(&mut out, "Name:", secret.name());
    field(
        &mut out,
        "Namespace:",
        secret.namespace().unwrap_or(store.namespace()),
    );
    field(&mut out, "Object:", &format!("secret/{object}"));
    field(&mut out, "Provider:", secret.provider().unwrap_or("<none>"));
    field(&mut out, "Mount type:", secret.mount_type());
    field(
        &mut out,
        "Override:",
        if secret.override_existing() {
            "yes"
        } else {
            "no"
        },
    );
    field(
        &mut out,
        "Data:",
        &format!("{} keys, {} bytes", data.len(), data.total_size()),
    );
    if secret.provider() == Some("aws")
        && let Some(at) = kt_secrets::kt_provider_aws::sso_token_expiry(data)
    {
        field(&mut out, "SSO token:", &format!("expires {at}"));
    }
    let live = kt_secrets::kube::live_keys(&secret);
    let rotation = kt_secrets::kube::rotation(&secret);
    field(
        &mut out,
        "Rotation:",
        &match rotation {
            kt_secrets::kube::Rotation::Live => {
                "live: running pods see a change without a restart".to_owned()
            }
            kt_secrets::kube::Rotation::Partial => {
                "partly live: keys marked --rollout reach running pods only after \
                 `kt-secrets sync --rollout`"
                    .to_owned()
            }
            kt_secrets::kube::Rotation::Rollout => {
                "a change reaches running pods only after `kt-secrets sync --rollout`".to_owned()
            }
        },
    );
    out.push('\n');
    let mut t = Table::new(&["KEY", "SIZE", "IN THE POD", "ROTATION", "FROM"]);
    for (key, value) in data.iter() {
        let mounts: Vec<String> = secret
            .mounts()
            .iter()
            .filter(|m| m.key() == Some(key))
            .map(mount_text)
            .collect();
        t.row(vec![
            key.to_owned(),
            format!("{} bytes", value.len()),
            if mounts.is_empty() {
                "(not mounted)".to_owned()
            } else {
                mounts.join("\n")
            },
            if mounts.is_empty() {
                "-"
            } else if live.contains(key) {
                "live"
            } else {
                "--rollout"
            }
            .to_owned(),
            secret
                .origins()
                .get(key)
                .map_or_else(|| "-".to_owned(), ToString::to_string),
        ]);
    }
    out.push_str(&t.to_text());
    let path_envs: Vec<String> = secret
        .mounts()
        .iter()
        .filter(|m| matches!(m, Mount::PathEnv { .. }))
        .map(mount_text)
        .collect();
    if !path_envs.is_empty() {
        out.push_str(&format!("\nAlso sets:  {}\n", path_envs.join(", ")));
    }
    if a.show {
        out.push_str("\nValues:\n");
        for (key, value) in data.iter() {
            match value.expose_str() {
                Some(s) if s.contains('\n') => {
                    out.push_str(&format!("{key}: |\n"));
                    for line in s.lines() {
                        out.push_str(&format!("  {line}\n"));
                    }
                }
                Some(s) => out.push_str(&format!("{key}: {s}\n")),
                None => {
                    use base64::Engine;
                    let b = base64::engine::general_purpose::STANDARD.encode(value.expose());
                    out.push_str(&format!("{key} (binary, base64): {b}\n"));
                }
            }
        }
    }
    Ok(print(&out)?)
}

async fn delete(env: &Env, a: DeleteArgs) -> Result<()> {
    if a.prefix.as_deref() == Some("") {
        return Err(Failure::usage("--prefix must not be empty"));
    }
    for n in &a.names {
        kt_secrets::normalize_name(n)?;
    }
    let store = env.store().await?;
    let ns = store.namespace().to_owned();
    if !a.yes {
        let mut what: Vec<String> = a.names.clone();
        if let Some(p) = &a.prefix {
            let options = ListOptions {
                prefix: Some(p.clone()),
                owner: Some(store.owner().to_owned()),
                ..Default::default()
            };
            let matching: Vec<String> = store
                .list(&options)
                .await?
                .into_iter()
                .filter(|i| i.object_name.starts_with(manifest::OBJECT_PREFIX))
                .map(|i| i.name)
                .collect();
            if matching.is_empty() && a.names.is_empty() {
                print(&format!(
                    "no secrets of {} whose name starts with {p:?} in namespace {ns}\n",
                    store.owner()
                ))?;
                return Ok(());
            }
            what.extend(matching);
        }
        let question = format!("Delete {} in namespace {ns}?", what.join(", "));
        if !confirm(&question)? {
            return Err(anyhow::anyhow!(
                "not confirmed; nothing was deleted (use -y to skip the question)"
            )
            .into());
        }
    }
    // One line per outcome (stdout for what was done, stderr for what failed or is
    // unknown); the command's own error is then the single `error:` line.
    let mut failed: Vec<(String, kt_secrets::kube::Error)> = Vec::new();
    for name in &a.names {
        match store.delete(name).await {
            Ok(DeleteOutcome::Deleted { object_name }) => {
                print(&format!("secret/{object_name} deleted\n"))?;
            }
            Ok(DeleteOutcome::AlreadyGone { tried }) => print(&format!(
                "secret {name} not found in namespace {ns} (looked for {}); nothing to delete\n",
                tried.join(", ")
            ))?,
            Err(e) => failed.push((name.clone(), e)),
        }
    }
    if let Some(p) = &a.prefix {
        let deletions = {
            let bar = crate::progress::Bar::new("deleting");
            store
                .delete_prefix_with_progress(p, &|done, total, name| bar.tell(done, total, name))
                .await?
        };
        for d in deletions {
            match d.result {
                Ok(DeleteOutcome::Deleted { object_name }) => {
                    print(&format!("secret/{object_name} deleted\n"))?;
                }
                Ok(DeleteOutcome::AlreadyGone { .. }) => {
                    print(&format!("secret/{} was already gone\n", d.object_name))?
                }
                Err(e) => failed.push((d.object_name, e)),
            }
        }
    }
    if failed.len() == 1 {
        let (name, e) = failed.remove(0);
        return Err(anyhow::Error::new(e)
            .context(format!("secret {name} was not deleted, or not surely"))
            .into());
    }
    if failed.is_empty() {
        return Ok(());
    }
    for (_, e) in &failed {
        eprintln!("{}", crate::report::cli_text(&e.to_string()));
    }
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    Err(anyhow::anyhow!(
        "{} of the deletions failed or are not confirmed (each is told above): {}",
        failed.len(),
        names.join(", ")
    )
    .into())
}

async fn render(env: &Env, a: RenderArgs) -> Result<()> {
    let registry = env.registry()?;
    let mut compute = Compute::new()
        .name(&a.name)
        .image(&a.image)
        .with_container_home(&a.container_home)
        .with_owner(&env.owner)
        .override_existing(a.override_existing)
        .env_vars(pairs("--env", "K=V", &a.env, Echo::Always)?)
        .with_secrets(&a.secrets);
    if a.all_found {
        let found = found_providers(&registry, &env.ctx, &a.secrets).await?;
        compute = compute.with_secrets(
            found
                .into_iter()
                .map(|s| s.with_override(a.override_existing)),
        );
    }
    if let Some(c) = &a.cpus {
        compute = compute.cpus(c);
    }
    if let Some(m) = &a.memory {
        compute = compute.memory(m);
    }
    if let Some(g) = a.gpus {
        compute = compute.gpus(g);
    }
    if let Some(ns) = &env.namespace {
        compute = compute.with_namespace(ns);
    }
    let resolved = if a.dry_run {
        let resolved = compute.resolve(&registry, &env.ctx, None).await?;
        let ns = resolved.namespace().unwrap_or("default").to_owned();
        for s in resolved.managed_secrets() {
            manifest::validate(s, &env.owner, &ns)?;
        }
        resolved
    } else {
        let store = env.store().await?;
        let resolved = compute.resolve(&registry, &env.ctx, Some(&store)).await?;
        for note in resolved.notes() {
            eprintln!("{note}");
        }
        let managed: Vec<Secret> = resolved.managed_secrets().cloned().collect();
        // Every secret is checked before any is written: one over a limit stops them all.
        for s in &managed {
            let ns = s.namespace().unwrap_or(store.namespace()).to_owned();
            manifest::validate(s, &env.owner, &ns)?;
        }
        let results = {
            let bar = crate::progress::Bar::new("applying");
            store
                .sync_with_progress(&managed, SYNC_CONCURRENCY, &|done, total, name| {
                    bar.tell(done, total, name)
                })
                .await
        };
        let mut failed = 0;
        for (s, r) in managed.iter().zip(results) {
            match r {
                Ok(outcome) => eprintln!("secret/{} {outcome}", store.object_name_of(s)),
                // One line per secret, like the successes, so the command's own error
                // stays the single `error:` line.
                Err(e) => {
                    eprintln!(
                        "secret/{} failed: {}",
                        store.object_name_of(s),
                        crate::report::cli_text(&e.to_string())
                    );
                    failed += 1;
                }
            }
        }
        if failed > 0 {
            return Err(anyhow::anyhow!(
                "{failed} of {} secrets could not be applied; the pod was not printed",
                managed.len()
            )
            .into());
        }
        resolved
    };
    let workload = match a.kind {
        WorkloadKind::Pod => render::Kind::Pod,
        WorkloadKind::Job => render::Kind::Job,
        WorkloadKind::Deployment => render::Kind::Deployment,
    };
    // Without --dry-run the Secrets are in the cluster already; printing them would send their
    // values through `kubectl apply` into its last-applied-configuration annotation.
    print(&render::compute_as(
        &resolved,
        workload,
        a.dry_run,
        a.output.into(),
    )?)?;
    Ok(())
}

/// The providers, other than those named in `skip`, that find credentials through `ctx`.
/// "Nothing found" leaves a provider out; any other failure is the command's error.
async fn found_providers(
    registry: &Registry,
    ctx: &ResolveContext,
    skip: &[String],
) -> Result<Vec<Secret>> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for name in registry.names().filter(|n| !skip.iter().any(|s| s == n)) {
        match Secret::from_provider_in(registry, ctx, name, None).await {
            Ok(secret) => found.push(secret),
            Err(e) if e.is_nothing_found() => {
                tracing::debug!("{e}");
                missing.push(name);
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("--all-found: provider {name}"))
                    .into());
            }
        }
    }
    let names: Vec<&str> = found.iter().map(Secret::name).collect();
    eprintln!(
        "found credentials for: {}; nothing found for: {}",
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        },
        if missing.is_empty() {
            "none".to_owned()
        } else {
            missing.join(", ")
        },
    );
    Ok(found)
}

/// Asks on stderr; only `y` or `yes` on stdin goes ahead, and no answer is a no.
fn confirm(question: &str) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ").context("cannot write to stderr")?;
    err.flush().context("cannot write to stderr")?;
    let mut answer = String::new();
    let stdin = std::io::stdin();
    stdin
        .lock()
        .read_line(&mut answer)
        .context("cannot read the answer from stdin")?;
    // A terminal echoes the answer and its newline; a pipe does not.
    if !stdin.is_terminal() {
        writeln!(err).ok();
    }
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        let now: kt_secrets::k8s_openapi::jiff::Timestamp = "2026-01-10T00:00:00Z".parse().unwrap();
        assert_eq!(age(Some("2026-01-09T23:59:15Z"), now), "45s");
        assert_eq!(age(Some("2026-01-09T23:00:00Z"), now), "60m");
        assert_eq!(age(Some("2026-01-09T12:00:00Z"), now), "12h");
        assert_eq!(age(Some("2026-01-01T00:00:00Z"), now), "9d");
        // 6 × 365 days and the leap days of 2020 and 2024: kubectl's years are 365 days.
        assert_eq!(age(Some("2020-01-01T00:00:00Z"), now), "6y11d");
        assert_eq!(age(Some("2026-01-10T00:00:01Z"), now), "0s");
        assert_eq!(age(Some("2026-01-10T00:00:05Z"), now), "<invalid>");
        assert_eq!(age(None, now), "<unknown>");
        assert_eq!(age(Some("not a time"), now), "<unknown>");
    }

    /// Each boundary of apimachinery's `HumanDuration`, on both sides.
    #[test]
    fn human_durations_at_kubectls_boundaries() {
        let m = 60;
        let h = 60 * m;
        let d = 24 * h;
        let y = 365 * d;
        for (secs, shown) in [
            (0, "0s"),
            (119, "119s"),
            (2 * m, "2m"),
            (5 * m + 30, "5m30s"),
            (10 * m - 1, "9m59s"),
            (10 * m, "10m"),
            (3 * h - 1, "179m"),
            (3 * h, "3h"),
            (3 * h + 10 * m, "3h10m"),
            (8 * h - 1, "7h59m"),
            (8 * h, "8h"),
            (48 * h - 1, "47h"),
            (2 * d, "2d"),
            (5 * d + 3 * h, "5d3h"),
            (8 * d - 1, "7d23h"),
            (8 * d, "8d"),
            (12 * d, "12d"),
            (2 * y - 1, "729d"),
            (2 * y, "2y"),
            (3 * y + 45 * d, "3y45d"),
            (8 * y - 1, "7y364d"),
            (8 * y, "8y"),
            (20 * y + 100 * d, "20y"),
        ] {
            assert_eq!(human_duration(secs), shown, "{secs}s");
        }
    }

    #[test]
    fn pairs_hide_bad_literals() {
        let e = pairs(
            "--from-literal",
            "KEY=VALUE",
            &["canary-pairs-value".into()],
            Echo::Never,
        )
        .unwrap_err();
        let msg = e.error.to_string();
        assert!(
            msg.contains("--from-literal number 1") && !msg.contains("canary"),
            "{msg}"
        );
        assert_eq!(e.exit_code(), 2);
        let ok = pairs("--env", "K=V", &["A=B=C".into()], Echo::Always).unwrap();
        assert_eq!(ok, vec![("A".to_owned(), "B=C".to_owned())]);
        let e = pairs("--env", "K=V", &["=x".into()], Echo::Always).unwrap_err();
        assert!(e.error.to_string().contains("\"=x\""));
        // Not echoed unless it is a name.
        let e = pairs("--env", "KEY=LOCAL_VAR", &["sk-canary".into()], Echo::Names).unwrap_err();
        assert!(!e.error.to_string().contains("canary"), "{}", e.error);
        let e = pairs(
            "--env",
            "KEY=LOCAL_VAR",
            &["OPENAI_API_KEY".into()],
            Echo::Names,
        )
        .unwrap_err();
        assert!(
            e.error.to_string().contains("\"OPENAI_API_KEY\""),
            "{}",
            e.error
        );
    }
}
