//! The lambda provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::lambda::lambda_keys;
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

#[tokio::test]
async fn lambda_conforms() {
    Conformance::new(&kt_provider_lambda::PROVIDER)
        .found(
            "env var",
            FixtureHome::new()
                .env("LAMBDA_API_KEY", "canary-lambda-env")
                .canary("canary-lambda-env"),
        )
        .found(
            "key file",
            FixtureHome::new()
                .file(
                    ".lambda_cloud/lambda_keys",
                    lambda_keys("canary-lambda-file"),
                )
                .canary("canary-lambda-file"),
        )
        .unreadable(
            "key file",
            FixtureHome::new().file(".lambda_cloud/lambda_keys", lambda_keys("canary-lambda-x")),
            "~/.lambda_cloud/lambda_keys",
        )
        .looks_at(&["env LAMBDA_API_KEY", "~/.lambda_cloud/lambda_keys"])
        .run()
        .await;
}
