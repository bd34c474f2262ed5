//! The GitHub provider's read of gh's `hosts.yml` (serde-saphyr), for github.com and an
//! Enterprise host.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let file = ".config/gh/hosts.yml";
    kt_secrets_fuzz::resolve_with("github", &[(file, data)], &[]);
    kt_secrets_fuzz::resolve_with("github", &[(file, data)], &[("GH_HOST", "ghe.example.com")]);
});
