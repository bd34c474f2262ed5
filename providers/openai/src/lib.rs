//! OpenAI: `OPENAI_API_KEY` (and the optional organisation, project, base URL, admin key and
//! webhook secret) as the same env vars in the container, which is where the `openai` SDKs
//! look: openai/lib/_client_auth.py, `sync__init__`, reads each of them when `OpenAI()` is
//! given none.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

/// The OpenAI provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Declared = Declared {
    name: "openai",
    description: "OpenAI API key, organisation, project, base URL, admin key and webhook secret",
    shapes: &[Shape::Env(EnvShape {
        vars: &[
            EnvVar::same(&["OPENAI_API_KEY"], true),
            EnvVar::same(&["OPENAI_ORG_ID"], false),
            EnvVar::same(&["OPENAI_PROJECT_ID"], false),
            EnvVar::same(&["OPENAI_BASE_URL"], false),
            EnvVar::same(&["OPENAI_ADMIN_KEY"], false),
            EnvVar::same(&["OPENAI_WEBHOOK_SECRET"], false),
        ],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
