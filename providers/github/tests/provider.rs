//! Precedence of the github provider's sources: env vars, gh's hosts.yml (hosts, accounts and
//! the directories that relocate it), and `gh auth token` run from a fake `gh` on a fixture
//! PATH; for github.com and GHE.com, and for a GitHub Enterprise Server `GH_HOST`, which takes
//! its own env vars and never `GH_TOKEN`.

use std::path::Path;
use std::time::{Duration, Instant};

use kt_provider_github::{GitHub, PROVIDER};
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::gh::{GhHosts, config_yml};

const HOSTS: &str = ".config/gh/hosts.yml";

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn token(r: &Resolved) -> &str {
    r.data.get("GH_TOKEN").and_then(|v| v.expose_str()).unwrap()
}

fn only_gh_token(r: &Resolved) {
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["GH_TOKEN"]);
    assert_eq!(r.mounts, [Mount::env("GH_TOKEN", "GH_TOKEN")]);
}

/// What the pod gets for GitHub Enterprise Server host `host`: the token as both env vars,
/// and the host.
fn enterprise_mounts(r: &Resolved, host: &str) {
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["GH_HOST", "GH_TOKEN"]);
    assert_eq!(r.data.get("GH_HOST").unwrap().expose_str(), Some(host));
    assert_eq!(r.origins["GH_HOST"], Origin::Env("GH_HOST".into()));
    assert_eq!(
        r.mounts,
        [
            Mount::env("GH_TOKEN", "GH_TOKEN"),
            Mount::env("GH_ENTERPRISE_TOKEN", "GH_TOKEN"),
            Mount::env("GH_HOST", "GH_HOST"),
        ]
    );
}

/// No github.com token from `everything()` appears anywhere in `r`.
fn no_github_com_token(r: &Resolved) {
    let shown = format!("{r:?}");
    for t in ["gh_env", "github_env", "gho_active", "gho_from_gh"] {
        assert!(!shown.contains(t), "{t} in {shown}");
        assert!(
            r.data.iter().all(|(_, v)| v.expose() != t.as_bytes()),
            "{t} taken"
        );
    }
}

/// hosts.yml with github.com (two accounts, the active one's token in the file), an
/// enterprise host, and a host whose token is in the keyring.
fn hosts() -> String {
    GhHosts::new()
        .host("github.com", "monalisa", Some("gho_active"))
        .inactive_account("hubot", Some("gho_inactive"))
        .host("ghe.example.com", "octo", Some("gho_enterprise"))
        .host("keyring.example.com", "octo", None)
        .render()
}

/// A fake `gh` at `~/bin/gh`, with `PATH` = `~/bin`. With [`PRINTS_TOKEN`] it prints
/// `$FAKE_GH_TOKEN` for `gh auth token --hostname github.com`, `$FAKE_GHE_TOKEN` for
/// `--hostname keyring.example.com`, and fails for other hosts. It fails loudly if it sees
/// an env var of this test process rather than of the context.
fn with_fake_gh(home: FixtureHome, body: &str) -> FixtureHome {
    let script = format!(
        "#!/bin/sh\n\
         # fake gh for tests\n\
         if [ -n \"$CARGO_MANIFEST_DIR\" ]; then echo \"process env leaked\" >&2; exit 3; fi\n\
         [ \"$1 $2 $3\" = \"auth token --hostname\" ] || exit 2\n\
         {body}\n"
    );
    home.file_mode("bin/gh", script, 0o755)
        .env_path("PATH", "bin")
}

const PRINTS_TOKEN: &str = "case \"$4\" in\n\
    github.com) echo \"$FAKE_GH_TOKEN\" ;;\n\
    keyring.example.com) echo \"$FAKE_GHE_TOKEN\" ;;\n\
    *) echo \"no oauth token found for $4 canary-gh-stderr\" >&2; exit 1 ;;\n\
    esac";

fn everything() -> FixtureHome {
    with_fake_gh(FixtureHome::new(), PRINTS_TOKEN)
        .env("FAKE_GH_TOKEN", "gho_from_gh")
        .env("GH_TOKEN", "gh_env")
        .env("GITHUB_TOKEN", "github_env")
        .file(HOSTS, hosts())
        .file(".config/gh/config.yml", config_yml())
}

