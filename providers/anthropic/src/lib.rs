//! Anthropic: `ANTHROPIC_API_KEY`, else `ANTHROPIC_AUTH_TOKEN` (a bearer token, as gateways
//! hand out), with the optional `ANTHROPIC_BASE_URL`, as the same env vars in the container,
//! which is where the `anthropic` SDKs look.
//!
//! anthropic/_client.py, `static_credential_from_env`: an empty variable counts as unset, and
//! with both set the API key is used and the token ignored, so then the token stays on the
//! laptop.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{EnvShape, EnvVar, Shape, describe, first_found};
use kt_secrets_core::{Provider, ProviderInfo, ResolveContext, Resolved, Result};

const NAME: &str = "anthropic";
const BASE_URL: EnvVar = EnvVar::same(&["ANTHROPIC_BASE_URL"], false);

const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[EnvVar::same(&["ANTHROPIC_API_KEY"], true), BASE_URL],
    }),
    Shape::Env(EnvShape {
        vars: &[EnvVar::same(&["ANTHROPIC_AUTH_TOKEN"], true), BASE_URL],
    }),
];

/// The Anthropic provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct Anthropic;

/// The Anthropic provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Anthropic = Anthropic;

#[async_trait::async_trait]
impl Provider for Anthropic {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        let mut info = describe("Anthropic API key or auth token, and base URL", SHAPES);
        // Each shape lists the base URL; once is enough.
        let base = "env ANTHROPIC_BASE_URL (optional)".to_owned();
        info.sources.retain(|s| *s != base);
        info.sources.push(base);
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        first_found(NAME, ctx, SHAPES)
    }
}

kt_secrets_core::register_provider!(PROVIDER);
