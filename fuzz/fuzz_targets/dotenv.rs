//! `--from-env-file`: dotenvy plus the checks around it (NUL bytes, `$` expansion).
#![no_main]

#[path = "../../crates/kt-secrets-cli/src/envfile.rs"]
#[allow(dead_code)]
mod envfile;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(data) = kt_secrets_fuzz::with_canary(data) else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(&data) {
        for allow_unset in [false, true] {
            let e = envfile::parse(text, allow_unset)
                .err()
                .map(|e| format!("{e:#}"));
            kt_secrets_fuzz::assert_no_canary(e);
        }
    }
});
