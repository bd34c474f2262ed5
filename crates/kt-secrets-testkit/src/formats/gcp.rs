//! Google application default credentials (ADC) JSON, as `gcloud auth
//! application-default login` and the IAM console write them.

/// An `authorized_user` ADC file, the kind `gcloud auth application-default login` writes.
pub fn authorized_user(client_secret: &str, refresh_token: &str) -> String {
    format!(
        r#"{{
  "account": "",
  "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
  "client_secret": "{client_secret}",
  "quota_project_id": "kt-fixture-project",
  "refresh_token": "{refresh_token}",
  "type": "authorized_user",
  "universe_domain": "googleapis.com"
}}
"#
    )
}

/// A `service_account` key file, as downloaded from the console. `private_key_body` is
/// placed inside a PKCS#8 PEM block, with the `\n` escapes JSON needs.
pub fn service_account(project: &str, private_key_body: &str) -> String {
    format!(
        r#"{{
  "type": "service_account",
  "project_id": "{project}",
  "private_key_id": "0f3c2a9d8e7b6a5f4e3d2c1b0a998877",
  "private_key": "-----BEGIN PRIVATE KEY-----\n{private_key_body}\n-----END PRIVATE KEY-----\n",
  "client_email": "trainer@{project}.iam.gserviceaccount.com",
  "client_id": "104729430184962839120",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/trainer%40{project}.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}}
"#
    )
}
