//! The SDK-oracle harness itself: a Python oracle sees the fixture on the laptop and the
//! materialised container view in the pod, and nothing of the test's own environment.

use kt_secrets_core::{Mount, Origin, Resolved, Secret};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::Oracle;

const CANARY: &str = "canary-harness-71c2";

const SNIPPET: &str = r#"
    import os, pathlib, socket
    home = pathlib.Path(os.environ["HOME"])
    try:
        socket.create_connection(("127.0.0.1", 9))
        net = "reached"
    except OSError as e:
        net = str(e)
    out({
        "token": os.environ.get("API_TOKEN"),
        "config": (home / ".tool/config").read_text(),
        "config_path_env": pathlib.Path(os.environ["TOOL_CONFIG"]).read_text(),
        "env": sorted(k for k in os.environ if k not in ("PATH", "LC_CTYPE")),
        "net": net,
    })
"#;

fn tool_secret(token: &str, config: &str) -> Secret {
    let mut r = Resolved::new();
    r.add_env("API_TOKEN", token, Origin::Literal).unwrap();
    r.add_file("config", config, Origin::Literal, "~/.tool/config", 0o600)
        .unwrap();
    r.mounts
        .push(Mount::path_env("TOOL_CONFIG", "~/.tool/config"));
    Secret::from_parts("tool", None, r).unwrap()
}

#[test]
fn laptop_and_pod_runs_see_their_own_side_only() {
    let oracle =
        Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["json"], SNIPPET).env("HARNESS_VAR", "both");
    let home = FixtureHome::new()
        .file(".tool/config", format!("{CANARY}-config"))
        .env("API_TOKEN", format!("{CANARY}-token"))
        .env_path("TOOL_CONFIG", ".tool/config");
    let laptop = oracle.on_laptop(&home).json();
    let pod = oracle.in_pod_with(vec![tool_secret(
        &format!("{CANARY}-token"),
        &format!("{CANARY}-config"),
    )]);
    assert_eq!(pod.observed.json(), laptop);
    assert_eq!(laptop["token"], format!("{CANARY}-token"));
    assert_eq!(
        laptop["env"],
        serde_json::json!(["API_TOKEN", "HARNESS_VAR", "HOME", "TOOL_CONFIG"])
    );
    assert!(laptop["net"].as_str().unwrap().contains("network disabled"));
    assert!(pod.carries(&format!("{CANARY}-config")));
    assert!(!pod.carries("not-there"));
    assert_eq!(
        pod.file("~/.tool/config"),
        Some(format!("{CANARY}-config").as_bytes())
    );

    // A different pod is seen as different.
    let other = oracle.in_pod_with(vec![tool_secret("other", &format!("{CANARY}-config"))]);
    assert_ne!(other.observed.json(), laptop);
    let root = other.view.root().to_path_buf();
    drop(other);
    assert!(!root.exists());
}

#[test]
#[should_panic(expected = "no_such_module_kt")]
fn a_missing_module_fails_with_the_install_command() {
    Oracle::python(
        env!("CARGO_TARGET_TMPDIR"),
        &["no_such_module_kt"],
        "out(1)",
    );
}

#[test]
#[should_panic(expected = "apt-get install -y kt-no-such-package")]
fn a_missing_cli_fails_with_the_install_command() {
    Oracle::cli("kt-no-such-cli", &[], "kt-no-such-package");
}
