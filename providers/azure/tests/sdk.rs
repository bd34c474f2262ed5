//! azure-identity decides: which credential `EnvironmentCredential` configures, with which
//! client, tenant, secret or certificate and authority, and which credentials
//! `DefaultAzureCredential` lines up (all without network), are the same on the laptop and in
//! the pod; without env credentials, the Azure CLI's files under its config dir
//! (`azure.cli.core`'s `AZURE_CONFIG_DIR` or `~/.azure`) are the same.

use kt_provider_azure::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::formats::azure;
use kt_secrets_testkit::oracle::{Oracle, PodRun, Value};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUB: &str = "3b6a1c8e-0d4f-4e2b-9a57-6c1d2e3f4a5b";
const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const REFRESH: &str = "canary-azure-refresh-token";

const IDENTITY: &str = r#"
    import hashlib, os, pathlib
    from azure.identity import DefaultAzureCredential, EnvironmentCredential
    c = EnvironmentCredential()._credential
    res = {"environment": type(c).__name__ if c else None}
    if c is not None:
        cred = c._client_credential
        if isinstance(cred, dict):
            cred = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in cred.items()
                    if k in ("thumbprint", "public_certificate", "passphrase")}
        res.update(client_id=c._client_id, tenant_id=c._tenant_id, authority=c._authority,
                   regional=c._regional_authority, allowed=c._additionally_allowed_tenants,
                   credential=cred)
    res["default_chain"] = [type(x).__name__ for x in DefaultAzureCredential().credentials]
    res["subscription"] = os.environ.get("AZURE_SUBSCRIPTION_ID")
    if c is None:
        d = pathlib.Path(os.environ.get("AZURE_CONFIG_DIR") or os.path.expanduser("~/.azure"))
        res["az_files"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                           for p in sorted(d.glob("*")) if p.name in (
                               "azureProfile.json", "msal_token_cache.json", "config",
                               "clouds.config", "service_principal_entries.json")}
    out(res)
"#;

fn oracle() -> Oracle {
    Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["azure.identity"], IDENTITY)
}

async fn same(home: &FixtureHome) -> (Value, PodRun) {
    let o = oracle();
    let laptop = o.on_laptop(home).json();
    let pod = o.in_pod(home, &PROVIDER).await;
    assert_eq!(
        pod.observed.json(),
        laptop,
        "azure-identity in the pod (left) vs on the laptop (right)"
    );
    (laptop, pod)
}

/// `az login` left these; the refresh token is the user's own.
fn cli_login(home: FixtureHome, dir: &str) -> FixtureHome {
    home.file(
        format!("{dir}/azureProfile.json"),
        azure::azure_profile(SUB, TENANT),
    )
    .file(
        format!("{dir}/msal_token_cache.json"),
        azure::msal_token_cache("canary-azure-access-token", REFRESH),
    )
    .file(format!("{dir}/config"), azure::config())
    .file(format!("{dir}/az.sess"), "{}")
    .file(format!("{dir}/commands/2026-01-01.log"), "az account show")
}

/// An RSA certificate with its key in one PEM file, as `az ad sp create-for-rbac
/// --create-cert` writes it; with `password`, the key is encrypted.
fn certificate_pem(password: Option<&str>) -> String {
    let py = kt_secrets_testkit::oracle::python(env!("CARGO_TARGET_TMPDIR"));
    let script = r#"
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kt-secrets-sp")])
now = datetime.datetime(2026, 1, 1)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256()))
pw = sys.argv[1] if len(sys.argv) > 1 else None
enc = serialization.BestAvailableEncryption(pw.encode()) if pw else serialization.NoEncryption()
sys.stdout.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode())
sys.stdout.write(cert.public_bytes(serialization.Encoding.PEM).decode())
"#;
    let mut cmd = std::process::Command::new(py);
    cmd.args(["-I", "-c", script]);
    if let Some(p) = password {
        cmd.arg(p);
    }
    let out = cmd.output().expect("generate a certificate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn client_secret_service_principal_leaves_the_cli_login_home() {
    let home = cli_login(FixtureHome::new(), ".azure")
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_SECRET", "sp-secret-value")
        .env("AZURE_SUBSCRIPTION_ID", SUB);
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["environment"], "ClientSecretCredential");
    assert_eq!(laptop["credential"], "sp-secret-value");
    pod.assert_not_carried(REFRESH, "the user's own refresh token");
}

/// The leak the old provider had: a certificate principal found nothing in the env, so the
/// user's `~/.azure` (refresh token included) went instead, and the pod was the user.
#[tokio::test]
async fn certificate_service_principal_ships_the_certificate_not_the_cli_login() {
    let home = cli_login(FixtureHome::new(), ".azure")
        .file("certs/sp.pem", certificate_pem(None))
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_TENANT_ID", TENANT)
        .env_path("AZURE_CLIENT_CERTIFICATE_PATH", "certs/sp.pem");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["environment"], "CertificateCredential");
    assert!(laptop["credential"]["thumbprint"].is_string(), "{laptop}");
    pod.assert_not_carried(REFRESH, "the user's own refresh token");
    assert!(pod.file(kt_provider_azure::CERTIFICATE_TARGET).is_some());
}

#[tokio::test]
async fn encrypted_certificate_with_chain_and_sovereign_authority() {
    let home = FixtureHome::new()
        .file("certs/sp.pem", certificate_pem(Some("cert-pass")))
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_TENANT_ID", TENANT)
        .env_path("AZURE_CLIENT_CERTIFICATE_PATH", "certs/sp.pem")
        .env("AZURE_CLIENT_CERTIFICATE_PASSWORD", "cert-pass")
        .env("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true")
        .env("AZURE_AUTHORITY_HOST", "login.microsoftonline.us");
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["authority"], "https://login.microsoftonline.us");
    assert!(
        laptop["credential"]["public_certificate"].is_string(),
        "{laptop}"
    );
}

#[tokio::test]
async fn regional_authority_and_additional_tenants() {
    let home = FixtureHome::new()
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_SECRET", "sp-secret-2")
        .env("AZURE_REGIONAL_AUTHORITY_NAME", "westeurope")
        .env("AZURE_ADDITIONALLY_ALLOWED_TENANTS", "*")
        .env("AZURE_AUTHORITY_HOST", "https://login.chinacloudapi.cn/");
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["regional"], "westeurope");
}

#[tokio::test]
async fn azure_cli_login() {
    let home = cli_login(FixtureHome::new(), ".azure");
    let (laptop, pod) = same(&home).await;
    assert!(laptop["environment"].is_null());
    assert!(laptop["az_files"]["msal_token_cache.json"].is_string());
    pod.assert_not_carried("az account show", "the CLI's command log");
}

#[tokio::test]
async fn azure_cli_login_in_a_relocated_config_dir() {
    let home = cli_login(FixtureHome::new(), "work/azure")
        .env_path("AZURE_CONFIG_DIR", "work/azure")
        .file(
            ".azure/msal_token_cache.json",
            "{\"stale\": \"canary-azure-stale\"}",
        );
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["az_files"].as_object().unwrap().len(), 3, "{laptop}");
    pod.assert_not_carried(
        "canary-azure-stale",
        "the default dir, which az does not read",
    );
}

#[tokio::test]
async fn username_and_password() {
    let home = cli_login(FixtureHome::new(), ".azure")
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_USERNAME", "robot@example.com")
        .env("AZURE_PASSWORD", "robot-password");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["environment"], "UsernamePasswordCredential");
    pod.assert_not_carried(REFRESH, "the user's own refresh token");
}
