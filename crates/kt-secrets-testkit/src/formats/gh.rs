//! gh's `hosts.yml`, laid out as `gh auth login` writes it since gh 2.40: per host, the
//! accounts under `users:`, the active one in `user:`, and (when the token is stored in the
//! file rather than the system keyring) its token both under its account and at the top level
//! of the host.

/// One account on a host.
#[derive(Clone, Debug)]
struct Account {
    user: String,
    token: Option<String>,
}

#[derive(Clone, Debug)]
struct Host {
    name: String,
    active: String,
    accounts: Vec<Account>,
}

/// A `hosts.yml` builder: `GhHosts::new().host("github.com", "monalisa", Some("gho_…")).render()`.
#[derive(Clone, Debug, Default)]
pub struct GhHosts {
    hosts: Vec<Host>,
}

impl GhHosts {
    /// No hosts.
    pub fn new() -> Self {
        Self::default()
    }

    /// A host whose active account is `user`; `token` is `None` when gh keeps it in the
    /// system keyring, as it does by default.
    pub fn host(mut self, name: &str, user: &str, token: Option<&str>) -> Self {
        self.hosts.push(Host {
            name: name.to_owned(),
            active: user.to_owned(),
            accounts: vec![Account {
                user: user.to_owned(),
                token: token.map(str::to_owned),
            }],
        });
        self
    }

    /// Another account logged in on the last host added, not the active one.
    pub fn inactive_account(mut self, user: &str, token: Option<&str>) -> Self {
        let host = self.hosts.last_mut().expect("add a host first");
        host.accounts.push(Account {
            user: user.to_owned(),
            token: token.map(str::to_owned),
        });
        self
    }

    /// The file's text, with a comment and a trailing newline.
    pub fn render(&self) -> String {
        let mut s = String::from("# gh hosts: written by `gh auth login`\n");
        for h in &self.hosts {
            s.push_str(&format!("{}:\n    users:\n", h.name));
            for a in &h.accounts {
                match &a.token {
                    Some(t) => s.push_str(&format!(
                        "        {}:\n            oauth_token: {t}\n",
                        a.user
                    )),
                    None => s.push_str(&format!("        {}:\n", a.user)),
                }
            }
            s.push_str("    git_protocol: https\n");
            s.push_str(&format!("    user: {}\n", h.active));
            let active = h.accounts.iter().find(|a| a.user == h.active);
            if let Some(t) = active.and_then(|a| a.token.as_deref()) {
                s.push_str(&format!("    oauth_token: {t}\n"));
            }
        }
        s
    }
}

/// gh's `config.yml`, which sits next to `hosts.yml` and holds no credentials.
pub fn config_yml() -> String {
    "# What protocol to use when performing git operations.\n\
     git_protocol: https\n\
     editor:\n\
     prompt: enabled\n\
     aliases:\n    co: pr checkout\n"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_hosts_accounts_and_active_token() {
        let s = GhHosts::new()
            .host("github.com", "monalisa", Some("tok-a"))
            .inactive_account("hubot", Some("tok-b"))
            .host("ghe.example.com", "octo", None)
            .render();
        assert!(s.starts_with('#') && s.ends_with('\n'));
        assert_eq!(s.matches("oauth_token: tok-a").count(), 2, "{s}");
        assert_eq!(s.matches("oauth_token: tok-b").count(), 1, "{s}");
        assert!(s.contains("ghe.example.com:\n    users:\n        octo:\n    git_protocol"));
        assert!(!s.contains("ghe.example.com:\n    users:\n        octo:\n            oauth"));
    }
}
