//! Test support for kt-secrets and for anyone writing a provider: fixture HOMEs written in the
//! real formats, the provider conformance suite, the checks every env-var provider shares, the
//! SDK oracles (`oracle`, feature `oracle`), and a loopback Kubernetes API server.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "apiserver")]
pub mod apiserver;
pub mod conformance;
pub mod env_provider;
pub mod fixture;
pub mod formats;
#[cfg(feature = "oracle")]
pub mod oracle;
pub mod plugins;
pub mod special;

pub use fixture::FixtureHome;
