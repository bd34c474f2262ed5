//! OpenSSH files as `ssh-keygen` and `ssh` leave them in `~/.ssh`.

/// A private key in the armour `ssh-keygen` writes since OpenSSH 7.8, around `body` (plant a
/// canary in it).
pub fn private_key(body: &str) -> String {
    format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n")
}

/// An RSA private key in the older PEM armour.
pub fn pem_rsa_private_key(body: &str) -> String {
    format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n")
}

/// A public key line: `<type> <base64 blob> <comment>`.
pub fn public_key(kind: &str, comment: &str) -> String {
    format!("{kind} AAAAC3NzaC1lZDI1NTE5AAAAIOfakeFAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKE {comment}\n")
}

/// `known_hosts`, which sits in `~/.ssh` but is no credential (and images often ship their own).
pub fn known_hosts() -> String {
    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n\
     |1|hashedhost= ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=\n"
        .to_owned()
}

/// `~/.ssh/config`, with a comment and two hosts.
pub fn config() -> String {
    "# personal hosts\n\
     Host gpu-box\n    HostName 127.0.0.1\n    User me\n    IdentityFile ~/.ssh/id_ed25519\n\n\
     Host *\n    AddKeysToAgent yes\n"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_end_with_newlines_and_keys_are_armoured() {
        let k = private_key("canary-body");
        assert!(k.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\ncanary-body\n"));
        assert!(pem_rsa_private_key("b").contains("RSA PRIVATE KEY"));
        for s in [
            k,
            public_key("ssh-ed25519", "me@laptop"),
            known_hosts(),
            config(),
        ] {
            assert!(s.ends_with('\n'));
        }
    }
}
