//! What only a whole process shows, so this test (`harness = false`) runs itself as a child
//! process with the environment under test:
//! - `Registry::global()` loads the plugins of the process's `KT_SECRETS_PLUGIN_PATH`, and
//!   leaves a broken one out with a warning naming it while the others work;
//! - a plugin that panics prints nothing of the panic message (it may hold a secret value),
//!   on stdout or stderr, and keeps working.

#[path = "plugins/support.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use kt_secrets_core::{Registry, ResolveContext};
use support::{lib_name, plugin_dir, raw_plugin, test_plugin};

const CHILD: &str = "KT_PLUGIN_PROCESS_TEST_CHILD";
/// Planted in the panic message of `plugins/test-plugin`.
const PANIC_CANARY: &str = "canary-panic-payload-5e1f";

fn main() {
    match std::env::var(CHILD).as_deref() {
        Ok("global") => child_global(),
        Ok("panic") => child_panic(),
        Ok(other) => panic!("unknown child mode {other}"),
        Err(_) => parent(),
    }
}

fn child(mode: &str, plugin_dir: &Path, home: &Path) -> Output {
    let out = Command::new(std::env::current_exe().expect("current exe"))
        .env(CHILD, mode)
        .env("KT_SECRETS_PLUGIN_PATH", plugin_dir)
        .env("HOME", home)
        .env_remove("RUST_LOG")
        .output()
        .expect("run the child");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        out.status.success(),
        "child {mode} failed\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn parent() {
    let dir = plugin_dir();
    let home = tempfile::tempdir().expect("temp HOME");
    raw_plugin("none", dir.path(), &lib_name("raw"));
    let broken = raw_plugin("abi_v2", dir.path(), &lib_name("abiv2"));
    test_plugin(dir.path(), &lib_name("test_plugin"));

    let out = child("global", dir.path(), home.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let error = format!(
        "plugin {}: built for plugin ABI version 2, but this kt-secrets speaks version 1; rebuild it against a matching kt-secrets-core",
        broken.display()
    );
    assert_eq!(
        stdout,
        format!("providers: raw, test-plugin\nleft out: {error}\n")
    );
    let warning = format!("{error}; left out, the other providers are unaffected");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(" WARN ") && l.ends_with(&warning)),
        "no warning naming {} in:\n{stderr}",
        broken.display()
    );

    let out = child("panic", dir.path(), home.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("panicked in resolve at "), "{stdout}");
    assert!(stdout.ends_with("then resolved RAN\n"), "{stdout}");
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains(PANIC_CANARY),
            "panic message on {name}:\n{text}"
        );
    }
    println!("plugin_process: Registry::global and panic output checks passed");
}

fn child_global() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let registry = Registry::global().expect("global registry");
    let names: Vec<&str> = registry.names().collect();
    println!("providers: {}", names.join(", "));
    for e in Registry::global_plugin_errors() {
        println!("left out: {e}");
    }
}

fn child_panic() {
    let registry = Registry::global().expect("global registry");
    let p = registry.get("test-plugin").expect("test-plugin loaded");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let ctx = ResolveContext::from_process();
    let e = rt
        .block_on(p.resolve(&ctx.clone().with_env("TEST_PLUGIN_DO", "panic")))
        .expect_err("the plugin panics");
    println!("{e}");
    let again = rt
        .block_on(p.resolve(&ctx.with_env("TEST_PLUGIN_DO", "tokio")))
        .expect("the plugin still works");
    println!(
        "then resolved {}",
        again.data.keys().collect::<Vec<_>>().join(", ")
    );
}
