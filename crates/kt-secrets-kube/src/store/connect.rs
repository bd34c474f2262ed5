//! Building a store's client: the kubeconfig found as kubectl finds it (the path given,
//! `KUBECONFIG`, `~/.kube/config`), else the in-cluster config of a pod's service account.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::SecretStore;
use super::failure::auth_problem;
use crate::error::{Error, Result};

impl SecretStore {
    /// A store for the cluster of a kubeconfig, found as kubectl finds it (client-go's
    /// `ClientConfigLoadingRules`): `path`, which must exist; else the files `KUBECONFIG` lists,
    /// merged, first value wins, those that do not exist skipped; else `~/.kube/config`; and
    /// when none of these exists (and no `context` is asked for), the in-cluster config of a
    /// pod's service account. `context`, or else the current one. The namespace is the
    /// context's (`default` if it has none), in a pod its service account's.
    pub async fn from_kubeconfig(
        path: Option<&Path>,
        context: Option<&str>,
    ) -> Result<SecretStore> {
        let err = |path: Option<&Path>, detail: String| Error::Kubeconfig {
            path: path.map(Path::to_path_buf),
            context: context.map(str::to_owned),
            detail,
        };
        crate::kubeconfig_files::check_sources(path).map_err(|(file, detail)| {
            Error::Kubeconfig {
                path: Some(file),
                context: context.map(str::to_owned),
                detail,
            }
        })?;
        let kc = match path {
            Some(p) => match kubeconfig_file(p).map_err(|d| err(Some(p), d))? {
                Some(kc) => Some(kc),
                // kube reports a missing file without naming it.
                None => return Err(err(Some(p), "no such file".to_owned())),
            },
            None => kubeconfig_from_env().map_err(|(p, d)| err(p.as_deref(), d))?,
        };
        let mut config = match kc {
            Some(kc) => {
                crate::kubeconfig_files::check_referenced(&kc, context)
                    .map_err(|d| err(path, d))?;
                let options = KubeConfigOptions {
                    context: context.map(str::to_owned),
                    ..Default::default()
                };
                kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| err(path, kubeconfig_error(&e)))?
            }
            None => {
                let looked = match std::env::var_os(KUBECONFIG) {
                    Some(list) if has_paths(&list) => format!(
                        "none of the files KUBECONFIG lists exists ({})",
                        std::env::split_paths(&list)
                            .filter(|p| !p.as_os_str().is_empty())
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => format!(
                        "KUBECONFIG is not set and {} does not exist",
                        default_kubeconfig().map_or_else(
                            || "~/.kube/config".to_owned(),
                            |p| p.display().to_string()
                        )
                    ),
                };
                if context.is_some() {
                    return Err(err(None, format!("{looked}, so no context can be chosen")));
                }
                let config = kube::Config::incluster().map_err(|e| {
                    err(
                        None,
                        format!("{looked}, and this is not a pod with a service account (in-cluster config: {e})"),
                    )
                })?;
                tracing::debug!("no kubeconfig; using the in-cluster service account");
                config
            }
        };
        // Our own retries are bounded, counted and aware of which requests may repeat.
        config.default_retry = false;
        let server = config.cluster_url.to_string();
        let namespace = config.default_namespace.clone();
        install_crypto_provider();
        let client = kube::Client::try_from(config)
            .map_err(|e| err(path, auth_problem(&e).unwrap_or_else(|| e.to_string())))?;
        Ok(SecretStore {
            server: Some(server.trim_end_matches('/').to_owned()),
            ..SecretStore::new(client, Some(namespace))
        })
    }
}

const KUBECONFIG: &str = "KUBECONFIG";

/// Whether a `KUBECONFIG` value names any file (kubectl ignores empty entries).
fn has_paths(list: &std::ffi::OsStr) -> bool {
    std::env::split_paths(list).any(|p| !p.as_os_str().is_empty())
}

fn default_kubeconfig() -> Option<std::path::PathBuf> {
    dirs::home_dir().map(|h| h.join(".kube").join("config"))
}

/// The kubeconfig in `path`, `None` if there is no such file.
fn kubeconfig_file(path: &Path) -> std::result::Result<Option<Kubeconfig>, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
        Ok(m) if m.is_dir() => return Err("is a directory, expected a file".to_owned()),
        Ok(_) => {}
    }
    Kubeconfig::read_from(path)
        .map(Some)
        .map_err(|e| kubeconfig_error(&e))
}

/// The files `KUBECONFIG` lists that exist, merged, else `~/.kube/config` if it exists; `None`
/// when there is no such file. A file that exists but does not parse is an error naming it.
fn kubeconfig_from_env()
-> std::result::Result<Option<Kubeconfig>, (Option<std::path::PathBuf>, String)> {
    let paths: Vec<std::path::PathBuf> = match std::env::var_os(KUBECONFIG) {
        // client-go's loading rules split it with filepath.SplitList; empty entries are ignored.
        Some(list) if has_paths(&list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        _ => default_kubeconfig().into_iter().collect(),
    };
    let mut merged: Option<Kubeconfig> = None;
    for p in paths {
        let Some(kc) = kubeconfig_file(&p).map_err(|d| (Some(p.clone()), d))? else {
            tracing::debug!(path = %p.display(), "no such kubeconfig file; skipped, as kubectl does");
            continue;
        };
        merged = Some(match merged {
            None => kc,
            Some(m) => m
                .merge(kc)
                .map_err(|e| (Some(p.clone()), kubeconfig_error(&e)))?,
        });
    }
    Ok(merged)
}

/// Kubeconfig errors without the parser's echo of the offending text, which may be a token.
fn kubeconfig_error(e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::Parse(e) => match e.location() {
            Some(l) => format!(
                "cannot parse it as a kubeconfig: invalid YAML or fields at line {}, column {}",
                l.line(),
                l.column()
            ),
            None => "cannot parse it as a kubeconfig (YAML)".into(),
        },
        other => other.to_string(),
    }
}

/// Picks ring as rustls's process-wide crypto provider unless one is installed: builds that
/// also link aws-lc-rs (kube-fake-client does) leave rustls unable to choose, and building a
/// client would panic.
fn install_crypto_provider() {
    // Err only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
