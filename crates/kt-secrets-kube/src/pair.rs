//! A secret with both env vars and files, stored as a pair of objects: `NAME` holds the files
//! (Kubetorch's `volume` mount type) and `NAME-env` the env vars' keys (its `env` mount type).
//!
//! Python Kubetorch 0.5.1 gives each object one mount type. `KubernetesSecretsClient._read_secret`
//! takes an object with a `kubetorch.com/secret-path` annotation for a volume and reads nothing
//! else of it, and `extract_envs_and_volumes_from_secrets` mounts such an object whole at that
//! path (Compute's `secret_volumes`: a secret volume without `items`), so every key of it
//! becomes a file there; an object without the annotation and labelled `env` has each key
//! mounted as an env var of the key's name. One object holding both would turn the env keys
//! into stray files (`/root/.aws/AWS_ACCESS_KEY_ID`). As a pair, each half is an object of
//! Kubetorch's own shape: `kt.Secret.from_name` of each (as `kt.Compute(secrets=[...])`
//! takes them) mounts exactly what our pod mounts, and nothing else.
//!
//! Each half is a whole object of ours (its own mount list, origins and content hash, so
//! either can be read alone), names its partner in [`ANNOTATION_PAIR`], and the files half
//! keeps the secret's whole mount list in [`ANNOTATION_PAIR_MOUNTS`], so reading the pair back
//! gives the secret exactly. `SecretStore` reads, lists, deletes and reports the pair as one
//! secret under the files half's name.

use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets_core::validate::validate_dns1123_subdomain;
use kt_secrets_core::{Mount, Resolved, Secret, SecretData};

use crate::error::{Error, Result, Target};
use crate::manifest::{self, LABEL_MOUNT_TYPE};

/// What the env half's object name adds to the files half's.
pub const ENV_SUFFIX: &str = "-env";
/// On each half: the object name of the other half.
pub const ANNOTATION_PAIR: &str = "kt-secrets.dev/pair";
/// On the files half: the whole secret's mount list (JSON), in its order.
pub const ANNOTATION_PAIR_MOUNTS: &str = "kt-secrets.dev/pair-mounts";

/// The env half's object name, for the files half `files_object`.
pub fn env_object(files_object: &str) -> String {
    format!("{files_object}{ENV_SUFFIX}")
}

/// The halves of `secret` (files, env) when it is stored as a pair: it has env var mounts and
/// file mounts. `None` for a secret of env vars only or of files only, which is one object.
pub fn split(secret: &Secret) -> Option<(Secret, Secret)> {
    let is_env = |m: &Mount| matches!(m, Mount::Env { .. });
    let mounts = secret.mounts();
    if !mounts.iter().any(is_env) || !mounts.iter().any(|m| matches!(m, Mount::File { .. })) {
        return None;
    }
    let half = |env: bool| -> Option<Secret> {
        let mut r = Resolved::new();
        r.mounts = mounts
            .iter()
            .filter(|m| is_env(m) == env)
            .cloned()
            .collect();
        for key in r.mounts.iter().filter_map(Mount::key) {
            if let Some(v) = secret.data().get(key) {
                r.data.insert(key, v.clone()).ok()?;
            }
            if let Some(o) = secret.origins().get(key) {
                r.origins.insert(key.to_owned(), o.clone());
            }
        }
        let s = Secret::from_parts(secret.name(), secret.provider().map(str::to_owned), r)
            .ok()?
            .with_override_existing(secret.override_existing());
        Some(match secret.namespace() {
            Some(ns) => s.with_namespace(ns),
            None => s,
        })
    };
    Some((half(false)?, half(true)?))
}

