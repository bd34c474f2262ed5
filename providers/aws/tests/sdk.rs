//! botocore decides: on laptops laid out as `aws configure`, `aws configure sso` and hand
//! edits leave them, `botocore.session.Session().get_credentials()` and the region are the same
//! on the laptop and in the pod (`kt-secrets run`), and what botocore would not use on the
//! laptop is not in the pod.

use kt_provider_aws::PROVIDER;
use kt_secrets_core::Provider;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;
use kt_secrets_testkit::oracle::Value;

/// botocore's chain (`botocore.credentials.create_credential_resolver`): env, assume-role,
/// web identity, SSO, shared credentials file, process, config file... and what each
/// configured. Credentials that need the network to be fetched (assume-role, SSO) are shown as
/// their method and the profile settings and token cache they would use.
const BOTOCORE: &str = r#"
    import botocore.session
    s = botocore.session.Session()
    res = {"region": s.get_config_variable("region"), "profile": s.get_config_variable("profile")}
    try:
        c = s.get_credentials()
    except Exception as e:
        res["error"] = type(e).__name__
        res["credential_process"] = s.get_scoped_config().get("credential_process")
        c = None
    if c is not None:
        # The pod reads static keys where the laptop does: env keys from env, a profile's
        # keys from its file (they are not copied into env vars), so the method is compared.
        static = c.method in ("env", "shared-credentials-file", "config-file")
        res["method"] = c.method
        if static:
            f = c.get_frozen_credentials()
            res.update(key=f.access_key, secret=f.secret_key, token=f.token)
        else:
            cfg = s.get_scoped_config()
            res["config"] = {k: cfg.get(k) for k in (
                "role_arn", "source_profile", "credential_source", "role_session_name",
                "external_id", "mfa_serial", "duration_seconds", "sso_session",
                "sso_start_url", "sso_region", "sso_account_id", "sso_role_name",
                "credential_process", "web_identity_token_file")}
            src = cfg.get("source_profile")
            if src:
                f = botocore.session.Session(profile=src).get_credentials().get_frozen_credentials()
                res["source"] = dict(key=f.access_key, secret=f.secret_key, token=f.token)
            if cfg.get("sso_session") or cfg.get("sso_start_url"):
                from botocore.tokens import SSOTokenProvider
                from botocore.utils import SSOTokenLoader, JSONFileCache
                import os
                loader = SSOTokenLoader(cache=JSONFileCache(os.path.expanduser("~/.aws/sso/cache")))
                name = cfg.get("sso_session")
                start = cfg.get("sso_start_url") or s.full_config["sso_sessions"][name]["sso_start_url"]
                try:
                    t = loader(start, session_name=name)
                    res["sso_token"] = {"accessToken": t["accessToken"], "expiresAt": t["expiresAt"]}
                except Exception as e:
                    res["sso_token"] = type(e).__name__
    out(res)
"#;

fn oracle() -> Oracle {
    Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["botocore"], BOTOCORE)
        // Never the instance metadata service (the harness also has no network).
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

/// botocore's view on the laptop and in the pod; panics unless they are the same. Returns
/// the laptop's view and the pod run.
async fn same(home: &FixtureHome) -> (Value, kt_secrets_testkit::oracle::PodRun) {
    let o = oracle();
    let laptop = o.on_laptop(home).json();
    let pod = o.in_pod(home, &PROVIDER).await;
    assert_eq!(
        pod.observed.json(),
        laptop,
        "botocore in the pod (left) vs on the laptop (right)"
    );
    (laptop, pod)
}

const CREDS_CONFIGURE: &str = "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = default/secret/key/0000000000000000000\n";
const CONFIG_CONFIGURE: &str = "[default]\nregion = us-east-1\noutput = json\n";

#[tokio::test]
async fn aws_configure_default() {
    let home = FixtureHome::new()
        .file(".aws/credentials", CREDS_CONFIGURE)
        .file(".aws/config", CONFIG_CONFIGURE);
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["key"], "AKIADEFAULT000000001");
    assert_eq!(laptop["region"], "us-east-1");
}

