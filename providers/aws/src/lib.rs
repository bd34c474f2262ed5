//! AWS, in the order the SDKs use: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (with
//! `AWS_SESSION_TOKEN` and the region when set); else the profile `AWS_PROFILE`, then
//! `AWS_DEFAULT_PROFILE`, else `default`, from the shared credentials and config files
//! (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, else `~/.aws/credentials` and
//! `~/.aws/config`).
//!
//! Only the selected profile leaves the laptop, with what it refers to (`source_profile`
//! chains, its `sso-session` and `services` sections): shipping the whole files would hand the
//! pod every other account's keys. The pod gets those sections at `~/.aws/credentials` and
//! `~/.aws/config` (comment lines left out: one may hold another profile's old key),
//! `AWS_PROFILE` when the profile is not `default`, and for an SSO profile the one token cache
//! file botocore reads for it. A profile's static keys stay in the credentials file: env vars
//! are only what was env on the laptop (keys, region, `AWS_PROFILE`).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod profiles;

use kt_secrets_core::shapes::{
    EnvShape, EnvVar, FileShape, FileSpec, Shape, describe, first_found,
};
use kt_secrets_core::{Error, Looked, Provider, ProviderInfo, ResolveContext, Resolved, Result};

const NAME: &str = "aws";

const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[
            EnvVar::same(&["AWS_ACCESS_KEY_ID"], true),
            EnvVar::same(&["AWS_SECRET_ACCESS_KEY"], true),
            // botocore `EnvProvider.TOKENS` tries the legacy AWS_SECURITY_TOKEN first, then
            // AWS_SESSION_TOKEN; the pod gets the one it picked under the name every SDK reads.
            EnvVar {
                key: "AWS_SESSION_TOKEN",
                sources: &["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"],
                targets: &["AWS_SESSION_TOKEN"],
                required: false,
            },
            // botocore `EnvProvider.EXPIRY_TIME` and `ACCOUNT_ID`: with an expiry the
            // credentials are refreshable from the env, and the account id picks endpoints.
            EnvVar::same(&["AWS_CREDENTIAL_EXPIRATION"], false),
            EnvVar::same(&["AWS_ACCOUNT_ID"], false),
        ],
    }),
    Shape::Files(FileShape {
        dir: ".aws",
        dir_env: &[],
        files: &[
            FileSpec {
                name: profiles::CREDENTIALS,
                key: profiles::CREDENTIALS,
                env: Some("AWS_SHARED_CREDENTIALS_FILE"),
                target: "~/.aws/credentials",
                mode: 0o600,
                primary: true,
            },
            FileSpec {
                name: profiles::CONFIG,
                key: profiles::CONFIG,
                env: Some("AWS_CONFIG_FILE"),
                target: "~/.aws/config",
                mode: 0o600,
                primary: true,
            },
        ],
        path_envs: &[],
    }),
];

/// The region env vars beat the config file's region in every SDK, so the pod gets them
/// however the credentials were found.
const REGION: EnvShape = EnvShape {
    vars: &[
        EnvVar::same(&["AWS_REGION"], false),
        EnvVar::same(&["AWS_DEFAULT_REGION"], false),
    ],
};

/// The AWS provider's type; use [`PROVIDER`].
#[derive(Debug)]
pub struct Aws;

/// The AWS provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Aws = Aws;

pub use profiles::{SSO_TOKEN, sso_token_expiry};

#[async_trait::async_trait]
impl Provider for Aws {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        let mut info = describe("AWS access keys, or a profile of the shared files", SHAPES);
        info.sources
            .push("profile $AWS_PROFILE | $AWS_DEFAULT_PROFILE | default, from those files".into());
        Shape::Env(REGION).describe(&mut info);
        info.sources
            .push("with env keys: region of that profile in the config file".into());
        info.targets
            .push("env AWS_PROFILE (when not default)".into());
        info.targets.push(
            "file ~/.aws/sso/cache/<sha1>.json (0600): the SSO profile's cached token only".into(),
        );
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        check_partial_env(ctx)?;
        let found = first_found(NAME, ctx, SHAPES)?;
        let from_env = found.data.contains_key("AWS_ACCESS_KEY_ID");
        let mut r = if from_env {
            found
        } else {
            profiles::select(ctx, &found)?
        };
        // A directory the user named is all that is shipped, as for the keys.
        if ctx.path().is_some() {
            return Ok(r);
        }
        let mut region = REGION.resolve(ctx, &mut Looked::new())?.unwrap_or_default();
        // With keys from env, the laptop's SDK still takes the region from the profile in the
        // config file, which the pod does not get.
        if from_env && region.is_empty() {
            region = profiles::config_region(ctx)?;
        }
        r.merge(region)?;
        Ok(r)
    }
}

/// A key id without its secret, or the reverse, is a mistake, not a reason to fall back to the
/// files: botocore `EnvProvider._create_credentials_fetcher` raises PartialCredentialsError for
/// the first (an empty value counts as unset there too); the reverse would silently ship the
/// files' other identity.
fn check_partial_env(ctx: &ResolveContext) -> Result<()> {
    let id = ctx.env_nonempty("AWS_ACCESS_KEY_ID").is_some();
    let secret = ctx.env_nonempty("AWS_SECRET_ACCESS_KEY").is_some();
    if id == secret {
        return Ok(());
    }
    let (set, unset) = if id {
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    } else {
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")
    };
    Err(Error::provider(
        NAME,
        format!(
            "{set} is set but {unset} is not: set both, or unset both to use the shared \
             credentials files (botocore stops with PartialCredentialsError here)"
        ),
    ))
}

kt_secrets_core::register_provider!(PROVIDER);
