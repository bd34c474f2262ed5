//! `gh` itself (Debian's gh 2.23, installed by .ci/run) prints the token it would authenticate
//! with for each layout, twice: on the laptop and in the container view of what the provider
//! resolved. `gh auth token` reads `Config.AuthToken` (pkg/cmd/auth/token/token.go), which
//! takes the env tokens first (`GH_TOKEN`, `GITHUB_TOKEN` for github.com; `GH_ENTERPRISE_TOKEN`,
//! `GITHUB_ENTERPRISE_TOKEN` for other hosts; go-gh pkg/auth/auth.go, `TokenForHost`), then the
//! host's `oauth_token` in `hosts.yml` of the config dir (`GH_CONFIG_DIR`, `XDG_CONFIG_HOME/gh`,
//! `~/.config/gh`; go-gh pkg/config/config.go, `ConfigDir`).
//!
//! gh 2.23's `gh auth token` asks for github.com unless given `--hostname`, whatever `GH_HOST`
//! or `hosts.yml` say, so Enterprise layouts ask for their host by name. For the same reason it
//! cannot confirm the provider's default of the one host that `hosts.yml` lists (what later gh
//! versions pick); that rule is left to the provider's own tests.

use std::sync::LazyLock;

use kt_provider_github::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

const ENTERPRISE: &str = "ghe.corp.example";

fn gh(args: &[&str]) -> Oracle {
    Oracle::cli("gh", args, "gh")
        .env("GH_NO_UPDATE_NOTIFIER", "1")
        .env("GH_PROMPT_DISABLED", "1")
}

static GITHUB_COM: LazyLock<Oracle> = LazyLock::new(|| gh(&["auth", "token"]));
static ON_ENTERPRISE: LazyLock<Oracle> =
    LazyLock::new(|| gh(&["auth", "token", "--hostname", ENTERPRISE]));

/// `hosts.yml` as `gh auth login` writes it, one entry per `(host, token)`.
fn hosts_yml(hosts: &[(&str, &str)]) -> String {
    hosts
        .iter()
        .map(|(h, t)| {
            format!("{h}:\n    oauth_token: {t}\n    user: octocat\n    git_protocol: https\n")
        })
        .collect()
}

async fn same_token(oracle: &Oracle, home: FixtureHome, want: &str, unused: &[&str]) {
    let laptop = oracle.on_laptop(&home);
    laptop.success();
    assert!(laptop.text() == want, "gh on the laptop has another token");
    let pod = oracle.in_pod(&home, &PROVIDER).await;
    pod.observed.success();
    assert!(
        pod.observed.text() == laptop.text(),
        "gh in the pod has another token than on the laptop"
    );
    for v in unused {
        pod.assert_not_carried(v, "gh on the laptop does not use it");
    }
}

#[tokio::test]
async fn hosts_yml_of_gh_auth_login() {
    let home = FixtureHome::new().file(
        ".config/gh/hosts.yml",
        hosts_yml(&[("github.com", "gho_canary_1")]),
    );
    same_token(&GITHUB_COM, home, "gho_canary_1", &[]).await;
}

#[tokio::test]
async fn gh_token_env_wins_over_github_token_and_the_file() {
    let home = FixtureHome::new()
        .env("GH_TOKEN", "ghp_canary_2")
        .env("GITHUB_TOKEN", "ghp_other_env_2")
        .file(
            ".config/gh/hosts.yml",
            hosts_yml(&[("github.com", "gho_other_file_2")]),
        );
    same_token(
        &GITHUB_COM,
        home,
        "ghp_canary_2",
        &["ghp_other_env_2", "gho_other_file_2"],
    )
    .await;
}

#[tokio::test]
async fn github_token_env_wins_over_the_file() {
    let home = FixtureHome::new().env("GITHUB_TOKEN", "ghs_canary_3").file(
        ".config/gh/hosts.yml",
        hosts_yml(&[("github.com", "gho_other_file_3")]),
    );
    same_token(&GITHUB_COM, home, "ghs_canary_3", &["gho_other_file_3"]).await;
}

#[tokio::test]
async fn gh_config_dir_relocates_hosts_yml() {
    let home = FixtureHome::new()
        .file(
            "dotfiles/gh/hosts.yml",
            hosts_yml(&[("github.com", "gho_canary_4")]),
        )
        .file(
            ".config/gh/hosts.yml",
            hosts_yml(&[("github.com", "gho_other_default_4")]),
        )
        .env_path("GH_CONFIG_DIR", "dotfiles/gh");
    same_token(&GITHUB_COM, home, "gho_canary_4", &["gho_other_default_4"]).await;
}

#[tokio::test]
async fn xdg_config_home_moves_the_config_dir() {
    let home = FixtureHome::new()
        .file(
            "xdg/gh/hosts.yml",
            hosts_yml(&[("github.com", "gho_canary_5")]),
        )
        .file(
            ".config/gh/hosts.yml",
            hosts_yml(&[("github.com", "gho_other_default_5")]),
        )
        .env_path("XDG_CONFIG_HOME", "xdg");
    same_token(&GITHUB_COM, home, "gho_canary_5", &["gho_other_default_5"]).await;
}

#[tokio::test]
async fn an_enterprise_host_with_gh_enterprise_token() {
    // GH_TOKEN is github.com's: gh never sends it to an Enterprise Server host.
    let home = FixtureHome::new()
        .env("GH_HOST", ENTERPRISE)
        .env("GH_ENTERPRISE_TOKEN", "ghe_canary_6")
        .env("GH_TOKEN", "ghp_other_dotcom_6")
        .file(
            ".config/gh/hosts.yml",
            hosts_yml(&[("github.com", "gho_other_file_6")]),
        );
    same_token(
        &ON_ENTERPRISE,
        home,
        "ghe_canary_6",
        &["ghp_other_dotcom_6", "gho_other_file_6"],
    )
    .await;
}

#[tokio::test]
async fn an_enterprise_host_from_hosts_yml() {
    let home = FixtureHome::new().env("GH_HOST", ENTERPRISE).file(
        ".config/gh/hosts.yml",
        hosts_yml(&[
            ("github.com", "gho_other_dotcom_7"),
            (ENTERPRISE, "gho_canary_7"),
        ]),
    );
    same_token(
        &ON_ENTERPRISE,
        home,
        "gho_canary_7",
        &["gho_other_dotcom_7"],
    )
    .await;
}

#[tokio::test]
async fn several_accounts_ship_only_the_active_one() {
    // gh 2.40 and later keep every account under `users:` and the active one's token at the
    // top of the host entry, which is what gh 2.23 reads too.
    let home = FixtureHome::new().file(
        ".config/gh/hosts.yml",
        "github.com:\n    users:\n        octocat:\n            oauth_token: gho_canary_8\n        \
         work-bot:\n            oauth_token: gho_other_account_8\n    \
         git_protocol: https\n    user: octocat\n    oauth_token: gho_canary_8\n",
    );
    same_token(&GITHUB_COM, home, "gho_canary_8", &["gho_other_account_8"]).await;
}
