//! The request log: each request as the server saw it, without its body.

/// One request as the server saw it. No bodies are kept, so no secret value can land here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The response came from an injected [`Fault`] (the in-memory API may still have acted on
    /// the request if the fault was [`Fault::after_forward`]).
    pub faulted: bool,
}

impl LoggedRequest {
    /// A request for namespaced or cluster-wide secrets (not discovery, not namespaces).
    pub fn is_secrets(&self) -> bool {
        self.path.starts_with("/api/v1/") && self.path.split('/').any(|seg| seg == "secrets")
    }
}
