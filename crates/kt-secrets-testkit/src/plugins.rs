//! Building and installing plugin libraries for tests, so tests load exactly what users load.
//!
//! `cargo test` builds a plugin crate's rlib for its tests but nothing links its cdylib, so
//! [`build_cdylib`] runs `cargo build -p <package>` with the cargo that runs the tests (same
//! workspace, same target directory through `CARGO_TARGET_DIR` if set) and takes the
//! library's path from cargo's build messages rather than guessing the target layout.

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

/// Builds `package`'s cdylib (once per test binary) and returns its path.
pub fn build_cdylib(package: &str) -> PathBuf {
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
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .find(|f| f.to_string_lossy().ends_with(std::env::consts::DLL_SUFFIX))
        .unwrap_or_else(|| panic!("cargo build -p {package} made no cdylib"))
}

/// Copies `lib` into `dir` (created if needed) as `file_name` and returns the copy's path.
/// Modes are set explicitly (directory 0700, library 0755): the loader refuses group- or
/// world-writable plugins, which a umask of 002 would otherwise give.
pub fn install_plugin(lib: &Path, dir: &Path, file_name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the plugin directory");
    let dest = dir.join(file_name);
    std::fs::copy(lib, &dest).expect("copy the plugin");
    set_mode(dir, 0o700);
    set_mode(&dest, 0o755);
    dest
}

/// Sets a file's permission bits, whatever the umask.
pub fn set_mode(p: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    #[cfg(not(unix))]
    let _ = (p, mode);
}
