//! The files kube reads for a kubeconfig, checked to be regular files first: a FIFO in place
//! of a kubeconfig, or of a certificate, key or token file it names, would block kube's read
//! forever, and a device would never end it.
//!
//! kube opens these files itself, after the check, so a file swapped in between is not caught;
//! the check is for what is left in place by mistake (see [`kt_secrets_core::open_regular`]).

use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;

/// What kube's `Kubeconfig::read` reads: each non-empty entry of `KUBECONFIG`, else
/// `~/.kube/config` (kube-client `config/file_config.rs`, `Kubeconfig::from_env` and
/// `default_kube_path`). A missing file is left for kube to report.
pub(crate) fn check_sources(explicit: Option<&Path>) -> Result<(), (PathBuf, String)> {
    let paths: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => match std::env::var_os("KUBECONFIG") {
            Some(v) if std::env::split_paths(&v).any(|p| !p.as_os_str().is_empty()) => {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            }
            _ => std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".kube").join("config"))
                .into_iter()
                .collect(),
        },
    };
    for p in paths {
        check(&p).map_err(|e| {
            let detail = match e {
                kt_secrets_core::Error::SpecialFile { kind, .. } => {
                    format!("is a {kind}, not a regular file; it was not read")
                }
                kt_secrets_core::Error::IsADirectory { .. } => {
                    "is a directory, expected a file".to_owned()
                }
                e => e.to_string(),
            };
            (p.clone(), detail)
        })?;
    }
    Ok(())
}

/// The files the chosen context's cluster and user name (`certificate-authority`,
/// `client-certificate`, `client-key`, `tokenFile`), which kube reads when it builds the
/// client or sends a request. A missing file is left for kube to report.
pub(crate) fn check_referenced(kc: &Kubeconfig, context: Option<&str>) -> Result<(), String> {
    let Some(name) = context.or(kc.current_context.as_deref()) else {
        return Ok(());
    };
    let Some(ctx) = kc
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref())
    else {
        return Ok(());
    };
    let mut files: Vec<(&str, &str)> = Vec::new();
    if let Some(cluster) = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
        && let Some(ca) = &cluster.certificate_authority
    {
        files.push(("certificate-authority", ca));
    }
    if let Some(user) = ctx.user.as_deref().and_then(|u| {
        kc.auth_infos
            .iter()
            .find(|a| a.name == u)
            .and_then(|a| a.auth_info.as_ref())
    }) {
        for (field, value) in [
            ("client-certificate", &user.client_certificate),
            ("client-key", &user.client_key),
            ("tokenFile", &user.token_file),
        ] {
            if let Some(v) = value {
                files.push((field, v));
            }
        }
    }
    for (field, file) in files {
        check(Path::new(file)).map_err(|e| format!("{field}: {e}"))?;
    }
    Ok(())
}

fn check(p: &Path) -> Result<(), kt_secrets_core::Error> {
    match kt_secrets_core::check_regular(p) {
        Ok(()) | Err(kt_secrets_core::Error::FileNotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
