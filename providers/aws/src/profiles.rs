//! Profiles of the shared credentials and config files: which sections a profile needs, and
//! those sections cut from the files as written (less comment lines), so nested `services`
//! values and spacing reach the pod exactly as the SDKs read them on the laptop.

use std::collections::{BTreeMap, BTreeSet};

use ini::{Ini, ParseOption};
use kt_secrets_core::{Error, Mount, Origin, ResolveContext, Resolved, Result, read_optional};

pub const CREDENTIALS: &str = "credentials";
pub const CONFIG: &str = "config";

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Profile(String),
    SsoSession(String),
    Services(String),
}

impl Section {
    /// What the header `[header]` means in `file`: in credentials every section is a profile;
    /// in config `[default]`, `[profile name]`, `[sso-session name]` and `[services name]`
    /// are, and anything else is ignored by the SDKs.
    fn parse(file: &str, header: &str) -> Option<Section> {
        if file == CREDENTIALS {
            return Some(Section::Profile(header.to_owned()));
        }
        if header == "default" {
            return Some(Section::Profile(header.to_owned()));
        }
        let (kind, name) = header.split_once(char::is_whitespace)?;
        let name = name.trim().to_owned();
        match kind {
            "profile" => Some(Section::Profile(name)),
            "sso-session" => Some(Section::SsoSession(name)),
            "services" => Some(Section::Services(name)),
            _ => None,
        }
    }
}

/// One of the two files, parsed.
struct File<'a> {
    key: &'static str,
    origin: &'a Origin,
    text: &'a str,
    ini: Ini,
}

impl<'a> File<'a> {
    fn load(found: &'a Resolved, key: &'static str) -> Result<Option<File<'a>>> {
        let Some(value) = found.data.get(key) else {
            return Ok(None);
        };
        let origin = &found.origins[key];
        let err = |detail: String| Error::Parse {
            what: shown(origin),
            detail,
        };
        let text =
            std::str::from_utf8(value.expose()).map_err(|_| err("not valid UTF-8".into()))?;
        // Nested values (`s3 =` then indented lines) are read as plain properties of their
        // section: the parser's multi-line mode mangles the line after an inline comment, and
        // no setting read here is ever nested. The pod gets the text as written anyway.
        let opt = ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            ..ParseOption::default()
        };
        // rust-ini joins a line ending in `\` with the next one whatever the options; botocore's
        // `RawConfigParser` (botocore/configloader.py, `raw_config_parse`) has no such
        // continuation, so `source_profile = base\` names the profile `base\` there and the
        // next line stays a setting of its own (a key, perhaps, that an error quoting the name
        // would then repeat). A space after the backslash keeps rust-ini to the same reading;
        // values are trimmed, so the name is unchanged.
        let unjoined = text.replace("\\\n", "\\ \n");
        let ini = Ini::load_from_str_opt(&unjoined, opt).map_err(|e| {
            err(kt_secrets_core::parse_errors::ini_detail(
                e.line, e.col, &e.msg,
            ))
        })?;
        Ok(Some(File {
            key,
            origin,
            text,
            ini,
        }))
    }

    fn sections(&self) -> impl Iterator<Item = (Section, &ini::Properties)> {
        self.ini
            .iter()
            .filter_map(|(name, props)| Some((Section::parse(self.key, name?)?, props)))
    }

    /// The sections in `wanted`, cut from the text as written, without comment lines: a
    /// comment cannot be told to belong to one section or the next (an old key commented out
    /// at the end of one profile sits right above the next header), and the SDKs ignore it
    /// (botocore's `RawConfigParser` drops lines whose first non-blank character is `#` or
    /// `;`, even indented ones).
    fn cut(&self, wanted: &BTreeSet<Section>) -> String {
        let mut out = String::new();
        let mut pending = String::new();
        let mut keep = false;
        for line in self.text.split_inclusive('\n') {
            let t = line.trim();
            if t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            // Blank lines right above a header go with that header's section.
            if t.is_empty() {
                pending.push_str(line);
                continue;
            }
            if let Some(header) = header(line) {
                keep = Section::parse(self.key, header).is_some_and(|s| wanted.contains(&s));
            }
            if keep {
                out.push_str(&pending);
                out.push_str(line);
            }
            pending.clear();
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}

/// The name of a section header line, trimmed as the INI parser trims it.
fn header(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('[')?;
    Some(rest[..rest.find(']')?].trim())
}

fn shown(origin: &Origin) -> String {
    match origin {
        Origin::File(p) => p.display().to_string(),
        other => other.to_string(),
    }
}

/// The profile the SDKs use, and the env var that named it.
fn selected(ctx: &ResolveContext) -> (String, Option<&'static str>) {
    ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]
        .into_iter()
        .find_map(|v| ctx.env_nonempty(v).map(|p| (p.to_owned(), Some(v))))
        .unwrap_or_else(|| ("default".to_owned(), None))
}

