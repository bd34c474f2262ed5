//! Weights & Biases: `WANDB_API_KEY`, else the password of the W&B host's machine entry in
//! `$NETRC` or `~/.netrc` (the host of `WANDB_BASE_URL`, by default `api.wandb.ai`), which is
//! where `wandb login` stores the key. The container gets env `WANDB_API_KEY`, and
//! `WANDB_BASE_URL` when there is one: set in env, or the `base_url` that
//! `wandb login --host` keeps in `$WANDB_CONFIG_DIR/settings` or `~/.config/wandb/settings`,
//! which `wandb` uses when the env var is unset and the pod does not get.
//!
//! Only that one password is taken: the netrc itself never leaves the laptop, so other
//! machines' passwords stay there. For the same reason the `default` entry is not used, although
//! `requests` (through which `wandb` reads the netrc) falls back to it: it is a catch-all that
//! usually belongs to some other service.
//!
//! The netrc is parsed with `rust-netrc`, a port of Python's `netrc` module, so a file parses
//! here as it does for `wandb`; a file it rejects is an error naming the file and line.

use std::path::Path;

use ini::Ini;
use kt_secrets_core::shapes::{EnvShape, EnvVar, Shape, TokenFile, describe, first_found};
use kt_secrets_core::{
    Error, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result, SecretValue,
    read_optional_string,
};

const NAME: &str = "wandb";
const DEFAULT_HOST: &str = "api.wandb.ai";
const BASE_URL: &str = "WANDB_BASE_URL";
const CONFIG_DIR: &str = "WANDB_CONFIG_DIR";

const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[EnvVar::same(&["WANDB_API_KEY"], true)],
    }),
    Shape::TokenFile(TokenFile {
        key: "WANDB_API_KEY",
        file_env: &["NETRC"],
        dir_env: &[],
        dir: "",
        name: ".netrc",
        owns_dir: false,
        read: netrc_password,
        what: "password of machine api.wandb.ai (or the host of the base URL)",
        targets: &["WANDB_API_KEY"],
    }),
];

/// The optional base URL, listed after the key's sources.
const EXTRAS: &[Shape] = &[Shape::Env(EnvShape {
    vars: &[EnvVar::same(&[BASE_URL], false)],
})];

/// The W&B provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wandb;

pub const PROVIDER: Wandb = Wandb;

#[async_trait::async_trait]
impl Provider for Wandb {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        let mut info = describe("Weights & Biases API key (and base URL)", SHAPES);
        for s in EXTRAS {
            s.describe(&mut info);
        }
        info.sources.push(format!(
            "base_url in file ${CONFIG_DIR}/settings | ~/.config/wandb/settings"
        ));
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let mut found = first_found(NAME, ctx, SHAPES)?;
        if let Some((url, origin)) = base_url(ctx)? {
            found.add_env(BASE_URL, url, origin)?;
        }
        Ok(found)
    }
}

/// The password of the W&B host's `machine` entry; `None` when there is no such entry or it
/// has no password. With a port in the base URL, `wandb login` writes the machine as
/// `host:port` (older versions, and `requests`, use the bare host), so both are tried, in that
/// order.
fn netrc_password(ctx: &ResolveContext, path: &Path, text: &str) -> Result<Option<SecretValue>> {
    let machines = match base_url(ctx)? {
        Some((url, origin)) => url_machines(&url).ok_or_else(|| Error::Provider {
            provider: NAME.to_owned(),
            message: format!(
                "the base URL of {origin} is not a URL with a host (scheme://host[:port]/…)"
            ),
        })?,
        None => vec![DEFAULT_HOST.to_owned()],
    };
    if let Some(line) = unterminated_quote(text) {
        return Err(Error::Parse {
            what: path.display().to_string(),
            detail: format!("line {line}: a quote is never closed"),
        });
    }
    let netrc = text.parse::<netrc::Netrc>().map_err(|e| Error::Parse {
        what: path.display().to_string(),
        // The parser's message quotes the offending token, which may be a password.
        detail: match error_line(&e.to_string()) {
            // The parser counts the newline that ends a token, hence "near".
            Some(n) => format!("not a valid netrc file (near line {n})"),
            None => "not a valid netrc file".to_owned(),
        },
    })?;
    // `default` is where the parser keeps the catch-all entry; it is deliberately not used.
    let entry = machines.iter().find_map(|m| {
        netrc
            .hosts
            .iter()
            .find(|(machine, _)| *machine != "default" && machine.eq_ignore_ascii_case(m))
    });
    Ok(entry
        .map(|(_, auth)| auth.password.as_str())
        .filter(|p| !p.is_empty())
        .map(SecretValue::from))
}

