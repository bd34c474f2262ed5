//! The GCP provider's check of an application default credentials file (serde_json).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(data) = kt_secrets_fuzz::with_canary(data) else {
        return;
    };
    let file = ".config/gcloud/application_default_credentials.json";
    let e = kt_secrets_fuzz::resolve_with("gcp", &[(file, &data)], &[]);
    kt_secrets_fuzz::assert_no_canary(e);
});