/// The `region` of the selected profile in the config file, as env `AWS_REGION` and
/// `AWS_DEFAULT_REGION` (SDKs read one or the other); empty when there is no such file,
/// profile or setting, which the SDKs do not mind either.
pub fn config_region(ctx: &ResolveContext) -> Result<Resolved> {
    let path = ctx
        .env_path("AWS_CONFIG_FILE")
        .unwrap_or_else(|| ctx.home().join(".aws").join(CONFIG));
    let mut found = Resolved::new();
    let mut r = Resolved::new();
    let Some(bytes) = read_optional(&path)? else {
        return Ok(r);
    };
    found.add(CONFIG, bytes, Origin::File(path))?;
    let Some(file) = File::load(&found, CONFIG)? else {
        return Ok(r);
    };
    let want = Section::Profile(selected(ctx).0);
    let region = file
        .sections()
        .filter(|(s, _)| *s == want)
        .filter_map(|(_, props)| props.get("region"))
        .filter(|v| !v.is_empty())
        .last();
    if let Some(region) = region {
        r.add("AWS_REGION", region, file.origin.clone())?;
        for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            r.mounts.push(Mount::env(var, "AWS_REGION"));
        }
    }
    Ok(r)
}

/// The profile the SDKs would use, from the files in `found`, as a pod secret.
pub fn select(ctx: &ResolveContext, found: &Resolved) -> Result<Resolved> {
    // Config first: where both files set a key, the credentials file wins, as in the SDKs.
    let files: Vec<File> = [CONFIG, CREDENTIALS]
        .into_iter()
        .filter_map(|k| File::load(found, k).transpose())
        .collect::<Result<_>>()?;
    let (profile, from) = selected(ctx);

    let settings = |name: &str| {
        let want = Section::Profile(name.to_owned());
        let mut m: BTreeMap<&str, (&str, &Origin)> = BTreeMap::new();
        for f in &files {
            for (_, props) in f.sections().filter(|(s, _)| *s == want) {
                m.extend(props.iter().map(|(k, v)| (k, (v, f.origin))));
            }
        }
        m
    };

    let mut wanted = BTreeSet::new();
    let mut todo: Vec<(String, Option<String>)> = vec![(profile.clone(), None)];
    while let Some((name, parent)) = todo.pop() {
        let section = Section::Profile(name.clone());
        if !files
            .iter()
            .any(|f| f.sections().any(|(s, _)| s == section))
        {
            return Err(missing(&files, &name, parent.as_deref(), from));
        }
        wanted.insert(section);
        let s = settings(&name);
        if let Some((src, _)) = s.get("source_profile")
            && !wanted.contains(&Section::Profile((*src).to_owned()))
        {
            todo.push(((*src).to_owned(), Some(name.clone())));
        }
        if let Some((session, _)) = s.get("sso_session") {
            wanted.insert(Section::SsoSession((*session).to_owned()));
        }
        if let Some((services, _)) = s.get("services") {
            wanted.insert(Section::Services((*services).to_owned()));
        }
    }

    // botocore `ProcessProvider` runs the command in the pod as it does here.
    for w in &wanted {
        if let Section::Profile(name) = w
            && settings(name).contains_key("credential_process")
        {
            // The command line is not repeated: it may carry a value.
            tracing::warn!(
                "aws profile {name:?} gets its credentials from credential_process: the \
                 program it runs must exist in the container image, with whatever it reads"
            );
        }
    }
    let mut r = Resolved::new();
    sso_token(ctx, &files, &wanted, &mut r)?;
    for f in files.iter().rev() {
        let text = f.cut(&wanted);
        if text.is_empty() {
            continue;
        }
        r.add(f.key, text, f.origin.clone())?;
        r.mounts.extend(
            found
                .mounts
                .iter()
                .filter(|m| matches!(m, Mount::File { key, .. } if key == f.key))
                .cloned(),
        );
    }

    // The profile's static keys stay in the credentials file, not copied into env vars: every
    // SDK reads the profile from that file (botocore `SharedCredentialProvider`, after
    // `EnvProvider` finds nothing), and a file-only object is what Python Kubetorch writes and
    // mounts for aws (one secret volume over `~/.aws`), where env keys beside the files would
    // become stray files such as `~/.aws/AWS_ACCESS_KEY_ID`.
    if let Some(var) = from
        && profile != "default"
    {
        r.add_env("AWS_PROFILE", profile.as_str(), Origin::Env(var.to_owned()))?;
    }
    Ok(r)
}

/// Data key of the SSO token cache file.
pub const SSO_TOKEN: &str = "sso-token.json";

