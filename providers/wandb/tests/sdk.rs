//! `wandb` itself (pinned in .ci/requirements.txt) picks the API key for each layout twice, on
//! the laptop and in the container view of what the provider resolved: the server and key it
//! would authenticate with must be the same both times.

use std::sync::LazyLock;

use kt_provider_wandb::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::netrc::Netrc;
use kt_secrets_testkit::oracle::{Oracle, assert_same};

/// The base URL of wandb's settings (env, then the settings file) and the key
/// `wbauth.authenticate._use_system_auth` loads for it: `WANDB_API_KEY`, else the netrc
/// (wandb/sdk/lib/wbauth/wbnetrc.py).
const AUTH: &str = "from wandb.sdk import wandb_setup\n\
from wandb.sdk.lib.wbauth import authenticate, host_url\n\
s = wandb_setup.singleton().settings\n\
a = authenticate._use_system_auth(host=host_url.HostUrl(s.base_url), source='oracle', update_session=False)\n\
out({'base_url': s.base_url, 'api_key': getattr(a, 'api_key', None)})";

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["wandb"], AUTH));

/// A key as wandb wants it (40 word characters or more, wbauth/validation.py), marked with
/// `tag`.
fn key(tag: &str) -> String {
    format!("{:x<40}", tag.replace('-', "_"))
}

async fn same_auth(home: FixtureHome, want: &str, unused: &[&str]) {
    let laptop = ORACLE.on_laptop(&home).json();
    let pod = ORACLE.in_pod(&home, &PROVIDER).await;
    assert!(
        laptop["api_key"] == want,
        "wandb on the laptop has another key"
    );
    assert_same(&laptop, &pod.observed.json());
    for v in unused {
        pod.assert_not_carried(v, "wandb on the laptop does not use it");
    }
}

#[tokio::test]
async fn wandb_login_to_the_cloud() {
    let home = FixtureHome::new().file(
        ".netrc",
        Netrc::new()
            .machine("github.com", "octo", &key("other-gh"))
            .machine("api.wandb.ai", "user", &key("cloud-1"))
            .render(),
    );
    same_auth(home, &key("cloud-1"), &[&key("other-gh")]).await;
}

#[tokio::test]
async fn the_env_key_wins_over_the_netrc() {
    let home = FixtureHome::new().env("WANDB_API_KEY", key("env-2")).file(
        ".netrc",
        Netrc::new()
            .machine("api.wandb.ai", "user", &key("other-netrc-2"))
            .render(),
    );
    same_auth(home, &key("env-2"), &[&key("other-netrc-2")]).await;
}

#[tokio::test]
async fn wandb_login_host_to_a_server_with_a_port_kept_in_the_settings() {
    let home = FixtureHome::new()
        .file(
            ".config/wandb/settings",
            "[default]\nbase_url = https://wandb.corp.example:8443\n",
        )
        .file(
            ".netrc",
            Netrc::new()
                .machine("api.wandb.ai", "user", &key("other-cloud-3"))
                .machine("wandb.corp.example", "user", &key("other-bare-3"))
                .machine("wandb.corp.example:8443", "user", &key("onprem-3"))
                .render(),
        );
    same_auth(
        home,
        &key("onprem-3"),
        &[&key("other-cloud-3"), &key("other-bare-3")],
    )
    .await;
}

#[tokio::test]
async fn the_default_entry_when_no_machine_matches() {
    let home = FixtureHome::new()
        .env("WANDB_BASE_URL", "https://wandb.corp.example")
        .file(
            ".netrc",
            Netrc::new()
                .machine("api.wandb.ai", "user", &key("other-cloud-4"))
                .default_entry("anonymous", &key("default-4"))
                .render(),
        );
    same_auth(home, &key("default-4"), &[&key("other-cloud-4")]).await;
}

#[tokio::test]
async fn a_netrc_named_by_netrc_and_a_machine_given_twice() {
    let home = FixtureHome::new()
        .file(
            ".netrc",
            Netrc::new()
                .machine("api.wandb.ai", "u", &key("other-home-5"))
                .render(),
        )
        .file(
            "work/netrc",
            Netrc::new()
                .machine("api.wandb.ai", "u", &key("other-old-5"))
                .machine("api.wandb.ai", "u", &key("new-5"))
                .render(),
        )
        .env_path("NETRC", "work/netrc");
    same_auth(
        home,
        &key("new-5"),
        &[&key("other-home-5"), &key("other-old-5")],
    )
    .await;
}

#[tokio::test]
async fn underscore_netrc_in_place_of_a_missing_dot_netrc() {
    let home = FixtureHome::new().file(
        "_netrc",
        Netrc::new()
            .comment("written on a shared home")
            .machine_inline("api.wandb.ai", "user", &key("under-6"))
            .render(),
    );
    same_auth(home, &key("under-6"), &[]).await;
}
