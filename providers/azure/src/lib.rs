//! Azure: a service principal from `AZURE_CLIENT_ID` + `AZURE_TENANT_ID` +
//! `AZURE_CLIENT_SECRET` (and `AZURE_SUBSCRIPTION_ID`), which is what `azure-identity`'s
//! `EnvironmentCredential` reads; else the Azure CLI's login under `$AZURE_CONFIG_DIR` or
//! `~/.azure`, which `AzureCliCredential` uses through `az`.
//!
//! Only the files `az` needs to act as the logged-in account are shipped, not the whole
//! directory (logs, command index, telemetry). A login needs a token cache or service
//! principal entries; the profile and settings come along when present.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, FileShape, FileSpec, Shape};

const fn file(name: &'static str, target: &'static str, credentials: bool) -> FileSpec {
    FileSpec {
        name,
        key: name,
        env: None,
        target,
        mode: 0o600,
        primary: credentials,
    }
}

pub const PROVIDER: Declared = Declared {
    name: "azure",
    description: "Azure service principal, or the Azure CLI login",
    shapes: &[
        Shape::Env(EnvShape {
            vars: &[
                EnvVar::same(&["AZURE_CLIENT_ID"], true),
                EnvVar::same(&["AZURE_TENANT_ID"], true),
                EnvVar::same(&["AZURE_CLIENT_SECRET"], true),
                EnvVar::same(&["AZURE_SUBSCRIPTION_ID"], false),
            ],
        }),
        Shape::Files(FileShape {
            dir: ".azure",
            dir_env: &["AZURE_CONFIG_DIR"],
            files: &[
                file("azureProfile.json", "~/.azure/azureProfile.json", false),
                file("clouds.config", "~/.azure/clouds.config", false),
                file("config", "~/.azure/config", false),
                file(
                    "msal_token_cache.json",
                    "~/.azure/msal_token_cache.json",
                    true,
                ),
                file(
                    "service_principal_entries.json",
                    "~/.azure/service_principal_entries.json",
                    true,
                ),
            ],
            path_envs: &[("AZURE_CONFIG_DIR", "~/.azure")],
        }),
    ],
};

kt_secrets_core::register_provider!(PROVIDER);
