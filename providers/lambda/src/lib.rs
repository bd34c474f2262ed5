//! Lambda Cloud: `LAMBDA_API_KEY`, else `api_key = …` in `~/.lambda_cloud/lambda_keys`.
//!
//! The pod gets the key both ways whichever the laptop had, because Lambda's tools read the
//! key file and scripts read the env var. The file is rewritten to hold only `api_key`.

use ini::{Ini, ParseOption};
use kt_secrets_core::shapes::{
    EnvShape, EnvVar, FileShape, FileSpec, Shape, describe, first_found,
};
use kt_secrets_core::{
    Error, Origin, Provider, ProviderInfo, ResolveContext, Resolved, Result, SecretValue,
};

const NAME: &str = "lambda";
const ENV: &str = "LAMBDA_API_KEY";
const FILE_KEY: &str = "lambda_keys";
const FILE_TARGET: &str = "~/.lambda_cloud/lambda_keys";

const SHAPES: &[Shape] = &[
    Shape::Env(EnvShape {
        vars: &[EnvVar::same(&[ENV], true)],
    }),
    Shape::Files(FileShape {
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
    }),
];

#[derive(Debug)]
pub struct Lambda;

pub const PROVIDER: Lambda = Lambda;

#[async_trait::async_trait]
impl Provider for Lambda {
    fn name(&self) -> &str {
        NAME
    }

    fn info(&self) -> ProviderInfo {
        describe("Lambda Cloud API key", SHAPES)
    }

    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let found = first_found(NAME, ctx, SHAPES)?;
        let (key, origin) = match found.data.get(ENV) {
            Some(v) => (v.clone(), found.origins[ENV].clone()),
            None => {
                let origin = found.origins[FILE_KEY].clone();
                let bytes = found.data.get(FILE_KEY).map(SecretValue::expose);
                (api_key(&origin, bytes.unwrap_or_default())?, origin)
            }
        };
        let mut file = b"api_key = ".to_vec();
        file.extend_from_slice(key.expose());
        file.push(b'\n');
        let mut r = Resolved::new();
        r.add_env(ENV, key, origin.clone())?;
        r.add_file(FILE_KEY, file, origin, FILE_TARGET, 0o600)?;
        Ok(r)
    }
}

/// The `api_key` of a `lambda_keys` file.
fn api_key(origin: &Origin, bytes: &[u8]) -> Result<SecretValue> {
    let err = |detail: &str| Error::Parse {
        what: origin.to_string(),
        detail: detail.to_owned(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| err("not valid UTF-8"))?;
    let opt = ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ParseOption::default()
    };
    let ini = Ini::load_from_str_opt(text, opt).map_err(|e| {
        err(&kt_secrets_core::parse_errors::ini_detail(
            e.line, e.col, &e.msg,
        ))
    })?;
    ini.general_section()
        .get("api_key")
        .filter(|k| !k.is_empty())
        .map(SecretValue::from)
        .ok_or_else(|| err("no api_key"))
}

kt_secrets_core::register_provider!(PROVIDER);