/// The one SSO token cache file botocore reads for the profiles in `wanted`: under
/// `~/.aws/sso/cache`, named by the SHA-1 of the `sso_session` name, or of the legacy
/// `sso_start_url` (botocore `utils.SSOTokenLoader._generate_cache_key`, the cache dir of
/// `tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR` and `credentials.SSOProvider`). The rest of
/// the cache (other sessions, botocore's client registrations) stays on the laptop. A token
/// that is not cached is not an error here: botocore on the laptop fails the same way, and
/// `aws sso login` fixes both.
fn sso_token(
    ctx: &ResolveContext,
    files: &[File],
    wanted: &BTreeSet<Section>,
    r: &mut Resolved,
) -> Result<()> {
    let mut names: Vec<&str> = Vec::new();
    for f in files {
        for (s, props) in f.sections() {
            if matches!(s, Section::Profile(_)) && wanted.contains(&s) {
                match (props.get("sso_session"), props.get("sso_start_url")) {
                    (Some(session), _) => names.push(session),
                    (None, Some(url)) => names.push(url),
                    (None, None) => {}
                }
            }
        }
    }
    names.dedup();
    let Some(name) = names.first() else {
        return Ok(());
    };
    use sha1::Digest;
    let file = format!("{}.json", hex::encode(sha1::Sha1::digest(name.as_bytes())));
    let path = ctx.home().join(".aws/sso/cache").join(&file);
    if let Some(bytes) = read_optional(&path)? {
        r.add_file(
            SSO_TOKEN,
            bytes,
            Origin::File(path),
            &format!("~/.aws/sso/cache/{file}"),
            0o600,
        )?;
    }
    Ok(())
}

/// When the SSO token shipped with an SSO profile expires: the `expiresAt` field that `aws sso
/// login` writes into the cache file and botocore reads back (`tokens.SSOTokenProvider`,
/// `_refresher`: `dateutil.parser.parse(token_dict["expiresAt"])`). Only a value shaped like a
/// timestamp is returned, so nothing else of the file (the access and refresh tokens) can reach
/// a terminal through it.
pub fn sso_token_expiry(data: &kt_secrets_core::SecretData) -> Option<String> {
    let file: serde_json::Value = serde_json::from_slice(data.get(SSO_TOKEN)?.expose()).ok()?;
    let at = file.get("expiresAt")?.as_str()?;
    let timestamp = !at.is_empty()
        && at.len() <= 40
        && at.starts_with(|c: char| c.is_ascii_digit())
        && at
            .chars()
            .all(|c| c.is_ascii_digit() || "-:.+TZUC ".contains(c));
    timestamp.then(|| at.to_owned())
}

fn missing(files: &[File], name: &str, parent: Option<&str>, from: Option<&str>) -> Error {
    let which = match (parent, from) {
        (Some(p), _) => format!("profile {name:?}, the source_profile of {p:?},"),
        (None, Some(var)) => format!("profile {name:?} (from {var})"),
        (None, None) => format!("profile {name:?}"),
    };
    let paths: Vec<String> = files.iter().map(|f| shown(f.origin)).collect();
    let mut known: Vec<String> = files
        .iter()
        .flat_map(File::sections)
        .filter_map(|(s, _)| match s {
            Section::Profile(n) => Some(n),
            _ => None,
        })
        .collect();
    known.sort();
    known.dedup();
    Error::provider(
        crate::NAME,
        format!(
            "{which} is not in {}; profiles there: {}",
            paths.join(" or "),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ),
    )
}

#[cfg(test)]
mod sso_expiry_tests {
    use super::*;

    fn data(json: &str) -> kt_secrets_core::SecretData {
        let mut d = kt_secrets_core::SecretData::new();
        d.insert(SSO_TOKEN, json.as_bytes().to_vec()).unwrap();
        d
    }

    #[test]
    fn the_cache_files_expiry_and_nothing_else() {
        let d = data(r#"{"accessToken":"CANARY-token","expiresAt":"2026-12-02T18:00:00Z"}"#);
        assert_eq!(
            sso_token_expiry(&d).as_deref(),
            Some("2026-12-02T18:00:00Z")
        );
        // botocore's older caches write "UTC" instead of "Z".
        let d = data(r#"{"expiresAt":"2026-12-02T18:00:00UTC"}"#);
        assert_eq!(
            sso_token_expiry(&d).as_deref(),
            Some("2026-12-02T18:00:00UTC")
        );
        // Anything not shaped like a timestamp is never echoed.
        for bad in [
            r#"{"expiresAt":"CANARY-token"}"#,
            r#"{"expiresAt":""}"#,
            r#"{"accessToken":"CANARY-token"}"#,
            "not json CANARY-token",
        ] {
            assert_eq!(sso_token_expiry(&data(bad)), None, "{bad}");
        }
        assert_eq!(sso_token_expiry(&kt_secrets_core::SecretData::new()), None);
    }
}
