//! A rotated AWS key reaches a running process without a restart: the rendered pod mounts the
//! Secret's whole volume at its live directory and points `AWS_SHARED_CREDENTIALS_FILE` and
//! `AWS_CONFIG_FILE` there; kubelet's update of such a volume is simulated the way its
//! AtomicWriter does it (kubernetes `pkg/volume/util/atomic_writer.go`, `Write`: the payload
//! goes to a new timestamped directory `..<timestamp>`, a `..data_tmp` symlink to it is renamed
//! over `..data`, the visible names are symlinks `name -> ..data/name`, and the old directory
//! is removed); botocore, in the container view, then reads the new key on its next Session.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use k8s_openapi::api::core::v1::Pod;
use kt_secrets_core::{Origin, ResolveContext, Resolved, Secret};
use kt_secrets_kube::compute::{Compute, ResolvedCompute};
use kt_secrets_kube::{MountedSecret, Rotation, live_dir, rotation};

const OBJECT: &str = "kt.secret.global.aws";

fn credentials(key_id: &str) -> String {
    format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = secret-of-{key_id}\n")
}

/// What the aws provider gives for a default profile from the shared files.
fn aws_secret(key_id: &str) -> Secret {
    let mut r = Resolved::new();
    r.add_file(
        "credentials",
        credentials(key_id),
        Origin::Literal,
        "~/.aws/credentials",
        0o600,
    )
    .unwrap();
    r.add_file(
        "config",
        "[default]\nregion = eu-west-1\n",
        Origin::Literal,
        "~/.aws/config",
        0o600,
    )
    .unwrap();
    Secret::from_parts("aws", Some("aws".into()), r).unwrap()
}

/// The oracle's interpreter: `$KT_SECRETS_TEST_PYTHON`, else the venv `.ci/venv.sh` makes in
/// the target directory (the parent of `CARGO_TARGET_TMPDIR`).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KT_SECRETS_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let p = target.join("py-venv/bin/python");
    let has_botocore = std::process::Command::new(&p)
        .args(["-c", "import botocore"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_botocore,
        "{} cannot import botocore: run `bash .ci/venv.sh` (it installs .ci/requirements.txt, \
         which pins botocore), or set KT_SECRETS_TEST_PYTHON to a python that has it",
        p.display()
    );
    p
}

