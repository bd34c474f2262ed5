//! Builders for credential files in their real formats, for fixture HOMEs.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod gh;
pub mod kubeconfig;
pub mod lambda;
pub mod netrc;
pub mod ssh;
