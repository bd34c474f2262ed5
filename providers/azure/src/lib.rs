//! Azure: a service principal from the env, in `azure-identity`'s `EnvironmentCredential`
//! order (`azure/identity/_credentials/environment.py`, `EnvironmentCredential.__init__`):
//! `AZURE_CLIENT_ID` + `AZURE_TENANT_ID` + `AZURE_CLIENT_SECRET`; else with
//! `AZURE_CLIENT_CERTIFICATE_PATH` (the certificate travels as a file and the var points at
//! it, with `AZURE_CLIENT_CERTIFICATE_PASSWORD` and `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`);
//! else `AZURE_CLIENT_ID` + `AZURE_USERNAME` + `AZURE_PASSWORD`. The settings those
//! credentials also read (`AZURE_AUTHORITY_HOST`, `AZURE_REGIONAL_AUTHORITY_NAME`,
//! `AZURE_ADDITIONALLY_ALLOWED_TENANTS`, ...) come along. With complete env credentials the
//! Azure CLI's login does not travel: the pod would not use it, and it holds the user's own
//! refresh token. Without them, the Azure CLI's login under `$AZURE_CONFIG_DIR` or
//! `~/.azure`, which `AzureCliCredential` uses through `az`.
//!
//! Only the files `az` needs to act as the logged-in account are shipped, not the whole
//! directory (logs, command index, telemetry). A login needs a token cache or service
//! principal entries; the profile and settings come along when present.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{
    EnvShape, EnvVar, FileShape, FileSpec, Shape, describe, first_found,
};
use kt_secrets_core::{
    Error, Looked, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result, read_file,
};

const NAME: &str = "azure";

/// Container path of a certificate service principal's certificate.
pub const CERTIFICATE_TARGET: &str = "/secrets/azure/client-certificate";

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

/// The client-secret service principal, and the Azure CLI's files.
const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[
            EnvVar::same(&["AZURE_CLIENT_ID"], true),
            EnvVar::same(&["AZURE_TENANT_ID"], true),
            EnvVar::same(&["AZURE_CLIENT_SECRET"], true),
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
];

/// The certificate service principal (`EnvironmentVariables.CERT_VARS`), tried after the
/// client secret as `EnvironmentCredential` does; the path is read and shipped separately.
const CERTIFICATE: EnvShape = EnvShape {
    vars: &[
        EnvVar::same(&["AZURE_CLIENT_ID"], true),
        EnvVar::same(&["AZURE_TENANT_ID"], true),
        EnvVar::same(&["AZURE_CLIENT_CERTIFICATE_PASSWORD"], false),
        EnvVar::same(&["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"], false),
    ],
};

/// `EnvironmentVariables.USERNAME_PASSWORD_VARS` (tenant optional), tried last.
const USER_PASSWORD: EnvShape = EnvShape {
    vars: &[
        EnvVar::same(&["AZURE_CLIENT_ID"], true),
        EnvVar::same(&["AZURE_USERNAME"], true),
        EnvVar::same(&["AZURE_PASSWORD"], true),
        EnvVar::same(&["AZURE_TENANT_ID"], false),
    ],
};

/// Settings the credentials read besides their own vars (`_constants.EnvironmentVariables`,
/// `_internal.get_default_authority`, `_internal.resolve_additionally_allowed_tenants`), and the
/// subscription the Azure SDK management clients are usually given.
const SETTINGS: EnvShape = EnvShape {
    vars: &[
        EnvVar::same(&["AZURE_SUBSCRIPTION_ID"], false),
        EnvVar::same(&["AZURE_AUTHORITY_HOST"], false),
        EnvVar::same(&["AZURE_REGIONAL_AUTHORITY_NAME"], false),
        EnvVar::same(&["AZURE_ADDITIONALLY_ALLOWED_TENANTS"], false),
        EnvVar::same(&["AZURE_IDENTITY_DISABLE_MULTITENANTAUTH"], false),
    ],
};

/// The Azure provider's type; use [`PROVIDER`].
#[derive(Debug)]
pub struct Azure;

/// The Azure provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Azure = Azure;

#[async_trait::async_trait]
impl Provider for Azure {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        let mut info = describe("Azure service principal, or the Azure CLI login", SHAPES);
        info.sources.insert(
            1,
            "env AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_CERTIFICATE_PATH, \
             then AZURE_CLIENT_ID + AZURE_USERNAME + AZURE_PASSWORD"
                .into(),
        );
        info.targets.push(format!(
            "file {CERTIFICATE_TARGET} (0600), env AZURE_CLIENT_CERTIFICATE_PATH at it"
        ));
        Shape::Env(SETTINGS).describe(&mut info);
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let mut r = if ctx.path().is_some() {
            first_found(NAME, ctx, SHAPES)?
        } else if let Some(r) = env_principal(ctx)? {
            r
        } else {
            first_found(NAME, ctx, SHAPES)?
        };
        if ctx.path().is_none() {
            r.merge(
                SETTINGS
                    .resolve(ctx, &mut Looked::new())?
                    .unwrap_or_default(),
            )?;
        }
        Ok(r)
    }
}

/// A complete env service principal, in `EnvironmentCredential`'s order; `None` when there is
/// none, so the CLI login is looked at.
fn env_principal(ctx: &ResolveContext) -> Result<Option<Resolved>> {
    let mut looked = Looked::new();
    if let Shape::Env(secret) = &SHAPES[0]
        && let Some(r) = secret.resolve(ctx, &mut looked)?
    {
        return Ok(Some(r));
    }
    if let Some(cert_path) = ctx.env_path("AZURE_CLIENT_CERTIFICATE_PATH")
        && let Some(mut r) = CERTIFICATE.resolve(ctx, &mut looked)?
    {
        // `CertificateCredential` reads the file itself: a missing one is this error rather
        // than a pod whose credential fails.
        let bytes = read_file(&cert_path).map_err(|e| match e {
            Error::FileNotFound { path } => Error::provider_in(
                NAME,
                path,
                "AZURE_CLIENT_CERTIFICATE_PATH names this file, which does not exist",
            ),
            e => e,
        })?;
        r.add_file(
            "client-certificate",
            bytes,
            Origin::File(cert_path),
            CERTIFICATE_TARGET,
            0o600,
        )?;
        r.mounts.push(kt_secrets_core::Mount::path_env(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            CERTIFICATE_TARGET,
        ));
        return Ok(Some(r));
    }
    USER_PASSWORD.resolve(ctx, &mut looked)
}

kt_secrets_core::register_provider!(PROVIDER);
