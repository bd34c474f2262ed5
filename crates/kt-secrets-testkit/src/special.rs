//! Special files (FIFOs, sockets) where a reader expects a regular file, and a bound on how
//! long the code under test may take to refuse them: a reader that opens a FIFO with no
//! writer blocks forever, so a test of it must fail rather than hang.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Makes a FIFO (named pipe) called `name` in `dir`, with mode 0600, and returns its path.
#[cfg(unix)]
pub fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    use rustix::fs::{CWD, FileType, Mode, mknodat};
    let path = dir.join(name);
    if let Err(e) = mknodat(CWD, &path, FileType::Fifo, Mode::from_raw_mode(0o600), 0) {
        panic!("mkfifo {}: {}", path.display(), std::io::Error::from(e));
    }
    path
}

/// Makes a Unix socket file called `name` in `dir` (no one listens on it once this returns)
/// and returns its path.
#[cfg(unix)]
pub fn socket(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind a Unix socket"));
    path
}

/// Runs `f` on a thread of its own and returns its result, or panics when it takes longer
/// than `secs` seconds: the sign of a read that blocks. The thread is left behind on timeout.
pub fn within_seconds<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("still running after {secs} s: it blocks on a special file")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the checked code panicked"),
    }
}
