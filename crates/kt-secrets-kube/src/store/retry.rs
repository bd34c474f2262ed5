//! How hard the store tries: the [`RetryPolicy`], and the loop that runs one request under
//! it (a timeout per attempt, capped and jittered backoff, an overall deadline, the attempts
//! counted).

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::SecretStore;
use super::failure::Failure;

/// How hard the store tries before reporting a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request when it fails transiently (429, 5xx, timeout, connection error).
    pub attempts: u32,
    /// Read-compare-write rounds of one apply when writes conflict (409).
    pub conflict_attempts: u32,
    /// First backoff; it doubles per retry (with jitter) up to `max_delay`.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    /// One request that takes longer than this is abandoned and counts as a transient failure.
    pub request_timeout: Duration,
    /// All attempts of one request together, backoffs included, give up after this: what
    /// kubectl's `--request-timeout` bounds. `None`: only `attempts` and `request_timeout` do.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            conflict_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            deadline: None,
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (1-based): exponential, capped, with jitter in
    /// [50%, 100%] so that concurrent writers do not retry in lockstep.
    pub(super) fn delay(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        let jitter = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let fraction = 0.5 + (jitter % 1000) as f64 / 2000.0;
        capped.mul_f64(fraction)
    }
}

impl SecretStore {
    /// Runs one request, retrying transient failures up to [`RetryPolicy::attempts`] times
    /// with backoff. On failure, returns the last failure and how many attempts were made.
    // Hand-written rather than a retry crate (`backon`'s `Retryable` was weighed): what a
    // crate would take over is only the capped, jittered exponential delay. Everything else
    // stays here either way: kube errors classified into `Failure` (429/5xx, unreachable,
    // timed-out attempts retried; 4xx and auth never), the per-attempt `request_timeout`,
    // the overall `deadline` that also cuts a backoff short, and the number of attempts made,
    // which errors report and the request-count tests check. The 409 read-compare-write rounds
    // of `apply` are not a retry of one future and use the same `RetryPolicy::delay`.
    pub(crate) async fn call<T, F, Fut>(&self, mut op: F) -> std::result::Result<T, (Failure, u32)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = kube::Result<T>>,
    {
        let attempts = self.retry.attempts.max(1);
        let made = AtomicU32::new(0);
        let tries = async {
            loop {
                let attempt = made.fetch_add(1, Ordering::Relaxed) + 1;
                let failure = match tokio::time::timeout(self.retry.request_timeout, op()).await {
                    Ok(Ok(v)) => return Ok(v),
                    Ok(Err(e)) => Failure::classify(e),
                    Err(_) => Failure::Timeout(self.retry.request_timeout),
                };
                if !failure.is_transient() || attempt >= attempts {
                    return Err((failure, attempt));
                }
                tracing::debug!(attempt, "transient API failure; retrying");
                tokio::time::sleep(self.retry.delay(attempt)).await;
            }
        };
        match self.retry.deadline {
            None => tries.await,
            Some(deadline) => match tokio::time::timeout(deadline, tries).await {
                Ok(r) => r,
                Err(_) => Err((
                    Failure::Timeout(deadline),
                    made.load(Ordering::Relaxed).max(1),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            ..Default::default()
        };
        for _ in 0..20 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d2 = p.delay(2);
            assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200));
            assert!(p.delay(30) <= Duration::from_millis(300));
        }
    }
}
