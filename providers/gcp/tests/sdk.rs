//! google-auth decides: `google.auth.default()` (which parses service_account, authorized_user
//! and impersonated files without network) gives the same credentials and project on the laptop
//! and in the pod. gcloud itself is not installable here, so `gcloud config get project`, which
//! google-auth runs for credentials at gcloud's path (`_cloud_sdk.get_project_id`), is a stub on
//! PATH on both sides that reads the named configuration as gcloud documents it.

use std::path::PathBuf;

use kt_provider_gcp::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::gcp;
use kt_secrets_testkit::oracle::{Oracle, PodRun, Value, python};

const DEFAULT: &str = r#"
    import google.auth
    res = {}
    try:
        creds, project = google.auth.default()
        res = {"type": type(creds).__name__, "project": project,
               "quota_project": getattr(creds, "quota_project_id", None)}
        for a in ("service_account_email", "refresh_token", "client_id", "client_secret",
                  "_target_principal"):
            res[a] = getattr(creds, a, None)
        signer = getattr(creds, "_signer", None)
        res["key_id"] = getattr(signer, "key_id", None)
        src = getattr(creds, "_source_credentials", None)
        if src is not None:
            res["source"] = {"type": type(src).__name__, "refresh_token": getattr(src, "refresh_token", None)}
    except Exception as e:
        res["error"] = type(e).__name__
    out(res)
"#;

/// `gcloud config get project`, as gcloud answers it from its files.
const GCLOUD_STUB: &str = r#"
import configparser, os, sys
if sys.argv[1:] != ["config", "get", "project"]:
    sys.exit(2)
p = os.environ.get("CLOUDSDK_CORE_PROJECT")
if not p:
    d = os.environ.get("CLOUDSDK_CONFIG") or os.path.expanduser("~/.config/gcloud")
    name = os.environ.get("CLOUDSDK_ACTIVE_CONFIG_NAME")
    if not name:
        try:
            name = open(os.path.join(d, "active_config")).read().strip()
        except OSError:
            name = "default"
    c = configparser.ConfigParser()
    c.read(os.path.join(d, "configurations", "config_" + name))
    p = c.get("core", "project", fallback="")
print(p)
"#;

/// Written once per test binary, and by rename: the tests run in parallel, and rewriting the
/// script in place while another test's google-auth executes it made that exec fail
/// (`ETXTBSY` or a half-written file), which google-auth reports as "no project".
fn stub_dir() -> &'static PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("gcloud-stub-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let py = python(env!("CARGO_TARGET_TMPDIR"));
        let script = format!("#!{} -I\n{GCLOUD_STUB}", py.display());
        let tmp = dir.join(".gcloud.tmp");
        std::fs::write(&tmp, script).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, dir.join("gcloud")).unwrap();
        dir
    })
}

fn oracle() -> Oracle {
    let path = format!(
        "{}:{}",
        stub_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["google.auth"], DEFAULT)
        .env("PATH", &path)
        // Never the metadata server (the harness also has no network).
        .env("GCE_METADATA_HOST", "127.0.0.1:9")
        .env("GCE_METADATA_IP", "127.0.0.1:9")
}

async fn same(home: &FixtureHome) -> (Value, PodRun) {
    let o = oracle();
    let laptop = o.on_laptop(home).json();
    let pod = o.in_pod(home, &PROVIDER).await;
    assert_eq!(
        pod.observed.json(),
        laptop,
        "google-auth in the pod (left) vs on the laptop (right)"
    );
    assert!(laptop.get("error").is_none(), "{laptop}");
    (laptop, pod)
}

const ADC: &str = ".config/gcloud/application_default_credentials.json";

fn gcloud_config(home: FixtureHome, dir: &str, name: &str, project: &str) -> FixtureHome {
    home.file(
        format!("{dir}/configurations/config_{name}"),
        format!("[core]\naccount = dev@example.com\nproject = {project}\n\n[compute]\nregion = us-central1\n"),
    )
}

/// An RSA key as the IAM console puts it in a key file.
fn service_account_json(project: &str) -> String {
    let py = python(env!("CARGO_TARGET_TMPDIR"));
    let out = std::process::Command::new(py)
        .args([
            "-I",
            "-c",
            "from cryptography.hazmat.primitives.asymmetric import rsa\n\
             from cryptography.hazmat.primitives import serialization as s\n\
             k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n\
             print(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode(), end='')",
        ])
        .output()
        .unwrap();
    let pem = String::from_utf8(out.stdout).unwrap();
    let body = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\\n");
    gcp::service_account(project, &body)
}

#[tokio::test]
async fn application_default_login_takes_the_project_of_the_active_configuration() {
    let home = gcloud_config(FixtureHome::new(), ".config/gcloud", "default", "ml-prod")
        .file(
            ADC,
            gcp::authorized_user("client-secret", "user-refresh-token"),
        )
        .file(".config/gcloud/active_config", "default");
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["project"], "ml-prod");
    assert_eq!(laptop["refresh_token"], "user-refresh-token");
}

