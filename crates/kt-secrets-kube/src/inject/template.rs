//! Injecting into one pod template: its volumes, the selected containers, the `fsGroup` a
//! non-root user reads its files through, and the content-hash annotation.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde::Deserialize as _;
use serde_json::{Map, Value};

use super::error::{redact, to_value};
use super::merge::{array_field, describe_volume, merge_env, merge_mounts};
use super::{InjectError, Injected, Injector};
use crate::compute::SECRET_HASHES_ANNOTATION;
use crate::pod::MountedSecret;

impl Injector {
    pub(super) fn inject_template_value(
        &self,
        t: &mut Value,
        at: &str,
        pointer: &str,
    ) -> Result<Injected, InjectError> {
        let typed: PodTemplateSpec =
            PodTemplateSpec::deserialize(&*t).map_err(|e| InjectError::Invalid {
                at: at.to_owned(),
                expected: "pod template".to_owned(),
                reason: redact(&e.to_string()),
            })?;
        let Some(spec) = typed.spec.as_ref() else {
            return Err(InjectError::Invalid {
                at: at.to_owned(),
                expected: "pod template".to_owned(),
                reason: "it has no spec".to_owned(),
            });
        };
        let mut out = Injected::default();
        let mut selected: Vec<(&'static str, usize, String, Option<i64>)> = Vec::new();
        let pod_sc = spec.security_context.as_ref();
        let pod_uid = pod_sc.and_then(|s| s.run_as_user).or(self.run_as_user);
        let pod_non_root = pod_sc.and_then(|s| s.run_as_non_root);
        // runAsNonRoot without a runAsUser: the image's user, whose id is not known here.
        let mut unknown_non_root = false;
        let lists: [(&'static str, &[k8s_openapi::api::core::v1::Container], bool); 2] = [
            ("containers", &spec.containers, true),
            (
                "initContainers",
                spec.init_containers.as_deref().unwrap_or_default(),
                self.init_containers,
            ),
        ];
        for (field, list, wanted) in lists {
            for (i, c) in list.iter().enumerate() {
                out.containers_seen.insert(c.name.clone());
                let picked =
                    wanted && (self.containers.is_empty() || self.containers.contains(&c.name));
                if picked {
                    let sc = c.security_context.as_ref();
                    let uid = sc.and_then(|s| s.run_as_user).or(pod_uid);
                    if uid.is_none()
                        && sc.and_then(|s| s.run_as_non_root).or(pod_non_root) == Some(true)
                    {
                        unknown_non_root = true;
                    }
                    selected.push((field, i, c.name.clone(), uid));
                }
            }
        }
        if selected.is_empty() || self.secrets.is_empty() {
            return Ok(out);
        }
        let non_root_uid = selected
            .iter()
            .find_map(|(_, _, _, uid)| uid.filter(|u| *u != 0));
        let existing_fs_group = pod_sc.and_then(|s| s.fs_group);
        let chosen_gid = self
            .fs_group
            .or_else(|| pod_sc.and_then(|s| s.run_as_group));
        let non_root = non_root_uid.is_some()
            || (unknown_non_root && (existing_fs_group.is_some() || chosen_gid.is_some()));
        let plan = self.plan(non_root)?;

        let spec_v = t
            .get_mut("spec")
            .and_then(Value::as_object_mut)
            .expect("the typed parse found a spec object");

        // Volumes: ours (same name, same Secret object) are replaced in place.
        let volumes = array_field(spec_v, "volumes");
        let mut our_volume_names = BTreeSet::new();
        for pv in &plan.volumes {
            let want = to_value(&pv.item, "a volume")?;
            let secret_name = pv.item.secret.as_ref().and_then(|s| s.secret_name.clone());
            match volumes
                .iter_mut()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(&pv.item.name))
            {
                Some(existing) => {
                    let theirs = existing
                        .pointer("/secret/secretName")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    if theirs.is_none() || theirs != secret_name {
                        return Err(InjectError::Clash {
                            at: at.to_owned(),
                            claim: format!("volume name {}", pv.item.name),
                            existing: describe_volume(existing),
                            secret: pv.who.clone(),
                        });
                    }
                    *existing = want;
                }
                None => volumes.push(want),
            }
            our_volume_names.insert(pv.item.name.clone());
        }
        if volumes.is_empty() {
            spec_v.remove("volumes");
        }

        let mut injected_into = Vec::new();
        for (field, i, name, _) in &selected {
            let c = spec_v
                .get_mut(*field)
                .and_then(|l| l.get_mut(*i))
                .and_then(Value::as_object_mut)
                .expect("the typed parse found this container");
            let cat = format!("{at}, container {name:?}");
            merge_env(c, &plan, &cat)?;
            merge_mounts(c, &plan, &our_volume_names, &cat)?;
            injected_into.push(name.clone());
        }

        // A non-root user reads the files through the pod's fsGroup.
        let has_files = !plan.volumes.is_empty();
        if unknown_non_root && !non_root && has_files {
            out.warnings.push(format!(
                "{at}: a container sets runAsNonRoot but no runAsUser, so its user is the \
                 image's; give --run-as-user UID (and --fs-group GID) so its files are made \
                 readable to that user"
            ));
        }
        if non_root && has_files {
            let user =
                non_root_uid.map_or_else(|| "a non-root user".to_owned(), |u| format!("user {u}"));
            if existing_fs_group.is_none() {
                let gid = chosen_gid
                    .or(non_root_uid)
                    .expect("non-root with a known user or group");
                let sc = spec_v
                    .entry("securityContext")
                    .or_insert_with(|| Value::Object(Map::new()));
                if !sc.is_object() {
                    *sc = Value::Object(Map::new());
                }
                sc.as_object_mut()
                    .expect("just made an object")
                    .insert("fsGroup".to_owned(), gid.into());
            }
            if self.container_home == kt_secrets_core::DEFAULT_CONTAINER_HOME
                && self.secrets.iter().any(|s| {
                    s.secret.mounts().iter().any(|m| {
                        matches!(m, kt_secrets_core::Mount::File { path, .. } if path.starts_with('~'))
                    })
                })
            {
                out.warnings.push(format!(
                    "{at}: a container runs as {user}, but files for `~` go under /root; give \
                     the image user's home with --container-home"
                ));
            }
        }
        let fs_group_now = existing_fs_group.is_some() || (non_root && has_files);
        if fs_group_now {
            for (_, _, name, uid) in &selected {
                if *uid == Some(0) && has_private_files(&self.secrets) {
                    out.warnings.push(format!(
                        "{at}, container {name:?}: runs as root in a pod with fsGroup, so its \
                         private key files are group-readable, which OpenSSH refuses for a key \
                         its reader owns (sshkey_perm_ok); mount them only into non-root \
                         containers (-c)"
                    ));
                }
            }
        }

        // The content hashes: a changed secret changes the template and rolls the workload.
        let t_obj = t.as_object_mut().expect("a pod template is an object");
        let meta = t_obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        let annotations = meta
            .as_object_mut()
            .expect("just made an object")
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !annotations.is_object() {
            *annotations = Value::Object(Map::new());
        }
        let annotations = annotations.as_object_mut().expect("just made an object");
        let mut hashes: BTreeMap<String, String> = annotations
            .get(SECRET_HASHES_ANNOTATION)
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        hashes.extend(plan.hashes.clone());
        annotations.insert(
            SECRET_HASHES_ANNOTATION.to_owned(),
            serde_json::to_string(&hashes)
                .expect("a map of strings serializes")
                .into(),
        );
        out.templates.push((pointer.to_owned(), injected_into));
        Ok(out)
    }
}

/// Whether a secret mounts a file that only its owner may read (an SSH key).
fn has_private_files(secrets: &[MountedSecret]) -> bool {
    secrets.iter().any(|s| {
        s.secret
            .mounts()
            .iter()
            .any(|m| matches!(m, kt_secrets_core::Mount::File { mode, .. } if mode & 0o077 == 0))
    })
}
