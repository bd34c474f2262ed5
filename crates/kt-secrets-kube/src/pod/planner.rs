//! The [`MountPlanner`]: lays out the env vars, secret volumes and volume mounts of a set of
//! secrets, refusing two claims on one env var or file, and naming each volume uniquely.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::core::v1::{
    EnvVar, EnvVarSource, KeyToPath, SecretKeySelector, SecretVolumeSource, Volume, VolumeMount,
};
use kt_secrets_core::{Mount, expand_container_path, validate_container_path, validate_env_var};

use super::{MountError, MountedSecret, PodMounts, SDK_FILE_ENVS, live_dir};

/// Longest volume name: volume names are DNS-1123 labels.
pub(super) const MAX_VOLUME_NAME: usize = kt_secrets_core::validate::MAX_DNS_LABEL_LEN;

/// What a source claims in the container: an env var, or a file at a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Claim {
    Env(String),
    File(String),
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Claim::Env(v) => write!(f, "env var {v}"),
            Claim::File(p) => write!(f, "file {p}"),
        }
    }
}

/// Builds [`PodMounts`], checking that no two sources claim one env var or one file.
#[derive(Debug)]
pub struct MountPlanner {
    home: String,
    claims: BTreeMap<Claim, String>,
    volume_names: BTreeSet<String>,
    out: PodMounts,
}

impl MountPlanner {
    /// `container_home` is what `~` means in container paths (absolute).
    pub fn new(container_home: &str) -> Result<Self, MountError> {
        check_home(container_home)?;
        Ok(MountPlanner {
            home: container_home.trim_end_matches('/').to_owned(),
            claims: BTreeMap::new(),
            volume_names: BTreeSet::new(),
            out: PodMounts::default(),
        })
    }

    /// A plain env var (not secret) set by `who`, such as the compute's own `env_vars`.
    pub fn plain_env(&mut self, var: &str, value: &str, who: &str) -> Result<(), MountError> {
        validate_env_var(var)?;
        self.claim(Claim::Env(var.to_owned()), who)?;
        self.out.env.push(EnvVar {
            name: var.to_owned(),
            value: Some(value.to_owned()),
            value_from: None,
        });
        Ok(())
    }

