//! Container views: files, modes, env and paths as rendered, commands run in them, their
//! removal, and the rendering mistakes and paths they refuse.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::Pod;
use kt_secrets_core::{ResolveContext, Secret, SecretValue};

use super::env::expand_refs;
use super::materialize::DIR_MODE;
use super::*;
use crate::Compute;
use crate::compute::ResolvedCompute;
use crate::pod::MountedSecret;
use kt_secrets_core::{Mount, Origin, Resolved};

const CANARY: &str = "canary-view-5e1d";

fn secret(
    name: &str,
    files: &[(&str, &str, u32)],
    envs: &[&str],
    paths: &[(&str, &str)],
) -> Secret {
    let mut r = Resolved::new();
    for (key, path, mode) in files {
        r.add_file(key, format!("{CANARY}-{key}"), Origin::Literal, path, *mode)
            .unwrap();
    }
    for var in envs {
        r.add_env(var, format!("{CANARY}-{var}"), Origin::Literal)
            .unwrap();
    }
    for (var, path) in paths {
        r.mounts.push(Mount::path_env(*var, *path));
    }
    Secret::from_parts(name, None, r).unwrap()
}

fn resolved(c: Compute, secrets: Vec<Secret>) -> ResolvedCompute {
    ResolvedCompute::new(
        c,
        secrets
            .into_iter()
            .map(|s| MountedSecret::managed(s, "global"))
            .collect(),
    )
    .unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn files_env_and_paths() {
    let r = resolved(
        Compute::new()
            .with_container_home("/home/dev")
            .env_var("PLAIN", "x")
            .env_var("CACHE", "/home/dev/.cache/hf")
            .env_var("ELSEWHERE", "/opt/tool")
            .env_var("KUBECONFIG_LIKE", "/home/dev/.kube/config:/etc/other")
            .env_var("RELATIVE", "~/.kube/config")
            .env_var("REF", "$(PLAIN)-$(NOPE)-$$(PLAIN)-$"),
        vec![secret(
            "kc",
            &[
                ("config", "~/.kube/config", 0o600),
                ("key.json", "/secrets/gcp/key.json", 0o400),
            ],
            &["API_TOKEN"],
            &[
                ("KUBECONFIG", "~/.kube/config"),
                ("GOOGLE_APPLICATION_CREDENTIALS", "/secrets/gcp/key.json"),
                ("SECRETS_DIR", "/secrets/gcp"),
            ],
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let v = r.materialize(dir.path()).unwrap();
    let root = dir.path();
    assert_eq!(v.home(), root.join("home/dev"));
    let kc = root.join("home/dev/.kube/config");
    let key = root.join("secrets/gcp/key.json");
    assert_eq!(
        std::fs::read_to_string(&kc).unwrap(),
        format!("{CANARY}-config")
    );
    assert_eq!(mode(&kc), 0o600);
    assert_eq!(mode(&key), 0o400);
    assert_eq!(mode(&root.join("secrets/gcp")), DIR_MODE);
    let env = |k: &str| v.env_var(k).unwrap().expose_str().unwrap().to_owned();
    assert_eq!(env("API_TOKEN"), format!("{CANARY}-API_TOKEN"));
    assert_eq!(env("PLAIN"), "x");
    // Env vars that name a mounted file name its copy in the live directory, which
    // holds the same bytes.
    let live = root.join("var/run/kt-secrets/kt.secret.global.kc");
    assert_eq!(env("KUBECONFIG"), live.join("config").display().to_string());
    assert_eq!(
        env("GOOGLE_APPLICATION_CREDENTIALS"),
        live.join("key.json").display().to_string()
    );
    assert_eq!(
        std::fs::read(live.join("config")).unwrap(),
        std::fs::read(&kc).unwrap()
    );
    assert_eq!(
        env("SECRETS_DIR"),
        root.join("secrets/gcp").display().to_string()
    );
    assert_eq!(
        env("CACHE"),
        root.join("home/dev/.cache/hf").display().to_string()
    );
    assert_eq!(env("ELSEWHERE"), "/opt/tool");
    assert_eq!(
        env("KUBECONFIG_LIKE"),
        format!("{}:{}", kc.display(), root.join("etc/other").display())
    );
    // Not a container path: `~` in an env value is not expanded by the kubelet.
    assert_eq!(env("RELATIVE"), "~/.kube/config");
    assert_eq!(env("REF"), "x-$(NOPE)-$(PLAIN)-$");
    assert_eq!(v.host_path("~/.kube/config"), kc);
    assert_eq!(
        v.files().len(),
        4,
        "each file at its path and in the live directory"
    );
    let d = format!("{v:?}");
    assert!(d.contains("API_TOKEN") && !d.contains(CANARY), "{d}");
}

#[test]
fn command_env_is_the_containers_and_the_kept_vars() {
    let r = resolved(Compute::new(), vec![secret("s", &[], &["API_TOKEN"], &[])]);
    let v = r.materialize_temp().unwrap();
    let caller = ResolveContext::new("/caller")
        .with_env("PATH", "/usr/bin:/bin")
        .with_env("AWS_PROFILE", "leaks")
        .with_env("KEEP_ME", "kept")
        .with_env("API_TOKEN", "caller-value");
    let cmd = v.command("env", &caller, &["KEEP_ME".to_owned(), "UNSET".to_owned()]);
    let envs: BTreeMap<String, Option<String>> = cmd
        .get_envs()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.map(|v| v.to_string_lossy().into_owned()),
            )
        })
        .collect();
    assert_eq!(
        envs.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["API_TOKEN", "HOME", "KEEP_ME", "PATH"]
    );
    assert_eq!(
        envs["API_TOKEN"].as_deref(),
        Some(format!("{CANARY}-API_TOKEN").as_str())
    );
    assert_eq!(envs["HOME"].as_deref(), v.home().to_str());
    let out = {
        let mut cmd = cmd;
        cmd.output().unwrap()
    };
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(!printed.contains("AWS_PROFILE"), "{printed}");
}

#[test]
fn temp_view_is_removed_on_drop_and_on_remove() {
    let r = resolved(
        Compute::new(),
        vec![secret("s", &[("k", "~/.a/k", 0o400)], &[], &[])],
    );
    let v = r.materialize_temp().unwrap();
    let root = v.root().to_path_buf();
    assert!(root.join("root/.a/k").is_file());
    assert_eq!(mode(&root), 0o700);
    drop(v);
    assert!(!root.exists());
    let v = r.materialize_temp().unwrap();
    let root = v.root().to_path_buf();
    // A command made a directory unwritable: removal still succeeds.
    std::fs::set_permissions(root.join("root/.a"), std::fs::Permissions::from_mode(0o500)).unwrap();
    v.remove().unwrap();
    assert!(!root.exists());
}

#[test]
fn refuses_a_dir_that_is_not_empty_and_writes_nothing() {
    let r = resolved(
        Compute::new(),
        vec![secret("s", &[("k", "~/.a/k", 0o600)], &[], &[])],
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "x").unwrap();
    let e = r.materialize(dir.path()).unwrap_err();
    assert!(matches!(e, ViewError::NotEmpty { .. }), "{e}");
    assert!(!dir.path().join("root").exists());
}

#[test]
fn a_rendering_mistake_is_an_error_naming_it() {
    // A pod whose env reads a key its secret lacks cannot start; neither can the view.
    let mut r = Resolved::new();
    r.add("present", CANARY, Origin::Literal).unwrap();
    r.mounts.push(Mount::env("WANTS", "present"));
    let s = Secret::from_parts("s", None, r).unwrap();
    let rc = resolved(Compute::new(), vec![s]);
    // The secret in the cluster lacks the key, as a stale Secret would.
    let stale = vec![MountedSecret::existing(
        Secret::from_values("s", [("OTHER", CANARY)]).unwrap(),
        rc.secrets()[0].object_name.clone(),
    )];
    let dir = tempfile::tempdir().unwrap();
    let e = materialize_pod(&rc.pod(), &stale, "/root", dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("WANTS") && e.contains("present") && !e.contains(CANARY),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let e = materialize_pod(&rc.pod(), &[], "/root", dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("kt.secret.global.s"), "{e}");
}

#[test]
fn directory_mounts_project_every_item_and_paths_stay_inside() {
    use k8s_openapi::api::core::v1::VolumeMount;
    let r = resolved(
        Compute::new(),
        vec![secret(
            "d",
            &[("a", "/secrets/d/a", 0o600), ("b", "/secrets/d/b", 0o644)],
            &[],
            &[],
        )],
    );
    // The same pod with the volume mounted whole, as a live-rotating mount would be.
    let mut pod = r.pod();
    let spec = pod.spec.as_mut().unwrap();
    let vol = spec.volumes.as_ref().unwrap()[0].name.clone();
    spec.containers[0].volume_mounts = Some(vec![VolumeMount {
        name: vol.clone(),
        mount_path: "/etc/d".to_owned(),
        ..Default::default()
    }]);
    let dir = tempfile::tempdir().unwrap();
    let v = materialize_pod(&pod, r.secrets(), "/root", dir.path()).unwrap();
    let got: Vec<_> = v
        .files()
        .iter()
        .map(|f| (f.container_path.as_str(), f.mode))
        .collect();
    assert_eq!(got, vec![("/etc/d/a", 0o600), ("/etc/d/b", 0o644)]);
    assert_eq!(mode(&dir.path().join("etc/d/a")), 0o600);
    drop(v);

    for bad in ["/etc/../../escape", "relative/x", "/a//b"] {
        spec_mount(&mut pod, &vol, bad);
        let dir = tempfile::tempdir().unwrap();
        let e = materialize_pod(&pod, r.secrets(), "/root", dir.path()).unwrap_err();
        assert!(matches!(e, ViewError::BadPath { .. }), "{bad}: {e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

fn spec_mount(pod: &mut Pod, vol: &str, path: &str) {
    use k8s_openapi::api::core::v1::VolumeMount;
    pod.spec.as_mut().unwrap().containers[0].volume_mounts = Some(vec![VolumeMount {
        name: vol.to_owned(),
        mount_path: path.to_owned(),
        sub_path: Some("a".to_owned()),
        ..Default::default()
    }]);
}

#[test]
fn a_symlink_in_the_way_is_not_followed() {
    let r = resolved(
        Compute::new(),
        vec![secret("s", &[("k", "/out/k", 0o600)], &[], &[])],
    );
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Not empty: refused before anything is written.
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
    assert!(r.materialize(dir.path()).is_err());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn expansion_like_the_kubelet() {
    let defined = vec![("A".to_owned(), SecretValue::from("1"), true)];
    let x = |s: &str| String::from_utf8(expand_refs(s, &defined)).unwrap();
    assert_eq!(x("$(A)"), "1");
    assert_eq!(x("$$(A)"), "$(A)");
    assert_eq!(x("$(B)"), "$(B)");
    assert_eq!(x("$A"), "$A");
    assert_eq!(x("$(A"), "$(A");
    assert_eq!(x("$(B$(A)"), "$(B$(A)");
    assert_eq!(x("$(x$(A)"), "$(x$(A)");
    assert_eq!(x("$"), "$");
    assert_eq!(x("a$$b"), "a$b");
}
