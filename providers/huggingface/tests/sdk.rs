//! `huggingface_hub` itself (pinned in .ci/requirements.txt) finds the token for each layout
//! twice, on the laptop and in the container view of what the provider resolved:
//! `get_token()` must give the same token both times.

use std::sync::LazyLock;

use kt_provider_huggingface::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::{Oracle, assert_same};

/// huggingface_hub/utils/_auth.py, `get_token`: env, then the token file of
/// huggingface_hub/constants.py (`HF_TOKEN_PATH`, else `token` under `HF_HOME`).
const TOKEN: &str = "import huggingface_hub\nout({'token': huggingface_hub.get_token()})";

static ORACLE: LazyLock<Oracle> = LazyLock::new(|| {
    Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["huggingface_hub"], TOKEN)
        .env("HF_HUB_OFFLINE", "1")
});

/// `hf auth login` keeps every named token in `stored_tokens` beside the active one.
fn stored_tokens(active: &str) -> String {
    format!("[work]\nhf_token = {active}\n\n[personal]\nhf_token = hf_other_personal\n")
}

async fn same_token(home: FixtureHome, want: &str, unused: &[&str]) {
    let laptop = ORACLE.on_laptop(&home).json();
    let pod = ORACLE.in_pod(&home, &PROVIDER).await;
    assert!(
        laptop["token"] == want,
        "huggingface_hub on the laptop has another token"
    );
    assert_same(&laptop, &pod.observed.json());
    for v in unused {
        pod.assert_not_carried(v, "huggingface_hub on the laptop does not use it");
    }
}

#[tokio::test]
async fn hf_auth_login_token_file_with_stored_tokens() {
    let home = FixtureHome::new()
        .file(".cache/huggingface/token", "hf_canary_1")
        .file(
            ".cache/huggingface/stored_tokens",
            stored_tokens("hf_canary_1"),
        );
    same_token(home, "hf_canary_1", &["hf_other_personal"]).await;
}

#[tokio::test]
async fn hf_token_env_wins_over_the_file() {
    let home = FixtureHome::new()
        .env("HF_TOKEN", "hf_canary_2")
        .env("HUGGING_FACE_HUB_TOKEN", "hf_other_legacy_2")
        .file(".cache/huggingface/token", "hf_other_file_2\n");
    same_token(
        home,
        "hf_canary_2",
        &["hf_other_legacy_2", "hf_other_file_2"],
    )
    .await;
}

#[tokio::test]
async fn the_legacy_env_name() {
    let home = FixtureHome::new().env("HUGGING_FACE_HUB_TOKEN", "hf_canary_3");
    same_token(home, "hf_canary_3", &[]).await;
}

#[tokio::test]
async fn hf_home_moves_the_cache_and_the_token() {
    let home = FixtureHome::new()
        .file("big-disk/hf/token", "hf_canary_4\n")
        .file(".cache/huggingface/token", "hf_other_default_4")
        .env_path("HF_HOME", "big-disk/hf");
    same_token(home, "hf_canary_4", &["hf_other_default_4"]).await;
}

#[tokio::test]
async fn hf_token_path_names_the_file() {
    let home = FixtureHome::new()
        .file("secrets/hf-token", "  hf_canary_5  \n")
        .file(".cache/huggingface/token", "hf_other_default_5")
        .env_path("HF_TOKEN_PATH", "secrets/hf-token");
    same_token(home, "hf_canary_5", &["hf_other_default_5"]).await;
}

#[tokio::test]
async fn xdg_cache_home_moves_the_default_dir() {
    let home = FixtureHome::new()
        .file("xdg-cache/huggingface/token", "hf_canary_6")
        .env_path("XDG_CACHE_HOME", "xdg-cache");
    same_token(home, "hf_canary_6", &[]).await;
}

#[tokio::test]
async fn a_blank_hf_token_hides_the_legacy_name_and_the_file_is_used() {
    let home = FixtureHome::new()
        .env("HF_TOKEN", " \n")
        .env("HUGGING_FACE_HUB_TOKEN", "hf_other_legacy_7")
        .file(".cache/huggingface/token", "hf_canary_7");
    same_token(home, "hf_canary_7", &["hf_other_legacy_7"]).await;
}