/// Turns the plain files of `dir` into AtomicWriter's layout, holding `files`.
fn atomic_write(dir: &Path, stamp: &str, files: &[(&str, String)]) {
    let old = std::fs::read_link(dir.join("..data")).ok();
    let ts = format!("..{stamp}");
    std::fs::create_dir(dir.join(&ts)).unwrap();
    for (name, content) in files {
        std::fs::write(dir.join(&ts).join(name), content).unwrap();
    }
    for (name, _) in files {
        let visible = dir.join(name);
        if std::fs::symlink_metadata(&visible).is_ok_and(|m| !m.file_type().is_symlink()) {
            std::fs::remove_file(&visible).unwrap();
        }
        if std::fs::symlink_metadata(&visible).is_err() {
            symlink(format!("..data/{name}"), &visible).unwrap();
        }
    }
    symlink(&ts, dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    if let Some(old) = old {
        std::fs::remove_dir_all(dir.join(old)).unwrap();
    }
}

fn env_value(pod: &Pod, var: &str) -> Option<String> {
    pod.spec.as_ref()?.containers[0]
        .env
        .as_ref()?
        .iter()
        .find(|e| e.name == var)?
        .value
        .clone()
}

#[test]
fn the_rendered_pod_points_the_sdk_at_the_live_directory() {
    let secret = aws_secret("AKIAOLD");
    assert_eq!(rotation(&secret), Rotation::Live);
    let resolved = ResolvedCompute::new(
        Compute::new(),
        vec![MountedSecret::managed(secret, "global")],
    )
    .unwrap();
    let pod = resolved.pod();
    let dir = live_dir(OBJECT);
    assert_eq!(dir, "/var/run/kt-secrets/kt.secret.global.aws");
    assert_eq!(
        env_value(&pod, "AWS_SHARED_CREDENTIALS_FILE"),
        Some(format!("{dir}/credentials"))
    );
    assert_eq!(
        env_value(&pod, "AWS_CONFIG_FILE"),
        Some(format!("{dir}/config"))
    );
    let mounts: Vec<(String, Option<String>)> = pod.spec.unwrap().containers[0]
        .volume_mounts
        .clone()
        .unwrap()
        .into_iter()
        .map(|m| (m.mount_path, m.sub_path))
        .collect();
    assert_eq!(
        mounts,
        [
            (
                "/root/.aws/credentials".to_owned(),
                Some("credentials".to_owned())
            ),
            ("/root/.aws/config".to_owned(), Some("config".to_owned())),
            (dir.clone(), None),
        ],
        "fixed-path copies stay; the whole volume is mounted at its own directory"
    );

    // An env var the compute sets wins, and that file stays at its fixed path only.
    let secret = aws_secret("AKIAOLD");
    let resolved = ResolvedCompute::new(
        Compute::new().env_var("AWS_CONFIG_FILE", "/etc/aws/config"),
        vec![MountedSecret::managed(secret, "global")],
    )
    .unwrap();
    let pod = resolved.pod();
    assert_eq!(
        env_value(&pod, "AWS_CONFIG_FILE").as_deref(),
        Some("/etc/aws/config")
    );
    assert_eq!(
        env_value(&pod, "AWS_SHARED_CREDENTIALS_FILE"),
        Some(format!("{dir}/credentials"))
    );

    // Env vars from secretKeyRef are read at container start only.
    let keys = Secret::from_values("k", [("API_KEY", "x")]).unwrap();
    assert_eq!(rotation(&keys), Rotation::Rollout);
}

#[test]
fn botocore_reads_the_rotated_key_on_a_new_session_without_a_restart() {
    let python = python();
    let resolved = ResolvedCompute::new(
        Compute::new(),
        vec![MountedSecret::managed(aws_secret("AKIAOLD"), "global")],
    )
    .unwrap();
    let view = resolved.materialize_temp().unwrap();
    let live = view.host_path(&live_dir(OBJECT));
    assert_eq!(
        view.env_var("AWS_SHARED_CREDENTIALS_FILE")
            .unwrap()
            .expose(),
        live.join("credentials").to_str().unwrap().as_bytes()
    );
    let config = std::fs::read_to_string(live.join("config")).unwrap();
    // kubelet's first write of the volume.
    atomic_write(
        &live,
        "2026_01_01_00_00_00.1",
        &[
            ("credentials", credentials("AKIAOLD")),
            ("config", config.clone()),
        ],
    );

    // One process for the whole test: a new Session per line on stdin, as a long-running
    // service that creates clients on demand does.
    let script = "import sys, botocore.session\n\
                  for _ in sys.stdin:\n\
                  \x20   s = botocore.session.Session()\n\
                  \x20   c = s.get_credentials()\n\
                  \x20   print(c.access_key if c else 'none', s.get_config_variable('region'), flush=True)\n";
    let mut child = view
        .command(&python, &ResolveContext::from_process(), &[])
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ask = || {
        writeln!(stdin, "go").unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line.trim().to_owned()
    };
    assert_eq!(ask(), "AKIAOLD eu-west-1");

    // The Secret is rotated; kubelet swaps the volume's contents.
    atomic_write(
        &live,
        "2026_01_01_00_05_00.2",
        &[("credentials", credentials("AKIANEW")), ("config", config)],
    );
    assert_eq!(
        ask(),
        "AKIANEW eu-west-1",
        "the same process sees the new key"
    );
    // The fixed-path copy is what a subPath mount keeps: the old key.
    let fixed = std::fs::read_to_string(view.host_path("~/.aws/credentials")).unwrap();
    assert!(fixed.contains("AKIAOLD"));

    drop(stdin);
    assert!(child.wait().unwrap().success());
    view.remove().unwrap();
}
