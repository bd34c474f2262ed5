//! [`Registry`]: providers by name, the compiled-in ones (collected with `inventory`) and
//! those loaded from plugins, and the process-wide registry.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::context::ResolveContext;
use crate::error::{Error, Result};
use crate::provider::{Provider, ProviderInfo, Resolved};
use crate::secret::Secret;
use crate::validate::validate_provider_name;

/// A provider compiled into the program, collected with `inventory`.
///
/// Use [`register_provider!`](crate::register_provider) rather than building one by hand.
pub struct Registration {
    /// The provider, a `static` or promoted constant of its crate.
    pub provider: &'static dyn Provider,
    /// The crate that registered it, for duplicate-name errors.
    pub crate_name: &'static str,
}

inventory::collect!(Registration);

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Registration({} from {})",
            self.provider.name(),
            self.crate_name
        )
    }
}

/// Registers a `&'static`-able provider value with the global registry:
/// `register_provider!(MyProvider);`
#[macro_export]
macro_rules! register_provider {
    ($provider:expr) => {
        $crate::inventory::submit! {
            $crate::Registration {
                provider: &$provider,
                crate_name: ::core::env!("CARGO_PKG_NAME"),
            }
        }
    };
}

/// Where a provider in the registry came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderOrigin {
    /// Compiled in; the crate that registered it.
    Static {
        /// The registering crate's package name (`kt-provider-aws`).
        crate_name: String,
    },
    /// Loaded at run time from this library file.
    Dynamic {
        /// The plugin library.
        path: PathBuf,
    },
}

impl fmt::Display for ProviderOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderOrigin::Static { crate_name } => write!(f, "crate {crate_name}"),
            ProviderOrigin::Dynamic { path } => write!(f, "plugin {}", path.display()),
        }
    }
}

struct StaticProvider(&'static dyn Provider);

#[async_trait::async_trait]
impl Provider for StaticProvider {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn info(&self) -> ProviderInfo {
        self.0.info()
    }
    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        self.0.resolve(ctx).await
    }
}

/// One provider of a [`Registry`].
#[derive(Clone)]
pub struct RegistryEntry {
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// Where it came from, for listings and duplicate-name errors.
    pub origin: ProviderOrigin,
}

impl fmt::Debug for RegistryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.provider.name(), self.origin)
    }
}

/// What the providers of a registry find on one machine: see [`Registry::found`].
#[derive(Debug, Default)]
pub struct Found {
    /// A secret for each provider that found credentials, named after it, in name order.
    pub secrets: Vec<Secret>,
    /// The providers that found nothing, in name order.
    pub missing: Vec<String>,
}

/// The provider that ended [`Registry::found`]: it found credentials but could not use them.
#[derive(Debug, thiserror::Error)]
#[error("provider {provider}")]
pub struct FoundError {
    /// The provider.
    pub provider: String,
    /// Its error.
    #[source]
    pub error: Error,
}

/// Providers by name: the compiled-in ones and any loaded at run time.
#[derive(Clone, Default, Debug)]
pub struct Registry {
    entries: BTreeMap<String, RegistryEntry>,
}

impl Registry {
    /// No providers; add them with [`Registry::add`].
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every provider linked into this program. Two registrations of one name are an error.
    pub fn builtin() -> Result<Self> {
        let mut r = Registry::empty();
        for reg in inventory::iter::<Registration> {
            r.add(
                Arc::new(StaticProvider(reg.provider)),
                ProviderOrigin::Static {
                    crate_name: reg.crate_name.to_owned(),
                },
            )?;
        }
        Ok(r)
    }

