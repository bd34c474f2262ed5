//! Kubernetes objects as kubectl prints them: JSON with a four-space indent or YAML, map keys
//! sorted, several objects in one `v1` `List`, which `kubectl apply -f -` accepts.
//!
//! ```
//! use kt_secrets_core::Secret;
//! use kt_secrets_kube::{Compute, MountedSecret, ResolvedCompute, render};
//!
//! let key = Secret::from_values("my-api-key", [("API_KEY", "not-a-real-key")])?;
//! let resolved = ResolvedCompute::new(Compute::new(), vec![MountedSecret::managed(key, "global")])?;
//! let yaml = render::compute(&resolved, render::Format::Yaml)?;
//! assert!(yaml.starts_with("apiVersion: v1\nitems:\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::compute::ResolvedCompute;
use crate::error::{Error, Result};
use crate::manifest::ObjectGuard;

/// How objects are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// YAML, as `kubectl get -o yaml` prints it.
    #[default]
    Yaml,
    /// JSON with kubectl's four-space indent.
    Json,
}

/// An object as kubectl shows it: map keys sorted (kubectl prints through unstructured maps),
/// empty `null`s dropped.
pub fn object(obj: &impl Serialize) -> Result<Value> {
    let v = serde_json::to_value(obj).map_err(|e| Error::Render {
        what: "a Kubernetes object",
        detail: e.to_string(),
    })?;
    Ok(sorted(v))
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, sorted(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect::<Map<_, _>>())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        v => v,
    }
}

/// A `v1` `List` of objects, the shape `kubectl get -o yaml` prints for several objects and
/// `kubectl apply -f -` accepts.
pub fn list(items: Vec<Value>) -> Value {
    sorted(serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": { "resourceVersion": "" },
        "items": items,
    }))
}

/// `v` in `format`, with a trailing newline.
pub fn to_string(v: &Value, format: Format) -> Result<String> {
    match format {
        Format::Json => json(v),
        Format::Yaml => serde_saphyr::to_string(v).map_err(|e| Error::Render {
            what: "YAML",
            detail: e.to_string(),
        }),
    }
}

/// JSON with kubectl's four-space indent, with a trailing newline.
pub fn json(v: &impl Serialize) -> Result<String> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    v.serialize(&mut ser).map_err(|e| Error::Render {
        what: "JSON",
        detail: e.to_string(),
    })?;
    out.push(b'\n');
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// What a compute is printed as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Kind {
    /// A bare Pod ([`ResolvedCompute::pod`]).
    #[default]
    Pod,
    /// A Job running the pod once ([`ResolvedCompute::job`]).
    Job,
    /// A Deployment of one replica ([`ResolvedCompute::deployment`]).
    Deployment,
}

/// What `kubectl apply -f -` takes to run a compute: the Secret manifests of its managed
/// secrets (with their values: this text is as secret as they are, and is wiped on drop),
/// then its pod, in one `v1` `List`.
pub fn compute(resolved: &ResolvedCompute, format: Format) -> Result<Zeroizing<String>> {
    compute_as(resolved, Kind::Pod, true, format)
}

/// The compute as a `kind` object in a `v1` `List`, after the Secret manifests of its managed
/// secrets when `with_secrets` (leave them out once they are in the cluster: `kubectl apply`
/// would copy their values into its last-applied-configuration annotation).
pub fn compute_as(
    resolved: &ResolvedCompute,
    kind: Kind,
    with_secrets: bool,
    format: Format,
) -> Result<Zeroizing<String>> {
    let manifests: Vec<ObjectGuard> = if with_secrets {
        let manifests = resolved.secret_manifests();
        manifests.into_iter().map(ObjectGuard::new).collect()
    } else {
        Vec::new()
    };
    let workload = match kind {
        Kind::Pod => object(&resolved.pod()),
        Kind::Job => object(&resolved.job()),
        Kind::Deployment => object(&resolved.deployment()),
    };
    let items = manifests
        .iter()
        .map(|m| object(&**m))
        .chain(std::iter::once(workload))
        .collect::<Result<Vec<_>>>();
    Ok(Zeroizing::new(to_string(&list(items?), format)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_print_sorted_like_kubectl() {
        let v =
            object(&serde_json::json!({"kind": "Secret", "apiVersion": "v1", "x": null})).unwrap();
        assert_eq!(
            json(&v).unwrap(),
            "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Secret\"\n}\n"
        );
        let l = list(vec![v]);
        let y = to_string(&l, Format::Yaml).unwrap();
        assert!(
            y.starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Secret\nkind: List\n"),
            "{y}"
        );
    }
}
