//! kt-secrets: a developer's local credentials, or explicit values, become Kubernetes
//! Secrets, and each pod gets exactly the env vars and files its SDKs look for.
//!
//! This facade re-exports [`kt_secrets_core`] and links one provider crate per enabled cargo
//! feature (all by default), so `Secret::from_provider("aws")` works with no further set-up.
//!
//! ```no_run
//! # async fn run() -> kt_secrets::Result<()> {
//! use kt_secrets::Secret;
//!
//! // OPENAI_API_KEY from the environment, as the container env var OPENAI_API_KEY.
//! let openai = Secret::from_provider("openai").await?;
//! // A custom key: secret key / container env var API_KEY from local env var MY_LOCAL_KEY.
//! let custom = Secret::from_env("my-api-key", [("API_KEY", "MY_LOCAL_KEY")])?;
//! println!("{openai}\n{custom}"); // key names and sizes only, never values
//! # Ok(()) }
//! ```

pub use kt_secrets_core::*;

// Referencing each provider crate makes the linker keep it, and with it its `inventory`
// registration; an unreferenced dependency is dropped along with its provider.
#[cfg(feature = "anthropic")]
pub use kt_provider_anthropic;
#[cfg(feature = "aws")]
pub use kt_provider_aws;
#[cfg(feature = "azure")]
pub use kt_provider_azure;
#[cfg(feature = "cohere")]
pub use kt_provider_cohere;
#[cfg(feature = "gcp")]
pub use kt_provider_gcp;
#[cfg(feature = "github")]
pub use kt_provider_github;
#[cfg(feature = "huggingface")]
pub use kt_provider_huggingface;
#[cfg(feature = "kubeconfig")]
pub use kt_provider_kubeconfig;
#[cfg(feature = "lambda")]
pub use kt_provider_lambda;
#[cfg(feature = "langchain")]
pub use kt_provider_langchain;
#[cfg(feature = "openai")]
pub use kt_provider_openai;
#[cfg(feature = "pinecone")]
pub use kt_provider_pinecone;
#[cfg(feature = "ssh")]
pub use kt_provider_ssh;
#[cfg(feature = "wandb")]
pub use kt_provider_wandb;

/// The names of the providers compiled into this build, by cargo feature.
pub const ENABLED_PROVIDERS: &[&str] = &[
    #[cfg(feature = "openai")]
    "openai",
    #[cfg(feature = "ssh")]
    "ssh",
    #[cfg(feature = "kubeconfig")]
    "kubeconfig",
    #[cfg(feature = "aws")]
    "aws",
    #[cfg(feature = "github")]
    "github",
    #[cfg(feature = "gcp")]
    "gcp",
    #[cfg(feature = "wandb")]
    "wandb",
    #[cfg(feature = "azure")]
    "azure",
    #[cfg(feature = "huggingface")]
    "huggingface",
    #[cfg(feature = "lambda")]
    "lambda",
    #[cfg(feature = "anthropic")]
    "anthropic",
    #[cfg(feature = "cohere")]
    "cohere",
    #[cfg(feature = "langchain")]
    "langchain",
    #[cfg(feature = "pinecone")]
    "pinecone",
];

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