/// Several accounts; the selected one by AWS_PROFILE; comments that `aws configure` users
/// leave, including an old key of another profile commented out right above the next header.
#[tokio::test]
async fn named_profile_with_comments_of_other_profiles() {
    let creds = "\
# personal account
[default]
aws_access_key_id = AKIAPERSONAL00000001
aws_secret_access_key = personal-secret-canary-aws-1
# rotated 2025-01: aws_secret_access_key = OLD-personal-canary-aws-2

; work account, via SSO soon
[work]
aws_access_key_id = AKIAWORK000000000001
aws_secret_access_key = work-secret-000000000000000000000000000
# old work key: aws_secret_access_key = OLD-work-canary-aws-3
[staging]
aws_access_key_id = AKIASTAGING000000001
aws_secret_access_key = staging-secret-canary-aws-4
";
    let config = "\
[default]
region = us-east-1
[profile work]
region = eu-central-1
output = json
[profile staging]
region = ap-south-1
";
    let home = FixtureHome::new()
        .file(".aws/credentials", creds)
        .file(".aws/config", config)
        .env("AWS_PROFILE", "work");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["key"], "AKIAWORK000000000001");
    assert_eq!(laptop["region"], "eu-central-1");
    for (v, why) in [
        ("personal-secret-canary-aws-1", "another profile's key"),
        ("OLD-personal-canary-aws-2", "a comment of another profile"),
        ("OLD-work-canary-aws-3", "a comment holding an old key"),
        ("staging-secret-canary-aws-4", "another profile's key"),
    ] {
        pod.assert_not_carried(v, why);
    }
}

#[tokio::test]
async fn env_keys_with_a_session_token_and_the_profile_region() {
    let home = FixtureHome::new()
        .file(".aws/credentials", CREDS_CONFIGURE)
        .file(".aws/config", "[default]\nregion = sa-east-1\n")
        .env("AWS_ACCESS_KEY_ID", "ASIAENV0000000000001")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_SESSION_TOKEN", "env-session-token");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["token"], "env-session-token");
    assert_eq!(laptop["region"], "sa-east-1");
    pod.assert_not_carried("default/secret/key", "the files' key, unused with env keys");
}

/// The legacy name that older tooling (and botocore, first) reads.
#[tokio::test]
async fn env_keys_with_the_legacy_security_token() {
    let home = FixtureHome::new()
        .env("AWS_ACCESS_KEY_ID", "ASIAENV0000000000002")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret-2")
        .env("AWS_SECURITY_TOKEN", "legacy-token")
        .env("AWS_DEFAULT_REGION", "us-west-2");
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["token"], "legacy-token");
    // Both names set: botocore takes AWS_SECURITY_TOKEN (EnvProvider.TOKENS order).
    let home = FixtureHome::new()
        .env("AWS_ACCESS_KEY_ID", "ASIAENV0000000000003")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret-3")
        .env("AWS_SECURITY_TOKEN", "legacy-token")
        .env("AWS_SESSION_TOKEN", "new-token");
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["token"], "legacy-token");
}

/// botocore raises PartialCredentialsError for a key id without its secret; the provider
/// refuses too, naming both vars, rather than shipping the files' other identity.
#[tokio::test]
async fn partial_env_keys_are_an_error() {
    let home = FixtureHome::new()
        .file(".aws/credentials", CREDS_CONFIGURE)
        .env("AWS_ACCESS_KEY_ID", "AKIAHALF000000000001");
    let laptop = oracle().on_laptop(&home).json();
    assert_eq!(laptop["error"], "PartialCredentialsError");
    for home in [
        home,
        FixtureHome::new()
            .file(".aws/credentials", CREDS_CONFIGURE)
            .env("AWS_SECRET_ACCESS_KEY", "half-secret-canary"),
    ] {
        let e = PROVIDER
            .resolve(&home.context())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AWS_ACCESS_KEY_ID") && e.contains("AWS_SECRET_ACCESS_KEY"),
            "{e}"
        );
        assert!(!e.contains("canary") && !e.contains("AKIAHALF"), "{e}");
    }
}

/// `aws configure` for a role: source_profile chain, region of the role profile.
#[tokio::test]
async fn assume_role_with_a_source_profile() {
    let creds = "\
[base]
aws_access_key_id = AKIABASE000000000001
aws_secret_access_key = base-secret
[unrelated]
aws_access_key_id = AKIAUNRELATED0000001
aws_secret_access_key = unrelated-canary-aws
";
    let config = "\
[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = base
role_session_name = laptop
region = eu-west-3
[profile base]
region = eu-west-1
";
    let home = FixtureHome::new()
        .file(".aws/credentials", creds)
        .file(".aws/config", config)
        .env("AWS_PROFILE", "deploy");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["method"], "assume-role");
    assert_eq!(laptop["source"]["key"], "AKIABASE000000000001");
    pod.assert_not_carried("unrelated-canary-aws", "another profile's key");
}

