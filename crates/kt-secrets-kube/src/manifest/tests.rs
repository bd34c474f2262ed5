//! [`super`]'s encoding, decoding and limits, each on the objects kubetorch writes and reads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::{Mount, Origin, Resolved, Secret};

use super::encode::file_layout;
use super::*;
use crate::error::{Error, Result};

fn ssh_like() -> Secret {
    let mut r = Resolved::new();
    r.add_file(
        "id_rsa",
        "PRIVATE",
        Origin::File(PathBuf::from("/home/me/.ssh/id_rsa")),
        "~/.ssh/id_rsa",
        0o400,
    )
    .unwrap();
    r.add_file(
        "id_rsa.pub",
        "PUBLIC",
        Origin::File(PathBuf::from("/home/me/.ssh/id_rsa.pub")),
        "~/.ssh/id_rsa.pub",
        0o644,
    )
    .unwrap();
    Secret::from_parts("ssh", Some("ssh".to_owned()), r).unwrap()
}

fn env_like() -> Secret {
    let mut r = Resolved::new();
    r.add_env(
        "OPENAI_API_KEY",
        "sk-x",
        Origin::Env("OPENAI_API_KEY".to_owned()),
    )
    .unwrap();
    Secret::from_parts("openai", Some("openai".to_owned()), r).unwrap()
}

fn labels(m: &KubeSecret) -> &BTreeMap<String, String> {
    m.metadata.labels.as_ref().unwrap()
}

fn annotations(m: &KubeSecret) -> &BTreeMap<String, String> {
    m.metadata.annotations.as_ref().unwrap()
}

#[test]
fn object_names() {
    assert_eq!(object_name("aws", "global"), "kt.secret.global.aws");
    assert_eq!(object_name("aws", "alice"), "kt.secret.alice.aws");
    assert_eq!(
        object_name("kt.secret.alice.aws", "alice"),
        "kt.secret.alice.aws"
    );
    assert_eq!(
        object_name("kt.secret.bob.aws", "alice"),
        "kt.secret.alice.kt.secret.bob.aws"
    );
    assert_eq!(owner_from(None), "global");
    assert_eq!(owner_from(Some(" ")), "global");
    assert_eq!(owner_from(Some("alice")), "alice");
}

#[test]
fn file_secret_manifest_is_kubetorch_compatible() {
    // A user's provider secret is `<user>-<provider>`, as Kubetorch 0.5.1 names it.
    let m = to_manifest(&ssh_like().with_override_existing(true), "alice");
    assert_eq!(m.metadata.name.as_deref(), Some("alice-ssh"));
    assert_eq!(m.type_.as_deref(), Some("Opaque"));
    let l = labels(&m);
    assert_eq!(l[LABEL_MOUNT_TYPE], "volume");
    assert_eq!(l[LABEL_SECRET_NAME], "alice-ssh");
    assert_eq!(l[LABEL_PROVIDER], "ssh");
    assert_eq!(l[LABEL_USERNAME], "alice");
    let a = annotations(&m);
    assert_eq!(a[ANNOTATION_OVERRIDE], "True");
    assert_eq!(a[ANNOTATION_SECRET_PATH], "~/.ssh");
    assert_eq!(
        a[ANNOTATION_SECRET_FILENAMES],
        r#"["id_rsa", "id_rsa.pub"]"#
    );
    let mounts: Vec<Mount> = serde_json::from_str(&a[ANNOTATION_MOUNTS]).unwrap();
    assert_eq!(mounts, ssh_like().mounts());
    assert_eq!(a[ANNOTATION_CONTENT_HASH], ssh_like().data().content_hash());
    let data = m.data.as_ref().unwrap();
    assert_eq!(data["id_rsa"].0, b"PRIVATE");
    assert_eq!(data["id_rsa.pub"].0, b"PUBLIC");
}

#[test]
fn env_secret_manifest_of_the_global_owner() {
    let m = to_manifest(&env_like(), GLOBAL_OWNER);
    assert_eq!(m.metadata.name.as_deref(), Some("kt.secret.global.openai"));
    let l = labels(&m);
    assert_eq!(l[LABEL_MOUNT_TYPE], "env");
    assert!(
        !l.contains_key(LABEL_USERNAME),
        "kubetorch sets it only for a user"
    );
    let a = annotations(&m);
    assert_eq!(a[ANNOTATION_OVERRIDE], "False");
    assert!(!a.contains_key(ANNOTATION_SECRET_PATH));
    assert!(!a.contains_key(ANNOTATION_SECRET_FILENAMES));
    assert!(m.metadata.namespace.is_none());
    let m = to_manifest(&env_like().with_namespace("team"), GLOBAL_OWNER);
    assert_eq!(m.metadata.namespace.as_deref(), Some("team"));
}

