//! `.netrc` files as ftp, curl, Python's `netrc` (and so `requests` and `wandb`) read them:
//! `machine` entries, one `default` entry, `macdef` macros ended by a blank line, `#` comments.

/// A `.netrc` builder; entries are written in the order they are added.
#[derive(Clone, Debug, Default)]
pub struct Netrc {
    text: String,
}

impl Netrc {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// A `# …` comment line, right after the previous line: Python's `netrc` (which `wandb`
    /// reads through) rejects a comment that follows a blank line.
    pub fn comment(mut self, text: &str) -> Self {
        self.text.push_str(&format!("# {text}\n"));
        self
    }

    /// A machine entry, one token per line as `wandb login` writes it.
    pub fn machine(mut self, host: &str, login: &str, password: &str) -> Self {
        self.text.push_str(&format!(
            "machine {host}\n  login {login}\n  password {password}\n"
        ));
        self
    }

    /// A machine entry on a single line, with an account, as people write them by hand.
    pub fn machine_inline(mut self, host: &str, login: &str, password: &str) -> Self {
        self.text.push_str(&format!(
            "machine {host} login {login} account ops password {password}\n"
        ));
        self
    }

    /// The `default` entry, which matches any machine not listed; it comes last.
    pub fn default_entry(mut self, login: &str, password: &str) -> Self {
        self.text.push_str(&format!(
            "default\n  login {login}\n  password {password}\n"
        ));
        self
    }

    /// A macro: its lines, then the blank line that ends it.
    pub fn macdef(mut self, name: &str, lines: &[&str]) -> Self {
        self.text.push_str(&format!("macdef {name}\n"));
        for l in lines {
            self.text.push_str(&format!("  {l}\n"));
        }
        self.text.push('\n');
        self
    }

    /// The file's text, ending with a newline.
    pub fn render(&self) -> String {
        let mut s = self.text.clone();
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_kind_of_entry() {
        let s = Netrc::new()
            .comment("work")
            .machine("a.example", "me", "pw-a")
            .macdef("init", &["cd /pub", "bin"])
            .machine_inline("b.example", "you", "pw-b")
            .default_entry("anonymous", "pw-d")
            .render();
        assert!(s.starts_with("# work\nmachine a.example\n  login me\n  password pw-a\n"));
        assert!(s.contains("macdef init\n  cd /pub\n  bin\n\nmachine b.example"));
        assert!(s.ends_with("default\n  login anonymous\n  password pw-d\n"));
    }
}
