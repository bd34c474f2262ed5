//! The gcp provider passes the shared conformance suite (kt_secrets_testkit::conformance).

use kt_secrets_testkit::formats::gcp;
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

const ADC: &str = ".config/gcloud/application_default_credentials.json";

#[tokio::test]
async fn gcp_conforms() {
    Conformance::new(&kt_provider_gcp::PROVIDER)
        .found(
            "gcloud login",
            FixtureHome::new()
                .file(
                    ADC,
                    gcp::authorized_user("canary-gcp-secret", "canary-gcp-refresh"),
                )
                .env("GOOGLE_CLOUD_PROJECT", "kt-fixture-project")
                .canary("canary-gcp-secret")
                .canary("canary-gcp-refresh"),
        )
        .found(
            "service account key",
            FixtureHome::new()
                .file(
                    "keys/sa.json",
                    gcp::service_account("kt-proj", "canary-gcp-private-key"),
                )
                .env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/sa.json")
                .canary("canary-gcp-private-key"),
        )
        .unreadable(
            "gcloud login",
            FixtureHome::new().file(ADC, gcp::authorized_user("canary-gcp-s2", "canary-gcp-r2")),
            &format!("~/{ADC}"),
        )
        .unreadable(
            "service account key",
            FixtureHome::new()
                .file(
                    "keys/sa.json",
                    gcp::service_account("kt-proj", "canary-gcp-pk2"),
                )
                .env_path("GOOGLE_APPLICATION_CREDENTIALS", "keys/sa.json"),
            "~/keys/sa.json",
        )
        .looks_at(&[
            "env GOOGLE_APPLICATION_CREDENTIALS",
            "env CLOUDSDK_CONFIG",
            &format!("~/{ADC}"),
        ])
        .run()
        .await;
}
