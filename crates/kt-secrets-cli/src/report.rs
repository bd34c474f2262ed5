//! Errors as the user sees them: one `error: …` line, then one `  caused by: …` line per cause,
//! and the exit status that goes with them.

use std::fmt;

/// A command's failure and its exit status: 2 for a wrong command line, 1 for anything else.
#[derive(Debug)]
pub struct Failure {
    pub error: anyhow::Error,
    pub usage: bool,
}

impl Failure {
    pub fn usage(msg: impl fmt::Display) -> Self {
        Failure {
            error: anyhow::anyhow!("{msg}"),
            usage: true,
        }
    }

    pub fn exit_code(&self) -> u8 {
        if self.usage { 2 } else { 1 }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let usage = is_usage(&error);
        Failure { error, usage }
    }
}

/// Errors that only a different command line can fix: names, keys and env vars given as
/// arguments, sources that are missing or combined, unknown providers, compute settings.
/// Each layer's error says so itself ([`kt_secrets::Error::is_usage`]).
fn is_usage(e: &anyhow::Error) -> bool {
    use kt_secrets::kube::{ComputeError, Error as KubeError};
    e.chain().any(|c| {
        if let Some(e) = c.downcast_ref::<kt_secrets::Error>() {
            e.is_usage()
        } else if let Some(e) = c.downcast_ref::<kt_secrets::SecretError>() {
            e.is_usage()
        } else if let Some(e) = c.downcast_ref::<KubeError>() {
            e.is_usage()
        } else if let Some(e) = c.downcast_ref::<ComputeError>() {
            e.is_usage()
        } else {
            false
        }
    })
}

/// `text` with every control character escaped as Rust escapes it (`\n`, `\t`, `\u{1b}`),
/// so that a path, name or key holding one cannot split a message line or drive the
/// terminal. Used for every message the CLI prints about its input.
pub(crate) fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Library wording for what, on the command line, is a flag: messages name the flag.
const FLAG_WORDS: &[(&str, &str)] = &[
    (
        "(to replace it: set override)",
        "(to replace it: pass --override)",
    ),
    ("the compute's env_vars", "--env"),
    (
        "give exactly one of provider, values, path or env_vars",
        "give exactly one of --provider, --path, --env, or values (--from-literal, \
         --from-env-file)",
    ),
];

/// `text` as the CLI prints it: library terms replaced by the flags they stand for, and
/// control characters escaped ([`escape_controls`]).
pub fn cli_text(text: &str) -> String {
    let mut t = text.to_owned();
    for (lib, flag) in FLAG_WORDS {
        t = t.replace(lib, flag);
    }
    escape_controls(&t)
}

/// The lines printed for `e`. A cause whose text its parent already quotes is skipped, so
/// each piece of information appears once.
pub fn lines(e: &anyhow::Error) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev = String::new();
    for (i, c) in e.chain().enumerate() {
        let text = cli_text(&c.to_string());
        if i > 0 && (text.is_empty() || prev.contains(&text)) {
            continue;
        }
        out.push(if i == 0 {
            format!("error: {text}")
        } else {
            format!("  caused by: {text}")
        });
        prev = text;
    }
    out
}

pub fn print(f: &Failure) {
    let mut s = lines(&f.error).join("\n");
    s.push('\n');
    eprint!("{s}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn one_line_per_cause_without_repeats() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let e = Err::<(), _>(io)
            .context("cannot read /x/.env")
            .context("cannot create secret app")
            .unwrap_err();
        assert_eq!(
            lines(&e),
            vec![
                "error: cannot create secret app",
                "  caused by: cannot read /x/.env",
                "  caused by: permission denied"
            ]
        );
        // thiserror messages that embed their source are not repeated.
        let core = kt_secrets::read_file(std::path::Path::new("/nonexistent/kt")).unwrap_err();
        let e = anyhow::Error::from(core).context("cannot create secret app");
        assert_eq!(lines(&e).len(), 2, "{:?}", lines(&e));
    }

    #[test]
    fn control_characters_never_split_a_line() {
        let e = anyhow::anyhow!("cannot read /tmp/a\nerror: fake\u{1b}[2J");
        assert_eq!(
            lines(&e),
            vec!["error: cannot read /tmp/a\\nerror: fake\\u{1b}[2J"]
        );
    }

    #[test]
    fn messages_name_flags() {
        let e = kt_secrets::kube::Error::DataDiffers {
            target: kt_secrets::kube::Target::object("kt.secret.global.x", "ns"),
            name: "x".to_owned(),
            keys: vec!["K".to_owned()].into(),
            writer: kt_secrets::kube::Writer::KtSecrets,
            replace: "set override".into(),
        };
        let shown = lines(&e.into()).join("\n");
        assert!(
            shown.contains("pass --override") && !shown.contains("set override"),
            "{shown}"
        );
    }

    #[test]
    fn usage_errors_exit_2() {
        let f: Failure = kt_secrets::SecretError::NameRequired { context: None }.into();
        assert_eq!(f.exit_code(), 2);
        let f: Failure = anyhow::anyhow!("connection refused").into();
        assert_eq!(f.exit_code(), 1);
        assert_eq!(Failure::usage("bad flag").exit_code(), 2);
    }
}
