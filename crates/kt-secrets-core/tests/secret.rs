//! The `Secret` constructors and builder, their errors, and that no value ever shows.

use std::path::Path;

use kt_secrets_core::shapes::{Declared, FileShape, FileSpec, Shape};
use kt_secrets_core::{
    Error, Mount, Origin, ProviderOrigin, Registry, ResolveContext, Secret, SecretData,
};

const CANARY: &str = "canary-3c9d1e-never-print-me";

fn ctx(home: &Path) -> ResolveContext {
    ResolveContext::new(home)
}

/// A provider whose default directory is `~/.demo`, to test `from_path` dispatch.
const DEMO: Declared = Declared {
    name: "demo",
    description: "demo files",
    shapes: &[Shape::Files(FileShape {
        dir: ".demo",
        dir_env: &[],
        files: &[FileSpec {
            name: "token",
            key: "token",
            env: None,
            target: "~/.demo/token",
            mode: 0o600,
            primary: true,
        }],
        path_envs: &[],
    })],
};

fn demo_registry() -> Registry {
    let mut r = Registry::empty();
    r.add(
        std::sync::Arc::new(DEMO),
        ProviderOrigin::Static {
            crate_name: "test".into(),
        },
    )
    .unwrap();
    r
}

fn assert_no_canary(s: &str) {
    assert!(!s.contains(CANARY), "value leaked into: {s}");
}

#[test]
fn from_values_mounts_env_names_as_env_and_others_as_files() {
    let s = Secret::from_values(
        "manual_secret",
        [("password", CANARY), ("config.json", "{}")],
    )
    .unwrap();
    assert_eq!(s.name(), "manual-secret");
    assert_eq!(
        s.data().get("password").unwrap().expose(),
        CANARY.as_bytes()
    );
    assert!(s.mounts().contains(&Mount::env("password", "password")));
    assert!(s.mounts().contains(&Mount::file(
        "config.json",
        "/secrets/manual-secret/config.json",
        0o644
    )));
    assert_eq!(s.origins()["password"], Origin::Literal);
    assert_eq!(s.mount_type(), "volume");
    assert_no_canary(&format!("{s:?}"));
    assert_no_canary(&s.to_string());
    assert_no_canary(&format!("{:?}", s.data()));
    assert_no_canary(&s.data().to_string());
}

#[test]
fn from_env_maps_secret_key_to_local_var() {
    let home = tempfile::tempdir().unwrap();
    let c = ctx(home.path()).with_env("LOCAL_API_KEY_VAR", CANARY);
    let s = Secret::from_env_in(&c, "my-api-key", [("API_KEY", "LOCAL_API_KEY_VAR")]).unwrap();
    assert_eq!(s.data().get("API_KEY").unwrap().expose(), CANARY.as_bytes());
    assert_eq!(s.mounts(), &[Mount::env("API_KEY", "API_KEY")]);
    assert_eq!(
        s.origins()["API_KEY"],
        Origin::Env("LOCAL_API_KEY_VAR".into())
    );
    assert_eq!(s.mount_type(), "env");
}

#[test]
fn from_env_errors_name_the_variable() {
    let home = tempfile::tempdir().unwrap();
    let c = ctx(home.path()).with_env("EMPTY", "");
    let e = Secret::from_env_in(&c, "x", [("API_KEY", "UNSET_VAR")]).unwrap_err();
    assert!(matches!(e, Error::EnvUnset { .. }));
    assert!(e.to_string().contains("UNSET_VAR"), "{e}");
    let e = Secret::from_env_in(&c, "x", [("API_KEY", "EMPTY")]).unwrap_err();
    assert!(matches!(e, Error::EnvEmpty { .. }));
    assert!(e.to_string().contains("EMPTY"), "{e}");
    let e = Secret::from_env_in(&c, "x", [("not-an-env-var", "EMPTY")]).unwrap_err();
    assert!(e.to_string().contains("not-an-env-var"), "{e}");
    // A value given where the local var's name goes is not repeated.
    let e = Secret::from_env_in(&c, "x", [("API_KEY", "sk-canary-env-name")]).unwrap_err();
    assert!(matches!(e, Error::EnvNameWithheld { .. }), "{e}");
    assert!(
        e.to_string().contains("API_KEY") && !e.to_string().contains("canary"),
        "{e}"
    );
    // A set var is read whatever its name.
    let c = c.with_env("odd-name", "v");
    Secret::from_env_in(&c, "x", [("API_KEY", "odd-name")]).unwrap();
}

#[test]
fn bad_names_and_keys_are_refused() {
    for bad in [
        "",
        "UPPER",
        "-lead",
        "trail-",
        "sp ace",
        "a/b",
        &"a".repeat(254),
    ] {
        let e = Secret::from_values(bad, [("k", "v")]).unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "{bad:?}: {e}");
    }
    let e = Secret::from_values("ok", [("bad/key", CANARY)]).unwrap_err();
    assert!(matches!(e, Error::InvalidKey { .. }), "{e}");
    assert!(e.to_string().contains("bad/key"));
    assert_no_canary(&e.to_string());
    assert_no_canary(&format!("{e:?}"));
    let mut d = SecretData::new();
    assert!(d.insert("", CANARY).is_err());
}

