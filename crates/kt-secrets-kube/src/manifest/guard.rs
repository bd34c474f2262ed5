//! Values out of objects: the [`ObjectGuard`] that wipes an object's values when it drops, and
//! the [`scrub`] and [`strip_values`] it is made of.

use std::fmt;
use std::ops::Deref;

use k8s_openapi::api::core::v1::Secret as KubeSecret;
use zeroize::Zeroize;

/// The annotation `kubectl apply` keeps the whole applied manifest in, `data` included.
pub const ANNOTATION_LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A Kubernetes `Secret` object (one read from the API server, or one about to be sent) whose
/// values are wiped when it is dropped.
///
/// Owning the object is what makes the wipe certain: an error raised while the object is
/// read (a key that does not parse, say) returns through `?` and drops the guard like any
/// other way out. Read the object through `Deref`; [`ObjectGuard::into_stripped`] gives it
/// back without its values, for showing. `Debug` shows its name, namespace and data keys,
/// never a value.
pub struct ObjectGuard(KubeSecret);

impl ObjectGuard {
    /// Guards `obj` from here on.
    pub fn new(obj: KubeSecret) -> ObjectGuard {
        ObjectGuard(obj)
    }

    /// The object less its values ([`strip_values`]) and less its `managedFields` (the API
    /// server's bookkeeping of who set which field, which `kubectl get` hides too): what a
    /// listing may show.
    pub fn into_stripped(mut self) -> KubeSecret {
        strip_values(&mut self.0);
        self.0.metadata.managed_fields = None;
        // What is left in the guard is an empty object, wiped in vain on drop.
        std::mem::take(&mut self.0)
    }
}

impl From<KubeSecret> for ObjectGuard {
    fn from(obj: KubeSecret) -> ObjectGuard {
        ObjectGuard::new(obj)
    }
}

impl Deref for ObjectGuard {
    type Target = KubeSecret;

    fn deref(&self) -> &KubeSecret {
        &self.0
    }
}

impl Drop for ObjectGuard {
    fn drop(&mut self) {
        scrub(&mut self.0);
        #[cfg(test)]
        tests::note_drop(&self.0);
    }
}

impl fmt::Debug for ObjectGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = (self.0.data.iter().flatten().map(|(k, _)| k.as_str()))
            .chain(self.0.string_data.iter().flatten().map(|(k, _)| k.as_str()))
            .collect();
        f.debug_struct("ObjectGuard")
            .field("name", &self.0.metadata.name)
            .field("namespace", &self.0.metadata.namespace)
            .field("keys", &keys)
            .finish_non_exhaustive()
    }
}

/// Overwrites the values an object holds (`data`, `stringData`, and the copy of them in the
/// manifest `kubectl apply` keeps in an annotation), for objects about to be dropped.
/// [`ObjectGuard`] does this on drop; call it for an object of your own.
pub fn scrub(obj: &mut KubeSecret) {
    for v in obj.data.iter_mut().flatten().map(|(_, v)| v) {
        v.0.zeroize();
    }
    for v in obj.string_data.iter_mut().flatten().map(|(_, v)| v) {
        v.zeroize();
    }
    if let Some(applied) = obj
        .metadata
        .annotations
        .as_mut()
        .and_then(|a| a.get_mut(ANNOTATION_LAST_APPLIED))
    {
        applied.zeroize();
    }
}

