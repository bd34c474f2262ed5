//! Where the aws provider looks, in which order, which profile it picks, and what the
//! container gets.

use std::path::Path;

use kt_provider_aws::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::aws::{AwsConfig, AwsCredentials};

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn text<'a>(r: &'a Resolved, key: &str) -> &'a str {
    r.data.get(key).unwrap().expose_str().unwrap()
}

fn keys(r: &Resolved) -> Vec<&str> {
    r.data.keys().collect()
}

fn credentials() -> String {
    AwsCredentials::new()
        .profile("default", "AKIADEFAULT", "default-secret")
        .profile("work", "AKIAWORK", "work-secret")
        .session("temp", "ASIATEMP", "temp-secret", "temp-token")
        .profile("base", "AKIABASE", "base-secret")
        .build()
}

fn config() -> String {
    AwsConfig::new()
        .profile("default", &[("region", "us-east-1"), ("output", "json")])
        .profile("work", &[("region", "eu-west-1")])
        .profile(
            "deploy",
            &[
                ("role_arn", "arn:aws:iam::123456789012:role/deploy"),
                ("source_profile", "base"),
                ("region", "us-west-2"),
            ],
        )
        .profile(
            "corp",
            &[
                ("sso_session", "corp-sso"),
                ("sso_account_id", "123456789012"),
                ("sso_role_name", "Dev"),
                ("services", "local"),
            ],
        )
        .sso_session(
            "corp-sso",
            &[
                ("sso_start_url", "https://corp.awsapps.com/start"),
                ("sso_region", "us-east-1"),
            ],
        )
        .sso_session(
            "other-sso",
            &[("sso_start_url", "https://other.awsapps.com/start")],
        )
        .services("local", "s3", &[("endpoint_url", "http://127.0.0.1:9000")])
        .profile("config-only", &[("region", "ap-south-1")])
        .build()
}

fn both_files() -> FixtureHome {
    FixtureHome::new()
        .file(".aws/credentials", credentials())
        .file(".aws/config", config())
}

fn file_mounts() -> Vec<Mount> {
    vec![
        Mount::file("credentials", "~/.aws/credentials", 0o600),
        Mount::file("config", "~/.aws/config", 0o600),
    ]
}

#[tokio::test]
async fn env_keys_win_over_the_files() {
    let home = both_files()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_SESSION_TOKEN", "env-token")
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_PROFILE", "work");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        keys(&r),
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_REGION",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN"
        ]
    );
    assert_eq!(text(&r, "AWS_SECRET_ACCESS_KEY"), "env-secret");
    assert!(r.mounts.iter().all(|m| matches!(m, Mount::Env { .. })));
}

#[tokio::test]
async fn env_keys_take_the_region_of_the_selected_profile_in_the_config() {
    // `aws configure` keeps the region in ~/.aws/config; with keys from env the laptop's SDK
    // still reads it there, and the pod, which gets no config, needs it as env.
    let home = both_files()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_PROFILE", "work");
    let r = resolve(&home).await.unwrap();
    assert_eq!(text(&r, "AWS_REGION"), "eu-west-1");
    assert_eq!(
        r.origins["AWS_REGION"],
        Origin::File(home.path(".aws/config"))
    );
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        assert!(r.mounts.contains(&Mount::env(var, "AWS_REGION")), "{var}");
    }
    assert!(!r.data.contains_key("config"));

    let home = both_files()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret");
    assert_eq!(
        text(&resolve(&home).await.unwrap(), "AWS_REGION"),
        "us-east-1"
    );

    // A region env var beats the config, as in the SDKs.
    let r = resolve(&home.env("AWS_DEFAULT_REGION", "ca-central-1"))
        .await
        .unwrap();
    assert_eq!(
        keys(&r),
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_DEFAULT_REGION",
            "AWS_SECRET_ACCESS_KEY"
        ]
    );
    assert_eq!(text(&r, "AWS_DEFAULT_REGION"), "ca-central-1");
}

#[tokio::test]
async fn a_profile_gets_the_region_env_vars_that_beat_its_config_on_the_laptop() {
    let home = both_files()
        .env("AWS_PROFILE", "work")
        .env("AWS_REGION", "ap-northeast-1");
    let r = resolve(&home).await.unwrap();
    assert_eq!(text(&r, "AWS_REGION"), "ap-northeast-1");
    assert!(r.mounts.contains(&Mount::env("AWS_REGION", "AWS_REGION")));
    assert_eq!(text(&r, "config"), "\n[profile work]\nregion = eu-west-1\n");
}