/// The objects `secret` is stored in, owned by `owner`: one ([`manifest::to_manifest`]), or
/// the files half then the env half ([`split`]).
pub fn manifests(secret: &Secret, owner: &str) -> Vec<KubeSecret> {
    let Some((files, env)) = split(secret) else {
        return vec![manifest::to_manifest(secret, owner)];
    };
    let mut files = manifest::to_manifest(&files, owner);
    let mut env = manifest::to_manifest(&env, owner);
    let files_name = files.metadata.name.clone().unwrap_or_default();
    let env_name = env_object(&files_name);
    env.metadata.name = Some(env_name.clone());
    let annotate = |obj: &mut KubeSecret, key: &str, value: String| {
        obj.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
    };
    annotate(&mut files, ANNOTATION_PAIR, env_name);
    annotate(&mut env, ANNOTATION_PAIR, files_name);
    let all = serde_json::to_string(secret.mounts()).expect("mounts serialise to JSON");
    annotate(&mut files, ANNOTATION_PAIR_MOUNTS, all);
    vec![files, env]
}

/// [`manifest::validate`], and for a pair the env half's object name too.
pub fn validate(secret: &Secret, owner: &str, namespace: &str) -> Result<()> {
    manifest::validate(secret, owner, namespace)?;
    if split(secret).is_some() {
        let object = env_object(&manifest::object_name_of(secret, owner));
        validate_dns1123_subdomain(&object).map_err(|reason| Error::Invalid {
            subject: format!(
                "object name {object:?} of secret {}'s env vars",
                secret.name()
            ),
            reason,
        })?;
    }
    Ok(())
}

/// The other half's object name, when `obj` is half of a pair.
///
/// Only a valid object name counts: the annotation is anyone's to write who can write the
/// object, and its value becomes a request path when the other half is read or deleted, so
/// `../configmaps/x` or a query string must not reach it.
pub fn partner(obj: &KubeSecret) -> Option<&str> {
    obj.metadata
        .annotations
        .as_ref()?
        .get(ANNOTATION_PAIR)
        .map(String::as_str)
        .filter(|name| validate_dns1123_subdomain(name).is_ok())
}

/// Whether `obj` is the env half of a pair.
pub fn is_env_half(obj: &KubeSecret) -> bool {
    partner(obj).is_some()
        && obj
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(LABEL_MOUNT_TYPE))
            .is_some_and(|t| t == "env")
}

/// `a` and `b` (two halves, in either order) as (files, env).
pub fn order<'a>(a: &'a KubeSecret, b: &'a KubeSecret) -> (&'a KubeSecret, &'a KubeSecret) {
    if is_env_half(a) { (b, a) } else { (a, b) }
}

/// The secret a pair holds.
pub fn join(files: &KubeSecret, env: &KubeSecret) -> Result<Secret> {
    let corrupt = |detail: String| Error::Corrupt {
        target: Target {
            object: files.metadata.name.clone(),
            namespace: files.metadata.namespace.clone(),
        },
        detail,
    };
    let f = manifest::from_manifest(files)?;
    let e = manifest::from_manifest(env)?;
    let mut data = SecretData::new();
    for (k, v) in f.data().iter().chain(e.data().iter()) {
        data.insert(k, v.clone())
            .map_err(|x| corrupt(x.to_string()))?;
    }
    let mut origins = e.origins().clone();
    origins.extend(f.origins().clone());
    let mounts = match files
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION_PAIR_MOUNTS))
    {
        Some(json) => serde_json::from_str::<Vec<Mount>>(json).map_err(|x| {
            corrupt(format!(
                "annotation {ANNOTATION_PAIR_MOUNTS} is not a mount list: {x}"
            ))
        })?,
        None => [e.mounts(), f.mounts()].concat(),
    };
    let resolved = Resolved {
        data,
        mounts,
        origins,
    };
    let secret = Secret::from_parts(f.name(), f.provider().map(str::to_owned), resolved)
        .map_err(|x| corrupt(x.to_string()))?
        .with_override_existing(f.override_existing());
    Ok(match f.namespace() {
        Some(ns) => secret.with_namespace(ns),
        None => secret,
    })
}

