//! The README's main command, run as written on a machine with no credentials and no
//! cluster, prints exactly the output the README shows.

use std::path::{Path, PathBuf};
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
        .expect("read README.md")
}

/// The contents of the first fenced block with `lang` after `heading`.
fn block_after(text: &str, heading: &str, lang: &str) -> String {
    let start = text.find(heading).expect("heading in README");
    let fence = format!("```{lang}\n");
    let open = start + text[start..].find(&fence).expect("block") + fence.len();
    let close = open + text[open..].find("```").expect("block end");
    text[open..close].to_owned()
}

#[test]
fn the_main_command_prints_what_the_readme_shows() {
    let text = readme();
    let command = block_after(&text, "## Quick start", "bash");
    let command = command.trim();
    assert!(command.contains("cargo run"), "{command}");
    let shown = block_after(&text, "On a fresh machine it prints", "text");
    let (shown_stderr, shown_stdout) = shown.split_once('\n').expect("stderr line, then stdout");

    // A fresh machine: an empty HOME, no credentials in the environment, no kubeconfig.
    let home = tempfile::tempdir().expect("create HOME");
    let real_home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| real_home.join(".cargo"));
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| real_home.join(".rustup"));
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CARGO_HOME", cargo_home)
        .env("RUSTUP_HOME", rustup_home);
    for var in ["CARGO_TARGET_DIR", "RUSTUP_TOOLCHAIN"] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    let out = cmd.output().expect("run the README's command");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    assert_eq!(
        stderr.trim_end(),
        shown_stderr,
        "stderr differs from the README"
    );
    assert_eq!(stdout, shown_stdout, "stdout differs from the README");
}
