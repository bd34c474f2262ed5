//! Progress of operations on many objects: a bar on stderr when stderr is a terminal, and
//! nothing at all on a pipe. The bar names counts and objects, never values.

mod common;

use common::{Cluster, text};
use kt_secrets_testkit::FixtureHome;

const CANARY: &str = "canary-progress-3b9f";
const NAMES: [&str; 3] = ["batch-a", "batch-b", "batch-c"];

fn create_batch(cluster: &Cluster, home: &FixtureHome) {
    for name in NAMES {
        let out = cluster
            .kt(home)
            .args([
                "create",
                name,
                "--from-literal",
                &format!("API_KEY={CANARY}"),
            ])
            .output()
            .expect("run kt-secrets");
        assert!(out.status.success(), "{:?}", text(&out));
    }
}

#[test]
fn delete_by_prefix_prints_no_progress_on_a_pipe() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    create_batch(&cluster, &home);
    let out = cluster
        .kt(&home)
        .args(["delete", "--prefix", "batch-", "-y"])
        .output()
        .expect("run kt-secrets");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr, "",
        "stderr of a piped run carries only what went wrong"
    );
    for name in NAMES {
        assert!(stdout.contains(&format!("{name} deleted")), "{stdout}");
    }
    assert!(!stdout.contains(CANARY), "{stdout}");
}

#[test]
fn delete_by_prefix_shows_progress_on_a_terminal() {
    let cluster = Cluster::start();
    let home = FixtureHome::new();
    create_batch(&cluster, &home);
    let bin = assert_cmd::cargo::cargo_bin("kt-secrets");
    // util-linux `script` puts stdout and stderr on a pseudo-terminal.
    let mut c = std::process::Command::new("script");
    c.args(["-q", "-e", "-c"])
        .arg(format!(
            "{} --kubeconfig {} delete --prefix batch- -y",
            bin.display(),
            cluster.kubeconfig().display()
        ))
        .arg("/dev/null")
        .env_clear()
        .env("HOME", home.root())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null());
    let out = match c.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`script` (util-linux) is needed for terminal tests: apt-get install bsdutils")
        }
        Err(e) => panic!("cannot run script: {e}"),
    };
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{tty:?}");
    assert!(tty.contains("deleting ["), "no progress bar drawn: {tty:?}");
    assert!(tty.contains("/3 "), "the bar counts the 3 secrets: {tty:?}");
    for name in NAMES {
        assert!(tty.contains(&format!("{name} deleted")), "{tty:?}");
    }
    assert!(
        !tty.contains(CANARY),
        "a value reached the terminal: {tty:?}"
    );
}
