//! The commands: what every command shares (the process's env, the registry, the cluster),
//! the dispatch, and helpers of more than one command. Each command is a file of its own,
//! which parses what clap leaves to it, calls the libraries and prints.

use std::path::PathBuf;
use std::time::Duration;

use kt_secrets::kube::RetryPolicy;
use kt_secrets::kube::manifest;
use kt_secrets::{Registry, ResolveContext, Secret, SecretStore};

use crate::cli::{Cli, Command, RequestTimeout};
use crate::report::Failure;

mod completion;
mod create;
mod delete;
mod describe;
mod inject;
mod list;
mod providers;
mod render;
mod run;
mod status;
mod sync;

type Result<T, E = Failure> = std::result::Result<T, E>;

/// Secrets applied at once by `render` and `inject`.
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
        Command::Providers(a) => providers::providers(&env, a),
        Command::Create(a) => create::create(&env, a).await,
        Command::List(a) => list::list(&env, a).await,
        Command::Describe(a) => describe::describe(&env, a).await,
        Command::Delete(a) => delete::delete(&env, a).await,
        Command::Render(a) => render::render(&env, a).await,
        Command::Status(a) => status::run(&env, a).await,
        Command::Sync(a) => sync::run(&env, a).await,
        Command::Inject(a) => inject::inject(&env, a).await,
        Command::Completion(a) => completion::completion(a),
    };
    done.map(|()| 0)
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

/// `--all-found`: the providers, other than those named in `skip`, that find credentials
/// through `ctx`, and on stderr which did and which did not. A provider whose credentials are
/// broken is the command's error, as with `--secret`.
async fn found_providers(
    registry: &Registry,
    ctx: &ResolveContext,
    skip: &[String],
) -> Result<Vec<Secret>> {
    let found = registry.found(ctx, skip).await.map_err(|f| {
        anyhow::Error::new(f.error).context(format!("--all-found: provider {}", f.provider))
    })?;
    let names: Vec<&str> = found.secrets.iter().map(Secret::name).collect();
    eprintln!(
        "found credentials for: {}; nothing found for: {}",
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        },
        if found.missing.is_empty() {
            "none".to_owned()
        } else {
            found.missing.join(", ")
        },
    );
    Ok(found.secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

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
