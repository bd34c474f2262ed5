//! GCP: application default credentials (ADC), found as `google-auth` finds them: the file
//! `GOOGLE_APPLICATION_CREDENTIALS` names, else `application_default_credentials.json` in
//! `$CLOUDSDK_CONFIG` or `~/.config/gcloud`.
//!
//! The pod gets the file at the ADC path of its own home and `GOOGLE_APPLICATION_CREDENTIALS`
//! pointing there, so the SDKs find it whatever the laptop called it. The project google-auth's
//! `default()` would report travels as `GOOGLE_CLOUD_PROJECT`: `GOOGLE_CLOUD_PROJECT`, else
//! `GCLOUD_PROJECT`, else, for credentials found at gcloud's path that name no project (user
//! credentials), gcloud's own `core/project`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, FileShape, FileSpec, Hooked, Shape};
use kt_secrets_core::{Error, Looked, Origin, ProviderInfo, ResolveContext, Resolved, Result};

mod gcloud;

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

/// google-auth `_default.default`: `explicit_project_id = os.environ.get(PROJECT,
/// os.environ.get(LEGACY_PROJECT))`, which beats the project of any credentials.
const PROJECT: EnvShape = EnvShape {
    vars: &[EnvVar {
        key: "GOOGLE_CLOUD_PROJECT",
        sources: &["GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"],
        targets: &["GOOGLE_CLOUD_PROJECT"],
        required: false,
    }],
};

/// The GCP provider: the ADC file, checked, with what it refers to and the project.
pub const PROVIDER: Hooked = Hooked {
    declared: Declared {
        name: NAME,
        description: "Google application default credentials",
        shapes: &[ADC],
    },
    after: complete,
    describe: describe_project,
};

fn describe_project(info: &mut ProviderInfo) {
    Shape::Env(PROJECT).describe(info);
    info.sources.push(
        "project of gcloud's active configuration, for credentials at gcloud's path that \
         name none"
            .to_owned(),
    );
}

/// Refuses a file that is not ADC JSON, ships an external account's token file with it, and
/// adds the project google-auth would report.
fn complete(ctx: &ResolveContext, mut r: Resolved) -> Result<Resolved> {
    let adc = check_adc(&r)?;
    if adc.get("type").and_then(|t| t.as_str()) == Some("external_account") {
        external_account(ctx, &mut r, &adc)?;
    }
    // An empty GOOGLE_CLOUD_PROJECT hides GCLOUD_PROJECT in google-auth too.
    let explicit = match ctx.env("GOOGLE_CLOUD_PROJECT") {
        Some(_) => PROJECT.resolve(
            &ctx.clone().without_env("GCLOUD_PROJECT"),
            &mut Looked::new(),
        )?,
        None => PROJECT.resolve(ctx, &mut Looked::new())?,
    };
    match explicit.filter(|p| !p.is_empty()) {
        Some(project) => r.merge(project)?,
        None => {
            // google-auth `_get_gcloud_sdk_credentials`: credentials at gcloud's path that
            // name no project get `gcloud config get project`. The pod's file names none
            // either, and its gcloud (if any) has no configuration.
            let at_gcloud_path = ctx.path().is_none()
                && ctx.env_nonempty("GOOGLE_APPLICATION_CREDENTIALS").is_none();
            let has_project = adc
                .get("project_id")
                .and_then(|p| p.as_str())
                .is_some_and(|p| !p.is_empty());
            if at_gcloud_path
                && !has_project
                && let Some((project, origin)) = gcloud::project(ctx)?
            {
                r.add_env("GOOGLE_CLOUD_PROJECT", project.as_str(), origin)?;
            }
        }
    }
    Ok(r)
}

/// Container path of an `external_account` file's subject token file.
pub const SUBJECT_TOKEN_TARGET: &str = "/secrets/gcp/subject-token";

/// An `external_account` file whose `credential_source.file` is a local path (google-auth
/// `identity_pool.Credentials`, `_FileSupplier.get_subject_token`, opens it at every refresh):
/// the token file travels too and the pod's copy of the credentials points at it. A source
/// this cannot carry (an X.509 `certificate` config naming local files) is refused, never a
/// pod whose refresh fails. URL and executable sources stay as they are.
fn external_account(ctx: &ResolveContext, r: &mut Resolved, adc: &serde_json::Value) -> Result<()> {
    let origin = r.origins[KEY].clone();
    let refuse = |why: String| match &origin {
        Origin::File(adc) => Error::provider_in(NAME, adc, why),
        // The ADC shape reads files only; any other origin is named as it is.
        other => Error::provider(NAME, format!("{other}: {why}")),
    };
    let Some(source) = adc.get("credential_source") else {
        return Ok(());
    };
    if source.get("certificate").is_some() {
        return Err(refuse(
            "its credential_source is an X.509 certificate configuration naming files on this \
             machine, which cannot be shipped; give the pod its own workload identity instead"
                .to_owned(),
        ));
    }
    let Some(file) = source.get("file").and_then(|f| f.as_str()) else {
        return Ok(());
    };
    let path = ctx.expand(file);
    let token = kt_secrets_core::read_file(&path).map_err(|e| match e {
        Error::FileNotFound { path } => refuse(format!(
            "its credential_source.file {} does not exist; the pod's credentials could not \
             refresh",
            path.display()
        )),
        e => e,
    })?;
    let mut copy = adc.clone();
    copy["credential_source"]["file"] = serde_json::Value::from(SUBJECT_TOKEN_TARGET);
    let text = serde_json::to_vec_pretty(&copy).expect("JSON values serialize");
    r.data.insert(KEY, text)?;
    r.add_file(
        "subject-token",
        token,
        Origin::File(path),
        SUBJECT_TOKEN_TARGET,
        0o600,
    )?;
    Ok(())
}

/// Refuses a file that is not ADC JSON, before it is shipped to a pod that would fail on it.
/// Only syntax errors (positions) are reported, never the file's text.
fn check_adc(r: &Resolved) -> Result<serde_json::Value> {
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
        Some(t) if !t.is_empty() => Ok(json),
        _ => Err(err(
            "no \"type\" field: not an application default credentials file".to_owned(),
        )),
    }
}

kt_secrets_core::register_provider!(PROVIDER);
