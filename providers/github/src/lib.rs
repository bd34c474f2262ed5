//! GitHub: a token for `gh`, `git` over HTTPS and the GitHub SDKs, found as `gh` finds its own
//! for the host it works with: `$GH_HOST`, else the one host of `hosts.yml` when it lists
//! exactly one, else `github.com`.
//!
//! For `github.com` and GHE.com tenancies (`*.ghe.com`): `GH_TOKEN`, else `GITHUB_TOKEN`, else
//! the `oauth_token` of the host in gh's `hosts.yml` (under `$GH_CONFIG_DIR`,
//! `$XDG_CONFIG_HOME/gh` or `~/.config/gh`), else what `gh auth token --hostname <host>`
//! prints, which is how a token that gh keeps in the system keyring is reached. The container
//! gets env `GH_TOKEN`.
//!
//! For a GitHub Enterprise Server host (any other `$GH_HOST`): `GH_ENTERPRISE_TOKEN`, else
//! `GITHUB_ENTERPRISE_TOKEN`, else `hosts.yml`, else `gh auth token`, as above. `GH_TOKEN` and
//! `GITHUB_TOKEN` are never taken for it: gh reserves them for github.com and GHE.com, so they
//! hold a token for another service. The container gets the token as `GH_ENTERPRISE_TOKEN`,
//! which gh reads for such a host, and as `GH_TOKEN`, which other tools read.
//!
//! Whenever the host is not `github.com`, the container gets `GH_HOST` too, so that gh there
//! works with the same host. Host names are normalized as gh does: lowercase, a subdomain of
//! `github.com` is `github.com`, and `a.b.ghe.com` is `b.ghe.com`.
//!
//! Several accounts on one host (gh 2.40 and later): gh keeps the active account's token at
//! the top level of the host entry, and that is the only one read. The tokens of the other
//! accounts, under `users:`, are never taken, so they never leave the laptop; to ship another
//! account, switch to it with `gh auth switch` first.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kt_secrets_core::shapes::{EnvShape, EnvVar, Shape, TokenFile, describe, first_found};
use kt_secrets_core::{
    Error, Looked, Mount, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result,
    SecretValue, read_optional_string,
};
use serde::Deserialize;

const NAME: &str = "github";
const DESCRIPTION: &str = "GitHub token (for gh, git and the GitHub SDKs)";
const KEY: &str = "GH_TOKEN";
const HOST_VAR: &str = "GH_HOST";
const DEFAULT_HOST: &str = "github.com";
/// gh's name for a local development instance; like github.com, it takes `GH_TOKEN`.
const LOCALHOST: &str = "github.localhost";
/// The domain of GHE.com tenancies, which take `GH_TOKEN` as github.com does.
const TENANCY_DOMAIN: &str = "ghe.com";

const TARGETS: &[&str] = &[KEY];
const ENTERPRISE_TARGETS: &[&str] = &[KEY, "GH_ENTERPRISE_TOKEN"];

const HOSTS_YML: TokenFile = TokenFile {
    key: KEY,
    file_env: &[],
    dir_env: &[("GH_CONFIG_DIR", ""), ("XDG_CONFIG_HOME", "gh")],
    dir: ".config/gh",
    name: "hosts.yml",
    owns_dir: true,
    read: hosts_token,
    what: "oauth_token of $GH_HOST (default github.com)",
    targets: TARGETS,
};

/// For github.com, GHE.com tenancies and github.localhost.
const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[EnvVar {
            key: KEY,
            sources: &["GH_TOKEN", "GITHUB_TOKEN"],
            targets: TARGETS,
            required: true,
        }],
    }),
    Shape::TokenFile(HOSTS_YML),
];

/// For a GitHub Enterprise Server host.
const ENTERPRISE_SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[EnvVar {
            key: KEY,
            sources: &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"],
            targets: ENTERPRISE_TARGETS,
            required: true,
        }],
    }),
    Shape::TokenFile(TokenFile {
        targets: ENTERPRISE_TARGETS,
        ..HOSTS_YML
    }),
];