    /// Every mount of `s`.
    ///
    /// Each file is mounted at its own path with `subPath`. kubelet never updates a `subPath`
    /// mount when the Secret changes, so where an SDK takes the file's path from an env var
    /// (a [`Mount::PathEnv`] of the secret, or [`SDK_FILE_ENVS`]), the whole volume is also
    /// mounted as a directory at [`live_dir`], which kubelet keeps current, and the env var
    /// points there: a rotation then reaches running pods. The fixed-path copy stays for
    /// tools that ignore the env var.
    pub fn secret(&mut self, s: &MountedSecret) -> Result<(), MountError> {
        let who = s.who();
        let mut items: Vec<KeyToPath> = Vec::new();
        let mut used_keys: BTreeMap<&str, usize> = BTreeMap::new();
        let mut mounts: Vec<(String, String)> = Vec::new();
        for m in s.secret.mounts() {
            m.validate()?;
            if let Mount::File { key, path, mode } = m {
                let target = expand_container_path(path, &self.home);
                // Data keys cannot contain '/', so `n/key` never collides with a plain key.
                let n = used_keys.entry(key.as_str()).or_insert(0);
                let item_path = if *n == 0 {
                    key.clone()
                } else {
                    format!("{n}/{key}")
                };
                *n += 1;
                items.push(KeyToPath {
                    key: key.clone(),
                    path: item_path.clone(),
                    mode: Some(*mode as i32),
                });
                mounts.push((target, item_path));
            }
        }
        let dir = live_dir(&s.object_name);
        let live_path = |target: &str| {
            mounts
                .iter()
                .find(|(t, _)| t == target)
                .map(|(_, item)| format!("{dir}/{item}"))
        };
        let mut live = false;
        for m in s.secret.mounts() {
            match m {
                Mount::Env { var, key } => {
                    self.claim(Claim::Env(var.clone()), &who)?;
                    self.out.env.push(EnvVar {
                        name: var.clone(),
                        value: None,
                        value_from: Some(EnvVarSource {
                            secret_key_ref: Some(SecretKeySelector {
                                name: s.env_object().to_owned(),
                                key: key.clone(),
                                optional: None,
                            }),
                            ..Default::default()
                        }),
                    });
                }
                Mount::PathEnv { var, path } => {
                    self.claim(Claim::Env(var.clone()), &who)?;
                    let target = expand_container_path(path, &self.home);
                    let value = match live_path(&target) {
                        Some(p) => {
                            live = true;
                            p
                        }
                        None => target,
                    };
                    self.out.env.push(EnvVar {
                        name: var.clone(),
                        value: Some(value),
                        value_from: None,
                    });
                }
                Mount::File { .. } => {}
            }
        }
        for (target, _) in &mounts {
            self.claim(Claim::File(target.clone()), &who)?;
        }
        // An env var that is set already (by the compute, or by another secret) wins: the
        // SDK then reads that file, and this one stays at its fixed path.
        for (default, var) in SDK_FILE_ENVS {
            let target = expand_container_path(default, &self.home);
            let Some(p) = live_path(&target) else {
                continue;
            };
            if self.claims.contains_key(&Claim::Env((*var).to_owned())) {
                continue;
            }
            self.claim(Claim::Env((*var).to_owned()), &who)?;
            self.out.env.push(EnvVar {
                name: (*var).to_owned(),
                value: Some(p),
                value_from: None,
            });
            live = true;
        }
        if items.is_empty() {
            return Ok(());
        }
        if live {
            self.claim(Claim::File(dir.clone()), &who)?;
        }
        let volume = self.volume_name(&s.object_name);
        self.out.volumes.push(Volume {
            name: volume.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(s.object_name.clone()),
                items: Some(items),
                default_mode: None,
                optional: None,
            }),
            ..Default::default()
        });
        for (target, item_path) in mounts {
            self.out.volume_mounts.push(VolumeMount {
                name: volume.clone(),
                mount_path: target,
                sub_path: Some(item_path),
                read_only: Some(true),
                ..Default::default()
            });
        }
        if live {
            self.out.volume_mounts.push(VolumeMount {
                name: volume,
                mount_path: dir,
                read_only: Some(true),
                ..Default::default()
            });
        }
        Ok(())
    }

    /// What is planned so far; a caller attributing entries to secrets reads it between
    /// [`secret`](Self::secret) calls.
    pub fn planned(&self) -> &PodMounts {
        &self.out
    }

    /// Everything planned.
    pub fn finish(self) -> PodMounts {
        self.out
    }

    fn claim(&mut self, claim: Claim, who: &str) -> Result<(), MountError> {
        if let Some(first) = self.claims.get(&claim) {
            return Err(MountError::Clash {
                claim: claim.to_string(),
                first: first.clone(),
                second: who.to_owned(),
            });
        }
        // A file whose path is a directory of another file cannot exist in one container.
        if let Claim::File(path) = &claim {
            for (c, first) in &self.claims {
                let Claim::File(other) = c else { continue };
                let nested = |outer: &str, inner: &str| {
                    inner.len() > outer.len()
                        && inner.starts_with(outer)
                        && inner.as_bytes()[outer.len()] == b'/'
                };
                if nested(other, path) || nested(path, other) {
                    return Err(MountError::NestedFiles {
                        first_path: other.clone(),
                        first: first.clone(),
                        second_path: path.clone(),
                        second: who.to_owned(),
                    });
                }
            }
        }
        self.claims.insert(claim, who.to_owned());
        Ok(())
    }

    /// A DNS-1123 label derived from the object name, unique within the pod.
    fn volume_name(&mut self, object_name: &str) -> String {
        let base: String = object_name
            .chars()
            .map(|c| if c == '.' { '-' } else { c })
            .collect();
        let name = if base.len() <= MAX_VOLUME_NAME && !self.volume_names.contains(&base) {
            base
        } else {
            let mut salt = 0u32;
            loop {
                let suffix = format!("{:08x}", fnv1a(object_name, salt) as u32);
                let keep = MAX_VOLUME_NAME - suffix.len() - 1;
                let head = base[..base.len().min(keep)].trim_end_matches('-');
                let candidate = format!("{head}-{suffix}");
                if !self.volume_names.contains(&candidate) {
                    break candidate;
                }
                salt += 1;
            }
        };
        self.volume_names.insert(name.clone());
        name
    }
}

/// Stable across Rust versions, unlike `DefaultHasher`: volume names must not change between
/// builds, or every upgrade would roll every pod.
fn fnv1a(s: &str, salt: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes().chain(salt.to_be_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn check_home(home: &str) -> Result<(), MountError> {
    let bad = |reason: &str| MountError::InvalidHome {
        home: home.to_owned(),
        reason: reason.to_owned(),
    };
    if !home.starts_with('/') {
        return Err(bad("must be an absolute path"));
    }
    let trimmed = home.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(());
    }
    validate_container_path(trimmed)
        .map_err(|_| bad("must not contain '.', '..' or empty components"))
}