#[tokio::test]
async fn from_path_reads_a_binary_file_unchanged() {
    let home = tempfile::tempdir().unwrap();
    let all: Vec<u8> = (0..=255u8).collect();
    let f = home.path().join("blob.bin");
    std::fs::write(&f, &all).unwrap();
    let s = Secret::from_path_in(&Registry::empty(), &ctx(home.path()), &f, Some("blob"))
        .await
        .unwrap();
    assert_eq!(s.data().get("blob.bin").unwrap().expose(), &all[..]);
    assert_eq!(s.mounts().len(), 1);
    let Mount::File { path, .. } = &s.mounts()[0] else {
        panic!("{:?}", s.mounts())
    };
    assert_eq!(path, "/secrets/blob/blob.bin");
    assert_eq!(s.origins()["blob.bin"], Origin::File(f));
}

#[tokio::test]
async fn from_path_of_a_directory_mounts_each_file_under_secrets_name() {
    let home = tempfile::tempdir().unwrap();
    let d = home.path().join("app");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("config.json"), "{}").unwrap();
    std::fs::write(d.join("sub/token"), CANARY).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("sub/token"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
    }
    let s = Secret::from_path_in(
        &Registry::empty(),
        &ctx(home.path()),
        &d,
        Some("app-config"),
    )
    .await
    .unwrap();
    let keys: Vec<&str> = s.data().keys().collect();
    assert_eq!(keys, ["config.json", "sub__token"]);
    assert!(s.mounts().contains(&Mount::file(
        "sub__token",
        "/secrets/app-config/sub/token",
        0o600
    )));
    assert_no_canary(&format!("{s:?}"));
}

#[tokio::test]
async fn from_path_errors() {
    let home = tempfile::tempdir().unwrap();
    let c = ctx(home.path());
    let r = Registry::empty();
    let missing = home.path().join("missing.json");
    let e = Secret::from_path_in(&r, &c, &missing, Some("x"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::FileNotFound { .. }), "{e}");
    assert!(e.to_string().contains("missing.json"));

    let f = home.path().join("f");
    std::fs::write(&f, "v").unwrap();
    let e = Secret::from_path_in(&r, &c, &f, None).await.unwrap_err();
    assert!(matches!(e, Error::NameRequired { .. }), "{e}");

    let empty = home.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = Secret::from_path_in(&r, &c, &empty, Some("x"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

/// A FIFO given as the path, inside the directory given, or in a provider's default
/// directory: an error naming it, not a read that waits forever for a writer.
#[cfg(unix)]
#[test]
fn from_path_refuses_special_files() {
    use kt_secrets_testkit::special::{mkfifo, within_seconds};
    let home = tempfile::tempdir().unwrap();
    let tree = home.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a"), CANARY).unwrap();
    let inner = mkfifo(&tree, "b.fifo");
    let given = mkfifo(home.path(), "given.fifo");
    std::fs::create_dir(home.path().join(".demo")).unwrap();
    let token = mkfifo(&home.path().join(".demo"), "token");
    let root = home.path().to_path_buf();
    let errors = within_seconds(30, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let c = ctx(&root);
        let r = demo_registry();
        [
            rt.block_on(Secret::from_path_in(&r, &c, &given, Some("x"))),
            rt.block_on(Secret::from_path_in(&r, &c, &root.join("tree"), Some("x"))),
            rt.block_on(Secret::from_path_in(&r, &c, Path::new("~/.demo"), None)),
        ]
        .map(|r| r.unwrap_err())
    });
    for (e, path) in errors
        .iter()
        .zip([&home.path().join("given.fifo"), &inner, &token])
    {
        assert!(matches!(e, Error::SpecialFile { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            format!(
                "{} is a FIFO (named pipe), not a regular file; it was not read",
                path.display()
            )
        );
        assert_no_canary(&format!("{e:?}"));
    }
}

#[tokio::test]
async fn from_path_of_a_providers_default_dir_is_that_provider() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".demo")).unwrap();
    std::fs::write(home.path().join(".demo/token"), CANARY).unwrap();
    let s = Secret::from_path_in(
        &demo_registry(),
        &ctx(home.path()),
        Path::new("~/.demo"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(s.name(), "demo");
    assert_eq!(s.provider(), Some("demo"));
    assert_eq!(s.mounts(), &[Mount::file("token", "~/.demo/token", 0o600)]);
}

#[tokio::test]
async fn builder_needs_exactly_one_source() {
    let home = tempfile::tempdir().unwrap();
    let e = Secret::builder()
        .name("x")
        .context(ctx(home.path()))
        .registry(Registry::empty())
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NoSource { .. }), "{e}");

    let e = Secret::builder()
        .name("x")
        .values([("a", CANARY)])
        .env_vars([("A", "B")])
        .context(ctx(home.path()))
        .registry(Registry::empty())
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::MultipleSources { .. }), "{e}");
    assert!(e.to_string().contains("values + env_vars"), "{e}");
    assert_no_canary(&e.to_string());

    let e = Secret::builder()
        .provider("demo")
        .values([("a", "b")])
        .context(ctx(home.path()))
        .registry(demo_registry())
        .build()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("provider + values"), "{e}");
}

