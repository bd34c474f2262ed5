//! The pod mounts of secrets: env vars, items, modes, live directories, clashes and names.

use std::collections::BTreeSet;

use kt_secrets_core::{Mount, Origin, Resolved};

use super::planner::MAX_VOLUME_NAME;
use super::*;

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
