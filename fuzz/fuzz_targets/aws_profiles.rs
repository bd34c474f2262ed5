//! The AWS provider's cut of `~/.aws/credentials` and `~/.aws/config` (rust-ini).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(data) = kt_secrets_fuzz::with_canary(data) else {
        return;
    };
    for file in [".aws/credentials", ".aws/config"] {
        let e = kt_secrets_fuzz::resolve_with("aws", &[(file, &data)], &[]);
        kt_secrets_fuzz::assert_no_canary(e);
    }
    // Both files at once, and a named profile.
    let e = kt_secrets_fuzz::resolve_with(
        "aws",
        &[(".aws/credentials", &data), (".aws/config", &data)],
        &[("AWS_PROFILE", "dev")],
    );
    kt_secrets_fuzz::assert_no_canary(e);
});
