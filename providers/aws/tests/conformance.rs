//! The aws provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::aws::{AwsConfig, AwsCredentials};
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

fn files(tag: &str) -> FixtureHome {
    let secret = |p: &str| format!("canary-aws-{tag}-{p}");
    FixtureHome::new()
        .file(
            ".aws/credentials",
            AwsCredentials::new()
                .profile("default", "AKIAFIXTUREDEFAULT", &secret("default"))
                .session(
                    "work",
                    "ASIAFIXTUREWORK",
                    &secret("work"),
                    &secret("work-token"),
                )
                .build(),
        )
        .file(
            ".aws/config",
            AwsConfig::new()
                .profile("default", &[("region", "us-east-1")])
                .profile("work", &[("region", "eu-west-1"), ("output", "json")])
                .build(),
        )
        .canary(secret("default"))
        .canary(secret("work"))
        .canary(secret("work-token"))
}

#[tokio::test]
async fn aws_conforms() {
    Conformance::new(&kt_provider_aws::PROVIDER)
        .found(
            "env keys",
            FixtureHome::new()
                .env("AWS_ACCESS_KEY_ID", "AKIAFIXTUREENV")
                .env("AWS_SECRET_ACCESS_KEY", "canary-aws-env-secret")
                .env("AWS_SESSION_TOKEN", "canary-aws-env-token")
                .canary("canary-aws-env-secret")
                .canary("canary-aws-env-token"),
        )
        .found("default profile", files("a"))
        .found("AWS_PROFILE", files("b").env("AWS_PROFILE", "work"))
        .found(
            "relocated files",
            files("c")
                .env_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")
                .env_path("AWS_CONFIG_FILE", ".aws/config")
                .env("AWS_DEFAULT_PROFILE", "work"),
        )
        .unreadable("credentials", files("d"), "~/.aws/credentials")
        .unreadable("config", files("e"), "~/.aws/config")
        .looks_at(&[
            "env AWS_ACCESS_KEY_ID",
            "env AWS_SHARED_CREDENTIALS_FILE",
            "~/.aws/credentials",
            "env AWS_CONFIG_FILE",
            "~/.aws/config",
        ])
        .run()
        .await;
}
