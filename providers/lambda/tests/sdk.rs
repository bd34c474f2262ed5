//! SkyPilot's Lambda Cloud client (pinned in .ci/requirements-nodeps.txt), the reader of
//! `~/.lambda_cloud/lambda_keys`, and the `LAMBDA_API_KEY` that scripts read, are asked for
//! each layout twice, on the laptop and in the container view of what the provider resolved:
//! both must give the same key both times.
//!
//! SkyPilot has no pip-installable piece small enough to import whole (its package imports
//! most of its dependencies), so the oracle loads the one module that reads the file,
//! sky/provision/lambda_cloud/lambda_utils.py from the pinned wheel, with its two imports of
//! SkyPilot (a lazy `requests` import and a backoff helper, neither used by the reader)
//! stubbed, and runs `LambdaCloudClient()` unchanged.

use std::sync::LazyLock;

use kt_provider_lambda::PROVIDER;
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::oracle::{Oracle, assert_same};

const KEYS: &str = ".lambda_cloud/lambda_keys";

const READER: &str = r#"
    import importlib.util, os, pathlib, sys, sysconfig, types
    for name in ("sky", "sky.adaptors", "sky.utils"):
        m = types.ModuleType(name)
        m.__path__ = []
        sys.modules[name] = m
    common = types.ModuleType("sky.adaptors.common")
    common.LazyImport = lambda *a, **k: None
    sys.modules["sky.adaptors.common"] = common
    sys.modules["sky.utils.common_utils"] = types.ModuleType("sky.utils.common_utils")
    path = pathlib.Path(sysconfig.get_paths()["purelib"]) / "sky/provision/lambda_cloud/lambda_utils.py"
    if not path.is_file():
        raise SystemExit(f"SkyPilot's lambda_utils.py is missing ({path}): run bash .ci/venv.sh")
    spec = importlib.util.spec_from_file_location("lambda_utils", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    try:
        key = mod.LambdaCloudClient().api_key
    except (AssertionError, KeyError, IndexError) as e:
        key = None
    out({"skypilot": key, "env": os.environ.get("LAMBDA_API_KEY")})
"#;

static ORACLE: LazyLock<Oracle> =
    LazyLock::new(|| Oracle::python(env!("CARGO_TARGET_TMPDIR"), &["json"], READER));

async fn same_keys(home: FixtureHome, skypilot: &str, unused: &[&str]) {
    let laptop = ORACLE.on_laptop(&home).json();
    let pod = ORACLE.in_pod(&home, &PROVIDER).await;
    assert!(
        laptop["skypilot"] == skypilot,
        "SkyPilot on the laptop reads another key"
    );
    let mut seen = pod.observed.json();
    if laptop["env"].is_null() {
        // Without the env var here, the pod gets the file's key under it too (the provider's
        // rule): a script there finds the key SkyPilot uses here.
        assert!(
            seen["env"] == skypilot,
            "LAMBDA_API_KEY in the pod is not SkyPilot's key"
        );
        seen["env"] = laptop["env"].clone();
    }
    assert_same(&laptop, &seen);
    for v in unused {
        pod.assert_not_carried(v, "no reader on the laptop uses it");
    }
}

#[tokio::test]
async fn the_key_file_as_the_docs_say_to_write_it() {
    let home = FixtureHome::new().file(KEYS, "api_key = secret_kt-lambda_canary1.abcdef\n");
    same_keys(home, "secret_kt-lambda_canary1.abcdef", &[]).await;
}

#[tokio::test]
async fn a_key_appended_with_echo_the_last_line_wins() {
    let home = FixtureHome::new().file(
        KEYS,
        "api_key = secret_old_unused_2\n# rotated\napi_key = secret_new_2\n",
    );
    same_keys(home, "secret_new_2", &["secret_old_unused_2"]).await;
}

#[tokio::test]
async fn unspaced_and_commented_lines_are_not_the_key() {
    let home = FixtureHome::new().file(
        KEYS,
        "# api_key = secret_commented_3\napi_key=secret_unspaced_3\napi_key = secret_real_3\r\n",
    );
    same_keys(
        home,
        "secret_real_3",
        &["secret_commented_3", "secret_unspaced_3"],
    )
    .await;
}

#[tokio::test]
async fn env_var_and_file_each_keep_their_key() {
    let home = FixtureHome::new()
        .env("LAMBDA_API_KEY", "secret_env_4")
        .file(KEYS, "api_key = secret_file_4\n");
    same_keys(home, "secret_file_4", &[]).await;
}

#[tokio::test]
async fn env_var_alone_is_written_as_the_key_file_too() {
    let home = FixtureHome::new().env("LAMBDA_API_KEY", "secret_env_5");
    let pod = ORACLE.in_pod(&home, &PROVIDER).await.observed.json();
    assert!(
        pod["skypilot"] == "secret_env_5",
        "SkyPilot in the pod reads another key"
    );
    assert!(
        pod["env"] == "secret_env_5",
        "scripts in the pod read another key"
    );
}

#[tokio::test]
async fn a_key_file_with_other_settings_keeps_only_the_key() {
    let home = FixtureHome::new().file(
        KEYS,
        "region = us-east-1\napi_key = secret_kt_6\nssh_key_name = other-laptop-key-6\n",
    );
    same_keys(home, "secret_kt_6", &["other-laptop-key-6"]).await;
}