/// The GitHub provider. `gh_timeout` bounds the `gh auth token` run.
#[derive(Clone, Copy, Debug)]
pub struct GitHub {
    /// How long `gh auth token` may run; a run that takes longer is killed, and is an error
    /// naming the command.
    pub gh_timeout: Duration,
}

/// The GitHub provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: GitHub = GitHub {
    gh_timeout: Duration::from_secs(10),
};

#[async_trait::async_trait]
impl Provider for GitHub {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        let github = describe(DESCRIPTION, SHAPES);
        let enterprise = describe(DESCRIPTION, ENTERPRISE_SHAPES);
        let mut info = ProviderInfo {
            description: github.description,
            default_dirs: github.default_dirs,
            ..Default::default()
        };
        // The two lists differ only in the env vars, which are shown side by side.
        for (g, e) in github.sources.into_iter().zip(enterprise.sources) {
            if g == e {
                info.sources.push(g);
            } else {
                info.sources
                    .push(format!("{g}, for github.com and *.ghe.com"));
                info.sources
                    .push(format!("{e}, for a GitHub Enterprise Server $GH_HOST"));
            }
        }
        info.sources.push(
            "output of `gh auth token --hostname $GH_HOST`, with gh found on $PATH".to_owned(),
        );
        info.targets = github.targets;
        for t in enterprise.targets {
            if !info.targets.contains(&t) {
                info.targets.push(format!("{t} (GitHub Enterprise Server)"));
            }
        }
        info.targets
            .push(format!("env {HOST_VAR} (unless github.com)"));
        info
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let hosts_path = HOSTS_YML.local_path(ctx);
        let hosts = match read_optional_string(&hosts_path)? {
            Some(text) => parse_hosts(&hosts_path, &zeroize::Zeroizing::new(text))?,
            None => None,
        };
        let (host, host_origin) = gh_host(ctx, hosts.as_ref(), &hosts_path);
        let enterprise = is_enterprise(&host);
        let (shapes, targets) = if enterprise {
            (ENTERPRISE_SHAPES, ENTERPRISE_TARGETS)
        } else {
            (SHAPES, TARGETS)
        };
        let mut looked = Looked::new();
        if enterprise {
            // Someone with GH_TOKEN set learns why it was not taken.
            looked.other(format!(
                "env {HOST_VAR} ({host}, a GitHub Enterprise Server host, for which GH_TOKEN \
                 and GITHUB_TOKEN are not read)"
            ));
        }
        let mut found = match first_found(NAME, ctx, shapes) {
            Ok(found) => found,
            Err(Error::NothingFound { looked: places, .. }) => {
                places.into_iter().for_each(|p| looked.other(p));
                self.gh_auth_token(ctx, &host, targets, &mut looked)
                    .await?
                    .ok_or_else(|| looked.into_error(NAME))?
            }
            Err(e) => return Err(e),
        };
        if host != DEFAULT_HOST {
            found.add(HOST_VAR, host, host_origin)?;
            found.mounts.push(Mount::env(HOST_VAR, HOST_VAR));
        }
        Ok(found)
    }
}

