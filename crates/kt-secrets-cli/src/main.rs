//! `kt-secrets`: local credentials and explicit values as Kubernetes Secrets, and the pods that
//! mount them.

mod age;
mod cli;
mod commands;
mod envfile;
mod output;
mod progress;
mod report;

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints usage errors to stderr and help or version to stdout; it exits 2 on
            // an error and 0 otherwise.
            let code = e.exit_code();
            let _ = e.print();
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report::print(
                &anyhow::Error::from(e)
                    .context("cannot start the async runtime")
                    .into(),
            );
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            report::print(&failure);
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Logs of kt-secrets' own crates only, at a level set by `-v` alone (not `RUST_LOG`): the
/// `kube` client logs whole response bodies when one fails to parse, and a Secret's body holds
/// its values, so of `kube` only the request line (method and URL) is ever enabled.
fn init_logging(verbose: u8) {
    let directives = match verbose {
        0 => "kt_=warn",
        1 => "kt_=info",
        2 => "kt_=debug,kube_client::client::builder=debug",
        _ => "kt_=trace,kube_client::client::builder=debug",
    };
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing::level_filters::LevelFilter::OFF.into())
        .parse_lossy(directives);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && output::color_allowed())
        .with_target(verbose >= 2)
        .without_time()
        .try_init();
}
