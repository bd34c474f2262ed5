//! The store's error paths wipe what they read: an object whose data does not parse fails
//! every read of it, naming the object and the key, and the guard still wipes it (and the
//! rest of a listing) on the way out. Run against the loopback API server.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::Secret;
use kt_secrets_testkit::apiserver::ApiServer;
use kube::api::{Api, PostParams};

use super::{ListOptions, SecretStore};
use crate::error::Error;
use crate::manifest::guard_drops;

const CANARY: &str = "kt-canary-malformed-71c3";
const BAD: &str = "kt.secret.global.bad";

/// Fails on a malformed object, named with its key, and never shows a value.
fn assert_corrupt_and_clean(what: &str, e: &Error) {
    let shown = format!("{e} / {e:?}");
    assert!(matches!(e, Error::Corrupt { .. }), "{what}: {shown}");
    assert!(
        shown.contains(BAD) && shown.contains("bad key"),
        "{what}: {shown}"
    );
    assert!(!shown.contains(CANARY), "{what} leaks a value: {shown}");
}

/// Every object the last step read was wiped when dropped, `BAD` among them.
fn assert_wiped(what: &str) {
    let dropped = guard_drops();
    assert!(dropped.iter().any(|(n, _)| n == BAD), "{what}: {dropped:?}");
    assert!(
        dropped.iter().all(|(_, wiped)| *wiped),
        "{what}: {dropped:?}"
    );
}

#[tokio::test]
async fn an_object_whose_data_does_not_parse_is_wiped_on_every_error_path() {
    let server = ApiServer::start().await;
    let store = SecretStore::new(server.client().await, None);
    let api: Api<KubeSecret> = Api::namespaced(server.backend(), store.namespace());
    // A key the API server itself would refuse, which is the one way `data` cannot become
    // `SecretData`; another object, listed with it, must be wiped too.
    for (name, key) in [(BAD, "bad key"), ("kt.secret.global.fine", "GOOD")] {
        let mut obj = KubeSecret::default();
        obj.metadata.name = Some(name.to_owned());
        obj.data = Some(BTreeMap::from([(
            key.to_owned(),
            ByteString(CANARY.into()),
        )]));
        api.create(&PostParams::default(), &obj).await.unwrap();
    }
    guard_drops();

    // apply: the existing object's data is read to compare it.
    let secret = Secret::from_values("bad", [("GOOD", "x")]).unwrap();
    let e = store.apply(&secret).await.unwrap_err();
    assert_corrupt_and_clean("apply", &e);
    assert_wiped("apply");

    // list and list_objects: each listed object becomes a SecretInfo.
    let e = store.list(&ListOptions::default()).await.unwrap_err();
    assert_corrupt_and_clean("list", &e);
    assert_wiped("list");
    let e = store
        .list_objects(&ListOptions::default())
        .await
        .unwrap_err();
    assert_corrupt_and_clean("list_objects", &e);
    let dropped = guard_drops();
    assert_eq!(dropped.len(), 2, "both listed objects: {dropped:?}");
    assert!(dropped.iter().all(|(_, wiped)| *wiped), "{dropped:?}");

    // get: the object is decoded into a Secret.
    let e = store.get(BAD).await.unwrap_err();
    assert_corrupt_and_clean("get", &e);
    assert_wiped("get");
}
