//! The files the Azure CLI keeps under `~/.azure` (or `$AZURE_CONFIG_DIR`).

/// `azureProfile.json`: the subscriptions of the logged-in account. The CLI writes it with a
/// UTF-8 byte order mark, so this does too.
pub fn azure_profile(subscription_id: &str, tenant_id: &str) -> String {
    format!(
        "\u{feff}{{\"installationId\": \"5e0b6c4a-1f51-11ef-9a3c-0242ac120002\", \"subscriptions\": [\
{{\"id\": \"{subscription_id}\", \"name\": \"Training\", \"state\": \"Enabled\", \
\"user\": {{\"name\": \"dev@example.com\", \"type\": \"user\"}}, \"isDefault\": true, \
\"tenantId\": \"{tenant_id}\", \"environmentName\": \"AzureCloud\", \
\"homeTenantId\": \"{tenant_id}\", \"managedByTenants\": []}}, \
{{\"id\": \"00000000-0000-0000-0000-00000000beef\", \"name\": \"Sandbox\", \"state\": \"Enabled\", \
\"user\": {{\"name\": \"dev@example.com\", \"type\": \"user\"}}, \"isDefault\": false, \
\"tenantId\": \"{tenant_id}\", \"environmentName\": \"AzureCloud\", \
\"homeTenantId\": \"{tenant_id}\", \"managedByTenants\": []}}]}}\n"
    )
}

/// `msal_token_cache.json`: MSAL's token cache, holding an access and a refresh token.
pub fn msal_token_cache(access_token: &str, refresh_token: &str) -> String {
    format!(
        r#"{{
    "AccessToken": {{
        "uid.utid-login.microsoftonline.com-accesstoken-04b07795-8ddb-461a-bbee-02f9e1bf7b46-organizations-https://management.core.windows.net//user_impersonation": {{
            "credential_type": "AccessToken",
            "secret": "{access_token}",
            "home_account_id": "uid.utid",
            "environment": "login.microsoftonline.com",
            "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "target": "https://management.core.windows.net//user_impersonation",
            "realm": "organizations",
            "token_type": "Bearer",
            "cached_at": "1718000000",
            "expires_on": "1718003600",
            "extended_expires_on": "1718003600"
        }}
    }},
    "RefreshToken": {{
        "uid.utid-login.microsoftonline.com-refreshtoken-04b07795-8ddb-461a-bbee-02f9e1bf7b46--https://management.core.windows.net//user_impersonation": {{
            "credential_type": "RefreshToken",
            "secret": "{refresh_token}",
            "home_account_id": "uid.utid",
            "environment": "login.microsoftonline.com",
            "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "target": "https://management.core.windows.net//user_impersonation",
            "last_modification_time": "1718000000",
            "family_id": "1"
        }}
    }},
    "IdToken": {{}},
    "Account": {{}},
    "AppMetadata": {{}}
}}
"#
    )
}

/// `service_principal_entries.json`: service principals logged in with `az login
/// --service-principal`, two of them.
pub fn service_principal_entries(tenant_id: &str, secret_a: &str, secret_b: &str) -> String {
    format!(
        "[{{\"client_id\": \"11111111-2222-3333-4444-555555555555\", \"tenant\": \"{tenant_id}\", \
\"client_secret\": \"{secret_a}\"}}, {{\"client_id\": \"66666666-7777-8888-9999-000000000000\", \
\"tenant\": \"{tenant_id}\", \"client_secret\": \"{secret_b}\"}}]\n"
    )
}

/// `config`: the CLI's INI settings file.
pub fn config() -> String {
    "# written by `az config set`\n[cloud]\nname = AzureCloud\n\n[core]\noutput = json\n\
collect_telemetry = no\n\n; defaults for new resources\n[defaults]\nlocation = westeurope\n"
        .to_owned()
}

/// `clouds.config`: the subscription selected per cloud.
pub fn clouds_config(subscription_id: &str) -> String {
    format!("[AzureCloud]\nsubscription = {subscription_id}\n\n[AzureUSGovernment]\n")
}
