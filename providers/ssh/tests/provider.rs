//! Which identities the ssh provider takes from `~/.ssh`, and how each is mounted.

use std::path::Path;

use kt_provider_ssh::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::ssh;

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn private(name: &str) -> Mount {
    Mount::file(name, format!("~/.ssh/{name}"), 0o400)
}

/// A `~/.ssh` with the things that are not identities: known_hosts, config, other keys.
fn ssh_dir() -> FixtureHome {
    FixtureHome::new()
        .file(".ssh/known_hosts", ssh::known_hosts())
        .file(".ssh/config", ssh::config())
        .file(
            ".ssh/deploy_key",
            ssh::private_key("not-a-default-identity"),
        )
}

#[tokio::test]
async fn every_default_identity_without_its_public_key() {
    let home = ssh_dir()
        .file(".ssh/id_rsa", ssh::pem_rsa_private_key("rsa-body"))
        .file_mode(
            ".ssh/id_rsa.pub",
            ssh::public_key("ssh-rsa", "me@laptop"),
            0o644,
        )
        .file(".ssh/id_ecdsa", ssh::private_key("ecdsa-body"))
        .file(".ssh/id_ed25519", ssh::private_key("ed25519-body"))
        .file_mode(
            ".ssh/id_ed25519.pub",
            ssh::public_key("ssh-ed25519", "me@laptop"),
            0o644,
        );
    let r = resolve(&home).await.unwrap();
    // ssh derives each public key from its private key (authfile.c, `sshkey_load_public`), so
    // the `.pub` files stay on the laptop, as in Kubetorch's object.
    assert_eq!(
        r.mounts,
        [
            private("id_rsa"),
            private("id_ecdsa"),
            private("id_ed25519")
        ]
    );
    assert_eq!(
        r.data.len(),
        3,
        "public keys, known_hosts, config and other keys stay"
    );
    assert_eq!(
        r.data.get("id_ed25519").unwrap().expose(),
        ssh::private_key("ed25519-body").as_bytes()
    );
    assert_eq!(r.origins["id_rsa"], Origin::File(home.path(".ssh/id_rsa")));
}

#[tokio::test]
async fn one_private_key_is_enough() {
    let home = ssh_dir().file(".ssh/id_ed25519", ssh::private_key("ed25519-body"));
    let r = resolve(&home).await.unwrap();
    assert_eq!(r.mounts, [private("id_ed25519")]);
}

#[tokio::test]
async fn public_keys_alone_are_nothing_found() {
    let home = ssh_dir()
        .file(".ssh/id_rsa.pub", ssh::public_key("ssh-rsa", "me"))
        .file(".ssh/id_ed25519.pub", ssh::public_key("ssh-ed25519", "me"));
    for home in [home, FixtureHome::new().dir(".ssh"), FixtureHome::new()] {
        let e = resolve(&home).await.unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::NothingFound { .. }), "{msg}");
        for name in ["id_rsa", "id_ecdsa", "id_ed25519"] {
            let p = home.path(".ssh").join(name).display().to_string();
            assert!(msg.contains(&p), "{p} not in {msg}");
        }
    }
}

#[tokio::test]
async fn a_key_that_cannot_be_read_is_an_error_not_a_skip() {
    for broken in [".ssh/id_ecdsa", ".ssh/id_rsa-cert.pub"] {
        let home = FixtureHome::new()
            .file(".ssh/id_ed25519", ssh::private_key("ed25519-body"))
            .dir(broken);
        let e = resolve(&home).await.unwrap_err();
        assert!(matches!(e, Error::IsADirectory { .. }), "{broken}: {e}");
        assert!(
            e.to_string()
                .contains(&home.path(broken).display().to_string())
        );
    }
}

#[tokio::test]
async fn from_path_of_dot_ssh_is_the_ssh_secret() {
    let home = ssh_dir().file(".ssh/id_ed25519", ssh::private_key("ed25519-body"));
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(&registry, &home.context(), Path::new("~/.ssh"), None)
        .await
        .unwrap();
    assert_eq!(s.provider(), Some("ssh"));
    assert_eq!(s.mounts(), [private("id_ed25519")]);
}

#[tokio::test]
async fn provider_with_a_path_reads_that_directory() {
    let home = FixtureHome::new()
        .file(".ssh/id_ed25519", ssh::private_key("default-body"))
        .file("keys/work/id_rsa", ssh::pem_rsa_private_key("work-body"));
    let s = Secret::builder()
        .provider("ssh")
        .path(home.path("keys/work"))
        .context(home.context())
        .registry(Registry::builtin().unwrap())
        .build()
        .await
        .unwrap();
    // Read from the named directory, still mounted where ssh looks in the container.
    assert_eq!(s.mounts(), [private("id_rsa")]);
    assert_eq!(
        s.origins()["id_rsa"],
        Origin::File(home.path("keys/work/id_rsa"))
    );
}

#[test]
fn listed_with_sources_targets_and_its_directory() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "files id_rsa, id_rsa-cert.pub, id_ecdsa, id_ecdsa-cert.pub, id_ecdsa_sk, \
             id_ecdsa_sk-cert.pub, id_ed25519, id_ed25519-cert.pub, id_ed25519_sk, \
             id_ed25519_sk-cert.pub under ~/.ssh"
        ]
    );
    assert!(
        info.targets
            .contains(&"file ~/.ssh/id_ed25519 (0400)".to_owned())
    );
    assert!(
        info.targets.iter().all(|t| !t.contains("id_ed25519.pub")),
        "{:?}",
        info.targets
    );
    assert!(
        info.targets
            .contains(&"file ~/.ssh/id_ed25519-cert.pub (0644)".to_owned())
    );
    assert!(
        info.targets
            .contains(&"file ~/.ssh/id_ed25519_sk (0400)".to_owned())
    );
    assert_eq!(info.default_dirs, [".ssh"]);
}
