//! Secret data: [`SecretValue`] (bytes wiped on drop, never shown) and [`SecretData`], the
//! keys and values of one secret (whose keys [`crate::validate`] checks).

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::validate::validate_data_key;

/// One secret value: bytes that are wiped from memory on drop and never printed.
pub struct SecretValue(SecretSlice<u8>);

impl SecretValue {
    /// A value holding `bytes`, which it takes over (no copy is left behind).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        SecretValue(SecretSlice::from(bytes.into()))
    }

    /// The raw bytes. Callers that print them must be acting on an explicit user request.
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The value as UTF-8, if it is.
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(self.expose()).ok()
    }

    /// The size in bytes, which is all that `Debug` and `Display` show.
    pub fn len(&self) -> usize {
        self.expose().len()
    }

    /// Whether the value has no bytes (SDKs treat an empty value as unset).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Clone for SecretValue {
    fn clone(&self) -> Self {
        SecretValue::new(self.expose().to_vec())
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}
impl Eq for SecretValue {}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {} bytes>", self.len())
    }
}

impl From<&str> for SecretValue {
    fn from(s: &str) -> Self {
        SecretValue::new(s.as_bytes())
    }
}
impl From<String> for SecretValue {
    fn from(s: String) -> Self {
        SecretValue::new(s.into_bytes())
    }
}
impl From<Vec<u8>> for SecretValue {
    fn from(v: Vec<u8>) -> Self {
        SecretValue::new(v)
    }
}
impl From<&[u8]> for SecretValue {
    fn from(v: &[u8]) -> Self {
        SecretValue::new(v)
    }
}

/// The data of one secret: key → bytes, ordered by key.
///
/// `Debug` and `Display` show key names and sizes only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretData {
    entries: BTreeMap<String, SecretValue>,
}

impl SecretData {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces `key`. The key is validated first.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<SecretValue>) -> Result<()> {
        let key = key.into();
        validate_data_key(&key)?;
        self.entries.insert(key, value.into());
        Ok(())
    }

    /// Adds `key`, failing if it is already present.
    pub fn insert_new(
        &mut self,
        key: impl Into<String>,
        value: impl Into<SecretValue>,
    ) -> Result<()> {
        let key = key.into();
        if self.entries.contains_key(&key) {
            return Err(Error::DuplicateKey { key });
        }
        self.insert(key, value)
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&SecretValue> {
        self.entries.get(key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Removes `key`, returning its value if it was present.
    pub fn remove(&mut self, key: &str) -> Option<SecretValue> {
        self.entries.remove(key)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Each key with its value, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sum of key and value lengths, which is what the API server's size limit counts.
    pub fn total_size(&self) -> usize {
        self.entries.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// Keys whose presence or value differs between `self` and `other`, sorted.
    pub fn differing_keys(&self, other: &SecretData) -> Vec<String> {
        let mut keys: Vec<String> = self
            .entries
            .iter()
            .filter(|(k, v)| other.get(k) != Some(*v))
            .map(|(k, _)| k.clone())
            .chain(
                other
                    .keys()
                    .filter(|k| !self.contains_key(k))
                    .map(str::to_owned),
            )
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// A SHA-256 over keys and values, hex encoded. It identifies the content for rollouts
    /// without revealing it: values are length-prefixed so no two data sets share an input.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for (k, v) in &self.entries {
            h.update((k.len() as u64).to_be_bytes());
            h.update(k.as_bytes());
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.expose());
        }
        hex::encode(h.finalize())
    }
}

impl fmt::Debug for SecretData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, SizeOnly(v.len()))))
            .finish()
    }
}

impl fmt::Display for SecretData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k} ({} bytes)", v.len())?;
        }
        Ok(())
    }
}

struct SizeOnly(usize);
impl fmt::Debug for SizeOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

impl<K: Into<String>, V: Into<SecretValue>> TryFrom<Vec<(K, V)>> for SecretData {
    type Error = Error;
    fn try_from(v: Vec<(K, V)>) -> Result<Self> {
        let mut d = SecretData::new();
        for (k, val) in v {
            d.insert_new(k, val)?;
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_keys_and_values() {
        let a: SecretData = vec![("k", "v1")].try_into().unwrap();
        let b: SecretData = vec![("k", "v2")].try_into().unwrap();
        let c: SecretData = vec![("k2", "v1")].try_into().unwrap();
        assert_ne!(a.content_hash(), b.content_hash());
        assert_ne!(a.content_hash(), c.content_hash());
        assert_eq!(a.content_hash(), a.clone().content_hash());
        assert_eq!(a.differing_keys(&b), vec!["k"]);
        assert_eq!(a.differing_keys(&c), vec!["k", "k2"]);
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let e = SecretData::try_from(vec![("k", "a"), ("k", "b")]).unwrap_err();
        assert!(e.to_string().contains("\"k\""));
    }
}
