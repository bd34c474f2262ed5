//! Precedence of the huggingface provider's sources, the directories that relocate its token
//! file, and what the container gets.

use std::path::Path;

use kt_provider_huggingface::PROVIDER;
use kt_secrets_core::{Error, Mount, Origin, Provider, Registry, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;

const DEFAULT_FILE: &str = ".cache/huggingface/token";

async fn resolve(home: &FixtureHome) -> kt_secrets_core::Result<Resolved> {
    PROVIDER.resolve(&home.context()).await
}

fn token(r: &Resolved) -> &str {
    r.data.get("HF_TOKEN").and_then(|v| v.expose_str()).unwrap()
}

fn from_file(r: &Resolved, path: &Path) {
    assert_eq!(r.origins["HF_TOKEN"], Origin::File(path.to_path_buf()));
}

/// Only env `HF_TOKEN`, never a file: the container's `~/.cache/huggingface` is its model cache.
fn only_env_target(r: &Resolved) {
    assert_eq!(r.data.keys().collect::<Vec<_>>(), ["HF_TOKEN"]);
    assert_eq!(r.mounts, [Mount::env("HF_TOKEN", "HF_TOKEN")]);
}

fn all_sources() -> FixtureHome {
    FixtureHome::new()
        .env("HF_TOKEN", "hf_env")
        .env("HUGGING_FACE_HUB_TOKEN", "hf_legacy")
        .file(DEFAULT_FILE, "hf_file\n")
}

#[tokio::test]
async fn hf_token_wins_over_everything() {
    let r = resolve(&all_sources()).await.unwrap();
    assert_eq!(token(&r), "hf_env");
    assert_eq!(r.origins["HF_TOKEN"], Origin::Env("HF_TOKEN".into()));
    only_env_target(&r);
}

#[tokio::test]
async fn hugging_face_hub_token_comes_next() {
    for home in [
        all_sources().env("HF_TOKEN", ""),
        FixtureHome::new()
            .env("HUGGING_FACE_HUB_TOKEN", "hf_legacy")
            .file(DEFAULT_FILE, "hf_file\n"),
    ] {
        let r = resolve(&home).await.unwrap();
        assert_eq!(token(&r), "hf_legacy");
        assert_eq!(
            r.origins["HF_TOKEN"],
            Origin::Env("HUGGING_FACE_HUB_TOKEN".into())
        );
        only_env_target(&r);
    }
}

#[tokio::test]
async fn then_the_default_token_file_trimmed() {
    let home = all_sources()
        .env("HF_TOKEN", "")
        .env("HUGGING_FACE_HUB_TOKEN", "")
        .file(DEFAULT_FILE, "  hf_file \r\n\n");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "hf_file");
    from_file(&r, &home.path(DEFAULT_FILE));
    only_env_target(&r);
}

#[tokio::test]
async fn hf_token_path_beats_hf_home_and_the_default() {
    let home = FixtureHome::new()
        .file(DEFAULT_FILE, "hf_default\n")
        .file("hf-home/token", "hf_home\n")
        .file("elsewhere/my-token", "hf_named\n")
        .env_path("HF_HOME", "hf-home")
        .env_path("HF_TOKEN_PATH", "elsewhere/my-token");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "hf_named");
    from_file(&r, &home.path("elsewhere/my-token"));
}

#[tokio::test]
async fn hf_home_beats_xdg_cache_home_which_beats_the_default() {
    let base = || {
        FixtureHome::new()
            .file(DEFAULT_FILE, "hf_default\n")
            .file("hf-home/token", "hf_home\n")
            .file("xdg/huggingface/token", "hf_xdg\n")
            .env_path("XDG_CACHE_HOME", "xdg")
    };
    let home = base().env("HF_HOME", "~/hf-home");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "hf_home");
    from_file(&r, &home.path("hf-home/token"));

    let home = base();
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "hf_xdg");
    from_file(&r, &home.path("xdg/huggingface/token"));

    let home = base().env("XDG_CACHE_HOME", "").env("HF_HOME", "");
    let r = resolve(&home).await.unwrap();
    assert_eq!(token(&r), "hf_default");
}

