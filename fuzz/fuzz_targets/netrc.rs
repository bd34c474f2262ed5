//! The W&B provider's read of `~/.netrc` (rust-netrc, plus the unterminated-quote check).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(data) = kt_secrets_fuzz::with_canary(data) else {
        return;
    };
    let e = kt_secrets_fuzz::resolve_with("wandb", &[(".netrc", &data)], &[]);
    kt_secrets_fuzz::assert_no_canary(e);
});
