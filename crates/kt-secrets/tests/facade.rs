//! Every enabled provider is reachable through the facade alone, and nothing else is.

use kt_secrets::{ENABLED_PROVIDERS, Registry};

#[test]
fn every_enabled_provider_is_registered_and_nothing_else() {
    let registry = Registry::builtin().expect("no duplicate provider names");
    let mut names: Vec<&str> = registry.names().collect();
    names.sort();
    let mut expected = ENABLED_PROVIDERS.to_vec();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn listing_has_descriptions_sources_and_targets() {
    let registry = Registry::builtin().unwrap();
    for e in registry.entries() {
        let info = e.provider.info();
        let name = e.provider.name();
        assert!(!info.description.is_empty(), "{name}: no description");
        assert!(!info.sources.is_empty(), "{name}: no sources");
        assert!(!info.targets.is_empty(), "{name}: no targets");
    }
}
