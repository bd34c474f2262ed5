//! `cargo xtask fuzz`: the libFuzzer targets of `fuzz/`, one after the other.
//!
//! cargo-fuzz passes `-Z` flags to rustc, which only a nightly compiler takes; on the stable
//! toolchain `RUSTC_BOOTSTRAP=1` lets it take them, and is set here. The parsers are safe
//! Rust, so the targets run without a sanitizer (`--sanitizer none`): what they look for is
//! a panic, an abort or a hang, which libFuzzer catches itself, at twice the speed of ASan.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// One target per parser or decoder kt-secrets owns or wraps.
pub const TARGETS: &[&str] = &[
    "dotenv",
    "aws_profiles",
    "netrc",
    "gh_hosts",
    "kubeconfig",
    "gcp_json",
    "lambda_keys",
    "plugin_answers",
    "manifest_decode",
];

/// Runs each of `targets` (all when empty) for `seconds`, growing its corpus in
/// `fuzz/corpus/<target>`. Returns whether none crashed.
pub fn run(root: &Path, seconds: u64, targets: &[String]) -> Result<bool> {
    for t in targets {
        if !TARGETS.contains(&t.as_str()) {
            bail!("unknown fuzz target {t:?}; targets: {}", TARGETS.join(", "));
        }
    }
    let chosen: Vec<&str> = if targets.is_empty() {
        TARGETS.to_vec()
    } else {
        targets.iter().map(String::as_str).collect()
    };
    let probe = Command::new(cargo())
        .args(["fuzz", "--version"])
        .output()
        .context("cannot run cargo")?;
    if !probe.status.success() {
        bail!("cargo-fuzz is not installed: run `cargo install cargo-fuzz`");
    }
    let fuzz_dir = root.join("fuzz");
    let mut rows = Vec::new();
    let mut all_ok = true;
    for t in chosen {
        let corpus = fuzz_dir.join("corpus").join(t);
        std::fs::create_dir_all(&corpus)
            .with_context(|| format!("cannot create {}", corpus.display()))?;
        eprintln!("== fuzz {t}: {seconds} s");
        let started = Instant::now();
        let status = Command::new(cargo())
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .args(["--sanitizer", "none", t])
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            // A parse that takes this long on a small input is a hang.
            .arg("-timeout=10")
            .arg("-rss_limit_mb=2048")
            .status()
            .with_context(|| format!("cannot run cargo fuzz for {t}"))?;
        let ok = status.success();
        all_ok &= ok;
        rows.push(format!(
            "{t:<16} {:>6.0} s  {}",
            started.elapsed().as_secs_f64(),
            if ok {
                "no crash".to_owned()
            } else {
                format!("FAILED ({status}); see fuzz/artifacts/{t}/")
            }
        ));
    }
    eprintln!("\nfuzz summary (wall time includes the build):");
    for r in rows {
        eprintln!("  {r}");
    }
    Ok(all_ok)
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
