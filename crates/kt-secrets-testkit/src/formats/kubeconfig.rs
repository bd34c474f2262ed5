//! Kubeconfig YAML as `kubectl config` writes it: `clusters`, `users` and `contexts` as
//! lists of named entries, `current-context`, comments, and certificates either as file
//! paths (`certificate-authority`, `client-certificate`, `client-key`) or inline `*-data`.

/// A PEM block of `label` (`CERTIFICATE`, `PRIVATE KEY`) around `body`, with a trailing newline.
pub fn pem(label: &str, body: &str) -> String {
    format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
}

/// Builds one kubeconfig file.
#[derive(Debug, Default)]
pub struct Kubeconfig {
    clusters: Vec<String>,
    users: Vec<String>,
    contexts: Vec<String>,
    current: Option<String>,
}

impl Kubeconfig {
    /// No clusters, users or contexts.
    pub fn new() -> Self {
        Self::default()
    }

    /// A cluster whose CA is the file at `ca_path` (relative paths are relative to this file).
    pub fn cluster_ca_file(mut self, name: &str, server: &str, ca_path: &str) -> Self {
        self.clusters.push(format!(
            "- cluster:\n    certificate-authority: {ca_path}\n    server: {server}\n  name: {name}\n"
        ));
        self
    }

    /// A cluster with its CA inline (`certificate-authority-data`, base64).
    pub fn cluster_ca_data(mut self, name: &str, server: &str, ca_base64: &str) -> Self {
        self.clusters.push(format!(
            "- cluster:\n    certificate-authority-data: {ca_base64}\n    server: {server}\n    \
# fields kubectl does not know survive a merge\n    x-fixture-extra: kept\n  name: {name}\n"
        ));
        self
    }

    /// A user authenticated by a bearer token.
    pub fn user_token(mut self, name: &str, token: &str) -> Self {
        self.users
            .push(format!("- name: {name}\n  user:\n    token: {token}\n"));
        self
    }

    /// A user whose bearer token is read from `path`.
    pub fn user_token_file(mut self, name: &str, path: &str) -> Self {
        self.users
            .push(format!("- name: {name}\n  user:\n    tokenFile: {path}\n"));
        self
    }

    /// A user authenticated by a client certificate and key held in files.
    pub fn user_cert_files(mut self, name: &str, cert_path: &str, key_path: &str) -> Self {
        self.users.push(format!(
            "- name: {name}\n  user:\n    client-certificate: {cert_path}\n    client-key: {key_path}\n"
        ));
        self
    }

    /// A user whose credentials come from an exec plugin (`aws eks get-token` and the like).
    pub fn user_exec(mut self, name: &str, command: &str, args: &[&str]) -> Self {
        let mut s = format!(
            "- name: {name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {command}\n      args:\n"
        );
        for a in args {
            s.push_str(&format!("      - {a}\n"));
        }
        s.push_str("      interactiveMode: IfAvailable\n");
        self.users.push(s);
        self
    }

    /// A context `name` of `cluster` and `user`, with `namespace` when given.
    pub fn context(
        mut self,
        name: &str,
        cluster: &str,
        user: &str,
        namespace: Option<&str>,
    ) -> Self {
        let ns = namespace
            .map(|n| format!("    namespace: {n}\n"))
            .unwrap_or_default();
        self.contexts.push(format!(
            "- context:\n    cluster: {cluster}\n{ns}    user: {user}\n  name: {name}\n"
        ));
        self
    }

    /// Sets `current-context` to `name`.
    pub fn current(mut self, name: &str) -> Self {
        self.current = Some(name.to_owned());
        self
    }

    /// The file's YAML.
    pub fn build(self) -> String {
        let list = |items: &[String]| {
            if items.is_empty() {
                " []\n".to_owned()
            } else {
                format!("\n{}", items.concat())
            }
        };
        let mut s = String::from("# kubeconfig written by kubectl\napiVersion: v1\n");
        s.push_str(&format!("clusters:{}", list(&self.clusters)));
        s.push_str(&format!("contexts:{}", list(&self.contexts)));
        if let Some(c) = &self.current {
            s.push_str(&format!("current-context: {c}\n"));
        }
        s.push_str("kind: Config\npreferences: {}\n");
        s.push_str(&format!("users:{}", list(&self.users)));
        s
    }
}