#[tokio::test]
async fn gh_token_wins_over_everything() {
    // The enterprise vars are for other hosts.
    let home = everything()
        .env("GH_ENTERPRISE_TOKEN", "gh_ghe_env")
        .env("GITHUB_ENTERPRISE_TOKEN", "github_ghe_env");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "gh_env");
    assert_eq!(r.origins["GH_TOKEN"], Origin::Env("GH_TOKEN".into()));
    only_gh_token(&r);
}

#[tokio::test]
async fn github_token_comes_next_and_is_given_as_gh_token() {
    for home in [
        everything().env("GH_TOKEN", ""),
        FixtureHome::new()
            .env("GITHUB_TOKEN", "github_env")
            .file(HOSTS, hosts()),
    ] {
        let r = resolve(&home).await.unwrap();
        assert_eq!(token(&r), "github_env");
        assert_eq!(r.origins["GH_TOKEN"], Origin::Env("GITHUB_TOKEN".into()));
        only_gh_token(&r);
    }
}

#[tokio::test]
async fn then_the_active_account_of_github_com_in_hosts_yml() {
    let home = everything()
        .env("GH_TOKEN", "")
        .env("GITHUB_TOKEN", "")
        .env("GH_ENTERPRISE_TOKEN", "gh_ghe_env");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "gho_active");
    assert_eq!(r.origins["GH_TOKEN"], Origin::File(home.path(HOSTS)));
    only_gh_token(&r);
    assert!(!format!("{r:?}").contains("gho_inactive"));
}

#[tokio::test]
async fn gh_config_dir_beats_xdg_config_home_which_beats_the_default() {
    let file = |t: &str| GhHosts::new().host("github.com", "me", Some(t)).render();
    let base = || {
        FixtureHome::new()
            .file(HOSTS, file("gho_default"))
            .file("xdg/gh/hosts.yml", file("gho_xdg"))
            .file("ghconf/hosts.yml", file("gho_ghconf"))
            .env_path("XDG_CONFIG_HOME", "xdg")
    };
    let home = base().env("GH_CONFIG_DIR", "~/ghconf");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "gho_ghconf");
    assert_eq!(
        r.origins["GH_TOKEN"],
        Origin::File(home.path("ghconf/hosts.yml"))
    );
    assert_eq!(token(&resolve(&base()).await.unwrap()), "gho_xdg");
    let home = base().env("XDG_CONFIG_HOME", "");
    assert_eq!(token(&resolve(&home).await.unwrap()), "gho_default");
}

#[tokio::test]
async fn then_gh_auth_token_when_hosts_yml_has_no_token() {
    // No file; the host's token in the keyring; an empty file.
    for home in [
        FixtureHome::new(),
        FixtureHome::new()
            .file(HOSTS, hosts())
            .env("GH_HOST", "unknown.example.com"),
        FixtureHome::new().file(HOSTS, ""),
    ] {
        let host_is_github = home.env_map().get("GH_HOST").is_none();
        let home = with_fake_gh(home, PRINTS_TOKEN).env("FAKE_GH_TOKEN", "gho_from_gh\n");
        let res = resolve(&home).await;
        if host_is_github {
            let r = res.unwrap();
            assert_eq!(token(&r), "gho_from_gh");
            let gh = home.path("bin/gh").display().to_string();
            assert_eq!(
                r.origins["GH_TOKEN"],
                Origin::Command(format!("{gh} auth token --hostname github.com"))
            );
            only_gh_token(&r);
        } else {
            // The fake gh does not know this host, and says so on stderr with a canary.
            let e = res.unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, Error::NothingFound { .. }), "{msg}");
            assert!(msg.contains("--hostname unknown.example.com"), "{msg}");
            assert!(msg.contains("exit status: 1"), "{msg}");
            assert!(!msg.contains("canary-gh-stderr"), "{msg}");
        }
    }
}

#[tokio::test]
async fn enterprise_host_takes_gh_enterprise_token_never_gh_token() {
    let base = || {
        everything()
            .env("GH_HOST", "ghe.example.com")
            .env("GITHUB_ENTERPRISE_TOKEN", "github_ghe_env")
    };
    let r = resolve(&base().env("GH_ENTERPRISE_TOKEN", "gh_ghe_env"))
        .await
        .unwrap();
    assert_eq!(token(&r), "gh_ghe_env");
    assert_eq!(
        r.origins["GH_TOKEN"],
        Origin::Env("GH_ENTERPRISE_TOKEN".into())
    );
    enterprise_mounts(&r, "ghe.example.com");
    no_github_com_token(&r);

    let r = resolve(&base().env("GH_ENTERPRISE_TOKEN", ""))
        .await
        .unwrap();
    assert_eq!(token(&r), "github_ghe_env");
    assert_eq!(
        r.origins["GH_TOKEN"],
        Origin::Env("GITHUB_ENTERPRISE_TOKEN".into())
    );
    enterprise_mounts(&r, "ghe.example.com");
    no_github_com_token(&r);
}