#[test]
fn no_value_in_metadata() {
    let s = Secret::from_values("v", [("TOKEN", "canary-3f9a")]).unwrap();
    let m = to_manifest(&s, "global");
    let meta = serde_json::to_string(&m.metadata).unwrap();
    assert!(!meta.contains("canary-3f9a"));
}

#[test]
fn layout_of_nested_and_scattered_files() {
    let files = |paths: &[&str]| -> Vec<Mount> {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| Mount::file(format!("k{i}"), *p, 0o600))
            .collect()
    };
    assert_eq!(
        file_layout(&files(&["/secrets/n/a", "/secrets/n/d/b"])),
        Some((
            "/secrets/n".to_owned(),
            vec!["a".to_owned(), "d/b".to_owned()]
        ))
    );
    assert_eq!(
        file_layout(&files(&["~/.aws/credentials", "~/.aws/config"]))
            .unwrap()
            .0,
        "~/.aws"
    );
    assert_eq!(file_layout(&files(&["/a/x", "/b/y"])), None);
    assert_eq!(file_layout(&files(&[])), None);
}

#[test]
fn round_trip_restores_the_secret() {
    for s in [
        ssh_like()
            .with_override_existing(true)
            .with_namespace("ns1"),
        env_like().with_namespace("ns1"),
    ] {
        let mut m = to_manifest(&s, GLOBAL_OWNER);
        m.metadata.namespace = Some("ns1".to_owned());
        assert_eq!(from_manifest(&m).unwrap(), s);
        // A user's provider secret comes back under Kubetorch's name, in the same object.
        let mut m = to_manifest(&s, "alice");
        m.metadata.namespace = Some("ns1".to_owned());
        let back = from_manifest(&m).unwrap();
        assert_eq!(back.name(), format!("alice-{}", s.name()));
        assert_eq!(object_name_of(&back, "alice"), object_name_of(&s, "alice"));
        assert_eq!(back.data(), s.data());
    }
}

#[test]
fn names_as_kubetorch_0_5_1_writes_them() {
    // kubernetes_secrets_client.py `_format_secret_name`: a name containing the user (a
    // substring) is the object name as it is.
    assert_eq!(object_name("alice-db", "alice"), "alice-db");
    assert_eq!(object_name("metal", "al"), "metal");
    assert_eq!(object_name("global-x", GLOBAL_OWNER), "global-x");
    assert_eq!(kubetorch_name(&env_like(), GLOBAL_OWNER), "openai");
    assert_eq!(
        object_name_of(&env_like(), GLOBAL_OWNER),
        "kt.secret.global.openai"
    );
    assert_eq!(object_name_of(&env_like(), "alice"), "alice-openai");
    let renamed = env_like().with_name("keys").unwrap();
    assert_eq!(object_name_of(&renamed, "alice"), "kt.secret.alice.keys");
}

#[test]
fn foreign_object_mounts_env_names_as_env_and_the_rest_as_files() {
    let mut obj = KubeSecret::default();
    obj.metadata.name = Some("db-creds".to_owned());
    obj.metadata.namespace = Some("apps".to_owned());
    obj.data = Some(
        [
            ("DB_PASSWORD", &b"pw"[..]),
            ("ca.crt", &b"CERT"[..]),
            ("tls-key", &b"\x00\xff"[..]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), ByteString(v.to_vec())))
        .collect(),
    );
    let s = from_manifest(&obj).unwrap();
    assert_eq!(s.name(), "db-creds");
    assert_eq!(s.namespace(), Some("apps"));
    assert_eq!(s.provider(), None);
    assert!(!s.override_existing());
    assert_eq!(
        s.mounts(),
        [
            Mount::env("DB_PASSWORD", "DB_PASSWORD"),
            Mount::file("ca.crt", "/secrets/db-creds/ca.crt", 0o644),
            Mount::file("tls-key", "/secrets/db-creds/tls-key", 0o644),
        ]
    );
    assert_eq!(s.data().get("tls-key").unwrap().expose(), b"\x00\xff");
    assert_eq!(
        s.origins()["ca.crt"],
        Origin::Kubernetes("apps/db-creds".to_owned())
    );
}

