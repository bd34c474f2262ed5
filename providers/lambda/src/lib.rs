//! Lambda Cloud: `LAMBDA_API_KEY`, and `api_key = …` in `~/.lambda_cloud/lambda_keys`, the
//! key file that SkyPilot (the tool that reads it) and Lambda's docs use. Scripts read the env
//! var; SkyPilot reads the file. The pod gets each as the laptop has it, so each reader finds
//! the same key there as here; when the laptop has only one, the pod gets that key both ways.
//! The file is rewritten to hold only `api_key`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, FileShape, FileSpec, Hooked, Shape};
use kt_secrets_core::{Error, Looked, Origin, ResolveContext, Resolved, Result, SecretValue};

const NAME: &str = "lambda";
const ENV: &str = "LAMBDA_API_KEY";
const FILE_KEY: &str = "lambda_keys";
const FILE_TARGET: &str = "~/.lambda_cloud/lambda_keys";

const FILE: Shape = Shape::Files(FileShape {
    dir: ".lambda_cloud",
    dir_env: &[],
    files: &[FileSpec {
        name: "lambda_keys",
        key: FILE_KEY,
        env: None,
        target: FILE_TARGET,
        mode: 0o600,
        primary: true,
    }],
    path_envs: &[],
});

/// The Lambda Cloud provider: the env var, else the key file, and the pod gets the key both
/// ways.
pub const PROVIDER: Hooked = Hooked {
    declared: Declared {
        name: NAME,
        description: "Lambda Cloud API key",
        shapes: &[
            Shape::Env(EnvShape {
                vars: &[EnvVar::same(&[ENV], true)],
            }),
            FILE,
        ],
    },
    after: both_ways,
    describe: |_| {},
};

/// Gives the pod the key as env var and as key file, the file rewritten to hold only
/// `api_key`.
fn both_ways(ctx: &ResolveContext, found: Resolved) -> Result<Resolved> {
    let (env, file) = match entry(&found, ENV) {
        // The shapes stop at the env var, but the key file is read all the same: each reader
        // in the pod then finds the key it finds here.
        Some(env) => {
            let file = match FILE.resolve(NAME, ctx, &mut Looked::new())? {
                Some(f) => key_file(&f)?,
                None => env.clone(),
            };
            (env, file)
        }
        None => {
            let file = key_file(&found)?;
            (file.clone(), file)
        }
    };
    let mut text = b"api_key = ".to_vec();
    text.extend_from_slice(file.0.expose());
    text.push(b'\n');
    let mut r = Resolved::new();
    r.add_env(ENV, env.0, env.1)?;
    r.add_file(FILE_KEY, text, file.1, FILE_TARGET, 0o600)?;
    Ok(r)
}

fn entry(r: &Resolved, key: &str) -> Option<(SecretValue, Origin)> {
    Some((r.data.get(key)?.clone(), r.origins.get(key)?.clone()))
}

/// The key of the `lambda_keys` file that `r` holds.
fn key_file(r: &Resolved) -> Result<(SecretValue, Origin)> {
    let origin = r.origins[FILE_KEY].clone();
    let bytes = r.data.get(FILE_KEY).map(SecretValue::expose);
    Ok((api_key(&origin, bytes.unwrap_or_default())?, origin))
}

/// The `api_key` of a `lambda_keys` file, read as SkyPilot reads it
/// (sky/provision/lambda_cloud/lambda_utils.py, `LambdaCloudClient.__init__`): each line that
/// holds ` = `, stripped, is cut at ` = ` into a name and the text up to the next ` = `; a name
/// given again replaces the earlier value, so the last `api_key` line wins. `api_key=x`
/// without the spaces, or a commented-out `# api_key = x`, is not the key.
fn api_key(origin: &Origin, bytes: &[u8]) -> Result<SecretValue> {
    let err = |detail: &str| Error::Parse {
        what: origin.to_string(),
        detail: detail.to_owned(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| err("not valid UTF-8"))?;
    // Python's text mode ends lines at \n, \r\n and \r alike.
    let lines = text
        .lines()
        .enumerate()
        .flat_map(|(n, l)| l.split('\r').map(move |l| (n, l)));
    let mut key = None;
    for (n, line) in lines {
        if !line.contains(" = ") {
            continue;
        }
        let mut parts = line.trim().split(" = ");
        let name = parts.next().unwrap_or_default();
        if name != "api_key" {
            continue;
        }
        // `api_key = ` with nothing after it: SkyPilot fails on it, so nothing is shipped.
        match parts.next() {
            Some(v) => key = Some(v),
            None => return Err(err(&format!("api_key without a value (line {})", n + 1))),
        }
    }
    key.filter(|k| !k.is_empty())
        .map(SecretValue::from)
        .ok_or_else(|| err("no `api_key = …` line"))
}

kt_secrets_core::register_provider!(PROVIDER);
