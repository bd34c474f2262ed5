//! How secrets appear in a pod: env vars read from the Secret (`secretKeyRef`), one secret
//! volume per secret with one item per file, and one volume mount per file.
//!
//! Files are mounted one by one with `subPath` rather than as a whole directory, because a
//! volume mounted over `~/.ssh` would hide what the image put there (`known_hosts`, `config`).
//! The price is that a `subPath` file does not follow later changes of the Secret; the pod
//! template carries each secret's content hash, so a changed secret can roll the pods. Where
//! an SDK finds its file through an env var, the whole volume is mounted too, as a directory
//! of its own that kubelet keeps current, and the env var points there
//! ([`MountPlanner::secret`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::core::v1::{
    EnvVar, EnvVarSource, KeyToPath, SecretKeySelector, SecretVolumeSource, Volume, VolumeMount,
};
use kt_secrets_core::{
    Mount, Secret, expand_container_path, validate_container_path, validate_env_var,
};


/// Where a secret's whole volume is mounted when an env var points into it: a directory of its
/// own, so the mount hides nothing of the image. One directory per Secret object
/// ([`live_dir`]).
pub const LIVE_ROOT: &str = "/var/run/kt-secrets";

/// The directory kubelet keeps current with the Secret `object_name`.
pub fn live_dir(object_name: &str) -> String {
    format!("{LIVE_ROOT}/{object_name}")
}

/// Files that an SDK reads from a fixed path unless an env var names another: a secret with a
/// file at such a path also gets the env var, pointing at its copy in [`live_dir`].
///
/// - botocore (`botocore/configprovider.py`, `BOTOCORE_DEFAUT_SESSION_VARIABLES`):
///   `credentials_file` is `AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`;
///   `config_file` is `AWS_CONFIG_FILE`, default `~/.aws/config`. Every new `Session` reads
///   them again (`botocore/credentials.py`, `SharedCredentialProvider.load`, and
///   `Session.full_config`), and the AWS CLI and the other AWS SDKs honour the same vars.
///
/// Others need no entry here because their providers already set the env var as a
/// [`Mount::PathEnv`]: `GOOGLE_APPLICATION_CREDENTIALS` (google-auth,
/// `google/auth/_default.py`, `_get_explicit_environ_credentials`, read on each
/// `google.auth.default()`), `KUBECONFIG` (client-go `clientcmd`, and the Python client's
/// `load_kube_config`, read on each load). `AZURE_CONFIG_DIR` names a directory the Azure CLI
/// writes to, so it stays on the image's writable path, and Hugging Face's token reaches the
/// pod as `HF_TOKEN`, which `huggingface_hub` prefers to `HF_TOKEN_PATH`
/// (`huggingface_hub/utils/_auth.py`, `get_token`): both need a rollout.
pub const SDK_FILE_ENVS: &[(&str, &str)] = &[
    ("~/.aws/credentials", "AWS_SHARED_CREDENTIALS_FILE"),
    ("~/.aws/config", "AWS_CONFIG_FILE"),
];

/// Whether a change of a Secret reaches running pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Every key reaches the pod as a file that an env var names in [`live_dir`]: kubelet
    /// updates it in place (within its sync period), and the SDK reads it again.
    Live,
    /// Some keys do; the others (env vars from `secretKeyRef`, files at fixed paths) need
    /// `sync --rollout`.
    Partial,
    /// None does: every change needs `sync --rollout` (env vars are read at container start,
    /// and kubelet never updates `subPath` files).
    Rollout,
}

impl Rotation {
    /// `live`, `partial` or `rollout`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rotation::Live => "live",
            Rotation::Partial => "partial",
            Rotation::Rollout => "rollout",
        }
    }

    fn of(live: usize, other: usize) -> Rotation {
        match (live, other) {
            (0, _) => Rotation::Rollout,
            (_, 0) => Rotation::Live,
            _ => Rotation::Partial,
        }
    }
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rotation::Live => "live",
            Rotation::Partial => "partly live",
            Rotation::Rollout => "needs --rollout",
        })
    }
}

