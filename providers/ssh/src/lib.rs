//! SSH: the identities `ssh` tries by default under `~/.ssh` (those present, at least one
//! private key), each mounted as its own file so the image's `~/.ssh` (`known_hosts`,
//! `config`) stays visible. Private keys get 0400; certificates 0644.
//!
//! The list is OpenSSH's (readconf.c, `fill_default_options`, which adds `_PATH_SSH_CLIENT_ID_*`
//! of pathnames.h): `id_rsa`, `id_ecdsa`, `id_ecdsa_sk`, `id_ed25519`, `id_ed25519_sk`. Each
//! key's certificate `<key>-cert.pub` travels with it: `ssh` loads it beside the key
//! (ssh.c, `load_public_identity_files`), and a server that trusts the CA accepts only that.
//!
//! The plain public key `<key>.pub` does not: `ssh` needs no file for it. authfile.c's
//! `sshkey_load_public` tries the key file, then `<key>.pub`, then the public key inside the
//! private key (`sshkey_load_pubkey_from_private`); an identity whose public key it still does
//! not find (an old PEM key) is tried by loading the private key (sshconnect2.c,
//! `userauth_pubkey`: "Trying private key").
//! Python Kubetorch ships `id_rsa` alone (`SSHSecret._DEFAULT_FILENAMES`), so leaving the
//! `.pub` out also lets either tool refresh the other's object with the same key.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{Declared, FileShape, FileSpec, Shape};

const fn file(name: &'static str, target: &'static str, private: bool) -> FileSpec {
    FileSpec {
        name,
        key: name,
        env: None,
        target,
        mode: if private { 0o400 } else { 0o644 },
        primary: private,
    }
}

/// Each key and its certificate.
const FILES: &[FileSpec] = &[
    file("id_rsa", "~/.ssh/id_rsa", true),
    file("id_rsa-cert.pub", "~/.ssh/id_rsa-cert.pub", false),
    file("id_ecdsa", "~/.ssh/id_ecdsa", true),
    file("id_ecdsa-cert.pub", "~/.ssh/id_ecdsa-cert.pub", false),
    file("id_ecdsa_sk", "~/.ssh/id_ecdsa_sk", true),
    file("id_ecdsa_sk-cert.pub", "~/.ssh/id_ecdsa_sk-cert.pub", false),
    file("id_ed25519", "~/.ssh/id_ed25519", true),
    file("id_ed25519-cert.pub", "~/.ssh/id_ed25519-cert.pub", false),
    file("id_ed25519_sk", "~/.ssh/id_ed25519_sk", true),
    file(
        "id_ed25519_sk-cert.pub",
        "~/.ssh/id_ed25519_sk-cert.pub",
        false,
    ),
];

/// The SSH provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Declared = Declared {
    name: "ssh",
    description: "SSH identities (id_rsa, id_ecdsa, id_ecdsa_sk, id_ed25519, id_ed25519_sk) with their certificates",
    shapes: &[Shape::Files(FileShape {
        dir: ".ssh",
        dir_env: &[],
        files: FILES,
        path_envs: &[],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