#[tokio::test]
async fn enterprise_host_then_its_hosts_yml_entry_though_gh_token_is_set() {
    // GH_HOST is normalized as gh does it: lowercase, surrounding blanks dropped.
    let home = everything().env("GH_HOST", " GHE.Example.com ");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "gho_enterprise");
    assert_eq!(r.origins["GH_TOKEN"], Origin::File(home.path(HOSTS)));
    enterprise_mounts(&r, "ghe.example.com");
    no_github_com_token(&r);
    assert!(!format!("{r:?}").contains("gho_inactive"));
}

#[tokio::test]
async fn enterprise_host_then_gh_auth_token_for_that_host() {
    // hosts.yml names the host without a token: gh keeps it in the keyring.
    let home = everything()
        .env("GH_HOST", "keyring.example.com")
        .env("FAKE_GHE_TOKEN", "gho_keyring\n");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "gho_keyring");
    let gh = home.path("bin/gh").display().to_string();
    assert_eq!(
        r.origins["GH_TOKEN"],
        Origin::Command(format!("{gh} auth token --hostname keyring.example.com"))
    );
    enterprise_mounts(&r, "keyring.example.com");
    no_github_com_token(&r);
}

#[tokio::test]
async fn enterprise_host_with_only_github_com_tokens_finds_nothing_and_says_why() {
    let home = with_fake_gh(FixtureHome::new(), PRINTS_TOKEN)
        .env("GH_HOST", "ghe.example.com")
        .env("GH_TOKEN", "canary-gh-dotcom")
        .env("GITHUB_TOKEN", "canary-github-dotcom")
        .env("FAKE_GH_TOKEN", "canary-gh-dotcom-gh")
        .file(
            HOSTS,
            GhHosts::new()
                .host("github.com", "me", Some("canary-gh-dotcom-file"))
                .render(),
        );
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::NothingFound { .. }), "{msg}");
    for place in [
        "env GH_HOST (ghe.example.com, a GitHub Enterprise Server host",
        "env GH_ENTERPRISE_TOKEN",
        "env GITHUB_ENTERPRISE_TOKEN",
        "env GH_CONFIG_DIR",
        "auth token --hostname ghe.example.com",
    ] {
        assert!(msg.contains(place), "{place} not in {msg}");
    }
    assert!(
        !msg.contains("env GH_TOKEN") && !msg.contains("env GITHUB_TOKEN"),
        "{msg}"
    );
    assert!(!msg.contains("canary"), "{msg}");
    assert!(!format!("{e:?}").contains("canary"), "{e:?}");
}

#[tokio::test]
async fn ghe_com_tenancy_takes_gh_token_and_gets_gh_host() {
    let tenancy = || {
        FixtureHome::new()
            .env("GH_HOST", "api.Octo.ghe.com")
            .env("GH_ENTERPRISE_TOKEN", "gh_ghe_env")
            .file(
                HOSTS,
                GhHosts::new()
                    .host("octo.ghe.com", "me", Some("gho_tenancy"))
                    .render(),
            )
    };
    let want_mounts = [
        Mount::env("GH_TOKEN", "GH_TOKEN"),
        Mount::env("GH_HOST", "GH_HOST"),
    ];
    let r = resolve(&tenancy().env("GH_TOKEN", "gh_env")).await.unwrap();
    assert_eq!(token(&r), "gh_env");
    assert_eq!(r.mounts, want_mounts);
    assert_eq!(
        r.data.get("GH_HOST").unwrap().expose_str(),
        Some("octo.ghe.com")
    );
    let r = resolve(&tenancy()).await.unwrap();
    assert_eq!(token(&r), "gho_tenancy");
    assert_eq!(r.mounts, want_mounts);
}

