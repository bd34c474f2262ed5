//! The github provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::gh::GhHosts;
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

fn hosts(token: &str) -> String {
    GhHosts::new()
        .host("github.com", "monalisa", Some(token))
        .inactive_account("hubot", Some("canary-gh-inactive"))
        .host("ghe.example.com", "octo", Some("canary-gh-enterprise"))
        .render()
}

#[tokio::test]
async fn github_conforms() {
    Conformance::new(&kt_provider_github::PROVIDER)
        .found(
            "GH_TOKEN",
            FixtureHome::new()
                .env("GH_TOKEN", "canary-gh-env")
                .canary("canary-gh-env"),
        )
        .found(
            "GITHUB_TOKEN",
            FixtureHome::new()
                .env("GITHUB_TOKEN", "canary-github-env")
                .canary("canary-github-env"),
        )
        .found(
            "hosts.yml",
            FixtureHome::new()
                .file(".config/gh/hosts.yml", hosts("canary-gh-hosts"))
                .canary("canary-gh-hosts")
                .canary("canary-gh-inactive")
                .canary("canary-gh-enterprise"),
        )
        .found(
            "gh auth token",
            FixtureHome::new()
                .file_mode("bin/gh", "#!/bin/sh\necho canary-gh-command\n", 0o755)
                .env_path("PATH", "bin")
                .canary("canary-gh-command"),
        )
        .found(
            "GH_ENTERPRISE_TOKEN for a GitHub Enterprise Server GH_HOST",
            FixtureHome::new()
                .env("GH_HOST", "ghe.example.com")
                .env("GH_ENTERPRISE_TOKEN", "canary-ghe-env")
                .env("GH_TOKEN", "canary-gh-dotcom")
                .canary("canary-ghe-env")
                .canary("canary-gh-dotcom"),
        )
        .found(
            "hosts.yml entry of a GitHub Enterprise Server GH_HOST",
            FixtureHome::new()
                .file(".config/gh/hosts.yml", hosts("canary-gh-hosts"))
                .env("GH_HOST", "GHE.example.com")
                .env("GITHUB_TOKEN", "canary-github-dotcom")
                .canary("canary-gh-hosts")
                .canary("canary-gh-inactive")
                .canary("canary-gh-enterprise")
                .canary("canary-github-dotcom"),
        )
        .found(
            "gh auth token for a GitHub Enterprise Server GH_HOST",
            FixtureHome::new()
                .file_mode(
                    "bin/gh",
                    "#!/bin/sh\n[ \"$4\" = ghe.example.com ] && echo canary-ghe-command\n",
                    0o755,
                )
                .env_path("PATH", "bin")
                .env("GH_HOST", "ghe.example.com")
                .env("GH_TOKEN", "canary-gh-dotcom")
                .canary("canary-ghe-command")
                .canary("canary-gh-dotcom"),
        )
        .unreadable(
            "hosts.yml",
            FixtureHome::new()
                .file(".config/gh/hosts.yml", hosts("canary-gh-hosts"))
                .canary("canary-gh-hosts"),
            "~/.config/gh/hosts.yml",
        )
        .unreadable(
            "$GH_CONFIG_DIR/hosts.yml",
            FixtureHome::new()
                .file("ghconf/hosts.yml", hosts("canary-gh-hosts"))
                .env_path("GH_CONFIG_DIR", "ghconf")
                .canary("canary-gh-hosts"),
            "~/ghconf/hosts.yml",
        )
        .unreadable(
            "hosts.yml of a GitHub Enterprise Server GH_HOST",
            FixtureHome::new()
                .file(".config/gh/hosts.yml", hosts("canary-gh-hosts"))
                .env("GH_HOST", "ghe.example.com")
                .canary("canary-gh-hosts")
                .canary("canary-gh-enterprise"),
            "~/.config/gh/hosts.yml",
        )
        .looks_at(&[
            "env GH_TOKEN",
            "env GITHUB_TOKEN",
            "env GH_CONFIG_DIR",
            "~/.config/gh/hosts.yml",
            "gh auth token",
        ])
        .run()
        .await;
}
