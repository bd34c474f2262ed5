//! envdir as kt-secrets sees it when loaded as a plugin: found through KT_SECRETS_PLUGIN_PATH,
//! listed like a built-in provider, with values and errors intact across the boundary, and
//! left out with a clear error when the same program also links it in.

mod support;

use kt_provider_example_plugin::{Envdir, PROVIDER};
use kt_secrets_core::{Error, Provider, ProviderOrigin, Registry, plugin};
use kt_secrets_testkit::FixtureHome;

/// The plugin installed in its own directory, named by `KT_SECRETS_PLUGIN_PATH` of `machine`.
fn machine_with_plugin() -> (FixtureHome, std::path::PathBuf) {
    let lib = support::build_cdylib("kt-provider-example-plugin");
    let machine = FixtureHome::new();
    let installed = support::install(&lib, &machine.path("plugins"), &support::lib_name("envdir"));
    let machine = machine.env_path(plugin::PLUGIN_PATH_ENV, "plugins");
    (machine, installed)
}

fn loaded(machine: &FixtureHome) -> Registry {
    let mut registry = Registry::empty();
    let errors = plugin::load_plugins(&machine.context(), &mut registry);
    assert!(errors.is_empty(), "{errors:?}");
    registry
}

#[tokio::test]
async fn found_through_the_plugin_path_and_listed() {
    let (machine, installed) = machine_with_plugin();
    let registry = loaded(&machine);
    assert_eq!(registry.names().collect::<Vec<_>>(), ["envdir"]);
    let entry = registry.entry("envdir").unwrap();
    assert_eq!(
        entry.origin,
        ProviderOrigin::Dynamic {
            path: installed.clone()
        }
    );
    assert_eq!(
        entry.origin.to_string(),
        format!("plugin {}", installed.display())
    );
    assert_eq!(entry.provider.info(), Envdir.info());
}

#[tokio::test]
async fn values_and_errors_cross_the_boundary_intact() {
    let (machine, _) = machine_with_plugin();
    let registry = loaded(&machine);
    let plugin = registry.get("envdir").unwrap();

    let home = FixtureHome::new()
        .file(".config/envdir/BINARY", b"a\0b\xff\xfe \n")
        .file(".config/envdir/TEXT", "plain");
    let via_plugin = plugin.resolve(&home.context()).await.unwrap();
    let linked = PROVIDER.resolve(&home.context()).await.unwrap();
    assert_eq!(via_plugin, linked);
    assert_eq!(
        via_plugin.data.get("BINARY").unwrap().expose(),
        b"a\nb\xff\xfe"
    );

    let empty = FixtureHome::new();
    let e = plugin.resolve(&empty.context()).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    assert_eq!(
        e.to_string(),
        PROVIDER
            .resolve(&empty.context())
            .await
            .unwrap_err()
            .to_string()
    );

    let broken = FixtureHome::new().dir(".config/envdir/SUB");
    let e = plugin.resolve(&broken.context()).await.unwrap_err();
    assert!(matches!(e, Error::Provider { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "provider envdir: {} is a directory, expected a file",
            broken.path(".config/envdir/SUB").display()
        )
    );
}

#[tokio::test]
async fn linked_in_and_installed_is_a_clash_naming_both() {
    // Naming the crate keeps its `register_provider!` entry in this test binary.
    let _ = &PROVIDER;
    let (machine, installed) = machine_with_plugin();
    let mut registry = Registry::builtin().unwrap();
    assert_eq!(
        registry.entry("envdir").unwrap().origin,
        ProviderOrigin::Static {
            crate_name: "kt-provider-example-plugin".to_owned()
        }
    );
    let errors = plugin::load_plugins(&machine.context(), &mut registry);
    let [e] = &errors[..] else {
        panic!("{errors:?}")
    };
    assert_eq!(
        e.to_string(),
        format!(
            "plugin {}: provides \"envdir\", which is already registered by crate kt-provider-example-plugin",
            installed.display()
        )
    );
    // The linked-in provider keeps working.
    let home = FixtureHome::new().file(".config/envdir/A", "1");
    assert!(
        registry
            .get("envdir")
            .unwrap()
            .resolve(&home.context())
            .await
            .is_ok()
    );
}
