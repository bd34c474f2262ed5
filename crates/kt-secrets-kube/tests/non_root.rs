//! A non-root container reads what `inject` mounts, and the tools that check modes accept it.
//!
//! The files are laid down as the kubelet writes a read-only secret volume for a pod with
//! `fsGroup` (kubernetes `pkg/volume/volume_linux.go`: owner root, group fsGroup, mode ORed
//! with 0440), at the container paths of the injected mounts. Then `ssh-keygen -y` and botocore
//! run as the pod's user with fsGroup as a supplementary group, as the kubelet starts container
//! processes, through `setpriv` (util-linux). The test changes users, so it runs as root (CI
//! does).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kt_secrets_core::{Origin, Resolved, Secret};
use kt_secrets_kube::MountedSecret;
use kt_secrets_kube::inject::{FS_GROUP_READ_MASK, Injector};
use serde_json::{Value, json};

const UID: u32 = 1000;
const FS_GROUP: u32 = 2000;
const ACCESS_KEY: &str = "AKIAKTSECRETSNONROOT";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `cmd`, or a failure saying how to install `package`.
fn tool(cmd: &str, package: &str) -> Command {
    if Command::new(cmd).arg("--version").output().is_err()
        && Command::new(cmd).arg("-V").output().is_err()
    {
        panic!(
            "{cmd} is not installed{}: apt-get install -y -qq {package}",
            if ci() { " on the CI machine" } else { "" }
        );
    }
    Command::new(cmd)
}

/// `args` run as the pod's user: uid and gid `UID`, plus `groups` as supplementary groups.
fn as_user(groups: Option<u32>, args: &[&str]) -> Command {
    let mut c = tool("setpriv", "util-linux");
    c.args(["--reuid", &UID.to_string(), "--regid", &UID.to_string()]);
    match groups {
        Some(g) => c.args(["--groups", &g.to_string()]),
        None => c.arg("--clear-groups"),
    };
    c.arg("--").args(args);
    c
}

fn output(mut c: Command) -> Output {
    c.output().expect("the command starts")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir")
        .to_path_buf()
}

/// The test venv's python, and the directory its botocore is installed in.
fn python_with_botocore() -> (PathBuf, PathBuf) {
    let python = std::env::var_os("KT_SECRETS_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("py-venv/bin/python"));
    let found = Command::new(&python)
        .args([
            "-c",
            "import botocore, os; print(os.path.dirname(os.path.dirname(botocore.__file__)))",
        ])
        .output();
    match found {
        Ok(o) if o.status.success() => {
            let dir = String::from_utf8(o.stdout).unwrap().trim().to_owned();
            (python, PathBuf::from(dir))
        }
        _ => panic!(
            "botocore is not importable by {}: run .ci/venv.sh (cargo xtask test does), or set \
             KT_SECRETS_TEST_PYTHON to a python with botocore (.ci/requirements.txt)",
            python.display()
        ),
    }
}

fn ssh_and_aws(key: &[u8], public: &[u8]) -> Vec<MountedSecret> {
    let mut ssh = Resolved::new();
    // The modes the ssh and aws providers give (0400 private keys, 0644 public, 0600 files).
    ssh.add_file(
        "id_ed25519",
        key.to_vec(),
        Origin::Literal,
        "~/.ssh/id_ed25519",
        0o400,
    )
    .unwrap();
    ssh.add_file(
        "id_ed25519.pub",
        public.to_vec(),
        Origin::Literal,
        "~/.ssh/id_ed25519.pub",
        0o644,
    )
    .unwrap();
    let mut aws = Resolved::new();
    aws.add_file(
        "credentials",
        format!(
            "[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = kt-canary-nonroot-secret\n"
        ),
        Origin::Literal,
        "~/.aws/credentials",
        0o600,
    )
    .unwrap();
    vec![
        MountedSecret::managed(
            Secret::from_parts("ssh", Some("ssh".into()), ssh).unwrap(),
            "global",
        ),
        MountedSecret::managed(
            Secret::from_parts("aws", Some("aws".into()), aws).unwrap(),
            "global",
        ),
    ]
}

/// Writes every mounted file of container 0 of `template` under `root` as the kubelet does
/// with fsGroup: owner root, group fsGroup, the item's mode ORed with the kubelet's mask.
fn lay_out_as_kubelet(template: &Value, secrets: &[MountedSecret], root: &Path) {
    let spec = &template["spec"];
    let fs_group = spec["securityContext"]["fsGroup"]
        .as_u64()
        .expect("inject set an fsGroup") as u32;
    for m in spec["containers"][0]["volumeMounts"].as_array().unwrap() {
        let volume = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == m["name"])
            .expect("the mount's volume");
        let object = volume["secret"]["secretName"].as_str().unwrap();
        let items = volume["secret"]["items"].as_array().unwrap();
        // A subPath mount is one item at the mount path; a whole-volume mount (the live copy
        // that an SDK's path env var points at) is every item under the mount path.
        let files: Vec<(&Value, std::path::PathBuf)> = match m["subPath"].as_str() {
            Some(sub) => vec![(
                items
                    .iter()
                    .find(|i| i["path"] == sub)
                    .expect("the mount's item"),
                root.join(m["mountPath"].as_str().unwrap().trim_start_matches('/')),
            )],
            None => items
                .iter()
                .map(|i| {
                    let dir = m["mountPath"].as_str().unwrap().trim_start_matches('/');
                    (i, root.join(dir).join(i["path"].as_str().unwrap()))
                })
                .collect(),
        };
        let secret = secrets.iter().find(|s| s.object_name == object).unwrap();
        for (item, path) in files {
            lay_down(secret, item, &path, root, fs_group);
        }
    }
}

