//! The plugin loader: what it loads, and the error it gives, naming the file, for each way a
//! plugin can be wrong, while the other plugins keep working.

#[path = "plugins/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kt_secrets_core::plugin::{self, PLUGIN_PATH_ENV, PluginTable};
use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};
use kt_secrets_core::{Error, Mount, Origin, ProviderOrigin, Registry, ResolveContext};
use support::{lib_name, plugin_dir, raw_plugin, set_mode, test_plugin};

/// A machine whose `KT_SECRETS_PLUGIN_PATH` is `dirs`, with no default plugin directory.
fn machine(dirs: &[&Path]) -> ResolveContext {
    let path: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    ResolveContext::new("/nonexistent/kt-home").with_env(PLUGIN_PATH_ENV, path.join(":"))
}

/// Loads the plugins of `dirs` into `registry`; returns the errors as text.
fn load_into(registry: &mut Registry, dirs: &[&Path]) -> Vec<String> {
    plugin::load_plugins(&machine(dirs), registry)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn load(dirs: &[&Path]) -> (Registry, Vec<String>) {
    let mut r = Registry::empty();
    let errors = load_into(&mut r, dirs);
    (r, errors)
}

/// The one error of loading `dir`, which must load nothing.
fn only_error(dir: &Path) -> String {
    let (r, errors) = load(&[dir]);
    assert!(r.is_empty(), "{r:?}");
    let [e] = &errors[..] else {
        panic!("expected one error: {errors:?}")
    };
    e.clone()
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

#[tokio::test]
async fn a_plugin_written_by_hand_against_the_abi_works() {
    let dir = plugin_dir();
    let lib = raw_plugin("none", dir.path(), &lib_name("raw"));
    let (r, errors) = load(&[dir.path()]);
    assert!(errors.is_empty(), "{errors:?}");
    let entry = r.entry("raw").unwrap();
    assert_eq!(entry.origin, ProviderOrigin::Dynamic { path: lib });
    assert_eq!(entry.provider.info().targets, ["env RAW"]);
    let got = entry
        .provider
        .resolve(&ResolveContext::new("/h"))
        .await
        .unwrap();
    assert_eq!(got.data.get("RAW").unwrap().expose(), b"hi");
    assert_eq!(got.mounts, [Mount::env("RAW", "RAW")]);
    assert_eq!(got.origins["RAW"], Origin::Literal);
}

#[test]
fn not_a_library() {
    let dir = plugin_dir();
    let lib = dir.path().join(lib_name("notalib"));
    std::fs::write(&lib, "#!/bin/sh\necho this is not a library\n").unwrap();
    set_mode(&lib, 0o644);
    let e = only_error(dir.path());
    let prefix = format!(
        "plugin {}: cannot be loaded as a dynamic library: ",
        shown(&lib)
    );
    assert!(e.starts_with(&prefix), "{e}");
    eprintln!("{e}");
}

#[test]
fn missing_entry_symbol() {
    let dir = plugin_dir();
    let lib = raw_plugin("no_entry", dir.path(), &lib_name("noentry"));
    assert_eq!(
        only_error(dir.path()),
        format!(
            "plugin {}: has no symbol kt_secrets_plugin_v1: not a kt-secrets plugin (export one with kt_secrets_core::export_provider!)",
            shown(&lib)
        )
    );
}

#[test]
fn another_abi_version() {
    let dir = plugin_dir();
    let lib = raw_plugin("abi_v2", dir.path(), &lib_name("abiv2"));
    assert_eq!(
        only_error(dir.path()),
        format!(
            "plugin {}: built for plugin ABI version 2, but this kt-secrets speaks version 1; rebuild it against a matching kt-secrets-core",
            shown(&lib)
        )
    );
}

#[test]
fn a_table_too_short_for_its_version() {
    let dir = plugin_dir();
    let lib = raw_plugin("short_table", dir.path(), &lib_name("short"));
    assert_eq!(
        only_error(dir.path()),
        format!(
            "plugin {}: its ABI version 1 table is {} bytes, expected at least {}; rebuild it against a matching kt-secrets-core",
            shown(&lib),
            4 + 4 + std::mem::size_of::<usize>(),
            std::mem::size_of::<PluginTable>()
        )
    );
}

#[test]
fn an_invalid_provider_name() {
    let dir = plugin_dir();
    let lib = raw_plugin("bad_name", dir.path(), &lib_name("badname"));
    assert_eq!(
        only_error(dir.path()),
        format!(
            "plugin {}: its provider name \"Not A Name\" is invalid: use lowercase letters, digits and '-', starting with a letter, at most 63 characters",
            shown(&lib)
        )
    );
}

#[test]
fn bad_json_from_info() {
    let dir = plugin_dir();
    let lib = raw_plugin("bad_info_json", dir.path(), &lib_name("badinfo"));
    assert_eq!(
        only_error(dir.path()),
        format!(
            "plugin {}: the answer of info is truncated JSON (line 1, column 21)",
            shown(&lib)
        )
    );
}

#[tokio::test]
async fn bad_json_from_resolve_never_quotes_it() {
    let dir = plugin_dir();
    let lib = raw_plugin("bad_resolve_json", dir.path(), &lib_name("badresolve"));
    let (r, errors) = load(&[dir.path()]);
    assert!(errors.is_empty(), "{errors:?}");
    let e = r
        .get("raw")
        .unwrap()
        .resolve(&ResolveContext::new("/h"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Plugin { .. }), "{e}");
    let msg = e.to_string();
    assert_eq!(
        msg,
        format!(
            "plugin {}: the answer of resolve is JSON of the wrong shape (line 1, column 64)",
            shown(&lib)
        )
    );
    assert!(!msg.contains("canary"), "{msg}");
    assert!(!format!("{e:?}").contains("canary"), "{e:?}");
}

#[tokio::test]
async fn a_panic_in_resolve_is_an_error_and_the_plugin_keeps_working() {
    let dir = plugin_dir();
    let lib = test_plugin(dir.path(), &lib_name("test_plugin"));
    let (r, errors) = load(&[dir.path()]);
    assert!(errors.is_empty(), "{errors:?}");
    let p = r.get("test-plugin").unwrap();

    let e = p
        .resolve(&ResolveContext::new("/h").with_env("TEST_PLUGIN_DO", "panic"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Plugin { .. }), "{e}");
    let msg = e.to_string();
    let start = format!(
        "plugin {}: provider test-plugin panicked in resolve at crates/kt-secrets-core/tests/plugins/test-plugin/src/lib.rs:",
        shown(&lib)
    );
    assert!(msg.starts_with(&start), "{msg}");
    assert!(
        msg.ends_with(" (the panic message is withheld: it may hold a secret value)"),
        "{msg}"
    );
    assert!(!msg.contains("canary"), "{msg}");
    eprintln!("{msg}");

    let again = p
        .resolve(&ResolveContext::new("/h").with_env("TEST_PLUGIN_DO", "tokio"))
        .await
        .unwrap();
    assert_eq!(again.data.get("RAN").unwrap().expose(), b"ran\n");
}

/// The plugin runs its own tokio runtime, with timers and processes, even when the host calls
/// it from inside a multi-threaded tokio runtime of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_provider_runs_tokio_futures_and_passes_errors_through() {
    let dir = plugin_dir();
    test_plugin(dir.path(), &lib_name("test_plugin"));
    let (r, _) = load(&[dir.path()]);
    let p = r.get("test-plugin").unwrap();
    let got = p
        .resolve(&ResolveContext::new("/h").with_env("TEST_PLUGIN_DO", "tokio"))
        .await
        .unwrap();
    assert_eq!(got.mounts, [Mount::env("RAN", "RAN")]);
    assert_eq!(
        got.origins["RAN"],
        Origin::Command("sh -c 'echo ran'".to_owned())
    );

    let e = p.resolve(&ResolveContext::new("/h")).await.unwrap_err();
    assert!(e.is_nothing_found(), "{e}");
    assert_eq!(
        e.to_string(),
        "provider test-plugin: nothing found; looked in env TEST_PLUGIN_DO"
    );
}

const RAW_BUILT_IN: Declared = Declared {
    name: "raw",
    description: "a built-in provider that happens to share the plugin's name",
    shapes: &[Shape::Env(EnvShape {
        vars: &[EnvVar::same(&["RAW"], true)],
    })],
};

#[test]
fn a_name_already_built_in_is_a_clash_naming_both() {
    let dir = plugin_dir();
    let lib = raw_plugin("none", dir.path(), &lib_name("raw"));
    let mut r = Registry::empty();
    r.add(
        Arc::new(RAW_BUILT_IN),
        ProviderOrigin::Static {
            crate_name: "kt-provider-raw".to_owned(),
        },
    )
    .unwrap();
    let errors = load_into(&mut r, &[dir.path()]);
    assert_eq!(
        errors,
        [format!(
            "plugin {}: provides \"raw\", which is already registered by crate kt-provider-raw",
            shown(&lib)
        )]
    );
    assert!(matches!(
        r.entry("raw").unwrap().origin,
        ProviderOrigin::Static { .. }
    ));
}

#[test]
fn two_plugins_of_one_name_clash_and_the_first_wins() {
    let (a, b) = (plugin_dir(), plugin_dir());
    let first = raw_plugin("none", a.path(), &lib_name("raw"));
    let second = raw_plugin("none", b.path(), &lib_name("raw-copy"));
    let (r, errors) = load(&[a.path(), b.path()]);
    assert_eq!(
        errors,
        [format!(
            "plugin {}: provides \"raw\", which is already registered by plugin {}",
            shown(&second),
            shown(&first)
        )]
    );
    assert_eq!(
        r.entry("raw").unwrap().origin,
        ProviderOrigin::Dynamic { path: first }
    );
}

#[test]
fn a_directory_listed_twice_loads_each_plugin_once() {
    let dir = plugin_dir();
    raw_plugin("none", dir.path(), &lib_name("raw"));
    let (r, errors) = load(&[dir.path(), dir.path()]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.len(), 1);
}

#[test]
fn broken_plugins_are_left_out_and_the_others_keep_working() {
    let dir = plugin_dir();
    let d = dir.path();
    let notalib = d.join(lib_name("a-notalib"));
    std::fs::write(&notalib, "not a library").unwrap();
    set_mode(&notalib, 0o644);
    let broken: Vec<PathBuf> = [
        ("no_entry", "b-noentry"),
        ("abi_v2", "c-abiv2"),
        ("short_table", "d-short"),
        ("bad_name", "e-badname"),
        ("bad_info_json", "f-badinfo"),
    ]
    .iter()
    .map(|(defect, name)| raw_plugin(defect, d, &lib_name(name)))
    .chain([notalib])
    .collect();
    raw_plugin("none", d, &lib_name("g-raw"));
    test_plugin(d, &lib_name("h-test-plugin"));
    std::fs::write(d.join("README.md"), "plugins live here").unwrap();

    let (r, errors) = load(&[d]);
    assert_eq!(r.names().collect::<Vec<_>>(), ["raw", "test-plugin"]);
    assert_eq!(errors.len(), broken.len(), "{errors:#?}");
    for lib in &broken {
        let want = format!("plugin {}: ", shown(lib));
        assert!(
            errors.iter().any(|e| e.starts_with(&want)),
            "no error for {}: {errors:#?}",
            lib.display()
        );
    }
}

#[test]
fn plugin_directories() {
    let missing = Path::new("/nonexistent/kt-plugins");
    assert_eq!(
        load(&[missing]).1,
        [format!(
            "plugin {}: directory named in KT_SECRETS_PLUGIN_PATH does not exist",
            shown(missing)
        )]
    );

    let dir = plugin_dir();
    let file = dir.path().join("plain");
    std::fs::write(&file, "").unwrap();
    assert_eq!(
        load(&[&file]).1,
        [format!("plugin {}: is not a directory", shown(&file))]
    );

    // The default directory is optional; when present, it is searched after the path.
    let home = tempfile::tempdir().unwrap();
    let ctx = ResolveContext::new(home.path());
    let mut r = Registry::empty();
    assert!(plugin::load_plugins(&ctx, &mut r).is_empty());
    assert!(r.is_empty());
    let default = home.path().join(plugin::DEFAULT_PLUGIN_DIR);
    std::fs::create_dir_all(&default).unwrap();
    set_mode(&default, 0o700);
    let lib = raw_plugin("none", &default, &lib_name("raw"));
    let (r, errors) = Registry::with_plugins(&ctx).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        r.entry("raw").unwrap().origin,
        ProviderOrigin::Dynamic { path: lib }
    );
}

