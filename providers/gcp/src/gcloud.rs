//! gcloud's `core/project`, as `gcloud config get project` reports it: the property env var
//! `CLOUDSDK_CORE_PROJECT`, else the active named configuration (`CLOUDSDK_ACTIVE_CONFIG_NAME`,
//! else the `active_config` file, else `default`) under `$CLOUDSDK_CONFIG` or
//! `~/.config/gcloud`, file `configurations/config_<name>`, section `[core]`, key `project`
//! (googlecloudsdk `core/properties.py` and `core/configurations/named_configs.py`).

use ini::Ini;
use kt_secrets_core::{Error, Origin, ResolveContext, Result, read_optional_string};

/// The project and where it came from; `None` when gcloud has none.
pub fn project(ctx: &ResolveContext) -> Result<Option<(String, Origin)>> {
    if let Some(p) = ctx.env_nonempty("CLOUDSDK_CORE_PROJECT") {
        return Ok(Some((
            p.to_owned(),
            Origin::Env("CLOUDSDK_CORE_PROJECT".to_owned()),
        )));
    }
    let dir = ctx
        .env_path("CLOUDSDK_CONFIG")
        .unwrap_or_else(|| ctx.home().join(".config/gcloud"));
    let active = match ctx.env_nonempty("CLOUDSDK_ACTIVE_CONFIG_NAME") {
        Some(name) => name.to_owned(),
        None => read_optional_string(&dir.join("active_config"))?
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
    };
    // A name that is not a plain file name is not a configuration gcloud would read.
    if active.contains('/') || active.starts_with('.') {
        return Ok(None);
    }
    let path = dir.join("configurations").join(format!("config_{active}"));
    let Some(text) = read_optional_string(&path)? else {
        return Ok(None);
    };
    let ini = Ini::load_from_str(&text).map_err(|e| Error::Parse {
        what: path.display().to_string(),
        detail: format!("line {}", e.line),
    })?;
    Ok(ini
        .section(Some("core"))
        .and_then(|s| s.get("project"))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| (p.to_owned(), Origin::File(path))))
}