#[test]
fn object_written_by_python_kubetorch() {
    let mut obj = KubeSecret::default();
    obj.metadata.name = Some("kt.secret.global.aws".to_owned());
    obj.metadata.labels = Some(
        [
            (LABEL_MOUNT_TYPE, "volume"),
            (LABEL_SECRET_NAME, "aws"),
            (LABEL_PROVIDER, "aws"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    );
    obj.metadata.annotations = Some(
        [
            (ANNOTATION_OVERRIDE, "True"),
            (ANNOTATION_SECRET_PATH, "~/.aws"),
            (ANNOTATION_SECRET_FILENAMES, r#"["credentials", "config"]"#),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    );
    obj.data = Some(
        ["credentials", "config"]
            .into_iter()
            .map(|k| (k.to_owned(), ByteString(b"x".to_vec())))
            .collect(),
    );
    let s = from_manifest(&obj).unwrap();
    assert_eq!(s.name(), "aws");
    assert_eq!(s.provider(), Some("aws"));
    assert!(s.override_existing());
    assert_eq!(
        s.mounts(),
        [
            Mount::file("config", "~/.aws/config", 0o644),
            Mount::file("credentials", "~/.aws/credentials", 0o644),
        ]
    );

    // A single-file secret: no file names, the path names the file.
    let a = obj.metadata.annotations.as_mut().unwrap();
    a.insert(
        ANNOTATION_SECRET_PATH.to_owned(),
        "~/.aws/credentials".to_owned(),
    );
    a.insert(ANNOTATION_SECRET_FILENAMES.to_owned(), "null".to_owned());
    let s = from_manifest(&obj).unwrap();
    assert_eq!(
        s.mounts()[1],
        Mount::file("credentials", "~/.aws/credentials", 0o644)
    );
}

#[test]
fn corrupt_mount_annotation_names_the_object() {
    let mut m = to_manifest(&env_like(), "global");
    m.metadata
        .annotations
        .as_mut()
        .unwrap()
        .insert(ANNOTATION_MOUNTS.to_owned(), "{not json".to_owned());
    let e = from_manifest(&m).unwrap_err().to_string();
    assert!(
        e.contains("kt.secret.global.openai") && e.contains(ANNOTATION_MOUNTS),
        "{e}"
    );
}

#[test]
fn validation() {
    let ok = env_like();
    validate(&ok, "global", "default").unwrap();
    let invalid = |r: Result<()>, needle: &str| {
        let e = r.unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(needle), "{msg} should mention {needle}");
        assert!(msg.contains("nothing was sent"), "{msg}");
    };
    invalid(validate(&ok, "global", "Bad_NS"), "namespace \"Bad_NS\"");
    invalid(validate(&ok, "global", &"n".repeat(64)), "namespace");
    invalid(validate(&ok, "Alice", "default"), "owner");
    invalid(validate(&ok, "al.ice", "default"), "owner");
    // The object name exceeds 253 characters although the secret name alone does not.
    let long = Secret::from_values(&"a".repeat(250), [("K", "v")]).unwrap();
    invalid(validate(&long, "global", "default"), "object name");
    // Fits the object name but not the secret-name label.
    let long = Secret::from_values(&"b".repeat(64), [("K", "v")]).unwrap();
    invalid(validate(&long, "global", "default"), LABEL_SECRET_NAME);
    let big = Secret::from_values("big", [("K", vec![0u8; MAX_DATA_SIZE + 1])]).unwrap();
    let e = validate(&big, "global", "default").unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("1 MiB") && e.to_string().contains("nothing was sent"));
    // Exactly 1 MiB of values fits, whatever the keys take: the server counts values only.
    let fits = Secret::from_values(
        "fits",
        [
            ("K", vec![0u8; MAX_DATA_SIZE - 10]),
            (&"k".repeat(200), vec![0u8; 10]),
        ],
    )
    .unwrap();
    validate(&fits, "global", "default").unwrap();
}

#[test]
fn replacement_keeps_foreign_metadata_and_the_resource_version() {
    let mut existing = to_manifest(&ssh_like(), "global");
    existing.metadata.resource_version = Some("42".to_owned());
    existing
        .metadata
        .annotations
        .as_mut()
        .unwrap()
        .insert("other.tool/note".to_owned(), "keep".to_owned());
    let desired = to_manifest(&env_like().with_name("ssh").unwrap(), "global");
    assert!(!managed_metadata_matches(&existing, &desired));
    let r = replacement(&existing, &desired);
    assert_eq!(r.metadata.resource_version.as_deref(), Some("42"));
    assert_eq!(annotations(&r)["other.tool/note"], "keep");
    assert!(!annotations(&r).contains_key(ANNOTATION_SECRET_PATH));
    assert_eq!(labels(&r)[LABEL_MOUNT_TYPE], "env");
    assert_eq!(labels(&r)[LABEL_PROVIDER], "openai");
    assert_eq!(r.data, desired.data);
    assert!(managed_metadata_matches(&r, &desired));
}

#[test]
fn scrub_overwrites_values() {
    let mut m = to_manifest(&env_like(), "global");
    scrub(&mut m);
    assert!(m.data.unwrap().values().all(|v| v.0.is_empty()));
}