#[tokio::test]
async fn a_relocated_file_that_is_missing_is_not_replaced_by_the_default() {
    // huggingface_hub reads only the one file its settings name.
    let home = FixtureHome::new()
        .file(DEFAULT_FILE, "hf_default\n")
        .env_path("HF_TOKEN_PATH", "nowhere/token");
    let e = resolve(&home).await.unwrap_err();
    assert!(matches!(e, Error::NothingFound { .. }), "{e}");
    assert!(
        e.to_string()
            .contains(&home.path("nowhere/token").display().to_string()),
        "{e}"
    );
}

#[tokio::test]
async fn an_empty_or_blank_token_file_is_nothing_found() {
    for text in ["", " \n\t\n"] {
        let home = FixtureHome::new().file(DEFAULT_FILE, text);
        let e = resolve(&home).await.unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::NothingFound { .. }), "{msg}");
        for place in [
            "env HF_TOKEN",
            "env HUGGING_FACE_HUB_TOKEN",
            "env HF_TOKEN_PATH",
            "env HF_HOME",
            "env XDG_CACHE_HOME",
            &home.path(DEFAULT_FILE).display().to_string(),
        ] {
            assert!(msg.contains(place), "{place} not in {msg}");
        }
    }
}

#[tokio::test]
async fn a_broken_token_file_is_an_error_naming_it() {
    let home = FixtureHome::new().dir(DEFAULT_FILE);
    let e = resolve(&home).await.unwrap_err();
    assert!(matches!(e, Error::IsADirectory { .. }), "{e}");

    let home = FixtureHome::new().file(DEFAULT_FILE, b"hf_\xff\xfe-canary-bytes\n");
    let e = resolve(&home).await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(&home.path(DEFAULT_FILE).display().to_string()),
        "{msg}"
    );
    assert!(!msg.contains("canary-bytes"), "{msg}");
}

#[tokio::test]
async fn from_path_of_the_default_dir_is_the_huggingface_secret() {
    let home = FixtureHome::new()
        .file(DEFAULT_FILE, "hf_file\n")
        .file("hf-home/token", "hf_home\n")
        .env_path("HF_HOME", "hf-home");
    let registry = Registry::builtin().unwrap();
    let s = Secret::from_path_in(
        &registry,
        &home.context(),
        Path::new("~/.cache/huggingface"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(s.provider(), Some("huggingface"));
    assert_eq!(s.name(), "huggingface");
    // The directory named wins over HF_HOME, which points elsewhere.
    assert_eq!(s.data().get("HF_TOKEN").unwrap().expose(), b"hf_file");
    assert_eq!(s.mounts(), [Mount::env("HF_TOKEN", "HF_TOKEN")]);
}

#[tokio::test]
async fn provider_with_a_path_reads_that_directory() {
    let home = FixtureHome::new()
        .file(DEFAULT_FILE, "hf_default\n")
        .file("other/token", "hf_other\n");
    let s = Secret::builder()
        .provider("huggingface")
        .path(home.path("other"))
        .context(home.context())
        .registry(Registry::builtin().unwrap())
        .build()
        .await
        .unwrap();
    assert_eq!(s.data().get("HF_TOKEN").unwrap().expose(), b"hf_other");
}

#[test]
fn listed_with_sources_targets_and_its_directory() {
    let info = PROVIDER.info();
    assert_eq!(
        info.sources,
        [
            "env HF_TOKEN | HUGGING_FACE_HUB_TOKEN",
            "token in file $HF_TOKEN_PATH | $HF_HOME/token | $XDG_CACHE_HOME/huggingface/token | ~/.cache/huggingface/token",
        ]
    );
    assert_eq!(info.targets, ["env HF_TOKEN"]);
    assert_eq!(info.default_dirs, [".cache/huggingface"]);
}
