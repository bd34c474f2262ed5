//! Precedence of the wandb provider's sources, how it picks the netrc entry, and what the
//! container gets.

use kt_provider_wandb::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::netrc::Netrc;

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn key(r: &Resolved) -> &str {
    r.data
        .get("WANDB_API_KEY")
        .and_then(|v| v.expose_str())
        .unwrap()
}

/// A netrc as people have them: comments, other machines, a macro, a catch-all `default`.
fn netrc_with(wandb_host: &str, wandb_password: &str) -> String {
    Netrc::new()
        .comment("work machines")
        .machine("github.com", "octo", "other-github-pw")
        .macdef("init", &["cd /pub", "bin"])
        .machine(wandb_host, "user", wandb_password)
        .comment("by hand")
        .machine_inline("ftp.example.com", "anon", "other-ftp-pw")
        .default_entry("anonymous", "other-default-pw")
        .render()
}

fn no_other_passwords(r: &Resolved) {
    let dump = format!("{r:?}");
    for (_, v) in r.data.iter() {
        let v = v.expose_str().unwrap();
        assert!(
            !v.starts_with("other-"),
            "another machine's password was taken"
        );
    }
    assert!(!dump.contains("other-"), "{dump}");
}

#[tokio::test]
async fn wandb_api_key_wins_over_the_netrc() {
    let home = FixtureHome::new()
        .env("WANDB_API_KEY", "env-key")
        .file(".netrc", netrc_with("api.wandb.ai", "netrc-key"));
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "env-key");
    assert_eq!(
        r.origins["WANDB_API_KEY"],
        Origin::Env("WANDB_API_KEY".into())
    );
    assert_eq!(r.mounts, [Mount::env("WANDB_API_KEY", "WANDB_API_KEY")]);
}

#[tokio::test]
async fn the_api_wandb_ai_password_of_the_netrc_and_nothing_else() {
    for home in [
        FixtureHome::new(),
        FixtureHome::new().env("WANDB_API_KEY", ""),
    ] {
        let home = home.file(".netrc", netrc_with("api.wandb.ai", "netrc-key"));
        let r = resolve(&home).await.unwrap();
        assert_eq!(key(&r), "netrc-key");
        assert_eq!(
            r.origins["WANDB_API_KEY"],
            Origin::File(home.path(".netrc"))
        );
        assert_eq!(r.data.len(), 1);
        assert_eq!(r.mounts, [Mount::env("WANDB_API_KEY", "WANDB_API_KEY")]);
        no_other_passwords(&r);
    }
}

#[tokio::test]
async fn the_base_url_host_picks_the_entry_and_goes_to_the_pod() {
    let text = Netrc::new()
        .machine("api.wandb.ai", "user", "cloud-key")
        .machine("wandb.corp.example", "user", "onprem-key")
        .render();
    let home = FixtureHome::new()
        .file(".netrc", text)
        .env("WANDB_BASE_URL", "https://wandb.corp.example/");
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "onprem-key");
    assert_eq!(
        r.data.get("WANDB_BASE_URL").unwrap().expose(),
        b"https://wandb.corp.example/"
    );
    assert_eq!(
        r.mounts,
        [
            Mount::env("WANDB_API_KEY", "WANDB_API_KEY"),
            Mount::env("WANDB_BASE_URL", "WANDB_BASE_URL"),
        ]
    );

    // With the key in the env, the base URL comes along too.
    let r = resolve(&home.env("WANDB_API_KEY", "env-key"))
        .await
        .unwrap();
    assert_eq!(key(&r), "env-key");
    assert!(r.data.contains_key("WANDB_BASE_URL"));
}

#[tokio::test]
async fn a_base_url_with_a_port_finds_the_host_port_entry_wandb_login_writes() {
    // `wandb login --host http://localhost:8080` writes `machine localhost:8080`; another
    // service's entry for the bare host must not stand in for it.
    let text = Netrc::new()
        .machine("localhost", "user", "other-localhost-pw")
        .machine("localhost:8080", "user", "local-server-key")
        .render();
    let home = FixtureHome::new()
        .file(".netrc", text)
        .env("WANDB_BASE_URL", "http://localhost:8080");
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "local-server-key");
    no_other_passwords(&r);

    // wandb looks the netloc up as written (wandb/sdk/lib/wbauth/wbnetrc.py): neither the host
    // without its port nor another spelling of it stands in; the catch-all `default` does.
    for url in [
        "https://wandb.corp.example:8443",
        "https://WandB.corp.example",
    ] {
        let home = FixtureHome::new()
            .file(
                ".netrc",
                netrc_with("wandb.corp.example", "other-bare-host-key"),
            )
            .env("WANDB_BASE_URL", url);
        assert_eq!(
            key(&resolve(&home).await.unwrap()),
            "other-default-pw",
            "{url}"
        );
    }
}

