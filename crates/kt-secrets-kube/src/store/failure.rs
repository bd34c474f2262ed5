//! Why a request failed: kube's error classified into a [`Failure`] (which of them are worth
//! a retry), then told as this crate's [`Error`] about a target, without what kube's messages
//! may carry of a credential (an exec plugin's output, which is the cluster token).

use std::time::Duration;

use crate::error::{Error, Target};

/// Why one request failed, before it is tied to a target.
pub(crate) enum Failure {
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    Unreachable(String),
    Timeout(Duration),
    Other(String),
}

impl Failure {
    pub(super) fn classify(e: kube::Error) -> Failure {
        match e {
            kube::Error::Api(s) => Failure::Api {
                code: s.code,
                reason: s.reason,
                message: s.message,
            },
            kube::Error::HyperError(e) => Failure::Unreachable(e.to_string()),
            kube::Error::Service(e) => Failure::Unreachable(error_chain(&*e)),
            other => Failure::Other(auth_problem(&other).unwrap_or_else(|| other.to_string())),
        }
    }

    pub(super) fn code(&self) -> Option<u16> {
        match self {
            Failure::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub(super) fn is_transient(&self) -> bool {
        match self {
            Failure::Api { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
            Failure::Unreachable(_) | Failure::Timeout(_) => true,
            Failure::Other(_) => false,
        }
    }

    pub(crate) fn into_error(self, target: Target, attempts: u32, server: Option<&str>) -> Error {
        match self {
            Failure::Api { code: 404, .. } => Error::NotFound {
                tried: target.object.iter().cloned().collect(),
                target,
            },
            Failure::Api {
                code: code @ (401 | 403),
                message,
                ..
            } => Error::Forbidden {
                target,
                code,
                message,
            },
            Failure::Api { code: 409, .. } => Error::Conflict { target, attempts },
            Failure::Api {
                code: 400 | 422,
                message,
                ..
            } => Error::Rejected { target, message },
            Failure::Api { code, message, .. } if code == 429 || code >= 500 => Error::Server {
                target,
                code,
                message,
                attempts,
            },
            Failure::Api {
                code,
                reason,
                message,
            } => Error::Api {
                target,
                code: Some(code),
                message: format!("{reason}: {message}"),
            },
            Failure::Unreachable(detail) => Error::Unreachable {
                target,
                server: server.map(str::to_owned),
                attempts,
                detail,
            },
            Failure::Timeout(t) => Error::Unreachable {
                target,
                server: server.map(str::to_owned),
                attempts,
                detail: format!("no answer within {t:?}"),
            },
            Failure::Other(message) => Error::Api {
                target,
                code: None,
                message,
            },
        }
    }
}

/// The messages of an error and its sources, outermost first: connection errors hide the
/// useful part ("connection refused") in a source.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(auth) = auth_problem(e) {
        return auth;
    }
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// The auth failure in `e`'s chain, if there is one, told without what kube's message carries:
/// an exec credential plugin's output, quoted by a parse error or dumped whole when the plugin
/// fails, and its command line. That output is the cluster token. Errors that wrap it repeat
/// its text, so the whole chain is replaced.
pub(super) fn auth_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use kube::client::AuthError as A;
    let mut cur = Some(e);
    while let Some(err) = cur {
        let auth = match err.downcast_ref::<kube::Error>() {
            Some(kube::Error::Auth(a)) => Some(a),
            _ => err.downcast_ref::<A>(),
        };
        if let Some(a) = auth {
            let hidden = "(its output is not shown: it may hold credentials)";
            return Some(match a {
                A::AuthExecRun { status, .. } => {
                    format!("auth error: the exec credential plugin failed with {status} {hidden}")
                }
                A::AuthExecParse(_) | A::ParseTokenKey(_) => {
                    format!(
                        "auth error: the exec credential plugin's output does not parse {hidden}"
                    )
                }
                other => format!("auth error: {other}"),
            });
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretStore;
    use std::path::Path;

    #[test]
    fn transient_classification() {
        let api = |code| Failure::Api {
            code,
            reason: String::new(),
            message: String::new(),
        };
        for code in [429, 500, 502, 503, 504] {
            assert!(api(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 422] {
            assert!(!api(code).is_transient(), "{code}");
        }
        assert!(Failure::Timeout(Duration::from_secs(1)).is_transient());
        assert!(Failure::Unreachable("refused".into()).is_transient());
    }

    const CANARY: &str = "canary-exec-token-5c1e";

    /// A kubeconfig whose user gets its token from `script` (a shell script body).
    fn exec_kubeconfig(dir: &Path, script: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let exe = dir.join("credential-plugin");
        std::fs::write(&exe, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o700)).unwrap();
        let kc = dir.join("config");
        std::fs::write(
            &kc,
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: x\n\
                 clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:1'}}}}]\n\
                 contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n\
                 users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1, \
                 interactiveMode: Never, command: '{}', args: ['--token', '{CANARY}']}}}}}}]\n",
                exe.display()
            ),
        )
        .unwrap();
        kc
    }

    #[tokio::test]
    async fn credential_plugin_output_stays_out_of_errors() {
        let dir = tempfile::tempdir().unwrap();
        for (script, says) in [
            // Output that does not parse: kube's parser quotes it.
            (
                format!(
                    "printf '{{\"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{CANARY}\" ]'"
                ),
                "does not parse",
            ),
            // A failing plugin: kube dumps its stdout and stderr, and its command line.
            (
                format!("echo {CANARY}; echo {CANARY} >&2; exit 3"),
                "failed with exit status: 3",
            ),
        ] {
            let kc = exec_kubeconfig(dir.path(), &script);
            let e = SecretStore::from_kubeconfig(Some(&kc), None)
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains(says) && !e.contains(CANARY), "{e}");
        }
        // A token refreshed during a request fails inside the client's service stack.
        use std::os::unix::process::ExitStatusExt;
        let status = std::process::ExitStatus::from_raw(3 << 8);
        let auth = kube::client::AuthError::AuthExecRun {
            cmd: format!("plugin --token {CANARY}"),
            status,
            out: std::process::Output {
                status,
                stdout: CANARY.into(),
                stderr: CANARY.into(),
            },
        };
        let e = Failure::classify(kube::Error::Service(Box::new(auth)))
            .into_error(Target::namespace("ns"), 1, None)
            .to_string();
        assert!(e.contains("failed with") && !e.contains(CANARY), "{e}");
    }
}
