//! A Secret object from the cluster, perhaps another tool's, decoded into a secret: the JSON
//! the API server sends, then kt-secrets' reading of its labels and annotations.
#![no_main]

use kt_secrets::k8s_openapi::api::core::v1::Secret as KubeSecret;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(obj) = serde_json::from_slice::<KubeSecret>(data) {
        let _ = kt_secrets::kube::manifest::from_manifest(&obj);
        let _ = kt_secrets::kube::manifest::data_of(&obj);
    }
});