/// The keys of `secret` that reach a pod live (see [`Rotation::Live`]), as
/// [`MountPlanner::secret`] mounts them.
pub fn live_keys(secret: &Secret) -> BTreeSet<String> {
    let m = MountedSecret::managed(secret.clone(), crate::manifest::GLOBAL_OWNER);
    let mut p = match MountPlanner::new(kt_secrets_core::DEFAULT_CONTAINER_HOME) {
        Ok(p) => p,
        Err(_) => return BTreeSet::new(),
    };
    if p.secret(&m).is_err() {
        return BTreeSet::new();
    }
    let out = p.finish();
    let dir = format!("{}/", live_dir(&m.object_name));
    let named: BTreeSet<&str> = out
        .env
        .iter()
        .filter_map(|e| e.value.as_deref())
        .filter_map(|v| v.strip_prefix(&dir))
        .collect();
    let items = out
        .volumes
        .iter()
        .filter_map(|v| v.secret.as_ref())
        .flat_map(|s| s.items.iter().flatten());
    items
        .filter(|i| named.contains(i.path.as_str()))
        .map(|i| i.key.clone())
        .collect()
}

/// How a change of `secret` reaches running pods.
pub fn rotation(secret: &Secret) -> Rotation {
    let live = live_keys(secret);
    let mounted: BTreeSet<&str> = secret.mounts().iter().filter_map(Mount::key).collect();
    Rotation::of(
        live.len(),
        mounted.iter().filter(|k| !live.contains(**k)).count(),
    )
}

/// [`rotation`] from a provider's description ([`kt_secrets_core::ProviderInfo::targets`]:
/// `file PATH (MODE)`, `env VAR=PATH`, `env VAR`), for what it gives when it finds its files.
pub fn rotation_of_targets(targets: &[String]) -> Rotation {
    let mut files = Vec::new();
    let mut named = BTreeSet::new();
    let mut secret_env = 0;
    for t in targets {
        if let Some(rest) = t.strip_prefix("file ") {
            files.push(rest.split_whitespace().next().unwrap_or_default());
        } else if let Some(rest) = t.strip_prefix("env ") {
            let word = rest.split_whitespace().next().unwrap_or_default();
            match word.split_once('=') {
                Some((_, path)) => {
                    named.insert(path);
                }
                None => secret_env += 1,
            }
        }
    }
    let live = files
        .iter()
        .filter(|f| named.contains(**f) || SDK_FILE_ENVS.iter().any(|(p, _)| p == *f))
        .count();
    Rotation::of(live, files.len() - live + secret_env)
}

/// Why a set of secrets cannot be mounted into one pod.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MountError {
    /// A mount or a plain env var that is not valid (an env var name, a container path).
    #[error(transparent)]
    Secret(#[from] kt_secrets_core::Error),

    /// Two sources claim one env var or container path.
    #[error("{claim} is claimed twice: by {first} and by {second}")]
    Clash {
        /// The env var or file claimed (`env var API_KEY`, `file /root/.k`).
        claim: String,
        /// Who claimed it first (`secret "aws"`, `the compute's env_vars`).
        first: String,
        /// Who claimed it again.
        second: String,
    },

    /// Two mounted files where one path is a directory of the other.
    #[error(
        "file {first_path} (from {first}) and file {second_path} (from {second}) cannot both \
         exist: one path is a directory of the other"
    )]
    NestedFiles {
        /// The path claimed first.
        first_path: String,
        /// Who claimed it.
        first: String,
        /// The path claimed second, inside or above `first_path`.
        second_path: String,
        /// Who claimed it.
        second: String,
    },

    /// What `~` means in the container is not an absolute path of plain components.
    #[error("invalid container home {home:?}: {reason}")]
    InvalidHome {
        /// The home as given.
        home: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl MountError {
    /// Whether only a different request can fix this: always, but for a core error that
    /// says otherwise (see [`kt_secrets_core::Error::is_usage`]).
    pub fn is_usage(&self) -> bool {
        match self {
            MountError::Secret(e) => e.is_usage(),
            MountError::Clash { .. }
            | MountError::NestedFiles { .. }
            | MountError::InvalidHome { .. } => true,
        }
    }
}

/// Longest volume name: volume names are DNS-1123 labels.
const MAX_VOLUME_NAME: usize = kt_secrets_core::validate::MAX_DNS_LABEL_LEN;

/// Whether the pod's secret is one we write, or one that already exists in the cluster and is
/// only referred to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Built locally (a `Secret` value or a provider); its manifest is part of what is applied.
    Managed,
    /// Read from the cluster by name; the pod refers to it as it is.
    Existing,
}