#[tokio::test]
async fn github_com_subdomains_and_a_blank_gh_host_are_github_com() {
    for host in ["api.GitHub.com", "  ", ""] {
        let home = everything()
            .env("GH_HOST", host)
            .env("GH_ENTERPRISE_TOKEN", "gh_ghe_env");
        let r = resolve(&home).await.unwrap();
        assert_eq!(token(&r), "gh_env", "{host:?}");
        only_gh_token(&r);
    }
}

#[tokio::test]
async fn from_path_with_an_enterprise_host_reads_that_host_in_the_directory() {
    let home = FixtureHome::new()
        .file(HOSTS, hosts())
        .env("GH_HOST", "ghe.example.com")
        .env("GH_ENTERPRISE_TOKEN", "gh_ghe_env");
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(&registry, &home.context(), Path::new("~/.config/gh"), None)
        .await
        .unwrap();
    assert_eq!(
        s.data().get("GH_TOKEN").unwrap().expose(),
        b"gho_enterprise"
    );
    assert_eq!(
        s.data().get("GH_HOST").unwrap().expose(),
        b"ghe.example.com"
    );
    assert_eq!(
        s.mounts(),
        [
            Mount::env("GH_TOKEN", "GH_TOKEN"),
            Mount::env("GH_ENTERPRISE_TOKEN", "GH_TOKEN"),
            Mount::env("GH_HOST", "GH_HOST"),
        ]
    );
}

#[tokio::test]
async fn gh_sees_only_the_context_env() {
    // Premise: this process has a variable that the context does not.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    let home = with_fake_gh(FixtureHome::new(), "echo \"$FAKE_GH_TOKEN-$HOME\"")
        .env("FAKE_GH_TOKEN", "gho_ctx");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), format!("gho_ctx-{}", home.root().display()));
}

#[tokio::test]
async fn gh_that_fails_or_prints_nothing_is_nothing_found() {
    for body in ["echo canary-gh-stderr >&2; exit 4", "exit 0", "echo '  '"] {
        let home = with_fake_gh(FixtureHome::new(), body);
        let e = resolve(&home).await.unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::NothingFound { .. }), "{body}: {msg}");
        for place in [
            "env GH_TOKEN",
            "env GITHUB_TOKEN",
            "env GH_CONFIG_DIR",
            "env XDG_CONFIG_HOME",
            "auth token --hostname github.com",
        ] {
            assert!(msg.contains(place), "{place} not in {msg}");
        }
        assert!(
            msg.contains(&home.path(HOSTS).display().to_string()),
            "{msg}"
        );
        assert!(!msg.contains("canary-gh-stderr"), "{msg}");
    }
}

#[tokio::test]
async fn gh_that_hangs_is_stopped_and_named() {
    let provider = GitHub {
        gh_timeout: Duration::from_millis(300),
    };
    let home = with_fake_gh(FixtureHome::new(), "while :; do :; done");
    let start = Instant::now();
    let e = provider.resolve(&home.context()).await.unwrap_err();
    // A bound far above the 300 ms timeout, so a loaded machine cannot trip it; a hang would
    // never return at all.
    assert!(start.elapsed() < Duration::from_secs(30));
    let msg = e.to_string();
    assert!(!matches!(e, Error::NothingFound { .. }), "{msg}");
    assert!(
        msg.contains("auth token") && msg.contains("did not finish"),
        "{msg}"
    );
}

#[tokio::test]
async fn no_usable_gh_on_path() {
    // Not executable; a relative PATH entry; no PATH at all.
    let home = FixtureHome::new()
        .file_mode("bin/gh", "#!/bin/sh\necho gho_x\n", 0o644)
        .env_path("PATH", "bin");
    let relative = FixtureHome::new()
        .file_mode("bin/gh", "#!/bin/sh\necho gho_x\n", 0o755)
        .env("PATH", "bin:");
    for home in [home, relative, FixtureHome::new()] {
        let msg = resolve(&home).await.unwrap_err().to_string();
        assert!(msg.contains("`gh auth token` (no gh on $PATH)"), "{msg}");
    }
}

#[tokio::test]
async fn a_broken_hosts_yml_is_an_error_without_its_text() {
    let home = FixtureHome::new().file(
        HOSTS,
        "github.com:\n    oauth_token: canary-gh-yaml\n  user: [unclosed\n",
    );
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { .. }), "{msg}");
    assert!(
        msg.contains(&home.path(HOSTS).display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("line"), "{msg}");
    assert!(
        !msg.contains("canary-gh-yaml") && !msg.contains("unclosed"),
        "{msg}"
    );

    let home = FixtureHome::new().dir(HOSTS);
    let e = resolve(&home).await.unwrap_err();
    assert!(matches!(e, Error::IsADirectory { .. }), "{e}");
}

