//! Project automation, run as `cargo xtask <command>`.

#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

mod fuzz;

#[derive(Parser)]
#[command(about = "kt-secrets project automation")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The whole test suite: `cargo test --workspace` (every crate, the CLI and the loopback
    /// API server tests, doctests), then `test-providers`.
    Test,
    /// Prove every provider: its crate's tests, the shared conformance suite, its SDK oracle
    /// test (tests/sdk.rs: the provider's own SDK or CLI on laptop fixtures and in the pod,
    /// kt_secrets_testkit::oracle), and that the
    /// facade builds with only that provider's feature and then registers it alone.
    /// Dynamic providers (cdylib crates under providers/) are built as libraries instead,
    /// and their conformance test loads them through the plugin loader.
    TestProviders {
        /// Only these providers (by name, as in `aws` or `example-plugin`); repeatable.
        #[arg(long = "provider", value_name = "NAME")]
        providers: Vec<String>,
    },
    /// Run the fuzz targets of fuzz/ (cargo-fuzz, on stable through RUSTC_BOOTSTRAP=1), one
    /// at a time; each grows its corpus in fuzz/corpus/<target>. Not run by CI.
    Fuzz {
        /// 30 seconds per target.
        #[arg(long, conflicts_with = "seconds")]
        smoke: bool,
        /// Seconds per target (default 600).
        #[arg(long, value_name = "S")]
        seconds: Option<u64>,
        /// Only these targets; repeatable.
        #[arg(long = "target", value_name = "NAME")]
        targets: Vec<String>,
    },
}

/// A provider crate found under `providers/`.
struct ProviderCrate {
    /// `aws` for `kt-provider-aws`.
    name: String,
    package: String,
    dynamic: bool,
    test_targets: Vec<String>,
    has_lib_tests: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Pass,
    Fail,
    /// Does not apply (a plugin has no SDK of its own).
    None,
}

impl Outcome {
    fn cell(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::None => "-",
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Cmd::Test => test_all(),
        Cmd::TestProviders { providers } => test_providers(&providers),
        Cmd::Fuzz {
            smoke,
            seconds,
            targets,
        } => fuzz::run(
            &workspace_root(),
            if smoke { 30 } else { seconds.unwrap_or(600) },
            &targets,
        ),
    };
    match res {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(workspace_root());
    c
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn discover() -> Result<Vec<ProviderCrate>> {
    let out = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .stderr(Stdio::inherit())
        .output()
        .context("run cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed");
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parse cargo metadata")?;
    let providers_dir = workspace_root().join("providers");
    let mut found = Vec::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        let manifest = PathBuf::from(pkg["manifest_path"].as_str().unwrap_or_default());
        if !manifest.starts_with(&providers_dir) {
            continue;
        }
        let package = pkg["name"].as_str().unwrap_or_default().to_owned();
        let name = package
            .strip_prefix("kt-provider-")
            .unwrap_or(&package)
            .to_owned();
        let mut dynamic = false;
        let mut has_lib_tests = false;
        let mut test_targets = Vec::new();
        for t in pkg["targets"].as_array().into_iter().flatten() {
            let kinds: Vec<&str> = t["kind"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str())
                .collect();
            if kinds.contains(&"cdylib") {
                dynamic = true;
            }
            if kinds
                .iter()
                .any(|k| matches!(*k, "lib" | "cdylib" | "rlib"))
            {
                has_lib_tests = true;
            }
            if kinds.contains(&"test") {
                test_targets.push(t["name"].as_str().unwrap_or_default().to_owned());
            }
        }
        found.push(ProviderCrate {
            name,
            package,
            dynamic,
            test_targets,
            has_lib_tests,
        });
    }
    found.sort_by(|a, b| (a.dynamic, &a.name).cmp(&(b.dynamic, &b.name)));
    Ok(found)
}

/// Runs a cargo command with its output in a log file; on failure prints the log's tail.
fn run_logged(label: &str, args: &[&str], log_dir: &Path) -> Result<Outcome> {
    let log_path = log_dir.join(format!("{}.log", label.replace([' ', '/'], "-")));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("create {}", log_path.display()))?;
    let status = cargo()
        .args(args)
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .with_context(|| format!("run cargo {}", args.join(" ")))?;
    if status.success() {
        return Ok(Outcome::Pass);
    }
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(40)..];
    eprintln!(
        "--- {label} failed: cargo {} (full log: {})\n{}\n---",
        args.join(" "),
        log_path.display(),
        tail.join("\n")
    );
    Ok(Outcome::Fail)
}

