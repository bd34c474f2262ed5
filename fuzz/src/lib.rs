//! What the fuzz targets share: a fixture HOME that a target fills with the fuzzer's input
//! in place of a credentials file, and the built-in provider that reads it.

use std::path::Path;
use std::sync::OnceLock;

use kt_secrets::{Registry, ResolveContext};

/// Planted in every input's surroundings; a message that carries it back leaks file content.
pub const CANARY: &str = "fuzzcanary";

struct Fixture {
    home: tempfile::TempDir,
    registry: Registry,
    rt: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        home: tempfile::tempdir().expect("a temporary HOME"),
        registry: Registry::builtin().expect("the built-in providers"),
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    })
}

/// Writes each `(path under HOME, bytes)`, resolves `provider` with that HOME and `env`
/// (`{home}` in a value stands for HOME; PATH is empty, so no helper program runs), removes
/// the files again, and returns the error text if the provider failed.
pub fn resolve_with(
    provider: &str,
    files: &[(&str, &[u8])],
    env: &[(&str, &str)],
) -> Option<String> {
    let f = fixture();
    let home = f.home.path();
    for (rel, bytes) in files {
        let p = home.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    let shown = home.display().to_string();
    let ctx = ResolveContext::new(home)
        .with_env("PATH", "")
        .with_envs(env.iter().map(|(k, v)| (*k, v.replace("{home}", &shown))));
    let p = f.registry.get(provider).expect("a built-in provider");
    let result = f.rt.block_on(p.resolve(&ctx));
    for (rel, _) in files {
        let _ = std::fs::remove_file(home.join(rel));
    }
    result.err().map(|e| e.to_string())
}

/// An error about a credentials file must not repeat its text: checked with a canary that
/// every input is made to contain.
///
/// `None` when the fuzzer's own bytes already hold the canary: libFuzzer learns the string
/// from the comparisons and builds inputs around it, so a message may rightly quote a key
/// or profile *name* made of it ("key fuzzcanaryB is given twice"), which is not file
/// content leaking. Such inputs are skipped rather than reported.
pub fn with_canary(data: &[u8]) -> Option<Vec<u8>> {
    if data.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()) {
        return None;
    }
    let mut v = data.to_vec();
    v.extend_from_slice(b"\n");
    v.extend_from_slice(CANARY.as_bytes());
    Some(v)
}

/// Panics when an error message carries the canary planted in the input.
pub fn assert_no_canary(error: Option<String>) {
    if let Some(e) = error {
        assert!(!e.contains(CANARY), "an error repeats file content: {e}");
    }
}

/// `path` relative to the fixture HOME, for targets that name files in env vars.
pub fn home() -> &'static Path {
    fixture().home.path()
}
