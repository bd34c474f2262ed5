//! Cohere: `CO_API_KEY`, else the older `COHERE_API_KEY`, and the optional `CO_API_URL` of a
//! private deployment. The container gets the key under both names, so every version of the
//! `cohere` SDK finds it.
//!
//! cohere/client.py, `_get_api_key_from_environment`, is `os.getenv("CO_API_KEY",
//! os.getenv("COHERE_API_KEY"))`: a `CO_API_KEY` that is set, even empty, hides
//! `COHERE_API_KEY`, so the laptop's client has no key. Then nothing is found here either,
//! rather than a pod that authenticates with a key the laptop does not use.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{EnvShape, EnvVar, Shape, describe, first_found};
use kt_secrets_core::{Looked, Provider, ProviderInfo, ResolveContext, Resolved, Result};

const NAME: &str = "cohere";
const KEY: &str = "CO_API_KEY";

const SHAPES: &[Shape] = &[Shape::Env(EnvShape {
    vars: &[
        EnvVar {
            key: KEY,
            sources: &[KEY, "COHERE_API_KEY"],
            targets: &[KEY, "COHERE_API_KEY"],
            required: true,
        },
        EnvVar::same(&["CO_API_URL"], false),
    ],
})];

/// The Cohere provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cohere;

/// The Cohere provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Cohere = Cohere;

#[async_trait::async_trait]
impl Provider for Cohere {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        describe("Cohere API key (and API URL)", SHAPES)
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        if ctx.env(KEY) == Some("") {
            let mut looked = Looked::new();
            looked.other(format!(
                "env {KEY} (set but empty: the cohere SDK then does not read COHERE_API_KEY)"
            ));
            return Err(looked.into_error(NAME));
        }
        first_found(NAME, ctx, SHAPES)
    }
}

kt_secrets_core::register_provider!(PROVIDER);
