//! The kubeconfig provider's merge and flatten: the input split in two kubeconfigs merged
//! through KUBECONFIG, and alone as `~/.kube/config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mid = data.len() / 2;
    let (a, b) = data.split_at(mid);
    kt_secrets_fuzz::resolve_with("kubeconfig", &[(".kube/config", data)], &[]);
    kt_secrets_fuzz::resolve_with(
        "kubeconfig",
        &[("kc/a", a), ("kc/b", b)],
        &[("KUBECONFIG", "{home}/kc/a:{home}/kc/b")],
    );
});
