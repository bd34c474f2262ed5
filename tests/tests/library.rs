//! The library route end to end, as a user's program would take it: the facade's built-in
//! providers and a plugin loaded at run time, in one registry, mounted into one pod.

use kt_secrets::k8s_openapi::api::core::v1::EnvVar;
use kt_secrets::{Compute, ProviderOrigin, Registry, plugin};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::plugins::{build_cdylib, install_plugin, lib_name};

const CANARY: &str = "canary-e2e-5d1f";

#[tokio::test]
async fn builtin_and_plugin_providers_mount_into_one_pod() {
    let lib = build_cdylib("kt-provider-example-plugin");
    let machine = FixtureHome::new()
        .env("OPENAI_API_KEY", CANARY)
        .file(".config/envdir/SERVICE_TOKEN", format!("{CANARY}-envdir\n"))
        .file(".ssh/id_ed25519", format!("{CANARY}-ssh"))
        .canary(CANARY);
    install_plugin(&lib, &machine.path("plugins"), &lib_name("envdir"));
    let machine = machine.env_path(plugin::PLUGIN_PATH_ENV, "plugins");
    let ctx = machine.context();

    let (registry, errors) = Registry::with_plugins(&ctx).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(matches!(
        registry.entry("envdir").unwrap().origin,
        ProviderOrigin::Dynamic { .. }
    ));
    assert!(matches!(
        registry.entry("openai").unwrap().origin,
        ProviderOrigin::Static { .. }
    ));

    let resolved = Compute::new()
        .gpus(1)
        .with_container_home("/home/app")
        .with_secrets(["openai", "envdir", "ssh"])
        .resolve(&registry, &ctx, None)
        .await
        .unwrap();
    let pod = resolved.pod();
    let container = &pod.spec.as_ref().unwrap().containers[0];
    let env: Vec<&EnvVar> = container.env.iter().flatten().collect();
    let from = |var: &str| {
        env.iter()
            .find(|e| e.name == var)
            .and_then(|e| e.value_from.as_ref()?.secret_key_ref.as_ref())
            .map(|r| r.name.clone())
    };
    assert_eq!(
        from("OPENAI_API_KEY").as_deref(),
        Some("kt.secret.global.openai")
    );
    assert_eq!(
        from("SERVICE_TOKEN").as_deref(),
        Some("kt.secret.global.envdir")
    );
    let mounts: Vec<&str> = container
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| m.mount_path.as_str())
        .collect();
    assert_eq!(mounts, ["/home/app/.ssh/id_ed25519"]);

    let manifests = resolved.secret_manifests();
    assert_eq!(manifests.len(), 3);
    let shown = format!("{:?} {:?}", resolved.secrets(), pod);
    assert!(!shown.contains(CANARY), "a value reached Debug output");
}
