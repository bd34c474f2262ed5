//! envdir passes the provider conformance suite loaded as a plugin, the way kt-secrets loads
//! it, and linked in as a crate.

mod support;

use kt_secrets_core::{Provider, ProviderOrigin, Registry, plugin};
use kt_secrets_testkit::{FixtureHome, conformance::Conformance};

fn envdir_fixtures(provider: &dyn Provider) -> Conformance<'_> {
    Conformance::new(provider)
        .found(
            "default directory",
            FixtureHome::new()
                .file(".config/envdir/API_TOKEN", "canary-envdir-token\n")
                .file(".config/envdir/REGION", "canary-envdir-region")
                .canary("canary-envdir-token")
                .canary("canary-envdir-region"),
        )
        .found(
            "ENVDIR",
            FixtureHome::new()
                .file(
                    "project/env/DB_PASSWORD",
                    "canary-envdir-db \t\nsecond line",
                )
                .env_path("ENVDIR", "project/env")
                .canary("canary-envdir-db"),
        )
        .unreadable(
            "variable file",
            FixtureHome::new().file(".config/envdir/API_TOKEN", "canary-envdir-unread"),
            "~/.config/envdir/API_TOKEN",
        )
        .unreadable(
            "variable file under ENVDIR",
            FixtureHome::new()
                .file("project/env/TOKEN", "canary-envdir-unread-2")
                .env_path("ENVDIR", "project/env"),
            "~/project/env/TOKEN",
        )
        .looks_at(&["env ENVDIR", "~/.config/envdir"])
}

#[tokio::test]
async fn envdir_plugin_conforms_through_the_loader() {
    let lib = support::build_cdylib("kt-provider-example-plugin");
    // A user's machine with the plugin in the default plugin directory of its HOME.
    let machine = FixtureHome::new();
    let installed = support::install(
        &lib,
        &machine.path(plugin::DEFAULT_PLUGIN_DIR),
        &support::lib_name("envdir"),
    );
    let mut registry = Registry::empty();
    let errors = plugin::load_plugins(&machine.context(), &mut registry);
    assert!(errors.is_empty(), "{errors:?}");
    let entry = registry.entry("envdir").unwrap();
    assert_eq!(entry.origin, ProviderOrigin::Dynamic { path: installed });
    envdir_fixtures(&*entry.provider).run().await;
}

#[tokio::test]
async fn envdir_linked_in_conforms() {
    envdir_fixtures(&kt_provider_example_plugin::PROVIDER)
        .run()
        .await;
}
