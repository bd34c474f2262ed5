//! OpenSSH itself decides, for each layout, which identities `ssh` would offer, twice: on the
//! laptop and in the container view of what the provider resolved. The list of identity files
//! is `ssh -G`'s (readconf.c, `fill_default_options`); each one present is opened with
//! `ssh-keygen -y -f` (which loads the private key and, through `sshkey_perm_ok` of authfile.c,
//! refuses one whose mode lets others read it) and its `-cert.pub` with `ssh-keygen -L -f`
//! (ssh.c, `load_public_identity_files`, loads the certificate beside the key).
//!
//! The oracle runs as root on root-owned files, in both runs. That is what a pod does by
//! default: the container home is `/root`, the container runs as uid 0, and the kubelet writes
//! secret volume files owned by root with the items' modes (0400 for private keys here), so
//! the permission check of `ssh-keygen` sees the mode the pod would have. A non-root user would
//! need an `fsGroup` or a chown the kubelet does not do for secret volumes, so that run would
//! test the harness rather than the pod.
//!
//! `id_ecdsa_sk` and `id_ed25519_sk` need a FIDO authenticator to generate, so no layout has
//! them; the provider's own tests cover their file names.

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use kt_provider_ssh::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

/// Every identity file `ssh` would try (with `-F /dev/null`, so neither the fixture's nor the
/// system's config changes the default list), from `~/.ssh` of `$HOME`: `ssh -G` prints them
/// with `~` unexpanded, and the oracle resolves that against `$HOME`, the fixture or the view.
const IDENTITIES: &str = r#"set -e
cd "$HOME/.ssh"
ssh -G -F /dev/null localhost 2>/dev/null | sed -n 's|^identityfile ~/\.ssh/||p' |
while read -r id; do
  [ -e "$id" ] || continue
  echo "identity $id"
  ssh-keygen -y -f "$id"
  if [ -e "$id-cert.pub" ]; then
    echo "certificate $id-cert.pub"
    ssh-keygen -L -f "$id-cert.pub"
  fi
done
"#;

static ORACLE: LazyLock<Oracle> = LazyLock::new(|| {
    // Fails with the install command when OpenSSH is missing, before any run.
    Oracle::cli("ssh-keygen", &[], "openssh-client");
    Oracle::cli("ssh", &[], "openssh-client");
    Oracle::cli("sh", &["-c", IDENTITIES], "dash")
});

