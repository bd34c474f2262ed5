//! Runnable examples of the kt-secrets library, one binary each (`src/bin`):
//!
//! - `render-offline`: resolve secrets from values and providers, render the pod; no cluster.
//! - `apply`: the same, then write the secrets and the pod to the cluster of the kubeconfig.
//! - `own-provider`: a provider of your own, registered next to the built-in ones.
//!
//! Each depends on the `kt-secrets` facade alone, as a user's program would.
