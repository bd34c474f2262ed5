//! Resolving a [`Compute`]'s secrets: values as they are, provider names through the
//! registry (or, with nothing found locally, the cluster's object for the provider), other
//! names from the cluster.

use kt_secrets_core::{Registry, ResolveContext, Secret};

use super::{Compute, ComputeError, ResolvedCompute, SecretRef};
use crate::SecretStore;
use crate::pod::MountedSecret;

impl Compute {
    /// Resolves every secret: values are used as they are, provider names resolve through
    /// `registry` and `ctx`, other names are read from `store`. Without a store, only values
    /// and providers can be resolved. The compute's namespace defaults to the store's.
    pub async fn resolve(
        &self,
        registry: &Registry,
        ctx: &ResolveContext,
        store: Option<&SecretStore>,
    ) -> Result<ResolvedCompute, ComputeError> {
        let mut compute = self.clone();
        if let Some(store) = store {
            compute
                .namespace
                .get_or_insert_with(|| store.namespace().to_owned());
            compute
                .owner
                .get_or_insert_with(|| store.owner().to_owned());
        }
        let owner = compute.owner().to_owned();
        let mut mounted = Vec::with_capacity(self.secrets.len());
        let mut notes = Vec::new();
        for s in &self.secrets {
            mounted.push(match s {
                SecretRef::Secret(s) => MountedSecret::managed((**s).clone(), &owner),
                SecretRef::Name(name) if registry.contains(name) => {
                    tracing::debug!(provider = %name, "resolving provider");
                    match Secret::from_provider_in(registry, ctx, name, None).await {
                        Ok(secret) => MountedSecret::managed(
                            secret.with_override_existing(self.override_existing),
                            &owner,
                        ),
                        // Nothing local (a CI runner): the cluster's object for the provider,
                        // as written by us or by Kubetorch, is what the user means.
                        Err(e) if e.is_nothing_found() && store.is_some() => {
                            let store = store.expect("checked");
                            match store.provider_mounted(name).await? {
                                Some(mounted) => {
                                    notes.push(format!(
                                        "{name}: no local credentials found; using the \
                                         cluster's secret {} (namespace {})",
                                        mounted.object_name,
                                        store.namespace()
                                    ));
                                    mounted
                                }
                                None => return Err(e.into()),
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                SecretRef::Name(name) => match store {
                    Some(store) => {
                        tracing::debug!(secret = %name, "reading existing secret");
                        store.get_mounted(name).await?
                    }
                    None => {
                        return Err(ComputeError::NeedsCluster {
                            name: name.clone(),
                            known: registry.names().map(str::to_owned).collect(),
                        });
                    }
                },
            });
        }
        let mut resolved = ResolvedCompute::new(compute, mounted)?;
        resolved.notes = notes;
        Ok(resolved)
    }

    /// [`resolve`](Self::resolve) with the process's providers ([`Registry::global`]: the
    /// built-in ones and its plugins) and the process's env and home
    /// ([`ResolveContext::from_process`]), as kubetorch's `kt.Compute(secrets=[...])` takes
    /// them. The explicit form is for tests and embedders that choose both.
    pub async fn resolve_default(
        &self,
        store: Option<&SecretStore>,
    ) -> Result<ResolvedCompute, ComputeError> {
        let registry = Registry::global()?;
        self.resolve(registry, &ResolveContext::from_process(), store)
            .await
    }
}
