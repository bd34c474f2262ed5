//! A test provider whose one token is an env var of the context, mounted as a file (as a
//! credentials file would be) and, when asked, as that env var too (a secret of env vars and
//! files, which the store keeps as a pair of objects).

use std::sync::Arc;

use kt_secrets_core::{
    Looked, Origin, Provider, ProviderInfo, ProviderOrigin, Registry, ResolveContext, Resolved,
};

/// The provider `name`: the token is env var `var`, the file `file` (0600), and env var `var`
/// in the pod too when `env_too`.
#[derive(Debug)]
pub struct Token {
    pub name: &'static str,
    pub var: &'static str,
    pub file: &'static str,
    pub env_too: bool,
}

#[async_trait::async_trait]
impl Provider for Token {
    fn name(&self) -> &str {
        self.name
    }
    fn info(&self) -> ProviderInfo {
        let mut targets = vec![format!("file {} (0600)", self.file)];
        if self.env_too {
            targets.push(format!("env {}", self.var));
        }
        ProviderInfo {
            description: "test token".into(),
            sources: vec![format!("env {}", self.var)],
            targets,
            default_dirs: vec![],
        }
    }
    async fn resolve(&self, ctx: &ResolveContext) -> kt_secrets_core::Result<Resolved> {
        let mut looked = Looked::new();
        looked.env(self.var);
        let Some(v) = ctx.env(self.var) else {
            return Err(looked.into_error(self.name));
        };
        let mut r = Resolved::new();
        let origin = || Origin::Env(self.var.into());
        r.add_file("token", v.to_owned(), origin(), self.file, 0o600)?;
        if self.env_too {
            r.add_env(self.var, v.to_owned(), origin())?;
        }
        Ok(r)
    }
}

/// A registry of `provider` alone.
pub fn registry_of(provider: impl Provider + 'static) -> Registry {
    let origin = ProviderOrigin::Static {
        crate_name: "kube-test".into(),
    };
    let mut r = Registry::empty();
    r.add(Arc::new(provider), origin).unwrap();
    r
}
