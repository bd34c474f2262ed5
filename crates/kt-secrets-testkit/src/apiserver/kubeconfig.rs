//! The kubeconfig a server writes for its clients: one context, the server's CA, a bearer token.

use std::path::Path;

use base64::Engine;
use kube::config::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};

use super::CONTEXT;

pub(super) fn write_kubeconfig(
    path: &Path,
    server: &str,
    ca_pem: &str,
    namespace: &str,
    token: &str,
) {
    let kc = Kubeconfig {
        clusters: vec![NamedCluster {
            name: CONTEXT.to_owned(),
            cluster: Some(Cluster {
                server: Some(server.to_owned()),
                certificate_authority_data: Some(
                    base64::engine::general_purpose::STANDARD.encode(ca_pem),
                ),
                ..Default::default()
            }),
            ..Default::default()
        }],
        auth_infos: vec![NamedAuthInfo {
            name: CONTEXT.to_owned(),
            auth_info: Some(AuthInfo {
                token: Some(token.to_owned().into()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        contexts: vec![NamedContext {
            name: CONTEXT.to_owned(),
            context: Some(Context {
                cluster: CONTEXT.to_owned(),
                user: Some(CONTEXT.to_owned()),
                namespace: Some(namespace.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        current_context: Some(CONTEXT.to_owned()),
        kind: Some("Config".to_owned()),
        api_version: Some("v1".to_owned()),
        ..Default::default()
    };
    // JSON is YAML, and both kube and kubectl read it.
    let text = serde_json::to_vec_pretty(&kc).expect("serialise the kubeconfig");
    std::fs::write(path, text)
        .unwrap_or_else(|e| panic!("write kubeconfig {}: {e}", path.display()));
}
