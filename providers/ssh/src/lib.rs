//! SSH: the default identities under `~/.ssh` (those present, at least one private key),
//! each mounted as its own file so the image's `~/.ssh` (`known_hosts`, `config`) stays
//! visible. Private keys get 0400, public keys 0644, as OpenSSH expects.

use kt_secrets_core::shapes::{Declared, FileShape, FileSpec, Shape};

const fn key(name: &'static str, target: &'static str, private: bool) -> FileSpec {
    FileSpec {
        name,
        key: name,
        env: None,
        target,
        mode: if private { 0o400 } else { 0o644 },
        primary: private,
    }
}

pub const PROVIDER: Declared = Declared {
    name: "ssh",
    description: "SSH identities id_rsa, id_ecdsa, id_ed25519 and their public keys",
    shapes: &[Shape::Files(FileShape {
        dir: ".ssh",
        dir_env: &[],
        files: &[
            key("id_rsa", "~/.ssh/id_rsa", true),
            key("id_rsa.pub", "~/.ssh/id_rsa.pub", false),
            key("id_ecdsa", "~/.ssh/id_ecdsa", true),
            key("id_ecdsa.pub", "~/.ssh/id_ecdsa.pub", false),
            key("id_ed25519", "~/.ssh/id_ed25519", true),
            key("id_ed25519.pub", "~/.ssh/id_ed25519.pub", false),
        ],
        path_envs: &[],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