#[tokio::test]
async fn builder_builds_each_kind_with_override_and_namespace() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".demo")).unwrap();
    std::fs::write(home.path().join(".demo/token"), "t").unwrap();
    let other = home.path().join("elsewhere");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("token"), "other").unwrap();
    let c = ctx(home.path()).with_env("LOCAL", "v");

    let s = Secret::builder()
        .values([("A", "1")])
        .name("vals")
        .override_existing(true)
        .namespace("team")
        .context(c.clone())
        .registry(Registry::empty())
        .build()
        .await
        .unwrap();
    assert!(s.override_existing());
    assert_eq!(s.namespace(), Some("team"));

    let s = Secret::builder()
        .env_vars([("API_KEY", "LOCAL")])
        .name("envs")
        .context(c.clone())
        .registry(Registry::empty())
        .build()
        .await
        .unwrap();
    assert_eq!(s.data().get("API_KEY").unwrap().expose(), b"v");

    let s = Secret::builder()
        .provider("demo")
        .context(c.clone())
        .registry(demo_registry())
        .build()
        .await
        .unwrap();
    assert_eq!(s.data().get("token").unwrap().expose(), b"t");

    // provider + path: the provider reads that directory instead of its default one.
    let s = Secret::builder()
        .provider("demo")
        .path(&other)
        .name("demo-other")
        .context(c.clone())
        .registry(demo_registry())
        .build()
        .await
        .unwrap();
    assert_eq!(s.data().get("token").unwrap().expose(), b"other");
    assert_eq!(s.name(), "demo-other");

    let e = Secret::builder()
        .values([("A", "1")])
        .context(c)
        .registry(Registry::empty())
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NameRequired { .. }), "{e}");
}

#[tokio::test]
async fn unknown_and_duplicate_providers() {
    let home = tempfile::tempdir().unwrap();
    let e = Secret::from_provider_in(&demo_registry(), &ctx(home.path()), "nope", None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::UnknownProvider { .. }));
    assert!(e.to_string().contains("known providers: demo"), "{e}");

    let mut r = demo_registry();
    let e = r
        .add(
            std::sync::Arc::new(DEMO),
            ProviderOrigin::Dynamic {
                path: "/plugins/libdemo.so".into(),
            },
        )
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("crate test") && msg.contains("/plugins/libdemo.so"),
        "{msg}"
    );

    let e = Secret::from_provider_in(&demo_registry(), &ctx(home.path()), "demo", None)
        .await
        .unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    assert!(e.to_string().contains(".demo/token"), "{e}");
}

#[tokio::test]
async fn a_file_where_a_file_is_expected_but_a_directory_is_found() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".demo/token")).unwrap();
    let e = Secret::from_provider_in(&demo_registry(), &ctx(home.path()), "demo", None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::IsADirectory { .. }), "{e}");
    assert!(e.to_string().contains(".demo/token"), "{e}");
}

#[test]
fn two_mounts_claiming_one_path_are_refused() {
    let mut r = kt_secrets_core::Resolved::new();
    r.add_file("a", "1", Origin::Literal, "/x/f", 0o600)
        .unwrap();
    r.add_file("b", "2", Origin::Literal, "/x/f", 0o600)
        .unwrap();
    let e = Secret::from_parts("s", None, r).unwrap_err();
    assert!(e.to_string().contains("/x/f"), "{e}");
}

#[tokio::test]
async fn found_leaves_out_providers_that_find_nothing_and_stops_at_broken_ones() {
    let home = tempfile::tempdir().unwrap();
    let r = demo_registry();
    let c = ctx(home.path());
    let found = r.found(&c, &[] as &[&str]).await.unwrap();
    assert!(found.secrets.is_empty());
    assert_eq!(found.missing, ["demo"]);

    std::fs::create_dir_all(home.path().join(".demo/token")).unwrap();
    let e = r.found(&c, &[] as &[&str]).await.unwrap_err();
    assert_eq!(e.provider, "demo");
    assert!(!e.error.is_nothing_found(), "{}", e.error);
    std::fs::remove_dir(home.path().join(".demo/token")).unwrap();

    std::fs::write(home.path().join(".demo/token"), CANARY).unwrap();
    let found = r.found(&c, &[] as &[&str]).await.unwrap();
    assert_eq!(found.secrets.len(), 1);
    assert_eq!(found.secrets[0].name(), "demo");
    assert!(found.missing.is_empty());
    assert_no_canary(&format!("{found:?}"));

    let skipped = r.found(&c, &["demo".to_owned()]).await.unwrap();
    assert!(skipped.secrets.is_empty() && skipped.missing.is_empty());
}
