//! The rules for every name and key that reaches the API server or kubetorch: secret and
//! object names (DNS-1123 subdomains), namespaces and owners (DNS-1123 labels), provider
//! names, Secret data keys and label values.
//!
//! One module, so that the CLI, the model and the Kubernetes side refuse the same inputs with
//! the same words, before anything is read or sent. Checks that only say *why* a string is
//! refused return the reason as a `String`, for callers to name the field at fault; those that
//! know what the string is return [`Error`] or [`Invalid`].

use std::fmt;

use crate::error::{Error, Result};

/// Longest Kubernetes object name (DNS-1123 subdomain).
pub const MAX_NAME_LEN: usize = 253;

/// Longest data key the API server accepts.
pub const MAX_KEY_LEN: usize = 253;

/// Longest DNS-1123 label: namespaces, owners, volume names.
pub const MAX_DNS_LABEL_LEN: usize = 63;

/// Longest namespace name (a DNS-1123 label).
pub const MAX_NAMESPACE_LEN: usize = MAX_DNS_LABEL_LEN;

/// Longest label value the API server accepts.
pub const MAX_LABEL_VALUE_LEN: usize = 63;

/// Longest provider name: a provider's name is its secret's default name and a label value.
pub const MAX_PROVIDER_NAME_LEN: usize = 63;

/// A namespace, owner or label value that the API server would refuse: what it is (the
/// `subject`, which quotes the string) and the rule it breaks. Names and rules only, never a
/// value of a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// What was refused, as the user knows it: `namespace "Bad_NS"`, `label k=v`.
    pub subject: String,
    /// The rule it breaks.
    pub reason: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.reason)
    }
}

impl std::error::Error for Invalid {}

/// `_` → `-` (as kubetorch does), then checks the result is a DNS-1123 subdomain.
pub fn normalize_name(name: &str) -> Result<String> {
    let n = name.replace('_', "-");
    validate_dns1123_subdomain(&n).map_err(|reason| Error::InvalidName {
        name: name.to_owned(),
        reason,
    })?;
    Ok(n)
}

/// Checks a DNS-1123 subdomain (Kubernetes object names): lowercase letters, digits, `-` and
/// `.`, starting and ending with a letter or digit, at most 253 characters.
pub fn validate_dns1123_subdomain(n: &str) -> std::result::Result<(), String> {
    if n.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if n.len() > MAX_NAME_LEN {
        return Err(format!("longer than {MAX_NAME_LEN} characters"));
    }
    if let Some(c) = n
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        let hint = if c.is_ascii_uppercase() {
            " (names are lowercase)"
        } else {
            ""
        };
        return Err(format!(
            "character {c:?} is not allowed{hint}; use lowercase letters, digits, '-' and '.'"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(n.chars().next()) || !alnum(n.chars().last()) {
        return Err("must start and end with a letter or digit".to_owned());
    }
    if n.split('.').any(|label| {
        label.is_empty() || !alnum(label.chars().next()) || !alnum(label.chars().last())
    }) {
        return Err("each '.'-separated part must start and end with a letter or digit".to_owned());
    }
    Ok(())
}

/// Checks a DNS-1123 label (namespaces): a DNS-1123 subdomain without `.`, at most 63
/// characters.
pub fn validate_dns1123_label(s: &str) -> std::result::Result<(), String> {
    if s.len() > MAX_DNS_LABEL_LEN {
        return Err(format!("longer than {MAX_DNS_LABEL_LEN} characters"));
    }
    if s.contains('.') {
        return Err("must not contain '.'".to_owned());
    }
    validate_dns1123_subdomain(s)
}

/// A namespace name is a DNS-1123 label: lowercase letters, digits and `-`, at most 63.
pub fn validate_namespace(namespace: &str) -> std::result::Result<(), Invalid> {
    validate_dns1123_label(namespace).map_err(|reason| Invalid {
        subject: format!("namespace {namespace:?}"),
        reason,
    })
}

/// The owner is part of object names and the `kubetorch.com/username` label, so it must be a
/// DNS-1123 label (no `.`, which would make object names ambiguous).
pub fn validate_owner(owner: &str) -> std::result::Result<(), Invalid> {
    validate_dns1123_label(owner).map_err(|reason| Invalid {
        subject: format!("owner (KT_USERNAME) {owner:?}"),
        reason,
    })
}

/// Checks the value of label `label`: at most 63 characters of letters, digits, `-`, `_` and
/// `.`, starting and ending with a letter or digit; empty is allowed.
pub fn validate_label_value(label: &str, value: &str) -> std::result::Result<(), Invalid> {
    let bad = |reason: String| {
        Err(Invalid {
            subject: format!("label {label}={value:?}"),
            reason,
        })
    };
    if value.len() > MAX_LABEL_VALUE_LEN {
        return bad(format!(
            "label values are at most {MAX_LABEL_VALUE_LEN} characters; use a shorter name"
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("use letters, digits, '-', '_' and '.'".to_owned());
    }
    let alnum = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !alnum(value.chars().next()) || !alnum(value.chars().last()) {
        return bad("must start and end with a letter or digit".to_owned());
    }
    Ok(())
}

/// Checks a Kubernetes Secret data key: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`.
pub fn validate_data_key(key: &str) -> Result<()> {
    let bad = |reason: &str| {
        Err(Error::InvalidKey {
            key: key.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if key.is_empty() {
        return bad("must not be empty");
    }
    if key.len() > MAX_KEY_LEN {
        return bad(&format!("longer than {MAX_KEY_LEN} characters"));
    }
    if key == "." || key == ".." {
        return bad("must not be '.' or '..'");
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return bad(&format!(
            "character {c:?} is not allowed (use letters, digits, '-', '.', '_')"
        ));
    }
    Ok(())
}

/// Provider names: lowercase letters, digits and `-`, starting with a letter.
pub fn validate_provider_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.len() <= MAX_PROVIDER_NAME_LEN;
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName {
            name: name.to_owned(),
            reason: "a provider name uses lowercase letters, digits and '-', starts with a letter, and has at most 63 characters".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        for ok in ["a", "A-b_c.d", "id_rsa.pub", ".dotfile", &"k".repeat(253)] {
            validate_data_key(ok).unwrap();
        }
        for bad in ["", ".", "..", "a/b", "a b", "é", &"k".repeat(254)] {
            let e = validate_data_key(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidKey { .. }), "{bad}: {e}");
        }
    }
}
