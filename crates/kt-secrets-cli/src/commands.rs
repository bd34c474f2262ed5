//! What each command does.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use kt_secrets::k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets::kube::kube::api::{Api, ListParams};
use kt_secrets::kube::manifest;
use kt_secrets::kube::{DeleteOutcome, ListOptions, SecretInfo};
use kt_secrets::{
    Compute, GENERIC_MOUNT_ROOT, Mount, Origin, ProviderOrigin, Registry, ResolveContext, Resolved,
    Secret, SecretStore, SecretValue,
};
use serde_json::json;

use crate::cli::{
    Cli, Command, CreateArgs, DeleteArgs, DescribeArgs, ListArgs, ListFormat, ManifestFormat,
    ProvidersArgs, RenderArgs, TableOrJson, WorkloadKind,
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
}

impl Env {
    fn new(cli: &Cli) -> Result<Self> {
        let ctx = ResolveContext::from_process();
        let owner = manifest::owner_from(ctx.env("KT_USERNAME"));
        manifest::validate_owner(&owner).map_err(|e| Failure::usage(format!("{e}")))?;
        Ok(Env {
            ctx,
            owner,
            kubeconfig: cli.kubeconfig.clone(),
            context: cli.context.clone(),
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

    async fn store(&self, namespace: Option<&str>) -> Result<SecretStore> {
        let store =
            SecretStore::from_kubeconfig(self.kubeconfig.as_deref(), self.context.as_deref())
                .await?
                .with_owner(&self.owner);
        tracing::debug!(namespace = store.namespace(), server = ?store.server(), "cluster");
        Ok(match namespace {
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
    };
    done.map(|()| 0)
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
                    })
                })
                .collect();
            print(&output::json(&items)?)?;
        }
        TableOrJson::Table => {
            let mut t = Table::new(&["NAME", "LOOKS AT (FIRST FOUND WINS)", "POD GETS", "FROM"]);
            for e in registry.entries() {
                let info = e.provider.info();
                t.row(vec![
                    e.provider.name().to_owned(),
                    wrap_lines(&info.sources, 52),
                    wrap_lines(&info.targets, 60),
                    e.origin.to_string(),
                ]);
            }
            print(&t.to_text())?;
        }
    }
    Ok(())
}

