//! `kt-secrets run`: a command on this machine with exactly the container's view of the
//! secrets, and nothing else of the caller's environment.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use anyhow::Context;
use kt_secrets::kube::compute::Compute;
use kt_secrets::kube::view::{CALLER_ENV_KEPT, ContainerView};
use rustix::process::{Pid, Signal as Sig};
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::{Env, Result, found_providers};
use crate::cli::RunArgs;
use crate::report::Failure;

/// Exit status when the command cannot be started (not found, not executable), as shells do.
const CANNOT_RUN: u8 = 127;

/// Signals that end `run` early: each is passed on to the command, whose end `run` then waits
/// for, so the tree is removed before `run` exits.
struct Signals {
    int: Signal,
    term: Signal,
    hup: Signal,
    quit: Signal,
}

impl Signals {
    fn install() -> Result<Signals> {
        let s = |kind: SignalKind| signal(kind).context("cannot install a signal handler");
        Ok(Signals {
            int: s(SignalKind::interrupt())?,
            term: s(SignalKind::terminate())?,
            hup: s(SignalKind::hangup())?,
            quit: s(SignalKind::quit())?,
        })
    }

    /// The next signal received.
    async fn next(&mut self) -> Sig {
        tokio::select! {
            _ = self.int.recv() => Sig::INT,
            _ = self.term.recv() => Sig::TERM,
            _ = self.hup.recv() => Sig::HUP,
            _ = self.quit.recv() => Sig::QUIT,
        }
    }

    /// A signal that arrived before the command was started.
    async fn pending(&mut self) -> Option<Sig> {
        tokio::select! {
            biased;
            s = self.next() => Some(s),
            () = std::future::ready(()) => None,
        }
    }
}

pub(super) async fn run(env: &Env, a: RunArgs) -> Result<u8> {
    let registry = env.registry()?;
    let mut compute = Compute::new()
        .with_container_home(&a.container_home)
        .with_owner(&env.owner)
        .with_secrets(&a.secrets);
    if a.all_found {
        compute = compute.with_secrets(found_providers(&registry, &env.ctx, &a.secrets).await?);
    }
    for var in &a.keep_env {
        kt_secrets::validate_env_var(var)
            .map_err(|e| Failure::usage(format!("--keep-env: {e}")))?;
    }
    // Secrets already in the cluster are read from it; providers alone need no cluster.
    let resolved = if a.secrets.iter().all(|s| registry.contains(s)) {
        compute.resolve(&registry, &env.ctx, None).await?
    } else {
        let store = env.store().await?;
        compute.resolve(&registry, &env.ctx, Some(&store)).await?
    };

    // Installed before the tree exists: from here on a signal cannot end `run` before the
    // tree is removed.
    let mut signals = Signals::install()?;
    let view = resolved
        .materialize_temp()
        .context("cannot lay out the container's files")?;
    tracing::info!(
        root = %view.root().display(),
        files = view.files().len(),
        env = ?view.env().map(|(k, _)| k).collect::<Vec<_>>(),
        "container view"
    );
    let outcome = run_in(&view, env, &a, &mut signals).await;
    let removed = remove(view);
    let code = outcome?;
    removed?;
    Ok(code)
}

/// Starts the command in the view and waits for it, passing signals on.
async fn run_in(view: &ContainerView, env: &Env, a: &RunArgs, signals: &mut Signals) -> Result<u8> {
    if let Some(sig) = signals.pending().await {
        return Ok(signal_status(sig.as_raw()));
    }
    let (program, args) = a
        .command
        .split_first()
        .ok_or_else(|| Failure::usage("no command given after --"))?;
    let mut cmd = tokio::process::Command::from(view.command(program, &env.ctx, &a.keep_env));
    cmd.args(args);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            crate::report::print(
                &anyhow::Error::new(e)
                    .context(format!(
                        "cannot run {program:?} (PATH and the --keep-env vars are the only \
                         ones kept of yours: {})",
                        CALLER_ENV_KEPT.join(", ")
                    ))
                    .into(),
            );
            return Ok(CANNOT_RUN);
        }
    };
    let pid = child.id().and_then(|p| Pid::from_raw(p as i32));
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.context("cannot wait for the command")?;
                return Ok(exit_code(status));
            }
            sig = signals.next() => {
                // The child is reaped only by `wait` above, so the pid is still its own.
                if let Some(pid) = pid.filter(|_| !sent_by_terminal(sig)) {
                    tracing::debug!(signal = sig.as_raw(), "passing the signal on to the command");
                    let _ = rustix::process::kill_process(pid, sig);
                }
            }
        }
    }
}

/// Whether `sig` most likely came from the terminal (Ctrl-C, Ctrl-\\), which sends it to the
/// whole foreground process group, the command included: passing it on would deliver it twice.
fn sent_by_terminal(sig: Sig) -> bool {
    if sig != Sig::INT && sig != Sig::QUIT {
        return false;
    }
    let stdin = std::io::stdin();
    rustix::termios::isatty(&stdin)
        && rustix::termios::tcgetpgrp(&stdin).ok() == Some(rustix::process::getpgrp())
}

/// The command's exit code; a command ended by a signal gives 128 + the signal, as shells do.
fn exit_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(c), _) => (c & 0xff) as u8,
        (None, Some(sig)) => signal_status(sig),
        (None, None) => 1,
    }
}

fn signal_status(sig: i32) -> u8 {
    (128 + sig).clamp(0, 255) as u8
}

fn remove(view: ContainerView) -> Result<()> {
    let root = view.root().to_path_buf();
    view.remove().with_context(|| {
        format!(
            "the container's files could not all be removed from {}; remove it yourself",
            root.display()
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_like_a_shell() {
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(9)), 137);
        assert_eq!(exit_code(ExitStatus::from_raw(Sig::TERM.as_raw())), 143);
    }
}