#[tokio::test]
async fn an_incomplete_env_key_pair_is_an_error_naming_both() {
    // botocore stops with PartialCredentialsError rather than use the files (tests/sdk.rs).
    for home in [
        both_files().env("AWS_ACCESS_KEY_ID", "AKIAENV"),
        both_files().env("AWS_SECRET_ACCESS_KEY", "canary-half"),
    ] {
        let e = resolve(&home).await.unwrap_err().to_string();
        assert!(
            e.contains("AWS_ACCESS_KEY_ID") && e.contains("AWS_SECRET_ACCESS_KEY"),
            "{e}"
        );
        assert!(!e.contains("canary") && !e.contains("AKIAENV"), "{e}");
    }
}

#[tokio::test]
async fn default_profile_ships_only_its_own_sections() {
    let home = both_files();
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        text(&r, "credentials"),
        // No comment travels: one may hold another profile's old key.
        "\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key=default-secret\n"
    );
    assert_eq!(
        text(&r, "config"),
        "\n[default]\nregion = us-east-1\noutput=json\n"
    );
    for other in ["work-secret", "temp-secret", "base-secret", "AKIAWORK"] {
        assert!(
            r.data
                .iter()
                .all(|(_, v)| !v.expose_str().unwrap().contains(other)),
            "{other} shipped"
        );
    }
    // The static keys stay in the file (the SDKs read them there): the object is the files
    // only, Kubetorch's shape for aws; no AWS_PROFILE for the default.
    assert_eq!(keys(&r), ["config", "credentials"]);
    assert_eq!(r.mounts, file_mounts());
    assert_eq!(
        r.origins["credentials"],
        Origin::File(home.path(".aws/credentials"))
    );
}

#[tokio::test]
async fn aws_profile_selects_a_profile_from_both_files_and_is_set_in_the_pod() {
    let home = both_files().env("AWS_PROFILE", "work");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        text(&r, "credentials"),
        // Not even a comment inside the profile travels.
        "\n[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key=work-secret\n"
    );
    assert_eq!(text(&r, "config"), "\n[profile work]\nregion = eu-west-1\n");
    assert_eq!(text(&r, "AWS_PROFILE"), "work");
    assert_eq!(r.origins["AWS_PROFILE"], Origin::Env("AWS_PROFILE".into()));
    assert!(r.mounts.contains(&Mount::env("AWS_PROFILE", "AWS_PROFILE")));
    assert_eq!(keys(&r), ["AWS_PROFILE", "config", "credentials"]);
}

#[tokio::test]
async fn aws_default_profile_is_the_fallback_and_aws_profile_beats_it() {
    let home = both_files().env("AWS_DEFAULT_PROFILE", "temp");
    let r = resolve(&home).await.unwrap();
    assert_eq!(text(&r, "AWS_PROFILE"), "temp");
    assert!(text(&r, "credentials").contains("temp-token"));
    assert!(!r.data.contains_key("AWS_SESSION_TOKEN"));
    assert_eq!(
        r.origins["AWS_PROFILE"],
        Origin::Env("AWS_DEFAULT_PROFILE".into())
    );
    // The profile exists only in credentials: no config file goes to the pod.
    assert!(!r.data.contains_key("config"));

    let home = both_files()
        .env("AWS_DEFAULT_PROFILE", "temp")
        .env("AWS_PROFILE", "work");
    let r = resolve(&home).await.unwrap();
    assert_eq!(text(&r, "AWS_PROFILE"), "work");
}

#[tokio::test]
async fn explicit_default_profile_sets_no_aws_profile() {
    let home = both_files().env("AWS_PROFILE", "default");
    let r = resolve(&home).await.unwrap();
    assert_eq!(keys(&r), ["config", "credentials"]);
}

#[tokio::test]
async fn a_role_profile_brings_its_source_profile_and_exports_no_keys() {
    let home = both_files().env("AWS_PROFILE", "deploy");
    let r = resolve(&home).await.unwrap();
    assert_eq!(
        text(&r, "config"),
        "\n[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile=base\nregion = us-west-2\n"
    );
    assert!(text(&r, "credentials").starts_with("\n[base]\n"));
    assert!(text(&r, "credentials").contains("base-secret"));
    assert_eq!(keys(&r), ["AWS_PROFILE", "config", "credentials"]);
}

