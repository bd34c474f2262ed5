//! kt-secrets: a developer's local credentials, or explicit values, become Kubernetes
//! Secrets, and each pod gets exactly the env vars and files its SDKs look for.
//!
//! This is the one crate a user adds. Its root has the secret model of [`kt_secrets_core`]
//! and, with the default feature `kube`, [`Compute`] and [`SecretStore`]; the rest of the
//! Kubernetes side is under [`kube`]. One provider crate is linked per enabled cargo feature
//! (all by default), so `Secret::from_provider("aws")` works with no further set-up. Every
//! call's error converts into the one [`Error`], so `?` works across resolving, rendering and
//! applying. The API is async, on tokio.
//!
//! ```no_run
//! use kt_secrets::kube::render::{self, Format};
//! use kt_secrets::{Compute, Secret};
//!
//! #[tokio::main]
//! async fn main() -> kt_secrets::Result<()> {
//!     // OPENAI_API_KEY from the environment, as the container env var OPENAI_API_KEY, and a
//!     // custom key: secret key / container env var API_KEY from local env var MY_LOCAL_KEY.
//!     let resolved = Compute::new()
//!         .secret("openai")
//!         .secret(Secret::from_env("my-api-key", [("API_KEY", "MY_LOCAL_KEY")])?)
//!         .resolve_default(None)
//!         .await?;
//!     // The pod refers to its Secrets by name: no value is in it.
//!     print!("{}", render::to_string(&render::object(&resolved.pod())?, Format::Yaml)?);
//!     Ok(())
//! }
//! ```

#![deny(missing_docs)]

mod error;

pub use kt_secrets_core::*;
// The facade's own error shadows the core's, which stays reachable as `SecretError`.
pub use error::{Error, Result};
pub use kt_secrets_core::{Error as SecretError, Result as SecretResult};

/// The Kubernetes side (cargo feature `kube`, on by default): Secret manifests, the
/// [`SecretStore`], [`Compute`] and its pod, rendering as kubectl prints objects; and the
/// `kube` and `k8s_openapi` crates these are built on, at the versions they were built with.
#[cfg(feature = "kube")]
pub mod kube {
    pub use kt_secrets_kube::*;
}
#[cfg(feature = "kube")]
pub use kt_secrets_kube::{Compute, ResolvedCompute, SecretRef, SecretStore, k8s_openapi};

/// One line per provider crate: its cargo feature (also the provider's name) and the crate.
///
/// Referencing each provider crate makes the linker keep it, and with it its `inventory`
/// registration; an unreferenced dependency is dropped along with its provider.
macro_rules! providers {
    ($($feature:literal => $krate:ident,)*) => {
        $(
            #[cfg(feature = $feature)]
            pub use $krate;
        )*

        /// The names of the providers compiled into this build, by cargo feature.
        pub const ENABLED_PROVIDERS: &[&str] = &[$(
            #[cfg(feature = $feature)]
            $feature,
        )*];
    };
}

providers! {
    "openai" => kt_provider_openai,
    "ssh" => kt_provider_ssh,
    "kubeconfig" => kt_provider_kubeconfig,
    "aws" => kt_provider_aws,
    "github" => kt_provider_github,
    "gcp" => kt_provider_gcp,
    "wandb" => kt_provider_wandb,
    "azure" => kt_provider_azure,
    "huggingface" => kt_provider_huggingface,
    "lambda" => kt_provider_lambda,
    "anthropic" => kt_provider_anthropic,
    "cohere" => kt_provider_cohere,
    "langchain" => kt_provider_langchain,
    "pinecone" => kt_provider_pinecone,
}

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
