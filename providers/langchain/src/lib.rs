//! LangChain / LangSmith: the API key, and the optional endpoint (EU or self-hosted
//! LangSmith) and workspace id, each from `LANGSMITH_<NAME>`, else the older
//! `LANGCHAIN_<NAME>`. The container gets each under both names, as the `langsmith` SDK reads
//! either.
//!
//! langsmith/utils.py, `get_env_var`: a variable that is unset, empty or only blanks counts as
//! unset, so `LANGSMITH_API_KEY="  "` gives way to `LANGCHAIN_API_KEY` there, and here too.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{EnvShape, EnvVar, Shape, describe, first_found};
use kt_secrets_core::{Provider, ProviderInfo, ResolveContext, Resolved, Result};

const NAME: &str = "langchain";

const fn both(names: &'static [&'static str; 2], required: bool) -> EnvVar {
    EnvVar {
        key: names[0],
        sources: names,
        targets: names,
        required,
    }
}

const VARS: &[EnvVar] = &[
    both(&["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"], true),
    both(&["LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT"], false),
    both(&["LANGSMITH_WORKSPACE_ID", "LANGCHAIN_WORKSPACE_ID"], false),
];

const SHAPES: &[Shape] = &[Shape::Env(EnvShape { vars: VARS })];

/// The LangSmith provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct LangChain;

/// The LangChain provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: LangChain = LangChain;

#[async_trait::async_trait]
impl Provider for LangChain {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        describe(
            "LangSmith (LangChain) API key, endpoint and workspace",
            SHAPES,
        )
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let mut seen = ctx.clone();
        for var in VARS.iter().flat_map(|v| v.sources) {
            if ctx.env(var).is_some_and(|v| v.trim().is_empty()) {
                seen = seen.without_env(var);
            }
        }
        first_found(NAME, &seen, SHAPES)
    }
}

kt_secrets_core::register_provider!(PROVIDER);
