//! `kt-secrets describe`: one Secret's keys, sizes, mounts, rotation and origins; values
//! only with `--show`.

use kt_secrets::Mount;

use super::{Env, Result};
use crate::cli::DescribeArgs;
use crate::output::{Table, print};

pub(super) async fn describe(env: &Env, a: DescribeArgs) -> Result<()> {
    let store = env.store().await?;
    let kt_secrets::kube::MountedSecret {
        secret,
        object_name: object,
        env_object_name,
        ..
    } = store.get_mounted(&a.name).await?;
    let data = secret.data();
    let mut out = String::new();
    let field = |out: &mut String, k: &str, v: &str| out.push_str(&format!("{k:<12}{v}\n"));
    field(&mut out, "Name:", secret.name());
    field(
        &mut out,
        "Namespace:",
        secret.namespace().unwrap_or(store.namespace()),
    );
    let objects = match &env_object_name {
        // Env vars and files: two objects (kt_secrets::kube::pair).
        Some(env_object) => format!("secret/{object} (files), secret/{env_object} (env vars)"),
        None => format!("secret/{object}"),
    };
    field(&mut out, "Object:", &objects);
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

/// Where a mount puts its key, as `describe` shows it.
fn mount_text(m: &Mount) -> String {
    match m {
        Mount::Env { var, .. } => format!("env {var}"),
        Mount::File { path, mode, .. } => format!("file {path} ({mode:04o})"),
        Mount::PathEnv { var, path } => format!("env {var}={path}"),
    }
}
