//! kubeconfig, read as kubectl reads it: every file listed in `KUBECONFIG` (`:`-separated;
//! missing ones skipped), else `~/.kube/config`, merged so that the first file to define a
//! cluster, user or context name wins, and `current-context` comes from the first file that
//! sets one.
//!
//! The result is flattened as `kubectl config view --flatten` does: certificate, key and
//! token files are read (relative paths against the file that named them) and inlined, so
//! the one file the pod gets at `~/.kube/config` works without the laptop's paths. The YAML
//! is handled as untyped values, so fields this crate does not know survive the merge.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use kt_secrets_core::{
    Error, Looked, Mount, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result,
    read_file, read_optional,
};
use serde_json::{Map, Value};

const NAME: &str = "kubeconfig";
const KEY: &str = "config";
const TARGET: &str = "~/.kube/config";

/// The named lists of a kubeconfig, with the field of each entry that holds its settings.
const LISTS: [(&str, &str); 3] = [
    ("clusters", "cluster"),
    ("users", "user"),
    ("contexts", "context"),
];

/// File references that are inlined: (list, path field, data field). A token file becomes the
/// token itself.
const FILE_FIELDS: [(&str, &str, &str); 4] = [
    (
        "clusters",
        "certificate-authority",
        "certificate-authority-data",
    ),
    ("users", "client-certificate", "client-certificate-data"),
    ("users", "client-key", "client-key-data"),
    ("users", "tokenFile", "token"),
];

/// The kubeconfig provider's type; use [`PROVIDER`].
#[derive(Debug)]
pub struct Kubeconfig;

/// The kubeconfig provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Kubeconfig = Kubeconfig;

#[async_trait::async_trait]
impl Provider for Kubeconfig {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            description: "Kubernetes client config, merged and flattened".to_owned(),
            sources: vec![
                "files in env KUBECONFIG (':'-separated, first definition wins)".to_owned(),
                "~/.kube/config".to_owned(),
            ],
            targets: vec![
                format!("file {TARGET} (0600)"),
                format!("env KUBECONFIG={TARGET}"),
            ],
            default_dirs: vec![".kube".to_owned()],
        }
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let mut looked = Looked::new();
        let paths = match ctx.path() {
            Some(dir) => vec![dir.join("config")],
            None => {
                looked.env("KUBECONFIG");
                match ctx.env_nonempty("KUBECONFIG") {
                    Some(list) => {
                        let mut seen = BTreeSet::new();
                        list.split(':')
                            .filter(|p| !p.is_empty())
                            .map(|p| ctx.expand(p))
                            .filter(|p| seen.insert(p.clone()))
                            .collect()
                    }
                    None => vec![ctx.home().join(".kube/config")],
                }
            }
        };
        let mut merged = Merged::default();
        let mut read = Vec::new();
        for path in paths {
            looked.file(&path);
            // kubectl skips listed files that do not exist, but not ones it cannot read.
            if let Some(bytes) = read_optional(&path)? {
                merged.add(&path, &bytes)?;
                read.push(path);
            }
        }
        let Some(first) = read.first() else {
            return Err(looked.into_error(NAME));
        };
        let origin = match read.as_slice() {
            [_] => Origin::File(first.clone()),
            _ => Origin::Env("KUBECONFIG".to_owned()),
        };
        let yaml = merged.finish(&read)?;
        let mut r = Resolved::new();
        r.add_file(KEY, yaml, origin, TARGET, 0o600)?;
        r.mounts.push(Mount::path_env("KUBECONFIG", TARGET));
        Ok(r)
    }
}

/// The merge of the files read so far.
#[derive(Default)]
struct Merged {
    top: Map<String, Value>,
    lists: [Vec<Value>; 3],
    names: [BTreeSet<String>; 3],
}