/// Each item on its own line, long ones wrapped at spaces to `width` with continuation lines
/// indented, so the table fits a terminal.
fn wrap_lines(items: &[String], width: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let mut line = String::new();
        for word in item.split(' ') {
            // A word too long for any line stays where it is rather than orphan its
            // predecessor on a line of its own.
            if !line.is_empty() && line.len() + 1 + word.len() > width && word.len() + 2 <= width {
                out.push(std::mem::take(&mut line));
                line.push_str("  ");
            } else if !line.is_empty() && line != "  " {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out.join("\n")
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
    let secret = if !a.from_literal.is_empty() || a.from_env_file.is_some() {
        let name = a.name.as_deref().ok_or_else(|| {
            Failure::usage("a secret from --from-literal or --from-env-file needs a NAME")
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
    Ok(match &a.namespace {
        Some(ns) => secret.with_namespace(ns),
        None => secret,
    })
}

/// `--from-literal` and `--from-env-file` values, mounted like kubetorch's `from_values` (env
/// var names as env vars, other keys as files under `/secrets/<name>/`), each key remembering
/// whether it came from the command line or from the file.
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
    let mut add = |k: String, v: String, origin: Origin| -> Result<()> {
        let mount = if kt_secrets::is_env_var_name(&k) {
            Mount::env(&k, &k)
        } else {
            Mount::file(&k, format!("{GENERIC_MOUNT_ROOT}/{norm}/{k}"), 0o644)
        };
        r.add(k, SecretValue::from(v), origin)?;
        r.mounts.push(mount);
        Ok(())
    };
    for (k, v) in pairs("--from-literal", "KEY=VALUE", &a.from_literal, Echo::Never)? {
        add(k, v, Origin::Literal)?;
    }
    if let Some(file) = &a.from_env_file {
        let entries = crate::envfile::read(file, a.allow_unset)?;
        if entries.is_empty() {
            return Err(anyhow::anyhow!("env file {} has no entries", file.display()).into());
        }
        for (k, v) in entries {
            add(k, v, Origin::File(file.clone())).map_err(|f| match f.error.downcast_ref() {
                Some(kt_secrets::SecretError::DuplicateKey { key }) => Failure::usage(format!(
                    "key {key} is given by --from-literal and by {}",
                    file.display()
                )),
                _ => f,
            })?;
        }
    }
    Ok(Secret::from_parts(&norm, None, r)?)
}

fn print_manifest(secret: &Secret, owner: &str, format: ManifestFormat) -> Result<()> {
    let mut m = manifest::to_manifest(secret, owner);
    let text = output::to_value(&m).and_then(|v| output::render(&v, format));
    manifest::scrub(&mut m);
    Ok(print(&text?)?)
}

async fn create(env: &Env, a: CreateArgs) -> Result<()> {
    check_namespace(a.namespace.as_deref())?;
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
    let store = env.store(a.namespace.as_deref()).await?;
    let secret = secret.with_namespace(store.namespace());
    let outcome = store.apply(&secret).await?;
    tracing::info!(secret = secret.name(), %outcome, "applied");
    match a.output {
        Some(format) => print_manifest(&secret, &env.owner, format)?,
        None => print(&format!(
            "secret/{} {outcome}\n",
            store.object_name(secret.name())
        ))?,
    }
    Ok(())
}

async fn list(env: &Env, a: ListArgs) -> Result<()> {
    check_namespace(a.namespace.as_deref())?;
    let store = env.store(a.namespace.as_deref()).await?;
    let options = ListOptions {
        all_namespaces: a.all_namespaces,
        prefix: a.prefix.clone(),
        owner: None,
    };
    let infos = store.list(&options).await?;
    let format = match a.output {
        ListFormat::Table => {
            if infos.is_empty() {
                match a.all_namespaces {
                    true => eprintln!("No secrets found."),
                    false => eprintln!("No secrets found in namespace {}.", store.namespace()),
                }
                return Ok(());
            }
            return Ok(print(&list_table(&infos, a.all_namespaces).to_text())?);
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
    let mut objects = api
        .list(&ListParams::default())
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

fn list_table(infos: &[SecretInfo], all_namespaces: bool) -> Table {
    let mut header = vec!["NAME", "OBJECT", "PROVIDER", "MOUNT", "KEYS", "AGE"];
    if all_namespaces {
        header.insert(0, "NAMESPACE");
    }
    let mut t = Table::new(&header);
    let now = kt_secrets::k8s_openapi::jiff::Timestamp::now();
    for i in infos {
        let mut row = vec![
            i.name.clone(),
            i.object_name.clone(),
            i.provider.clone().unwrap_or_else(|| "-".to_owned()),
            i.mount_type.clone().unwrap_or_else(|| "-".to_owned()),
            if i.keys.is_empty() {
                "-".to_owned()
            } else {
                i.keys.join(",")
            },
            age(i.created.as_deref(), now),
        ];
        if all_namespaces {
            row.insert(0, i.namespace.clone());
        }
        t.row(row);
    }
    t
}

/// kubectl's short ages: `45s`, `12m`, `5h`, `3d`, `2y`.
fn age(created: Option<&str>, now: kt_secrets::k8s_openapi::jiff::Timestamp) -> String {
    let Some(t) = created.and_then(|c| c.parse::<kt_secrets::k8s_openapi::jiff::Timestamp>().ok())
    else {
        return "<unknown>".to_owned();
    };
    let s = now.as_second().saturating_sub(t.as_second()).max(0);
    match s {
        s if s < 120 => format!("{s}s"),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s if s < 2 * 365 * 86400 => format!("{}d", s / 86400),
        s => format!("{}y", s / (365 * 86400)),
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
    check_namespace(a.namespace.as_deref())?;
    let store = env.store(a.namespace.as_deref()).await?;
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
    out.push('\n');
    let mut t = Table::new(&["KEY", "SIZE", "IN THE POD", "FROM"]);
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
    check_namespace(a.namespace.as_deref())?;
    if a.prefix.as_deref() == Some("") {
        return Err(Failure::usage("--prefix must not be empty"));
    }
    for n in &a.names {
        kt_secrets::normalize_name(n)?;
    }
    let store = env.store(a.namespace.as_deref()).await?;
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
        for d in store.delete_prefix(p).await? {
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
    check_namespace(a.namespace.as_deref())?;
    let registry = env.registry()?;
    let mut compute = Compute::new()
        .name(&a.name)
        .image(&a.image)
        .container_home(&a.container_home)
        .owner(&env.owner)
        .override_existing(a.override_existing)
        .env_vars(pairs("--env", "K=V", &a.env, Echo::Always)?)
        .secrets(&a.secrets);
    if a.all_found {
        let found = found_providers(&registry, &env.ctx, &a.secrets).await?;
        compute = compute.secrets(
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
    if let Some(ns) = &a.namespace {
        compute = compute.namespace(ns);
    }
    let resolved = if a.dry_run {
        let resolved = compute.resolve(&registry, &env.ctx, None).await?;
        let ns = resolved.namespace().unwrap_or("default").to_owned();
        for s in resolved.managed_secrets() {
            manifest::validate(s, &env.owner, &ns)?;
        }
        resolved
    } else {
        let store = env.store(a.namespace.as_deref()).await?;
        let resolved = compute.resolve(&registry, &env.ctx, Some(&store)).await?;
        let managed: Vec<Secret> = resolved.managed_secrets().cloned().collect();
        // Every secret is checked before any is written: one over a limit stops them all.
        for s in &managed {
            let ns = s.namespace().unwrap_or(store.namespace()).to_owned();
            manifest::validate(s, &env.owner, &ns)?;
        }
        let results = store.sync(&managed, SYNC_CONCURRENCY).await;
        let mut failed = 0;
        for (s, r) in managed.iter().zip(results) {
            match r {
                Ok(outcome) => eprintln!("secret/{} {outcome}", store.object_name(s.name())),
                // One line per secret, like the successes, so the command's own error
                // stays the single `error:` line.
                Err(e) => {
                    eprintln!(
                        "secret/{} failed: {}",
                        store.object_name(s.name()),
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
mod wrap_tests {
    use super::wrap_lines;

    #[test]
    fn long_items_wrap_at_spaces_and_short_ones_stay() {
        let items = vec![
            "env A".to_owned(),
            "files a, b, c under $X or ~/.dir".to_owned(),
        ];
        assert_eq!(
            wrap_lines(&items, 16),
            "env A\nfiles a, b, c\n  under $X or\n  ~/.dir"
        );
        assert_eq!(wrap_lines(&items, 80), items.join("\n"));
    }
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
        assert_eq!(age(Some("2020-01-01T00:00:00Z"), now), "6y");
        assert_eq!(age(None, now), "<unknown>");
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