impl GitHub {
    /// Runs `gh auth token` with the context's env only. A missing `gh`, a non-zero exit or
    /// empty output is "nothing found there"; a `gh` that cannot be started or does not finish
    /// in time is an error. gh's stderr is never read, so nothing it says reaches an error.
    async fn gh_auth_token(
        &self,
        ctx: &ResolveContext,
        host: &str,
        targets: &[&str],
        looked: &mut Looked,
    ) -> Result<Option<Resolved>> {
        let Some(gh) = find_executable(ctx, "gh") else {
            looked.other("`gh auth token` (no gh on $PATH)");
            return Ok(None);
        };
        let shown = format!("{} auth token --hostname {host}", gh.display());
        let fail = |what: String| Error::provider(NAME, what);

        let mut cmd = tokio::process::Command::new(&gh);
        cmd.args(["auth", "token", "--hostname", host])
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
        for t in targets {
            found.mounts.push(Mount::env(*t, KEY));
        }
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

/// The host gh works with, normalized as gh normalizes it, and where it came from. As go-gh's
/// `auth.DefaultHost` (pkg/auth/auth.go, `defaultHost`) picks it: `$GH_HOST`; else, when
/// `hosts.yml` lists exactly one host, that host (someone logged in only to their company's
/// server works with it without setting `GH_HOST`); else github.com.
fn gh_host(ctx: &ResolveContext, hosts: Option<&Hosts>, hosts_path: &Path) -> (String, Origin) {
    if let Some(h) = ctx.env(HOST_VAR).map(str::trim).filter(|h| !h.is_empty()) {
        return (normalize_host(h), Origin::Env(HOST_VAR.to_owned()));
    }
    match hosts.map(|h| h.keys().collect::<Vec<_>>()).as_deref() {
        Some([only]) => (normalize_host(only), Origin::File(hosts_path.to_path_buf())),
        _ => (DEFAULT_HOST.to_owned(), Origin::Literal),
    }
}

/// gh's normalization: lowercase; any subdomain of github.com or github.localhost is that
/// host; of a GHE.com name only the tenancy (`a.b.ghe.com` is `b.ghe.com`) counts.
fn normalize_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    for base in [DEFAULT_HOST, LOCALHOST] {
        if host
            .strip_suffix(base)
            .is_some_and(|sub| sub.ends_with('.'))
        {
            return base.to_owned();
        }
    }
    if let Some(sub) = host
        .strip_suffix(TENANCY_DOMAIN)
        .and_then(|h| h.strip_suffix('.'))
    {
        let tenancy = sub.rsplit('.').next().unwrap_or(sub);
        return format!("{tenancy}.{TENANCY_DOMAIN}");
    }
    host
}

/// A GitHub Enterprise Server host: neither github.com, nor a GHE.com tenancy, nor
/// github.localhost. `host` is normalized.
fn is_enterprise(host: &str) -> bool {
    host != DEFAULT_HOST && host != LOCALHOST && !host.ends_with(&format!(".{TENANCY_DOMAIN}"))
}

/// One host of `hosts.yml`. Only the top-level token is read: it is the active account's.
/// Everything else (`users:`, `user:`, `git_protocol:`) is skipped unread.
#[derive(Deserialize)]
struct HostEntry {
    oauth_token: Option<String>,
}

/// The hosts of a `hosts.yml`, by name as written.
type Hosts = BTreeMap<String, Option<HostEntry>>;

/// A `hosts.yml`; `None` when it is empty.
fn parse_hosts(path: &Path, text: &str) -> Result<Option<Hosts>> {
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
    })
}

fn hosts_token(ctx: &ResolveContext, path: &Path, text: &str) -> Result<Option<SecretValue>> {
    let hosts = parse_hosts(path, text)?;
    let (host, _) = gh_host(ctx, hosts.as_ref(), path);
    Ok(hosts
        .into_iter()
        .flatten()
        .find(|(h, _)| h.eq_ignore_ascii_case(&host))
        .and_then(|(_, entry)| entry?.oauth_token)
        .filter(|t| !t.is_empty())
        .map(SecretValue::from))
}

/// `name` in the first directory of the context's `PATH` that holds it as an executable file.
/// Empty and relative entries are dropped before the search: they would depend on this
/// process's working directory.
fn find_executable(ctx: &ResolveContext, name: &str) -> Option<PathBuf> {
    let dirs = std::env::split_paths(ctx.env("PATH")?).filter(|d| d.is_absolute());
    let path = std::env::join_paths(dirs).ok()?;
    // With only absolute directories the working directory is never consulted; the home
    // stands in because `which_in` wants one.
    which::which_in(name, Some(path), ctx.home()).ok()
}

kt_secrets_core::register_provider!(PROVIDER);