/// One file of a secret volume, as the kubelet writes it with fsGroup.
fn lay_down(secret: &MountedSecret, item: &Value, path: &Path, root: &Path, fs_group: u32) {
    {
        let value = secret
            .secret
            .data()
            .get(item["key"].as_str().unwrap())
            .unwrap()
            .expose()
            .to_vec();
        let dir = path.parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        let mut d = dir;
        while d != root {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
            d = d.parent().unwrap();
        }
        std::fs::write(path, value).unwrap();
        std::os::unix::fs::chown(path, Some(0), Some(fs_group)).unwrap();
        let mode = item["mode"].as_u64().unwrap() as u32 | FS_GROUP_READ_MASK;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[test]
fn a_non_root_user_reads_the_keys_and_credentials_through_fs_group() {
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(u32::MAX),
        0,
        "this test changes users with setpriv and must run as root (CI does)"
    );
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let gen_dir = scratch.path().join("gen");
    std::fs::create_dir(&gen_dir).unwrap();
    let key_file = gen_dir.join("id_ed25519");
    let made = output({
        let mut c = tool("ssh-keygen", "openssh-client");
        c.args(["-q", "-t", "ed25519", "-N", "", "-C", "kt-test", "-f"])
            .arg(&key_file);
        c
    });
    assert!(made.status.success(), "{}", stderr(&made));
    let key = std::fs::read(&key_file).unwrap();
    let public = std::fs::read(gen_dir.join("id_ed25519.pub")).unwrap();

    let secrets = ssh_and_aws(&key, &public);
    let mut doc = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "trainer"},
        "spec": {"selector": {}, "template": {"spec": {"containers": [{
            "name": "trainer", "image": "trainer:1",
            "securityContext": {"runAsUser": UID},
        }]}}}
    });
    Injector::new(secrets.clone())
        .container_home("/home/app")
        .fs_group(i64::from(FS_GROUP))
        .inject_value(&mut doc, None)
        .unwrap();
    let template = &doc["spec"]["template"];
    assert_eq!(template["spec"]["securityContext"]["fsGroup"], FS_GROUP);
    let root = scratch.path().join("container");
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    lay_out_as_kubelet(template, &secrets, &root);
    let key_path = root.join("home/app/.ssh/id_ed25519");
    let key_arg = key_path.to_str().unwrap();
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o440, "root:fsGroup 0440, as the kubelet leaves it");

    // ssh-keygen loads the private key (sshkey_load_private → sshkey_perm_ok) as the user.
    let o = output(as_user(
        Some(FS_GROUP),
        &["ssh-keygen", "-y", "-f", key_arg],
    ));
    assert!(o.status.success(), "ssh-keygen as {UID}: {}", stderr(&o));
    let derived = String::from_utf8_lossy(&o.stdout);
    let want = String::from_utf8_lossy(&public);
    let fields = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    assert_eq!(fields(&derived), fields(&want));

    // Without the fsGroup membership the same user cannot read it: the group is what works.
    let o = output(as_user(None, &["ssh-keygen", "-y", "-f", key_arg]));
    assert!(!o.status.success(), "read without fsGroup?");
    // OpenSSH refuses a group-readable key its reader owns: why the files stay root's.
    std::os::unix::fs::chown(&key_path, Some(UID), Some(FS_GROUP)).unwrap();
    let o = output(as_user(
        Some(FS_GROUP),
        &["ssh-keygen", "-y", "-f", key_arg],
    ));
    assert!(
        !o.status.success() && stderr(&o).contains("UNPROTECTED PRIVATE KEY FILE"),
        "an owned 0440 key was accepted: {}",
        stderr(&o)
    );
    std::os::unix::fs::chown(&key_path, Some(0), Some(FS_GROUP)).unwrap();

    // botocore finds the credentials under the user's HOME.
    let (python, site) = python_with_botocore();
    let script = "import botocore.session\n\
                  c = botocore.session.get_session().get_credentials()\n\
                  print(c.access_key if c else 'NONE')";
    let botocore_as = |groups: Option<u32>, interpreter: &Path, path: Option<&Path>| {
        let mut c = as_user(groups, &[interpreter.to_str().unwrap(), "-c", script]);
        c.env_clear()
            .env("HOME", root.join("home/app"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("PATH", "/usr/bin:/bin");
        if let Some(p) = path {
            c.env("PYTHONPATH", p);
        }
        output(c)
    };
    // The venv's interpreter may live where that user cannot enter (pyenv under /root); the
    // system python 3 then runs the venv's botocore.
    let mut run = botocore_as(Some(FS_GROUP), &python, None);
    if !run.status.success() && Path::new("/usr/bin/python3").exists() {
        run = botocore_as(Some(FS_GROUP), Path::new("/usr/bin/python3"), Some(&site));
    }
    assert!(run.status.success(), "botocore as {UID}: {}", stderr(&run));
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), ACCESS_KEY);
    let interpreter = if botocore_as(Some(FS_GROUP), &python, None).status.success() {
        (python.clone(), None)
    } else {
        (PathBuf::from("/usr/bin/python3"), Some(site.clone()))
    };
    let denied = botocore_as(None, &interpreter.0, interpreter.1.as_deref());
    assert_eq!(
        String::from_utf8_lossy(&denied.stdout).trim(),
        "NONE",
        "botocore read the credentials without fsGroup: {}",
        stderr(&denied)
    );
}