#[tokio::test]
async fn the_base_url_wandb_login_host_keeps_in_its_settings_picks_the_key_and_goes_to_the_pod() {
    // `wandb login --host https://wandb.corp.example` writes the host to the settings file and
    // its key to the netrc; wandb uses that host while WANDB_BASE_URL is unset.
    let netrc = Netrc::new()
        .machine("api.wandb.ai", "user", "other-cloud-key")
        .machine("wandb.corp.example", "user", "onprem-key")
        .render();
    let settings = "[default]\nbase_url = https://wandb.corp.example\n";
    let home = FixtureHome::new()
        .file(".netrc", &netrc)
        .file(".config/wandb/settings", settings);
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "onprem-key");
    assert_eq!(
        r.data.get("WANDB_BASE_URL").unwrap().expose(),
        b"https://wandb.corp.example"
    );
    assert_eq!(
        r.origins["WANDB_BASE_URL"],
        Origin::File(home.path(".config/wandb/settings"))
    );
    assert!(
        r.mounts
            .contains(&Mount::env("WANDB_BASE_URL", "WANDB_BASE_URL"))
    );
    no_other_passwords(&r);

    // WANDB_CONFIG_DIR moves the settings; WANDB_BASE_URL beats them.
    let home = FixtureHome::new()
        .file(".netrc", &netrc)
        .file("conf/wandb/settings", settings)
        .env_path("WANDB_CONFIG_DIR", "conf/wandb");
    assert_eq!(key(&resolve(&home).await.unwrap()), "onprem-key");
    let home = home.env("WANDB_BASE_URL", "https://api.wandb.ai");
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "other-cloud-key");
    assert_eq!(
        r.data.get("WANDB_BASE_URL").unwrap().expose(),
        b"https://api.wandb.ai"
    );
}

#[tokio::test]
async fn other_hosts_never_stand_in_for_the_wandb_host_the_default_entry_does() {
    // Python's netrc.authenticators, which wandb asks: the machine, else `default`.
    let other_hosts = Netrc::new()
        .machine("wandb.other.example", "user", "other-pw")
        .machine("api.wandb.ai.evil.example", "user", "other-lookalike-pw")
        .render();
    let e = resolve(&FixtureHome::new().file(".netrc", &other_hosts))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NothingFound { .. }), "{e}");
    assert!(!e.to_string().contains("other-"), "{e}");

    let with_default = format!("{other_hosts}default login anonymous password default-key\n");
    let r = resolve(&FixtureHome::new().file(".netrc", &with_default))
        .await
        .unwrap();
    assert_eq!(key(&r), "default-key");
    no_other_passwords(&r);
}

#[tokio::test]
async fn a_machine_given_twice_keeps_its_last_entry_as_python_does() {
    let text = Netrc::new()
        .machine("api.wandb.ai", "user", "other-old-key")
        .machine("api.wandb.ai", "user", "new-key")
        .render();
    let r = resolve(&FixtureHome::new().file(".netrc", text))
        .await
        .unwrap();
    assert_eq!(key(&r), "new-key");
}

#[tokio::test]
async fn underscore_netrc_only_in_place_of_a_missing_dot_netrc() {
    let under = Netrc::new()
        .machine("api.wandb.ai", "u", "under-key")
        .render();
    let home = FixtureHome::new().file("_netrc", &under);
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "under-key");
    assert_eq!(
        r.origins["WANDB_API_KEY"],
        Origin::File(home.path("_netrc"))
    );

    // A ~/.netrc without the entry, or $NETRC, hides ~/_netrc from wandb.
    let home = FixtureHome::new().file("_netrc", &under).file(
        ".netrc",
        Netrc::new().machine("x.example", "u", "other-x").render(),
    );
    assert!(matches!(
        resolve(&home).await,
        Err(Error::NothingFound { .. })
    ));
    let home = FixtureHome::new()
        .file("_netrc", &under)
        .env_path("NETRC", "missing-netrc");
    assert!(matches!(
        resolve(&home).await,
        Err(Error::NothingFound { .. })
    ));
}

