//! Builds and installs the plugins that the loader's tests load.
//!
//! - `kt-secrets-test-plugin` (`plugins/test-plugin`, made with `export_provider!`) is built
//!   by running `cargo build -p` with the cargo that runs the tests; its path comes from
//!   cargo's build messages, so the target directory layout is never guessed. `cargo test`
//!   alone does not build it: nothing links a cdylib.
//! - The hand-written plugins of `plugins/raw.rs` are compiled by `rustc` directly, one per
//!   defect: they have no dependencies, so each takes a fraction of a second.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The platform's file name for a library called `name` (`libname.so` on Linux).
pub fn lib_name(name: &str) -> String {
    format!(
        "{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds `package` (once per test binary) and returns the path of its cdylib.
pub fn cargo_cdylib(package: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(package.to_owned())
        .or_insert_with(|| cargo_build(package))
        .clone()
}

fn cargo_build(package: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "-p",
            package,
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(out.status.success(), "cargo build -p {package} failed");
    let target_name = package.replace('-', "_");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == target_name)
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
        })
        .find(|f| f.to_string_lossy().ends_with(std::env::consts::DLL_SUFFIX))
        .unwrap_or_else(|| panic!("cargo build -p {package} made no cdylib"))
}

/// The test plugin made with `export_provider!`, installed in `dir` as `file_name`.
pub fn test_plugin(dir: &Path, file_name: &str) -> PathBuf {
    install(&cargo_cdylib("kt-secrets-test-plugin"), dir, file_name)
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

/// Copies `lib` into `dir` as `file_name`, mode 0755 whatever the umask.
pub fn install(lib: &Path, dir: &Path, file_name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the plugin directory");
    let dest = dir.join(file_name);
    std::fs::copy(lib, &dest).expect("copy the plugin");
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

pub fn set_mode(p: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    #[cfg(not(unix))]
    let _ = (p, mode);
}
