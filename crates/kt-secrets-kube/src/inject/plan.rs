//! The plan of an injection: the env vars, secret volumes and volume mounts that the
//! secrets add to a template, each with the secret it comes from.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Volume;
use serde_json::Value;

use super::error::to_value;
use super::{FS_GROUP_READ_MASK, InjectError, Injector};
use crate::pod::MountPlanner;

/// One planned entry and the secret it comes from.
pub(super) struct Planned<T> {
    pub(super) item: T,
    pub(super) who: String,
}

pub(super) struct Plan {
    pub(super) env: Vec<Planned<Value>>,
    pub(super) volumes: Vec<Planned<Volume>>,
    pub(super) mounts: Vec<Planned<Value>>,
    pub(super) object_names: BTreeSet<String>,
    pub(super) hashes: BTreeMap<String, String>,
}

impl Injector {
    pub(super) fn plan(&self, non_root: bool) -> Result<Plan, InjectError> {
        let mut planner = MountPlanner::new(&self.container_home)?;
        let mut plan = Plan {
            env: Vec::new(),
            volumes: Vec::new(),
            mounts: Vec::new(),
            object_names: BTreeSet::new(),
            hashes: BTreeMap::new(),
        };
        for s in &self.secrets {
            let before = planner.planned().clone();
            planner.secret(s)?;
            let who = format!("secret {:?}", s.secret.name());
            let now = planner.planned();
            for e in &now.env[before.env.len()..] {
                plan.env.push(Planned {
                    item: to_value(e, "an env var")?,
                    who: who.clone(),
                });
            }
            for v in &now.volumes[before.volumes.len()..] {
                let mut v = v.clone();
                if non_root && let Some(items) = v.secret.as_mut().and_then(|s| s.items.as_mut()) {
                    for i in items {
                        i.mode = i.mode.map(|m| m | FS_GROUP_READ_MASK as i32);
                    }
                }
                plan.volumes.push(Planned {
                    item: v,
                    who: who.clone(),
                });
            }
            for m in &now.volume_mounts[before.volume_mounts.len()..] {
                plan.mounts.push(Planned {
                    item: to_value(m, "a volume mount")?,
                    who: who.clone(),
                });
            }
            plan.object_names.insert(s.object_name.clone());
            plan.object_names.insert(s.env_object().to_owned());
            plan.hashes
                .insert(s.object_name.clone(), s.secret.data().content_hash());
        }
        Ok(plan)
    }
}
