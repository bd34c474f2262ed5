//! The plan of a view: every file and env var of the pod's container, read from its volumes,
//! items, `subPath`s, modes and env, and looked up in the secrets' data; nothing written yet.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, KeyToPath, Pod, Volume};
use kt_secrets_core::{Secret, SecretValue, validate_container_path};

use super::ViewError;
use super::env::expand_refs;
use crate::compute::CONTAINER_NAME;
use crate::pod::MountedSecret;

/// Mode of a secret volume's files when neither the item nor the volume sets one: the
/// Kubernetes default (`SecretVolumeSource.defaultMode`).
const KUBERNETES_DEFAULT_MODE: u32 = 0o644;

/// A file to write: container path, value, mode.
pub(super) struct Planned<'a> {
    pub(super) container_path: String,
    pub(super) value: &'a SecretValue,
    pub(super) mode: u32,
}

/// Env entries of a plan: (var, value, whether it is a plain value rather than a secret's).
pub(super) type PlannedEnv = Vec<(String, SecretValue, bool)>;

/// Every file and env var of the pod's container, looked up in the secrets' data; nothing
/// written yet.
pub(super) fn plan<'a>(
    pod: &Pod,
    secrets: &'a [MountedSecret],
) -> Result<(Vec<Planned<'a>>, PlannedEnv), ViewError> {
    let spec = pod.spec.clone().unwrap_or_default();
    let container = spec
        .containers
        .into_iter()
        .find(|c| c.name == CONTAINER_NAME)
        .ok_or(ViewError::NoContainer)?;
    // A pair's env half holds the same secret's env keys (crate::pair).
    let by_object: BTreeMap<&str, &Secret> = secrets
        .iter()
        .flat_map(|m| {
            [
                (m.object_name.as_str(), &m.secret),
                (m.env_object(), &m.secret),
            ]
        })
        .collect();
    let value_of = |what: &dyn Fn() -> String,
                    object: &str,
                    key: &str|
     -> Result<&'a SecretValue, ViewError> {
        let secret = by_object
            .get(object)
            .ok_or_else(|| ViewError::UnknownSecret {
                what: what(),
                object: object.to_owned(),
            })?;
        secret.data().get(key).ok_or_else(|| ViewError::MissingKey {
            what: what(),
            object: object.to_owned(),
            key: key.to_owned(),
        })
    };
    let volumes: BTreeMap<&str, &Volume> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| (v.name.as_str(), v))
        .collect();
    let mut files = Vec::new();
    for vm in container.volume_mounts.iter().flatten() {
        let mount_path = &vm.mount_path;
        check_path(mount_path)?;
        let volume = volumes
            .get(vm.name.as_str())
            .ok_or_else(|| ViewError::UnknownVolume {
                mount_path: mount_path.clone(),
                volume: vm.name.clone(),
            })?;
        let src = volume
            .secret
            .as_ref()
            .ok_or_else(|| ViewError::NotASecretVolume {
                volume: vm.name.clone(),
            })?;
        let object = src.secret_name.clone().unwrap_or_default();
        let default_mode = src
            .default_mode
            .map_or(KUBERNETES_DEFAULT_MODE, |m| m as u32);
        // Without items the kubelet projects every key, each at a path of its own name.
        let items: Vec<KeyToPath> = match &src.items {
            Some(items) => items.clone(),
            None => by_object
                .get(object.as_str())
                .map(|s| {
                    s.data()
                        .keys()
                        .map(|k| KeyToPath {
                            key: k.to_owned(),
                            path: k.to_owned(),
                            mode: None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let what = || format!("volume mount at {mount_path}");
        let mode = |i: &KeyToPath| i.mode.map_or(default_mode, |m| m as u32);
        match vm.sub_path.as_deref().filter(|s| !s.is_empty()) {
            Some(sub) => {
                let item = items.iter().find(|i| i.path == sub).ok_or_else(|| {
                    ViewError::UnknownSubPath {
                        mount_path: mount_path.clone(),
                        volume: vm.name.clone(),
                        sub_path: sub.to_owned(),
                    }
                })?;
                files.push(Planned {
                    container_path: mount_path.clone(),
                    value: value_of(&what, &object, &item.key)?,
                    mode: mode(item),
                });
            }
            // The whole volume as a directory: every item below the mount path.
            None => {
                for item in &items {
                    let path = format!("{}/{}", mount_path.trim_end_matches('/'), item.path);
                    check_path(&path)?;
                    files.push(Planned {
                        container_path: path,
                        value: value_of(&what, &object, &item.key)?,
                        mode: mode(item),
                    });
                }
            }
        }
    }
    check_no_nesting(&files)?;

    let mut env: Vec<(String, SecretValue, bool)> = Vec::new();
    for EnvVar {
        name,
        value,
        value_from,
    } in container.env.into_iter().flatten()
    {
        let (v, plain) = match (value, value_from) {
            (_, Some(from)) => {
                let r = from
                    .secret_key_ref
                    .filter(|_| {
                        from.config_map_key_ref.is_none()
                            && from.field_ref.is_none()
                            && from.resource_field_ref.is_none()
                    })
                    .ok_or_else(|| ViewError::UnsupportedEnvSource { var: name.clone() })?;
                let what = || format!("env var {name}");
                (value_of(&what, &r.name, &r.key)?.clone(), false)
            }
            (value, None) => {
                let value = value.unwrap_or_default();
                (SecretValue::from(expand_refs(&value, &env)), true)
            }
        };
        if v.expose().contains(&0) {
            return Err(ViewError::NulInEnv { var: name });
        }
        // A later entry of the same name replaces the earlier one, as in the kubelet.
        env.retain(|(k, _, _)| *k != name);
        env.push((name, v, plain));
    }
    Ok((files, env))
}

/// A mount path that stays inside the view: absolute, no `.`, `..` or empty components.
pub(super) fn check_path(path: &str) -> Result<(), ViewError> {
    if !path.starts_with('/') {
        return Err(ViewError::BadPath {
            path: path.to_owned(),
            reason: "not absolute".to_owned(),
        });
    }
    validate_container_path(path).map_err(|_| ViewError::BadPath {
        path: path.to_owned(),
        reason: "must name a file without '.', '..' or empty components".to_owned(),
    })
}

fn check_no_nesting(files: &[Planned<'_>]) -> Result<(), ViewError> {
    let mut paths: Vec<&str> = files.iter().map(|f| f.container_path.as_str()).collect();
    paths.sort_unstable();
    for w in paths.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a == b || (b.starts_with(a) && b.as_bytes()[a.len()] == b'/') {
            return Err(ViewError::BadPath {
                path: b.to_owned(),
                reason: format!("collides with the mounted file {a}"),
            });
        }
    }
    Ok(())
}
