//! `~/.lambda_cloud/lambda_keys`, the key file Lambda Cloud's tools read: `key = value` lines.

/// A `lambda_keys` file holding `api_key`, with a comment and a trailing newline.
pub fn lambda_keys(api_key: &str) -> String {
    format!("# Lambda Cloud API key, from https://cloud.lambda.ai/api-keys\napi_key = {api_key}\n")
}