/// The oracle venv (`.ci/venv.sh`; quick when it is up to date).
fn venv() -> Result<bool> {
    eprintln!("== .ci/venv.sh (the Python SDKs and Kubetorch that the oracle tests run)");
    let status = Command::new("bash")
        .arg(workspace_root().join(".ci/venv.sh"))
        .status()
        .context("run .ci/venv.sh")?;
    if !status.success() {
        eprintln!("error: .ci/venv.sh failed: the oracle tests need its Python packages");
    }
    Ok(status.success())
}

fn test_all() -> Result<bool> {
    if !venv()? {
        return Ok(false);
    }
    eprintln!("== cargo test --workspace");
    let status = cargo()
        .args(["test", "--workspace"])
        .status()
        .context("run cargo test")?;
    if !status.success() {
        eprintln!("error: cargo test --workspace failed");
        return Ok(false);
    }
    eprintln!("== cargo xtask test-providers");
    test_providers(&[])
}

fn test_providers(only: &[String]) -> Result<bool> {
    let all = discover()?;
    if all.is_empty() {
        bail!("no provider crates under providers/");
    }
    for want in only {
        if !all.iter().any(|p| &p.name == want) {
            let known: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
            bail!(
                "--provider {want}: no such provider (known: {})",
                known.join(", ")
            );
        }
    }
    if !venv()? {
        return Ok(false);
    }
    let selected: Vec<&ProviderCrate> = all
        .iter()
        .filter(|p| only.is_empty() || only.contains(&p.name))
        .collect();
    let log_dir = workspace_root().join("target/xtask");
    std::fs::create_dir_all(&log_dir)?;

    let mut rows = Vec::new();
    for p in &selected {
        let started = Instant::now();
        eprintln!("== {} ({})", p.name, p.package);
        let pkg = p.package.as_str();

        let mut test_args = vec!["test", "-p", pkg];
        if p.has_lib_tests {
            test_args.push("--lib");
        }
        let others: Vec<String> = p
            .test_targets
            .iter()
            .filter(|t| *t != "conformance" && *t != "sdk")
            .cloned()
            .collect();
        for t in &others {
            test_args.extend(["--test", t.as_str()]);
        }
        let tests = run_logged(&format!("{} tests", p.name), &test_args, &log_dir)?;

        let conformance = if p.test_targets.iter().any(|t| t == "conformance") {
            run_logged(
                &format!("{} conformance", p.name),
                &["test", "-p", pkg, "--test", "conformance"],
                &log_dir,
            )?
        } else {
            eprintln!("--- {}: no tests/conformance.rs", p.name);
            Outcome::Fail
        };

        // The provider's own SDK or CLI, on laptop fixtures and in the pod
        // (kt_secrets_testkit::oracle): tests/sdk.rs of every built-in provider.
        let sdk = if p.test_targets.iter().any(|t| t == "sdk") {
            run_logged(
                &format!("{} sdk", p.name),
                &["test", "-p", pkg, "--test", "sdk"],
                &log_dir,
            )?
        } else if p.dynamic {
            Outcome::None
        } else {
            eprintln!("--- {}: no tests/sdk.rs", p.name);
            Outcome::Fail
        };

        let build = if p.dynamic {
            run_logged(
                &format!("{} cdylib", p.name),
                &["build", "-p", pkg],
                &log_dir,
            )?
        } else {
            run_logged(
                &format!("{} feature", p.name),
                // Testing implies the check, and the facade test proves the provider is
                // registered through the facade alone and that nothing else is.
                &[
                    "test",
                    "-p",
                    "kt-secrets",
                    "--no-default-features",
                    "--features",
                    &p.name,
                    "--test",
                    "facade",
                ],
                &log_dir,
            )?
        };
        rows.push((
            p.name.clone(),
            if p.dynamic { "dynamic" } else { "static" },
            tests,
            conformance,
            sdk,
            build,
            started.elapsed().as_secs_f32(),
        ));
    }

    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(8).max(8);
    println!(
        "{:<w$}  {:<7}  {:<5}  {:<11}  {:<4}  {:<22}  {:>6}",
        "PROVIDER", "KIND", "TESTS", "CONFORMANCE", "SDK", "FEATURE BUILD / CDYLIB", "SECS"
    );
    let mut ok = true;
    for (name, kind, t, c, sdk, b, secs) in &rows {
        ok &= ![t, c, sdk, b].iter().any(|o| **o == Outcome::Fail);
        println!(
            "{name:<w$}  {kind:<7}  {:<5}  {:<11}  {:<4}  {:<22}  {secs:>6.1}",
            t.cell(),
            c.cell(),
            sdk.cell(),
            b.cell()
        );
    }
    let failed = rows
        .iter()
        .filter(|r| [r.2, r.3, r.4, r.5].contains(&Outcome::Fail))
        .count();
    println!(
        "providers: {} passed, {} failed",
        rows.len() - failed,
        failed
    );
    Ok(ok)
}