/// The W&B server the laptop's `wandb` talks to: `WANDB_BASE_URL`, else the `base_url` of the
/// `[default]` section of the settings file; `None` for the default cloud.
fn base_url(ctx: &ResolveContext) -> Result<Option<(String, Origin)>> {
    if let Some(url) = ctx.env_nonempty(BASE_URL) {
        return Ok(Some((url.to_owned(), Origin::Env(BASE_URL.to_owned()))));
    }
    let path = ctx
        .env_path(CONFIG_DIR)
        .unwrap_or_else(|| ctx.home().join(".config/wandb"))
        .join("settings");
    let Some(text) = read_optional_string(&path)? else {
        return Ok(None);
    };
    let ini = Ini::load_from_str(&text).map_err(|e| Error::Parse {
        what: path.display().to_string(),
        detail: kt_secrets_core::parse_errors::ini_detail(e.line, e.col, &e.msg),
    })?;
    Ok(ini
        .section(Some("default"))
        .and_then(|s| s.get("base_url"))
        .filter(|u| !u.is_empty())
        .map(|u| (u.to_owned(), Origin::File(path))))
}

/// The line of a `"` that opens a token and is never closed. The parser (like Python's
/// `netrc` module, `_netrclex.get_token`) takes everything to the end of the file as that
/// token, so a password would silently swallow the rest of the file; here it is an error.
/// Tokens are split as the parser splits them (whitespace, `\` escapes); a token that starts
/// with `#` starts a comment, which ends the line.
fn unterminated_quote(text: &str) -> Option<usize> {
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            ' ' | '\t' | '\r' => {}
            '"' => {
                let opened = line;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        // An escaped character is skipped whatever it is (the guard
                        // consumes it); only an escaped newline counts as a line.
                        '\\' if chars.next() == Some('\n') => line += 1,
                        '\n' => line += 1,
                        _ => {}
                    }
                }
                if !closed {
                    return Some(opened);
                }
            }
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            _ => {
                let mut escaped = c == '\\';
                while let Some(&c) = chars.peek() {
                    if !escaped && matches!(c, '\n' | ' ' | '\t' | '\r') {
                        break;
                    }
                    chars.next();
                    if c == '\n' {
                        line += 1;
                    }
                    escaped = !escaped && c == '\\';
                }
            }
        }
    }
    None
}

/// The line number at the end of a `rust-netrc` error message ("… (line 4)").
fn error_line(msg: &str) -> Option<u32> {
    let (_, tail) = msg.rsplit_once("(line ")?;
    tail.strip_suffix(')')?.parse().ok()
}

/// The netrc machine names of an `http(s)://[user@]host[:port]/…` URL, lowercased: `host:port`
/// when there is a port, then the host alone (without brackets for IPv6).
fn url_machines(url: &str) -> Option<Vec<String>> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_ascii_lowercase();
    let host = match hostport.strip_prefix('[') {
        Some(v6) => v6.split_once(']')?.0,
        None => hostport.split(':').next()?,
    };
    if host.is_empty() {
        return None;
    }
    let host = host.to_owned();
    Some(if hostport.contains(':') && !hostport.ends_with(']') {
        vec![hostport.clone(), host]
    } else {
        vec![host]
    })
}

kt_secrets_core::register_provider!(PROVIDER);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_of_base_urls() {
        for (url, machines) in [
            ("https://api.wandb.ai", Some(&["api.wandb.ai"][..])),
            (
                "https://W.Example.com:8443/x?y#z",
                Some(&["w.example.com:8443", "w.example.com"][..]),
            ),
            ("http://me:pw@w.example.com/", Some(&["w.example.com"][..])),
            ("http://[::1]:8080/", Some(&["[::1]:8080", "::1"][..])),
            ("http://[::1]/", Some(&["::1"][..])),
            ("w.example.com", None),
            ("https://", None),
            ("https://:80/", None),
        ] {
            let got = url_machines(url);
            assert_eq!(
                got.as_deref(),
                machines
                    .map(|m| m.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    .as_deref(),
                "{url}"
            );
        }
    }

    #[test]
    fn unterminated_quotes() {
        assert_eq!(unterminated_quote("machine a password \"x y\"\n"), None);
        assert_eq!(
            unterminated_quote("machine a\n password \"canary\nmachine b\n"),
            Some(2)
        );
        assert_eq!(unterminated_quote("machine a password x\\\"y\n"), None);
        assert_eq!(
            unterminated_quote("# it's \"quoted\n machine a password x\n"),
            None
        );
        assert_eq!(unterminated_quote("machine a password \"a\\\"b\"\n"), None);
    }

    #[test]
    fn line_of_parser_errors() {
        let e = "machine a password x\n  secret-token more\n"
            .parse::<netrc::Netrc>()
            .unwrap_err()
            .to_string();
        assert_eq!(error_line(&e), Some(2), "{e}");
        assert_eq!(error_line("no line here"), None);
    }
}
