//! Test support for kt-secrets and for anyone writing a provider: fixture HOMEs written in the
//! real formats, the provider conformance suite, and a loopback Kubernetes API server.

#[cfg(feature = "apiserver")]
pub mod apiserver;
pub mod conformance;
pub mod fixture;
pub mod formats;
pub mod plugins;

pub use fixture::FixtureHome;
