//! `--request-timeout`, read as kubectl reads it.

/// A `--request-timeout` value: `Some` bound, or `None` for no bound (`0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Option<std::time::Duration>);

/// kubectl's rule (client-go `tools/clientcmd/helpers.go`, `ParseTimeout`): a non-negative
/// integer is seconds; anything else is a Go duration (`time.ParseDuration`: `1h2m3.5s`,
/// `300ms`); zero means no timeout.
pub(super) fn parse_timeout(s: &str) -> Result<RequestTimeout, String> {
    if s.trim().is_empty() {
        return Err("empty; give a whole number of seconds or a duration such as 30s".to_owned());
    }
    let d = match s.parse::<u64>() {
        Ok(secs) => std::time::Duration::from_secs(secs),
        Err(_) => {
            let d: kt_secrets::kube::kube::core::Duration = s.parse().map_err(|e| {
                format!("{e}; give a whole number of seconds or a number with a unit (1s, 2m, 3h)")
            })?;
            if d.is_negative() {
                return Err("a timeout cannot be negative".to_owned());
            }
            d.into()
        }
    };
    Ok(RequestTimeout((!d.is_zero()).then_some(d)))
}