#[tokio::test]
async fn an_sso_profile_brings_its_session_and_nested_services() {
    let home = both_files().env("AWS_PROFILE", "corp");
    let r = resolve(&home).await.unwrap();
    let config = text(&r, "config");
    assert!(config.contains("[profile corp]\n"), "{config}");
    assert!(
        config.contains("[sso-session corp-sso]\nsso_start_url = https://corp.awsapps.com/start\n"),
        "{config}"
    );
    assert!(
        config.contains("[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n"),
        "{config}"
    );
    assert!(!config.contains("other-sso"), "{config}");
    assert!(!config.contains("[default]"), "{config}");
    assert!(!r.data.contains_key("credentials"));
    assert!(!r.data.contains_key("AWS_ACCESS_KEY_ID"));
}

#[tokio::test]
async fn a_profile_with_settings_only_ships_the_config() {
    let home = both_files().env("AWS_PROFILE", "config-only");
    let r = resolve(&home).await.unwrap();
    assert_eq!(keys(&r), ["AWS_PROFILE", "config"]);
    assert_eq!(r.mounts[0], Mount::file("config", "~/.aws/config", 0o600));
}

#[tokio::test]
async fn a_named_profile_that_does_not_exist_names_itself_and_the_files() {
    let home = both_files().env("AWS_PROFILE", "nope");
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(!e.is_nothing_found(), "{msg}");
    assert!(msg.contains("\"nope\" (from AWS_PROFILE)"), "{msg}");
    assert!(
        msg.contains(&home.path(".aws/credentials").display().to_string()),
        "{msg}"
    );
    assert!(
        msg.contains(&home.path(".aws/config").display().to_string()),
        "{msg}"
    );
    assert!(
        msg.contains("base, config-only, corp, default, deploy, temp, work"),
        "{msg}"
    );
    assert!(!msg.contains("secret"), "{msg}");
}

#[tokio::test]
async fn files_without_a_default_profile_are_an_error_when_none_is_named() {
    let home = FixtureHome::new().file(
        ".aws/credentials",
        AwsCredentials::new()
            .profile("work", "AKIAWORK", "work-secret")
            .build(),
    );
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(msg.contains("profile \"default\" is not in"), "{msg}");
}

#[tokio::test]
async fn a_missing_source_profile_is_an_error_naming_both_profiles() {
    let home = FixtureHome::new()
        .file(
            ".aws/config",
            AwsConfig::new()
                .profile(
                    "deploy",
                    &[
                        ("role_arn", "arn:aws:iam::1:role/x"),
                        ("source_profile", "gone"),
                    ],
                )
                .build(),
        )
        .env("AWS_PROFILE", "deploy");
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(
        msg.contains("\"gone\", the source_profile of \"deploy\""),
        "{msg}"
    );
}

/// Found by the `aws_profiles` fuzz target: rust-ini continued a value ending in `\` onto
/// the next line, which botocore does not, and the error then quoted that line.
#[tokio::test]
async fn a_backslash_at_the_end_of_a_value_does_not_join_the_next_line() {
    let home = FixtureHome::new()
        .file(
            ".aws/config",
            "[profile deploy]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\\\n\
             aws_secret_access_key = canary-joined-line\n",
        )
        .env("AWS_PROFILE", "deploy");
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(
        msg.contains("profile \"base\\\\\", the source_profile of \"deploy\""),
        "{msg}"
    );
    assert!(!msg.contains("canary-joined-line"), "{msg}");
}

#[tokio::test]
async fn env_vars_relocate_the_files_but_not_their_place_in_the_pod() {
    let home = both_files()
        .file(
            "elsewhere/creds.ini",
            AwsCredentials::new()
                .profile("default", "AKIAELSE", "else-secret")
                .build(),
        )
        .file(
            "elsewhere/conf.ini",
            AwsConfig::new()
                .profile("default", &[("region", "sa-east-1")])
                .build(),
        )
        .env_path("AWS_SHARED_CREDENTIALS_FILE", "elsewhere/creds.ini")
        .env_path("AWS_CONFIG_FILE", "elsewhere/conf.ini");
    let r = resolve(&home).await.unwrap();
    assert!(text(&r, "credentials").contains("AKIAELSE"));
    assert!(text(&r, "config").contains("sa-east-1"));
    assert_eq!(
        r.origins["credentials"],
        Origin::File(home.path("elsewhere/creds.ini"))
    );
    assert_eq!(&r.mounts[..2], file_mounts());
}

#[tokio::test]
async fn a_file_named_by_env_that_is_missing_is_an_error_naming_the_var() {
    let home = both_files().env_path("AWS_CONFIG_FILE", "gone.ini");
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(msg.contains("AWS_CONFIG_FILE"), "{msg}");
    assert!(
        msg.contains(&home.path("gone.ini").display().to_string()),
        "{msg}"
    );
}

