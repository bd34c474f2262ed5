//! Merging planned entries into a container: env vars and volume mounts of the secrets
//! replace what an earlier injection added, and clash with anything else of the workload.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::InjectError;
use super::plan::Plan;

pub(super) fn merge_env(
    c: &mut Map<String, Value>,
    plan: &Plan,
    at: &str,
) -> Result<(), InjectError> {
    let reads_ours = |e: &Value| {
        e.pointer("/valueFrom/secretKeyRef/name")
            .and_then(Value::as_str)
            .is_some_and(|n| plan.object_names.contains(n))
    };
    let planned_names: BTreeSet<&str> = plan
        .env
        .iter()
        .filter_map(|p| p.item.get("name").and_then(Value::as_str))
        .collect();
    let env = array_field(c, "env");
    // What an earlier injection added from these secrets and is no longer planned goes.
    env.retain(|e| {
        !reads_ours(e)
            || e.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| planned_names.contains(n))
    });
    for pe in &plan.env {
        let name = pe
            .item
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match env
            .iter_mut()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(existing) if reads_ours(existing) || *existing == pe.item => {
                *existing = pe.item.clone();
            }
            Some(existing) => {
                return Err(InjectError::Clash {
                    at: at.to_owned(),
                    claim: format!("env var {name}"),
                    existing: describe_env(existing),
                    secret: pe.who.clone(),
                });
            }
            None => env.push(pe.item.clone()),
        }
    }
    if env.is_empty() {
        c.remove("env");
    }
    Ok(())
}

pub(super) fn merge_mounts(
    c: &mut Map<String, Value>,
    plan: &Plan,
    ours: &BTreeSet<String>,
    at: &str,
) -> Result<(), InjectError> {
    let of_ours = |m: &Value| {
        m.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| ours.contains(n))
    };
    let planned_paths: BTreeSet<&str> = plan
        .mounts
        .iter()
        .filter_map(|p| p.item.get("mountPath").and_then(Value::as_str))
        .collect();
    let mounts = array_field(c, "volumeMounts");
    mounts.retain(|m| {
        !of_ours(m)
            || m.get("mountPath")
                .and_then(Value::as_str)
                .is_some_and(|p| planned_paths.contains(p))
    });
    for pm in &plan.mounts {
        let path = pm
            .item
            .get("mountPath")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match mounts.iter_mut().find(|m| {
            m.get("mountPath")
                .and_then(Value::as_str)
                .map(|p| p.trim_end_matches('/'))
                == Some(path)
        }) {
            Some(existing) if of_ours(existing) => *existing = pm.item.clone(),
            Some(existing) => {
                let vol = existing.get("name").and_then(Value::as_str).unwrap_or("?");
                return Err(InjectError::Clash {
                    at: at.to_owned(),
                    claim: format!("mount path {path}"),
                    existing: format!("volume {vol}"),
                    secret: pm.who.clone(),
                });
            }
            None => mounts.push(pm.item.clone()),
        }
    }
    if mounts.is_empty() {
        c.remove("volumeMounts");
    }
    Ok(())
}

/// The array at `field` of `m`, created when absent (a `null` counts as absent).
pub(super) fn array_field<'a>(m: &'a mut Map<String, Value>, field: &str) -> &'a mut Vec<Value> {
    let v = m.entry(field).or_insert_with(|| Value::Array(Vec::new()));
    if !v.is_array() {
        *v = Value::Array(Vec::new());
    }
    v.as_array_mut().expect("just made an array")
}

fn describe_env(e: &Value) -> String {
    if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
        format!(
            "from Secret {} key {}",
            r.get("name").and_then(Value::as_str).unwrap_or("?"),
            r.get("key").and_then(Value::as_str).unwrap_or("?")
        )
    } else if e.get("valueFrom").is_some() {
        "its own valueFrom".to_owned()
    } else {
        "its own value".to_owned()
    }
}

pub(super) fn describe_volume(v: &Value) -> String {
    match v.pointer("/secret/secretName").and_then(Value::as_str) {
        Some(s) => format!("a volume of Secret {s}"),
        None => "its own volume".to_owned(),
    }
}
