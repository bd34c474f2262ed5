//! Where the lambda provider looks, in which order, and what the container gets.

use std::path::Path;

use kt_provider_lambda::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::lambda::lambda_keys;

const KEYS: &str = ".lambda_cloud/lambda_keys";

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn value<'a>(r: &'a Resolved, key: &str) -> &'a str {
    r.data.get(key).unwrap().expose_str().unwrap()
}

fn both_mounts() -> Vec<Mount> {
    vec![
        Mount::env("LAMBDA_API_KEY", "LAMBDA_API_KEY"),
        Mount::file("lambda_keys", "~/.lambda_cloud/lambda_keys", 0o600),
    ]
}

#[tokio::test]
async fn env_var_and_key_file_each_travel_as_they_are() {
    // Scripts read the env var, SkyPilot the file: each finds in the pod what it finds here.
    let home = FixtureHome::new()
        .env("LAMBDA_API_KEY", "secret_env")
        .file(KEYS, lambda_keys("secret_file"));
    let r = resolve(&home).await.unwrap();
    assert_eq!(value(&r, "LAMBDA_API_KEY"), "secret_env");
    assert_eq!(value(&r, "lambda_keys"), "api_key = secret_file\n");
    assert_eq!(r.mounts, both_mounts());
    assert_eq!(r.origins["lambda_keys"], Origin::File(home.path(KEYS)));

    // With the env var alone, the pod gets its key both ways.
    let home = FixtureHome::new().env("LAMBDA_API_KEY", "secret_env");
    let r = resolve(&home).await.unwrap();
    assert_eq!(value(&r, "lambda_keys"), "api_key = secret_env\n");
    assert_eq!(
        r.origins["lambda_keys"],
        Origin::Env("LAMBDA_API_KEY".into())
    );
}

#[tokio::test]
async fn the_last_api_key_line_wins_and_only_spaced_lines_count_as_skypilot_reads_them() {
    for (text, want) in [
        ("api_key = old\napi_key = new\n", "new"),
        ("api_key = first\r\napi_key = second\r\n", "second"),
        ("api_key = a\rapi_key = b\r", "b"),
        (
            "api_key = good\napi_key=unspaced\n# api_key = commented\n",
            "good",
        ),
        ("  api_key = padded  \n", "padded"),
        ("api_key = cut = here\n", "cut"),
    ] {
        let home = FixtureHome::new().file(KEYS, text);
        let r = resolve(&home).await.unwrap();
        assert_eq!(value(&r, "LAMBDA_API_KEY"), want, "{text:?}");
        assert_eq!(value(&r, "lambda_keys"), format!("api_key = {want}\n"));
    }
    for text in ["api_key=unspaced\n", "api_key = \n", "API_KEY = x\n"] {
        let home = FixtureHome::new().file(KEYS, text);
        let e = resolve(&home).await.unwrap_err();
        assert!(matches!(e, Error::Parse { .. }), "{text:?}: {e}");
    }
}

#[tokio::test]
async fn key_file_is_read_and_rewritten_with_the_key_only() {
    let home = FixtureHome::new().file(
        KEYS,
        format!("{}# a note\nother = x\n", lambda_keys("secret_file")),
    );
    let r = resolve(&home).await.unwrap();
    assert_eq!(value(&r, "LAMBDA_API_KEY"), "secret_file");
    assert_eq!(value(&r, "lambda_keys"), "api_key = secret_file\n");
    assert_eq!(r.mounts, both_mounts());
    assert_eq!(r.origins["LAMBDA_API_KEY"], Origin::File(home.path(KEYS)));
}

#[tokio::test]
async fn an_empty_env_var_is_unset() {
    let home = FixtureHome::new()
        .env("LAMBDA_API_KEY", "")
        .file(KEYS, lambda_keys("secret_file"));
    let r = resolve(&home).await.unwrap();
    assert_eq!(value(&r, "LAMBDA_API_KEY"), "secret_file");
}

#[tokio::test]
async fn key_file_without_api_key_is_an_error_naming_it() {
    let home = FixtureHome::new().file(KEYS, "# no key here\nregion = us-east-1\n");
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { .. }), "{msg}");
    assert!(
        msg.contains(&home.path(KEYS).display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("api_key"), "{msg}");
}

#[tokio::test]
async fn unparsable_key_file_is_an_error_without_its_text() {
    let home = FixtureHome::new().file(KEYS, b"api_key = canary-lambda-broken\xff\n");
    let msg = resolve(&home).await.unwrap_err().to_string();
    assert!(
        msg.contains(&home.path(KEYS).display().to_string()),
        "{msg}"
    );
    assert!(!msg.contains("canary-lambda-broken"), "{msg}");
}

#[tokio::test]
async fn nothing_found_names_the_env_var_and_the_file() {
    let home = FixtureHome::new();
    let e = resolve(&home).await.unwrap_err();
    assert!(e.is_nothing_found());
    let msg = e.to_string();
    assert!(msg.contains("env LAMBDA_API_KEY"), "{msg}");
    assert!(
        msg.contains(&home.path(KEYS).display().to_string()),
        "{msg}"
    );
}

#[tokio::test]
async fn from_path_of_the_default_dir_reads_that_dir_even_with_the_env_var_set() {
    let home = FixtureHome::new()
        .env("LAMBDA_API_KEY", "secret_env")
        .file(KEYS, lambda_keys("secret_file"));
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(
        &registry,
        &home.context(),
        Path::new("~/.lambda_cloud"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(s.provider(), Some("lambda"));
    assert_eq!(
        s.data().get("LAMBDA_API_KEY").unwrap().expose(),
        b"secret_file"
    );
}

#[test]
fn listing_names_sources_targets_and_the_default_dir() {
    let info = PROVIDER.info();
    assert!(info.sources.iter().any(|s| s.contains("LAMBDA_API_KEY")));
    assert!(info.sources.iter().any(|s| s.contains("lambda_keys")));
    assert!(info.targets.contains(&"env LAMBDA_API_KEY".to_owned()));
    assert!(
        info.targets
            .contains(&"file ~/.lambda_cloud/lambda_keys (0600)".to_owned())
    );
    assert_eq!(info.default_dirs, [".lambda_cloud"]);
}