#[tokio::test]
async fn an_entry_without_a_password_is_nothing_found() {
    let home = FixtureHome::new().file(
        ".netrc",
        "machine api.wandb.ai\n  login user\nmachine b.example login x password other-pw\n",
    );
    let e = resolve(&home).await.unwrap_err();
    assert!(matches!(e, Error::NothingFound { .. }), "{e}");
}

#[tokio::test]
async fn a_commented_out_entry_is_not_used() {
    let home = FixtureHome::new().file(
        ".netrc",
        "# machine api.wandb.ai login user password commented-key\n\
         machine b.example login x password other-pw\n",
    );
    let e = resolve(&home).await.unwrap_err();
    assert!(matches!(e, Error::NothingFound { .. }), "{e}");
}

#[tokio::test]
async fn a_comment_after_a_blank_line_is_rejected_as_python_rejects_it() {
    let home = FixtureHome::new().file(
        ".netrc",
        "machine api.wandb.ai login user password netrc-key\n\n# other machines\n",
    );
    let e = resolve(&home).await.unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e}");
}

#[tokio::test]
async fn netrc_env_var_relocates_the_file() {
    let home = FixtureHome::new()
        .file(".netrc", netrc_with("api.wandb.ai", "home-key"))
        .file("conf/netrc", netrc_with("api.wandb.ai", "relocated-key"))
        .env_path("NETRC", "conf/netrc");
    let r = resolve(&home).await.unwrap();
    assert_eq!(key(&r), "relocated-key");
    assert_eq!(
        r.origins["WANDB_API_KEY"],
        Origin::File(home.path("conf/netrc"))
    );

    // NETRC naming a missing file: ~/.netrc is not read instead.
    let home = FixtureHome::new()
        .file(".netrc", netrc_with("api.wandb.ai", "home-key"))
        .env_path("NETRC", "conf/missing");
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::NothingFound { .. }), "{msg}");
    assert!(
        msg.contains(&home.path("conf/missing").display().to_string()),
        "{msg}"
    );
}

#[tokio::test]
async fn nothing_found_names_the_env_var_and_the_netrc() {
    let home = FixtureHome::new();
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(msg.contains("env WANDB_API_KEY"), "{msg}");
    assert!(msg.contains("env NETRC"), "{msg}");
    assert!(
        msg.contains(&home.path(".netrc").display().to_string()),
        "{msg}"
    );
}

#[tokio::test]
async fn a_netrc_that_does_not_parse_is_an_error_without_its_tokens() {
    // An unquoted password with a space: the second word is a stray token.
    let home = FixtureHome::new().file(
        ".netrc",
        "machine api.wandb.ai\n  login user\n  password first-half canary-second-half\n",
    );
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { .. }), "{msg}");
    assert!(
        msg.contains(&home.path(".netrc").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("not a valid netrc file"), "{msg}");
    assert!(
        !msg.contains("canary-second-half") && !msg.contains("first-half"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_base_url_without_a_host_is_an_error_naming_it() {
    let home = FixtureHome::new()
        .file(".netrc", netrc_with("api.wandb.ai", "netrc-key"))
        .env("WANDB_BASE_URL", "wandb.corp.example");
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(
        msg.contains("WANDB_BASE_URL") && msg.contains("wandb"),
        "{msg}"
    );
}

#[test]
fn listed_with_sources_and_targets() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env WANDB_API_KEY",
            "password of machine api.wandb.ai (or the base URL's host[:port]), else of `default` in file $NETRC | ~/.netrc",
            "the same password (only without $NETRC and ~/.netrc) in file ~/_netrc",
            "env WANDB_BASE_URL (optional)",
            "base_url in file $WANDB_CONFIG_DIR/settings | ~/.config/wandb/settings",
        ]
    );
    assert_eq!(info.targets, ["env WANDB_API_KEY", "env WANDB_BASE_URL"]);
    // The home, where ~/.netrc lives, is nobody's own directory.
    assert!(info.default_dirs.is_empty());
    assert!(Registry::builtin().unwrap().contains("wandb"));
}
