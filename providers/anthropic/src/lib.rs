//! Anthropic: `ANTHROPIC_API_KEY` (and the optional base URL) as the same env vars in the
//! container, which is where the `anthropic` SDKs look.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

pub const PROVIDER: Declared = Declared {
    name: "anthropic",
    description: "Anthropic API key and base URL",
    shapes: &[Shape::Env(EnvShape {
        vars: &[
            EnvVar::same(&["ANTHROPIC_API_KEY"], true),
            EnvVar::same(&["ANTHROPIC_BASE_URL"], false),
        ],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
