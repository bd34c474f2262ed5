//! The wandb provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::netrc::Netrc;
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

fn netrc(wandb_key: &str) -> String {
    Netrc::new()
        .comment("credentials")
        .machine("github.com", "octo", "canary-other-machine")
        .machine("api.wandb.ai", "user", wandb_key)
        .macdef("init", &["cd /pub"])
        .default_entry("anonymous", "canary-default-entry")
        .render()
}

#[tokio::test]
async fn wandb_conforms() {
    Conformance::new(&kt_provider_wandb::PROVIDER)
        .found(
            "WANDB_API_KEY",
            FixtureHome::new()
                .env("WANDB_API_KEY", "canary-wandb-env")
                .env("WANDB_BASE_URL", "https://api.wandb.ai")
                .canary("canary-wandb-env"),
        )
        .found(
            "~/.netrc",
            FixtureHome::new()
                .file(".netrc", netrc("canary-wandb-netrc"))
                .canary("canary-wandb-netrc")
                .canary("canary-other-machine")
                .canary("canary-default-entry"),
        )
        .found(
            "$NETRC",
            FixtureHome::new()
                .file("etc/netrc", netrc("canary-wandb-named"))
                .env_path("NETRC", "etc/netrc")
                .canary("canary-wandb-named"),
        )
        .unreadable(
            "~/.netrc",
            FixtureHome::new()
                .file(".netrc", netrc("canary-wandb-netrc"))
                .canary("canary-wandb-netrc"),
            "~/.netrc",
        )
        .unreadable(
            "$NETRC",
            FixtureHome::new()
                .file("etc/netrc", netrc("canary-wandb-named"))
                .env_path("NETRC", "etc/netrc")
                .canary("canary-wandb-named"),
            "~/etc/netrc",
        )
        .looks_at(&["env WANDB_API_KEY", "env NETRC", "~/.netrc"])
        .run()
        .await;
}