/// The objects of a listing as secrets, by index: `(i, None)` for an object alone, `(files,
/// Some(env))` for a pair whose halves are both listed (in one namespace, each naming the
/// other), in the files half's place.
pub fn group(objects: &[&KubeSecret]) -> Vec<(usize, Option<usize>)> {
    let key = |o: &KubeSecret| {
        (
            o.metadata.namespace.clone().unwrap_or_default(),
            o.metadata.name.clone().unwrap_or_default(),
        )
    };
    let by_name: std::collections::BTreeMap<_, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (key(o), i))
        .collect();
    let partner_of = |o: &KubeSecret| {
        let ns = o.metadata.namespace.clone().unwrap_or_default();
        let j = *by_name.get(&(ns, partner(o)?.to_owned()))?;
        (partner(objects[j]) == o.metadata.name.as_deref()).then_some(j)
    };
    objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match partner_of(o) {
            Some(_) if is_env_half(o) => None,
            Some(j) => Some((i, Some(j))),
            None => Some((i, None)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_secrets_core::Origin;

    fn mixed() -> Secret {
        Secret::from_values("mixed", [("API_TOKEN", "t"), ("ca.pem", "c")]).unwrap()
    }

    #[test]
    fn a_partner_that_is_no_object_name_is_no_partner() {
        let [mut files, _] = <[KubeSecret; 2]>::try_from(manifests(&mixed(), "global")).unwrap();
        assert_eq!(partner(&files), Some("kt.secret.global.mixed-env"));
        for bad in ["../configmaps/x", "a?watch=true", "", "A b"] {
            files
                .metadata
                .annotations
                .get_or_insert_default()
                .insert(ANNOTATION_PAIR.to_owned(), bad.to_owned());
            assert_eq!(partner(&files), None, "{bad:?}");
        }
    }

    #[test]
    fn a_mixed_secret_is_two_objects_of_kubetorchs_shapes() {
        let objs = manifests(&mixed(), "global");
        let [files, env] = &objs[..] else {
            panic!("{objs:?}")
        };
        assert_eq!(
            files.metadata.name.as_deref(),
            Some("kt.secret.global.mixed")
        );
        assert_eq!(
            env.metadata.name.as_deref(),
            Some("kt.secret.global.mixed-env")
        );
        let keys = |o: &KubeSecret| {
            o.data
                .iter()
                .flatten()
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(files), ["ca.pem"]);
        assert_eq!(keys(env), ["API_TOKEN"]);
        let label = |o: &KubeSecret| o.metadata.labels.as_ref().unwrap()[LABEL_MOUNT_TYPE].clone();
        assert_eq!(label(files), "volume");
        assert_eq!(label(env), "env");
        // Kubetorch's _read_secret takes the path annotation for a volume: only on the files.
        let a = env.metadata.annotations.as_ref().unwrap();
        assert!(!a.contains_key(manifest::ANNOTATION_SECRET_PATH));
        assert_eq!(partner(files), Some("kt.secret.global.mixed-env"));
        assert_eq!(partner(env), Some("kt.secret.global.mixed"));
        assert_eq!(order(env, files).0.metadata.name, files.metadata.name);
        // A user's provider secret: `alice-aws` and `alice-aws-env`.
        assert_eq!(env_object("alice-aws"), "alice-aws-env");
    }

    #[test]
    fn the_pair_reads_back_as_the_secret() {
        let s = mixed().with_override_existing(true).with_namespace("ns");
        let mut objs = manifests(&s, "alice");
        for o in &mut objs {
            o.metadata.namespace = Some("ns".to_owned());
        }
        let back = join(&objs[0], &objs[1]).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.origins()["ca.pem"], Origin::Literal);
        let refs: Vec<&KubeSecret> = objs.iter().rev().collect();
        assert_eq!(group(&refs), [(1, Some(0))]);
        // Either half alone is an object of ours.
        assert_eq!(manifest::from_manifest(&objs[1]).unwrap().data().len(), 1);
        assert_eq!(group(&refs[..1]), [(0, None)]);
    }

    #[test]
    fn env_only_and_files_only_secrets_are_one_object() {
        let env = Secret::from_values("e", [("A", "1")]).unwrap();
        let files = Secret::from_values("f", [("a.pem", "1")]).unwrap();
        for s in [env, files] {
            assert!(split(&s).is_none());
            let objs = manifests(&s, "global");
            assert_eq!(objs.len(), 1);
            assert_eq!(partner(&objs[0]), None);
        }
    }
}
