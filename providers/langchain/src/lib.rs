//! LangChain / LangSmith: `LANGSMITH_API_KEY`, else the older `LANGCHAIN_API_KEY`. The
//! container gets the key under both names, as the `langsmith` SDK reads either.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

pub const PROVIDER: Declared = Declared {
    name: "langchain",
    description: "LangSmith (LangChain) API key",
    shapes: &[Shape::Env(EnvShape {
        vars: &[EnvVar {
            key: "LANGSMITH_API_KEY",
            sources: &["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"],
            targets: &["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"],
            required: true,
        }],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
