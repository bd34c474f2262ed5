//! Hugging Face: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the token file that
//! `huggingface-cli login` writes, found as `huggingface_hub` finds it: `$HF_TOKEN_PATH`, else
//! `token` under `$HF_HOME`, `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`.
//!
//! The container gets env `HF_TOKEN` only. `~/.cache/huggingface` is also the model cache:
//! a secret volume mounted there would hide (or be hidden by) the image's models.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape, TokenFile, trimmed_token};
use kt_secrets_core::{Provider, ProviderInfo, ResolveContext, Resolved, Result};

/// The Hugging Face provider: [`DECLARED`], with the SDK's reading of the env vars.
#[derive(Clone, Copy, Debug, Default)]
pub struct HuggingFace;

/// The Hugging Face provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: HuggingFace = HuggingFace;

#[async_trait::async_trait]
impl Provider for HuggingFace {
    fn name(&self) -> &str {
        DECLARED.name
    }

    fn info(&self) -> ProviderInfo {
        DECLARED.info()
    }

    /// huggingface_hub/utils/_auth.py, `_get_token_from_environment`: `HF_TOKEN or
    /// HUGGING_FACE_HUB_TOKEN`, then `_clean_token` (newlines removed, blanks trimmed, empty is
    /// none). A set, non-empty `HF_TOKEN` is chosen even when it cleans to nothing, which hides
    /// `HUGGING_FACE_HUB_TOKEN`; then the token file is used.
    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let chosen = ctx
            .env_nonempty("HF_TOKEN")
            .or_else(|| ctx.env_nonempty("HUGGING_FACE_HUB_TOKEN"));
        let blank = chosen.is_some_and(|t| t.replace(['\r', '\n'], "").trim().is_empty());
        if blank {
            let ctx = ctx
                .clone()
                .without_env("HF_TOKEN")
                .without_env("HUGGING_FACE_HUB_TOKEN");
            return DECLARED.resolve_shapes(&ctx);
        }
        DECLARED.resolve_shapes(ctx)
    }
}

/// The env vars and the token file, in the order `huggingface_hub` tries them.
pub const DECLARED: Declared = Declared {
    name: "huggingface",
    description: "Hugging Face Hub token",
    shapes: &[
        Shape::Env(EnvShape {
            vars: &[EnvVar {
                key: "HF_TOKEN",
                sources: &["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
                targets: &["HF_TOKEN"],
                required: true,
            }],
        }),
        Shape::TokenFile(TokenFile {
            key: "HF_TOKEN",
            file_env: &["HF_TOKEN_PATH"],
            dir_env: &[("HF_HOME", ""), ("XDG_CACHE_HOME", "huggingface")],
            dir: ".cache/huggingface",
            name: "token",
            owns_dir: true,
            read: trimmed_token,
            what: "token",
            targets: &["HF_TOKEN"],
        }),
    ],
};

kt_secrets_core::register_provider!(PROVIDER);