#[tokio::test]
async fn from_path_of_the_default_dir_is_the_github_secret() {
    let home = FixtureHome::new()
        .file(HOSTS, hosts())
        .file(
            "elsewhere/hosts.yml",
            GhHosts::new()
                .host("github.com", "x", Some("gho_elsewhere"))
                .render(),
        )
        .env_path("GH_CONFIG_DIR", "elsewhere");
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(&registry, &home.context(), Path::new("~/.config/gh"), None)
        .await
        .unwrap();
    assert_eq!(s.provider(), Some("github"));
    assert_eq!(s.data().get("GH_TOKEN").unwrap().expose(), b"gho_active");
    assert_eq!(s.mounts(), [Mount::env("GH_TOKEN", "GH_TOKEN")]);
}

#[tokio::test]
async fn a_named_directory_is_gh_config_dir_for_gh_auth_token() {
    let home = with_fake_gh(FixtureHome::new(), "echo \"gho_for_$GH_CONFIG_DIR\"")
        .dir("profiles/work")
        .env_path("GH_CONFIG_DIR", "elsewhere");
    let dir = home.path("profiles/work");
    let r = PROVIDER
        .resolve(&home.context().with_path(&dir))
        .await
        .unwrap();
    assert_eq!(token(&r), format!("gho_for_{}", dir.display()));
}

#[test]
fn listed_with_sources_targets_and_its_directory() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env GH_TOKEN | GITHUB_TOKEN, for github.com and *.ghe.com",
            "env GH_ENTERPRISE_TOKEN | GITHUB_ENTERPRISE_TOKEN, for a GitHub Enterprise Server $GH_HOST",
            "oauth_token of $GH_HOST (default github.com) in file $GH_CONFIG_DIR/hosts.yml | $XDG_CONFIG_HOME/gh/hosts.yml | ~/.config/gh/hosts.yml",
            "output of `gh auth token --hostname $GH_HOST`, with gh found on $PATH",
        ]
    );
    assert_eq!(
        info.targets,
        [
            "env GH_TOKEN",
            "env GH_ENTERPRISE_TOKEN (GitHub Enterprise Server)",
            "env GH_HOST (unless github.com)",
        ]
    );
    assert_eq!(info.default_dirs, [".config/gh"]);
}

#[tokio::test]
async fn with_one_host_in_hosts_yml_and_no_gh_host_that_host_is_the_default() {
    // go-gh auth.DefaultHost: a hosts.yml listing only an Enterprise Server host makes it gh's
    // host, so GH_TOKEN (a github.com token) is not taken and the pod is told the host.
    let home = with_fake_gh(FixtureHome::new(), PRINTS_TOKEN)
        .env("GH_TOKEN", "gh_env")
        .file(
            HOSTS,
            GhHosts::new()
                .host("GHE.example.com", "octo", Some("gho_enterprise"))
                .render(),
        );
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "gho_enterprise");
    assert_eq!(
        r.data.get("GH_HOST").unwrap().expose_str(),
        Some("ghe.example.com")
    );
    assert_eq!(r.origins["GH_HOST"], Origin::File(home.path(HOSTS)));
    no_github_com_token(&r);

    // GH_HOST still wins; with two hosts, github.com is the default again.
    let r = resolve(&home.env("GH_HOST", "github.com")).await.unwrap();
    assert_eq!(token(&r), "gh_env");
    only_gh_token(&r);
    let two = FixtureHome::new().file(
        HOSTS,
        GhHosts::new()
            .host("ghe.example.com", "octo", Some("gho_enterprise"))
            .host("github.com", "monalisa", Some("gho_active"))
            .render(),
    );
    let r = resolve(&two).await.unwrap();
    assert_eq!(token(&r), "gho_active");
    only_gh_token(&r);

    // One github.com host: nothing changes.
    let one = FixtureHome::new().file(
        HOSTS,
        GhHosts::new()
            .host("github.com", "monalisa", Some("gho_active"))
            .render(),
    );
    only_gh_token(&resolve(&one).await.unwrap());
}
