//! `~/.aws/credentials` and `~/.aws/config`, the INI files the AWS CLI and SDKs share:
//! `[name]` sections in credentials, `[default]` / `[profile name]` / `[sso-session name]` in
//! config, `#` and `;` comments, and both `key = value` and `key=value` spacing.

/// Builds a `credentials` file, one `[name]` section per profile.
#[derive(Debug)]
pub struct AwsCredentials(String);

impl Default for AwsCredentials {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsCredentials {
    /// A file with a comment line and no profiles.
    pub fn new() -> Self {
        AwsCredentials("# AWS credentials, written by `aws configure`\n".to_owned())
    }

    /// A profile with a static key pair.
    pub fn profile(mut self, name: &str, key_id: &str, secret: &str) -> Self {
        self.0.push_str(&format!(
            "\n[{name}]\naws_access_key_id = {key_id}\n; rotated every 90 days\naws_secret_access_key={secret}\n"
        ));
        self
    }

    /// A profile with temporary credentials (key pair and session token).
    pub fn session(mut self, name: &str, key_id: &str, secret: &str, token: &str) -> Self {
        self.0.push_str(&format!(
            "\n# temporary credentials from `aws sts get-session-token`\n[{name}]\n\
aws_access_key_id = {key_id}\naws_secret_access_key = {secret}\naws_session_token = {token}\n"
        ));
        self
    }

    /// The file's text.
    pub fn build(self) -> String {
        self.0
    }
}

/// Builds a `config` file: `[default]` for the profile named `default`, `[profile name]` for
/// the others.
#[derive(Debug)]
pub struct AwsConfig(String);

impl Default for AwsConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsConfig {
    /// A file with comment lines and no profiles.
    pub fn new() -> Self {
        AwsConfig("# AWS CLI configuration\n; see https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html\n".to_owned())
    }

    /// A profile with these settings, in order.
    pub fn profile(mut self, name: &str, settings: &[(&str, &str)]) -> Self {
        let header = if name == "default" {
            "[default]".to_owned()
        } else {
            format!("[profile {name}]")
        };
        self.section(&header, settings);
        self
    }

    /// An `[sso-session name]` section, which profiles reference with `sso_session`.
    pub fn sso_session(mut self, name: &str, settings: &[(&str, &str)]) -> Self {
        self.section(&format!("[sso-session {name}]"), settings);
        self
    }

    /// A `[services name]` section with one nested block per service, as `services = name`
    /// in a profile refers to.
    pub fn services(mut self, name: &str, service: &str, settings: &[(&str, &str)]) -> Self {
        self.0
            .push_str(&format!("\n[services {name}]\n{service} =\n"));
        for (k, v) in settings {
            self.0.push_str(&format!("  {k} = {v}\n"));
        }
        self
    }

    fn section(&mut self, header: &str, settings: &[(&str, &str)]) {
        self.0.push_str(&format!("\n{header}\n"));
        for (i, (k, v)) in settings.iter().enumerate() {
            if i % 2 == 0 {
                self.0.push_str(&format!("{k} = {v}\n"));
            } else {
                self.0.push_str(&format!("{k}={v}\n"));
            }
        }
    }

    /// The file's text.
    pub fn build(self) -> String {
        self.0
    }
}