/// A secret as a pod refers to it: the Kubernetes object holding its data, and its mounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountedSecret {
    /// Name of the Kubernetes Secret object the pod reads.
    pub object_name: String,
    pub secret: Secret,
    pub ownership: Ownership,
}

impl MountedSecret {
    pub fn managed(secret: Secret, owner: &str) -> Self {
        MountedSecret {
            object_name: crate::manifest::object_name_of(&secret, owner),
            secret,
            ownership: Ownership::Managed,
        }
    }

    pub fn existing(secret: Secret, object_name: impl Into<String>) -> Self {
        MountedSecret {
            object_name: object_name.into(),
            secret,
            ownership: Ownership::Existing,
        }
    }

    fn who(&self) -> String {
        format!("secret {:?}", self.secret.name())
    }
}

/// The container env vars, secret volumes and volume mounts that deliver a set of secrets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodMounts {
    pub env: Vec<EnvVar>,
    pub volumes: Vec<Volume>,
    pub volume_mounts: Vec<VolumeMount>,
}

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
                                name: s.object_name.clone(),
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

/// The env vars, volumes and volume mounts for `secrets`, after the plain env vars `env`
/// (attributed to `env_owner` in clash errors). `~` in container paths is `container_home`.
pub fn pod_mounts(
    env: &[(String, String)],
    env_owner: &str,
    secrets: &[MountedSecret],
    container_home: &str,
) -> Result<PodMounts, MountError> {
    let mut p = MountPlanner::new(container_home)?;
    for (k, v) in env {
        p.plain_env(k, v, env_owner)?;
    }
    for s in secrets {
        p.secret(s)?;
    }
    Ok(p.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_secrets_core::{Origin, Resolved};

    fn secret(name: &str, mounts: Vec<Mount>) -> Secret {
        let mut r = Resolved::new();
        for m in &mounts {
            if let Some(k) = m.key()
                && !r.data.contains_key(k)
            {
                r.add(k, "v", Origin::Literal).unwrap();
            }
        }
        r.mounts = mounts;
        Secret::from_parts(name, None, r).unwrap()
    }

    fn managed(name: &str, mounts: Vec<Mount>) -> MountedSecret {
        MountedSecret::managed(secret(name, mounts), "global")
    }

    #[test]
    fn env_reads_the_object_by_its_kubernetes_name() {
        let m = pod_mounts(
            &[],
            "env",
            &[managed(
                "openai",
                vec![Mount::env("OPENAI_API_KEY", "OPENAI_API_KEY")],
            )],
            "/root",
        )
        .unwrap();
        assert_eq!(m.env.len(), 1);
        let r = m.env[0]
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref()
            .unwrap();
        assert_eq!(r.name, crate::manifest::object_name("openai", "global"));
        assert_eq!(r.key, "OPENAI_API_KEY");
        assert!(m.volumes.is_empty() && m.volume_mounts.is_empty());
    }

    #[test]
    fn files_mount_one_by_one_with_modes_and_home() {
        let s = managed(
            "ssh",
            vec![
                Mount::file("id_rsa", "~/.ssh/id_rsa", 0o400),
                Mount::file("id_rsa.pub", "~/.ssh/id_rsa.pub", 0o644),
            ],
        );
        let m = pod_mounts(&[], "env", &[s], "/home/dev/").unwrap();
        assert_eq!(m.volumes.len(), 1);
        let src = m.volumes[0].secret.as_ref().unwrap();
        assert_eq!(src.secret_name.as_deref(), Some("kt.secret.global.ssh"));
        let items = src.items.as_ref().unwrap();
        assert_eq!(
            items
                .iter()
                .map(|i| (i.key.as_str(), i.path.as_str(), i.mode))
                .collect::<Vec<_>>(),
            vec![
                ("id_rsa", "id_rsa", Some(0o400)),
                ("id_rsa.pub", "id_rsa.pub", Some(0o644))
            ]
        );
        let vm: Vec<_> = m
            .volume_mounts
            .iter()
            .map(|v| {
                (
                    v.name.as_str(),
                    v.mount_path.as_str(),
                    v.sub_path.as_deref(),
                    v.read_only,
                )
            })
            .collect();
        let vol = m.volumes[0].name.as_str();
        assert_eq!(
            vm,
            vec![
                (vol, "/home/dev/.ssh/id_rsa", Some("id_rsa"), Some(true)),
                (
                    vol,
                    "/home/dev/.ssh/id_rsa.pub",
                    Some("id_rsa.pub"),
                    Some(true)
                ),
            ]
        );
        // No mount covers the directory itself, so the image's ~/.ssh/known_hosts stays.
        assert!(
            m.volume_mounts
                .iter()
                .all(|v| v.mount_path != "/home/dev/.ssh")
        );
    }

    #[test]
    fn path_env_points_at_the_container_path() {
        let s = managed(
            "gcp",
            vec![
                Mount::file("adc.json", "~/.config/gcloud/adc.json", 0o600),
                Mount::path_env(
                    "GOOGLE_APPLICATION_CREDENTIALS",
                    "~/.config/gcloud/adc.json",
                ),
            ],
        );
        let m = pod_mounts(&[], "env", &[s], "/workspace").unwrap();
        let e = m
            .env
            .iter()
            .find(|e| e.name == "GOOGLE_APPLICATION_CREDENTIALS")
            .unwrap();
        // The env var names the copy kubelet keeps current; the fixed-path copy stays.
        assert_eq!(
            e.value.as_deref(),
            Some("/var/run/kt-secrets/kt.secret.global.gcp/adc.json")
        );
        assert_eq!(
            m.volume_mounts[0].mount_path,
            "/workspace/.config/gcloud/adc.json"
        );
        assert_eq!(m.volume_mounts[0].sub_path.as_deref(), Some("adc.json"));
        assert_eq!(
            m.volume_mounts[1].mount_path,
            "/var/run/kt-secrets/kt.secret.global.gcp"
        );
        assert_eq!(m.volume_mounts[1].sub_path, None);
        assert_eq!(m.volume_mounts[1].read_only, Some(true));
        assert_eq!(m.volume_mounts.len(), 2);
    }

    #[test]
    fn without_an_env_var_naming_it_a_file_is_mounted_at_its_path_only() {
        let s = managed("ssh", vec![Mount::file("id_rsa", "~/.ssh/id_rsa", 0o400)]);
        let m = pod_mounts(&[], "env", std::slice::from_ref(&s), "/root").unwrap();
        assert_eq!(m.volume_mounts.len(), 1);
        assert_eq!(rotation(&s.secret), Rotation::Rollout);
        // A user's file inside a live directory is refused, as any nesting is.
        let g = managed(
            "gcp",
            vec![
                Mount::file("k", "~/k.json", 0o600),
                Mount::path_env("GOOGLE_APPLICATION_CREDENTIALS", "~/k.json"),
            ],
        );
        let inside = managed(
            "x",
            vec![Mount::file(
                "k",
                "/var/run/kt-secrets/kt.secret.global.gcp/k",
                0o600,
            )],
        );
        let e = pod_mounts(&[], "env", &[g, inside], "/root")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/var/run/kt-secrets/kt.secret.global.gcp"),
            "{e}"
        );
    }

    #[test]
    fn rotation_from_provider_descriptions() {
        let t = |v: &[&str]| -> Vec<String> { v.iter().map(|s| (*s).to_owned()).collect() };
        assert_eq!(
            rotation_of_targets(&t(&[
                "file ~/.kube/config (0600)",
                "env KUBECONFIG=~/.kube/config"
            ])),
            Rotation::Live
        );
        assert_eq!(
            rotation_of_targets(&t(&[
                "file ~/.aws/credentials (0600)",
                "env AWS_ACCESS_KEY_ID"
            ])),
            Rotation::Partial
        );
        assert_eq!(
            rotation_of_targets(&t(&["env OPENAI_API_KEY", "file ~/.ssh/id_rsa (0400)"])),
            Rotation::Rollout
        );
    }

    #[test]
    fn one_key_at_two_paths_gets_two_items() {
        let s = managed(
            "dup",
            vec![
                Mount::file("k", "/a/k", 0o600),
                Mount::file("k", "/b/k", 0o600),
            ],
        );
        let m = pod_mounts(&[], "env", &[s], "/root").unwrap();
        let items = m.volumes[0].secret.as_ref().unwrap().items.clone().unwrap();
        let paths: Vec<_> = items.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, vec!["k", "1/k"]);
        let subs: Vec<_> = m
            .volume_mounts
            .iter()
            .map(|v| v.sub_path.clone().unwrap())
            .collect();
        assert_eq!(subs, vec!["k", "1/k"]);
    }

    #[test]
    fn clashes_name_both_sides() {
        let a = managed("first", vec![Mount::env("API_KEY", "API_KEY")]);
        let b = managed("second", vec![Mount::env("API_KEY", "API_KEY")]);
        let e = pod_mounts(&[], "env", &[a.clone(), b], "/root")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("API_KEY") && e.contains("\"first\"") && e.contains("\"second\""),
            "{e}"
        );

        let e = pod_mounts(
            &[("API_KEY".into(), "x".into())],
            "the compute's env_vars",
            &[a],
            "/root",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("the compute's env_vars") && e.contains("\"first\""),
            "{e}"
        );

        // `~` and the home spelt out are the same file.
        let c = managed("c", vec![Mount::file("k", "~/.k", 0o600)]);
        let d = managed("d", vec![Mount::file("k", "/root/.k", 0o600)]);
        let e = pod_mounts(&[], "env", &[c, d], "/root")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/root/.k") && e.contains("\"c\"") && e.contains("\"d\""),
            "{e}"
        );

        let f = managed("f", vec![Mount::file("k", "/x/conf", 0o600)]);
        let g = managed("g", vec![Mount::file("k", "/x/conf/inner", 0o600)]);
        let e = pod_mounts(&[], "env", &[f, g], "/root")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/x/conf") && e.contains("\"f\"") && e.contains("\"g\""),
            "{e}"
        );

        // Same prefix without a separator is not nesting.
        let h = managed("h", vec![Mount::file("k", "/x/conf", 0o600)]);
        let i = managed("i", vec![Mount::file("k", "/x/config", 0o600)]);
        pod_mounts(&[], "env", &[h, i], "/root").unwrap();
    }

    #[test]
    fn volume_names_are_unique_labels() {
        let long = "a".repeat(200);
        let s1 = managed(&long, vec![Mount::file("k", "/one/k", 0o600)]);
        let s2 = MountedSecret::existing(
            secret("b", vec![Mount::file("k", "/two/k", 0o600)]),
            format!("kt.secret.global.{long}x"),
        );
        let s3 = MountedSecret::existing(
            secret("c", vec![Mount::file("k", "/three/k", 0o600)]),
            "my.app",
        );
        let s4 = MountedSecret::existing(
            secret("d", vec![Mount::file("k", "/four/k", 0o600)]),
            "my-app",
        );
        let m = pod_mounts(&[], "env", &[s1, s2, s3, s4], "/root").unwrap();
        let names: BTreeSet<_> = m.volumes.iter().map(|v| v.name.clone()).collect();
        assert_eq!(names.len(), 4);
        for n in &names {
            assert!(n.len() <= MAX_VOLUME_NAME, "{n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
            assert!(!n.starts_with('-') && !n.ends_with('-'), "{n}");
        }
        assert!(names.contains("my-app"));
    }

    #[test]
    fn home_must_be_absolute() {
        for bad in ["root", "~", "/a/../b"] {
            let e = MountPlanner::new(bad).unwrap_err().to_string();
            assert!(e.contains("container home"), "{e}");
        }
        MountPlanner::new("/").unwrap();
    }
}
