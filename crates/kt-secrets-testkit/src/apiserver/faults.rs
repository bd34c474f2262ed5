//! Fault injection: the [`Fault`]s a test asks for, which request each one fires on, and the
//! answer it gives instead of the real one.

use std::time::Duration;

use http::{Method, StatusCode};

use super::serve::{Reply, status_reply};
use super::{State, lock};

/// A failure or delay the server injects into matching requests.
///
/// Built with [`Fault::status`] or [`Fault::delay`], then narrowed: [`Fault::every`] fires on
/// every Nth matching request, [`Fault::times`] caps the number of firings, [`Fault::method`] and
/// [`Fault::path_contains`] restrict which requests count as matching.
#[derive(Clone, Debug)]
pub struct Fault {
    pub(super) status: Option<u16>,
    pub(super) delay: Duration,
    every: u64,
    times: Option<u64>,
    method: Option<String>,
    path_contains: Option<String>,
    pub(super) after_forward: bool,
}

impl Fault {
    /// Answer with this HTTP status (and a Kubernetes `Status` body) instead of the real answer.
    pub fn status(code: u16) -> Fault {
        Fault {
            status: Some(code),
            ..Fault::delay(Duration::ZERO)
        }
    }

    /// Hold the request this long, then serve it normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault {
            status: None,
            delay,
            every: 1,
            times: None,
            method: None,
            path_contains: None,
            after_forward: false,
        }
    }

    /// Also hold the request this long before the status is returned.
    pub fn with_delay(mut self, delay: Duration) -> Fault {
        self.delay = delay;
        self
    }

    /// Fire on every `n`th matching request (the `n`th, `2n`th, …). `n = 0` counts as 1.
    pub fn every(mut self, n: u64) -> Fault {
        self.every = n.max(1);
        self
    }

    /// Fire at most `n` times.
    pub fn times(mut self, n: u64) -> Fault {
        self.times = Some(n);
        self
    }

    /// Only requests with this HTTP method match (`"PUT"`, `"post"`).
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path contains this string match.
    pub fn path_contains(mut self, s: impl Into<String>) -> Fault {
        self.path_contains = Some(s.into());
        self
    }

    /// Let the in-memory API act on the request, then answer with the fault's status anyway:
    /// a write that happened although the client saw it fail.
    pub fn after_forward(mut self) -> Fault {
        self.after_forward = true;
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method.as_str())
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// An injected fault with its counts: matching requests seen (for [`Fault::every`]) and
/// firings (for [`Fault::times`] and [`super::ApiServer::faults_fired`]).
pub(super) struct FaultRule {
    pub(super) fault: Fault,
    pub(super) seen: u64,
    pub(super) fired: u64,
}

/// The fault this request gets: that of the first rule, in the order injected, that matches
/// it, has firings left and whose turn it is.
pub(super) fn pick_fault(state: &State, method: &Method, path: &str) -> Option<Fault> {
    let mut rules = lock(&state.faults);
    for rule in rules.iter_mut() {
        if !rule.fault.matches(method, path) {
            continue;
        }
        if rule.fault.times.is_some_and(|t| rule.fired >= t) {
            continue;
        }
        rule.seen += 1;
        if rule.seen % rule.fault.every == 0 {
            rule.fired += 1;
            return Some(rule.fault.clone());
        }
    }
    None
}

/// The answer of a fault's status: a Kubernetes `Status` with the reason a cluster gives.
pub(super) fn fault_reply(code: u16) -> Reply {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = match code.as_u16() {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
    status_reply(code, reason)
}