#[tokio::test]
async fn inline_notes_keep_keys_in_the_files() {
    let home = FixtureHome::new().file(
        ".aws/credentials",
        "[default] # the main account\naws_access_key_id = AKIAINLINE ; rotated\naws_secret_access_key = s3cr3t#part # note\n",
    );
    let r = resolve(&home).await.unwrap();
    // botocore reads `AKIAINLINE ; rotated`, other SDKs `AKIAINLINE`: the keys stay in the
    // file, as written, where each SDK reads them as on the laptop (tests/sdk.rs).
    assert!(!r.data.contains_key("AWS_ACCESS_KEY_ID"));
    assert!(!r.data.contains_key("AWS_SECRET_ACCESS_KEY"));
    assert!(text(&r, "credentials").contains("AKIAINLINE ; rotated"));
}

#[tokio::test]
async fn a_file_that_does_not_parse_is_an_error_naming_it_without_its_text() {
    let home = FixtureHome::new().file(
        ".aws/credentials",
        "[default\naws_secret_access_key = canary-aws-unparsed\n",
    );
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { .. }), "{msg}");
    assert!(
        msg.contains(&home.path(".aws/credentials").display().to_string()),
        "{msg}"
    );
    assert!(!msg.contains("canary-aws-unparsed"), "{msg}");
}

#[tokio::test]
async fn nothing_found_names_env_vars_and_files() {
    let home = FixtureHome::new();
    let e = resolve(&home).await.unwrap_err();
    assert!(e.is_nothing_found());
    let msg = e.to_string();
    for place in [
        "env AWS_ACCESS_KEY_ID",
        "env AWS_SHARED_CREDENTIALS_FILE",
        "env AWS_CONFIG_FILE",
    ] {
        assert!(msg.contains(place), "{place} not in {msg}");
    }
    for file in [".aws/credentials", ".aws/config"] {
        assert!(
            msg.contains(&home.path(file).display().to_string()),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn from_path_of_the_default_dir_reads_that_dir_even_with_env_keys_and_files_set() {
    let home = both_files()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .file(
            "elsewhere/creds.ini",
            AwsCredentials::new()
                .profile("default", "AKIAELSE", "x")
                .build(),
        )
        .env_path("AWS_SHARED_CREDENTIALS_FILE", "elsewhere/creds.ini");
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(&registry, &home.context(), Path::new("~/.aws"), None)
        .await
        .unwrap();
    assert_eq!(s.provider(), Some("aws"));
    let creds = s.data().get("credentials").unwrap().expose();
    assert!(String::from_utf8_lossy(creds).contains("AKIADEFAULT"));
    assert!(!s.data().contains_key("AWS_ACCESS_KEY_ID"));
}

#[test]
fn listing_names_sources_targets_and_the_default_dir() {
    let info = PROVIDER.info();
    assert!(info.sources[0].contains("AWS_ACCESS_KEY_ID"));
    assert!(
        info.sources
            .iter()
            .any(|s| s.contains("AWS_SHARED_CREDENTIALS_FILE"))
    );
    assert!(info.sources.iter().any(|s| s.contains("AWS_PROFILE")));
    for t in [
        "env AWS_ACCESS_KEY_ID",
        "env AWS_SESSION_TOKEN",
        "file ~/.aws/credentials (0600)",
        "file ~/.aws/config (0600)",
        "env AWS_PROFILE (when not default)",
    ] {
        assert!(
            info.targets.contains(&t.to_owned()),
            "{t}: {:?}",
            info.targets
        );
    }
    assert_eq!(info.default_dirs, [".aws"]);
}

#[tokio::test]
async fn the_shipped_files_give_the_pod_the_same_profile() {
    for profile in ["default", "work", "temp", "deploy", "corp", "config-only"] {
        let laptop = both_files().env("AWS_PROFILE", profile);
        let first = resolve(&laptop).await.unwrap();
        let mut pod = FixtureHome::new().env("AWS_PROFILE", profile);
        for (key, value) in first.data.iter() {
            if key == "credentials" || key == "config" {
                pod = pod.file(format!(".aws/{key}"), value.expose());
            }
        }
        let second = resolve(&pod).await.unwrap();
        assert_eq!(first.data, second.data, "{profile}");
        assert_eq!(first.mounts, second.mounts, "{profile}");
    }
}
