//! The wire format, shared by both sides: JSON answers (`{"ok": …}` or `{"err": …}`), the
//! errors a plugin may send, and (de)serialisers that never leave copies of secret values in
//! freed memory.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::data::{SecretData, SecretValue};
use crate::error::Error;
use crate::mount::{Mount, Origin};
use crate::provider::Resolved;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum Response<T> {
    Ok(T),
    Err(WireError),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(super) enum WireError {
    NothingFound {
        provider: String,
        looked: Vec<String>,
    },
    Provider {
        provider: String,
        // Absent from plugins built before errors carried the file at fault. Text, not a
        // `PathBuf`: a path that is not UTF-8 would fail the whole answer's encoding.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        message: String,
    },
    Other {
        message: String,
    },
    Panic {
        during: String,
        location: Option<String>,
    },
}

impl WireError {
    pub(super) fn from_error(e: Error) -> Self {
        match e {
            Error::NothingFound { provider, looked } => {
                WireError::NothingFound { provider, looked }
            }
            Error::Provider {
                provider,
                path,
                message,
            } => WireError::Provider {
                provider,
                path: path.map(|p| p.to_string_lossy().into_owned()),
                message,
            },
            e => WireError::Other {
                message: e.to_string(),
            },
        }
    }
}

/// Serialises a [`Resolved`] without copying its values.
pub(super) struct ResolvedOut<'a>(pub(super) &'a Resolved);

impl Serialize for ResolvedOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            data: DataOut<'a>,
            mounts: &'a [Mount],
            origins: &'a BTreeMap<String, Origin>,
        }
        Out {
            data: DataOut(&self.0.data),
            mounts: &self.0.mounts,
            origins: &self.0.origins,
        }
        .serialize(s)
    }
}

struct DataOut<'a>(&'a SecretData);

impl Serialize for DataOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            m.serialize_entry(k, &BytesOut(v.expose()))?;
        }
        m.end()
    }
}

pub(super) struct BytesOut<'a>(&'a [u8]);

impl Serialize for BytesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[derive(Deserialize)]
pub(super) struct ResolvedIn {
    pub(super) data: BTreeMap<String, BytesIn>,
    pub(super) mounts: Vec<Mount>,
    #[serde(default)]
    pub(super) origins: BTreeMap<String, Origin>,
}

/// A secret value read from the wire. Growing a `Vec` would leave copies of the value in
/// freed memory, so the buffer grows by hand, wiping each one it outgrows.
pub(super) struct BytesIn(pub(super) SecretValue);

impl<'de> Deserialize<'de> for BytesIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_bytes(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = BytesIn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of bytes")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<BytesIn, E> {
        Ok(BytesIn(SecretValue::new(exact_copy(v))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<BytesIn, A::Error> {
        let mut buf = Zeroizing::new(Vec::with_capacity(
            seq.size_hint().unwrap_or(0).min(1 << 16),
        ));
        while let Some(b) = seq.next_element::<u8>()? {
            if buf.len() == buf.capacity() {
                let mut bigger = Zeroizing::new(Vec::with_capacity((buf.capacity() * 2).max(64)));
                bigger.extend_from_slice(&buf);
                buf = bigger;
            }
            buf.push(b);
        }
        Ok(BytesIn(SecretValue::new(exact_copy(&buf))))
    }
}

/// A copy whose capacity is its length, so that turning it into a boxed slice does not move it.
fn exact_copy(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    out.extend_from_slice(v);
    out
}

/// JSON in a buffer allocated once at its final size: a growing buffer would leave copies of
/// the secret values it holds in freed memory.
pub(super) fn to_exact_json<T: Serialize + ?Sized>(
    value: &T,
) -> serde_json::Result<Zeroizing<Vec<u8>>> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value)?;
    let mut out = Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer(&mut *out, value)?;
    Ok(out)
}

/// Describes a JSON error by position only: serde's own messages can quote the offending
/// input, which may be a secret value.
pub(super) fn json_problem(what: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match e.classify() {
        Category::Syntax => "is not valid JSON",
        Category::Eof => "is truncated JSON",
        Category::Data => "is JSON of the wrong shape",
        Category::Io => "could not be read",
    };
    format!("{what} {kind} (line {}, column {})", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_never_quote_the_input() {
        let e = serde_json::from_slice::<Response<ResolvedIn>>(
            br#"{"ok":{"data":{},"mounts":"canary-json-value"}}"#,
        )
        .err()
        .unwrap();
        assert!(
            e.to_string().contains("canary-json-value"),
            "serde quotes: {e}"
        );
        let shown = json_problem("the answer", &e);
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("wrong shape"), "{shown}");
    }

    #[test]
    fn values_round_trip_as_bytes() {
        let mut r = Resolved::new();
        r.add_env("TOKEN", vec![0u8, 255, 10, 34], Origin::Env("TOKEN".into()))
            .unwrap();
        let json = to_exact_json(&Response::Ok(ResolvedOut(&r))).unwrap();
        assert_eq!(json.len(), json.capacity());
        let back: Response<ResolvedIn> = serde_json::from_slice(&json).unwrap();
        let Response::Ok(back) = back else {
            panic!("not ok")
        };
        assert_eq!(back.data["TOKEN"].0.expose(), &[0u8, 255, 10, 34]);
        assert_eq!(back.mounts, r.mounts);
        assert_eq!(back.origins, r.origins);
    }

    #[test]
    fn a_provider_error_keeps_its_file_and_may_come_without_one() {
        let e = Error::provider_in("envdir", "/home/me/env/A B", "not an env var name");
        let json = serde_json::to_string(&WireError::from_error(e)).unwrap();
        let back: WireError = serde_json::from_str(&json).unwrap();
        assert!(
            matches!(&back, WireError::Provider { path: Some(p), .. } if p == "/home/me/env/A B"),
            "{back:?}"
        );
        // What plugins built before the field send.
        let old = r#"{"kind":"provider","provider":"envdir","message":"broken"}"#;
        let back: WireError = serde_json::from_str(old).unwrap();
        assert!(
            matches!(back, WireError::Provider { path: None, .. }),
            "{back:?}"
        );
    }

    #[test]
    fn a_long_value_survives_the_growing_buffer() {
        let value: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let json = serde_json::to_vec(&BytesOut(&value)).unwrap();
        let back: BytesIn = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.0.expose(), &value[..]);
    }
}
