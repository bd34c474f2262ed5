//! A plugin for the loader's tests, exported with `export_provider!`. What `resolve` does is
//! chosen by the env var `TEST_PLUGIN_DO` of the context it is given:
//! - `panic`: panics, with a canary value in the panic message;
//! - `tokio`: sleeps and runs a process through tokio, which needs the plugin's runtime to
//!   have timers and IO enabled;
//! - anything else: finds nothing.

use std::time::Duration;

use kt_secrets_core::{
    Error, Looked, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result,
};

pub const PANIC_CANARY: &str = "canary-panic-payload-5e1f";

struct TestPlugin;

kt_secrets_core::export_provider!(TestPlugin);

#[kt_secrets_core::async_trait]
impl Provider for TestPlugin {
    fn name(&self) -> &str {
        "test-plugin"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            description: "test plugin".to_owned(),
            sources: vec!["env TEST_PLUGIN_DO".to_owned()],
            targets: vec!["env RAN".to_owned()],
            default_dirs: Vec::new(),
        }
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        match ctx.env("TEST_PLUGIN_DO") {
            Some("panic") => panic!("cannot use {PANIC_CANARY}"),
            Some("tokio") => {
                tokio::time::sleep(Duration::from_millis(1)).await;
                let out = tokio::process::Command::new("sh")
                    .args(["-c", "echo ran"])
                    .output()
                    .await
                    .map_err(|e| Error::provider("test-plugin", format!("cannot run sh: {e}")))?;
                let mut r = Resolved::new();
                r.add_env(
                    "RAN",
                    out.stdout,
                    Origin::Command("sh -c 'echo ran'".to_owned()),
                )?;
                Ok(r)
            }
            _ => {
                let mut looked = Looked::new();
                looked.env("TEST_PLUGIN_DO");
                Err(looked.into_error("test-plugin"))
            }
        }
    }
}
