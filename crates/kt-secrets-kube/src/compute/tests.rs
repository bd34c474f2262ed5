//! A compute's settings, its pod, Job and Deployment, and resolving without a store.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use kt_secrets_core::{Origin, Registry, ResolveContext, Resolved};

use super::*;
use crate::pod::{MountedSecret, Ownership};

fn env_secret(name: &str, var: &str) -> Secret {
    Secret::from_values(name, [(var, "canary-compute-value")]).unwrap()
}

fn file_secret(name: &str, path: &str) -> Secret {
    let mut r = Resolved::new();
    r.add_file("k", "canary-file-value", Origin::Literal, path, 0o600)
        .unwrap();
    Secret::from_parts(name, None, r).unwrap()
}

#[test]
fn quantities() {
    for ok in ["1", "0.5", "500m", "4Gi", "1e3", "+2", ".5", "1.5G"] {
        validate_quantity(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in ["", "-1", "one", "4GB", "1..2", "1e", "Gi"] {
        assert!(validate_quantity(bad).is_err(), "{bad}");
    }
}

#[test]
fn pod_has_resources_env_and_mounts() {
    let c = Compute::new()
        .name("train")
        .cpus("2")
        .memory("8Gi")
        .gpus(1)
        .image("my/image:1")
        .with_namespace("ml")
        .env_var("HF_HOME", "/cache/huggingface");
    let secrets = vec![
        MountedSecret::managed(env_secret("hf", "HF_TOKEN"), "global"),
        MountedSecret::managed(file_secret("cfg", "~/.cfg"), "global"),
    ];
    let r = ResolvedCompute::new(c, secrets).unwrap();
    let pod = r.pod();
    assert_eq!(pod.metadata.name.as_deref(), Some("train"));
    assert_eq!(pod.metadata.namespace.as_deref(), Some("ml"));
    let spec = pod.spec.unwrap();
    let ctr = &spec.containers[0];
    assert_eq!(ctr.image.as_deref(), Some("my/image:1"));
    let res = ctr.resources.as_ref().unwrap();
    assert_eq!(res.requests.as_ref().unwrap()["cpu"].0, "2");
    assert_eq!(res.requests.as_ref().unwrap()["memory"].0, "8Gi");
    assert_eq!(res.limits.as_ref().unwrap()[GPU_RESOURCE].0, "1");
    let env: Vec<_> = ctr
        .env
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(env, vec!["HF_HOME", "HF_TOKEN"]);
    assert_eq!(
        ctr.volume_mounts.as_ref().unwrap()[0].mount_path,
        "/root/.cfg"
    );
    // The managed secrets land in the compute's namespace.
    let manifests = r.secret_manifests();
    assert_eq!(manifests.len(), 2);
    assert!(
        manifests
            .iter()
            .all(|m| m.metadata.namespace.as_deref() == Some("ml"))
    );
    let json = serde_json::to_string(&pod.metadata).unwrap();
    assert!(!json.contains("canary"), "{json}");
}

#[test]
fn template_hash_changes_with_the_secret() {
    let render = |v: &str| {
        let s = Secret::from_values("k", [("API_KEY", v)]).unwrap();
        ResolvedCompute::new(Compute::new(), vec![MountedSecret::managed(s, "global")])
            .unwrap()
            .pod_template()
    };
    let a = render("one");
    let b = render("two");
    let ann = |t: &PodTemplateSpec| {
        t.metadata.as_ref().unwrap().annotations.as_ref().unwrap()[SECRET_HASHES_ANNOTATION].clone()
    };
    assert_ne!(ann(&a), ann(&b));
    assert_eq!(ann(&a), ann(&render("one")));
    let map: BTreeMap<String, String> = serde_json::from_str(&ann(&a)).unwrap();
    assert_eq!(map.keys().collect::<Vec<_>>(), vec!["kt.secret.global.k"]);
    assert_eq!(a.spec, b.spec);
}

#[test]
fn jobs_and_deployments_carry_the_pod() {
    let s = env_secret("hf", "HF_TOKEN");
    let r = ResolvedCompute::new(
        Compute::new().name("train").with_namespace("ml"),
        vec![MountedSecret::managed(s, "global")],
    )
    .unwrap();
    let job = r.job();
    assert_eq!(job.metadata.name.as_deref(), Some("train"));
    assert_eq!(job.metadata.namespace.as_deref(), Some("ml"));
    let t = job.spec.unwrap().template;
    let meta = t.metadata.unwrap();
    assert!(meta.name.is_none() && meta.namespace.is_none());
    assert!(
        meta.annotations
            .unwrap()
            .contains_key(SECRET_HASHES_ANNOTATION)
    );
    let spec = t.spec.unwrap();
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(spec.containers[0].env.as_ref().unwrap()[0].name, "HF_TOKEN");

    let d = r.deployment();
    let ds = d.spec.unwrap();
    let selected = ds.selector.match_labels.unwrap();
    let labels = ds.template.metadata.unwrap().labels.unwrap();
    assert!(selected.iter().all(|(k, v)| labels.get(k) == Some(v)));
    assert_eq!(ds.template.spec.unwrap().restart_policy, None);
}

#[test]
fn namespace_rules() {
    let s = env_secret("a", "A").with_namespace("other");
    let e = ResolvedCompute::new(
        Compute::new().with_namespace("ml"),
        vec![MountedSecret::managed(s.clone(), "global")],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("\"a\"") && e.contains("\"other\"") && e.contains("\"ml\""),
        "{e}"
    );
    let e = ResolvedCompute::new(Compute::new(), vec![MountedSecret::managed(s, "global")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("names no namespace"), "{e}");
    let same = env_secret("b", "B").with_namespace("ml");
    ResolvedCompute::new(
        Compute::new().with_namespace("ml"),
        vec![MountedSecret::managed(same, "global")],
    )
    .unwrap();
}

#[test]
fn bad_settings_are_named() {
    for (c, field) in [
        (Compute::new().cpus("lots"), "cpus"),
        (Compute::new().memory("4GB"), "memory"),
        (Compute::new().name("Bad_Name"), "pod name"),
        (Compute::new().with_namespace("a.b"), "namespace"),
        (Compute::new().image(""), "image"),
        (
            Compute::new().with_container_home("relative"),
            "container home",
        ),
        (Compute::new().env_var("1BAD", "x"), "1BAD"),
    ] {
        let e = ResolvedCompute::new(c, vec![]).unwrap_err().to_string();
        assert!(e.contains(field), "{field}: {e}");
    }
}

#[test]
fn compute_env_clashes_with_a_secret() {
    let e = ResolvedCompute::new(
        Compute::new().env_var("HF_TOKEN", "plain"),
        vec![MountedSecret::managed(
            env_secret("hf", "HF_TOKEN"),
            "global",
        )],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("HF_TOKEN") && e.contains("env_vars") && e.contains("\"hf\""),
        "{e}"
    );
}

#[test]
fn debug_hides_env_values() {
    let c = Compute::new()
        .env_var("TOKENISH", "canary-debug-value")
        .secret(env_secret("x", "X"));
    let d = format!("{c:?}");
    assert!(d.contains("TOKENISH") && !d.contains("canary"), "{d}");
}

#[tokio::test]
async fn resolve_without_a_store() {
    let registry = Registry::empty();
    let ctx = ResolveContext::new("/nonexistent");
    let c = Compute::new()
        .secret(env_secret("given", "GIVEN"))
        .secret("not-a-provider");
    let e = c.resolve(&registry, &ctx, None).await.unwrap_err();
    assert!(
        matches!(e, ComputeError::NeedsCluster { ref name, .. } if name == "not-a-provider"),
        "{e}"
    );
    let ok = Compute::new()
        .secret(env_secret("given", "GIVEN"))
        .resolve(&registry, &ctx, None)
        .await
        .unwrap();
    assert_eq!(ok.secrets()[0].ownership, Ownership::Managed);
    assert_eq!(ok.secrets()[0].object_name, "kt.secret.global.given");
}