impl Merged {
    fn add(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let fail = |message: String| Error::provider_in(NAME, path, message);
        let text = std::str::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".to_owned()))?;
        // The parser's own message quotes the text around the fault, which may be a
        // credential; only the position is reported.
        let doc: Value = serde_saphyr::from_str(text).map_err(|e| {
            fail(match e.location() {
                Some(l) => format!("invalid YAML at line {}, column {}", l.line(), l.column()),
                None => "invalid YAML".to_owned(),
            })
        })?;
        let doc = match doc {
            Value::Null => return Ok(()),
            Value::Object(m) => m,
            _ => {
                return Err(fail("not a kubeconfig: expected a mapping".to_owned()));
            }
        };
        for (field, value) in doc {
            let Some(i) = LISTS.iter().position(|(l, _)| *l == field) else {
                let unset = self.top.get(&field).is_none_or(is_unset);
                if unset && !is_unset(&value) {
                    self.top.insert(field, value);
                }
                continue;
            };
            let entries = match value {
                Value::Null => continue,
                Value::Array(a) => a,
                _ => return Err(fail(format!("{field} is not a list"))),
            };
            let mut here = BTreeSet::new();
            for mut entry in entries {
                let name = entry
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| fail(format!("an entry of {field} has no name")))?
                    .to_owned();
                if !here.insert(name.clone()) {
                    return Err(fail(format!("{} {name:?} is defined twice", LISTS[i].1)));
                }
                if self.names[i].insert(name.clone()) {
                    inline_files(&field, &name, &mut entry, LISTS[i].1, path)?;
                    self.lists[i].push(entry);
                }
            }
        }
        Ok(())
    }

    fn finish(mut self, read: &[PathBuf]) -> Result<Vec<u8>> {
        if self.lists.iter().all(Vec::is_empty) {
            let files: Vec<String> = read.iter().map(|p| p.display().to_string()).collect();
            return Err(Error::provider(
                NAME,
                format!("{} define no clusters, users or contexts", files.join(", ")),
            ));
        }
        for (default_field, default) in [("apiVersion", "v1"), ("kind", "Config")] {
            self.top
                .entry(default_field)
                .or_insert_with(|| Value::from(default));
        }
        for ((list, _), entries) in LISTS.iter().zip(self.lists) {
            self.top.insert((*list).to_owned(), Value::Array(entries));
        }
        serde_saphyr::to_string(&Value::Object(self.top))
            .map(String::into_bytes)
            .map_err(|_| Error::provider(NAME, "cannot write the merged kubeconfig"))
    }
}

fn is_unset(v: &Value) -> bool {
    matches!(v, Value::Null) || v.as_str() == Some("")
}

/// Replaces the file references of one entry of the kubeconfig `file` by the files' contents
/// (relative paths are against `file`'s directory).
fn inline_files(list: &str, name: &str, entry: &mut Value, inner: &str, file: &Path) -> Result<()> {
    let Some(settings) = entry.get_mut(inner).and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let fail =
        |message: String| Error::provider_in(NAME, file, format!("{inner} {name:?}: {message}"));
    let dir = file.parent().unwrap_or(Path::new("/"));
    for (_, path_field, data_field) in FILE_FIELDS.iter().filter(|(l, _, _)| *l == list) {
        let Some(reference) = settings.remove(*path_field) else {
            continue;
        };
        let reference = match reference {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s,
            _ => {
                return Err(fail(format!("{path_field} is not a path")));
            }
        };
        let path = dir.join(reference);
        let bytes = read_file(&path).map_err(|e| fail(format!("{path_field}: {e}")))?;
        let data = if *data_field == "token" {
            let token = std::str::from_utf8(&bytes)
                .map_err(|_| fail(format!("{} is not valid UTF-8", path.display())))?;
            token.trim().to_owned()
        } else {
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        };
        settings.insert((*data_field).to_owned(), Value::String(data));
    }
    Ok(())
}

kt_secrets_core::register_provider!(PROVIDER);
