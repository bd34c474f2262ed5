//! The facade's one error type, so `?` carries every failure of resolving secrets, rendering a
//! compute and writing to a cluster into one `kt_secrets::Result`.

/// Everything a facade user's call can fail with, by layer.
///
/// Each layer's error is kept whole, and a lower layer's error that a higher one wraps is
/// unwrapped on the way in: a provider's failure is always [`Error::Secret`], however it was
/// reached. Like the layers' errors, none carries a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Building, reading or resolving a secret: its sources, names, keys, files and providers.
    #[error(transparent)]
    Secret(kt_secrets_core::Error),

    /// The Kubernetes side: the kubeconfig, the API server, a Secret object in the cluster.
    #[cfg(feature = "kube")]
    #[error(transparent)]
    Kube(kt_secrets_kube::Error),

    /// A compute's settings, or secrets that cannot share its pod.
    #[cfg(feature = "kube")]
    #[error(transparent)]
    Compute(kt_secrets_kube::ComputeError),

    /// Putting secrets into a manifest: a clash with the workload, a malformed object.
    #[cfg(feature = "kube")]
    #[error(transparent)]
    Inject(kt_secrets_kube::InjectError),
}

impl Error {
    /// Whether only a different request can fix this: a name, key, env var or setting that is
    /// not allowed, sources missing or combined, an unknown provider. Not a missing
    /// credential, a file that cannot be read, or a cluster that fails.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Secret(e) => e.is_usage(),
            #[cfg(feature = "kube")]
            Error::Kube(e) => e.is_usage(),
            #[cfg(feature = "kube")]
            Error::Compute(e) => e.is_usage(),
            #[cfg(feature = "kube")]
            Error::Inject(kt_secrets_kube::InjectError::BadPointer { .. }) => true,
            #[cfg(feature = "kube")]
            Error::Inject(_) => false,
        }
    }

    /// Whether a provider found no credentials at all (as opposed to broken ones).
    pub fn is_nothing_found(&self) -> bool {
        matches!(self, Error::Secret(e) if e.is_nothing_found())
    }
}

impl From<kt_secrets_core::Error> for Error {
    fn from(e: kt_secrets_core::Error) -> Self {
        Error::Secret(e)
    }
}

/// The provider that ended [`Registry::found`](crate::Registry::found) failed like any other
/// provider; its error names the provider or the file at fault, so only that error is kept.
impl From<kt_secrets_core::FoundError> for Error {
    fn from(e: kt_secrets_core::FoundError) -> Self {
        Error::Secret(e.error)
    }
}

#[cfg(feature = "kube")]
impl From<kt_secrets_kube::Error> for Error {
    fn from(e: kt_secrets_kube::Error) -> Self {
        match e {
            kt_secrets_kube::Error::Core(e) => Error::Secret(e),
            e => Error::Kube(e),
        }
    }
}

#[cfg(feature = "kube")]
impl From<kt_secrets_kube::ComputeError> for Error {
    fn from(e: kt_secrets_kube::ComputeError) -> Self {
        use kt_secrets_kube::ComputeError as C;
        match e {
            C::Secret(e) => Error::Secret(e),
            C::Store(e) => e.into(),
            e => Error::Compute(e),
        }
    }
}

#[cfg(feature = "kube")]
impl From<kt_secrets_kube::InjectError> for Error {
    fn from(e: kt_secrets_kube::InjectError) -> Self {
        match e {
            kt_secrets_kube::InjectError::Compute(e) => e.into(),
            e => Error::Inject(e),
        }
    }
}

/// A result whose error is the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_layers_are_unwrapped() {
        let core = || kt_secrets_core::Error::NameRequired { context: None };
        assert!(matches!(Error::from(core()), Error::Secret(_)));
        let found = kt_secrets_core::FoundError {
            provider: "p".into(),
            error: core(),
        };
        assert!(matches!(Error::from(found), Error::Secret(_)));
        #[cfg(feature = "kube")]
        {
            let via_store = Error::from(kt_secrets_kube::Error::Core(core()));
            assert!(matches!(via_store, Error::Secret(_)) && via_store.is_usage());
            let via_compute = Error::from(kt_secrets_kube::ComputeError::Store(
                kt_secrets_kube::Error::Core(core()),
            ));
            assert!(matches!(via_compute, Error::Secret(_)));
            let own = Error::from(kt_secrets_kube::ComputeError::NeedsCluster {
                name: "x".into(),
                known: vec![],
            });
            assert!(matches!(own, Error::Compute(_)) && own.is_usage());
            let via_inject = Error::from(kt_secrets_kube::InjectError::Compute(
                kt_secrets_kube::ComputeError::Secret(core()),
            ));
            assert!(matches!(via_inject, Error::Secret(_)));
        }
    }
}