    /// The process-wide registry used by [`Secret::from_provider`](crate::Secret::from_provider)
    /// and friends: the built-in providers and the plugins of the process's
    /// `KT_SECRETS_PLUGIN_PATH` and `~/.config/kt-secrets/plugins`. A plugin that fails to load
    /// is left out with a warning (see [`Registry::global_plugin_errors`]).
    pub fn global() -> Result<&'static Registry> {
        Self::global_state()
            .0
            .as_ref()
            .map_err(|e| Error::RegistryUnavailable { source: e.clone() })
    }

    /// Why each plugin that [`Registry::global`] left out failed to load.
    pub fn global_plugin_errors() -> &'static [Error] {
        &Self::global_state().1
    }

    #[allow(clippy::type_complexity)]
    fn global_state() -> &'static (std::result::Result<Registry, Arc<Error>>, Vec<Error>) {
        static GLOBAL: OnceLock<(std::result::Result<Registry, Arc<Error>>, Vec<Error>)> =
            OnceLock::new();
        GLOBAL.get_or_init(
            || match Registry::with_plugins(&ResolveContext::from_process()) {
                Ok((r, errors)) => {
                    for e in &errors {
                        tracing::warn!("{e}; left out, the other providers are unaffected");
                    }
                    (Ok(r), errors)
                }
                Err(e) => (Err(Arc::new(e)), Vec::new()),
            },
        )
    }

    /// Adds a provider; a name that is already taken is an error naming both origins.
    pub fn add(&mut self, provider: Arc<dyn Provider>, origin: ProviderOrigin) -> Result<()> {
        let name = provider.name().to_owned();
        validate_provider_name(&name)?;
        if let Some(existing) = self.entries.get(&name) {
            return Err(Error::DuplicateProvider {
                name,
                first: existing.origin.to_string(),
                second: origin.to_string(),
            });
        }
        self.entries
            .insert(name, RegistryEntry { provider, origin });
        Ok(())
    }

    /// The provider called `name`; an unknown name is an error listing the known ones.
    pub fn get(&self, name: &str) -> Result<&Arc<dyn Provider>> {
        self.entry(name).map(|e| &e.provider)
    }

    /// The provider called `name` with its origin; an unknown name is an error listing the known ones.
    pub fn entry(&self, name: &str) -> Result<&RegistryEntry> {
        self.entries
            .get(name)
            .ok_or_else(|| Error::UnknownProvider {
                name: name.to_owned(),
                known: self.names().map(str::to_owned).collect(),
            })
    }

    /// Whether a provider is called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The providers' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Every provider with its origin, in name order.
    pub fn entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.entries.values()
    }

    /// How many providers there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The built-in providers plus every plugin from the default places
    /// (`KT_SECRETS_PLUGIN_PATH`, `~/.config/kt-secrets/plugins`, as `ctx` sees them), and the
    /// errors of the plugins that were left out.
    pub fn with_plugins(ctx: &ResolveContext) -> Result<(Registry, Vec<Error>)> {
        let mut r = Registry::builtin()?;
        let errors = crate::plugin::load_plugins(ctx, &mut r);
        Ok((r, errors))
    }

    /// The credentials that each provider but those named in `skip` finds through `ctx`. A
    /// provider that finds nothing is left out; one that finds something broken ends the
    /// search with its error, since leaving it out would hide the broken credentials.
    pub async fn found(
        &self,
        ctx: &ResolveContext,
        skip: &[impl AsRef<str> + Sync],
    ) -> std::result::Result<Found, FoundError> {
        let mut found = Found::default();
        for name in self
            .names()
            .filter(|n| !skip.iter().any(|s| s.as_ref() == *n))
        {
            match Secret::from_provider_in(self, ctx, name, None).await {
                Ok(secret) => found.secrets.push(secret),
                Err(e) if e.is_nothing_found() => {
                    tracing::debug!("{e}");
                    found.missing.push(name.to_owned());
                }
                Err(error) => {
                    return Err(FoundError {
                        provider: name.to_owned(),
                        error,
                    });
                }
            }
        }
        Ok(found)
    }

    /// The provider whose default directory (`~/.aws`, `~/.ssh`) is `dir`, if any.
    pub fn provider_for_dir(&self, ctx: &ResolveContext, dir: &Path) -> Option<&str> {
        let dir = normalize(dir);
        self.entries.iter().find_map(|(name, e)| {
            e.provider
                .info()
                .default_dirs
                .iter()
                .any(|d| normalize(&ctx.home().join(d)) == dir)
                .then_some(name.as_str())
        })
    }
}

fn normalize(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.components().collect())
}
