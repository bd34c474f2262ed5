//! GitHub: a token for `gh`, `git` over HTTPS and the GitHub SDKs, found as `gh` finds its own:
//! `GH_TOKEN`, else `GITHUB_TOKEN`, else the `oauth_token` of `github.com` (or `$GH_HOST`) in
//! gh's `hosts.yml` (under `$GH_CONFIG_DIR`, `$XDG_CONFIG_HOME/gh` or `~/.config/gh`), else
//! what `gh auth token` prints, which is how a token that gh keeps in the system keyring is
//! reached. The container gets env `GH_TOKEN`.
//!
//! Several accounts on one host (gh 2.40 and later): gh keeps the active account's token at
//! the top level of the host entry, and that is the only one read. The tokens of the other
//! accounts, under `users:`, are never taken, so they never leave the laptop; to ship another
//! account, switch to it with `gh auth switch` first.
//!
//! Enterprise hosts: gh reads `GH_ENTERPRISE_TOKEN` for them; this provider does not, and the
//! pod gets `GH_TOKEN` only (see the spec), so point `GH_HOST` at the host and keep its token
//! in `hosts.yml` or the keyring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kt_secrets_core::shapes::{EnvShape, EnvVar, Shape, TokenFile, describe, first_found};
use kt_secrets_core::{
    Error, Looked, Mount, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result,
    SecretValue,
};
use serde::Deserialize;

const NAME: &str = "github";
const KEY: &str = "GH_TOKEN";
const DEFAULT_HOST: &str = "github.com";

const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[EnvVar {
            key: KEY,
            sources: &["GH_TOKEN", "GITHUB_TOKEN"],
            targets: &[KEY],
            required: true,
        }],
    }),
    Shape::TokenFile(TokenFile {
        key: KEY,
        file_env: &[],
        dir_env: &[("GH_CONFIG_DIR", ""), ("XDG_CONFIG_HOME", "gh")],
        dir: ".config/gh",
        name: "hosts.yml",
        owns_dir: true,
        read: hosts_token,
        what: "oauth_token of github.com (or $GH_HOST)",
        targets: &[KEY],
    }),
];

/// The GitHub provider. `gh_timeout` bounds the `gh auth token` run.
#[derive(Clone, Copy, Debug)]
pub struct GitHub {
    pub gh_timeout: Duration,
}

pub const PROVIDER: GitHub = GitHub {
    gh_timeout: Duration::from_secs(10),
};

#[async_trait::async_trait]
impl Provider for GitHub {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        let mut info = describe("GitHub token (for gh, git and the GitHub SDKs)", SHAPES);
        info.sources
            .push("output of `gh auth token`, with gh found on $PATH".to_owned());
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let mut looked = Looked::new();
        match first_found(NAME, ctx, SHAPES) {
            Ok(found) => return Ok(found),
            Err(Error::NothingFound { looked: places, .. }) => {
                places.into_iter().for_each(|p| looked.other(p));
            }
            Err(e) => return Err(e),
        }
        match self.gh_auth_token(ctx, &mut looked).await? {
            Some(found) => Ok(found),
            None => Err(looked.into_error(NAME)),
        }
    }
}

impl GitHub {
    /// Runs `gh auth token` with the context's env only. A missing `gh`, a non-zero exit or
    /// empty output is "nothing found there"; a `gh` that cannot be started or does not finish
    /// in time is an error. gh's stderr is never read, so nothing it says reaches an error.
    async fn gh_auth_token(
        &self,
        ctx: &ResolveContext,
        looked: &mut Looked,
    ) -> Result<Option<Resolved>> {
        let Some(gh) = find_executable(ctx, "gh") else {
            looked.other("`gh auth token` (no gh on $PATH)");
            return Ok(None);
        };
        let host = gh_host(ctx);
        let shown = format!("{} auth token --hostname {host}", gh.display());
        let fail = |what: String| Error::Provider {
            provider: NAME.to_owned(),
            message: what,
        };

        let mut cmd = tokio::process::Command::new(&gh);
        cmd.args(["auth", "token", "--hostname", &host])
            .env_clear()
            .envs(ctx.env_names().filter_map(|k| Some((k, ctx.env(k)?))))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if ctx.env("HOME").is_none() {
            cmd.env("HOME", ctx.home());
        }
        // A directory the user named is gh's config dir for this run too.
        if let Some(dir) = ctx.path() {
            cmd.env("GH_CONFIG_DIR", dir);
        }
        let child = spawn(&mut cmd)
            .await
            .map_err(|e| fail(format!("cannot run {}: {e}", gh.display())))?;
        let out = tokio::time::timeout(self.gh_timeout, child.wait_with_output())
            .await
            .map_err(|_| {
                fail(format!(
                    "`{shown}` did not finish within {:?}",
                    self.gh_timeout
                ))
            })?
            .map_err(|e| fail(format!("`{shown}` failed: {e}")))?;
        let stdout = zeroize::Zeroizing::new(out.stdout);
        if !out.status.success() {
            looked.other(format!("output of `{shown}` ({})", out.status));
            return Ok(None);
        }
        let token = std::str::from_utf8(&stdout)
            .map_err(|_| fail(format!("the output of `{shown}` is not UTF-8")))?
            .trim();
        if token.is_empty() {
            looked.other(format!("output of `{shown}` (empty)"));
            return Ok(None);
        }
        let mut found = Resolved::new();
        found.add(KEY, token, Origin::Command(shown))?;
        found.mounts.push(Mount::env(KEY, KEY));
        Ok(Some(found))
    }
}

/// Starts `cmd`, retrying briefly while the executable is busy: exec fails with ETXTBSY while
/// any process still has the file open for writing, as when gh is being upgraded.
async fn spawn(cmd: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 5 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            res => return res,
        }
    }
}

/// The host gh works with: `$GH_HOST`, else github.com. gh keeps host names lowercase.
fn gh_host(ctx: &ResolveContext) -> String {
    ctx.env_nonempty("GH_HOST")
        .map(|h| h.trim().to_ascii_lowercase())
        .unwrap_or_else(|| DEFAULT_HOST.to_owned())
}

/// One host of `hosts.yml`. Only the top-level token is read: it is the active account's.
/// Everything else (`users:`, `user:`, `git_protocol:`) is skipped unread.
#[derive(Deserialize)]
struct HostEntry {
    oauth_token: Option<String>,
}

fn hosts_token(ctx: &ResolveContext, path: &Path, text: &str) -> Result<Option<SecretValue>> {
    let hosts: Option<BTreeMap<String, Option<HostEntry>>> =
        serde_saphyr::from_str(text).map_err(|e| Error::Parse {
            what: path.display().to_string(),
            // The parser's messages may quote the text, which holds tokens: give the place only.
            detail: match e.location() {
                Some(l) => format!(
                    "not a gh hosts file (line {}, column {})",
                    l.line(),
                    l.column()
                ),
                None => "not a gh hosts file".to_owned(),
            },
        })?;
    let host = gh_host(ctx);
    Ok(hosts
        .into_iter()
        .flatten()
        .find(|(h, _)| h.eq_ignore_ascii_case(&host))
        .and_then(|(_, entry)| entry?.oauth_token)
        .filter(|t| !t.is_empty())
        .map(SecretValue::from))
}

/// `name` in the first directory of the context's `PATH` that holds it as an executable file.
/// Empty and relative entries are skipped: they would depend on this process's working
/// directory.
fn find_executable(ctx: &ResolveContext, name: &str) -> Option<PathBuf> {
    ctx.env("PATH")?
        .split(':')
        .map(Path::new)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file())
}

kt_secrets_core::register_provider!(PROVIDER);
