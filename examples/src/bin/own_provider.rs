//! A provider of your own, used like a built-in one:
//!
//! ```text
//! mkdir -p ~/.config/acme && echo 'acme-token' > ~/.config/acme/token
//! cargo run -p kt-secrets-examples --bin own-provider
//! ```
//!
//! `register_provider!` adds it to the process's registry, so `Secret::from_provider("acme")`
//! and `Compute::resolve_default` find it. It reads files and env only through the
//! `ResolveContext` it is given, never the process's, so it can be tested with a fixture home.

use kt_secrets::kube::render::{self, Format};
use kt_secrets::{
    Compute, Looked, Origin, Provider, ProviderInfo, ResolveContext, Resolved, async_trait,
    read_optional_string,
};

/// ACME's CLI keeps its token in `~/.config/acme/token`; its SDK reads `ACME_TOKEN`.
struct Acme;

const TOKEN_FILE: &str = ".config/acme/token";
const TOKEN_ENV: &str = "ACME_TOKEN";

#[async_trait]
impl Provider for Acme {
    fn name(&self) -> &str {
        "acme"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            description: "ACME API token".to_owned(),
            sources: vec![TOKEN_ENV.to_owned(), format!("~/{TOKEN_FILE}")],
            targets: vec![format!("env {TOKEN_ENV}")],
            default_dirs: vec![],
        }
    }

    async fn resolve(&self, ctx: &ResolveContext) -> kt_secrets::SecretResult<Resolved> {
        let mut resolved = Resolved::new();
        let mut looked = Looked::new();
        looked.env(TOKEN_ENV);
        if let Some(token) = ctx.env_nonempty(TOKEN_ENV) {
            resolved.add_env(TOKEN_ENV, token, Origin::Env(TOKEN_ENV.to_owned()))?;
            return Ok(resolved);
        }
        let file = ctx.home().join(TOKEN_FILE);
        looked.file(&file);
        match read_optional_string(&file)? {
            Some(token) if !token.trim().is_empty() => {
                resolved.add_env(TOKEN_ENV, token.trim(), Origin::File(file))?;
                Ok(resolved)
            }
            _ => Err(looked.into_error(self.name())),
        }
    }
}

kt_secrets::register_provider!(Acme);

#[tokio::main]
async fn main() -> kt_secrets::Result<()> {
    let resolved = Compute::new().secret("acme").resolve_default(None).await?;
    print!(
        "{}",
        render::to_string(&render::object(&resolved.pod())?, Format::Yaml)?
    );
    Ok(())
}
