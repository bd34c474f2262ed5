//! The Lambda provider's read of `~/.lambda_cloud/lambda_keys` (rust-ini).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(data) = kt_secrets_fuzz::with_canary(data) else {
        return;
    };
    let e = kt_secrets_fuzz::resolve_with("lambda", &[(".lambda_cloud/lambda_keys", &data)], &[]);
    kt_secrets_fuzz::assert_no_canary(e);
});
