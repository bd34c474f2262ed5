//! The huggingface provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn huggingface_conforms() {
    Conformance::new(&kt_provider_huggingface::PROVIDER)
        .found(
            "HF_TOKEN",
            FixtureHome::new()
                .env("HF_TOKEN", "canary-hf-env")
                .canary("canary-hf-env"),
        )
        .found(
            "HUGGING_FACE_HUB_TOKEN",
            FixtureHome::new()
                .env("HUGGING_FACE_HUB_TOKEN", "canary-hf-legacy")
                .canary("canary-hf-legacy"),
        )
        .found(
            "default token file",
            FixtureHome::new()
                .file(".cache/huggingface/token", "canary-hf-file\n")
                .canary("canary-hf-file"),
        )
        .found(
            "HF_HOME",
            FixtureHome::new()
                .file("hf/token", "canary-hf-home\n")
                .env_path("HF_HOME", "hf")
                .canary("canary-hf-home"),
        )
        .unreadable(
            "default token file",
            FixtureHome::new()
                .file(".cache/huggingface/token", "canary-hf-file\n")
                .canary("canary-hf-file"),
            "~/.cache/huggingface/token",
        )
        .unreadable(
            "HF_TOKEN_PATH",
            FixtureHome::new()
                .file("tokens/hf", "canary-hf-named\n")
                .env_path("HF_TOKEN_PATH", "tokens/hf")
                .canary("canary-hf-named"),
            "~/tokens/hf",
        )
        .looks_at(&[
            "env HF_TOKEN",
            "env HUGGING_FACE_HUB_TOKEN",
            "env HF_TOKEN_PATH",
            "env HF_HOME",
            "~/.cache/huggingface/token",
        ])
        .run()
        .await;
}