/// Takes every value out of an object that is shown without them (listings): `data`,
/// `stringData`, and their copies in the manifest `kubectl apply` keeps in an annotation,
/// which stays, less those fields (or goes, when it is not a JSON object).
pub fn strip_values(obj: &mut KubeSecret) {
    let applied = obj
        .metadata
        .annotations
        .as_mut()
        .and_then(|a| a.remove(ANNOTATION_LAST_APPLIED))
        .map(zeroize::Zeroizing::new);
    scrub(obj);
    obj.data = None;
    obj.string_data = None;
    let Some(applied) = applied else {
        return;
    };
    if let Ok(serde_json::Value::Object(mut m)) = serde_json::from_str(&applied) {
        m.remove("data");
        m.remove("stringData");
        if let Ok(text) = serde_json::to_string(&m)
            && let Some(annotations) = obj.metadata.annotations.as_mut()
        {
            annotations.insert(ANNOTATION_LAST_APPLIED.to_owned(), text + "\n");
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use k8s_openapi::ByteString;

    use super::*;

    thread_local! {
        /// Each guard dropped on this thread: its object's name, and whether no value was
        /// left in it. Tests on a current-thread runtime see exactly the guards they caused.
        static DROPPED: RefCell<Vec<(String, bool)>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) fn note_drop(obj: &KubeSecret) {
        let wiped = obj.data.iter().flatten().all(|(_, v)| v.0.is_empty())
            && obj.string_data.iter().flatten().all(|(_, v)| v.is_empty());
        let name = obj.metadata.name.clone().unwrap_or_default();
        DROPPED.with(|d| d.borrow_mut().push((name, wiped)));
    }

    /// The guards dropped on this thread since the last call, and whether each was wiped.
    pub(crate) fn dropped() -> Vec<(String, bool)> {
        DROPPED.with(|d| std::mem::take(&mut *d.borrow_mut()))
    }

    fn object(canary: &str) -> KubeSecret {
        let applied = format!(
            r#"{{"kind":"Secret","metadata":{{"name":"s"}},"stringData":{{"S":"{canary}"}}}}"#
        );
        KubeSecret {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("s".into()),
                annotations: Some(BTreeMap::from([
                    (ANNOTATION_LAST_APPLIED.to_owned(), applied),
                    ("other".to_owned(), "kept".to_owned()),
                ])),
                ..Default::default()
            },
            data: Some(BTreeMap::from([("K".into(), ByteString(canary.into()))])),
            string_data: Some(BTreeMap::from([("S".into(), canary.to_owned())])),
            ..Default::default()
        }
    }

    #[test]
    fn scrub_overwrites_values_and_their_kubectl_copy() {
        let mut m = object("canary-scrub");
        scrub(&mut m);
        assert!(m.data.unwrap().values().all(|v| v.0.is_empty()));
        assert!(m.string_data.unwrap().values().all(String::is_empty));
        assert!(m.metadata.annotations.unwrap()[ANNOTATION_LAST_APPLIED].is_empty());
    }

    #[test]
    fn a_guard_wipes_on_drop_and_shows_no_value() {
        let canary = "canary-guard";
        let guard = ObjectGuard::new(object(canary));
        let shown = format!("{guard:?}");
        assert!(!shown.contains(canary), "{shown}");
        assert!(
            shown.contains("\"s\"") && shown.contains("\"K\""),
            "{shown}"
        );
        dropped();
        drop(guard);
        assert_eq!(dropped(), [("s".to_owned(), true)]);
    }

    #[test]
    fn into_stripped_drops_values_and_managed_fields() {
        let canary = "canary-stripped";
        let mut obj = object(canary);
        obj.metadata.managed_fields = Some(Vec::new());
        let obj = ObjectGuard::new(obj).into_stripped();
        assert!(obj.metadata.managed_fields.is_none());
        assert!(obj.data.is_none() && obj.string_data.is_none());
        let shown = serde_json::to_string(&obj).unwrap();
        assert!(!shown.contains(canary), "{shown}");
        assert_eq!(obj.metadata.annotations.unwrap()["other"], "kept");
    }

    #[test]
    fn stripped_objects_hold_no_values_not_even_in_kubectl_annotations() {
        let canary = "canary-last-applied";
        let b64 = "Y2FuYXJ5LWxhc3QtYXBwbGllZA==";
        let applied = format!(
            r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"s"}},"data":{{"K":"{b64}"}},"stringData":{{"S":"{canary}"}}}}"#
        );
        let mut obj = object(canary);
        let annotations = obj.metadata.annotations.as_mut().unwrap();
        annotations.insert(ANNOTATION_LAST_APPLIED.to_owned(), applied);
        strip_values(&mut obj);
        let shown = serde_json::to_string(&obj).unwrap();
        assert!(!shown.contains(canary) && !shown.contains(b64), "{shown}");
        let annotations = obj.metadata.annotations.unwrap();
        assert_eq!(annotations["other"], "kept");
        let applied: serde_json::Value =
            serde_json::from_str(&annotations[ANNOTATION_LAST_APPLIED]).unwrap();
        assert_eq!(applied["metadata"]["name"], "s");
    }
}
