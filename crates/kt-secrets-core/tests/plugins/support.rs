//! Builds and installs the plugins that the loader's tests load.
//!
//! - `kt-secrets-test-plugin` (`plugins/test-plugin`, made with `export_provider!`) is built
//!   by running `cargo build -p` with the cargo that runs the tests; its path comes from
//!   cargo's build messages, so the target directory layout is never guessed. `cargo test`
//!   alone does not build it: nothing links a cdylib.
//! - The hand-written plugins of `plugins/raw.rs` are compiled by `rustc` directly, one per
//!   defect: they have no dependencies, so each takes a fraction of a second.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub use kt_secrets_testkit::plugins::{build_cdylib, lib_name, set_mode};

/// The test plugin made with `export_provider!`, copied into `dir` as `file_name` (mode
/// 0755). The directory's mode is left as the test set it.
pub fn test_plugin(dir: &Path, file_name: &str) -> PathBuf {
    let dest = dir.join(file_name);
    std::fs::copy(build_cdylib("kt-secrets-test-plugin"), &dest).expect("copy the plugin");
    set_mode(&dest, 0o755);
    dest
}

/// `plugins/raw.rs` compiled with `defect` into `dir` as `file_name`.
pub fn raw_plugin(defect: &str, dir: &Path, file_name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins/raw.rs");
    let dest = dir.join(file_name);
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "cdylib",
            "--crate-name",
        ])
        .arg(format!("raw_{defect}"))
        .args([
            "--cfg",
            &format!("defect=\"{defect}\""),
            "-C",
            "debuginfo=0",
            "-o",
        ])
        .arg(&dest)
        .arg(&src)
        .status()
        .expect("run rustc");
    assert!(
        status.success(),
        "rustc {} (defect {defect}) failed",
        src.display()
    );
    set_mode(&dest, 0o755);
    dest
}

/// A new plugin directory, mode 0700.
pub fn plugin_dir() -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("kt-plugins-")
        .tempdir()
        .expect("create a plugin directory");
    set_mode(d.path(), 0o700);
    d
}
