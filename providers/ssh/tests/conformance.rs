//! The ssh provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::ssh;
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

fn rsa_and_ed25519() -> FixtureHome {
    FixtureHome::new()
        .file(".ssh/known_hosts", ssh::known_hosts())
        .file(".ssh/config", ssh::config())
        .file(".ssh/id_rsa", ssh::pem_rsa_private_key("canary-ssh-rsa"))
        .file_mode(".ssh/id_rsa.pub", ssh::public_key("ssh-rsa", "me"), 0o644)
        .file(".ssh/id_ed25519", ssh::private_key("canary-ssh-ed25519"))
        .canary("canary-ssh-rsa")
        .canary("canary-ssh-ed25519")
}

#[tokio::test]
async fn ssh_conforms() {
    Conformance::new(&kt_provider_ssh::PROVIDER)
        .found("rsa with public key and ed25519", rsa_and_ed25519())
        .found(
            "ecdsa only",
            FixtureHome::new()
                .file(".ssh/id_ecdsa", ssh::private_key("canary-ssh-ecdsa"))
                .canary("canary-ssh-ecdsa"),
        )
        .unreadable("private key", rsa_and_ed25519(), "~/.ssh/id_ed25519")
        .unreadable("certificate", rsa_and_ed25519(), "~/.ssh/id_rsa-cert.pub")
        .looks_at(&["~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ed25519"])
        .run()
        .await;
}
