//! The request log: each request as the server saw it, without its body.

/// One request as the server saw it. No bodies are kept, so no secret value can land here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The HTTP method (`GET`, `PUT`, ...).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, when there was one (`labelSelector=...`).
    pub query: Option<String>,
    /// The status answered.
    pub status: u16,
    /// The response came from an injected [`Fault`](super::Fault) (the in-memory API may still
    /// have acted on the request if the fault was
    /// [`Fault::after_forward`](super::Fault::after_forward)).
    pub faulted: bool,
}

impl LoggedRequest {
    /// A request for namespaced or cluster-wide secrets (not discovery, not namespaces).
    pub fn is_secrets(&self) -> bool {
        self.path.starts_with("/api/v1/") && self.path.split('/').any(|seg| seg == "secrets")
    }
}