#[cfg(unix)]
mod permissions {
    use super::*;

    #[test]
    fn a_group_writable_library_is_refused() {
        let dir = plugin_dir();
        let lib = raw_plugin("none", dir.path(), &lib_name("raw"));
        set_mode(&lib, 0o775);
        assert_eq!(
            only_error(dir.path()),
            format!(
                "plugin {}: refusing to load it: the file is writable by its group (mode 0775); run chmod g-w on it",
                shown(&lib)
            )
        );
    }

    #[test]
    fn a_world_writable_directory_is_refused_with_all_it_holds() {
        let dir = plugin_dir();
        raw_plugin("none", dir.path(), &lib_name("raw"));
        set_mode(dir.path(), 0o777);
        assert_eq!(
            only_error(dir.path()),
            format!(
                "plugin {}: refusing to load plugins from this directory: it is writable by others (mode 0777); run chmod o-w on it",
                shown(dir.path())
            )
        );
    }

    #[test]
    fn a_symlink_to_a_library_in_an_unsafe_directory_is_refused() {
        let (safe, unsafe_dir) = (plugin_dir(), plugin_dir());
        let real = raw_plugin("none", unsafe_dir.path(), &lib_name("raw"));
        set_mode(unsafe_dir.path(), 0o770);
        let link = safe.path().join(lib_name("raw"));
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let real_dir = std::fs::canonicalize(unsafe_dir.path()).unwrap();
        assert_eq!(
            only_error(safe.path()),
            format!(
                "plugin {}: refusing to load it: it links into {}, which is writable by its group (mode 0770); run chmod g-w on it",
                shown(&link),
                shown(&real_dir)
            )
        );
    }