/// `aws configure sso` (sso-session) with its cached token; the cache also holds another
/// session's token and botocore's client registration, which the pod does not need.
#[tokio::test]
async fn sso_session_profile_with_its_token_cache() {
    let config = "\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = us-east-2
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
[sso-session other]
sso_start_url = https://other.awsapps.com/start
sso_region = us-east-1
";
    // botocore's cache key: sha1 of the session name (SSOTokenLoader._generate_cache_key).
    let corp = "corp";
    let other = "other";
    let token = |t: &str| {
        format!(
            "{{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\", \
             \"accessToken\": \"{t}\", \"expiresAt\": \"2099-01-01T00:00:00Z\", \
             \"clientId\": \"cid\", \"clientSecret\": \"client-secret-canary\", \
             \"registrationExpiresAt\": \"2099-01-01T00:00:00Z\", \"refreshToken\": \"refresh-{t}\"}}"
        )
    };
    let home = FixtureHome::new()
        .file(".aws/config", config)
        .file(
            format!(".aws/sso/cache/{}.json", sha1_hex(corp)),
            token("corp-access-token"),
        )
        .file(
            format!(".aws/sso/cache/{}.json", sha1_hex(other)),
            token("other-access-token-canary"),
        )
        .file(
            ".aws/sso/cache/botocore-client-id-us-east-1.json",
            "{\"clientId\": \"x\", \"clientSecret\": \"registration-canary\"}",
        )
        .env("AWS_PROFILE", "dev");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["method"], "sso");
    assert_eq!(laptop["sso_token"]["accessToken"], "corp-access-token");
    pod.assert_not_carried("other-access-token-canary", "another session's token");
    pod.assert_not_carried("registration-canary", "botocore's client registration");
}

/// Files elsewhere, named by AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE.
#[tokio::test]
async fn relocated_files() {
    let home = FixtureHome::new()
        .file("work/aws-creds", CREDS_CONFIGURE)
        .file("work/aws-config", "[default]\nregion = ca-central-1\n")
        .file(
            ".aws/credentials",
            "[default]\naws_access_key_id = AKIAIGNORED\naws_secret_access_key = ignored-canary\n",
        )
        .env_path("AWS_SHARED_CREDENTIALS_FILE", "work/aws-creds")
        .env_path("AWS_CONFIG_FILE", "work/aws-config");
    let (laptop, pod) = same(&home).await;
    assert_eq!(laptop["key"], "AKIADEFAULT000000001");
    assert_eq!(laptop["region"], "ca-central-1");
    pod.assert_not_carried("ignored-canary", "the file botocore does not read");
}

/// Keys in the config file only (no credentials file), and a `;` note after a value, which
/// botocore's RawConfigParser keeps as part of the value.
#[tokio::test]
async fn keys_in_the_config_file_with_an_inline_note() {
    let config = "\
[default]
aws_access_key_id = AKIACONFIG0000000001
aws_secret_access_key = config-secret ; from the console
region = us-east-1
";
    let home = FixtureHome::new().file(".aws/config", config);
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["secret"], "config-secret ; from the console");
}

/// `credential_process`: the pod runs the same command, which must exist in the image.
#[tokio::test]
async fn credential_process_profile() {
    let config = "\
[profile tool]
credential_process = /usr/local/bin/aws-vault export --format=json tool
region = us-east-1
";
    let home = FixtureHome::new()
        .file(".aws/config", config)
        .env("AWS_PROFILE", "tool");
    let (laptop, _) = same(&home).await;
    // botocore runs the command at once; it is not on this machine either.
    assert!(laptop["error"].is_string(), "{laptop}");
    assert_eq!(
        laptop["credential_process"],
        "/usr/local/bin/aws-vault export --format=json tool"
    );
}

fn sha1_hex(s: &str) -> String {
    let out = std::process::Command::new("sha1sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .expect("sha1sum");
    String::from_utf8(out.stdout).unwrap()[..40].to_owned()
}

/// Legacy SSO (`sso_start_url` in the profile): the cache file is named by the start URL.
#[tokio::test]
async fn legacy_sso_profile() {
    let url = "https://legacy.awsapps.com/start";
    let config = format!(
        "[default]\nsso_start_url = {url}\nsso_region = us-east-1\nsso_account_id = 444455556666\nsso_role_name = Admin\nregion = eu-north-1\n"
    );
    let home = FixtureHome::new().file(".aws/config", config).file(
        format!(".aws/sso/cache/{}.json", sha1_hex(url)),
        format!(
            "{{\"startUrl\": \"{url}\", \"region\": \"us-east-1\", \"accessToken\": \"legacy-access\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}}"
        ),
    );
    let (laptop, _) = same(&home).await;
    assert_eq!(laptop["sso_token"]["accessToken"], "legacy-access");
}
