//! The host's decoding of a plugin's JSON answers (`resolve` and `info`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kt_secrets::plugin::decode_answers_for_fuzzing(data);
});
