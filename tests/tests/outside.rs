//! A crate outside this workspace that depends on the facade alone builds and renders a pod:
//! the facade chooses k8s-openapi's Kubernetes version, so the user's program names no
//! version and needs no `K8S_OPENAPI_ENABLED_VERSION`.
//!
//! The crate is `tests/outside`, copied to a temporary directory with the path of the facade
//! made absolute, and built there with the workspace's `Cargo.lock` (offline: the same
//! versions as the workspace, already fetched).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[test]
fn a_crate_outside_the_workspace_renders_a_pod_through_the_facade() {
    let ws = workspace();
    let src = ws.join("tests/outside");
    let dir = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(src.join("Cargo.toml")).unwrap();
    let facade = ws.join("crates/kt-secrets");
    let rewritten = manifest.replace(
        "path = \"../../crates/kt-secrets\"",
        &format!("path = {:?}", facade.to_str().unwrap()),
    );
    assert_ne!(
        rewritten, manifest,
        "tests/outside/Cargo.toml names the facade by path"
    );
    assert!(
        !manifest
            .lines()
            .any(|l| l.trim_start().starts_with("k8s-openapi")),
        "the user's crate has no k8s-openapi dependency"
    );
    std::fs::write(dir.path().join("Cargo.toml"), rewritten).unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::copy(src.join("src/main.rs"), dir.path().join("src/main.rs")).unwrap();
    std::fs::copy(ws.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();

    // Kept between runs, beside this workspace's own build, so only the first run compiles
    // the dependencies.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("outside-crate");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.path().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("K8S_OPENAPI_ENABLED_VERSION")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the outside crate failed:\n{stderr}");
    assert!(stdout.starts_with("apiVersion: v1\nitems:\n"), "{stdout}");
    for line in [
        "kind: Secret",
        "name: kt.secret.global.my-api-key",
        "kind: Pod",
        "name: outside",
        "kind: List",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
}
