//! The checks of a compute's settings (names, image, quantities, owner, env values) and of
//! its secrets' namespaces, before anything is rendered.

use kt_secrets_core::validate::{validate_dns1123_subdomain, validate_namespace, validate_owner};

use super::{Compute, ComputeError};
use crate::pod::MountedSecret;

pub(super) fn adopt_namespace(
    mut m: MountedSecret,
    compute_ns: Option<&str>,
) -> Result<MountedSecret, ComputeError> {
    match (m.secret.namespace(), compute_ns) {
        (Some(s), Some(c)) if s == c => {}
        (None, Some(c)) => m.secret = m.secret.with_namespace(c),
        (None, None) => {}
        (Some(s), c) => {
            return Err(ComputeError::NamespaceMismatch {
                secret: m.secret.name().to_owned(),
                secret_namespace: s.to_owned(),
                compute_namespace: c.map(str::to_owned),
            });
        }
    }
    Ok(m)
}

pub(super) fn check_settings(c: &Compute) -> Result<(), ComputeError> {
    let bad = |field: &'static str, value: &str, reason: String| ComputeError::InvalidSetting {
        field,
        value: value.to_owned(),
        reason,
    };
    validate_dns1123_subdomain(&c.name).map_err(|r| bad("pod name", &c.name, r))?;
    if let Some(ns) = &c.namespace {
        validate_namespace(ns).map_err(|e| bad("namespace", ns, e.reason))?;
    }
    if c.image.trim().is_empty() || c.image.chars().any(char::is_whitespace) {
        return Err(bad(
            "image",
            &c.image,
            "must be a non-empty image reference without spaces".to_owned(),
        ));
    }
    if let Some(cpus) = &c.cpus {
        validate_quantity(cpus).map_err(|r| bad("cpus", cpus, r))?;
    }
    if let Some(memory) = &c.memory {
        validate_quantity(memory).map_err(|r| bad("memory", memory, r))?;
    }
    validate_owner(c.owner()).map_err(crate::Error::from)?;
    for (var, value) in &c.env_vars {
        if value.contains('\0') {
            return Err(ComputeError::InvalidEnvValue {
                var: var.clone(),
                reason: "contains a NUL byte".to_owned(),
            });
        }
    }
    Ok(())
}

/// A Kubernetes quantity: a non-negative decimal number with an optional binary (`Ki`…`Ei`),
/// decimal (`n`, `u`, `m`, `k`, `M`…`E`) or exponent (`e3`) suffix.
pub fn validate_quantity(q: &str) -> Result<(), String> {
    let body = q.strip_prefix('+').unwrap_or(q);
    if body.starts_with('-') {
        return Err("must not be negative".to_owned());
    }
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    let digits = num.chars().filter(char::is_ascii_digit).count();
    if digits == 0 || num.matches('.').count() > 1 {
        return Err("must start with a number, such as 1, 0.5 or 500m".to_owned());
    }
    const SUFFIXES: &[&str] = &[
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E",
    ];
    if SUFFIXES.contains(&suffix) {
        return Ok(());
    }
    if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit()) {
            return Ok(());
        }
    }
    Err(format!(
        "unknown suffix {suffix:?}; use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent"
    ))
}