/// `ssh-keygen -t kind -N ''` at `path`, as a user makes a key; `extra` such as `-b 2048`.
fn keygen(path: &Path, kind: &str, comment: &str, extra: &[&str]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the key's dir");
    }
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", comment])
        .args(extra)
        .arg("-f")
        .arg(path)
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen -t {kind}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Signs `key.pub` with the CA key `ca` (`ssh-keygen -s`), writing `key-cert.pub`.
fn sign(ca: &Path, key_pub: &Path, key_id: &str, principal: &str) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(ca)
        .args(["-I", key_id, "-n", principal, "-V", "+52w"])
        .arg(key_pub)
        .output()
        .expect("run ssh-keygen -s");
    assert!(
        out.status.success(),
        "ssh-keygen -s: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(home: &FixtureHome, rel: &str) -> String {
    std::fs::read_to_string(home.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// The key type and blob of a public key line, without its comment.
fn key_of(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One identity as the oracle printed it.
#[derive(Debug, PartialEq)]
struct Identity {
    name: String,
    public: String,
    certificate: Option<String>,
}

fn identities(text: &str) -> Vec<Identity> {
    let mut out: Vec<Identity> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("identity ") {
            let public = key_of(lines.next().expect("ssh-keygen -y printed the key"));
            out.push(Identity {
                name: name.to_owned(),
                public,
                certificate: None,
            });
        } else if line.starts_with("certificate ") {
            let mut cert = String::new();
            while let Some(l) = lines.peek().filter(|l| !l.starts_with("identity ")) {
                cert.push_str(l);
                cert.push('\n');
                lines.next();
            }
            out.last_mut()
                .expect("a certificate follows its key")
                .certificate = Some(cert);
        } else {
            panic!("unexpected oracle line: {line}");
        }
    }
    out
}

/// Runs OpenSSH on the laptop and in the pod: the laptop must offer exactly `want` (names, in
/// ssh's order), each with the public key planted in `<name>.pub`, and the pod the same
/// identities and certificates; `unused` must not reach the pod.
async fn same_identities(home: FixtureHome, want: &[&str], unused: &[&str]) -> Vec<Identity> {
    let laptop = ORACLE.on_laptop(&home);
    laptop.success();
    let laptop_ids = identities(laptop.text());
    let names: Vec<&str> = laptop_ids.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, want, "ssh on the laptop offers other identities");
    for id in &laptop_ids {
        assert_eq!(
            id.public,
            key_of(&read(&home, &format!(".ssh/{}.pub", id.name))),
            "ssh-keygen -y of {} on the laptop is not the planted public key",
            id.name
        );
    }
    let pod = ORACLE.in_pod(&home, &PROVIDER).await;
    pod.observed.success();
    let pod_ids = identities(pod.observed.text());
    assert!(
        pod_ids == laptop_ids,
        "ssh in the pod offers other identities or certificates than on the laptop: laptop {:?}, pod {:?}",
        names,
        pod_ids.iter().map(|i| i.name.as_str()).collect::<Vec<_>>()
    );
    for v in unused {
        pod.assert_not_carried(v, "ssh on the laptop does not use it");
    }
    // The pod has no `.pub`: ssh-keygen -y above read each public key from its private key,
    // as ssh does (authfile.c, `sshkey_load_public`).
    for id in &laptop_ids {
        pod.assert_not_carried(
            &read(&home, &format!(".ssh/{}.pub", id.name)),
            "ssh derives it from the private key",
        );
    }
    laptop_ids
}

#[tokio::test]
async fn an_ed25519_key() {
    let home = FixtureHome::new();
    keygen(&home.path(".ssh/id_ed25519"), "ed25519", "me@laptop", &[]);
    same_identities(home, &["id_ed25519"], &[]).await;
}

#[tokio::test]
async fn an_rsa_key() {
    let home = FixtureHome::new();
    keygen(
        &home.path(".ssh/id_rsa"),
        "rsa",
        "me@laptop",
        &["-b", "2048"],
    );
    same_identities(home, &["id_rsa"], &[]).await;
}

#[tokio::test]
async fn an_ecdsa_key() {
    let home = FixtureHome::new();
    keygen(&home.path(".ssh/id_ecdsa"), "ecdsa", "me@laptop", &[]);
    same_identities(home, &["id_ecdsa"], &[]).await;
}

#[tokio::test]
async fn a_pem_rsa_key_without_its_comment() {
    // `-m PEM` is the format of keys made before OpenSSH 7.8 and of many tools; it keeps no
    // comment, so `ssh-keygen -y` gives the bare key.
    let home = FixtureHome::new();
    keygen(
        &home.path(".ssh/id_rsa"),
        "rsa",
        "old@laptop",
        &["-b", "2048", "-m", "PEM"],
    );
    same_identities(home, &["id_rsa"], &[]).await;
}

#[tokio::test]
async fn a_key_with_its_certificate() {
    let ca = FixtureHome::new();
    keygen(&ca.path("ca"), "ed25519", "user-ca", &[]);
    let home = FixtureHome::new();
    keygen(&home.path(".ssh/id_ed25519"), "ed25519", "me@laptop", &[]);
    sign(
        &ca.path("ca"),
        &home.path(".ssh/id_ed25519.pub"),
        "kt-canary-key-id",
        "deploy",
    );
    let ca_private = read(&ca, "ca");
    let ids = same_identities(home, &["id_ed25519"], &[&ca_private]).await;
    let cert = ids[0]
        .certificate
        .as_deref()
        .expect("ssh-keygen -L read the certificate on the laptop");
    assert!(
        cert.contains("Key ID: \"kt-canary-key-id\"")
            && cert.contains("ssh-ed25519-cert-v01@openssh.com user certificate")
            && cert.contains("deploy"),
        "ssh-keygen -L on the laptop shows another certificate: {cert}"
    );
}

#[tokio::test]
async fn several_keys_in_ssh_order() {
    let home = FixtureHome::new();
    keygen(&home.path(".ssh/id_ed25519"), "ed25519", "a@laptop", &[]);
    keygen(
        &home.path(".ssh/id_rsa"),
        "rsa",
        "b@laptop",
        &["-b", "2048"],
    );
    keygen(&home.path(".ssh/id_ecdsa"), "ecdsa", "c@laptop", &[]);
    same_identities(home, &["id_rsa", "id_ecdsa", "id_ed25519"], &[]).await;
}

#[tokio::test]
async fn a_key_among_files_that_are_not_identities() {
    let home = FixtureHome::new()
        .file(
            ".ssh/config",
            "Host kt-canary-bastion\n  HostName 10.9.8.7\n  User kt-canary-user\n  IdentityFile ~/.ssh/deploy_key\n",
        )
        .file(
            ".ssh/known_hosts",
            "kt-canary-known.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtCanaryKnownHostKeyxxxxxxxxxxxxxxxxxxxxx\n",
        );
    keygen(&home.path(".ssh/id_ed25519"), "ed25519", "me@laptop", &[]);
    keygen(&home.path(".ssh/deploy_key"), "ed25519", "deploy@ci", &[]);
    keygen(&home.path(".ssh/visitor"), "ed25519", "visitor", &[]);
    let authorized = read(&home, ".ssh/visitor.pub");
    let home = home.file(".ssh/authorized_keys", &authorized);
    let deploy_private = read(&home, ".ssh/deploy_key");
    let deploy_public = key_of(&read(&home, ".ssh/deploy_key.pub"));
    same_identities(
        home,
        &["id_ed25519"],
        &[
            "kt-canary-bastion",
            "kt-canary-user",
            "kt-canary-known.example.com",
            &key_of(&authorized),
            &deploy_private,
            &deploy_public,
        ],
    )
    .await;
}

#[tokio::test]
async fn a_private_key_without_its_public_key() {
    // ssh derives the public key from the private one; the pod must too.
    let home = FixtureHome::new();
    keygen(&home.path(".ssh/id_ed25519"), "ed25519", "me@laptop", &[]);
    let public = read(&home, ".ssh/id_ed25519.pub");
    std::fs::remove_file(home.path(".ssh/id_ed25519.pub")).expect("remove the .pub");
    let laptop = ORACLE.on_laptop(&home);
    laptop.success();
    let ids = identities(laptop.text());
    assert_eq!(ids.len(), 1, "ssh on the laptop offers one identity");
    assert_eq!(ids[0].public, key_of(&public), "the laptop's key");
    let pod = ORACLE.in_pod(&home, &PROVIDER).await;
    pod.observed.success();
    assert!(
        identities(pod.observed.text()) == ids,
        "ssh in the pod offers another identity"
    );
}
