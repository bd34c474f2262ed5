//! Hugging Face: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the token file that
//! `huggingface-cli login` writes, found as `huggingface_hub` finds it: `$HF_TOKEN_PATH`, else
//! `token` under `$HF_HOME`, `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`.
//!
//! The container gets env `HF_TOKEN` only. `~/.cache/huggingface` is also the model cache:
//! a secret volume mounted there would hide (or be hidden by) the image's models.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape, TokenFile, trimmed_token};

pub const PROVIDER: Declared = Declared {
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
