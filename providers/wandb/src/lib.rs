//! Weights & Biases: `WANDB_API_KEY`, else the password that `wandb` takes from the netrc
//! (`$NETRC`, else `~/.netrc`, else `~/_netrc`), which is where `wandb login` stores the key:
//! the entry of the W&B server's `host[:port]` (by default `api.wandb.ai`), else the netrc's
//! `default` entry, as Python's `netrc.authenticators` answers. The container gets env
//! `WANDB_API_KEY`, and `WANDB_BASE_URL` when there is one: set in env, or the `base_url` that
//! `wandb login --host` keeps in `$WANDB_CONFIG_DIR/settings` or `~/.config/wandb/settings`,
//! which `wandb` uses when the env var is unset and the pod does not get.
//!
//! Only that one password is taken: the netrc itself never leaves the laptop, so other
//! machines' passwords stay there.
//!
//! The netrc is parsed with `rust-netrc`, a port of Python's `netrc` module, so a file parses
//! here as it does for `wandb`; a file it rejects is an error naming the file (the parser gives no line that could be reported without its text).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

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
        what: "password of machine api.wandb.ai (or the base URL's host[:port]), else of `default`",
        targets: &["WANDB_API_KEY"],
    }),
    // wandb/sdk/lib/wbauth/wbnetrc.py, `_get_netrc_file_path`: `~/_netrc` is read when
    // `$NETRC` is unset and `~/.netrc` does not exist.
    Shape::TokenFile(TokenFile {
        key: "WANDB_API_KEY",
        file_env: &[],
        dir_env: &[],
        dir: "",
        name: "_netrc",
        owns_dir: false,
        read: underscore_netrc_password,
        what: "the same password (only without $NETRC and ~/.netrc)",
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

/// The W&B provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
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

/// The password of the W&B server's netrc entry, picked as `wandb` picks it
/// (wandb/sdk/lib/wbauth/wbnetrc.py, `read_netrc_auth_with_source`): Python's
/// `netrc.authenticators(netloc)`, where `netloc` is the base URL's `urlsplit(...).netloc`
/// exactly as written (case and port kept), and the `default` entry when no machine has that
/// name. `None` when neither is there, or the entry has no password.
fn netrc_password(ctx: &ResolveContext, path: &Path, text: &str) -> Result<Option<SecretValue>> {
    let machine = match base_url(ctx)? {
        Some((url, origin)) => netloc(&url).ok_or_else(|| {
            Error::provider(
                NAME,
                format!(
                    "the base URL of {origin} is not a URL with a host (scheme://host[:port]/…)"
                ),
            )
        })?,
        None => DEFAULT_HOST.to_owned(),
    };
    if let Some(line) = unterminated_quote(text) {
        return Err(Error::Parse {
            what: path.display().to_string(),
            detail: format!("line {line}: a quote is never closed"),
        });
    }
    let netrc = text.parse::<netrc::Netrc>().map_err(|_| Error::Parse {
        what: path.display().to_string(),
        // rust-netrc's error has no accessor for its line, and its message quotes the offending
        // token, which may be a password: only the file is named.
        detail: "not a valid netrc file".to_owned(),
    })?;
    // As in Python's netrc, a name given twice keeps its last entry.
    let entry = netrc
        .hosts
        .get(&machine)
        .or_else(|| netrc.hosts.get("default"));
    Ok(entry
        .map(|auth| auth.password.as_str())
        .filter(|p| !p.is_empty())
        .map(SecretValue::from))
}

/// [`netrc_password`] of `~/_netrc`, which `wandb` reads only in place of a missing `~/.netrc`.
fn underscore_netrc_password(
    ctx: &ResolveContext,
    path: &Path,
    text: &str,
) -> Result<Option<SecretValue>> {
    let dot_netrc = ctx.home().join(".netrc");
    if ctx.env_nonempty("NETRC").is_some() || dot_netrc.exists() {
        return Ok(None);
    }
    netrc_password(ctx, path, text)
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

/// The `netloc` of `scheme://netloc/path?query#fragment` as Python's `urllib.parse.urlsplit`
/// gives it, `None` unless `url` parses as a URL with a host. The `url` crate judges the URL
/// (scheme, host, port, IPv6 literal), but its serialization normalizes (lowercases the host,
/// drops a default port) and would name another netrc machine than `wandb` looks up; so the
/// netloc is the input's own text between `//` and the first `/`, `?` or `#`, as `urlsplit`
/// cuts it (Lib/urllib/parse.py, `urlsplit` and `_splitnetloc`).
fn netloc(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed.host_str().filter(|h| !h.is_empty())?;
    let (_, rest) = url.trim().split_once("//")?;
    let netloc = rest.split(['/', '?', '#']).next()?;
    (!netloc.is_empty()).then(|| netloc.to_owned())
}

kt_secrets_core::register_provider!(PROVIDER);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netlocs_of_base_urls_as_urlsplit_cuts_them() {
        for (url, want) in [
            ("https://api.wandb.ai", Some("api.wandb.ai")),
            (
                "https://W.Example.com:8443/x?y#z",
                Some("W.Example.com:8443"),
            ),
            ("https://w.example.com:443", Some("w.example.com:443")),
            ("http://me:pw@w.example.com/", Some("me:pw@w.example.com")),
            ("http://[::1]:8080/", Some("[::1]:8080")),
            ("http://h?q", Some("h")),
            ("w.example.com", None),
            ("https://", None),
            ("https://:80/", None),
            ("https://u@/", None),
        ] {
            assert_eq!(netloc(url).as_deref(), want, "{url}");
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
}
