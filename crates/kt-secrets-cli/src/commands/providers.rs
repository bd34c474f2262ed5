//! `kt-secrets providers`: the providers of this program and its plugins, where each looks
//! and what the pod gets.

use kt_secrets::ProviderOrigin;
use serde_json::json;

use super::{Env, Result};
use crate::cli::{ProvidersArgs, TableOrJson};
use crate::output::{self, Table, print};

pub(super) fn providers(env: &Env, a: ProvidersArgs) -> Result<()> {
    let registry = env.registry()?;
    match a.output {
        TableOrJson::Json => {
            let items: Vec<_> = registry
                .entries()
                .map(|e| {
                    let info = e.provider.info();
                    let origin = match &e.origin {
                        ProviderOrigin::Static { crate_name } => {
                            json!({"type": "builtin", "crate": crate_name})
                        }
                        ProviderOrigin::Dynamic { path } => {
                            json!({"type": "plugin", "path": path})
                        }
                    };
                    json!({
                        "name": e.provider.name(),
                        "description": info.description,
                        "origin": origin,
                        "sources": info.sources,
                        "targets": info.targets,
                        "defaultDirs": info.default_dirs,
                        "rotation": kt_secrets::kube::rotation_of_targets(&info.targets).as_str(),
                    })
                })
                .collect();
            print(&output::json(&items)?)?;
        }
        TableOrJson::Table => {
            let mut t = Table::new(&[
                "NAME",
                "LOOKS AT (FIRST FOUND WINS)",
                "POD GETS",
                "ROTATION",
                "FROM",
            ]);
            t.no_headers(a.no_headers);
            for e in registry.entries() {
                let info = e.provider.info();
                t.row(vec![
                    e.provider.name().to_owned(),
                    info.sources.join("\n"),
                    info.targets.join("\n"),
                    kt_secrets::kube::rotation_of_targets(&info.targets).to_string(),
                    e.origin.to_string(),
                ]);
            }
            print(&t.to_text())?;
        }
    }
    Ok(())
}