    /// Needs root to give a file away; the rule itself is also tested without root, in
    /// `plugin::tests::permission_rules`.
    #[test]
    fn a_library_owned_by_another_user_is_refused() {
        let dir = plugin_dir();
        let lib = raw_plugin("none", dir.path(), &lib_name("raw"));
        match std::os::unix::fs::chown(&lib, Some(4242), None) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                eprintln!("not root: cannot give {} away; skipped", lib.display());
                return;
            }
            Err(e) => panic!("chown: {e}"),
        }
        let e = only_error(dir.path());
        let want = format!(
            "plugin {}: refusing to load it: the file is owned by uid 4242, not by the current user (uid ",
            shown(&lib)
        );
        assert!(e.starts_with(&want), "{e}");
        assert!(e.ends_with(") or root"), "{e}");
    }
}

/// A FIFO named like a library would block dlopen forever; it and a directory so named are
/// each refused on their own, and the plugin next to them still loads.
#[cfg(unix)]
#[test]
fn special_files_named_like_libraries_are_refused_one_by_one() {
    let dir = plugin_dir();
    let d = dir.path().to_path_buf();
    let fifo = kt_secrets_testkit::special::mkfifo(&d, &lib_name("a-fifo"));
    let subdir = d.join(lib_name("b-dir"));
    std::fs::create_dir(&subdir).unwrap();
    set_mode(&subdir, 0o755);
    raw_plugin("none", &d, &lib_name("c-raw"));
    let (r, errors) = kt_secrets_testkit::special::within_seconds(60, move || {
        let (r, errors) = load(&[&d]);
        (r.names().map(str::to_owned).collect::<Vec<_>>(), errors)
    });
    assert_eq!(r, ["raw"]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.iter().any(|e| e
            == &format!(
                "plugin {}: refusing to load it: it is a FIFO (named pipe), not a regular file",
                shown(&fifo)
            )),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("plugin {}: refusing", shown(&subdir)))),
        "{errors:#?}"
    );
}
