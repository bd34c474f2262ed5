//! `kt-secrets completion`: the shell completion scripts.

use crate::cli::{Cli, CompletionArgs};
use crate::output::print;

use super::Result;

/// The script is generated from the command line itself, so it always matches it.
pub(super) fn completion(a: CompletionArgs) -> Result<()> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "kt-secrets", &mut out);
    Ok(print(&String::from_utf8_lossy(&out))?)
}
