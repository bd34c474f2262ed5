//! GCP: application default credentials (ADC), found as `google-auth` finds them: the file
//! `GOOGLE_APPLICATION_CREDENTIALS` names, else `application_default_credentials.json` in
//! `$CLOUDSDK_CONFIG` or `~/.config/gcloud`.
//!
//! The pod gets the file at the ADC path of its own home and `GOOGLE_APPLICATION_CREDENTIALS`
//! pointing there, so the SDKs find it whatever the laptop called it; `GOOGLE_CLOUD_PROJECT`
//! comes along when set.

use kt_secrets_core::shapes::{
    EnvShape, EnvVar, FileShape, FileSpec, Shape, describe, first_found,
};
use kt_secrets_core::{Error, Looked, Provider, ProviderInfo, ResolveContext, Resolved, Result};

const NAME: &str = "gcp";
const KEY: &str = "application_default_credentials.json";
const TARGET: &str = "~/.config/gcloud/application_default_credentials.json";

const ADC: Shape = Shape::Files(FileShape {
    dir: ".config/gcloud",
    dir_env: &["CLOUDSDK_CONFIG"],
    files: &[FileSpec {
        name: KEY,
        key: KEY,
        env: Some("GOOGLE_APPLICATION_CREDENTIALS"),
        target: TARGET,
        mode: 0o600,
        primary: true,
    }],
    path_envs: &[("GOOGLE_APPLICATION_CREDENTIALS", TARGET)],
});

const PROJECT: EnvShape = EnvShape {
    vars: &[EnvVar::same(&["GOOGLE_CLOUD_PROJECT"], false)],
};

#[derive(Debug)]
pub struct Gcp;

pub const PROVIDER: Gcp = Gcp;

#[async_trait::async_trait]
impl Provider for Gcp {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        describe(
            "Google application default credentials",
            &[ADC, Shape::Env(PROJECT)],
        )
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let mut r = first_found(NAME, ctx, &[ADC])?;
        check_adc(&r)?;
        if let Some(project) = PROJECT.resolve(ctx, &mut Looked::new())? {
            r.merge(project)?;
        }
        Ok(r)
    }
}

/// Refuses a file that is not ADC JSON, before it is shipped to a pod that would fail on it.
/// Only syntax errors (positions) are reported, never the file's text.
fn check_adc(r: &Resolved) -> Result<()> {
    let err = |detail: String| Error::Parse {
        what: r.origins[KEY].to_string(),
        detail,
    };
    let bytes = r.data.get(KEY).map(|v| v.expose()).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        err(format!(
            "not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    match json.get("type").and_then(|t| t.as_str()) {
        Some(t) if !t.is_empty() => Ok(()),
        _ => Err(err(
            "no \"type\" field: not an application default credentials file".to_owned(),
        )),
    }
}

kt_secrets_core::register_provider!(PROVIDER);