#[tokio::test]
async fn a_named_configuration_in_a_relocated_config_dir() {
    let home = gcloud_config(FixtureHome::new(), "gc", "default", "not-this-one")
        .file(
            "gc/configurations/config_work",
            "[core]\nproject = work-project\n",
        )
        .file("gc/active_config", "work\n")
        .file(
            "gc/application_default_credentials.json",
            gcp::authorized_user("cs", "rt"),
        )
        .env_path("CLOUDSDK_CONFIG", "gc");
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["project"], "work-project");
}

#[tokio::test]
async fn the_env_project_beats_gcloud_and_the_legacy_name_counts() {
    let base = || {
        gcloud_config(
            FixtureHome::new(),
            ".config/gcloud",
            "default",
            "from-gcloud",
        )
        .file(ADC, gcp::authorized_user("cs", "rt"))
    };
    let (laptop, _) = same(&base().env("GOOGLE_CLOUD_PROJECT", "from-env")).await;
    assert_eq!(laptop["project"], "from-env");
    let (laptop, _) = same(&base().env("GCLOUD_PROJECT", "from-legacy-env")).await;
    assert_eq!(laptop["project"], "from-legacy-env");
    let (laptop, _) = same(
        &base()
            .env("CLOUDSDK_ACTIVE_CONFIG_NAME", "default")
            .env("CLOUDSDK_CORE_PROJECT", "from-cloudsdk-env"),
    )
    .await;
    assert_eq!(laptop["project"], "from-cloudsdk-env");
}

#[tokio::test]
async fn a_service_account_key_named_by_google_application_credentials() {
    let home = gcloud_config(
        FixtureHome::new(),
        ".config/gcloud",
        "default",
        "gcloud-project",
    )
    .file("keys/trainer.json", service_account_json("sa-project"))
    .file(ADC, gcp::authorized_user("cs", "canary-gcp-user-refresh"))
    .env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/trainer.json");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["project"], "sa-project");
    assert_eq!(laptop["type"], "Credentials");
    pod.assert_not_carried("canary-gcp-user-refresh", "gcloud's ADC, unused");
}

#[tokio::test]
async fn a_service_account_key_at_gcloud_path_keeps_its_own_project() {
    let home = gcloud_config(
        FixtureHome::new(),
        ".config/gcloud",
        "default",
        "gcloud-project",
    )
    .file(ADC, service_account_json("key-project"));
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["project"], "key-project");
}

/// `gcloud auth application-default login --impersonate-service-account`.
#[tokio::test]
async fn impersonated_service_account() {
    let adc = r#"{
  "delegates": [],
  "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/trainer@ml.iam.gserviceaccount.com:generateAccessToken",
  "source_credentials": {
    "account": "",
    "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
    "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
    "refresh_token": "impersonation-source-refresh",
    "type": "authorized_user",
    "universe_domain": "googleapis.com"
  },
  "type": "impersonated_service_account"
}
"#;
    let home = gcloud_config(
        FixtureHome::new(),
        ".config/gcloud",
        "default",
        "imp-project",
    )
    .file(ADC, adc);
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["type"], "Credentials");
    assert_eq!(
        laptop["source"]["refresh_token"],
        "impersonation-source-refresh"
    );
    assert_eq!(laptop["project"], "imp-project");
}

/// Workload identity federation with a file-sourced subject token (`gcloud iam
/// workload-identity-pools create-cred-config --credential-source-file`): the token file
/// travels and the pod's copy points at it.
#[tokio::test]
async fn external_account_with_a_file_source() {
    let home = FixtureHome::new()
        .file("oidc/token", "subject-token-from-the-idp")
        .env("GOOGLE_CLOUD_PROJECT", "wif-project");
    let adc = format!(
        r#"{{
  "type": "external_account",
  "audience": "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/oidc",
  "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
  "token_url": "https://sts.googleapis.com/v1/token",
  "credential_source": {{"file": "{}"}}
}}
"#,
        home.path("oidc/token").display()
    );
    let home = home.file(ADC, adc);
    let o = Oracle::python(
        env!("CARGO_TARGET_TMPDIR"),
        &["google.auth"],
        r#"
        import google.auth
        creds, project = google.auth.default()
        out({"type": type(creds).__module__, "project": project,
             "token": creds._subject_token_supplier.get_subject_token(None, None)})
        "#,
    );
    let laptop = o.on_laptop(&home).json();
    assert_eq!(laptop["token"], "subject-token-from-the-idp");
    // The copy names the token's container path inside its JSON, which `kt-secrets run` does
    // not rewrite (it rewrites env vars only), so the pod side is read from its files: the
    // credentials point at a mounted file that holds the laptop's token.
    let pod = o.in_pod(&home, &PROVIDER).await;
    let adc: Value = serde_json::from_slice(pod.file(&format!("~/{ADC}")).unwrap()).unwrap();
    let target = adc["credential_source"]["file"].as_str().unwrap();
    assert_eq!(target, kt_provider_gcp::SUBJECT_TOKEN_TARGET);
    assert_eq!(pod.file(target), Some(&b"subject-token-from-the-idp"[..]));
    assert_eq!(
        adc["audience"],
        "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/oidc"
    );

    // Its token file gone: refused, naming it, rather than a pod that cannot refresh.
    std::fs::remove_file(home.path("oidc/token")).unwrap();
    use kt_secrets_core::Provider;
    let e = PROVIDER
        .resolve(&home.context())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("credential_source.file") && e.contains("oidc/token"),
        "{e}"
    );
}
